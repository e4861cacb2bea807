"""MC1/MC2 on a tiny random Llama: batched and one-at-a-time scoring agree; harness tokenisation."""

from __future__ import annotations

import time

import pytest
import torch

from safety_assets.evaluation.truthfulqa import (
    encode_pair,
    generate_answers,
    hf_generate_fn,
    option_logliks,
    qa_prompt,
    truthfulqa_mc,
)
from safety_assets.ml.modeling import build_causal_lm, config_for_tokenizer


def _reference_loglik(model, tokenizer, context: str, option: str) -> float:
    """Independent check: one forward over the whole text, sum log p of the option's tokens."""
    ctx = tokenizer(context, add_special_tokens=False)["input_ids"]
    whole = tokenizer(context + " " + option, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([whole])).logits[0].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    return float(sum(logprobs[t - 1, whole[t]] for t in range(len(ctx), len(whole))))


def test_encode_pair_splits_the_whole_encoding_after_the_context(tiny_lm):
    _, tokenizer = tiny_lm
    ctx, cont = encode_pair(tokenizer, "Q: Why?\nA:", " Because it is.")
    whole = tokenizer("Q: Why?\nA: Because it is.", add_special_tokens=False)["input_ids"]
    assert ctx + cont == whole and cont
    # Trailing context whitespace moves to the continuation, as in the harness.
    ctx2, cont2 = encode_pair(tokenizer, "Q: Why?\nA: ", "Because it is.")
    assert (ctx2, cont2) == (ctx, cont)


def test_option_logliks_match_a_single_full_forward(tiny_lm, tqa_items):
    model, tokenizer = tiny_lm
    item = tqa_items[0]
    context = qa_prompt(item.question)
    options = list(item.mc1_choices[:3])
    got = option_logliks(model, tokenizer, context, options, batched=False)
    want = [_reference_loglik(model, tokenizer, context, o) for o in options]
    assert got == pytest.approx(want, abs=1e-4)
    assert all(v < 0 for v in got)


def test_batched_and_one_at_a_time_logliks_agree(tiny_lm, tqa_items):
    model, tokenizer = tiny_lm
    for item in tqa_items[:5]:
        context = qa_prompt(item.question)
        options = list(item.mc2_choices)
        batched = option_logliks(model, tokenizer, context, options, batched=True)
        single = option_logliks(model, tokenizer, context, options, batched=False)
        assert len(batched) == len(options)
        assert batched == pytest.approx(single, abs=1e-4)


def test_mc1_mc2_batched_and_unbatched_agree_on_real_questions(tiny_lm, tqa_items):
    model, tokenizer = tiny_lm
    items = tqa_items[:8]
    t0 = time.perf_counter()
    batched = truthfulqa_mc(model, tokenizer, items, batched=True)
    t1 = time.perf_counter()
    single = truthfulqa_mc(model, tokenizer, items, batched=False)
    t2 = time.perf_counter()
    print(f"\nMC on {len(items)} questions: batched {t1 - t0:.2f}s, one at a time {t2 - t1:.2f}s;"
          f" MC1 {batched.mc1:.3f} MC2 {batched.mc2:.3f}")
    assert batched.per_question.height == len(items)
    assert batched.per_question["mc1"].to_list() == single.per_question["mc1"].to_list()
    assert batched.per_question["mc2"].to_list() == pytest.approx(
        single.per_question["mc2"].to_list(), abs=1e-4)
    assert batched.mc2 == pytest.approx(single.mc2, abs=1e-4)
    assert 0.0 <= batched.mc1 <= 1.0 and 0.0 < batched.mc2 < 1.0
    assert batched.mc1_pct == pytest.approx(100 * batched.mc1)


def test_long_inputs_are_cut_from_the_left_in_both_modes(tiny_lm, tqa_items):
    _, tokenizer = tiny_lm
    short_model = build_causal_lm(config_for_tokenizer(
        tokenizer, hidden=64, layers=2, heads=4, max_position_embeddings=48), seed=1).eval()
    item = tqa_items[1]
    context = qa_prompt(item.question)
    options = list(item.mc1_choices)
    batched = option_logliks(short_model, tokenizer, context, options, batched=True)
    single = option_logliks(short_model, tokenizer, context, options, batched=False)
    assert batched == pytest.approx(single, abs=1e-4)
    # The same as scoring the last 49 tokens directly.
    ctx, cont = encode_pair(tokenizer, context, " " + options[0])
    full = (ctx + cont)[-49:]
    with torch.no_grad():
        logits = short_model(input_ids=torch.tensor([full[:-1]])).logits[0].float()
    lp = torch.log_softmax(logits, dim=-1)
    want = sum(float(lp[p, full[p + 1]]) for p in range(48 - len(cont), 48))
    assert batched[0] == pytest.approx(want, abs=1e-4)


def test_hf_generate_fn_answers_questions_with_the_tiny_model(tiny_lm, tqa_items):
    model, tokenizer = tiny_lm
    generate = hf_generate_fn(model, tokenizer, max_new_tokens=8)
    answers = generate_answers([it.question for it in tqa_items[:3]], generate, batch_size=2)
    assert len(answers) == 3
    assert all(isinstance(a, str) and "\n" not in a for a in answers)
    # Greedy decoding is deterministic and independent of the batch's padding.
    again = generate_answers([it.question for it in tqa_items[:3]], generate, batch_size=1)
    assert again == answers


def test_generation_works_with_a_tokenizer_without_pad_token(tiny_lm, tqa_items):
    import copy

    model, tokenizer = tiny_lm
    no_pad = copy.deepcopy(tokenizer)
    no_pad.pad_token = None
    generate = hf_generate_fn(model, no_pad, max_new_tokens=4)
    assert len(generate_answers([it.question for it in tqa_items[:2]], generate)) == 2
    assert no_pad.pad_token is None  # restored


def test_the_shared_primer_cache_gives_the_same_logliks_and_feeds_only_the_rest(tiny_lm,
                                                                               tqa_items):
    from safety_assets.evaluation.truthfulqa import QA_PRIMER, PrefixCache

    model, tokenizer = tiny_lm
    prefix = PrefixCache.build(model, tokenizer, QA_PRIMER)
    widths: list[int] = []
    hook = model.register_forward_pre_hook(
        lambda module, args, kwargs: widths.append(kwargs["input_ids"].shape[1]),
        with_kwargs=True)
    try:
        for item in tqa_items[:4]:
            context = qa_prompt(item.question)
            options = list(item.mc2_choices)
            widths.clear()
            cached = option_logliks(model, tokenizer, context, options, prefix=prefix)
            assert widths and max(widths) < len(prefix.ids)   # the primer was not fed again
            plain = option_logliks(model, tokenizer, context, options)
            assert cached == pytest.approx(plain, abs=1e-4)
    finally:
        hook.remove()
    # The cache is copied per batch, never grown: it still holds the primer alone.
    assert prefix.cache.get_seq_length() == len(prefix.ids)


def test_mc1_mc2_with_and_without_the_shared_primer_agree(tiny_lm, tqa_items):
    model, tokenizer = tiny_lm
    items = tqa_items[10:16]
    shared = truthfulqa_mc(model, tokenizer, items, share_primer=True)
    alone = truthfulqa_mc(model, tokenizer, items, share_primer=False)
    assert shared.per_question["mc1"].to_list() == alone.per_question["mc1"].to_list()
    assert shared.per_question["mc2"].to_list() == pytest.approx(
        alone.per_question["mc2"].to_list(), abs=1e-4)
