"""Checks of the reward models."""

import math

import dagster as dg

from safety_assets.defs.metadata import latest_metadata
from safety_assets.defs.resources import WarehouseResource
from safety_assets.defs.reward.reward_assets import RewardModelEvalConfig, reward_model_eval
from safety_assets.evaluation.reward_accuracy import binomial_p_value


@dg.asset_check(asset=reward_model_eval, blocking=True,
                description="Each RM ranks held-out pairs better than chance: one-sided exact "
                            "binomial test against 50% at the significance reward_model_eval "
                            "ran with.")
def reward_models_beat_chance(context: dg.AssetCheckExecutionContext,
                              warehouse: WarehouseResource) -> dg.AssetCheckResult:
    significance = latest_metadata(context, "reward_model_eval").get(
        "significance", RewardModelEvalConfig().significance)
    overall = warehouse.get().query(
        "SELECT rm, n, correct, accuracy FROM reward_model_eval WHERE dimension = 'overall'")
    results = {}
    passed = overall.height == 2
    for row in overall.iter_rows(named=True):
        p_value = binomial_p_value(row["correct"], row["n"])
        results[row["rm"]] = {"accuracy": row["accuracy"], "pairs": row["n"],
                              "p_value": p_value}
        passed = passed and p_value < significance and not math.isnan(row["accuracy"])
    return dg.AssetCheckResult(passed=passed, metadata={
        "results": dg.MetadataValue.json(results), "significance": significance})


@dg.asset_check(asset=reward_model_eval,
                description="The safety RM's sigmoid is calibrated on held-out safety labels "
                            "(expected calibration error under reward_model_eval's max_ece), "
                            "so the 0.15 switch and the 0.5 violation rule read a meaningful "
                            "level. Fails on a miscalibrated RM; warns rather than blocks, "
                            "as the ranking is still usable.")
def safety_rm_calibrated(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    figures = latest_metadata(context, "reward_model_eval")
    ece, limit = figures.get("safety_rm_ece"), figures.get("max_ece",
                                                           RewardModelEvalConfig().max_ece)
    n = figures.get("safety_rm_labelled_responses", 0)
    return dg.AssetCheckResult(
        passed=ece is not None and n > 0 and ece <= limit,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"ece": ece if ece is not None else float("nan"), "max_ece": limit,
                  "labelled_responses": n})
