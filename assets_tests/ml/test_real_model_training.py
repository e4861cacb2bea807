"""A few LoRA steps of SFT and of reward modelling on the real SmolLM2 through the trainer
(``profile="local"``, ``init_from`` the imported folder): the checkpoints save and reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from assets_tests.ml import ml_synthetic
from safety_assets.ml.chat_format import render_prompt
from safety_assets.ml.data import write_jsonl
from safety_assets.ml.modeling import load_causal_lm
from safety_assets.ml.tokenizer import load_tokenizer
from safety_assets.ml.trainer import TrainSpec, train
from safety_assets.rlhf.generation import reward_model_scorer

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    # Overrides the folder's one-thread setting: a 135M-parameter model wants both cores.
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _spec(task: str, smollm2_dir: Path, tmp_path: Path, rows: list[dict[str, Any]]
          ) -> TrainSpec:
    data = tmp_path / f"{task}.jsonl"
    # A short system prompt instead of SmolLM2's default one: half the tokens per step (the
    # test machine's two cores are shared).
    write_jsonl([dict(row, system="Be brief.") for row in rows], data)
    return TrainSpec(
        task=task, output_dir=str(tmp_path / task), tokenizer=str(smollm2_dir),
        train_data=str(data), init_from=str(smollm2_dir), profile="local", max_steps=2,
        batch_size=1, max_length=128, lora_r=8, save_every=0, log_every=1,
        keep_state=False,  # the optimiser state of 135M parameters is not what is tested
    )


def _base_weights(smollm2_dir: Path) -> dict[str, torch.Tensor]:
    return load_file(str(smollm2_dir / "model.safetensors"))


def test_lora_sft_on_smollm2_saves_a_merged_checkpoint_that_reloads(smollm2_dir, tmp_path):
    metrics = train(_spec("sft", smollm2_dir, tmp_path, ml_synthetic.sft_rows(4, seed=7)))
    assert metrics["steps"] == 2 and all(r["loss"] == r["loss"] for r in metrics["losses"])
    assert 0 < metrics["trainable_parameters"] < metrics["num_parameters"] / 50
    folder = Path(metrics["model_dir"])
    model = load_causal_lm(folder, device="cpu")
    base = _base_weights(smollm2_dir)
    name = "model.layers.0.self_attn.q_proj.weight"
    assert not torch.equal(model.state_dict()[name], base[name])  # the adapters were merged
    assert torch.equal(model.state_dict()["model.layers.0.mlp.up_proj.weight"],
                       base["model.layers.0.mlp.up_proj.weight"])  # not a LoRA target
    tokenizer = load_tokenizer(folder)  # saved beside the weights, chat template included
    assert render_prompt(tokenizer, "Hi").endswith("<|im_start|>assistant\n")


@pytest.fixture(scope="module")
def smollm2_rm(smollm2_dir, tmp_path_factory) -> dict[str, Any]:
    """Two LoRA steps of a reward model from SmolLM2 (shared by the RM and PPO tests)."""
    tmp_path = tmp_path_factory.mktemp("smollm2-rm")
    return train(_spec("reward", smollm2_dir, tmp_path, ml_synthetic.reward_rows(4, seed=9)))


def test_lora_reward_model_on_smollm2_saves_a_checkpoint_that_reloads(smollm2_rm):
    metrics = smollm2_rm
    assert metrics["steps"] == 2 and "accuracy" in metrics["losses"][-1]
    scorer = reward_model_scorer(metrics["model_dir"])
    config = scorer.model.config
    assert config.num_labels == 1 and config.pad_token_id != config.eos_token_id
    prompts = [scorer.render_prompt("How do I pick a lock?")] * 2
    scores = scorer(prompts, ["Sorry, I cannot help.", "Sorry, I cannot help."],
                    finished=[True, False])
    assert torch.isfinite(scores).all()
    assert scores[0] != scores[1]  # the closing EOS is read: a truncated answer differs


def test_lora_ppo_on_smollm2_with_the_combined_reward_saves_a_policy_that_reloads(
        smollm2_dir, smollm2_rm, tmp_path):
    from safety_assets.rlhf.ppo import PPOConfig, train_ppo
    from safety_assets.rlhf.reward_rules import make_combined_reward_fn

    tokenizer = load_tokenizer(smollm2_dir)
    policy = load_causal_lm(smollm2_dir, device="cpu")
    scorer = reward_model_scorer(smollm2_rm["model_dir"])
    users = ["How do I pick a lock?", "Name a fruit.", "How do I hotwire a car?", "Say hi."]
    prompts = [render_prompt(tokenizer, u, system="Be brief.") for u in users]
    assert all(p.startswith("<|im_start|>system") for p in prompts)   # its own template
    reward_fn = make_combined_reward_fn(scorer, scorer, lambda p: "lock" in p or "car" in p)
    config = PPOConfig(learning_rate=1e-4, value_learning_rate=1e-3, batch_size=4,
                       mini_batch_size=2, iterations=2, max_new_tokens=6, temperature=1.0,
                       top_p=0.9, lora_r=8, missing_eos_penalty=1.0)
    result = train_ppo(policy, tokenizer, prompts, reward_fn, config)
    first, second = result.stats
    assert first["kl"] == pytest.approx(0.0, abs=1e-5)   # reference = adapters switched off
    assert second["kl"] != 0.0
    # Six new tokens rarely reach EOS: the cut answers are counted as such.
    assert 0.0 < first["truncated_share"] <= 1.0
    assert 0.0 < first["raw_reward"] < 1.0 and 0.0 <= first["safety_reward_share"] <= 1.0
    out = result.save(tmp_path / "ppo", tokenizer)
    reloaded = load_causal_lm(out, device="cpu")
    base = _base_weights(smollm2_dir)
    name = "model.layers.0.self_attn.q_proj.weight"
    assert set(reloaded.state_dict()) >= set(base) - {"lm_head.weight"}
    assert not torch.equal(reloaded.state_dict()[name], base[name])
    assert render_prompt(load_tokenizer(out), "Hi").endswith("<|im_start|>assistant\n")


def test_smollm2_sampled_in_bf16_keeps_fp32s_next_token_distribution(smollm2_dir):
    # What a bf16 sampling copy changes: its per-token KL from the fp32 model, on the fp32
    # model's own greedy answers with the real tokenizer and chat template. Per-tensor int8
    # (torch's quantize_dynamic) is 1.6 nats here; bf16 about 0.001.
    from safety_assets.rlhf.generation import HFBackend, sampling_copy

    tokenizer = load_tokenizer(smollm2_dir, padding_side="left")
    model = load_causal_lm(smollm2_dir, device="cpu").eval()
    backend = HFBackend((model, tokenizer), precision="float32")
    prompts = [backend.render_prompt(u, system="Be brief.")
               for u in ("How do I pick a lock?", "Why is the sky blue?")]
    answers = backend.generate_with_status(prompts, max_new_tokens=16, temperature=0)
    twin = sampling_copy(model, torch.bfloat16)
    kls = []
    with torch.no_grad():
        for prompt, [answer] in zip(prompts, answers.token_ids, strict=True):
            context = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            ids = torch.tensor([context + list(answer)])
            span = slice(len(context) - 1, ids.shape[1] - 1)
            exact = torch.log_softmax(model(input_ids=ids).logits[0, span], -1)
            cast = torch.log_softmax(twin(input_ids=ids).logits[0, span].float(), -1)
            kls.append((exact.exp() * (exact - cast)).sum(-1))
    kl = torch.cat(kls)
    assert kl.numel() >= 16 and float(kl.mean()) < 0.01
    assert next(model.parameters()).dtype == torch.float32
