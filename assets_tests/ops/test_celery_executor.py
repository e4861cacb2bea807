"""The code location on dagster-celery's executor: a real Redis broker, two Celery workers, a
sampling backfill and the benchmark partitions, a worker lost mid-step, and the intake limit.

The test installs what it needs when missing (Debian's ``redis-server`` through apt as root,
``dagster-celery[redis]`` from the ``dev`` extra). It trains small models in-process first,
then starts Redis on a free loopback port, two ``dagster-celery worker start`` workers (one
pool process each) and ``dagster dev`` with ``SAFETY_ASSETS_EXECUTOR=celery``. Through the
GraphQL API it launches the sampling backfill over the five risk categories and, once a step
runs on worker ``w1``, kills that worker's pool process and its compute job (SIGKILL, as a
node lost mid-step). Annotation files keep arriving meanwhile. Then the benchmark partitions
of one model go through the same workers. It checks:

1. steps ran on both workers;
2. the lost step's run failed naming the lost worker, and Dagster's run retry re-executed it
   from the failed step;
3. nothing was lost or doubled: K samples per train prompt in every category, each scored
   once, every benchmark's items once;
4. the intake runs the sensor started never overlapped (the run queue's tag limit holds
   under this executor too).

Every service is stopped at the end, whatever happened.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from assets_tests.ops.ops_support import (
    EVALUATED,
    FINISHED,
    CeleryWorker,
    DagsterServer,
    InboxDropper,
    RedisServer,
    ensure_pip,
    ensure_redis,
    kill_tree,
    launch_backfill,
    runs_of,
    train_prompt_counts,
    wait_for_partitions,
    wait_until,
)

pytestmark = pytest.mark.e2e

K = 4
MODEL = EVALUATED  # the model the session home prepared for evaluation
SAMPLING_CONFIG = {"ops": {"sampled_responses": {"config": {"k": K, "max_new_tokens": 12}}}}
BENCHMARK_CONFIG = {"ops": {"benchmark_results": {"config": {
    "max_questions": 8, "toxigen_per_file": 1, "max_new_tokens": 12}}}}


def workers_of(instance: Any, run_ids: list[str]) -> dict[str, str]:
    """Step key -> the Celery worker that executed it, from the executor's engine events."""
    seen = {}
    for run_id in run_ids:
        for entry in instance.all_logs(run_id):
            event = entry.dagster_event
            if event is None or event.event_type_value != "ENGINE_EVENT":
                continue
            metadata = event.engine_event_data.metadata if event.engine_event_data else {}
            worker = metadata.get("Celery worker")
            if worker is not None:
                seen[f"{run_id}:{entry.step_key}"] = worker.value
    return seen


