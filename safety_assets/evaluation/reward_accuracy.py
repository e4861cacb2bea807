"""Held-out evaluation of a reward model: pairwise accuracy and its breakdowns."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from safety_assets.evaluation.intervals import wilson_interval


class RewardScores:
    """A saved reward model's score of each (prompt, history, response), computed once.

    ``reward_model_eval`` asks the same RM about the same held-out responses three times
    (overall accuracy, accuracy per annotation round, calibration); through one instance the
    second and third ask reuse the first's scores. One model is held in memory at a time:
    asking about another folder unloads the last. ``scored`` counts the texts that went
    through a model, ``asked`` the texts asked for."""

    def __init__(self, batch_size: int = 16) -> None:
        self.batch_size = batch_size
        self._loaded: tuple[str, Any] | None = None
        self._scores: dict[tuple[str, str, str | None, str], float] = {}
        self.asked = 0
        self.scored = 0

    def _scorer(self, model_dir: str) -> Any:
        from safety_assets.rlhf.generation import reward_model_scorer

        if self._loaded is None or self._loaded[0] != model_dir:
            self._loaded = None   # let the last model go before the next one loads
            self._loaded = (model_dir, reward_model_scorer(model_dir, batch_size=self.batch_size))
        return self._loaded[1]

    def __call__(self, model_dir: str | Path, texts: Sequence[str],
                 histories: Sequence[str | None], responses: Sequence[str]) -> list[float]:
        """The RM's raw scores for ``responses`` to the prompts ``texts`` (each after its
        ``history``, rendered in the RM's chat format), in order."""
        folder = str(Path(model_dir).resolve())
        keys = [(folder, t, h, r) for t, h, r in zip(texts, histories, responses, strict=True)]
        self.asked += len(keys)
        todo = list(dict.fromkeys(k for k in keys if k not in self._scores))
        if todo:
            score = self._scorer(folder)
            prompts = [score.render_prompt(t, h) for _, t, h, _ in todo]
            values = score(prompts, [r for *_, r in todo]).tolist()
            self._scores.update(zip(todo, values, strict=True))
            self.scored += len(todo)
        return [self._scores[k] for k in keys]


def pairwise_accuracy(model_dir: Path, pairs: pl.DataFrame, batch_size: int = 16,
                      scores: RewardScores | None = None) -> list[bool]:
    """For each pair, whether the RM scores the chosen response above the rejected one
    (through ``scores`` when given, reusing what it scored before)."""
    if pairs.height == 0:
        return []
    scores = scores or RewardScores(batch_size)
    texts, histories = pairs["text"].to_list(), pairs["history"].to_list()
    chosen = scores(model_dir, texts, histories, pairs["chosen"].to_list())
    rejected = scores(model_dir, texts, histories, pairs["rejected"].to_list())
    return [c > r for c, r in zip(chosen, rejected, strict=True)]


# Pairs imported from Anthropic's HH-RLHF carry this annotator; every other pair was written
# for this project (the embedded sample data) or by its annotators.
HH_RLHF_ANNOTATOR = "hh-rlhf"


def pair_source(annotator: pl.Expr) -> pl.Expr:
    """``hh-rlhf`` for imported HH-RLHF pairs, ``project`` for the rest: accuracy on data this
    project did not write is the one to quote."""
    return pl.when(annotator == HH_RLHF_ANNOTATOR).then(pl.lit("hh-rlhf")).otherwise(
        pl.lit("project"))


