"""Is a safety score a probability? Calibration of ``sigmoid(r)`` against per-response safety
labels, and the precision and recall of a threshold for "unsafe".

The reward models learn from differences (``r_c - r_r - m``), so the level of ``sigmoid(r)``
is free unless something anchors it. Two rules read that level: the paper's ``R_s < 0.15``
switch in the combined reward and "violation = safety probability < 0.5". These functions
say whether the level means what those rules assume, on labelled held-out responses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from safety_assets.evaluation.reward_accuracy import RewardScores


@dataclass(frozen=True)
class ThresholdQuality:
    """How well ``prob < threshold`` finds the unsafe responses (the paper: precision 0.89
    and recall 0.55 at 0.15 on its safety test set)."""

    threshold: float
    precision: float       # of the responses flagged unsafe, the share that are unsafe
    recall: float          # of the unsafe responses, the share flagged
    flagged: int
    unsafe: int
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _arrays(probs: Sequence[float], is_safe: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(probs, dtype=float)
    y = np.asarray(is_safe, dtype=bool)
    if p.shape != y.shape:
        raise ValueError(f"{p.size} probabilities for {y.size} labels")
    if p.size and (np.nanmin(p) < 0 or np.nanmax(p) > 1):
        raise ValueError("probabilities must lie in [0, 1]")
    return p, y


def threshold_quality(probs: Sequence[float], is_safe: Sequence[bool], threshold: float
                      ) -> ThresholdQuality:
    """Precision and recall of "unsafe" = ``prob < threshold``; NaN where undefined."""
    p, y = _arrays(probs, is_safe)
    flagged = p < threshold
    unsafe = ~y
    hits = int((flagged & unsafe).sum())
    return ThresholdQuality(
        threshold=threshold,
        precision=hits / int(flagged.sum()) if flagged.any() else float("nan"),
        recall=hits / int(unsafe.sum()) if unsafe.any() else float("nan"),
        flagged=int(flagged.sum()), unsafe=int(unsafe.sum()), n=int(p.size))


def reliability_table(probs: Sequence[float], is_safe: Sequence[bool], bins: int = 10
                      ) -> pl.DataFrame:
    """Equal-width bins of the predicted probability of "safe": per bin, the mean prediction,
    the observed share of safe responses and the count (empty bins are left out)."""
    p, y = _arrays(probs, is_safe)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    rows = []
    for b in range(bins):
        members = index == b
        if not members.any():
            continue
        rows.append({"bin_low": float(edges[b]), "bin_high": float(edges[b + 1]),
                     "mean_predicted": float(p[members].mean()),
                     "observed_safe": float(y[members].mean()), "n": int(members.sum())})
    return pl.DataFrame(rows, schema={"bin_low": pl.Float64, "bin_high": pl.Float64,
                                      "mean_predicted": pl.Float64,
                                      "observed_safe": pl.Float64, "n": pl.Int64})


def expected_calibration_error(probs: Sequence[float], is_safe: Sequence[bool],
                               bins: int = 10) -> float:
    """ECE: the count-weighted mean gap between prediction and observation over the bins of
    :func:`reliability_table` (0 for a calibrated score; NaN with no responses)."""
    table = reliability_table(probs, is_safe, bins)
    total = int(table["n"].sum()) if table.height else 0
    if total == 0:
        return float("nan")
    gaps = (table["mean_predicted"] - table["observed_safe"]).abs() * table["n"]
    return float(gaps.sum() / total)


def labelled_responses(pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per response with a safety label, from preference pairs that carry
    ``chosen_safe`` / ``rejected_safe``: columns text, history, response, is_safe, pair_id."""
    parts = []
    for side in ("chosen", "rejected"):
        parts.append(pairs.filter(pl.col(f"{side}_safe").is_not_null()).select(
            pl.col("id").alias("pair_id"), "text", "history",
            pl.col(side).alias("response"), pl.col(f"{side}_safe").alias("is_safe")))
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts).unique(["text", "response"], keep="first", maintain_order=True)


def score_labelled(model_dir: str, responses: pl.DataFrame, batch_size: int = 16,
                   scores: RewardScores | None = None) -> list[float]:
    """``sigmoid(r)`` of a saved reward model for each labelled response (prompt in the chat
    format the RM was trained on), through ``scores`` when given."""
    from safety_assets.rlhf.generation import probs

    if responses.height == 0:
        return []
    scores = scores or RewardScores(batch_size)
    raw = scores(model_dir, responses["text"].to_list(), responses["history"].to_list(),
                 responses["response"].to_list())
    return probs(raw).tolist()
