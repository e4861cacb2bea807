"""Best-of-K rejection sampling, the max-minus-median gain curve, targeted distillation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from safety_assets.rlhf.selection import (
    best_finished_of_k,
    best_of_k,
    max_median_gain_curve,
    pick_best,
    targeted_distillation_keep,
    truncation_report,
)


def test_best_of_k_picks_the_highest_score_per_prompt():
    scores = torch.tensor([[0.1, 0.9, 0.3], [2.0, -1.0, 1.5]])
    assert best_of_k(scores) == [1, 0]


def test_best_of_k_breaks_ties_by_lowest_index():
    assert best_of_k([[0.5, 0.9, 0.9, 0.1], [1.0, 1.0, 1.0, 1.0]]) == [1, 0]


def test_best_of_k_handles_ragged_rows_and_nan():
    assert best_of_k([[0.2], [float("nan"), 0.1, 0.3], [float("nan"), float("nan")]]) == [0, 2, 0]


def test_best_of_k_rejects_a_prompt_without_answers():
    with pytest.raises(ValueError):
        best_of_k([[0.1], []])


def test_pick_best_returns_the_best_texts_and_checks_shapes():
    samples = [["a", "b"], ["c", "d", "e"]]
    assert pick_best(samples, [[0.0, 1.0], [5.0, 5.0, 1.0]]) == ["b", "c"]
    with pytest.raises(ValueError):
        pick_best(samples, [[0.0, 1.0], [5.0, 5.0]])


def test_max_median_gain_is_zero_at_k1_and_grows_with_k_on_random_data():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(100, 64))
    ks = [1, 2, 4, 8, 16, 32, 64]
    curve = max_median_gain_curve(scores, ks, n_subsamples=100, seed=0)
    gains = [row["gain"] for row in curve]
    assert [row["k"] for row in curve] == ks
    assert gains[0] == pytest.approx(0.0)
    assert all(b > a for a, b in zip(gains, gains[1:], strict=False))
    # standard normal: E[max of 64] is about 2.4, the median stays near 0
    assert curve[-1]["mean_max"] == pytest.approx(2.4, abs=0.2)
    assert abs(curve[-1]["mean_median"]) < 0.1
    assert all(row["prompts"] == 100 for row in curve)


def test_max_median_gain_is_reproducible_with_a_seed_and_skips_short_prompts():
    rng = np.random.default_rng(1)
    rows = [list(rng.normal(size=10)) for _ in range(5)] + [[0.1, 0.2]]
    a = max_median_gain_curve(rows, [1, 3, 8], seed=7)
    b = max_median_gain_curve(rows, [1, 3, 8], seed=7)
    assert a == b
    assert a[0]["prompts"] == 6 and a[2]["prompts"] == 5


def test_targeted_distillation_keeps_only_answers_the_safety_rm_prefers():
    keep = targeted_distillation_keep([0.9, 0.4, 0.5, float("nan")], [0.5, 0.6, 0.5, 0.1])
    assert keep.tolist() == [True, False, False, False]


def test_targeted_distillation_margin_requires_a_clear_win():
    keep = targeted_distillation_keep(torch.tensor([0.9, 0.62]), torch.tensor([0.5, 0.6]),
                                      margin=0.05)
    assert keep.tolist() == [True, False]
    with pytest.raises(ValueError):
        targeted_distillation_keep([0.1, 0.2], [0.1])


def test_best_finished_of_k_excludes_truncated_answers():
    scores = [[0.9, 0.5, 0.1], [0.8, 0.7], [0.3]]
    finished = [[False, True, True], [False, False], [True]]
    assert best_of_k(scores) == [0, 0, 0]
    assert best_finished_of_k(scores, finished) == [1, None, 0]


def test_best_finished_of_k_can_penalise_instead_of_excluding():
    scores = torch.tensor([[0.9, 0.5], [0.9, 0.7]])
    finished = torch.tensor([[False, True], [False, True]])
    assert best_finished_of_k(scores, finished, missing_eos_penalty=0.3) == [0, 1]
    assert best_finished_of_k(scores, finished, missing_eos_penalty=0.0) == [0, 0]
    with pytest.raises(ValueError):
        best_finished_of_k(scores, [[True, True, True], [True, True]])


def test_truncation_report_counts_truncated_samples():
    report = truncation_report([[True, False, False], [False, False], [True]])
    assert report == {"samples": 6.0, "truncated": 4.0, "truncated_share": 4 / 6,
                      "prompts": 3.0, "prompts_all_truncated": 1.0}
    assert truncation_report([])["truncated_share"] == 0.0
