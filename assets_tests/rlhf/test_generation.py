"""Sampling backends and reward-model scoring."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM

from safety_assets.ml.chat_format import format_prompt
from safety_assets.rlhf.generation import (
    VLLM_MISSING,
    BackendUnavailableError,
    GenerationBackend,
    HFBackend,
    VLLMBackend,
    make_backend,
    probs,
    reward_model_scorer,
    rm_input_ids,
    rm_text,
    score_responses,
    token_budget_batches,
    truncate_at_eos,
    vllm_available,
)
from safety_assets.rlhf.tiny import tiny_llama, tiny_reward_model


def test_left_padding_gives_the_same_greedy_output_alone_and_batched(policy, tokenizer,
                                                                     chat_prompts):
    backend = HFBackend((policy, tokenizer), batch_size=8)
    short = chat_prompts[0]
    alone = backend.generate([short], n=1, max_new_tokens=24, temperature=0)
    batched = backend.generate(chat_prompts, n=1, max_new_tokens=24, temperature=0)
    assert len(alone[0][0]) > 0
    assert batched[0] == alone[0]
    for i, prompt in enumerate(chat_prompts[1:], start=1):
        assert backend.generate([prompt], n=1, max_new_tokens=24, temperature=0) == [batched[i]]


def test_batching_and_order_do_not_change_greedy_answers(policy, tokenizer, chat_prompts):
    big = HFBackend((policy, tokenizer), batch_size=8).generate(
        chat_prompts, max_new_tokens=12, temperature=0)
    small = HFBackend((policy, tokenizer), batch_size=1).generate(
        chat_prompts, max_new_tokens=12, temperature=0)
    assert big == small


def test_seeded_sampling_is_reproducible_and_the_seed_matters(policy, tokenizer, chat_prompts):
    backend = HFBackend((policy, tokenizer), batch_size=2)
    kwargs = dict(n=3, max_new_tokens=10, temperature=1.0, top_p=0.9)
    first = backend.generate(chat_prompts, seed=11, **kwargs)
    again = backend.generate(chat_prompts, seed=11, **kwargs)
    other = backend.generate(chat_prompts, seed=12, **kwargs)
    assert first == again
    assert first != other


def test_sampling_does_not_disturb_the_callers_rng(policy, tokenizer, chat_prompts):
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    HFBackend((policy, tokenizer)).generate(chat_prompts[:1], n=2, max_new_tokens=4, seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_n_samples_per_prompt_in_prompt_order(policy, tokenizer, chat_prompts):
    backend = HFBackend((policy, tokenizer), batch_size=3)
    out = backend.generate(chat_prompts, n=4, max_new_tokens=8, temperature=1.0, seed=0)
    assert len(out) == len(chat_prompts)
    assert all(len(samples) == 4 for samples in out)
    assert all(len(set(samples)) > 1 for samples in out)  # independent samples


def test_checkpoint_generation_defaults_do_not_override_the_requested_sampling(
        tokenizer, chat_prompts):
    model = tiny_llama(tokenizer, seed=0)
    model.generation_config.top_k = 1  # would make every sample the greedy one
    model.generation_config.repetition_penalty = 5.0
    backend = HFBackend((model, tokenizer))
    sampled = backend.generate(chat_prompts[:1], n=4, max_new_tokens=8, temperature=1.0, seed=0)
    assert len(set(sampled[0])) > 1
    greedy = backend.generate(chat_prompts[:1], max_new_tokens=8, temperature=0)
    plain = HFBackend((tiny_llama(tokenizer, seed=0), tokenizer)).generate(
        chat_prompts[:1], max_new_tokens=8, temperature=0)
    assert greedy == plain


def test_greedy_with_n_repeats_the_single_greedy_answer(policy, tokenizer, chat_prompts):
    out = HFBackend((policy, tokenizer)).generate(chat_prompts[:2], n=3, max_new_tokens=6,
                                                  temperature=0)
    assert all(len(set(samples)) == 1 and len(samples) == 3 for samples in out)


def test_only_new_text_is_returned_without_special_tokens(policy, tokenizer, chat_prompts):
    out = HFBackend((policy, tokenizer)).generate(chat_prompts, n=2, max_new_tokens=10, seed=3)
    for samples in out:
        for text in samples:
            assert len(text) <= 10  # one character per token: no prompt text came back
            assert "[INST]" not in text and "</s>" not in text and "<pad>" not in text


def test_answers_stop_at_an_eos_token_and_drop_it(tokenizer):
    model = tiny_llama(tokenizer, seed=0)
    prompt = [format_prompt("hi")]
    free = HFBackend((model, tokenizer)).generate(prompt, max_new_tokens=10, temperature=0)[0][0]
    stop = free[2]  # declare the third generated character an end-of-sequence token
    model.generation_config.eos_token_id = [tokenizer.eos_token_id,
                                            tokenizer.convert_tokens_to_ids(stop)]
    cut = HFBackend((model, tokenizer)).generate(prompt, max_new_tokens=10, temperature=0)
    assert cut == [[free[: free.index(stop)].strip()]]


def test_truncate_at_eos_cuts_each_row_at_its_first_eos():
    new = torch.tensor([[5, 2, 7, 2], [5, 6, 7, 8], [2, 3, 3, 3]])
    assert truncate_at_eos(new, [2]) == [[5, 2], [5, 6, 7, 8], [2]]
    assert truncate_at_eos(new, [2], keep_eos=False) == [[5], [5, 6, 7, 8], []]


def test_hf_backend_loads_a_saved_checkpoint_by_path(tmp_path, policy, tokenizer, chat_prompts):
    policy.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    from_path = make_backend("hf", str(tmp_path), batch_size=4)
    in_memory = HFBackend((policy, tokenizer))
    kwargs = dict(n=1, max_new_tokens=8, temperature=0)
    assert isinstance(from_path, GenerationBackend)
    assert from_path.generate(chat_prompts, **kwargs) == in_memory.generate(chat_prompts,
                                                                             **kwargs)
    assert isinstance(AutoModelForCausalLM.from_pretrained(tmp_path), torch.nn.Module)


def test_unknown_backend_name_is_rejected():
    with pytest.raises(ValueError, match="unknown generation backend"):
        make_backend("tgi", "x")


@pytest.mark.skipif(vllm_available(), reason="vllm is installed here")
def test_vllm_backend_without_vllm_names_the_gpu_extra():
    with pytest.raises(ImportError, match=r"pip install 'safety-assets\[gpu\]'") as info:
        VLLMBackend("/nonexistent/model")
    assert isinstance(info.value, BackendUnavailableError)
    assert str(info.value) == VLLM_MISSING
    with pytest.raises(BackendUnavailableError):
        make_backend("vllm", "/nonexistent/model")


def test_rm_text_appends_the_answer_like_format_example():
    prompt = format_prompt("Is it safe?")
    assert rm_text(prompt, " Yes. ") == prompt + " Yes. </s>"
    assert rm_text("Is it safe?", "Yes.") == prompt + " Yes. </s>"


def test_reward_scores_do_not_depend_on_batching_right_padding(reward_model, tokenizer,
                                                               chat_prompts):
    responses = ["Sure.", "Once upon a time there was a dragon.", "Paris.", "Use baking soda."]
    one = score_responses(reward_model, tokenizer, chat_prompts, responses, batch_size=1)
    many = score_responses(reward_model, tokenizer, chat_prompts, responses, batch_size=4)
    assert one.shape == (4,) and one.dtype == torch.float32
    assert torch.allclose(one, many, atol=1e-5)
    assert len(set(one.tolist())) == 4
    p = probs(many)
    assert ((p > 0) & (p < 1)).all()
    assert torch.allclose(p, torch.sigmoid(many))


def test_scores_batched_by_length_come_back_in_input_order(reward_model, tokenizer,
                                                           chat_prompts):
    # Longest first: batching by length takes them in the reverse order, across batches.
    responses = ["Once upon a time there was a dragon who lived beyond the hills.",
                 "Use baking soda and warm water.", "Paris, I think.", "Sure."]
    prompts = [chat_prompts[0]] * 4
    one = torch.cat([score_responses(reward_model, tokenizer, [prompt], [response])
                     for prompt, response in zip(prompts, responses, strict=True)])
    pairs = score_responses(reward_model, tokenizer, prompts, responses, batch_size=2)
    assert len(set(one.tolist())) == 4
    assert torch.allclose(one, pairs, atol=1e-5)


def test_token_budget_batches_hold_every_row_once_within_the_budget():
    lengths = [3, 5, 5, 8, 20, 40, 41, 100]
    batches = list(token_budget_batches(lengths, batch_size=3, max_batch_tokens=40))
    assert [i for batch in batches for i in batch] == list(range(len(lengths)))
    for batch in batches:
        padded = len(batch) * max(lengths[i] for i in batch)
        assert len(batch) <= 3 and (padded <= 40 or len(batch) == 1)
    # 8 and 20 pad to 2 x 20; a row at or over the budget (40, 41, 100) goes alone
    assert batches == [[0, 1, 2], [3, 4], [5], [6], [7]]
    assert list(token_budget_batches(lengths, 3, None)) == [[0, 1, 2], [3, 4, 5], [6, 7]]


def test_scores_under_a_token_budget_match_plain_batches(reward_model, tokenizer,
                                                          chat_prompts):
    responses = ["Sure.", "Paris, I think.", "Use baking soda and warm water.",
                 "Once upon a time there was a dragon who lived beyond the hills. " * 3]
    prompts = chat_prompts[:1] * 4
    plain = score_responses(reward_model, tokenizer, prompts, responses, batch_size=4,
                            max_batch_tokens=None)
    tight = score_responses(reward_model, tokenizer, prompts, responses, batch_size=4,
                            max_batch_tokens=64)
    assert torch.allclose(plain, tight, atol=1e-5)


def test_scoring_sets_a_missing_pad_token_id_on_the_model(tokenizer, chat_prompts):
    model = tiny_reward_model(tokenizer, seed=2)
    model.config.pad_token_id = None
    scores = score_responses(model, tokenizer, chat_prompts[:2], ["a", "bb"], batch_size=2)
    assert model.config.pad_token_id == tokenizer.pad_token_id
    assert torch.isfinite(scores).all()


def test_scoring_truncation_keeps_the_answer_end(reward_model, tokenizer):
    long_prompt = format_prompt("blah " * 100)
    short = score_responses(reward_model, tokenizer, [long_prompt], ["the end"], max_length=40)
    full = score_responses(reward_model, tokenizer, [long_prompt], ["the end"])
    assert torch.isfinite(short).all() and short.shape == full.shape == (1,)
    with pytest.raises(ValueError):
        score_responses(reward_model, tokenizer, [long_prompt], [])


# --------------------------------------------------------------------------- EOS status


def test_generate_with_status_flags_answers_cut_at_max_new_tokens(tokenizer):
    model = tiny_llama(tokenizer, seed=0)
    prompt = [format_prompt("hi")]
    backend = HFBackend((model, tokenizer))
    free = backend.generate_with_status(prompt, max_new_tokens=10, temperature=0)
    assert free.finished == [[False]] and len(free.token_ids[0][0]) == 10
    assert free.truncated_share == 1.0
    stop = free.texts[0][0][2]  # the third generated character becomes an EOS token
    model.generation_config.eos_token_id = [tokenizer.eos_token_id,
                                            tokenizer.convert_tokens_to_ids(stop)]
    cut = backend.generate_with_status(prompt, max_new_tokens=10, temperature=0)
    assert cut.finished == [[True]] and cut.truncated_share == 0.0
    assert cut.texts == [[free.texts[0][0][: free.texts[0][0].index(stop)].strip()]]
    assert tokenizer.convert_tokens_to_ids(stop) not in cut.token_ids[0][0]  # EOS dropped


def test_generate_returns_the_texts_of_generate_with_status(policy, tokenizer, chat_prompts):
    backend = HFBackend((policy, tokenizer), batch_size=3)
    kwargs = dict(n=2, max_new_tokens=6, temperature=1.0, seed=4)
    status = backend.generate_with_status(chat_prompts, **kwargs)
    assert backend.generate(chat_prompts, **kwargs) == status.texts
    assert [len(row) for row in status.finished] == [2] * len(chat_prompts)


def test_shared_prompt_cache_samples_the_greedy_answer_at_near_zero_temperature(
        policy, tokenizer, chat_prompts):
    # At a vanishing temperature sampling is argmax, so the shared-prefix route must reproduce
    # plain greedy decoding for prompts of different lengths (left padding, positions).
    greedy = HFBackend((policy, tokenizer), batch_size=4).generate(
        chat_prompts, n=1, max_new_tokens=12, temperature=0)
    shared = HFBackend((policy, tokenizer), batch_size=4, share_prompt_cache=True).generate(
        chat_prompts, n=3, max_new_tokens=12, temperature=1e-5)
    assert shared == [row * 3 for row in greedy]


def test_shared_prompt_cache_still_draws_independent_samples(policy, tokenizer, chat_prompts):
    backend = HFBackend((policy, tokenizer), batch_size=4, share_prompt_cache=True)
    out = backend.generate(chat_prompts, n=4, max_new_tokens=8, temperature=1.0, seed=0)
    assert all(len(set(samples)) > 1 for samples in out)
    assert out == backend.generate(chat_prompts, n=4, max_new_tokens=8, temperature=1.0, seed=0)


# --------------------------------------------------------------------------- RM input ids


def test_rm_token_route_scores_like_the_joined_text_of_the_llama2_format(
        reward_model, tokenizer, chat_prompts):
    responses = ["Sure.", "Once upon a time.", "Paris.", "Use baking soda."]
    by_ids = score_responses(reward_model, tokenizer, chat_prompts, responses)
    by_text = score_responses(reward_model, tokenizer, chat_prompts, responses, format_fn=rm_text)
    assert torch.equal(by_ids, by_text)


def test_rm_input_ids_are_the_prompt_ids_then_the_answer_ids(tokenizer, chat_prompts):
    [ids] = rm_input_ids(tokenizer, chat_prompts[:1], ["Paris."])
    prompt = tokenizer(chat_prompts[0], add_special_tokens=False)["input_ids"]
    answer = tokenizer(" Paris. </s>", add_special_tokens=False)["input_ids"]
    assert ids == prompt + answer
    # a bare user message is rendered first
    assert rm_input_ids(tokenizer, ["hi"], ["Paris."]) == rm_input_ids(
        tokenizer, [format_prompt("hi")], ["Paris."])


def test_an_unfinished_answer_is_scored_without_its_closing_eos(reward_model, tokenizer,
                                                                chat_prompts):
    prompts, answers = chat_prompts[:2], ["Paris is", "Paris is"]
    done, cut = rm_input_ids(tokenizer, prompts[:1] * 2, answers, finished=[True, False])
    assert done[-1] == tokenizer.eos_token_id and tokenizer.eos_token_id not in cut
    assert done[: len(cut)] == cut
    scores = score_responses(reward_model, tokenizer, prompts[:1] * 2, answers,
                             finished=[True, False])
    assert scores[0] != scores[1]
    with pytest.raises(ValueError, match="token route"):
        score_responses(reward_model, tokenizer, prompts, answers, format_fn=rm_text,
                        finished=[True, False])


def test_reward_model_scorer_takes_finished_flags_and_renders_prompts(tmp_path, tokenizer,
                                                                      chat_prompts):
    model = tiny_reward_model(tokenizer, seed=1)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    scorer = reward_model_scorer(tmp_path)
    assert scorer.render_prompt("hi") == format_prompt("hi")
    plain = scorer(chat_prompts[:2], ["a b", "c d"])
    flagged = scorer(chat_prompts[:2], ["a b", "c d"], finished=[True, False])
    assert plain[0] == flagged[0] and plain[1] != flagged[1]
