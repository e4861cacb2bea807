"""The sampling loop: the same tokens as ``generate`` when greedy, the same distribution when
sampling, and finished rows leaving the batch without changing the others."""

from __future__ import annotations

import pytest
import torch
from transformers.generation.logits_process import TopPLogitsWarper

from safety_assets.rlhf.decoding import SharedPrefix, common_prefix, decode, draw_tokens
from safety_assets.rlhf.generation import (
    HFBackend,
    encode,
    pad_batch,
    pad_token_id,
    sample_ids,
    seeded,
)


def _inputs(tokenizer, prompts):
    ids = encode(tokenizer, prompts, None, None)
    return pad_batch(ids, pad_token_id(tokenizer), "left")


def _nucleus(logits: torch.Tensor, temperature: float, top_p: float) -> torch.Tensor:
    """transformers' own temperature + top-p distribution over the vocabulary."""
    scores = TopPLogitsWarper(top_p)(None, logits / temperature)
    return torch.softmax(scores, dim=-1)


@pytest.mark.parametrize("top_p", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("widths", [(4,), (2, 8), (256, 4096)])
def test_draws_follow_transformers_top_p_distribution(top_p, widths):
    torch.manual_seed(0)
    # three kinds of row: peaked (nucleus in the top 2), nearly flat (needs the full sort)
    # and between; no ties, which either side may break its own way
    logits = torch.stack([torch.cat([torch.tensor([8.0, 7.5]), torch.linspace(0.0, -0.3, 30)]),
                          torch.linspace(0.1, -0.1, 32)[torch.randperm(32)],
                          torch.linspace(3.0, -3.0, 32)])
    expected = _nucleus(logits, 1.3, top_p)
    draws = 20_000
    with seeded(1):   # every row many times over, in one batch
        tokens = draw_tokens(logits.repeat(draws, 1), 1.3, top_p, widths).view(draws, -1)
    for row in range(logits.shape[0]):
        observed = torch.bincount(tokens[:, row], minlength=32).float() / draws
        support = expected[row] > 0
        assert torch.all(observed[~support] == 0), "a token outside the nucleus was drawn"
        assert torch.allclose(observed, expected[row], atol=0.015), (row, observed, expected)


def test_greedy_draw_is_the_argmax_and_top_p_one_draws_from_everything():
    logits = torch.tensor([[0.0, 3.0, 1.0], [2.0, -1.0, 0.5]])
    assert draw_tokens(logits, 0.0, 0.9).tolist() == [1, 0]
    with seeded(0):
        tokens = draw_tokens(logits.repeat(3000, 1), 1.0, 1.0).view(3000, -1)
    assert set(tokens[:, 0].tolist()) == {0, 1, 2}


def test_greedy_answers_are_generates_greedy_answers(policy, tokenizer, chat_prompts):
    input_ids, mask = _inputs(tokenizer, chat_prompts)
    pad = pad_token_id(tokenizer)
    eos = [tokenizer.eos_token_id]
    loop = sample_ids(policy, input_ids, mask, 1, 20, 0.0, 1.0, pad, eos, decoder="loop")
    plain = sample_ids(policy, input_ids, mask, 1, 20, 0.0, 1.0, pad, eos, decoder="generate")
    assert torch.equal(loop, plain)


def test_a_finished_row_leaves_the_batch_without_changing_the_others(policy, tokenizer,
                                                                    chat_prompts):
    input_ids, mask = _inputs(tokenizer, chat_prompts)
    pad = pad_token_id(tokenizer)
    free = decode(policy, input_ids, mask, 1, 16, 0.0, 1.0, pad, [tokenizer.eos_token_id])
    # Make the token row 0 writes at step 3 an end of sequence: row 0 stops there, and rows
    # that never write it must come out as before; generate must agree on every row.
    stop = int(free[0, 3])
    cut = decode(policy, input_ids, mask, 1, 16, 0.0, 1.0, pad, [stop])
    plain = sample_ids(policy, input_ids, mask, 1, 16, 0.0, 1.0, pad, [stop],
                       decoder="generate")
    assert torch.equal(cut, plain[:, :cut.shape[1]])
    assert (plain[:, cut.shape[1]:] == pad).all()
    first = int((free[0] == stop).nonzero()[0])
    assert cut[0, first] == stop and (cut[0, first + 1:] == pad).all()
    for row in range(1, free.shape[0]):
        if stop not in free[row].tolist():
            assert torch.equal(cut[row], free[row, :cut.shape[1]])


def test_shared_prompt_samples_are_independent_and_reproducible(policy, tokenizer,
                                                                chat_prompts):
    input_ids, mask = _inputs(tokenizer, chat_prompts[:2])
    pad = pad_token_id(tokenizer)
    with seeded(3):
        first = decode(policy, input_ids, mask, 6, 12, 1.0, 0.95, pad, [tokenizer.eos_token_id])
    with seeded(3):
        again = decode(policy, input_ids, mask, 6, 12, 1.0, 0.95, pad, [tokenizer.eos_token_id])
    assert first.shape[0] == 12
    assert torch.equal(first, again)
    assert len({tuple(row.tolist()) for row in first[:6]}) > 1


def test_unknown_decoder_is_refused(policy, tokenizer, chat_prompts):
    input_ids, mask = _inputs(tokenizer, chat_prompts[:1])
    with pytest.raises(ValueError, match="unknown decoder 'fast'"):
        sample_ids(policy, input_ids, mask, 1, 4, 0.0, 1.0, 0, [1], decoder="fast")


def test_common_prefix_leaves_every_row_a_token_of_its_own():
    assert common_prefix([[1, 2, 3, 4], [1, 2, 3, 5, 6]]) == [1, 2, 3]
    assert common_prefix([[1, 2, 3], [1, 2, 3, 4]]) == [1, 2]
    assert common_prefix([[7, 8], [1, 2]]) == []
    assert common_prefix([]) == []


PRIMER = ("Answer briefly and truthfully. Q: What is two plus two? A: Four. "
          "Q: What colour is grass? A: Green. ")


def test_a_shared_prefix_gives_the_answers_computed_without_it(policy, tokenizer):
    questions = ["Q: Where is Paris? A:", "Q: Why? A:", "Q: Name a long river in Africa. A:",
                 "Q: Is ice cold? A:", "Q: Who wrote it? A:"]
    prompts = [PRIMER + q for q in questions]
    answers = {}
    for name, kwargs in {"shared": {}, "each": {"share_common_prefix": False},
                         "generate": {"decoder": "generate"}}.items():
        # batches of two: the prefix built for the first batch serves the later ones
        backend = HFBackend((policy, tokenizer), batch_size=2, **kwargs)
        answers[name] = backend.generate(prompts, max_new_tokens=16, temperature=0)
    assert answers["shared"] == answers["each"] == answers["generate"]
    assert all(a[0] for a in answers["shared"])


def test_a_shared_prefix_is_computed_once_per_call(policy, tokenizer, monkeypatch):
    built = []
    original = SharedPrefix.build.__func__

    def counting(cls, model, ids):
        built.append(len(ids))
        return original(cls, model, ids)

    monkeypatch.setattr(SharedPrefix, "build", classmethod(counting))
    prompts = [PRIMER + q for q in ["Q: One? A:", "Q: Two? A:", "Q: Three? A:", "Q: Four? A:"]]
    HFBackend((policy, tokenizer), batch_size=2).generate(prompts, max_new_tokens=4,
                                                          temperature=0)
    assert len(built) == 1 and built[0] >= len(PRIMER)
    HFBackend((policy, tokenizer), batch_size=2).generate(["hi", "ho"], max_new_tokens=4,
                                                          temperature=0)
    assert len(built) == 1   # nothing long enough in common: no prefix pass


def test_presence_penalty_lowers_only_the_logits_of_tokens_the_answer_holds():
    from safety_assets.rlhf.decoding import apply_presence_penalty

    logits = torch.tensor([[2.0, -1.0, 0.5], [0.0, 3.0, 1.0]])
    seen = torch.tensor([[True, True, False], [False, False, True]])
    assert torch.equal(apply_presence_penalty(logits, seen, 1.5),
                       torch.tensor([[0.5, -2.5, 0.5], [0.0, 3.0, -0.5]]))


@pytest.mark.parametrize("penalty", [0.7, 1e4])
def test_greedy_answers_with_a_presence_penalty_are_generates_with_it(policy, tokenizer,
                                                                      chat_prompts, penalty):
    # Both decoders penalise the answer's tokens alone, before the temperature.
    input_ids, mask = _inputs(tokenizer, chat_prompts)
    pad, eos = pad_token_id(tokenizer), [tokenizer.eos_token_id]
    loop = sample_ids(policy, input_ids, mask, 1, 24, 0.0, 1.0, pad, eos, decoder="loop",
                      presence_penalty=penalty)
    plain = sample_ids(policy, input_ids, mask, 1, 24, 0.0, 1.0, pad, eos,
                       decoder="generate", presence_penalty=penalty)
    assert torch.equal(loop, plain)
    unpenalised = sample_ids(policy, input_ids, mask, 1, 24, 0.0, 1.0, pad, eos)
    assert not torch.equal(loop, unpenalised)
    if penalty > 100:   # so large that no answer can repeat a token
        for row in loop.tolist():
            answer = [t for t in row if t not in (pad, *eos)]
            assert len(answer) == len(set(answer))


def test_a_presence_penalty_never_counts_the_prompts_tokens(policy, tokenizer, chat_prompts):
    # The prompt holds the end-of-turn token; penalising it would keep answers from ending.
    pad, eos = pad_token_id(tokenizer), [tokenizer.eos_token_id]
    for prompt in chat_prompts:
        input_ids, mask = _inputs(tokenizer, [prompt])
        first = sample_ids(policy, input_ids, mask, 1, 1, 0.0, 1.0, pad, eos)
        if int(first[0, 0]) in input_ids[0].tolist():
            break
    else:
        pytest.fail("no prompt whose greedy first token it holds itself")
    assert torch.equal(first, sample_ids(policy, input_ids, mask, 1, 1, 0.0, 1.0, pad, eos,
                                         presence_penalty=1e4))
