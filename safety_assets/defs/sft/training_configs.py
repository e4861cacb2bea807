"""Launchpad configs of the training assets. The trainer's own config dataclass
(:class:`~safety_assets.ml.trainer.TrainSpec`, with :data:`~safety_assets.ml.trainer.TASK_DEFAULTS`)
holds every default; these classes only carry what a launchpad user sets, and
:meth:`TrainConfig.to_spec` turns them into a spec. A field left ``None`` keeps the default."""

from __future__ import annotations

from typing import Any

import dagster as dg
from pydantic import Field

from safety_assets.ml.trainer import TrainSpec


class TrainConfig(dg.Config):
    epochs: float | None = Field(default=None, description="Passes over the training data "
                                 "(None: the task's, e.g. 2 for SFT and 1 for reward models).")
    max_steps: int | None = Field(default=None, description="If > 0, overrides epochs.")
    lr: float | None = Field(default=None, description="Peak learning rate (None: the "
                                                       "profile's default for the task).")
    batch_size: int | None = Field(default=None, description="Per process (None: the task's).")
    grad_accum: int | None = None
    max_length: int | None = Field(default=None, description="None: the profile's.")
    save_every: int | None = Field(default=None,
                                   description="Checkpoint every N steps, for resume (50).")
    seed: int | None = None

    def overrides(self) -> dict[str, Any]:
        return {key: value for key, value in self.model_dump().items() if value is not None}

    def to_spec(self, task: str, **decided: Any) -> TrainSpec:
        """The spec for ``task``: its defaults, then what the pipeline ``decided`` (profile,
        launcher, parent checkpoint, tokenizer), then what the user set here."""
        return TrainSpec.for_task(task, **{**decided, **self.overrides()})


class RewardModelConfig(TrainConfig):
    margin_table: str | None = Field(default=None,
                                     description="large (3,2,1,0; the default) | small | none")
    sign_coef: float | None = Field(
        default=None, description="Weight of the per-response safe/unsafe term, which anchors "
                                  "sigmoid(r) = 0.5 at the safe/unsafe boundary (None: 1.0 "
                                  "for the safety RM, 0 for the helpfulness RM).")
