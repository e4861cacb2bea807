"""Checks of safety RLHF."""

import dagster as dg

from safety_assets.defs.resources import WarehouseResource
from safety_assets.defs.rlhf.rlhf_assets import rejection_sampling_dataset

# Subsampled gaps carry a little noise; a dip smaller than this share of the largest gap is
# not a shrinking gap.
GAIN_TOLERANCE = 0.02


@dg.asset_check(asset=rejection_sampling_dataset,
                description="The paper's claim behind best of K (Figure 7): the gap between "
                            "the max and the median reward of K samples grows with K. Fails "
                            "when it shrinks, or when it stays flat from the smallest to the "
                            "largest K (samples that do not differ: best of K gains nothing). "
                            "A warning, not a block: the tiny models' saturated rewards do "
                            "break the claim, and that is a finding to show, not a reason to "
                            "stop the graph.")
def max_median_gap_grows_with_k(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    curve = warehouse.get().query("SELECT k, gain, prompts FROM rejection_sampling_gain "
                                  "ORDER BY k").to_dicts()
    gains = [row["gain"] for row in curve]
    slack = GAIN_TOLERANCE * max([abs(g) for g in gains] + [0.0])
    shrinks = [(a["k"], b["k"]) for a, b in zip(curve, curve[1:], strict=False)
               if b["gain"] < a["gain"] - slack]
    grows = len(curve) >= 2 and gains[-1] > gains[0] + slack
    return dg.AssetCheckResult(passed=grows and not shrinks,
                               severity=dg.AssetCheckSeverity.WARN, metadata={
        "gain_by_k": dg.MetadataValue.json({str(row["k"]): round(row["gain"], 5)
                                            for row in curve}),
        "shrinks_between": dg.MetadataValue.json([list(pair) for pair in shrinks]),
        "ks": len(curve)})
