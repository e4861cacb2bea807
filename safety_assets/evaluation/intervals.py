"""Uncertainty for the evaluation's figures: intervals, paired tests, figures that carry both.

A safety team reading "TruthfulQA 26.6%" cannot tell a real change from noise unless the figure
comes with its sample size, its 95% interval and the seed of whatever randomness produced it.
Everything here is plain numpy and the standard library (scipy is not a declared dependency):

- :func:`wilson_interval`: the Wilson score interval for a proportion. It keeps close to its
  nominal coverage down to a few percent and a few dozen items, where the textbook Wald
  interval ``p ± z·sqrt(p(1-p)/n)`` collapses (at p=0.02, n=30 it covers the truth about half
  the time, because 0 of 30 gives the empty interval [0, 0]).
- :func:`bootstrap_mean_interval`: the percentile bootstrap for the mean of arbitrary scores.
- :func:`paired_proportion_test`: two models judged on the *same* items. The p-value is the
  exact two-sided McNemar test (a binomial test on the discordant pairs); the interval of the
  difference is Newcombe's hybrid score interval for paired proportions (Newcombe 1998,
  Statistics in Medicine 17:2635, method 10), built from the two Wilson intervals and the
  correlation of the pairs, so it stays sensible when the difference is near 0 or the rates
  near 0 or 1.
- :func:`paired_mean_test`: the same for continuous paired scores: a paired percentile
  bootstrap for the interval and a sign-flip permutation test for the p-value.
- :class:`Estimate` / :class:`PairedComparison`: the results, with ``format()`` for reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

ALPHA = 0.05
# The bootstrap draws its resamples in blocks of at most this many values, so memory stays
# bounded (a few MB) whatever the number of items.
_BLOCK_VALUES = 2_000_000
# Below this many non-zero differences the sign-flip test enumerates all 2**k sign patterns
# (an exact p-value) instead of sampling them.
_EXACT_SIGN_FLIP_MAX = 12


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


@dataclass(frozen=True)
class Estimate:
    """A reported figure: the value, its interval, the sample size, the seed and the method.

    ``seed`` is the seed of the randomness behind the figure (the bootstrap's, or the
    generation run's when the caller passes it); None when nothing random was involved.
    Values are in the units they were computed in: :meth:`pct` turns a proportion into
    percentages.
    """

    value: float
    low: float
    high: float
    n: int
    seed: int | None = None
    method: str = ""

    def pct(self) -> Estimate:
        """The same estimate in percent (value, low and high times 100)."""
        return Estimate(100.0 * self.value, 100.0 * self.low, 100.0 * self.high, self.n,
                        self.seed, self.method)

    def format(self, digits: int = 1) -> str:
        """``"26.6 [19.6, 35.0] (n=124)"``, with ``", seed=S"`` inside the brackets if seeded."""
        seed = "" if self.seed is None else f", seed={self.seed}"
        return (f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}] "
                f"(n={self.n}{seed})")

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of ``successes / n``, clipped to [0, 1].

    ``n == 0`` gives ``(nan, nan)``: no items carry no information, and an interval of
    (0, 1) would read as a measurement.
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    z = _z(confidence)
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    # Exact 0 / n and n / n give bounds of 0 and 1 up to float round-off: snap them.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def proportion_estimate(
    successes: int, n: int, *, confidence: float = 0.95, seed: int | None = None
) -> Estimate:
    """``successes / n`` with its Wilson interval (``seed``: the run's, recorded as given)."""
    low, high = wilson_interval(successes, n, confidence)
    value = successes / n if n else math.nan
    return Estimate(value, low, high, n, seed, "wilson")


def rate_estimate(
    flags: Sequence[bool], *, confidence: float = 0.95, seed: int | None = None
) -> Estimate:
    """The share of true ``flags`` with its Wilson interval."""
    values = np.asarray(flags, dtype=bool)
    return proportion_estimate(int(values.sum()), int(values.size), confidence=confidence,
                               seed=seed)


def _bootstrap_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    n = values.size
    block = max(1, _BLOCK_VALUES // n)
    means = np.empty(resamples, dtype=np.float64)
    for start in range(0, resamples, block):
        stop = min(resamples, start + block)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = values[idx].mean(axis=1)
    return means


def _as_values(values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    if not np.isfinite(array).all():
        raise ValueError("values must be finite (no nan or inf)")
    return array


def bootstrap_mean_interval(
    values: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values``.

    Deterministic for a given ``seed``. No values give ``(nan, nan)``; a single value (or all
    equal) gives a zero-width interval, since resampling cannot show variation that is not
    there. The percentile bootstrap is a little narrow for very small samples (under ~20).
    """
    _z(confidence)
    if resamples < 1:
        raise ValueError(f"resamples must be positive, got {resamples}")
    array = _as_values(values)
    if array.size == 0:
        return (math.nan, math.nan)
    means = _bootstrap_means(array, resamples, np.random.default_rng(seed))
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return (float(low), float(high))


def mean_estimate(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> Estimate:
    """The mean of ``values`` with its percentile-bootstrap interval."""
    array = _as_values(values)
    low, high = bootstrap_mean_interval(array, confidence, resamples, seed)
    value = float(array.mean()) if array.size else math.nan
    return Estimate(value, low, high, int(array.size), seed, "bootstrap-percentile")


# --------------------------------------------------------------------------- paired comparisons


@dataclass(frozen=True)
class PairedComparison:
    """Model A against model B on the same items.

    ``difference`` is A minus B (percentage points for proportions, score units for means),
    ``low``/``high`` its interval, ``a_better``/``b_better`` the discordant items (A right and
    B wrong, and the reverse; for scores, items where A scored higher / lower).
    ``significant`` is ``p_value < alpha``.
    """

    difference: float
    low: float
    high: float
    p_value: float
    n: int
    a_better: int
    b_better: int
    significant: bool
    alpha: float
    method: str
    unit: str
    seed: int | None = None

    def format(self, digits: int = 1) -> str:
        seed = "" if self.seed is None else f", seed={self.seed}"
        return (f"{self.difference:+.{digits}f} {self.unit} [{self.low:+.{digits}f}, "
                f"{self.high:+.{digits}f}], p={self.p_value:.3g} (n={self.n}, "
                f"{self.a_better} vs {self.b_better} discordant{seed})")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _paired_flags(a: Sequence[bool], b: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(a, dtype=bool).ravel()
    y = np.asarray(b, dtype=bool).ravel()
    if x.size != y.size:
        raise ValueError(f"paired samples differ in length: {x.size} and {y.size}")
    if x.size == 0:
        raise ValueError("no paired items to compare")
    return x, y


def mcnemar_exact_p(a_only: int, b_only: int) -> float:
    """Exact two-sided McNemar p-value: ``2 * P(X <= min)`` for X ~ Binomial(a_only + b_only,
    1/2), capped at 1. The tail is summed in integers, so it is exact for any count."""
    if a_only < 0 or b_only < 0:
        raise ValueError("discordant counts must be non-negative")
    k = a_only + b_only
    if k == 0:
        return 1.0
    smaller = min(a_only, b_only)
    if 2 * smaller == k:
        return 1.0
    term, tail = 1, 1  # C(k, 0)
    for i in range(1, smaller + 1):
        term = term * (k - i + 1) // i
        tail += term
    return min(1.0, 2 * tail / 2**k)


def newcombe_paired_interval(
    both: int, a_only: int, b_only: int, neither: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's (1998, method 10) interval for p(A) - p(B) from a paired 2x2 table.

    The Wilson intervals of the two rates are combined with the phi correlation of the pairs,
    which is shrunk toward 0 by n/2 when positive (Newcombe's continuity adjustment). Returns
    proportions in [-1, 1].
    """
    n = both + a_only + b_only + neither
    if min(both, a_only, b_only, neither) < 0 or n == 0:
        raise ValueError("a paired table needs non-negative counts and at least one item")
    p1, p2 = (both + a_only) / n, (both + b_only) / n
    l1, u1 = wilson_interval(both + a_only, n, confidence)
    l2, u2 = wilson_interval(both + b_only, n, confidence)
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    cross = both * neither - a_only * b_only
    if margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    else:
        phi = (cross - n / 2 if cross > 0 else cross) / math.sqrt(margins)
    d = p1 - p2
    lower = d - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2)
                              + (u2 - p2) ** 2))
    upper = d + math.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1)
                              + (u1 - p1) ** 2))
    return (max(-1.0, lower), min(1.0, upper))


