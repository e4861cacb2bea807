"""The code location: one Definitions object."""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from safety_assets.assets import datasets, intake
from safety_assets.jobs import annotation_intake_job, safety_pipeline_job
from safety_assets.resources import AnnotationInbox, WarehouseResource
from safety_assets.sensors import annotation_inbox_sensor

_MODULES = [intake, datasets]

defs = Definitions(
    assets=load_assets_from_modules(_MODULES),
    asset_checks=load_asset_checks_from_modules(_MODULES),
    jobs=[annotation_intake_job, safety_pipeline_job],
    sensors=[annotation_inbox_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "inbox": AnnotationInbox(),
    },
)