def test_ops_celery_workers_share_the_steps_and_a_lost_worker_is_retried(
        trained_home: Path, tmp_path: Path):
    ensure_redis()
    import dagster

    ensure_pip("dagster_celery", ["dagster-celery[redis]>=0.29.27",
                                  f"dagster=={dagster.__version__}"])
    from dagster import DagsterInstance

    from safety_assets.defs.evaluation.benchmark_partitions import BENCHMARKS
    from safety_assets.defs.executors import BACKEND_ENV, BROKER_ENV, EXECUTOR_ENV
    from safety_assets.defs.rlhf.category_partitions import risk_categories
    from safety_assets.storage.warehouse import Warehouse

    home = trained_home
    timings: dict[str, float] = {}
    started = time.monotonic()
    store = Warehouse(home / "warehouse.duckdb")
    categories = risk_categories.get_partition_keys()
    expected = train_prompt_counts(store)

    with RedisServer(tmp_path / "redis") as redis:
        config_yaml = tmp_path / "celery.yaml"
        config_yaml.write_text(json.dumps({"execution": {"config": {
            "broker": f"{redis.url}/0", "backend": f"{redis.url}/1"}}}))
        env = {EXECUTOR_ENV: "celery", BROKER_ENV: f"{redis.url}/0",
               BACKEND_ENV: f"{redis.url}/1"}
        with (CeleryWorker(home, "w1", config_yaml, env) as w1,
              CeleryWorker(home, "w2", config_yaml, env) as w2,
              DagsterServer(home, env=env) as server):
            timings["services_up"] = time.monotonic() - started
            launch_backfill(server.url, "sample_and_score", categories, SAMPLING_CONFIG,
                            "sample every risk category on celery")

            # Annotation files keep arriving: the sensor's intake runs go through the queue.
            with InboxDropper(home / "inbox", "celery", count=3, every=5.0) as files:
                # A node lost mid-step: w1's pool process and the compute job below it.
                busy = wait_until(w1.step_processes, 600, "a step running on w1",
                                  interval=0.5, alive=server._alive)
                killed = kill_tree(busy[0])
                timings["worker_killed"] = time.monotonic() - started
                sampling_runs = wait_for_partitions(server, "sample_and_score", categories,
                                                    1200)
            dropped = files.dropped
            timings["sampling_done"] = time.monotonic() - started

            keys = [str(dagster.MultiPartitionKey({"model": MODEL, "benchmark": b}))
                    for b in BENCHMARKS]
            launch_backfill(server.url, "run_benchmarks", keys, BENCHMARK_CONFIG,
                            f"benchmarks of {MODEL} on celery")
            benchmark_runs = wait_for_partitions(server, "run_benchmarks", keys, 900)
            timings["benchmarks_done"] = time.monotonic() - started

            def intake_done() -> list[dict[str, Any]] | None:
                found = runs_of(server.url, pipelineName="annotation_intake")
                return found if (len(found) == len(dropped)
                                 and all(r["status"] in FINISHED for r in found)) else None

            intake_runs = wait_until(intake_done, 300, "the sensor's intake runs",
                                     interval=2.0, alive=server._alive)
            worker_logs = w1.log_tail(200000) + w2.log_tail(200000)
        # Services stopped; the instance and warehouse are ours alone now.

    print("timings (s):", {k: round(v) for k, v in timings.items()}, "killed:", killed)
    with DagsterInstance.from_config(str(home)) as instance:
        every_run = sampling_runs + benchmark_runs
        workers = workers_of(instance, [run["runId"] for run in every_run])
        # 1. Both workers executed steps.
        assert set(workers.values()) == {w1.hostname, w2.hostname}, (workers, worker_logs[-4000:])
        # 2. Exactly one run failed, with the lost worker named, and its retry succeeded.
        failed = [run for run in sampling_runs if run["status"] == "FAILURE"]
        assert len(failed) == 1, (failed, [(r["runId"], r["status"]) for r in sampling_runs])
        failure_text = " ".join(
            str(entry.dagster_event.event_specific_data) for entry in
            instance.all_logs(failed[0]["runId"]) if entry.dagster_event is not None
            and entry.dagster_event.event_type_value in ("PIPELINE_FAILURE", "ENGINE_EVENT"))
        assert "WorkerLostError" in failure_text or "Worker exited prematurely" in failure_text
        retries = [run for run in sampling_runs
                   if run["tags"].get("dagster/parent_run_id") == failed[0]["runId"]]
        assert [run["status"] for run in retries] == ["SUCCESS"], retries
        assert retries[0]["tags"].get("dagster/partition") == \
            failed[0]["tags"].get("dagster/partition")
        assert {run["status"] for run in benchmark_runs} == {"SUCCESS"}, benchmark_runs

    # 3. Nothing lost, nothing doubled.
    sampled = store.query("SELECT risk_category, count(*) n, "
                          "count(DISTINCT (prompt_id, sample_index)) d "
                          "FROM sampled_responses GROUP BY 1")
    assert {r["risk_category"]: r["n"] for r in sampled.iter_rows(named=True)} == {
        category: K * n for category, n in expected.items()}
    assert (sampled["n"] == sampled["d"]).all()
    scored = store.query("SELECT count(*) n, count(DISTINCT (prompt_id, sample_index)) d "
                         "FROM reward_scores")
    assert scored["n"][0] == scored["d"][0] == sampled["n"].sum()
    items = store.query("SELECT benchmark, count(*) n, count(DISTINCT (metric, item)) d "
                        "FROM benchmark_item_scores WHERE model = ? GROUP BY 1", [MODEL])
    assert set(items["benchmark"]) == set(BENCHMARKS)
    assert (items["n"] == items["d"]).all()
    assert store.query("SELECT count(*) n FROM benchmark_results WHERE model = ? AND "
                       "grp = 'all'", [MODEL])["n"][0] > 0
    # 4. The intake limit held: the sensor's runs never overlapped each other.
    assert len(intake_runs) == len(dropped) and {r["status"] for r in intake_runs} == {"SUCCESS"}
    spans = sorted((run["startTime"], run["endTime"]) for run in intake_runs)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), spans
    landed = store.query("SELECT count(*) n FROM prompts WHERE id LIKE 'celery%'")["n"][0]
    assert landed == sum(len(rows) for rows in dropped)
