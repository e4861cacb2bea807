"""From per-item outcomes to reported figures: every percentage with n, a 95% interval and the
seed, and stage-vs-stage differences tested as paired comparisons on the same items.

A benchmark run yields one row per (metric, item): 1/0 for a proportion (truthful and
informative, toxic, a violation), a score for a mean (MC2, a judge's probability). Wilson
intervals cover proportions, percentile bootstrap intervals cover means. Two models are
compared on the items both answered: exact McNemar for proportions, a paired bootstrap for
means, so a difference is only called significant when it would rarely arise by chance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import polars as pl

from safety_assets.evaluation.intervals import (
    bootstrap_mean_interval,
    paired_mean_test,
    paired_proportion_test,
    wilson_interval,
)

ITEM_SCHEMA = {"metric": pl.String, "item": pl.String, "value": pl.Float64,
               "groups": pl.List(pl.String)}
SUMMARY_SCHEMA = {"metric": pl.String, "grp": pl.String, "value": pl.Float64, "n": pl.Int64,
                  "low": pl.Float64, "high": pl.Float64, "method": pl.String,
                  "seed": pl.Int64}
# Metrics whose per-item value is 0 or 1: reported as a percentage with a Wilson interval.
PROPORTIONS = frozenset({"truthful_and_informative_pct", "truthful_pct", "informative_pct",
                         "mc1_pct", "toxic_pct", "violation_pct", "rm_violation_pct"})
CONFIDENCE = 0.95


def item_rows(metric: str, items: Iterable[str], values: Iterable[float],
              groups: Iterable[list[str]] | None = None) -> pl.DataFrame:
    """Per-item outcomes of one metric; ``groups`` lists the breakdowns each item counts in
    (besides ``all``), e.g. ``["risk_category=illicit_criminal", "attack_vector=other"]``."""
    items, values = list(items), [float(v) for v in values]
    groups = [list(g) for g in groups] if groups is not None else [[] for _ in items]
    if not len(items) == len(values) == len(groups):
        raise ValueError(f"{metric}: {len(items)} items, {len(values)} values, "
                         f"{len(groups)} group lists")
    return pl.DataFrame({"metric": [metric] * len(items), "item": items, "value": values,
                         "groups": groups}, schema=ITEM_SCHEMA)


def _estimate(metric: str, values: list[float], seed: int) -> tuple[float, float, float, str]:
    if metric in PROPORTIONS:
        successes = int(round(sum(values)))
        low, high = wilson_interval(successes, len(values), CONFIDENCE)
        return 100.0 * successes / len(values), 100.0 * low, 100.0 * high, "wilson"
    low, high = bootstrap_mean_interval(values, CONFIDENCE, seed=seed)
    scale = 100.0 if metric.endswith("_pct") else 1.0
    return (scale * sum(values) / len(values), scale * low, scale * high, "bootstrap")


def summarize(items: pl.DataFrame, seed: int) -> pl.DataFrame:
    """One row per (metric, group): value, n, the 95% interval, its method and the seed."""
    rows = []
    exploded = items.with_columns(pl.concat_list(pl.lit(["all"]), "groups").alias("grp")) \
        .explode("grp")
    for (metric, grp), part in exploded.group_by(["metric", "grp"], maintain_order=True):
        values = part["value"].to_list()
        if not values:
            continue
        value, low, high, method = _estimate(metric, values, seed)
        rows.append({"metric": metric, "grp": grp, "value": value, "n": len(values),
                     "low": low, "high": high, "method": method, "seed": seed})
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA).sort("metric", "grp")


COMPARISON_SCHEMA = {"metric": pl.String, "model_a": pl.String, "model_b": pl.String,
                     "n": pl.Int64, "value_a": pl.Float64, "value_b": pl.Float64,
                     "difference": pl.Float64, "low": pl.Float64, "high": pl.Float64,
                     "p_value": pl.Float64, "significant": pl.Boolean, "method": pl.String}


def paired_comparison(scores: pl.DataFrame, metric: str, model_a: str, model_b: str,
                      seed: int = 0) -> dict | None:
    """``model_b`` minus ``model_a`` on ``metric`` over the items both were scored on (``scores``:
    model, metric, item, value), in the metric's units (percentage points for proportions).
    None when they share no item."""
    a = scores.filter((pl.col("model") == model_a) & (pl.col("metric") == metric))
    b = scores.filter((pl.col("model") == model_b) & (pl.col("metric") == metric))
    joined = a.select("item", pl.col("value").alias("a")).join(
        b.select("item", pl.col("value").alias("b")), on="item").sort("item")
    if joined.height == 0:
        return None
    first, second = joined["a"].to_list(), joined["b"].to_list()
    scale = 100.0 if metric.endswith("_pct") else 1.0
    # The tests report their first argument minus their second: later stage minus earlier.
    if metric in PROPORTIONS:
        test = paired_proportion_test([v >= 0.5 for v in second], [v >= 0.5 for v in first])
        units = 1.0          # already percentage points
    else:
        test = paired_mean_test(second, first, seed=seed)
        units = scale
    return {"metric": metric, "model_a": model_a, "model_b": model_b, "n": joined.height,
            "value_a": scale * sum(first) / len(first),
            "value_b": scale * sum(second) / len(second),
            "difference": units * test.difference, "low": units * test.low,
            "high": units * test.high, "p_value": float(test.p_value),
            "significant": bool(test.significant), "method": test.method}


def stage_comparisons(scores: pl.DataFrame, models: list[str], metrics: Iterable[str],
                      seed: int = 0) -> pl.DataFrame:
    """Each model against the one before it (a pipeline stage against its parent stage) on
    each metric, as paired comparisons."""
    rows = []
    for metric in metrics:
        for model_a, model_b in zip(models, models[1:], strict=False):
            row = paired_comparison(scores, metric, model_a, model_b, seed)
            if row is not None:
                rows.append(row)
    return pl.DataFrame(rows, schema=COMPARISON_SCHEMA)


def by_round(history: pl.DataFrame, metrics: Iterable[str],
             round_starts: Mapping[int, datetime]) -> pl.DataFrame:
    """Each model's headline figures round by round, side by side.

    ``history`` holds benchmark_history rows (model, model_version, metric, value, low, high,
    n, seed) with ``created_at``, when that checkpoint version was registered. ``round_starts``
    gives when each annotation round began (its first batch). The figure of round r is that of
    the newest version registered before round r + 1 began: the model as it stood at the end
    of round r, so a model not retrained in a round keeps its figure, and one retrained
    without annotation data of its own (a base model pretrained again) moves with the round
    it was retrained in. Returns model, metric, round, model_version, value, low, high, n,
    seed."""
    wanted = list(metrics)
    history = history.filter(pl.col("metric").is_in(wanted))
    rounds = sorted(round_starts) or [1]
    rows = []
    for (model, metric), part in history.group_by("model", "metric", maintain_order=True):
        ordered = part.sort("created_at", nulls_last=False)
        for round_ in rounds:
            end = round_starts.get(round_ + 1)
            within = ordered if end is None else ordered.filter(
                pl.col("created_at").is_null() | (pl.col("created_at") < end))
            if within.height:
                last = within.row(within.height - 1, named=True)
                rows.append({"model": model, "metric": metric, "round": round_,
                             **{k: last[k] for k in ("model_version", "value", "low", "high",
                                                     "n", "seed")}})
    return pl.DataFrame(rows, schema={
        "model": pl.String, "metric": pl.String, "round": pl.Int64,
        "model_version": pl.String, "value": pl.Float64, "low": pl.Float64,
        "high": pl.Float64, "n": pl.Int64, "seed": pl.Int64})


def round_comparisons(items: pl.DataFrame, rounds: pl.DataFrame, metrics: Iterable[str],
                      seed: int = 0) -> pl.DataFrame:
    """Each model at the end of one round against itself at the end of the next, item by item:
    the paired test of the two checkpoint versions on the items both were scored on.

    ``items`` holds benchmark_item_history rows (model, model_version, metric, item, value);
    ``rounds`` is :func:`by_round`'s table. A model whose version did not change between two
    rounds has nothing to compare there. Returns model, round_a, round_b and the columns of
    :func:`paired_comparison` (model_a and model_b are the two versions)."""
    rows = []
    for metric in metrics:
        for (model,), part in rounds.filter(pl.col("metric") == metric).group_by(
                "model", maintain_order=True):
            ordered = part.sort("round")
            for a, b in zip(ordered.iter_rows(named=True),
                            list(ordered.iter_rows(named=True))[1:], strict=False):
                if a["model_version"] == b["model_version"]:
                    continue
                scores = items.filter(pl.col("model") == model).with_columns(
                    model=pl.col("model_version"))
                row = paired_comparison(scores, metric, a["model_version"],
                                        b["model_version"], seed)
                if row is not None:
                    rows.append({"model": model, "round_a": a["round"],
                                 "round_b": b["round"], **row})
    return pl.DataFrame(rows, schema={"model": pl.String, "round_a": pl.Int64,
                                      "round_b": pl.Int64, **COMPARISON_SCHEMA})
