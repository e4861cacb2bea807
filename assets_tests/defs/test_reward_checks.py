"""The reward-model checks read what reward_model_eval reported and can fail: a miscalibrated
safety RM is flagged, and the chance test uses the configured significance."""

from __future__ import annotations

import dagster as dg
import polars as pl

from safety_assets.defs.reward.reward_checks import (
    reward_models_beat_chance,
    safety_rm_calibrated,
)


def _evaluation_reporting(**metadata):
    @dg.asset(name="reward_model_eval")
    def stand_in() -> dg.MaterializeResult:   # what the real asset reports, without models
        return dg.MaterializeResult(metadata=metadata)

    return stand_in


def _check(check, home, **metadata) -> dg.AssetCheckEvaluation:
    result = dg.materialize([_evaluation_reporting(**metadata), check],
                            resources=home.resources, instance=home.instance,
                            raise_on_error=False)
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def test_miscalibrated_safety_rm_fails_and_a_calibrated_one_passes(home):
    bad = _check(safety_rm_calibrated, home, safety_rm_ece=0.31, max_ece=0.15,
                 safety_rm_labelled_responses=120)
    good = _check(safety_rm_calibrated, home, safety_rm_ece=0.04, max_ece=0.15,
                  safety_rm_labelled_responses=120)
    assert not bad.passed and good.passed
    assert bad.severity == dg.AssetCheckSeverity.WARN


def test_calibration_check_fails_without_labelled_responses(home):
    assert not _check(safety_rm_calibrated, home, safety_rm_ece=0.0, max_ece=0.15,
                      safety_rm_labelled_responses=0).passed


def test_beat_chance_uses_the_significance_the_evaluation_ran_with(home):
    # 60 of 100 correct: one-sided p = 0.028, which passes at 0.05 and fails at 0.01.
    home.store.replace_table("reward_model_eval", pl.DataFrame({
        "rm": ["safety", "helpfulness"], "dimension": ["overall"] * 2, "value": ["all"] * 2,
        "n": [100, 100], "correct": [60, 60], "accuracy": [0.6, 0.6]}))
    assert _check(reward_models_beat_chance, home, significance=0.05).passed
    assert not _check(reward_models_beat_chance, home, significance=0.01).passed


def _gap_check(home, gains: list[float]) -> dg.AssetCheckEvaluation:
    from safety_assets.defs.rlhf.rlhf_checks import max_median_gap_grows_with_k

    ks = [1, 2, 4, 8][:len(gains)]
    home.store.replace_table("rejection_sampling_gain", pl.DataFrame({
        "k": ks, "mean_max": gains, "mean_median": [0.0] * len(gains), "gain": gains,
        "prompts": [10] * len(gains)}))

    @dg.asset(name="rejection_sampling_dataset")
    def stand_in() -> None:
        return None

    result = dg.materialize([stand_in, max_median_gap_grows_with_k], resources=home.resources,
                            instance=home.instance, raise_on_error=False)
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def test_gap_check_passes_a_growing_gap_and_fails_flat_or_shrinking_ones(home):
    assert _gap_check(home, [0.0, 0.08, 0.15, 0.21]).passed
    assert not _gap_check(home, [0.0, 0.0, 0.0, 0.0]).passed      # identical samples
    assert not _gap_check(home, [0.0, 0.20, 0.10, 0.22]).passed   # shrinks from 2 to 4
    assert not _gap_check(home, [0.0]).passed                      # one K says nothing
