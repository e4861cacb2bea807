"""The PPO reward of Llama 2 (section 3.2.3): the piecewise rule, LOGIT, WHITEN and the KL term."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from safety_assets.rlhf.reward_rules import (
    SAFETY_THRESHOLD,
    RewardOutput,
    apply_missing_eos_penalty,
    call_scorer,
    combined_reward,
    kl_penalty,
    logit,
    make_combined_reward_fn,
    ppo_reward,
    shaped_score,
    token_rewards,
    uses_safety_reward,
    whiten,
)


def test_threshold_is_the_papers_015():
    assert SAFETY_THRESHOLD == 0.15


def test_benign_prompt_with_safety_score_just_below_threshold_uses_safety_reward():
    out = combined_reward([0.149], [0.9], [False])
    assert out.item() == pytest.approx(0.149)


def test_benign_prompt_with_safety_score_at_or_above_threshold_uses_helpfulness_reward():
    out = combined_reward([0.15, 0.151, 0.8], [0.9, 0.7, 0.3], [False, False, False])
    assert out.tolist() == pytest.approx([0.9, 0.7, 0.3])


def test_adversarial_prompt_uses_safety_reward_whatever_the_safety_score():
    out = combined_reward([0.05, 0.15, 0.95], [0.9, 0.9, 0.1], [True, True, True])
    assert out.tolist() == pytest.approx([0.05, 0.15, 0.95])


def test_custom_threshold_moves_the_switch():
    assert combined_reward(0.3, 0.9, False, threshold=0.5).item() == pytest.approx(0.3)
    assert combined_reward(0.3, 0.9, False, threshold=0.2).item() == pytest.approx(0.9)


def test_combined_reward_accepts_numpy_lists_and_tensors_alike():
    rs, rh, adv = [0.1, 0.5, 0.5], [0.8, 0.8, 0.8], [False, False, True]
    expected = [0.1, 0.8, 0.5]
    for convert in (list, np.asarray, torch.tensor):
        assert combined_reward(convert(rs), convert(rh), convert(adv)).tolist() == pytest.approx(
            expected
        )


def test_uses_safety_reward_mask_matches_the_rule():
    mask = uses_safety_reward([0.1, 0.5, 0.5], [False, False, True])
    assert mask.tolist() == [True, False, True]


def test_logit_inverts_sigmoid_and_stays_finite_at_0_and_1():
    x = torch.tensor([-3.0, 0.0, 2.5])
    assert torch.allclose(logit(torch.sigmoid(x)), x, atol=1e-5)
    edges = logit([0.0, 1.0], eps=1e-6)
    assert torch.isfinite(edges).all()
    assert edges[0] < -13 and edges[1] > 13


def test_whiten_gives_mean_zero_std_one():
    x = torch.tensor([1.0, 2.0, 4.0, 8.0, 16.0])
    w = whiten(x)
    assert w.mean().item() == pytest.approx(0.0, abs=1e-6)
    assert w.std(unbiased=False).item() == pytest.approx(1.0, abs=1e-4)


def test_whiten_without_shift_keeps_the_mean():
    x = torch.tensor([1.0, 2.0, 4.0, 8.0])
    w = whiten(x, shift_mean=False)
    assert w.mean().item() == pytest.approx(x.mean().item(), abs=1e-5)


def test_whiten_with_mask_ignores_and_preserves_masked_out_entries():
    x = torch.tensor([[1.0, 3.0, 100.0], [5.0, 7.0, -100.0]])
    mask = torch.tensor([[True, True, False], [True, True, False]])
    w = whiten(x, mask=mask)
    assert w[mask].mean().item() == pytest.approx(0.0, abs=1e-6)
    assert w[mask].std(unbiased=False).item() == pytest.approx(1.0, abs=1e-4)
    assert w[~mask].tolist() == [100.0, -100.0]


def test_whiten_single_or_constant_input_is_zero_not_nan():
    assert whiten([0.7]).tolist() == [0.0]
    assert whiten([2.0, 2.0, 2.0]).tolist() == [0.0, 0.0, 0.0]


def test_ppo_reward_applies_logit_before_whitening():
    rs = torch.tensor([0.5, 0.9, 0.99, 0.6])
    rh = torch.tensor([0.2, 0.2, 0.2, 0.2])
    adv = torch.tensor([True, True, True, True])
    rc = combined_reward(rs, rh, adv)
    out = ppo_reward(rs, rh, adv)
    assert torch.allclose(out, whiten(logit(rc)), atol=1e-6)
    assert not torch.allclose(out, whiten(rc), atol=1e-2)
    assert out.mean().item() == pytest.approx(0.0, abs=1e-6)
    assert out.std(unbiased=False).item() == pytest.approx(1.0, abs=1e-4)


def test_ppo_reward_subtracts_beta_times_sequence_kl():
    rs, rh, adv = [0.2, 0.9], [0.5, 0.5], [True, True]
    base = shaped_score(rs, rh, adv)
    kl = torch.tensor([2.0, 0.0])
    out = ppo_reward(rs, rh, adv, kl=kl, beta=0.01)
    assert torch.allclose(out, base - 0.01 * kl)
    per_token = torch.tensor([[1.0, 1.0], [0.0, 0.0]])
    assert torch.allclose(ppo_reward(rs, rh, adv, kl=per_token, beta=0.01), out)


def test_kl_penalty_is_positive_where_policy_is_more_likely_than_reference():
    lp = torch.tensor([-1.0, -3.0])
    ref = torch.tensor([-2.0, -2.0])
    kl = kl_penalty(lp, ref)
    assert kl.tolist() == pytest.approx([1.0, -1.0])
    for estimator in ("abs", "mse", "k3"):
        assert (kl_penalty(lp, ref, estimator) >= 0).all()
    with pytest.raises(ValueError):
        kl_penalty(lp, ref, "nope")


def test_higher_policy_logprob_than_reference_lowers_the_reward():
    mask = torch.ones(1, 3, dtype=torch.bool)
    ref = torch.full((1, 3), -2.0)
    same = token_rewards([1.0], kl_penalty(ref, ref), mask, beta=0.1)
    drifted = token_rewards([1.0], kl_penalty(ref + 0.5, ref), mask, beta=0.1)
    assert drifted.sum() < same.sum()
    assert same.sum().item() == pytest.approx(1.0)
    assert drifted.sum().item() == pytest.approx(1.0 - 0.1 * 0.5 * 3)


def test_token_rewards_put_the_score_on_the_last_real_token_only():
    kl = torch.zeros(2, 4)
    mask = torch.tensor([[1, 1, 1, 0], [1, 0, 0, 0]], dtype=torch.bool)
    rewards = token_rewards(torch.tensor([2.0, -1.0]), kl, mask, beta=0.01)
    assert rewards.tolist() == [[0.0, 0.0, 2.0, 0.0], [-1.0, 0.0, 0.0, 0.0]]


def test_combined_reward_fn_returns_logit_of_the_rule_and_reports_raw():
    prompts = ["adv", "benign", "benign"]
    rs = torch.tensor([0.9, 0.1, 0.6])
    rh = torch.tensor([0.2, 0.8, 0.7])
    reward_fn = make_combined_reward_fn(
        lambda p, r: rs, lambda p, r: rh, {"adv": True, "benign": False}
    )
    out = reward_fn(prompts, ["a", "b", "c"])
    assert isinstance(out, RewardOutput)
    assert out.raw.tolist() == pytest.approx([0.9, 0.1, 0.7])
    assert out.score.tolist() == pytest.approx([math.log(0.9 / 0.1), math.log(0.1 / 0.9),
                                                math.log(0.7 / 0.3)], abs=1e-4)
    assert out.metrics["safety_reward_share"] == pytest.approx(2 / 3)


def test_missing_eos_penalty_changes_only_unfinished_scores():
    score = torch.tensor([1.0, 2.0, -3.0])
    out = apply_missing_eos_penalty(score, [True, False, False], 0.5)
    assert out.tolist() == [1.0, 1.5, -3.5]
    assert score.tolist() == [1.0, 2.0, -3.0]  # not modified in place
    assert apply_missing_eos_penalty(score, [False, False, False], None).tolist() == [1, 2, -3]
    with pytest.raises(ValueError):
        apply_missing_eos_penalty(score, [True], 0.5)


def test_finished_flags_reach_only_scorers_that_accept_them():
    calls = []

    def old(prompts, responses):
        calls.append("old")
        return torch.full((len(prompts),), 0.9)

    def new(prompts, responses, finished=None):
        calls.append(finished)
        flags = [True] * len(prompts) if finished is None else finished
        return torch.tensor([0.9 if f else 0.1 for f in flags])

    assert call_scorer(old, ["p"], ["r"], [False]).tolist() == pytest.approx([0.9])
    reward_fn = make_combined_reward_fn(new, old, lambda p: True)
    out = reward_fn(["p", "q"], ["r", "s"], finished=[True, False])
    assert calls == ["old", [True, False], "old"]
    assert out.raw.tolist() == pytest.approx([0.9, 0.1])  # adversarial: R_c = R_s
    assert reward_fn(["p"], ["r"]).raw.numel() == 1  # and without flags, as before
