"""Train / held-out assignment by prompt, stable as batches arrive.

The split of a prompt is a function of its id alone, so a new batch never moves an old
prompt, and a prompt's demonstrations and pairs always land in the same split as it.
"""

from __future__ import annotations

import hashlib

import polars as pl

TRAIN, HELD_OUT = "train", "held_out"
# Prompts whose pairs train only the independent safety judge: no stage (SFT, reward models,
# sampling, PPO, distillation) reads them, so no stage optimised against the judge's data.
JUDGE = "judge"


def split_of(prompt_id: str, held_out_fraction: float, seed: int = 0,
             judge_fraction: float = 0.0) -> str:
    """The split of one prompt, a function of its id alone. The judge share sits right after
    the held-out share on the hash line, so adding it never moves a held-out prompt."""
    digest = hashlib.sha256(f"{seed}:{prompt_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    if position < held_out_fraction:
        return HELD_OUT
    return JUDGE if position < held_out_fraction + judge_fraction else TRAIN


def assign_splits(prompt_ids: pl.Series, held_out_fraction: float = 0.1, seed: int = 0,
                  judge_fraction: float = 0.0) -> pl.DataFrame:
    """(prompt_id, split) for every distinct id: train, held_out or judge."""
    if not 0.0 <= held_out_fraction < 1.0:
        raise ValueError(f"held_out_fraction must be in [0, 1), got {held_out_fraction}")
    if not 0.0 <= judge_fraction < 1.0 - held_out_fraction:
        raise ValueError(f"judge_fraction must be in [0, {1 - held_out_fraction:g}), got "
                         f"{judge_fraction}")
    ids = prompt_ids.unique().sort()
    return pl.DataFrame({
        "prompt_id": ids,
        "split": [split_of(i, held_out_fraction, seed, judge_fraction) for i in ids],
    }, schema={"prompt_id": pl.String, "split": pl.String})


def mix_demonstrations(
    demonstrations: pl.DataFrame, safety_share: float | None, seed: int = 0
) -> pl.DataFrame:
    """Mix safety demonstrations into the helpfulness ones.

    ``demonstrations`` needs a boolean ``adversarial`` column. With ``safety_share`` None
    everything is kept (the paper folds all safety demonstrations into SFT); otherwise the
    larger side is down-sampled so that safety rows make up that share of the mixture.
    """
    safety = demonstrations.filter(pl.col("adversarial"))
    helpful = demonstrations.filter(~pl.col("adversarial"))
    if safety_share is not None:
        if not 0.0 < safety_share < 1.0:
            raise ValueError(f"safety_share must be in (0, 1), got {safety_share}")
        want_safety = round(helpful.height * safety_share / (1 - safety_share))
        if want_safety <= safety.height:
            safety = safety.sample(n=want_safety, seed=seed)
        else:
            want_helpful = round(safety.height * (1 - safety_share) / safety_share)
            helpful = helpful.sample(n=min(want_helpful, helpful.height), seed=seed)
    return pl.concat([helpful, safety]).sort("id")
