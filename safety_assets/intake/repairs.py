"""A repairable quarantine: corrected rows, keyed by quarantine id, land in their original batch.

Every quarantined record has a ``quarantine_id`` (:func:`staging.quarantine_id`), stable across
re-validations of its batch. A person repairs records in one of two ways:

- **a repair file** dropped in the inbox, in any format intake reads (CSV, TSV, JSONL, a JSON
  array, ...): each row carries ``quarantine_id`` and the corrected fields. A field left out
  or empty keeps the value the row had, so ``quarantine_id,risk_category`` is enough to fix a
  misspelt category. A row with no field besides its id asks for the row to be checked again
  as it was (for example a pair whose prompt has since arrived).
- **the launchpad**: the ``quarantine_releases`` asset's config does the same (:func:`submit`).

Either way the request is recorded in the warehouse table ``quarantine_repairs`` as pending.
The repair sensor then re-validates each batch with pending repairs, through the same two
passes as any batch: the repaired rows' fields are merged over the original raw rows
(:func:`raw_rows_sql`), so a record lands in its original batch partition, once (the
partition is replaced, never appended to), and whatever it still breaks is quarantined again
under the same id. The sensor also re-validates every batch holding records refused for an
unknown prompt (or rating task) that now exists (:func:`batches_to_revalidate`), so the pairs
and demonstrations that pointed at a repaired prompt land too. Each repair keeps where it came
from and what became of it (``status``, ``outcome``): that is a repaired record's lineage.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from safety_assets.intake import staging
from safety_assets.intake.parser import stored_payload
from safety_assets.intake.records import FIELDS, SCHEMAS, is_missing

REPAIR_KEY = "quarantine_id"
PENDING, LANDED, QUARANTINED = "pending", "landed", "quarantined"


class RepairError(ValueError):
    """Repairs refused as a whole (from the launchpad, where a person is there to read it)."""


def corrected_fields(payload: Mapping[str, Any]) -> str | None:
    """The fields a repair sets, as JSON: the record fields it gives a value (columns of a
    quarantine export such as ``reason`` are not record fields and are ignored); None when
    it sets none, a request to check the row again as it was."""
    fields = {name: value for name, value in payload.items()
              if name in FIELDS and not is_missing(value)}
    return stored_payload(fields) if fields else None


def repair_request(payload: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """(quarantine id, corrected fields) when ``payload`` is a row of a repair file."""
    value = payload.get(REPAIR_KEY)
    if is_missing(value):
        return None
    return str(value).strip(), corrected_fields(payload)


def add_known_quarantine(con: duckdb.DuckDBPyConnection,
                         known: Mapping[str, tuple[str, int | None]],
                         chunk_rows: int = staging.DEFAULT_CHUNK_ROWS) -> None:
    """Quarantine ids the batch's repair requests may name, from a mapping id -> (batch, row)
    (the pure path; the asset reads them from the warehouse)."""
    staging.append_chunked(con, "known_quarantine", (
        {"quarantine_id": qid, "batch_id": batch, "row_number": row}
        for qid, (batch, row) in known.items()), chunk_rows)


def add_known_quarantine_from_warehouse(con: duckdb.DuckDBPyConnection,
                                        warehouse_catalog: str) -> None:
    """The quarantined records (and those repaired before: a repair may be sent again) that
    this batch's repair requests name, from the warehouse attached as ``warehouse_catalog``."""
    wh = staging.quote_identifier(warehouse_catalog)
    con.execute(
        "INSERT INTO known_quarantine "
        f"SELECT quarantine_id, batch_id, row_number FROM {wh}.main.quarantine "
        "WHERE quarantine_id IN (SELECT quarantine_id FROM repair_requests) "
        f"UNION SELECT quarantine_id, batch_id, row_number FROM {wh}.main.quarantine_repairs "
        "WHERE quarantine_id IN (SELECT quarantine_id FROM repair_requests)")


