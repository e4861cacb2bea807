"""Intake: one partition per inbox file; raw rows, validated records and the quarantine."""


import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

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
from safety_assets.assets.metadata import counts, markdown_table
from safety_assets.inbox import archive_batch, sha256_of
from safety_assets.intake_parser import FileParseError, RawRow, file_format, read_rows
from safety_assets.intake_validation import file_error_record, validate_batch
from safety_assets.partitions import annotation_batches
from safety_assets.records import DEMONSTRATION, PREFERENCE, PROMPT
from safety_assets.resources import AnnotationInbox, WarehouseResource
from safety_assets.taxonomy import ADVERSARIAL_CATEGORIES, BENIGN, UNTAGGED

GROUP = "intake"
RAW_SCHEMA = {"batch_id": pl.String, "source_file": pl.String, "row_number": pl.Int64,
              "payload": pl.String, "parse_error": pl.String}
_CHUNK = 10_000


def _raw_frames(path: Path, batch_id: str, max_row_bytes: int) -> Iterator[pl.DataFrame]:
    """Raw rows in chunks, so a large file is never held whole."""
    buffer: list[dict[str, object]] = []
    try:
        file_format(path)
        for row in read_rows(path, max_row_bytes):
            buffer.append({
                "batch_id": batch_id, "source_file": path.name, "row_number": row.row_number,
                "payload": None if row.payload is None
                else json.dumps(row.payload, ensure_ascii=False, default=str),
                "parse_error": row.error if row.payload is None else None,
            })
            if len(buffer) >= _CHUNK:
                yield pl.DataFrame(buffer, schema=RAW_SCHEMA, orient="row")
                buffer = []
    except FileParseError as error:
        buffer.append({"batch_id": batch_id, "source_file": path.name, "row_number": None,
                       "payload": None, "parse_error": str(error)})
    if buffer:
        yield pl.DataFrame(buffer, schema=RAW_SCHEMA, orient="row")


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
    n_rows = n_errors = 0
    whole_file_error = None
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM raw_records WHERE batch_id = ?", [key])
        for frame in _raw_frames(archived, key, inbox.max_row_bytes):
            store.insert(con, "raw_records", frame)
            n_rows += frame.filter(pl.col("row_number").is_not_null()).height
            n_errors += frame.filter(pl.col("parse_error").is_not_null()).height
            file_errors = frame.filter(pl.col("row_number").is_null())
            if file_errors.height:
                whole_file_error = file_errors["parse_error"][0]
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


def batch_checks(prompts: pl.DataFrame, demonstrations: pl.DataFrame,
                 pairs: pl.DataFrame, quarantine: pl.DataFrame) -> list[AssetCheckResult]:
    """The GX suites of one batch as check results (also used by tests on bad data)."""
    adversarial = prompts.filter(~pl.col("risk_category").is_in([BENIGN, UNTAGGED]))
    results = [
        _suite_result("prompts_suite", "prompts",
                      ex.run_suite("prompts", prompts, ex.prompt_expectations())),
    ]
    if adversarial.height:
        results.append(_suite_result("prompts_category_coverage", "prompts", ex.run_suite(
            "coverage", adversarial, ex.coverage_expectations(ADVERSARIAL_CATEGORIES)),
            warn=True))
    else:
        results.append(AssetCheckResult(
            asset_key="prompts", check_name="prompts_category_coverage", passed=True,
            severity=AssetCheckSeverity.WARN,
            metadata={"note": "no adversarial prompts in this batch"}))
    untagged = ex.run_suite("untagged", prompts, ex.untagged_expectations())
    results.append(_suite_result("prompts_untagged", "prompts", untagged, warn=True))
    results.append(_suite_result("demonstrations_suite", "demonstrations", ex.run_suite(
        "demonstrations", demonstrations, ex.demonstration_expectations())))
    frame = ex.preference_frame(pairs)
    results.append(_suite_result("preference_pairs_suite", "preference_pairs", ex.run_suite(
        "preference_pairs", frame, ex.preference_expectations())))
    labelled = frame.filter(pl.col("rejected_safe_share").is_not_null())
    if labelled.height:
        results.append(_suite_result("preference_label_balance", "preference_pairs",
                                     ex.run_suite("balance", labelled,
                                                  ex.label_balance_expectations()), warn=True))
    else:
        results.append(AssetCheckResult(
            asset_key="preference_pairs", check_name="preference_label_balance",
            passed=pairs.height == 0, severity=AssetCheckSeverity.WARN,
            metadata={"note": "no safe/unsafe labels in this batch"}))
    results.append(AssetCheckResult(
        asset_key="quarantined_records", check_name="quarantine_empty",
        passed=quarantine.height == 0, severity=AssetCheckSeverity.WARN,
        metadata={"quarantined": quarantine.height,
                  "reasons": markdown_table(counts(quarantine, ["reason"]), 20)}))
    return results