def paired_proportion_test(
    a: Sequence[bool], b: Sequence[bool], *, confidence: float = 0.95, alpha: float = ALPHA
) -> PairedComparison:
    """Compare two models' pass/fail verdicts on the same items (A minus B, in points).

    p-value: exact McNemar; interval: Newcombe's paired score interval (see the module).
    """
    x, y = _paired_flags(a, b)
    both = int((x & y).sum())
    a_only = int((x & ~y).sum())
    b_only = int((~x & y).sum())
    neither = int(x.size) - both - a_only - b_only
    low, high = newcombe_paired_interval(both, a_only, b_only, neither, confidence)
    p_value = mcnemar_exact_p(a_only, b_only)
    return PairedComparison(
        difference=100.0 * (a_only - b_only) / x.size, low=100.0 * low, high=100.0 * high,
        p_value=p_value, n=int(x.size), a_better=a_only, b_better=b_only,
        significant=p_value < alpha, alpha=alpha, method="mcnemar-exact+newcombe",
        unit="pp",
    )


def sign_flip_p(
    differences: Sequence[float] | np.ndarray, *, resamples: int = 10_000, seed: int = 0
) -> float:
    """Two-sided sign-flip permutation p-value of "the paired differences are centred on 0".

    Under the null each difference is as likely negated, so the observed |mean| is ranked
    among the |means| of sign-flipped copies. Exact (every sign pattern) for up to
    ``_EXACT_SIGN_FLIP_MAX`` non-zero differences; otherwise ``resamples`` random patterns,
    counted with the observed one (``(1 + hits) / (1 + resamples)``) so p is never 0.
    """
    d = _as_values(differences)
    d = d[d != 0.0]  # zeros flip to themselves: they carry no evidence either way
    if d.size == 0:
        return 1.0
    observed = abs(d.sum())
    # A relative tolerance keeps ties tied despite float summation order.
    tol = 1e-9 * max(1.0, float(np.abs(d).sum()))
    if d.size <= _EXACT_SIGN_FLIP_MAX:
        patterns = ((np.arange(2 ** d.size)[:, None] >> np.arange(d.size)) & 1) * 2 - 1
        sums = np.abs(patterns @ d)
        return float((sums >= observed - tol).mean())
    rng = np.random.default_rng(seed)
    hits = 0
    block = max(1, _BLOCK_VALUES // d.size)
    for start in range(0, resamples, block):
        signs = rng.integers(0, 2, size=(min(block, resamples - start), d.size)) * 2 - 1
        hits += int((np.abs(signs @ d) >= observed - tol).sum())
    return (1 + hits) / (1 + resamples)


def paired_mean_test(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    seed: int = 0,
    *,
    confidence: float = 0.95,
    resamples: int = 2000,
    permutations: int = 10_000,
    alpha: float = ALPHA,
) -> PairedComparison:
    """Compare two models' continuous scores on the same items (mean of A - B, score units).

    Interval: percentile bootstrap of the mean paired difference (items resampled, pairs kept
    together); p-value: sign-flip permutation test. Both use ``seed``.
    """
    x, y = _as_values(a), _as_values(b)
    if x.size != y.size:
        raise ValueError(f"paired samples differ in length: {x.size} and {y.size}")
    if x.size == 0:
        raise ValueError("no paired items to compare")
    d = x - y
    low, high = bootstrap_mean_interval(d, confidence, resamples, seed)
    p_value = sign_flip_p(d, resamples=permutations, seed=seed)
    return PairedComparison(
        difference=float(d.mean()), low=low, high=high, p_value=p_value, n=int(d.size),
        a_better=int((d > 0).sum()), b_better=int((d < 0).sum()),
        significant=p_value < alpha, alpha=alpha, method="bootstrap+sign-flip",
        unit="score", seed=seed,
    )
