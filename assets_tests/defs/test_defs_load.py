"""The code location loads from its defs/ folder, every job resolves, and the layout keeps the
stage groups and the resource set the README describes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from safety_assets.definitions import defs

STAGES = ("intake", "datasets", "sft", "reward", "rlhf", "distill", "evaluation",
          "annotation")
N_ASSETS = 34
JOBS = ("annotation_intake", "annotation_revalidation", "train_models", "sample_and_score",
        "rlhf_and_distillation", "prepare_evaluation", "run_benchmarks", "benchmark_report",
        "human_ratings", "annotation_round")


def test_definitions_resolve_every_job_and_sensor():
    resolved = {job.name: defs.resolve_job_def(job.name) for job in defs.jobs}
    assert set(resolved) == set(JOBS)
    assert all(isinstance(job, dg.JobDefinition) for job in resolved.values())
    assert defs.resolve_sensor_def("annotation_inbox_sensor").job_name == "annotation_intake"
    assert defs.resolve_sensor_def("quarantine_repair_sensor").job_name == \
        "annotation_revalidation"


def test_each_stage_folder_is_one_asset_group():
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == set(STAGES)
    intake = dg.AssetSelection.groups("intake").resolve(graph)
    assert {key.to_user_string() for key in intake} == {
        "raw_annotations", "prompts", "demonstrations", "preference_pairs", "safety_ratings",
        "quarantined_records", "quarantine_releases"}


def test_jobs_select_their_phase_only():
    graph = defs.resolve_asset_graph()

    def keys(job: str) -> set[str]:
        layer = defs.resolve_job_def(job).asset_layer
        return {key.to_user_string() for key in layer.selected_asset_keys}

    assert keys("train_models") == {
        "prompt_splits", "sft_mixture", "safety_rm_pairs", "helpfulness_rm_pairs",
        "chat_tokenizer", "base_model", "sft_model", "helpfulness_reward_model",
        "safety_reward_model", "reward_model_eval"}
    assert keys("sample_and_score") == {"sampled_responses", "reward_scores"}
    assert "ppo_model" in keys("rlhf_and_distillation")
    assert keys("human_ratings") == {"safety_rating_tasks", "human_safety_ratings"}
    # Validating a batch again reads its stored raw rows; it never re-reads the file.
    assert keys("annotation_revalidation") == {
        "prompts", "demonstrations", "preference_pairs", "safety_ratings", "quarantined_records"}
    assert len(graph.get_all_asset_keys()) == N_ASSETS


def test_resources_take_their_home_from_dagster_home_at_run_time(monkeypatch, tmp_path):
    resources = defs.resources
    assert set(resources) == {"warehouse", "inbox", "model_store", "training", "generation",
                              "compute", "eval_data", "safety_rules"}
    training = resources["training"]
    # Nested: the training resource holds the profile, the launcher and the model store,
    # which holds the warehouse; compute jobs go through the same launcher, as Pipes jobs.
    assert {"profile", "launcher", "model_store"} <= set(type(training).model_fields)
    assert resources["compute"].launcher == training.launcher
    assert resources["compute"].in_process is False
    assert isinstance(resources["compute"].home, dg.EnvVar)
    warehouse = resources["warehouse"]
    assert isinstance(warehouse.home, dg.EnvVar)   # not a value read when the code loaded
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.build_resources({"warehouse": warehouse}) as built:
        assert built.warehouse.home == str(tmp_path)
        assert built.warehouse.get().path == tmp_path / "warehouse.duckdb"


def test_dg_check_and_list_defs_are_clean(tmp_path):
    repo = Path(__file__).resolve().parents[2]
    shutil.copyfile(repo / "dagster_home" / "dagster.yaml", tmp_path / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "VIRTUAL_ENV": sys.prefix}

    def dg_cli(*args: str) -> str:
        done = subprocess.run([str(Path(sys.executable).with_name("dg")), *args], cwd=repo,
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "All definitions loaded successfully" in dg_cli("check", "defs")
    listed = json.loads(dg_cli("list", "defs", "--json"))
    assert {a["group_name"] for a in listed["assets"]} == set(STAGES)
    assert len(listed["assets"]) == N_ASSETS


def test_the_executor_is_celery_only_when_the_deployment_says_so(monkeypatch):
    from safety_assets.defs import executors

    monkeypatch.delenv(executors.EXECUTOR_ENV, raising=False)
    assert executors.executor().executor is None      # Dagster's default
    monkeypatch.setenv(executors.EXECUTOR_ENV, "celery")
    chosen = executors.executor().executor
    assert chosen is not None and chosen.name == "celery"
    monkeypatch.setenv(executors.EXECUTOR_ENV, "ray")
    with pytest.raises(ValueError, match="SAFETY_ASSETS_EXECUTOR='ray': expected 'celery'"):
        executors.executor()


def test_intake_runs_in_process_and_the_heavy_jobs_take_the_deployments_executor(monkeypatch):
    import safety_assets.definitions
    from safety_assets.defs import executors

    monkeypatch.setenv(executors.EXECUTOR_ENV, "celery")
    celery_defs = dg.load_from_defs_folder(
        path_within_project=Path(safety_assets.definitions.__file__).parent)
    executor_of = {job.name: celery_defs.resolve_job_def(job.name).executor_def.name
                   for job in celery_defs.jobs}
    assert executor_of["annotation_intake"] == executor_of["annotation_revalidation"] == \
        "in_process"
    assert executor_of["sample_and_score"] == executor_of["run_benchmarks"] == "celery"
    # Without the deployment setting, the heavy jobs get Dagster's default executor.
    assert defs.resolve_job_def("sample_and_score").executor_def.name == \
        "multi_or_in_process_executor"
    assert defs.resolve_job_def("annotation_intake").executor_def.name == "in_process"
