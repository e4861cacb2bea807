"""Reward models (Llama 2 section 3.2.2): the helpfulness and safety RMs, trained from the SFT
checkpoint with a margin ranking loss, and their held-out accuracy."""

from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from safety_assets.datasets.splits import HELD_OUT, TRAIN
from safety_assets.defs.metadata import markdown_table
from safety_assets.defs.resources import ModelStoreResource, TrainingResource, WarehouseResource
from safety_assets.defs.sft.sft_assets import batches_of, fine_tune_spec
from safety_assets.defs.sft.training_configs import RewardModelConfig
from safety_assets.evaluation.reward_accuracy import (
    accuracy_table,
    binomial_p_value,
    pairwise_accuracy,
)
from safety_assets.plots import grouped_bars, markdown_image


def _rm_rows(warehouse: WarehouseResource, rm: str, split: str) -> list[dict[str, Any]]:
    frame = warehouse.get().query(
        "SELECT text, history, chosen, rejected, strength FROM reward_model_pairs "
        "WHERE rm = ? AND split = ? ORDER BY id", [rm, split])
    return [{"prompt": r["text"], "history": r["history"], "chosen": r["chosen"],
             "rejected": r["rejected"], "strength": r["strength"]}
            for r in frame.iter_rows(named=True)]


def _reward_model(rm: str, context: dg.AssetExecutionContext, config: RewardModelConfig,
                  training: TrainingResource, warehouse: WarehouseResource
                  ) -> dg.MaterializeResult:
    pairs = warehouse.get().query("SELECT batch_id FROM reward_model_pairs WHERE rm = ?", [rm])
    return training.train(context, name=f"{rm}_reward_model", stage="reward",
                          spec=fine_tune_spec(config, training, "sft_model", task="reward"),
                          train_rows=_rm_rows(warehouse, rm, TRAIN),
                          eval_rows=_rm_rows(warehouse, rm, HELD_OUT),
                          parents={"sft_model": "sft_model",
                                   f"{rm}_rm_pairs": batches_of(pairs)})


@dg.asset(group_name="reward", deps=["sft_model", "helpfulness_rm_pairs"], kinds={"pytorch"},
          description="Helpfulness RM: the SFT checkpoint with a scalar head, binary ranking "
                      "loss with a margin by preference strength.")
def helpfulness_reward_model(context: dg.AssetExecutionContext, config: RewardModelConfig,
                             training: TrainingResource, warehouse: WarehouseResource
                             ) -> dg.MaterializeResult:
    return _reward_model("helpfulness", context, config, training, warehouse)


@dg.asset(group_name="reward", deps=["sft_model", "safety_rm_pairs"], kinds={"pytorch"},
          description="Safety RM: the SFT checkpoint with a scalar head, trained on safety "
                      "pairs mixed with 10% helpfulness pairs.")
def safety_reward_model(context: dg.AssetExecutionContext, config: RewardModelConfig,
                        training: TrainingResource, warehouse: WarehouseResource
                        ) -> dg.MaterializeResult:
    return _reward_model("safety", context, config, training, warehouse)


class RewardModelEvalConfig(dg.Config):
    batch_size: int = 16
    significance: float = Field(
        default=0.01, description="One-sided binomial p-value under which an RM beats chance "
                                  "(the check `reward_models_beat_chance` reads it).")


@dg.asset(group_name="reward", deps=[helpfulness_reward_model, safety_reward_model],
          kinds={"pytorch", "duckdb"},
          description="Held-out accuracy of each reward model by preference strength, risk "
                      "category and attack vector.")
def reward_model_eval(context: dg.AssetExecutionContext, config: RewardModelEvalConfig,
                      model_store: ModelStoreResource, warehouse: WarehouseResource
                      ) -> dg.MaterializeResult:
    frames = []
    for rm in ("safety", "helpfulness"):
        pairs = warehouse.get().query(
            "SELECT * FROM reward_model_pairs WHERE rm = ? AND split = ?", [rm, HELD_OUT])
        correct = pairwise_accuracy(model_store.path_of(f"{rm}_reward_model"), pairs,
                                    config.batch_size)
        frames.append(pairs.with_columns(rm=pl.lit(rm), correct=pl.Series(correct)))
        context.log.info(f"{rm} RM: held-out accuracy {sum(correct) / max(1, len(correct)):.3f}"
                         f" on {len(correct)} pairs")
    accuracy = accuracy_table(pl.concat(frames))
    warehouse.get().replace_table("reward_model_eval", accuracy)
    by_strength: dict[str, dict[str, float]] = {}
    for row in accuracy.filter(pl.col("dimension") == "strength").iter_rows(named=True):
        by_strength.setdefault(row["value"], {})[f"{row['rm']} RM"] = row["accuracy"]
    plot = grouped_bars(by_strength, model_store.root / "reward_model_eval" / "by_strength.png",
                        "Held-out RM accuracy by preference strength", "accuracy", 0.5)
    metadata: dict[str, Any] = {
        "accuracy_table": markdown_table(accuracy, 200),
        "by_strength_plot": dg.MetadataValue.md(markdown_image(plot, "accuracy by strength")),
        "significance": config.significance,
    }
    for row in accuracy.filter(pl.col("dimension") == "overall").iter_rows(named=True):
        metadata[f"{row['rm']}_rm_accuracy"] = row["accuracy"]
        metadata[f"{row['rm']}_rm_pairs"] = row["n"]
        metadata[f"{row['rm']}_rm_p_value"] = binomial_p_value(row["correct"], row["n"])
    return dg.MaterializeResult(metadata=metadata)
