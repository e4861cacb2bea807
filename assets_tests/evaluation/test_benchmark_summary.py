"""Reported figures carry n, a 95% interval and the seed; stage differences are paired tests."""

from __future__ import annotations

import math

import polars as pl
import pytest

from safety_assets.evaluation.benchmark_summary import (
    item_rows,
    paired_comparison,
    stage_comparisons,
    summarize,
)


def test_proportions_get_wilson_intervals_per_group_and_overall():
    items = item_rows("violation_pct", [f"p{i}" for i in range(10)],
                      [1, 1, 0, 0, 0, 0, 0, 0, 0, 1],
                      [["risk_category=a"]] * 5 + [["risk_category=b"]] * 5)
    table = summarize(items, seed=7)
    overall = table.filter(pl.col("grp") == "all").row(0, named=True)
    assert overall["value"] == pytest.approx(30.0) and overall["n"] == 10
    # Wilson 95% for 3/10: [10.78%, 60.32%]
    assert overall["low"] == pytest.approx(10.78, abs=0.01)
    assert overall["high"] == pytest.approx(60.32, abs=0.01)
    assert overall["method"] == "wilson" and overall["seed"] == 7
    by_group = {r["grp"]: r for r in table.iter_rows(named=True)}
    assert by_group["risk_category=a"]["value"] == pytest.approx(40.0)
    assert by_group["risk_category=b"]["n"] == 5


def test_means_get_bootstrap_intervals_that_contain_the_mean():
    items = item_rows("mc2_pct", ["q1", "q2", "q3", "q4"], [0.2, 0.4, 0.6, 0.8])
    row = summarize(items, seed=0).row(0, named=True)
    assert row["method"] == "bootstrap" and row["value"] == pytest.approx(50.0)
    assert row["low"] < 50.0 < row["high"] and 20.0 <= row["low"] and row["high"] <= 80.0


def _scores(model: str, metric: str, values: list[float]) -> pl.DataFrame:
    return pl.DataFrame({"model": model, "metric": metric,
                         "item": [f"i{k}" for k in range(len(values))], "value": values})


def test_paired_comparison_reports_later_minus_earlier_and_significance():
    before = _scores("sft", "violation_pct", [1.0] * 30 + [0.0] * 10)
    after = _scores("ppo", "violation_pct", [0.0] * 30 + [0.0] * 10)
    row = paired_comparison(pl.concat([before, after]), "violation_pct", "sft", "ppo")
    assert row["difference"] == pytest.approx(-75.0)
    assert row["significant"] and row["p_value"] < 1e-6 and row["n"] == 40
    assert row["low"] < -75.0 < row["high"] < 0


def test_same_outcomes_are_not_a_significant_difference():
    same = [1.0, 0.0] * 20
    scores = pl.concat([_scores("a", "toxic_pct", same), _scores("b", "toxic_pct", same)])
    table = stage_comparisons(scores, ["a", "b"], ["toxic_pct"])
    row = table.row(0, named=True)
    assert row["difference"] == 0.0 and not row["significant"] and row["p_value"] == 1.0


def test_models_without_common_items_are_not_compared():
    scores = pl.concat([_scores("a", "toxic_pct", [1.0]),
                        _scores("b", "toxic_pct", [0.0]).with_columns(item=pl.lit("other"))])
    assert paired_comparison(scores, "toxic_pct", "a", "b") is None
    assert not math.isnan(summarize(item_rows("toxic_pct", ["x"], [1.0]), 0)["low"][0])
