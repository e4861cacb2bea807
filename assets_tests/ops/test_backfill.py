"""A partitioned backfill launched through the GraphQL API, the inbox sensor ingesting batches
at the same time, and the same backfill launched again as a no-op.

``dagster dev`` (webserver, daemon, code server) serves a home whose tiny models were trained
in-process first. The backfill samples and scores every risk category (job
``sample_and_score``); while its runs go, annotation files keep arriving in the inbox and the
sensor's intake runs write the same DuckDB warehouse. Afterwards every partition holds exactly
K samples per train prompt, scored once; every batch's prompts and quarantine are there.
The second launch of the same backfill recomputes nothing: every materialization says
``reused``, its data version is the first one's, and the stored rows are byte-for-byte those
of the first run.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from assets_tests.ops.ops_support import (
    FINISHED,
    IN_PROCESS,
    DagsterServer,
    InboxDropper,
    graphql,
    launch_backfill,
    runs_of,
    train_prompt_counts,
    wait_until,
)

pytestmark = pytest.mark.e2e

K = 4
BACKFILL_CONFIG = {**IN_PROCESS, "ops": {"sampled_responses": {"config": {
    "k": K, "max_new_tokens": 12}}}}

_BACKFILL = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status numPartitions } ... on PythonError { message } } }"""


def _launch_backfill(url: str, partitions: list[str]) -> str:
    return launch_backfill(url, "sample_and_score", partitions, BACKFILL_CONFIG,
                           "sample every risk category")


def _backfill_runs(url: str, backfill_id: str) -> list[dict[str, Any]]:
    return runs_of(url, tags=[{"key": "dagster/backfill", "value": backfill_id}])


def _wait_for_backfill(server: DagsterServer, backfill_id: str, n_runs: int,
                       timeout: float) -> list[dict[str, Any]]:
    """Until the daemon has submitted every partition's run and each has finished."""
    def done() -> list[dict[str, Any]] | None:
        backfill = graphql(server.url, _BACKFILL, {"id": backfill_id})
        status = backfill["partitionBackfillOrError"]["status"]
        assert status not in {"FAILED", "CANCELED", "COMPLETED_FAILED"}, backfill
        runs = _backfill_runs(server.url, backfill_id)
        if len(runs) == n_runs and all(run["status"] in FINISHED for run in runs):
            return runs
        return None

    try:
        return wait_until(done, timeout, f"backfill {backfill_id}", interval=2.0,
                          alive=server._alive)
    except TimeoutError as error:
        raise TimeoutError(f"{error}\n{server.log_tail()}") from error


def _latest_metadata(instance, asset: str, partition: str) -> tuple[str, dict[str, Any]]:
    from dagster import AssetKey, AssetRecordsFilter

    record = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition]),
        limit=1).records[0]
    materialization = record.asset_materialization
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    return record.run_id, {**metadata,
                           "data_version": materialization.tags["dagster/data_version"]}


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["startTime"] < b["endTime"] and b["startTime"] < a["endTime"]


