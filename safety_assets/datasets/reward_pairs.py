"""Which preference pairs each reward model trains on (Llama 2, sections 3.2.2 and 4.2.1)."""

from __future__ import annotations

import polars as pl


def usable_pairs(pairs: pl.DataFrame) -> pl.DataFrame:
    """Drop pairs whose chosen response is labelled unsafe while the rejected one is safe:
    the paper does not use them."""
    bad = (pl.col("chosen_safe") == False) & (pl.col("rejected_safe") == True)  # noqa: E712
    return pairs.filter(~bad.fill_null(False))


def safety_rm_pairs(pairs: pl.DataFrame, helpfulness_share: float = 0.1, seed: int = 0
                    ) -> pl.DataFrame:
    """Safety pairs mixed with helpfulness pairs so they make ``helpfulness_share`` of the set
    (the paper mixes 90/10). Pairs with a safe chosen and an unsafe rejected response are
    always kept: they are what the safety RM must get right."""
    pairs = usable_pairs(pairs)
    safety = pairs.filter(pl.col("axis") == "safety")
    helpful = pairs.filter(pl.col("axis") == "helpfulness")
    want = round(safety.height * helpfulness_share / (1 - helpfulness_share)) \
        if helpfulness_share < 1 else helpful.height
    helpful = helpful.sample(n=min(want, helpful.height), seed=seed) if want else helpful.head(0)
    return pl.concat([safety, helpful]).sort("id")


def helpfulness_rm_pairs(pairs: pl.DataFrame, safety_share: float = 0.5, seed: int = 0
                         ) -> pl.DataFrame:
    """All helpfulness pairs plus safety pairs making ``safety_share`` of the added data
    (the paper adds equal parts of safety and open-source data to all helpfulness data)."""
    pairs = usable_pairs(pairs)
    helpful = pairs.filter(pl.col("axis") == "helpfulness")
    safety = pairs.filter(pl.col("axis") == "safety")
    want = min(round(helpful.height * safety_share), safety.height)
    return pl.concat([helpful, safety.sample(n=want, seed=seed)]).sort("id")
