"""Intake: one partition per inbox file; raw rows, validated records and the quarantine."""


import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from safety_assets.annotation.rounds import assign_round
from safety_assets.defs.intake.batch_partitions import annotation_batches
from safety_assets.defs.intake.intake_checks import BATCH_CHECKS, check_results, head_table
from safety_assets.defs.resources import AnnotationInboxResource, WarehouseResource
from safety_assets.intake.batch_store import (
    StoredBatch,
    store_raw_rows,
    stored_batch_suites,
    validate_stored_batch,
)
from safety_assets.intake.inbox import archive_batch, sha256_of
from safety_assets.intake.repairs import RepairError, export_quarantine, submit
from safety_assets.taxonomy import BENIGN

GROUP = "intake"


@dg.asset(
    partitions_def=annotation_batches,
    group_name=GROUP,
    kinds={"duckdb"},
    description="Every row of one inbox file as read, with parse errors; the file is archived.",
)
def raw_annotations(
    context: dg.AssetExecutionContext, inbox: AnnotationInboxResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    key = context.partition_key
    try:
        source = inbox.locate(key)
    except FileNotFoundError as error:
        raise dg.Failure(description=str(error)) from error
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
    return dg.MaterializeResult(metadata={
        "file": archived.name,
        "archived_copy": dg.MetadataValue.path(str(archived)),
        "sha256": digest,
        "bytes": archived.stat().st_size,
        "rows": n_rows,
        "unreadable_rows": n_errors,
        "file_error": whole_file_error or "",
    })


def _sql_table(con: duckdb.DuckDBPyConnection, query: str, params: list[object],
               max_rows: int) -> dg.MetadataValue:
    head = con.sql(f"SELECT * FROM ({query}) LIMIT {int(max_rows)}", params=params).pl()
    total = con.sql(f"SELECT count(*) FROM ({query})", params=params).fetchall()[0][0]
    return head_table(head, int(total))


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
    n_ratings = con.sql("SELECT count(*) FROM safety_ratings WHERE batch_id = ?",
                        params=key).fetchall()[0][0]

    def repaired(table: str) -> int:
        """Rows of the batch that landed through a repair of the quarantine."""
        return con.sql(
            f"SELECT count(DISTINCT t.row_number) FROM {table} t JOIN quarantine_repairs r "
            "ON r.batch_id = t.batch_id AND r.row_number = t.row_number "
            "WHERE t.batch_id = ? AND r.status = 'landed'", params=key).fetchall()[0][0]

    return {
        "prompts": {
            "rows": n_prompts, "adversarial": n_adversarial,
            "repaired_rows": repaired("prompts"),
            "coverage": _sql_table(
                con, "SELECT risk_category, attack_vector, count(*) AS rows FROM prompts "
                     "WHERE batch_id = ? GROUP BY ALL ORDER BY risk_category, attack_vector",
                key, 100)},
        "demonstrations": {"rows": n_demonstrations,
                           "repaired_rows": repaired("demonstrations")},
        "preference_pairs": {
            "rows": n_pairs, "repaired_rows": repaired("preference_pairs"),
            "by_axis_and_strength": _sql_table(
                con, "SELECT axis, strength, count(*) AS rows FROM preference_pairs "
                     "WHERE batch_id = ? GROUP BY ALL ORDER BY axis, strength", key, 50)},
        "safety_ratings": {
            "rows": n_ratings, "repaired_rows": repaired("safety_ratings"),
            "by_rating": _sql_table(
                con, "SELECT rating, count(*) AS rows, count(DISTINCT rater) AS raters "
                     "FROM safety_ratings WHERE batch_id = ? GROUP BY rating ORDER BY rating",
                key, 10)},
        "quarantined_records": {
            "rows": batch.n_quarantined, "source_rows": batch.n_rows,
            "reasons": _sql_table(
                con, "SELECT reason, count(*) AS rows FROM quarantine WHERE batch_id = ? "
                     "GROUP BY reason ORDER BY reason", key, 30),
            "examples": _sql_table(con, _QUARANTINE_IN_ORDER, key, 20),
            # A repair file's rows, sent to the batches they repair (pending until those are
            # validated again by the repair sensor).
            "repairs_sent": batch.n_repair_requests,
            "repairs_sent_to": _sql_table(
                con, "SELECT batch_id, count(*) AS rows, count_if(status = 'landed') AS landed "
                     "FROM quarantine_repairs WHERE source_batch = ? GROUP BY batch_id "
                     "ORDER BY batch_id", key, 20),
            # This batch's own rows repaired so far, with where each repair came from.
            "repaired_rows": _sql_table(
                con, "SELECT row_number, quarantine_id, submitted_by, status, outcome FROM "
                     "quarantine_repairs WHERE batch_id = ? ORDER BY row_number, repair_seq",
                key, 50)},
    }


def _repair_sheet(context: dg.AssetExecutionContext, inbox: AnnotationInboxResource,
                  key: str) -> Path | None:
    """Where the batch's quarantine is exported to be corrected, or None (said in the log)
    when the inbox resource has no outbox to put it in."""
    try:
        outbox = inbox.outbox
    except ValueError as error:     # a relative outbox_path and no home
        context.log.warning(f"the quarantine is not exported for repair: {error}")
        return None
    if outbox.resolve().is_relative_to(inbox.folder.resolve()):
        context.log.warning(f"the quarantine is not exported for repair: the outbox ({outbox}) "
                            "is inside the inbox, where the sheet would be ingested at once")
        return None
    return outbox / "quarantine" / f"{key}.csv"


_QUARANTINE_IN_ORDER = ("SELECT row_number, kind, record_id, reason, quarantine_id "
                        "FROM quarantine WHERE batch_id = ? ORDER BY row_number NULLS LAST")


class IntakeRoundConfig(dg.Config):
    round: int | None = Field(
        default=None, description="The annotation round of this batch. Default: the round of "
                                  "the comparison tasks it answers, else the round it had "
                                  "before, else the latest round started.")


@dg.multi_asset(
    specs=[
        dg.AssetSpec("prompts", deps=[raw_annotations], group_name=GROUP, kinds={"duckdb"},
                  description="Adversarial and helpfulness prompts that passed validation."),
        dg.AssetSpec("demonstrations", deps=[raw_annotations], group_name=GROUP, kinds={"duckdb"},
                  description="Safe (and helpful) demonstrations written by annotators."),
        dg.AssetSpec("preference_pairs", deps=[raw_annotations], group_name=GROUP,
                  kinds={"duckdb"},
                  description="Preference pairs with strength, axis and safety labels."),
        dg.AssetSpec("safety_ratings", deps=[raw_annotations], group_name=GROUP,
                  kinds={"duckdb"},
                  description="People's 1-5 Likert safety ratings of exported rating tasks "
                              "(1 or 2: a violation), one per task and rater."),
        dg.AssetSpec("quarantined_records", deps=[raw_annotations], group_name=GROUP,
                  kinds={"duckdb"},
                  description="Every refused row (or whole file) with file, row and reason."),
    ],
    check_specs=BATCH_CHECKS,
    partitions_def=annotation_batches,
)
def validated_annotations(
    context: dg.AssetExecutionContext, config: IntakeRoundConfig, inbox: AnnotationInboxResource,
    warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    key = context.partition_key
    store = warehouse.get()
    with tempfile.TemporaryDirectory(prefix="intake-") as folder:
        batch = validate_stored_batch(store, key, Path(folder), limits=inbox.limits(),
                                      hh_import=inbox.hh_import(), run_id=context.run.run_id)
        export = _repair_sheet(context, inbox, key)
        with store.connect() as con:
            round_, round_source = assign_round(con, key, config.round)
            metadata = _partition_metadata(con, batch)
            for values in metadata.values():
                values.update({"round": round_, "round_source": round_source})
            first = con.sql(f"{_QUARANTINE_IN_ORDER} LIMIT 1", params=[key]).fetchall()
            exported = export_quarantine(con, key, export) if export else 0
        if exported:
            # Corrected in a spreadsheet and dropped back into the inbox, it is a repair file.
            metadata["quarantined_records"]["repair_sheet"] = dg.MetadataValue.path(str(export))
        suites = stored_batch_suites(batch)
    if first:
        context.log.warning(
            f"{batch.source_file}: {batch.n_quarantined} record(s) quarantined; first: row "
            f"{first[0][0]}: {first[0][3]}")
    for asset_key, values in metadata.items():
        yield dg.MaterializeResult(asset_key=asset_key, metadata=values)
    yield from check_results(suites)


class QuarantineReleaseConfig(dg.Config):
    """Repairs of quarantined records from the launchpad, by the ids in the
    ``quarantined_records`` metadata (or the warehouse table ``quarantine``)."""

    release: list[str] = Field(
        default=[], description="Quarantine ids to check again as they were, for example a "
                                "pair whose prompt has landed since.")
    corrections: dict[str, dict[str, str]] = Field(
        default={}, description="Quarantine id -> the fields to correct, for example "
                                "{'q-...': {'risk_category': 'violence'}}; the row's other "
                                "fields keep their values.")


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=["quarantined_records"],
    description="Repairs of quarantined records sent from the launchpad. They are validated "
                "like any row, in their original batch, when the quarantine repair sensor "
                "validates that batch again.",
)
def quarantine_releases(context: dg.AssetExecutionContext, config: QuarantineReleaseConfig,
                        warehouse: WarehouseResource) -> dg.MaterializeResult:
    requests = [(qid, {}) for qid in config.release] + list(config.corrections.items())
    with warehouse.get().connect() as con:
        try:
            sent = submit(con, requests, submitted_by=f"launchpad run {context.run.run_id}")
        except RepairError as error:
            raise dg.Failure(description=str(error)) from error
    context.log.info(f"{len(sent)} repair(s) recorded; the quarantine repair sensor validates "
                     f"{len({row['batch_id'] for row in sent})} batch(es) again")
    return dg.MaterializeResult(metadata={
        "repairs": len(sent),
        "batches": dg.MetadataValue.json(sorted({row["batch_id"] for row in sent})),
    })
