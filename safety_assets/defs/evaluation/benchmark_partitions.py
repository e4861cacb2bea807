"""Evaluation's partitions: every model under evaluation x every benchmark, so a user can
backfill one benchmark over all models, or all benchmarks for a new model."""

import dagster as dg

from safety_assets.evaluation.benchmark_runs import BENCHMARKS

eval_models = dg.DynamicPartitionsDefinition(name="eval_models")
model_benchmarks = dg.MultiPartitionsDefinition({
    "model": eval_models,
    "benchmark": dg.StaticPartitionsDefinition(list(BENCHMARKS)),
})
