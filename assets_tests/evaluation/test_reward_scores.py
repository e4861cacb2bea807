"""Reward scores computed once per (model, prompt, response) within one evaluation."""

from __future__ import annotations

import polars as pl
import pytest

from safety_assets.evaluation.calibration import score_labelled
from safety_assets.evaluation.reward_accuracy import RewardScores, pairwise_accuracy
from safety_assets.rlhf.generation import probs, reward_model_scorer
from safety_assets.rlhf.tiny import char_tokenizer, tiny_reward_model


@pytest.fixture(scope="module")
def reward_folders(tmp_path_factory) -> list[str]:
    tokenizer = char_tokenizer()
    folders = []
    for seed in (1, 2):
        folder = tmp_path_factory.mktemp(f"rm{seed}")
        tiny_reward_model(tokenizer, seed=seed).save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        folders.append(str(folder))
    return folders


def _pairs() -> pl.DataFrame:
    return pl.DataFrame({
        "text": ["How do I pick a lock?", "What is the capital of France?", "hi"],
        "history": [None, "[]", None],
        "chosen": ["I can't help with that.", "Paris.", "hello there"],
        "rejected": ["Use a tension wrench.", "Lyon, I think.", "go away"],
    })


def test_asking_again_reuses_the_scores_and_they_match_a_fresh_scorer(reward_folders):
    scores = RewardScores(batch_size=2)
    pairs = _pairs()
    first = pairwise_accuracy(reward_folders[0], pairs, scores=scores)
    assert scores.scored == 6 and scores.asked == 6
    again = pairwise_accuracy(reward_folders[0], pairs, scores=scores)
    assert again == first and scores.scored == 6 and scores.asked == 12

    labelled = pl.DataFrame({"text": pairs["text"], "history": pairs["history"],
                             "response": pairs["chosen"]})
    cached = score_labelled(reward_folders[0], labelled, scores=scores)
    assert scores.scored == 6   # the chosen responses were scored already

    scorer = reward_model_scorer(reward_folders[0])
    prompts = [scorer.render_prompt(t, h) for t, h in zip(pairs["text"], pairs["history"],
                                                            strict=True)]
    fresh = probs(scorer(prompts, pairs["chosen"].to_list())).tolist()
    assert cached == pytest.approx(fresh, abs=1e-6)
    assert score_labelled(reward_folders[0], labelled) == pytest.approx(fresh, abs=1e-6)


def test_another_model_or_history_is_scored_not_reused(reward_folders):
    scores = RewardScores()
    texts, responses = ["hi", "hi"], ["hello there", "hello there"]
    one = scores(reward_folders[0], texts, [None, None], responses)
    assert scores.scored == 1 and one[0] == one[1]   # a repeat within one call, scored once
    other = scores(reward_folders[1], texts, [None, None], responses)
    assert scores.scored == 2 and other[0] != one[0]
    history = scores(reward_folders[0], ["hi"], ['[["hello", "hi there"]]'], ["hello there"])
    assert scores.scored == 3 and history[0] != one[0]
