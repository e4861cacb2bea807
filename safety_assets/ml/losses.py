"""Reward-model losses (Llama 2 section 3.2.2), with the safe-rlhf sign term as an option."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import torch
import torch.nn.functional as F

from safety_assets.taxonomy import LARGE_MARGINS, SMALL_MARGINS, normalize_strength

MARGIN_TABLES: dict[str, Mapping[str, float]] = {
    "large": LARGE_MARGINS,
    "small": SMALL_MARGINS,
    # The binary ranking loss of InstructGPT, for ablations: no margin at all.
    "none": {name: 0.0 for name in LARGE_MARGINS},
}


def margin_table(name: str) -> Mapping[str, float]:
    try:
        return MARGIN_TABLES[name]
    except KeyError:
        raise ValueError(f"unknown margin table {name!r}; one of {sorted(MARGIN_TABLES)}") from None


def margins_for(
    strengths: Iterable[str | None], table: Mapping[str, float] = LARGE_MARGINS
) -> torch.Tensor:
    """m(r) per pair from its preference strength, as written by annotators or canonical.

    A missing strength counts as "negligibly better / unsure" (margin 0): without a label we
    claim no gap. An unrecognised one is an error rather than a silent 0.
    """
    values: list[float] = []
    for raw in strengths:
        if raw is None or raw == "":
            values.append(0.0)
            continue
        name = normalize_strength(raw)
        if name is None or name not in table:
            raise ValueError(f"unknown preference strength {raw!r}")
        values.append(float(table[name]))
    return torch.tensor(values, dtype=torch.float32)


def ranking_loss(
    r_chosen: torch.Tensor,
    r_rejected: torch.Tensor,
    margin: torch.Tensor | float | None = None,
) -> torch.Tensor:
    """Mean of ``-log(sigmoid(r_c - r_r - m))`` over the batch.

    ``logsigmoid`` instead of ``log(sigmoid(.))``: the latter underflows to ``log(0) = -inf``
    once the difference is below about -100 (fp32), and so would the gradient.
    """
    diff = r_chosen.float() - r_rejected.float()
    if margin is not None:
        margin_t = torch.as_tensor(margin, dtype=diff.dtype, device=diff.device)
        diff = diff - margin_t
    return -F.logsigmoid(diff).mean()


def safety_sign_loss(rewards: torch.Tensor, is_safe: torch.Tensor) -> torch.Tensor:
    """Mean of ``-log(sigmoid(s * r))``, ``s = +1`` for a safe response, ``-1`` for an unsafe one.

    The cost-model term of safe-rlhf, with the sign flipped because our reward is "higher is
    safer": it anchors 0 as the safe/unsafe boundary, which the pairwise loss alone leaves free
    (it only sees differences). The PPO rule's 0.15 threshold on the safety score assumes such
    an anchored scale.
    """
    sign = is_safe.to(rewards.dtype) * 2 - 1
    return -F.logsigmoid(sign * rewards.float()).mean()


def reward_model_loss(
    r_chosen: torch.Tensor,
    r_rejected: torch.Tensor,
    margin: torch.Tensor | None = None,
    *,
    chosen_safe: torch.Tensor | None = None,
    rejected_safe: torch.Tensor | None = None,
    sign_coef: float = 0.0,
    center_coef: float = 0.0,
) -> torch.Tensor:
    """The ranking loss plus the optional terms, each off (0) by default.

    ``sign_coef``: weight of :func:`safety_sign_loss` on both responses, for pairs whose safety
    labels are known (``*_safe`` may hold -1 for unknown). ``center_coef``: TRL's reward-centring
    term ``mean((r_c + r_r)^2)``, which keeps the rewards near zero mean.
    """
    loss = ranking_loss(r_chosen, r_rejected, margin)
    if sign_coef and chosen_safe is not None and rejected_safe is not None:
        rewards = torch.cat([r_chosen, r_rejected])
        labels = torch.cat([chosen_safe, rejected_safe])
        known = labels >= 0
        if bool(known.any()):
            loss = loss + sign_coef * safety_sign_loss(rewards[known], labels[known])
    if center_coef:
        loss = loss + center_coef * ((r_chosen.float() + r_rejected.float()) ** 2).mean()
    return loss


def pair_accuracy(r_chosen: torch.Tensor, r_rejected: torch.Tensor) -> float:
    """Share of pairs the model ranks the annotators' way (ties count as wrong)."""
    if r_chosen.numel() == 0:
        return float("nan")
    return float((r_chosen > r_rejected).float().mean())


def accuracy_by_strength(
    r_chosen: Sequence[float], r_rejected: Sequence[float], strengths: Sequence[str | None]
) -> dict[str, float]:
    """Accuracy per preference strength, as the paper reports it (Table 8)."""
    hits: dict[str, list[bool]] = {}
    for chosen, rejected, raw in zip(r_chosen, r_rejected, strengths, strict=True):
        name = (normalize_strength(raw) or "unknown") if raw else "negligibly_better"
        hits.setdefault(name, []).append(chosen > rejected)
    return {name: sum(values) / len(values) for name, values in sorted(hits.items())}
