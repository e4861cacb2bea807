"""Jobs. A job holds assets of one partitioning (inferred from them), so the graph runs in
phases:
intake (per batch) -> models (unpartitioned) -> sampling (per risk category) -> rlhf and
distillation (unpartitioned) -> evaluation set-up -> benchmarks (per model x benchmark) ->
report, and human ratings (rating tasks out, ratings in through intake, rates)."""

import dagster as dg

# The heavy jobs are retried once from the failed step when a run fails, by the daemon's run
# retries (dagster.yaml): a lost worker or node then costs one step, not the backfill.
# Their assets replace a partition's rows in one transaction, so a retry never doubles them.
RETRIED_ONCE = {"dagster/max_retries": "1", "dagster/retry_strategy": "FROM_FAILURE"}

INTAKE_ASSETS = dg.AssetSelection.assets(
    "raw_annotations", "prompts", "demonstrations", "preference_pairs", "safety_ratings",
    "quarantined_records")
SAMPLING_ASSETS = dg.AssetSelection.assets("sampled_responses", "reward_scores")
MODEL_ASSETS = dg.AssetSelection.groups("datasets", "sft", "reward")
RLHF_ASSETS = dg.AssetSelection.groups("rlhf", "distill") - SAMPLING_ASSETS
EVAL_SETUP_ASSETS = dg.AssetSelection.assets(
    "evaluation_models", "truthfulqa_judges", "toxicity_classifier", "safety_judge_model",
    "safety_judge_validation")

# Intake runs in its run's process, whatever the deployment's executor: its two steps take
# seconds and write the warehouse, which lives beside the runs. A process per step (Dagster's
# default) spent ~15 s importing per step, and intake runs go one at a time (the queue's tag
# limit), so that overhead bounded how fast files land; a Celery worker elsewhere would not
# even see the warehouse file.
INTAKE_EXECUTOR = dg.in_process_executor

annotation_intake_job = dg.define_asset_job(
    "annotation_intake",
    selection=INTAKE_ASSETS,
    tags={"safety_assets/stage": "intake"},
    executor_def=INTAKE_EXECUTOR,
    description="Read, validate and quarantine one inbox file (one batch partition).",
)

annotation_revalidation_job = dg.define_asset_job(
    "annotation_revalidation",
    selection=INTAKE_ASSETS - dg.AssetSelection.assets("raw_annotations"),
    tags={"safety_assets/stage": "intake"},
    executor_def=INTAKE_EXECUTOR,
    description="Validate one batch again from its stored raw rows, with the repairs sent for "
                "its quarantined rows (the quarantine repair sensor starts it).",
)

models_job = dg.define_asset_job(
    "train_models",
    selection=MODEL_ASSETS,
    description="Over all batches: splits, SFT mixture, RM pairs, tokenizer, base and SFT "
                "models, both reward models and their evaluation.",
)

sampling_job = dg.define_asset_job(
    "sample_and_score",
    selection=SAMPLING_ASSETS,
    tags=RETRIED_ONCE,
    description="K samples per prompt of one risk category, scored by both reward models.",
)

rlhf_job = dg.define_asset_job(
    "rlhf_and_distillation",
    selection=RLHF_ASSETS,
    description="Rejection sampling, PPO with the combined reward, targeted context "
                "distillation.",
)

prepare_evaluation_job = dg.define_asset_job(
    "prepare_evaluation",
    selection=EVAL_SETUP_ASSETS,
    description="Register the models under evaluation (one partition each), train the "
                "TruthfulQA judges, the toxicity classifier and the independent safety judge, "
                "and validate the judge.",
)

benchmark_job = dg.define_asset_job(
    "run_benchmarks",
    selection=dg.AssetSelection.assets("benchmark_results"),
    tags=RETRIED_ONCE,
    description="One benchmark for one model; backfill over models or benchmarks.",
)

report_job = dg.define_asset_job(
    "benchmark_report",
    selection=dg.AssetSelection.assets("safety_benchmark_table"),
    description="The Table 11-style report over every evaluated model.",
)

human_ratings_job = dg.define_asset_job(
    "human_ratings",
    selection=dg.AssetSelection.assets("safety_rating_tasks", "human_safety_ratings"),
    description="Export the held-out safety responses as rating tasks (an outbox folder), "
                "and turn the ratings ingested so far into violation rates and judge-human "
                "agreement.",
)

annotation_round_job = dg.define_asset_job(
    "annotation_round",
    selection=dg.AssetSelection.assets("prompt_splits", "comparison_tasks"),
    description="Open an annotation round: comparison tasks for the new prompts, two responses "
                "each from the current models, exported for Label Studio and as JSONL; their "
                "completed Label Studio export comes back through the inbox.",
)
