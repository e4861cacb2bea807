"""Checks of the training datasets: splits that do not leak, GX suites on the mixtures."""

import dagster as dg
import polars as pl

from safety_assets.defs.datasets.dataset_assets import (
    helpfulness_rm_pairs,
    prompt_splits,
    safety_rm_pairs,
    sft_mixture,
)
from safety_assets.defs.resources import WarehouseResource
from safety_assets.intake import expectations as ex
from safety_assets.taxonomy import ADVERSARIAL_CATEGORIES


@dg.asset_check(asset=prompt_splits, blocking=True,
             description="No prompt id appears in both splits, and every prompt has a split.")
def prompt_splits_disjoint(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    leaks = warehouse.get().query(
        "SELECT prompt_id FROM prompt_splits GROUP BY prompt_id HAVING count(DISTINCT split) > 1")
    missing = warehouse.get().query(
        "SELECT p.id FROM prompts p LEFT JOIN prompt_splits s ON p.id = s.prompt_id "
        "WHERE s.prompt_id IS NULL")
    return dg.AssetCheckResult(passed=leaks.height == 0 and missing.height == 0, metadata={
        "prompts_in_both_splits": leaks.height, "prompts_without_split": missing.height})


@dg.asset_check(asset=prompt_splits,
             description="Warning: held-out prompts cover every adversarial risk category.")
def held_out_covers_categories(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    present = set(warehouse.get().query(
        "SELECT DISTINCT p.risk_category FROM prompts p JOIN prompt_splits s "
        "ON p.id = s.prompt_id WHERE s.split = 'held_out'")["risk_category"].to_list())
    missing = sorted(set(ADVERSARIAL_CATEGORIES) - present)
    return dg.AssetCheckResult(passed=not missing, severity=dg.AssetCheckSeverity.WARN,
                            metadata={"missing_categories": ", ".join(missing) or "none"})


@dg.asset_check(asset=sft_mixture, blocking=True,
             description="GX: responses present within bounds, ids unique, one split per prompt.")
def sft_mixture_suite(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = warehouse.get().table("sft_mixture")
    outcome = ex.run_suite("sft_mixture", ex.with_lengths(frame, ["response"]),
                           ex.demonstration_expectations())
    leaks = frame.group_by("prompt_id").agg(pl.col("split").n_unique().alias("n"))
    leaked = leaks.filter(pl.col("n") > 1).height
    return dg.AssetCheckResult(passed=outcome.success and leaked == 0,
                            metadata={**outcome.metadata(), "prompts_in_both_splits": leaked})


def _rm_pairs_check(warehouse: WarehouseResource, rm: str) -> dg.AssetCheckResult:
    frame = warehouse.get().query("SELECT * FROM reward_model_pairs WHERE rm = ?", [rm])
    outcome = ex.run_suite(f"{rm}_rm_pairs", ex.preference_frame(frame),
                           ex.preference_expectations())
    return dg.AssetCheckResult(passed=outcome.success and frame.height > 0,
                            metadata={**outcome.metadata(), "rows": frame.height})


@dg.asset_check(asset=safety_rm_pairs, blocking=True,
             description="GX: chosen != rejected, strength and axis domains, unique ids.")
def safety_rm_pairs_suite(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _rm_pairs_check(warehouse, "safety")


@dg.asset_check(asset=helpfulness_rm_pairs, blocking=True,
             description="GX: chosen != rejected, strength and axis domains, unique ids.")
def helpfulness_rm_pairs_suite(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _rm_pairs_check(warehouse, "helpfulness")
