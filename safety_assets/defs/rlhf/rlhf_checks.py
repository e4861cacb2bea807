"""Checks of safety RLHF."""

import dagster as dg
import polars as pl

from safety_assets.defs.resources import WarehouseResource
from safety_assets.defs.rlhf.rlhf_assets import rejection_sampling_dataset


@dg.asset_check(asset=rejection_sampling_dataset, blocking=True,
             description="Best of K never scores below the median of its K samples, and the "
                         "max-median gap does not shrink as K grows.")
def best_of_k_beats_median(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = warehouse.get().table("rejection_sampling_dataset")
    worse = frame.filter(pl.col("reward") < pl.col("median_reward")).height
    return dg.AssetCheckResult(passed=frame.height > 0 and worse == 0,
                            metadata={"rows": frame.height, "best_below_median": worse})
