"""Figures per annotation round: RM accuracy on the newest round before training on it, and
each model's benchmark figures round by round."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from safety_assets.evaluation.benchmark_summary import by_round
from safety_assets.evaluation.reward_accuracy import round_accuracy


def _pairs() -> pl.DataFrame:
    # Round 1: 4 held-out and 2 train pairs; round 2: 3 train pairs and 1 held out.
    return pl.DataFrame({
        "id": [f"r1-{i}" for i in range(6)] + [f"r2-{i}" for i in range(4)],
        "round": [1] * 6 + [2] * 4,
        "split": ["held_out"] * 4 + ["train"] * 2 + ["train"] * 3 + ["held_out"]})


def test_round_accuracy_scores_each_round_before_and_after_training(tmp_path):
    for name in ("v1", "v2"):
        (tmp_path / name).mkdir()
    scored: list[tuple[str, list[str]]] = []

    def score(path: Path, subset: pl.DataFrame) -> list[bool]:
        scored.append((path.name, subset["id"].to_list()))
        # v1 gets every round-1 pair right and round 2's wrong; v2 all right.
        return [path.name == "v2" or i.startswith("r1") for i in subset["id"]]

    versions = [{"version": "v1", "round": 1, "path": str(tmp_path / "v1")},
                {"version": "v2", "round": 2, "path": str(tmp_path / "v2")}]
    rows = round_accuracy("safety", _pairs(), versions, score, "held_out")
    shown = {(r["round"], r["model_version"], r["split"], r["before_training"]):
             (r["correct"], r["n"]) for r in rows}
    assert shown == {
        (1, "v2", "held_out", False): (4, 4),
        (2, "v2", "held_out", False): (1, 1),
        # Round 2 through the version that had only seen round 1: on every round-2 pair.
        (2, "v1", "all", True): (0, 4),
    }
    assert ("v1", ["r2-0", "r2-1", "r2-2", "r2-3"]) in scored
    before = next(r for r in rows if r["before_training"])
    assert before["trained_through"] == 1 and before["accuracy"] == 0.0
    assert 0.0 <= before["low"] <= before["high"] < 0.5


def test_round_accuracy_skips_a_version_whose_folder_is_gone(tmp_path):
    (tmp_path / "v2").mkdir()
    versions = [{"version": "v1", "round": 1, "path": str(tmp_path / "gone")},
                {"version": "v2", "round": 2, "path": str(tmp_path / "v2")}]
    rows = round_accuracy("safety", _pairs(), versions, lambda p, s: [True] * s.height,
                          "held_out")
    assert not any(r["before_training"] for r in rows)


def _history() -> pl.DataFrame:
    def row(model, version, minute, value):
        return {"model": model, "model_version": version, "metric": "violation_pct",
                "value": value, "low": value - 5, "high": value + 5, "n": 30, "seed": 0,
                "created_at": datetime(2026, 12, 1, 12, minute)}

    return pl.DataFrame([
        row("base_model", "b1", 0, 80.0), row("base_model", "b2", 4, 70.0),
        row("sft_model", "s1", 1, 20.0), row("sft_model", "s2", 5, 10.0),
        row("ppo_model", "p1", 2, 30.0),
    ])


def test_by_round_shows_each_model_as_it_stood_at_the_end_of_each_round():
    starts = {1: datetime(2026, 12, 1, 11, 59), 2: datetime(2026, 12, 1, 12, 3)}
    table = by_round(_history(), ["violation_pct"], starts)
    got = {(r["model"], r["round"]): (r["model_version"], r["value"])
           for r in table.iter_rows(named=True)}
    assert got == {
        # Pretrained again after round 2 began (no annotation data of its own): round 2's.
        ("base_model", 1): ("b1", 80.0), ("base_model", 2): ("b2", 70.0),
        ("sft_model", 1): ("s1", 20.0), ("sft_model", 2): ("s2", 10.0),
        # Not retrained in round 2: round 1's version and figure stand.
        ("ppo_model", 1): ("p1", 30.0), ("ppo_model", 2): ("p1", 30.0),
    }
    assert set(table["n"].to_list()) == {30} and set(table["seed"].to_list()) == {0}


def test_round_comparisons_pair_each_models_versions_item_by_item():
    from safety_assets.evaluation.benchmark_summary import round_comparisons

    rounds = pl.DataFrame({
        "model": ["sft_model", "sft_model", "ppo_model", "ppo_model"],
        "metric": ["violation_pct"] * 4, "round": [1, 2, 1, 2],
        "model_version": ["s1", "s2", "p1", "p1"]})
    # s1 violates on items 0-9 of 20, s2 on items 0-1 only: 8 discordant pairs, all one way.
    items = pl.DataFrame({
        "model": ["sft_model"] * 40 + ["ppo_model"] * 20,
        "model_version": ["s1"] * 20 + ["s2"] * 20 + ["p1"] * 20,
        "metric": ["violation_pct"] * 60,
        "item": [f"i{i}" for i in range(20)] * 3,
        "value": [1.0 if i < 10 else 0.0 for i in range(20)]
                 + [1.0 if i < 2 else 0.0 for i in range(20)] + [0.0] * 20})
    table = round_comparisons(items, rounds, ["violation_pct"])
    assert table.height == 1        # ppo_model did not change: nothing to compare
    row = table.row(0, named=True)
    assert (row["model"], row["round_a"], row["round_b"]) == ("sft_model", 1, 2)
    assert (row["model_a"], row["model_b"], row["n"]) == ("s1", "s2", 20)
    assert row["value_a"] == 50.0 and row["value_b"] == 10.0
    assert row["difference"] == -40.0 and row["high"] < 0 and row["significant"]
