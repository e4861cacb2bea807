"""The reward-model loss of Llama 2 (section 3.2.2) against values computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from safety_assets.ml.losses import (
    accuracy_by_strength,
    margin_table,
    margins_for,
    pair_accuracy,
    ranking_loss,
    reward_model_loss,
    safety_sign_loss,
)
from safety_assets.taxonomy import LARGE_MARGINS, SMALL_MARGINS


def by_hand(r_c: float, r_r: float, m: float) -> float:
    return -math.log(1 / (1 + math.exp(-(r_c - r_r - m))))


def test_ranking_loss_matches_hand_computed_values() -> None:
    r_c = torch.tensor([2.0, 0.5, -1.0])
    r_r = torch.tensor([1.0, 0.5, 1.0])
    margin = torch.tensor([0.0, 1.0, 3.0])
    expected = (by_hand(2, 1, 0) + by_hand(0.5, 0.5, 1) + by_hand(-1, 1, 3)) / 3
    assert ranking_loss(r_c, r_r, margin).item() == pytest.approx(expected, rel=1e-6)
    # Single values: log(1 + e^-1) and log 2.
    assert ranking_loss(torch.tensor([1.0]), torch.tensor([0.0])).item() == pytest.approx(
        math.log(1 + math.exp(-1)), rel=1e-6)
    assert ranking_loss(torch.tensor([0.3]), torch.tensor([0.3]), 0.0).item() == pytest.approx(
        math.log(2), rel=1e-6)


def test_margin_raises_the_loss() -> None:
    r_c, r_r = torch.tensor([1.5, 0.2]), torch.tensor([0.5, 0.1])
    losses = [ranking_loss(r_c, r_r, torch.full((2,), m)).item() for m in (0.0, 1 / 3, 1.0, 3.0)]
    assert losses == sorted(losses) and len(set(losses)) == 4


def test_gradient_pushes_chosen_up_and_rejected_down() -> None:
    r_c = torch.tensor([0.3, -2.0], requires_grad=True)
    r_r = torch.tensor([0.1, 1.0], requires_grad=True)
    ranking_loss(r_c, r_r, torch.tensor([1.0, 0.0])).backward()
    assert r_c.grad is not None and r_r.grad is not None
    assert (r_c.grad < 0).all() and (r_r.grad > 0).all()
    # d/dr_c = -(1 - sigmoid(d)) / batch
    d = torch.tensor([0.3 - 0.1 - 1.0, -2.0 - 1.0])
    assert torch.allclose(r_c.grad, -(1 - torch.sigmoid(d)) / 2)
    assert torch.allclose(r_r.grad, -r_c.grad)


def test_ranking_loss_is_finite_for_extreme_rewards() -> None:
    r_c = torch.tensor([-500.0, 500.0], requires_grad=True)
    r_r = torch.tensor([500.0, -500.0], requires_grad=True)
    loss = ranking_loss(r_c, r_r, torch.tensor([3.0, 3.0]))
    loss.backward()
    assert torch.isfinite(loss) and loss.item() == pytest.approx((1003.0 + 0.0) / 2, rel=1e-4)
    assert r_c.grad is not None and torch.isfinite(r_c.grad).all()


def test_margins_follow_the_paper_tables_and_annotator_spellings() -> None:
    strengths = ["significantly_better", "Better", "slightly better", "negligibly better/unsure",
                 "unsure", None]
    assert margins_for(strengths).tolist() == [3.0, 2.0, 1.0, 0.0, 0.0, 0.0]
    assert margins_for(strengths, SMALL_MARGINS).tolist() == pytest.approx(
        [1.0, 2 / 3, 1 / 3, 0.0, 0.0, 0.0])
    assert margin_table("large") is LARGE_MARGINS
    assert set(margin_table("none").values()) == {0.0}
    with pytest.raises(ValueError):
        margins_for(["much much better"])
    with pytest.raises(ValueError):
        margin_table("huge")


def test_sign_term_is_off_by_default_and_anchors_safe_above_zero() -> None:
    r_c, r_r = torch.tensor([0.5, -0.2]), torch.tensor([0.1, -0.9])
    safe, unsafe = torch.tensor([1, 1]), torch.tensor([0, -1])
    base = ranking_loss(r_c, r_r)
    assert reward_model_loss(r_c, r_r, chosen_safe=safe, rejected_safe=unsafe) == base
    with_sign = reward_model_loss(r_c, r_r, chosen_safe=safe, rejected_safe=unsafe, sign_coef=1.0)
    # Known labels only: chosen (safe, safe) and the first rejected (unsafe); -1 is skipped.
    expected = base + safety_sign_loss(torch.tensor([0.5, -0.2, 0.1]), torch.tensor([1, 1, 0]))
    assert with_sign.item() == pytest.approx(expected.item(), rel=1e-6)
    rewards = torch.tensor([0.0, 0.0], requires_grad=True)
    safety_sign_loss(rewards, torch.tensor([1, 0])).backward()
    assert rewards.grad is not None
    assert rewards.grad[0] < 0 < rewards.grad[1]  # safe pushed up, unsafe pushed down


def test_centring_term_penalises_the_reward_sum() -> None:
    r_c, r_r = torch.tensor([3.0]), torch.tensor([1.0])
    loss = reward_model_loss(r_c, r_r, center_coef=0.01)
    assert loss.item() == pytest.approx(ranking_loss(r_c, r_r).item() + 0.01 * 16, rel=1e-6)


def test_accuracy_counts_ties_as_wrong_and_splits_by_strength() -> None:
    assert pair_accuracy(torch.tensor([1.0, 0.0, 2.0]), torch.tensor([0.0, 0.0, 3.0])) == \
        pytest.approx(1 / 3)
    split = accuracy_by_strength([1, 0, 2, 5], [0, 1, 1, 6],
                                 ["better", "better", "significantly better", None])
    assert split == {"better": 0.5, "significantly_better": 1.0, "negligibly_better": 0.0}
