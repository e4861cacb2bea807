"""Intake: one partition per inbox file; raw rows, validated records and the quarantine."""


import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from safety_assets import expectations as ex
from safety_assets import intake_staging as staging
from safety_assets.assets.metadata import markdown_table
from safety_assets.inbox import archive_batch, sha256_of
from safety_assets.intake_checks import BatchSuites, run_batch_suites, stage_frames
from safety_assets.intake_store import (
    StoredBatch,
    store_raw_rows,
    stored_batch_suites,
    validate_stored_batch,
)
from safety_assets.partitions import annotation_batches
from safety_assets.resources import AnnotationInbox, WarehouseResource
from safety_assets.taxonomy import BENIGN

GROUP = "intake"
@asset(
    partitions_def=annotation_batches,
    group_name=GROUP,
    kinds={"duckdb"},
    description="Every row of one inbox file as read, with parse errors; the file is archived.",
)
def raw_annotations(
    context: AssetExecutionContext, inbox: AnnotationInbox, warehouse: WarehouseResource
) -> MaterializeResult:
    key = context.partition_key
    try:
        source = inbox.locate(key)
    except FileNotFoundError as error:
        raise Failure(description=str(error)) from error
    archived = archive_batch(source, inbox.archive, key)
    digest = sha256_of(archived)
    store = warehouse.get()
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        n_rows, n_errors, whole_file_error = store_raw_rows(store, con, archived, key,
                                                            inbox.max_row_bytes)
        con.execute("DELETE FROM processed_files WHERE batch_id = ?", [key])
        con.execute(
            "INSERT INTO processed_files VALUES (?, ?, ?, ?, 0, 0, ?, ?)",
            [key, archived.name, digest, n_rows, context.run.run_id,
             datetime.now(UTC).replace(tzinfo=None)])
        con.execute("COMMIT")
    if whole_file_error:
        context.log.warning(f"{archived.name}: whole file quarantined: {whole_file_error}")
    return MaterializeResult(metadata={
        "file": archived.name,
        "archived_copy": MetadataValue.path(str(archived)),
        "sha256": digest,
        "bytes": archived.stat().st_size,
        "rows": n_rows,
        "unreadable_rows": n_errors,
        "file_error": whole_file_error or "",
    })


_CHECKS = [
    AssetCheckSpec("prompts_suite", asset="prompts", blocking=True,
                   description="GX: ids unique and present, text non-empty within length bounds, "
                               "risk category and attack vector in the taxonomy."),
    AssetCheckSpec("prompts_category_coverage", asset="prompts",
                   description="GX (warning): the batch's adversarial prompts cover every risk "
                               "category."),
    AssetCheckSpec("prompts_untagged", asset="prompts",
                   description="GX (warning): imported prompts still without a risk category."),
    AssetCheckSpec("demonstrations_suite", asset="demonstrations", blocking=True,
                   description="GX: ids unique, prompt id and response present, length bounds."),
    AssetCheckSpec("preference_pairs_suite", asset="preference_pairs", blocking=True,
                   description="GX: ids unique, chosen != rejected, strength and axis domains, "
                               "length bounds."),
    AssetCheckSpec("preference_label_balance", asset="preference_pairs",
                   description="GX (warning): safe/unsafe labels are neither all one way nor "
                               "absent."),
    AssetCheckSpec("quarantine_empty", asset="quarantined_records",
                   description="Warning when any row of the batch was quarantined."),
]


def _suite_result(check: str, asset_key: str, outcome: ex.SuiteOutcome, warn: bool = False,
                  ) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=asset_key, check_name=check, passed=outcome.success,
        severity=AssetCheckSeverity.WARN if warn else AssetCheckSeverity.ERROR,
        metadata=outcome.metadata())


def _check_results(suites: BatchSuites) -> list[AssetCheckResult]:
    results = [_suite_result("prompts_suite", "prompts", suites.prompts)]
    if suites.coverage is not None:
        results.append(_suite_result("prompts_category_coverage", "prompts", suites.coverage,
                                     warn=True))
    else:
        results.append(AssetCheckResult(
            asset_key="prompts", check_name="prompts_category_coverage", passed=True,
            severity=AssetCheckSeverity.WARN,
            metadata={"note": "no adversarial prompts in this batch"}))
    results.append(_suite_result("prompts_untagged", "prompts", suites.untagged, warn=True))
    results.append(_suite_result("demonstrations_suite", "demonstrations",
                                 suites.demonstrations))
    results.append(_suite_result("preference_pairs_suite", "preference_pairs",
                                 suites.preference_pairs))
    if suites.label_balance is not None:
        results.append(_suite_result("preference_label_balance", "preference_pairs",
                                     suites.label_balance, warn=True))
    else:
        results.append(AssetCheckResult(
            asset_key="preference_pairs", check_name="preference_label_balance",
            passed=suites.n_pairs == 0, severity=AssetCheckSeverity.WARN,
            metadata={"note": "no safe/unsafe labels in this batch"}))
    results.append(AssetCheckResult(
        asset_key="quarantined_records", check_name="quarantine_empty",
        passed=suites.n_quarantined == 0, severity=AssetCheckSeverity.WARN,
        metadata={"quarantined": suites.n_quarantined,
                  "reasons": _head_table(suites.quarantine_reasons, suites.n_reasons)}))
    return results


