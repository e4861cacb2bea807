"""The instance on PostgreSQL: the same code location with run, event and schedule storage in
a private PostgreSQL cluster, the project's run queue and its intake limit.

It installs what it needs when missing (Debian's ``postgresql`` through apt as root,
``dagster-postgres`` from the ``dev`` extra), starts a throw-away cluster on loopback on a
free port (as the ``postgres`` user: the server refuses root), and:

1. materializes intake for two batches in this process against the Postgres instance;
2. starts ``dagster dev`` on that instance and submits several runs at once through the
   GraphQL API: they go through the QueuedRunCoordinator of the project's dagster.yaml, the
   daemon dequeues them, intake runs one at a time (tag limit) beside an unpartitioned run;
3. checks the runs, events and partitions in Postgres itself, and the warehouse rows.

The cluster is stopped and removed at the end, whatever happened.
"""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

import pytest

from assets_tests.ops.ops_support import (
    IN_PROCESS,
    DagsterServer,
    PostgresCluster,
    archive_file,
    ensure_pip,
    ensure_postgres,
    instance_yaml_with,
    pair_rows,
    prompt_rows,
    wait_for_runs,
    write_jsonl,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore:Using variable_values:DeprecationWarning"),
]

N_PROMPTS = 40


def test_ops_instance_on_postgres_runs_intake_and_the_run_queue(tmp_path: Path):
    bin_dir = ensure_postgres()
    import dagster

    ensure_pip("dagster_postgres", ["dagster-postgres", f"dagster=={dagster.__version__}"])
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter, materialize
    from dagster_graphql import DagsterGraphQLClient

    from safety_assets.defs.intake.batch_partitions import annotation_batches
    from safety_assets.defs.intake.intake_assets import raw_annotations, validated_annotations
    from safety_assets.defs.resources import AnnotationInboxResource, WarehouseResource
    from safety_assets.storage.warehouse import Warehouse

    home = tmp_path / "home"
    archive = home / "storage" / "batches"        # where dagster_env points SAFETY_ARCHIVE
    drop = tmp_path / "drop"
    timings: dict[str, float] = {}
    started = time.monotonic()
    with PostgresCluster(bin_dir) as cluster:
        timings["cluster_up"] = time.monotonic() - started
        instance_yaml_with(home, storage=cluster.storage_config())

        # Batches go straight to the archive (where intake looks first), so the inbox
        # sensor of the server below has nothing to pick up and every run is ours.
        prompts = {name: prompt_rows(name, N_PROMPTS) for name in ("pg1", "pg2", "pg3", "pg4")}
        keys = {}
        for name, rows in prompts.items():
            extra = pair_rows([r["id"] for r in prompts["pg1"][:5]]) if name == "pg2" else []
            keys[name] = archive_file(write_jsonl(drop / f"{name}.jsonl", rows + extra),
                                      archive)

        # 1. In process: two batches materialized against the Postgres instance.
        resources = {
            "warehouse": WarehouseResource(path=str(home / "warehouse.duckdb")),
            "inbox": AnnotationInboxResource(path=str(home / "inbox"), archive_path=str(archive),
                                     min_age_seconds=0),
        }
        with DagsterInstance.from_config(str(home)) as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
            instance.add_dynamic_partitions(annotation_batches.name, list(keys.values()))
            in_process_runs = []
            for name in ("pg1", "pg2"):
                result = materialize([raw_annotations, validated_annotations],
                                     partition_key=keys[name], resources=resources,
                                     instance=instance)
                assert result.success
                in_process_runs.append(result.run_id)
        timings["in_process_runs"] = time.monotonic() - started

        # 2. The same code location served by dagster dev on this instance; three runs
        # submitted at once go through the run queue.
        with DagsterServer(home) as server:
            timings["server_up"] = time.monotonic() - started
            client = DagsterGraphQLClient("127.0.0.1", port_number=server.port, timeout=60)
            queued = [
                client.submit_job_execution("annotation_intake",
                                            tags={"dagster/partition": keys[name]})
                for name in ("pg3", "pg4")
            ]
            queued.append(client.submit_job_execution(
                "__ASSET_JOB", run_config=IN_PROCESS, asset_selection=["prompt_splits"]))
            statuses = wait_for_runs(client, queued, timeout=300, server=server)
            assert set(statuses.values()) == {"SUCCESS"}, (statuses, server.log_tail())
            timings["queued_runs_done"] = time.monotonic() - started

        with DagsterInstance.from_config(str(home)) as instance:
            records = {r.dagster_run.run_id: r for r in instance.get_run_records(RunsFilter())}
            assert set(records) == set(in_process_runs) | set(queued)
            assert {r.dagster_run.status for r in records.values()} == {
                DagsterRunStatus.SUCCESS}
            # Queued runs went through the queue (the coordinator's events are in storage).
            for run_id in queued:
                types = {e.dagster_event.event_type_value
                         for e in instance.all_logs(run_id) if e.dagster_event}
                assert {"PIPELINE_ENQUEUED", "PIPELINE_STARTING", "PIPELINE_SUCCESS"} <= types
            # The intake tag limit of dagster.yaml held: intake runs never overlapped.
            intake = sorted((records[r].start_time, records[r].end_time) for r in queued[:2])
            assert intake[0][1] <= intake[1][0], intake

        # 3. What Postgres itself holds.
        with closing(cluster.connect()) as con, con.cursor() as cur:
            cur.execute("SELECT status, count(*) FROM runs GROUP BY status")
            assert dict(cur.fetchall()) == {"SUCCESS": 5}
            cur.execute("SELECT count(*) FROM event_logs WHERE "
                        "dagster_event_type = 'ASSET_MATERIALIZATION'")
            # raw + every validated output per intake run, plus prompt_splits
            per_run = 1 + len(validated_annotations.keys)
            assert cur.fetchone()[0] == 4 * per_run + 1
            cur.execute("SELECT partition FROM dynamic_partitions WHERE partitions_def_name = %s",
                        [annotation_batches.name])
            assert {row[0] for row in cur.fetchall()} == set(keys.values())
            cur.execute("SELECT count(*) FROM runs WHERE run_id = ANY(%s)", [queued])
            assert cur.fetchone()[0] == 3

        store = Warehouse(home / "warehouse.duckdb")
        landed = store.query("SELECT batch_id, count(*) n FROM prompts GROUP BY batch_id")
        assert dict(landed.rows()) == {keys[name]: N_PROMPTS for name in prompts}
        assert store.query("SELECT count(*) n FROM preference_pairs")["n"][0] == 5
        assert store.query("SELECT count(*) n FROM processed_files")["n"][0] == 4
        splits = store.query("SELECT count(*) n FROM prompt_splits")["n"][0]
        assert splits > 0
    timings["cluster_stopped"] = time.monotonic() - started
    assert cluster.root is not None and not cluster.root.exists()
    print("\ntimings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