def _stored_rows(frame: pl.DataFrame) -> Iterator[RawRow]:
    for row in frame.iter_rows(named=True):
        payload = json.loads(row["payload"]) if row["payload"] is not None else None
        yield RawRow(row["row_number"], payload, row["parse_error"])


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
    with store.connect() as con:
        raw = con.sql("SELECT * FROM raw_records WHERE batch_id = ? ORDER BY row_number",
                      params=[key]).pl()
        taken: dict[str, dict[str, str]] = {}
        for kind, table in ((PROMPT, "prompts"), (DEMONSTRATION, "demonstrations"),
                            (PREFERENCE, "preference_pairs")):
            ids = con.sql(f"SELECT id, batch_id FROM {table} WHERE batch_id <> ?",
                          params=[key]).fetchall()
            taken[kind] = dict(ids)
    source_file = raw["source_file"][0] if raw.height else key
    file_errors = raw.filter(pl.col("row_number").is_null())
    result = validate_batch(
        _stored_rows(raw.filter(pl.col("row_number").is_not_null())),
        batch_id=key, source_file=source_file, taken_ids=taken,
        limits=inbox.limits(), hh_import=inbox.hh_import())
    quarantine = result.quarantine
    for reason in file_errors["parse_error"]:
        quarantine = pl.concat([quarantine, file_error_record(key, source_file, reason)])
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        store.replace_partition(con, "prompts", key, result.valid[PROMPT])
        store.replace_partition(con, "demonstrations", key, result.valid[DEMONSTRATION])
        store.replace_partition(con, "preference_pairs", key, result.valid[PREFERENCE])
        store.replace_partition(con, "quarantine", key, quarantine)
        con.execute(
            "UPDATE processed_files SET n_valid = ?, n_quarantined = ?, run_id = ?, "
            "ingested_at = ? WHERE batch_id = ?",
            [result.n_valid, quarantine.height, context.run.run_id,
             datetime.now(UTC).replace(tzinfo=None), key])
        con.execute("COMMIT")
    prompts = result.valid[PROMPT]
    if quarantine.height:
        context.log.warning(
            f"{source_file}: {quarantine.height} record(s) quarantined; first: row "
            f"{quarantine['row_number'][0]}: {quarantine['reason'][0]}")
    yield MaterializeResult(asset_key="prompts", metadata={
        "rows": prompts.height,
        "adversarial": prompts.filter(pl.col("risk_category") != BENIGN).height,
        "coverage": markdown_table(counts(prompts, ["risk_category", "attack_vector"]), 100),
    })
    yield MaterializeResult(asset_key="demonstrations", metadata={
        "rows": result.valid[DEMONSTRATION].height})
    pairs = result.valid[PREFERENCE]
    yield MaterializeResult(asset_key="preference_pairs", metadata={
        "rows": pairs.height,
        "by_axis_and_strength": markdown_table(counts(pairs, ["axis", "strength"])),
    })
    yield MaterializeResult(asset_key="quarantined_records", metadata={
        "rows": quarantine.height,
        "source_rows": result.n_rows,
        "reasons": markdown_table(counts(quarantine, ["reason"]), 30),
        "examples": markdown_table(
            quarantine.select("row_number", "kind", "record_id", "reason"), 20),
    })
    yield from batch_checks(prompts, result.valid[DEMONSTRATION], pairs, quarantine)