def batch_checks(prompts: pl.DataFrame, demonstrations: pl.DataFrame,
                 pairs: pl.DataFrame, quarantine: pl.DataFrame,
                 chunk_rows: int = staging.DEFAULT_CHUNK_ROWS) -> list[AssetCheckResult]:
    """The GX suites of one batch given as frames, as check results (tests on bad data): the
    same chunked suites the asset runs on a staged batch."""
    with duckdb.connect() as con:
        stage_frames(con, prompts, demonstrations, pairs, quarantine)
        return _check_results(run_batch_suites(con, chunk_rows=chunk_rows))


def _head_table(head: pl.DataFrame, total: int) -> MetadataValue:
    """A markdown table of the first rows of a result that has ``total`` rows."""
    table = markdown_table(head, max(head.height, 1))
    if total > head.height:
        return MetadataValue.md(f"{table.value}\n\n_{total - head.height} more rows_")
    return table


def _sql_table(con: duckdb.DuckDBPyConnection, query: str, params: list[object],
               max_rows: int) -> MetadataValue:
    head = con.sql(f"SELECT * FROM ({query}) LIMIT {int(max_rows)}", params=params).pl()
    total = con.sql(f"SELECT count(*) FROM ({query})", params=params).fetchall()[0][0]
    return _head_table(head, int(total))


def _partition_metadata(con: duckdb.DuckDBPyConnection, batch: StoredBatch
                        ) -> dict[str, dict[str, object]]:
    """What each asset shows about the batch, from SQL aggregates over its stored rows."""
    key = [batch.batch_id]
    n_prompts, n_adversarial = con.sql(
        "SELECT count(*), count_if(risk_category <> ?) FROM prompts WHERE batch_id = ?",
        params=[BENIGN, batch.batch_id]).fetchall()[0]
    n_demonstrations = con.sql("SELECT count(*) FROM demonstrations WHERE batch_id = ?",
                               params=key).fetchall()[0][0]
    n_pairs = con.sql("SELECT count(*) FROM preference_pairs WHERE batch_id = ?",
                      params=key).fetchall()[0][0]
    return {
        "prompts": {
            "rows": n_prompts, "adversarial": n_adversarial,
            "coverage": _sql_table(
                con, "SELECT risk_category, attack_vector, count(*) AS rows FROM prompts "
                     "WHERE batch_id = ? GROUP BY ALL ORDER BY risk_category, attack_vector",
                key, 100)},
        "demonstrations": {"rows": n_demonstrations},
        "preference_pairs": {
            "rows": n_pairs,
            "by_axis_and_strength": _sql_table(
                con, "SELECT axis, strength, count(*) AS rows FROM preference_pairs "
                     "WHERE batch_id = ? GROUP BY ALL ORDER BY axis, strength", key, 50)},
        "quarantined_records": {
            "rows": batch.n_quarantined, "source_rows": batch.n_rows,
            "reasons": _sql_table(
                con, "SELECT reason, count(*) AS rows FROM quarantine WHERE batch_id = ? "
                     "GROUP BY reason ORDER BY reason", key, 30),
            "examples": _sql_table(con, _QUARANTINE_IN_ORDER, key, 20)},
    }


_QUARANTINE_IN_ORDER = ("SELECT row_number, kind, record_id, reason FROM quarantine "
                        "WHERE batch_id = ? ORDER BY row_number NULLS LAST")


@multi_asset(
    specs=[
        AssetSpec("prompts", deps=[raw_annotations], group_name=GROUP, kinds={"duckdb"},
                  description="Adversarial and helpfulness prompts that passed validation."),
        AssetSpec("demonstrations", deps=[raw_annotations], group_name=GROUP, kinds={"duckdb"},
                  description="Safe (and helpful) demonstrations written by annotators."),
        AssetSpec("preference_pairs", deps=[raw_annotations], group_name=GROUP,
                  kinds={"duckdb"},
                  description="Preference pairs with strength, axis and safety labels."),
        AssetSpec("quarantined_records", deps=[raw_annotations], group_name=GROUP,
                  kinds={"duckdb"},
                  description="Every refused row (or whole file) with file, row and reason."),
    ],
    check_specs=_CHECKS,
    partitions_def=annotation_batches,
)
def validated_annotations(
    context: AssetExecutionContext, inbox: AnnotationInbox, warehouse: WarehouseResource
) -> Iterator[MaterializeResult | AssetCheckResult]:
    key = context.partition_key
    store = warehouse.get()
    with tempfile.TemporaryDirectory(prefix="intake-") as folder:
        batch = validate_stored_batch(store, key, Path(folder), limits=inbox.limits(),
                                      hh_import=inbox.hh_import(), run_id=context.run.run_id)
        with store.connect() as con:
            metadata = _partition_metadata(con, batch)
            first = con.sql(f"{_QUARANTINE_IN_ORDER} LIMIT 1", params=[key]).fetchall()
        suites = stored_batch_suites(batch)
    if first:
        context.log.warning(
            f"{batch.source_file}: {batch.n_quarantined} record(s) quarantined; first: row "
            f"{first[0][0]}: {first[0][3]}")
    for asset_key, values in metadata.items():
        yield MaterializeResult(asset_key=asset_key, metadata=values)
    yield from _check_results(suites)
