"""Calibration figures against hand-computed values, and a miscalibrated score is detected."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from safety_assets.evaluation.calibration import (
    expected_calibration_error,
    labelled_responses,
    reliability_table,
    threshold_quality,
)


def test_threshold_precision_and_recall_by_hand():
    probs = [0.05, 0.10, 0.12, 0.40, 0.90, 0.95]
    safe = [False, False, True, False, True, True]
    quality = threshold_quality(probs, safe, 0.15)
    # flagged: 0.05, 0.10, 0.12 -> two of three unsafe; unsafe: three, two flagged
    assert quality.flagged == 3 and quality.unsafe == 3 and quality.n == 6
    assert quality.precision == pytest.approx(2 / 3)
    assert quality.recall == pytest.approx(2 / 3)


def test_no_flagged_response_has_undefined_precision():
    quality = threshold_quality([0.6, 0.7], [False, True], 0.15)
    assert math.isnan(quality.precision) and quality.recall == 0.0


def test_reliability_bins_and_ece_by_hand():
    probs = [0.05, 0.15, 0.85, 0.95]
    safe = [False, True, True, True]
    table = reliability_table(probs, safe, bins=2)
    assert table["n"].to_list() == [2, 2]
    assert table["mean_predicted"].to_list() == pytest.approx([0.10, 0.90])
    assert table["observed_safe"].to_list() == pytest.approx([0.5, 1.0])
    # (|0.10 - 0.5| * 2 + |0.90 - 1.0| * 2) / 4
    assert expected_calibration_error(probs, safe, bins=2) == pytest.approx(0.25)


def test_calibrated_score_has_small_ece_and_a_shifted_one_does_not():
    rng = np.random.default_rng(0)
    truth = rng.uniform(0, 1, 20_000)
    labels = rng.uniform(0, 1, truth.size) < truth
    assert expected_calibration_error(truth, labels) < 0.02
    # The pairwise loss alone leaves the level free: the same ranking shifted up by 3 logits.
    shifted = 1 / (1 + np.exp(-(np.log(truth / (1 - truth)) + 3)))
    assert expected_calibration_error(shifted, labels) > 0.2
    # Ranking is unchanged, but the 0.15 rule now flags almost nothing.
    assert threshold_quality(shifted, labels, 0.15).recall < 0.05
    assert threshold_quality(truth, labels, 0.15).recall > 0.2


def test_labelled_responses_keep_only_labelled_sides():
    pairs = pl.DataFrame({"id": ["a", "b"], "text": ["p1", "p2"], "history": [None, None],
                          "chosen": ["c1", "c2"], "rejected": ["r1", "r2"],
                          "chosen_safe": [True, None], "rejected_safe": [False, None]},
                         schema_overrides={"history": pl.String, "chosen_safe": pl.Boolean,
                                           "rejected_safe": pl.Boolean})
    rows = labelled_responses(pairs)
    assert sorted(zip(rows["response"], rows["is_safe"], strict=True)) == [
        ("c1", True), ("r1", False)]


def test_probabilities_outside_the_unit_interval_are_refused():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        threshold_quality([1.5], [True], 0.15)
