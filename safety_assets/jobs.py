"""Jobs: intake per batch, and the rest of the graph over all batches."""

from dagster import AssetSelection, define_asset_job

from safety_assets.partitions import annotation_batches

INTAKE_ASSETS = AssetSelection.assets(
    "raw_annotations", "prompts", "demonstrations", "preference_pairs", "quarantined_records")

annotation_intake_job = define_asset_job(
    "annotation_intake",
    selection=INTAKE_ASSETS,
    partitions_def=annotation_batches,
    tags={"safety_assets/stage": "intake"},
    description="Read, validate and quarantine one inbox file (one batch partition).",
)

safety_pipeline_job = define_asset_job(
    "safety_pipeline",
    selection=AssetSelection.all() - INTAKE_ASSETS,
    description="Everything downstream of intake, over all batches: datasets, models, "
                "evaluation.",
)
