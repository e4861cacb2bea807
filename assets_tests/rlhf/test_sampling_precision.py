"""Sampling from a bf16 copy: the model being trained stays as it is, every call samples the
model as it is at that call, LoRA adapters are merged into the copy, and ``auto`` picks bf16
only where the device runs it natively."""

from __future__ import annotations

import pytest
import torch

from safety_assets.rlhf import generation
from safety_assets.rlhf.generation import HFBackend, sampling_copy, sampling_dtype
from safety_assets.rlhf.tiny import tiny_llama


def _state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.clone() for name, value in model.state_dict().items()}


def test_bf16_sampling_leaves_the_trained_model_in_fp32_and_unchanged(policy, tokenizer,
                                                                      chat_prompts):
    before = _state(policy)
    backend = HFBackend((policy, tokenizer), batch_size=2, precision="bfloat16")
    result = backend.generate_with_status(chat_prompts, n=2, max_new_tokens=8, seed=0)
    assert backend.sample_dtype == torch.bfloat16
    assert len(result.texts) == len(chat_prompts) and all(len(g) == 2 for g in result.texts)
    assert all(p.dtype == torch.float32 for p in policy.parameters())
    assert all(torch.equal(before[name], value) for name, value in policy.state_dict().items())


def test_bf16_sampling_draws_from_the_policy_cast_to_bf16(policy, tokenizer, chat_prompts):
    cast = tiny_llama(tokenizer, seed=0).to(torch.bfloat16)
    settings = dict(n=3, max_new_tokens=12, temperature=1.0, top_p=0.9, seed=4)
    copied = HFBackend((policy, tokenizer), precision="bfloat16").generate(chat_prompts,
                                                                           **settings)
    direct = HFBackend((cast, tokenizer), precision="bfloat16").generate(chat_prompts,
                                                                         **settings)
    assert copied == direct


def test_a_model_trained_between_calls_is_sampled_as_it_now_is(policy, tokenizer,
                                                               chat_prompts):
    backend = HFBackend((policy, tokenizer), precision="bfloat16")
    first = backend.generate(chat_prompts, max_new_tokens=12, temperature=0)
    other = tiny_llama(tokenizer, seed=7)
    policy.load_state_dict(other.state_dict())   # what a training step between calls does
    after = backend.generate(chat_prompts, max_new_tokens=12, temperature=0)
    expected = HFBackend((other, tokenizer), precision="bfloat16").generate(
        chat_prompts, max_new_tokens=12, temperature=0)
    assert after == expected != first


def test_a_lora_policy_is_merged_into_its_bf16_copy_and_keeps_its_adapters(policy,
                                                                           tokenizer):
    from peft import LoraConfig, get_peft_model

    lora = get_peft_model(policy, LoraConfig(r=4, target_modules=["q_proj", "v_proj"],
                                             init_lora_weights=False))
    twin = sampling_copy(lora, torch.bfloat16)
    assert not hasattr(twin, "peft_config") and hasattr(lora, "peft_config")
    assert {p.dtype for p in twin.parameters()} == {torch.bfloat16}
    ids = torch.tensor([tokenizer("hello there, how are you?")["input_ids"]])
    with torch.no_grad():
        fp32, bf16 = lora(input_ids=ids).logits, twin(input_ids=ids).logits.float()
        base = lora.get_base_model()
        with lora.disable_adapter():
            without = base(input_ids=ids).logits
    # the adapters count: the copy is closer to the LoRA model than to its base
    assert (bf16 - fp32).abs().max() < (without - fp32).abs().max()
    assert (bf16 - fp32).abs().max() < 0.1


def test_a_model_already_in_the_sampling_dtype_is_used_as_it_is(policy):
    assert sampling_copy(policy, torch.float32) is policy


@pytest.mark.parametrize("native, expected", [(True, torch.bfloat16), (False, torch.float32)])
def test_auto_samples_in_bf16_only_where_the_device_runs_it_natively(monkeypatch, native,
                                                                     expected):
    monkeypatch.setattr(generation, "native_bf16", lambda device: native)
    assert sampling_dtype("auto", "cpu") == expected
    assert sampling_dtype("float32", "cpu") == torch.float32
    assert sampling_dtype("bfloat16", "cpu") == torch.bfloat16


def test_an_unknown_sampling_precision_is_refused_with_the_choices(policy, tokenizer):
    with pytest.raises(ValueError, match="'int8'.*float32, bfloat16, auto"):
        HFBackend((policy, tokenizer), precision="int8")
