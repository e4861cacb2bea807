"""Partitions, declared once."""

from dagster import (
    DynamicPartitionsDefinition,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
)

from safety_assets.taxonomy import ADVERSARIAL_CATEGORIES, BENIGN, UNTAGGED

# One partition per annotation file dropped into the inbox (the sensor adds them).
annotation_batches = DynamicPartitionsDefinition(name="annotation_batches")

# Sampling and scoring per risk category, so a backfill over categories runs from the UI.
risk_categories = StaticPartitionsDefinition([*ADVERSARIAL_CATEGORIES, BENIGN, UNTAGGED])

# Evaluation: every model under evaluation x every benchmark, so a user can backfill one
# benchmark over all models, or all benchmarks for a new model.
BENCHMARKS = ("truthfulqa", "toxigen", "safety")
eval_models = DynamicPartitionsDefinition(name="eval_models")
model_benchmarks = MultiPartitionsDefinition({
    "model": eval_models,
    "benchmark": StaticPartitionsDefinition(list(BENCHMARKS)),
})