def test_ops_backfill_from_graphql_runs_beside_the_sensor_and_reruns_as_a_no_op(
        trained_home):
    from dagster import DagsterInstance

    from safety_assets.defs.rlhf.category_partitions import risk_categories
    from safety_assets.storage.warehouse import Warehouse

    home = trained_home
    timings: dict[str, float] = {}
    started = time.monotonic()
    store = Warehouse(home / "warehouse.duckdb")
    categories = risk_categories.get_partition_keys()
    expected = train_prompt_counts(store)

    with DagsterServer(home) as server:
        timings["server_up"] = time.monotonic() - started
        first_id = _launch_backfill(server.url, categories)

        # Annotation files keep arriving while the backfill runs; the sensor turns each
        # into an intake run that writes the warehouse beside the sampling runs.
        with InboxDropper(home / "inbox", "live", count=4, every=6.0, bad_lines=1) as files:
            first_runs = _wait_for_backfill(server, first_id, len(categories), 900)
        dropped = files.dropped
        timings["first_backfill"] = time.monotonic() - started
        assert {run["status"] for run in first_runs} == {"SUCCESS"}, (first_runs,
                                                                     server.log_tail())

        # Every dropped file is ingested (the sensor may still be on the last ones).
        def intake_done() -> list[dict[str, Any]] | None:
            runs = runs_of(server.url, pipelineName="annotation_intake")
            return runs if (len(runs) == len(dropped)
                            and all(r["status"] in FINISHED for r in runs)) else None

        intake_runs = wait_until(intake_done, 300, "the sensor's intake runs", interval=2.0,
                                 alive=server._alive)
        assert {run["status"] for run in intake_runs} == {"SUCCESS"}, (intake_runs,
                                                                      server.log_tail())
        overlapping = [(i["runId"], b["runId"]) for i in intake_runs for b in first_runs
                       if _overlaps(i, b)]
        assert overlapping, "no intake run ran while a backfill run did: nothing was tested"

        # Nothing lost, nothing doubled: K samples per train prompt per category, each
        # scored once; every live batch's prompts and bad lines where they belong.
        sampled = store.query("SELECT risk_category, count(*) n, "
                              "count(DISTINCT (prompt_id, sample_index)) d "
                              "FROM sampled_responses GROUP BY 1")
        assert {r["risk_category"]: r["n"] for r in sampled.iter_rows(named=True)} == {
            category: K * n for category, n in expected.items()}
        assert (sampled["n"] == sampled["d"]).all()
        assert store.query("SELECT count(*) n FROM reward_scores")["n"][0] == \
            sampled["n"].sum()
        live_ids = {row["id"] for rows in dropped for row in rows}
        landed = store.query("SELECT id FROM prompts WHERE id LIKE 'live%'")
        assert sorted(landed["id"]) == sorted(live_ids)
        assert store.query("SELECT count(*) n FROM quarantine WHERE source_file LIKE "
                           "'live-%'")["n"][0] == len(dropped)
        before = store.query("SELECT * FROM sampled_responses ORDER BY ALL")
        scores_before = store.query("SELECT * FROM reward_scores ORDER BY ALL")
        with DagsterInstance.from_config(str(home)) as instance:
            first = {(asset, c): _latest_metadata(instance, asset, c)
                     for asset in ("sampled_responses", "reward_scores") for c in categories}

        # The same backfill again: nothing changed, so nothing is recomputed.
        second_id = _launch_backfill(server.url, categories)
        second_runs = _wait_for_backfill(server, second_id, len(categories), 600)
        timings["second_backfill"] = time.monotonic() - started
        assert {run["status"] for run in second_runs} == {"SUCCESS"}, (second_runs,
                                                                      server.log_tail())
        first_ids = {run["runId"] for run in first_runs}
        second_ids = {run["runId"] for run in second_runs}
        with DagsterInstance.from_config(str(home)) as instance:
            for (asset, category), (first_run, first_meta) in first.items():
                run_id, meta = _latest_metadata(instance, asset, category)
                assert first_run in first_ids and run_id in second_ids, (asset, category)
                assert first_meta["reused"] is False and meta["reused"] is True
                assert meta["data_version"] == first_meta["data_version"]
                assert meta["samples"] == first_meta["samples"]
        assert store.query("SELECT * FROM sampled_responses ORDER BY ALL").equals(before)
        assert store.query("SELECT * FROM reward_scores ORDER BY ALL").equals(scores_before)
        recorded = store.query("SELECT DISTINCT run_id FROM asset_versions WHERE asset IN "
                               "('sampled_responses', 'reward_scores')")
        assert set(recorded["run_id"]) <= first_ids

    def seconds(runs: list[dict[str, Any]]) -> float:
        return max(r["endTime"] for r in runs) - min(r["startTime"] for r in runs)

    print(f"\nfirst backfill: {len(first_runs)} runs in {seconds(first_runs):.1f}s; "
          f"{len(intake_runs)} intake runs, {len(overlapping)} (intake, backfill) run pairs "
          f"overlapping; second backfill (no-op): {seconds(second_runs):.1f}s")
    print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    print(json.dumps({"backfills": [first_id, second_id]}))