def resolve(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    """Decide the batch's repair requests before pass 2: a refused one becomes a refusal of
    this batch (so :func:`staging.resolve` quarantines it with the rest), an accepted one a
    row of :data:`staging.ACCEPTED_REPAIRS_TABLE`, naming the batch and row it repairs."""
    con.execute("""
        CREATE OR REPLACE TABLE repair_verdicts AS
        SELECT r.seq, r.row_number, r.quarantine_id, r.payload,
               k.batch_id AS target_batch, k.row_number AS target_row,
               CASE
                   WHEN k.quarantine_id IS NULL THEN 'unknown quarantine id ' || r.id_repr
                        || ' (no quarantined record has it)'
                   WHEN k.row_number IS NULL THEN 'quarantine id ' || r.id_repr
                        || ' is an unreadable file, not a row: fix the file and drop it again'
                   WHEN k.batch_id = ? THEN 'quarantine id ' || r.id_repr
                        || ' is a row of this same file'
                   WHEN f.first_seq <> r.seq THEN 'repeated quarantine id ' || r.id_repr
                        || ' (already on row ' || f.first_row || ' of this file)'
               END AS reason
        FROM repair_requests r
        LEFT JOIN (SELECT DISTINCT quarantine_id, batch_id, row_number FROM known_quarantine) k
               ON k.quarantine_id = r.quarantine_id
        LEFT JOIN (SELECT quarantine_id, arg_min(seq, (row_number, seq)) AS first_seq,
                          min(row_number) AS first_row
                   FROM repair_requests GROUP BY quarantine_id) f
               ON f.quarantine_id = r.quarantine_id""", [batch_id])
    con.execute("INSERT INTO refusals SELECT seq, row_number, 'repair', quarantine_id, reason, "
                "payload FROM repair_verdicts WHERE reason IS NOT NULL")
    con.execute(f"CREATE OR REPLACE TABLE {staging.ACCEPTED_REPAIRS_TABLE} AS "
                "SELECT quarantine_id, target_batch AS batch_id, target_row AS row_number, "
                "payload, row_number AS source_row FROM repair_verdicts "
                "WHERE reason IS NULL ORDER BY seq")


def record(con: duckdb.DuckDBPyConnection, warehouse_catalog: str, batch_id: str,
           source_file: str) -> None:
    """Replace the pending repairs the repair file ``batch_id`` asked for, in the caller's
    transaction (re-running the file's batch records them once)."""
    wh = staging.quote_identifier(warehouse_catalog)
    con.execute(f"DELETE FROM {wh}.main.quarantine_repairs WHERE source_batch = ?", [batch_id])
    con.execute(
        f"INSERT INTO {wh}.main.quarantine_repairs (quarantine_id, batch_id, row_number, "
        "payload, submitted_by, source_batch, source_row, submitted_at, status) "
        f"SELECT quarantine_id, batch_id, row_number, payload, ?, ?, source_row, ?, "
        f"'{PENDING}' FROM {staging.ACCEPTED_REPAIRS_TABLE} ORDER BY source_row",
        [f"file {source_file}", batch_id, _now()])


def submit(con: duckdb.DuckDBPyConnection, requests: Iterable[tuple[str, Mapping[str, Any]]],
           submitted_by: str) -> list[dict[str, Any]]:
    """Record repairs from the launchpad: (quarantine id, corrected fields; empty: check the
    row again as it was). All or none: any id that names no quarantined row refuses them all
    with a :class:`RepairError` listing each such id and why."""
    wanted = [(str(qid).strip(), corrected_fields(fields)) for qid, fields in requests]
    if not wanted:
        return []
    ids = sorted({qid for qid, _ in wanted})
    found = {qid: (batch, row) for qid, batch, row in con.sql(
        "SELECT DISTINCT quarantine_id, batch_id, row_number FROM (SELECT quarantine_id, "
        "batch_id, row_number FROM quarantine UNION ALL SELECT quarantine_id, batch_id, "
        "row_number FROM quarantine_repairs) WHERE quarantine_id IN (SELECT unnest(?))",
        params=[ids]).fetchall()}
    problems = [f"{qid!r}: no quarantined record has it" for qid in ids if qid not in found]
    problems += [f"{qid!r}: an unreadable file, not a row (fix the file and drop it again)"
                 for qid in ids if qid in found and found[qid][1] is None]
    if problems:
        raise RepairError("no repair recorded: " + "; ".join(problems))
    rows = [{"quarantine_id": qid, "batch_id": found[qid][0], "row_number": found[qid][1],
             "payload": payload}
            for qid, payload in wanted]
    now = _now()
    for row in rows:
        con.execute(
            "INSERT INTO quarantine_repairs (quarantine_id, batch_id, row_number, payload, "
            f"submitted_by, submitted_at, status) VALUES (?, ?, ?, ?, ?, ?, '{PENDING}')",
            [row["quarantine_id"], row["batch_id"], row["row_number"], row["payload"],
             submitted_by, now])
    return rows


def has_repairs(con: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    return bool(con.sql("SELECT count(*) FROM quarantine_repairs WHERE batch_id = ? AND "
                        "payload IS NOT NULL", params=[batch_id]).fetchall()[0][0])


# The latest correction of each repaired row (a later one replaces an earlier one; a bare
# re-check request corrects nothing, so it never undoes one). Joined as ``f`` beside the raw
# rows ``r``, :data:`_CURRENT_PAYLOAD` is each row as it is validated now.
_LATEST = """(SELECT batch_id, row_number, payload FROM quarantine_repairs
              WHERE payload IS NOT NULL QUALIFY row_number() OVER (
                  PARTITION BY batch_id, row_number ORDER BY repair_seq DESC) = 1)"""
_CURRENT_PAYLOAD = """CASE WHEN f.payload IS NULL THEN r.payload
                           WHEN r.payload IS NULL THEN f.payload
                           ELSE json_merge_patch(r.payload, f.payload)::VARCHAR END"""


def raw_rows_sql(repaired: bool) -> str:
    """The query of a batch's raw rows as validation reads them (parameter: the batch id):
    each repaired row's corrected fields merged over the fields it was read with (an
    unreadable row becomes the repair's fields)."""
    if not repaired:
        return ("SELECT row_number, payload, parse_error FROM raw_records WHERE batch_id = ?")
    return f"""SELECT r.row_number, {_CURRENT_PAYLOAD} AS payload,
                   CASE WHEN f.payload IS NULL THEN r.parse_error END AS parse_error
               FROM raw_records r LEFT JOIN {_LATEST} f
                    ON f.batch_id = r.batch_id AND f.row_number = r.row_number
               WHERE r.batch_id = ? ORDER BY r.row_number NULLS LAST"""


def update_outcomes(con: duckdb.DuckDBPyConnection, warehouse_catalog: str, batch_id: str,
                    run_id: str | None) -> None:
    """After pass 2 of ``batch_id`` (its quarantine in ``staging.QUARANTINE_TABLE``), in the
    caller's transaction: each repair of the batch landed, or is quarantined again and why."""
    wh = staging.quote_identifier(warehouse_catalog)
    con.execute(
        f"UPDATE {wh}.main.quarantine_repairs AS r SET "
        f"status = CASE WHEN q.reason IS NULL THEN '{LANDED}' ELSE '{QUARANTINED}' END, "
        "outcome = q.reason, applied_run_id = ?, applied_at = ? "
        f"FROM (SELECT r2.repair_seq, (SELECT min(reason) FROM {staging.QUARANTINE_TABLE} x "
        "WHERE x.row_number = r2.row_number) AS reason "
        f"FROM {wh}.main.quarantine_repairs r2 WHERE r2.batch_id = ?) q "
        "WHERE r.repair_seq = q.repair_seq", [run_id, _now(), batch_id])


def batches_to_revalidate(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(batch, run key, why) for each batch to validate again: one with pending repairs, or
    one holding a record refused for an unknown prompt or rating task that now exists. The run
    key names the state that asks for it, so the same state asks once."""
    pending = con.sql(f"SELECT batch_id, max(repair_seq) FROM quarantine_repairs "
                      f"WHERE status = '{PENDING}' GROUP BY batch_id ORDER BY batch_id"
                      ).fetchall()
    wanted = [(batch, f"repair:{batch}:{seq}", "pending repairs") for batch, seq in pending]
    taken = {batch for batch, _ in pending}
    reference = "trim(json_extract_string(" + _CURRENT_PAYLOAD + ", '$.{0}'))"
    stale = con.sql(f"""
        SELECT q.batch_id, left(sha256(string_agg(q.quarantine_id, ',' ORDER BY
               q.quarantine_id)), 16)
        FROM quarantine q
        JOIN raw_records r ON r.batch_id = q.batch_id AND r.row_number = q.row_number
        LEFT JOIN {_LATEST} f ON f.batch_id = q.batch_id AND f.row_number = q.row_number
        WHERE (q.reason LIKE 'unknown prompt id %'
               AND {reference.format('prompt_id')} IN (SELECT id FROM prompts))
           OR (q.reason LIKE 'unknown task id %'
               AND {reference.format('task_id')} IN (SELECT task_id FROM rating_tasks))
        GROUP BY q.batch_id ORDER BY q.batch_id""").fetchall()
    wanted += [(batch, f"recheck:{batch}:{digest}", "references that now exist")
               for batch, digest in stale if batch not in taken]
    return wanted


def export_quarantine(con: duckdb.DuckDBPyConnection, batch_id: str, path: Path) -> int:
    """Write the batch's quarantined rows to ``path`` as a CSV to correct and drop back into
    the inbox: ``quarantine_id`` and ``reason`` first (the reason is not a record field, so it
    is ignored on the way back), then every record field the rows have, as each row was last
    validated (its raw fields, with the latest repair merged over them). An unreadable row has
    only its id and reason: there were no fields to keep. Returns the rows written; with none,
    any earlier export of the batch is removed."""
    rows = con.sql(f"""
        SELECT q.quarantine_id, q.reason, {_CURRENT_PAYLOAD} AS payload
        FROM quarantine q
        LEFT JOIN raw_records r ON r.batch_id = q.batch_id AND r.row_number = q.row_number
        LEFT JOIN {_LATEST} f ON f.batch_id = q.batch_id AND f.row_number = q.row_number
        WHERE q.batch_id = ? AND q.row_number IS NOT NULL
        ORDER BY q.row_number, q.quarantine_id""", params=[batch_id]).fetchall()
    if not rows:
        path.unlink(missing_ok=True)
        return 0
    records = [(qid, reason, json.loads(payload) if payload else {})
               for qid, reason, payload in rows]
    present = {name for _, _, fields in records for name in fields}
    columns = [name for name in _EXPORT_ORDER if name in present]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([REPAIR_KEY, "reason", *columns])
        for qid, reason, fields in records:
            writer.writerow([qid, reason, *(_cell(fields.get(name)) for name in columns)])
    partial.replace(path)
    return len(records)


# The export's columns: the kind, then each kind's fields in the order records.py gives them.
_EXPORT_ORDER = ["kind", *dict.fromkeys(
    name for schema in SCHEMAS.values() for name in schema)]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
