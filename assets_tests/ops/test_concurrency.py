"""Two intake runs at once, in separate processes, on one DuckDB warehouse, with a third
process reading all the while.

DuckDB allows one writing process per file; ``Warehouse.connect`` holds an exclusive flock
for each connection's lifetime, so concurrent runs queue on the lock instead of failing with
"could not set lock". This test proves it with real Dagster materializations (each batch
twice: re-running a batch while another runs must stay idempotent) and checks that no row is
lost or duplicated, that nothing errors, and that the reader never sees half a batch.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import dagster as dg

from assets_tests.ops.ops_support import (
    instance_yaml_with,
    intake_worker,
    pair_rows,
    prompt_rows,
    reader_worker,
    write_jsonl,
)
from safety_assets.defs.intake.batch_partitions import annotation_batches
from safety_assets.intake.inbox import batch_key, sha256_of
from safety_assets.storage.warehouse import Warehouse

N_PROMPTS = 6_000     # per batch: enough that each write holds the lock for a while
N_PAIRS = 1_500
BAD_LINES = 3
REPEATS = 2


def test_ops_two_intake_runs_at_once_lose_and_duplicate_nothing(tmp_path: Path):
    home = tmp_path / "home"
    instance_yaml_with(home)     # the project's instance config, SQLite under home
    inbox, archive = home / "inbox", home / "archive"
    warehouse = str(home / "warehouse.duckdb")
    batches = {}
    for name in ("alpha", "beta"):
        prompts = prompt_rows(name, N_PROMPTS)
        pairs = pair_rows([p["id"] for p in prompts[:N_PAIRS]])
        path = write_jsonl(inbox / f"{name}.jsonl", prompts + pairs, bad_lines=BAD_LINES)
        batches[name] = (batch_key(path.name, sha256_of(path)), prompts, pairs)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions(annotation_batches.name,
                                        [key for key, _, _ in batches.values()])

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    results = context.Queue()
    stop_file = tmp_path / "writers-done"
    writers = [
        context.Process(target=intake_worker, name=f"intake-{name}", args=(
            name, str(home), warehouse, str(inbox), str(archive), key, REPEATS, barrier,
            results))
        for name, (key, _, _) in batches.items()
    ]
    reader = context.Process(target=reader_worker, name="reader", args=(
        warehouse, str(stop_file), barrier, results, 600.0))
    started = time.monotonic()
    for process in [*writers, reader]:
        process.start()
    reports = {}
    try:
        while len(reports) < 2:
            report = results.get(timeout=420)
            reports[report["name"]] = report
            assert report["error"] is None, report["error"]
        stop_file.touch()
        report = results.get(timeout=120)
        reports[report["name"]] = report
    finally:
        stop_file.touch()
        for process in [*writers, reader]:
            process.join(timeout=60)
            if process.is_alive():     # only ever our own children
                process.kill()
                process.join(timeout=10)
    elapsed = time.monotonic() - started

    for process in [*writers, reader]:
        assert process.exitcode == 0, (process.name, process.exitcode)
    for name in batches:
        runs = reports[name]["runs"]
        assert len(runs) == REPEATS
        assert all(run["success"] and not run["failures"] for run in runs), runs
    assert reports["reader"]["error"] is None, reports["reader"]["error"]
    # The two writers really overlapped in time (both started at the barrier).
    alpha, beta = reports["alpha"], reports["beta"]
    assert max(alpha["started"], beta["started"]) < min(alpha["finished"], beta["finished"])

    store = Warehouse(warehouse)
    prompts = store.query("SELECT batch_id, id FROM prompts")
    expected_ids = sorted(p["id"] for _, rows, _ in batches.values() for p in rows)
    assert prompts.height == len(expected_ids) == 2 * N_PROMPTS       # nothing duplicated
    assert sorted(prompts["id"].to_list()) == expected_ids             # nothing lost
    for key, rows, pairs in batches.values():
        assert prompts.filter(prompts["batch_id"] == key).height == len(rows)
        n_pairs = store.query("SELECT count(*) n FROM preference_pairs WHERE batch_id = ?",
                              [key])["n"][0]
        assert n_pairs == len(pairs)
        quarantined = store.query("SELECT count(*) n FROM quarantine WHERE batch_id = ?",
                                  [key])["n"][0]
        assert quarantined == BAD_LINES
        raw = store.query("SELECT count(*) n FROM raw_records WHERE batch_id = ?", [key])
        assert raw["n"][0] == len(rows) + len(pairs) + BAD_LINES
    processed = store.query("SELECT batch_id, n_valid, n_quarantined, run_id "
                            "FROM processed_files ORDER BY batch_id")
    assert processed.height == 2
    for row in processed.iter_rows(named=True):
        name = next(n for n, (k, _, _) in batches.items() if k == row["batch_id"])
        assert row["n_valid"] == N_PROMPTS + N_PAIRS
        assert row["n_quarantined"] == BAD_LINES
        assert row["run_id"] == reports[name]["runs"][-1]["run_id"]

    # What the reader saw while the writers ran: whole batches only, never a duplicate.
    snapshots = reports["reader"]["snapshots"]
    assert len(snapshots) >= 2
    sizes = {key: (len(rows), len(pairs), len(rows) + len(pairs) + BAD_LINES)
             for key, rows, pairs in batches.values()}
    for snapshot in snapshots:
        for key, (n, distinct) in snapshot["prompts"].items():
            assert n == distinct == sizes[key][0], snapshot
        for key, n in snapshot["pairs"].items():
            assert n == sizes[key][1], snapshot
        for key, n in snapshot["raw"].items():
            assert n == sizes[key][2], snapshot
    final = snapshots[-1]
    assert set(final["prompts"]) == set(sizes)

    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_run_records(dg.RunsFilter())
        assert len(records) == 2 * REPEATS
        assert {r.dagster_run.status for r in records} == {dg.DagsterRunStatus.SUCCESS}
    print(f"\ntwo writers x {REPEATS} runs + reader ({len(snapshots)} reads) in {elapsed:.1f}s")

