"""Choosing among sampled answers: rejection sampling and targeted context distillation.

- :func:`best_of_k`: the index of the highest-scoring of the K answers of each prompt (Llama 2
  rejection sampling, section 3.2.3); ties go to the lowest index, NaN scores never win.
- :func:`max_median_gain_curve`: expected max minus expected median reward of K samples as K
  grows, averaged over prompts (the paper's Figure 7: the potential gain of rejection sampling).
- :func:`targeted_distillation_keep`: keep a context-distilled answer only where the safety RM
  scores it above the answer made without the preprompt (section 4.2.4).
- :func:`best_finished_of_k`: best-of-K that excludes (or penalises) answers cut at
  ``max_new_tokens`` without EOS; :func:`truncation_report`: how many samples were cut.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from .reward_rules import TensorLike, as_tensor

ScoresPerPrompt = torch.Tensor | np.ndarray | Sequence[Sequence[float]]


def _rows(scores: ScoresPerPrompt) -> list[np.ndarray]:
    """Scores of each prompt as float64 arrays (ragged lists allowed)."""
    if isinstance(scores, torch.Tensor):
        scores = scores.detach().cpu().double().numpy()
    if isinstance(scores, np.ndarray):
        if scores.ndim != 2:
            raise ValueError(f"expected a (prompts, K) array of scores, got shape {scores.shape}")
        return [np.asarray(row, dtype=np.float64) for row in scores]
    return [np.asarray(list(row), dtype=np.float64) for row in scores]


def best_of_k(scores: ScoresPerPrompt) -> list[int]:
    """Per prompt, the index of its best answer.

    ``scores`` is a ``(prompts, K)`` tensor/array or a list of per-prompt lists (K may differ).
    Ties are broken by the lowest index; NaN scores lose to any number (a row of only NaN
    picks index 0). Raises on a prompt with no answers.
    """
    picks: list[int] = []
    for i, row in enumerate(_rows(scores)):
        if row.size == 0:
            raise ValueError(f"prompt {i} has no scored answers")
        clean = np.where(np.isnan(row), -np.inf, row)
        picks.append(int(np.argmax(clean)))  # argmax returns the first maximum
    return picks


def pick_best(samples: Sequence[Sequence[str]], scores: ScoresPerPrompt) -> list[str]:
    """The best answer text of each prompt, by :func:`best_of_k`."""
    picks = best_of_k(scores)
    if len(picks) != len(samples):
        raise ValueError(f"{len(samples)} prompts of samples but {len(picks)} rows of scores")
    for i, (row, k) in enumerate(zip(samples, _rows(scores), strict=True)):
        if len(row) != k.size:
            raise ValueError(f"prompt {i}: {len(row)} samples but {k.size} scores")
    return [row[j] for row, j in zip(samples, picks, strict=True)]


def max_median_gain_curve(
    scores_per_prompt: ScoresPerPrompt,
    ks: Sequence[int],
    n_subsamples: int = 200,
    seed: int = 0,
) -> list[dict[str, float]]:
    """Expected max and median reward among K samples, and their gap, for each K in ``ks``.

    For every prompt with at least K scored samples, ``n_subsamples`` subsets of size K are drawn
    without replacement (seeded); the max and the median of each subset are averaged over the
    subsets and then over prompts. The gap (``gain``) is what rejection sampling can win over a
    typical sample at that K: it is 0 at K = 1 and grows with K (Figure 7 of the paper). When K
    equals the number of samples the full set is used once. Rows: ``k``, ``mean_max``,
    ``mean_median``, ``gain``, ``prompts`` (how many prompts had enough samples).
    """
    rows = [r[~np.isnan(r)] for r in _rows(scores_per_prompt)]
    rng = np.random.default_rng(seed)
    curve: list[dict[str, float]] = []
    for k in ks:
        if k < 1:
            raise ValueError(f"K must be at least 1, got {k}")
        maxes: list[float] = []
        medians: list[float] = []
        for row in rows:
            n = row.size
            if n < k:
                continue
            if k == n:
                subsets = row[None, :]
            else:
                # argsort of uniform noise = a random permutation per draw (vectorised)
                idx = np.argsort(rng.random((n_subsamples, n)), axis=1)[:, :k]
                subsets = row[idx]
            maxes.append(float(subsets.max(axis=1).mean()))
            medians.append(float(np.median(subsets, axis=1).mean()))
        if maxes:
            mean_max, mean_median = float(np.mean(maxes)), float(np.mean(medians))
        else:
            mean_max = mean_median = math.nan
        curve.append({
            "k": float(k),
            "mean_max": mean_max,
            "mean_median": mean_median,
            "gain": mean_max - mean_median,
            "prompts": float(len(maxes)),
        })
    return curve


def targeted_distillation_keep(
    score_with_preprompt: TensorLike,
    score_without: TensorLike,
    margin: float = 0.0,
) -> torch.Tensor:
    """Boolean mask: keep the context-distilled answer where its safety score beats the answer
    made without the preprompt by more than ``margin`` (strictly; equal scores are dropped, as are
    NaN ones). Scores may be logits or probabilities, as long as both use the same scale."""
    with_p = as_tensor(score_with_preprompt, torch.float64)
    without = as_tensor(score_without, torch.float64).to(with_p.device)
    if with_p.shape != without.shape:
        raise ValueError(f"score shapes differ: {tuple(with_p.shape)} vs {tuple(without.shape)}")
    return with_p > without + margin


FinishedPerPrompt = torch.Tensor | np.ndarray | Sequence[Sequence[bool]]


def _flag_rows(finished: FinishedPerPrompt) -> list[np.ndarray]:
    if isinstance(finished, torch.Tensor):
        finished = finished.detach().cpu().numpy()
    return [np.asarray(list(row), dtype=bool) for row in finished]


def best_finished_of_k(
    scores: ScoresPerPrompt,
    finished: FinishedPerPrompt,
    missing_eos_penalty: float | None = None,
) -> list[int | None]:
    """Best-of-K that does not let a truncated answer (no EOS) win as if it were complete.

    ``missing_eos_penalty=None``: unfinished answers are excluded; a prompt with no finished
    answer gets ``None`` (drop it from the fine-tuning set). A number: it is subtracted from the
    unfinished answers' scores, which then compete with the others (every prompt gets an
    index). Ties and NaN as in :func:`best_of_k`.
    """
    rows, flags = _rows(scores), _flag_rows(finished)
    if len(rows) != len(flags):
        raise ValueError(f"{len(rows)} rows of scores but {len(flags)} rows of finished flags")
    picks: list[int | None] = []
    for i, (row, done) in enumerate(zip(rows, flags, strict=True)):
        if row.shape != done.shape:
            raise ValueError(f"prompt {i}: {row.size} scores but {done.size} finished flags")
        if missing_eos_penalty is None:
            if not done.any():
                picks.append(None)
                continue
            row = np.where(done, row, np.nan)
        else:
            row = np.where(done, row, row - float(missing_eos_penalty))
        picks.append(best_of_k([row])[0])
    return picks


def truncation_report(finished: FinishedPerPrompt) -> dict[str, float]:
    """How many samples ran into ``max_new_tokens`` without EOS: ``samples``, ``truncated``,
    ``truncated_share``, and ``prompts_all_truncated`` (prompts none of whose samples
    finished; rejection sampling with exclusion drops them)."""
    flags = _flag_rows(finished)
    samples = sum(int(row.size) for row in flags)
    truncated = sum(int((~row).sum()) for row in flags)
    return {
        "samples": float(samples),
        "truncated": float(truncated),
        "truncated_share": truncated / samples if samples else 0.0,
        "prompts": float(len(flags)),
        "prompts_all_truncated": float(sum(1 for row in flags if row.size and not row.any())),
    }
