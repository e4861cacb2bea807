"""Intervals and paired tests: hand-computed values, and coverage simulations that can fail.

Each simulation draws from a fixed seed, so the outcome is deterministic; the bounds are wide
enough for the Monte Carlo error of the number of draws and narrow enough that a broken
interval (shown by the negative controls) falls outside them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from safety_assets.evaluation.intervals import (
    Estimate,
    bootstrap_mean_interval,
    mcnemar_exact_p,
    mean_estimate,
    newcombe_paired_interval,
    paired_mean_test,
    paired_proportion_test,
    proportion_estimate,
    rate_estimate,
    sign_flip_p,
    wilson_interval,
)

Z95 = 1.959963984540054


def _wald(successes: int, n: int) -> tuple[float, float]:
    """The textbook interval p ± z·sqrt(p(1-p)/n): the negative control of the coverage test."""
    p = successes / n
    half = Z95 * math.sqrt(p * (1 - p) / n)
    return (p - half, p + half)


def _coverage(interval, p: float, n: int, draws: int = 2000, seed: int = 0) -> float:
    counts = np.random.default_rng(seed).binomial(n, p, size=draws)
    cache = {int(k): interval(int(k), n) for k in np.unique(counts)}
    return float(np.mean([cache[int(k)][0] <= p <= cache[int(k)][1] for k in counts]))


# With 2000 draws the Monte Carlo s.d. of a 95% coverage is 0.005. Wilson's exact coverage at
# these (p, n) lies between 0.930 (p=0.3, n=30) and 0.978 (p=0.02, n=30): binomial coverage
# oscillates, so the band is asymmetric around 0.95.
COVERAGE_BAND = (0.91, 0.99)


def test_wilson_matches_hand_computed_values():
    # z = 1.95996. 0/10: centre = (z²/20)/(1+z²/10) = 0.19207/1.38415 = 0.13877 and
    # half = z/(1+z²/10)·sqrt(z²/400) = 1.41600·0.09800 = 0.13877: [0, 0.27753].
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.277533), abs=1e-6)
    # 5/10: centre 0.5, half = 1.41600·sqrt(0.025 + 0.0096037) = 1.41600·0.186021 = 0.263407.
    assert wilson_interval(5, 10) == pytest.approx((0.236593, 0.763407), abs=1e-6)
    # 81/124: p = 0.653226, z²/n = 0.030979; centre = (0.653226 + 0.015490)/1.030979 =
    # 0.648626; half = 1.901060·sqrt(0.001828 + 0.0000625) = 0.082631: [0.565991, 0.731252].
    assert wilson_interval(81, 124) == pytest.approx((0.565991, 0.731252), abs=1e-5)
    assert wilson_interval(10, 10)[1] == 1.0 and wilson_interval(0, 10)[0] == 0.0
    # A 99% interval is wider than a 95% one.
    low99, high99 = wilson_interval(5, 10, confidence=0.99)
    assert low99 < 0.236593 and high99 > 0.763407


def test_wilson_with_no_items_is_nan_not_a_measurement():
    low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
    with pytest.raises(ValueError):
        wilson_interval(1, 10, confidence=1.0)


@pytest.mark.parametrize("p", [0.02, 0.3, 0.5])
@pytest.mark.parametrize("n", [30, 124, 400])
def test_wilson_covers_the_true_rate_about_95_percent_of_the_time(p, n):
    coverage = _coverage(wilson_interval, p, n)
    assert COVERAGE_BAND[0] <= coverage <= COVERAGE_BAND[1], coverage


@pytest.mark.parametrize("n", [30, 400])
def test_the_coverage_check_rejects_the_wald_interval_at_a_rare_rate(n):
    # Negative control: at p = 0.02 Wald covers 45% (n=30: 0 of 30 gives [0, 0]) and 90%
    # (n=400), so the same check fails it.
    coverage = _coverage(_wald, 0.02, n)
    assert not COVERAGE_BAND[0] <= coverage <= COVERAGE_BAND[1], coverage


def test_estimates_carry_n_interval_and_seed_in_their_text():
    est = proportion_estimate(33, 124)
    assert est.method == "wilson" and est.seed is None
    assert est.pct().format() == "26.6 [19.6, 35.0] (n=124)"
    assert rate_estimate([True] * 33 + [False] * 91).pct().format() == est.pct().format()
    seeded = proportion_estimate(33, 124, seed=7).pct()
    assert seeded.format() == "26.6 [19.6, 35.0] (n=124, seed=7)"
    assert seeded.contains(26.6) and not seeded.contains(40.0)
    assert Estimate(0.5, 0.4, 0.6, 10).to_dict()["n"] == 10


def test_bootstrap_interval_is_seeded_and_brackets_the_mean():
    values = np.random.default_rng(1).exponential(size=200)
    first = bootstrap_mean_interval(values, seed=3)
    assert first == bootstrap_mean_interval(values, seed=3)
    assert first != bootstrap_mean_interval(values, seed=4)
    assert first[0] < values.mean() < first[1]
    # The s.e. of the mean is about 1/sqrt(200) = 0.071: a 95% interval is about 0.28 wide.
    assert 0.2 < first[1] - first[0] < 0.36
    assert bootstrap_mean_interval([2.0, 2.0, 2.0]) == (2.0, 2.0)
    low, high = bootstrap_mean_interval([])
    assert math.isnan(low) and math.isnan(high)
    est = mean_estimate(values, seed=3)
    assert (est.low, est.high) == first and est.seed == 3 and est.n == 200


def _bootstrap_coverage(confidence: float, n: int = 60, reps: int = 300) -> float:
    # Skewed scores (exponential, mean 1), the hard case for a percentile bootstrap.
    rng = np.random.default_rng(11)
    hits = 0
    for rep in range(reps):
        sample = rng.exponential(size=n)
        low, high = bootstrap_mean_interval(sample, confidence, resamples=500, seed=rep)
        hits += low <= 1.0 <= high
    return hits / reps


def test_bootstrap_mean_interval_covers_the_true_mean():
    # 300 replications: Monte Carlo s.d. 0.013; the percentile bootstrap under-covers skewed
    # data a little at n=60 (about 0.93), hence the lower bound.
    coverage = _bootstrap_coverage(0.95)
    assert 0.90 <= coverage <= 0.985, coverage
    # Negative control: an 80% interval sold as 95% fails the same check.
    assert not 0.90 <= _bootstrap_coverage(0.80) <= 0.985


def test_mcnemar_exact_p_matches_the_binomial_tail_by_hand():
    # Discordant 10 vs 2: P(X <= 2 | 12, 1/2) = (1 + 12 + 66) / 4096 = 79/4096; doubled.
    assert mcnemar_exact_p(10, 2) == pytest.approx(2 * 79 / 4096)
    assert mcnemar_exact_p(2, 10) == mcnemar_exact_p(10, 2)
    # 5 vs 0: 2 / 32.
    assert mcnemar_exact_p(5, 0) == pytest.approx(1 / 16)
    assert mcnemar_exact_p(0, 0) == 1.0 and mcnemar_exact_p(6, 6) == 1.0
    # Large counts stay finite and exact (integer arithmetic): 2000 vs 2000 is p = 1.
    assert mcnemar_exact_p(2000, 2000) == 1.0
    assert 0.0 < mcnemar_exact_p(2100, 1900) < 0.01


def test_paired_proportion_test_reports_points_interval_and_discordant_counts():
    # 124 items: 10 only A passes, 2 only B passes, 50 both, 62 neither.
    a = [True] * 10 + [False] * 2 + [True] * 50 + [False] * 62
    b = [False] * 10 + [True] * 2 + [True] * 50 + [False] * 62
    result = paired_proportion_test(a, b)
    assert result.difference == pytest.approx(100 * 8 / 124)
    assert (result.a_better, result.b_better, result.n) == (10, 2, 124)
    assert result.p_value == pytest.approx(2 * 79 / 4096) and result.significant
    assert result.low < result.difference < result.high
    assert 0.0 < result.low  # significant by McNemar and the interval agrees
    assert result.format().startswith("+6.5 pp [+")
    swapped = paired_proportion_test(b, a)
    assert swapped.difference == pytest.approx(-result.difference)
    assert swapped.low == pytest.approx(-result.high) and swapped.high == pytest.approx(
        -result.low)


def test_identical_verdicts_are_not_a_difference():
    flags = [True, False, True, True, False] * 20
    result = paired_proportion_test(flags, flags)
    assert result.p_value == 1.0 and not result.significant
    assert result.difference == 0.0 and result.low < 0.0 < result.high
    with pytest.raises(ValueError):
        paired_proportion_test([True], [True, False])


def _paired_null_samples(reps: int, n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    # Two equally good models whose verdicts are correlated (items differ in difficulty).
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(reps):
        difficulty = rng.uniform(0.1, 0.9, size=n)
        out.append((rng.random(n) < difficulty, rng.random(n) < difficulty))
    return out


def test_mcnemar_false_positive_rate_under_the_null_is_at_most_alpha():
    samples = _paired_null_samples(2000, 124, seed=5)
    rate = np.mean([paired_proportion_test(a, b).significant for a, b in samples])
    # The exact test is conservative (about 0.04 here); s.d. of the rate is 0.005.
    assert rate <= 0.06, rate
    # Negative control: a one-sided p read as two-sided (half the p-value) rejects too often.
    half = np.mean([mcnemar_exact_p(int((a & ~b).sum()), int((~a & b).sum())) / 2 < 0.05
                    for a, b in samples])
    assert half > 0.06, half


def test_newcombe_paired_interval_covers_the_true_difference():
    # True rates 0.60 (A) and 0.50 (B) on correlated items: P(both)=0.40, A only 0.20,
    # B only 0.10, neither 0.30; true difference 0.10.
    rng = np.random.default_rng(9)
    cells = rng.multinomial(124, [0.40, 0.20, 0.10, 0.30], size=2000)
    hits = [lo <= 0.10 <= hi for lo, hi in (newcombe_paired_interval(*map(int, c))
                                            for c in cells)]
    assert 0.93 <= np.mean(hits) <= 0.97


def test_sign_flip_p_is_exact_for_few_differences():
    # 4 positive differences of 1: only the all-plus and all-minus patterns reach |sum| = 4,
    # 2 of the 16 sign patterns.
    assert sign_flip_p([1.0, 1.0, 1.0, 1.0]) == pytest.approx(2 / 16)
    assert sign_flip_p([0.0, 0.0]) == 1.0
    assert sign_flip_p([1.0, -1.0]) == 1.0


def test_paired_mean_test_finds_a_real_shift_and_not_a_null_one():
    rng = np.random.default_rng(2)
    base = rng.normal(size=150)
    shifted = paired_mean_test(base + 0.3 + rng.normal(scale=0.5, size=150), base, seed=0)
    assert shifted.significant and shifted.low > 0.0 and shifted.unit == "score"
    assert shifted.difference == pytest.approx(0.3, abs=0.12)
    assert shifted.seed == 0 and shifted.a_better > shifted.b_better
    same = paired_mean_test(base, base.copy(), seed=0)
    assert same.p_value == 1.0 and not same.significant and same.difference == 0.0
    assert paired_mean_test(base + 0.1, base, seed=1) == paired_mean_test(base + 0.1, base,
                                                                          seed=1)


def test_paired_mean_test_false_positive_rate_under_the_null():
    rng = np.random.default_rng(4)
    rejections = 0
    reps = 200
    for rep in range(reps):
        item = rng.normal(size=60)
        a, b = item + rng.normal(size=60), item + rng.normal(size=60)
        rejections += paired_mean_test(a, b, seed=rep, resamples=200,
                                       permutations=400).significant
    # 200 replications: s.d. 0.015 around 0.05.
    assert rejections / reps <= 0.09, rejections