def accuracy_table(scored: pl.DataFrame) -> pl.DataFrame:
    """Accuracy per RM overall and by strength, risk category, attack vector and (when the
    pairs carry an ``annotator``) source.

    ``scored`` has columns rm, correct (bool), strength, risk_category, attack_vector.
    """
    if "annotator" in scored.columns:
        scored = scored.with_columns(source=pair_source(pl.col("annotator")))
    parts = [scored.group_by("rm").agg(
        pl.lit("overall").alias("dimension"), pl.lit("all").alias("value"),
        pl.len().alias("n"), pl.col("correct").sum().alias("correct"))]
    dimensions = ["strength", "risk_category", "attack_vector"]
    if "round" in scored.columns:
        scored = scored.with_columns(pl.col("round").cast(pl.String))
        dimensions.append("round")
    for dimension in dimensions + (["source"] if "source" in scored.columns else []):
        parts.append(scored.group_by("rm", dimension).agg(
            pl.lit(dimension).alias("dimension"), pl.len().alias("n"),
            pl.col("correct").sum().alias("correct")).rename({dimension: "value"}))
    columns = ["rm", "dimension", "value", "n", "correct"]
    table = pl.concat([p.select(columns).with_columns(
        pl.col("n").cast(pl.Int64), pl.col("correct").cast(pl.Int64)) for p in parts])
    return table.with_columns(accuracy=(pl.col("correct") / pl.col("n")).round(4)).sort(
        "rm", "dimension", "value")


def binomial_p_value(correct: int, n: int, p: float = 0.5) -> float:
    """One-sided exact binomial test: P(X >= correct) for X ~ Binomial(n, p)."""
    if n == 0:
        return 1.0
    return float(sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(correct, n + 1)))


def external_pairs(path: Path, n: int, seed: int = 0, exclude_prompts: frozenset[str] = frozenset()
                   ) -> pl.DataFrame:
    """A fixed random ``n`` of HH-RLHF's pairs (text, history, chosen, rejected), leaving out
    prompts in ``exclude_prompts`` (the ones imported and possibly trained on)."""
    import gzip
    import json
    import random

    from safety_assets.intake.hh_rlhf import HHFormatError, split_pair

    pairs = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            try:
                pair = split_pair(record["chosen"], record["rejected"])
            except (HHFormatError, KeyError, IndexError):
                continue   # the few malformed pairs intake would quarantine
            if pair.prompt_id not in exclude_prompts and pair.chosen != pair.rejected:
                pairs.append({"id": pair.prompt_id, "text": pair.text,
                              "history": pair.history, "chosen": pair.chosen,
                              "rejected": pair.rejected})
    chosen = random.Random(seed).sample(pairs, min(n, len(pairs)))
    return pl.DataFrame(chosen, schema={"id": pl.String, "text": pl.String,
                                        "history": pl.String, "chosen": pl.String,
                                        "rejected": pl.String})


def round_accuracy(rm: str, pairs: pl.DataFrame, versions: list[dict[str, Any]],
                   score: Callable[[Path, pl.DataFrame], list[bool]],
                   held_out: str) -> list[dict[str, Any]]:
    """Accuracy per annotation round, as the paper tracks it per batch.

    ``pairs`` are the RM's pairs with ``round`` and ``split``; ``versions`` its registered
    versions, oldest first (``version``, ``round``: the newest round it learned from, and
    ``path``). For each round: the current (last) version on the round's held-out pairs, and
    the newest earlier version that never saw the round on all of that round's pairs: the
    accuracy on the newest batch before training on it. A version whose folder is gone is
    skipped. ``score(path, pairs)`` says for each pair whether the chosen response wins."""
    rows: list[dict[str, Any]] = []
    if not versions or pairs.height == 0:
        return rows
    current = versions[-1]

    def row(version: dict[str, Any], round_: int, split: str, before: bool,
            subset: pl.DataFrame) -> dict[str, Any]:
        correct = score(Path(version["path"]), subset)
        hits, n = sum(correct), len(correct)
        low, high = wilson_interval(hits, n) if n else (float("nan"), float("nan"))
        return {"rm": rm, "round": round_, "model_version": version["version"],
                "trained_through": version["round"], "before_training": before,
                "split": split, "n": n, "correct": hits,
                "accuracy": hits / n if n else None, "low": low, "high": high}

    for round_ in sorted(pairs["round"].unique().to_list()):
        of_round = pairs.filter(pl.col("round") == round_)
        if (current["round"] or 0) >= round_:
            held = of_round.filter(pl.col("split") == held_out)
            if held.height:
                rows.append(row(current, round_, held_out, False, held))
        earlier = [v for v in versions if (v["round"] or 0) < round_
                   and Path(v["path"]).exists()]
        if earlier:
            rows.append(row(earlier[-1], round_, "all", True, of_round))
    return rows
