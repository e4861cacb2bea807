"""The code location: one Definitions object."""

from dagster import Definitions, load_asset_checks_from_modules, load_assets_from_modules

from safety_assets.assets import datasets, evaluation, intake, models, rlhf
from safety_assets.jobs import (
    annotation_intake_job,
    benchmark_job,
    models_job,
    prepare_evaluation_job,
    report_job,
    rlhf_job,
    sampling_job,
)
from safety_assets.resources import (
    AnnotationInbox,
    GenerationBackendResource,
    ModelStoreResource,
    TrainingLauncher,
    WarehouseResource,
)
from safety_assets.sensors import annotation_inbox_sensor

_MODULES = [intake, datasets, models, rlhf, evaluation]

defs = Definitions(
    assets=load_assets_from_modules(_MODULES),
    asset_checks=load_asset_checks_from_modules(_MODULES),
    jobs=[annotation_intake_job, models_job, sampling_job, rlhf_job, prepare_evaluation_job,
          benchmark_job, report_job],
    sensors=[annotation_inbox_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "inbox": AnnotationInbox(),
        "model_store": ModelStoreResource(),
        "launcher": TrainingLauncher(),
        "profile": models.ModelProfile(),
        "generation": GenerationBackendResource(),
        "eval_data": evaluation.EvalDataResource(),
    },
)
