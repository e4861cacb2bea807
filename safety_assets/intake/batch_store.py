"""Intake against the warehouse: an inbox file's raw rows in, one batch's validated partition
out, in bounded memory.

The raw stage streams the file into ``raw_records`` a chunk at a time (a plain JSONL file in
blocks, through DuckDB: :mod:`jsonl_blocks`). Validation copies the batch's raw rows into a
scratch DuckDB database and runs pass 1 there without holding the warehouse (the rows SQL
proves valid in one columnar statement, the rest through the Python rules:
``validation.stage_raw_rows``), then pass 2 (``staging.resolve``) and the replacement of the
partition in one warehouse transaction. The GX suites read the scratch database afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from safety_assets.intake import jsonl_blocks, repairs, staging
from safety_assets.intake.parser import (
    FileParseError,
    RawRow,
    file_format,
    read_rows,
    stored_payload,
)
from safety_assets.intake.records import DEMONSTRATION, PREFERENCE, PROMPT, RATING
from safety_assets.intake.suites import BatchSuites, run_batch_suites
from safety_assets.intake.validation import HHImportConfig, IntakeLimits, stage_raw_rows
from safety_assets.storage.warehouse import Warehouse

_TABLES = {PROMPT: "prompts", DEMONSTRATION: "demonstrations", PREFERENCE: "preference_pairs",
           RATING: "safety_ratings"}
_STAGE = "intake_stage"     # the scratch database, as the warehouse connection attaches it
RAW_SCHEMA = {"batch_id": pl.String, "source_file": pl.String, "row_number": pl.Int64,
              "payload": pl.String, "parse_error": pl.String}
_CHUNK = 10_000


def raw_record(batch_id: str, source_file: str, row: RawRow) -> dict[str, object]:
    """One row as ``raw_records`` stores it (RAW_SCHEMA)."""
    return {"batch_id": batch_id, "source_file": source_file, "row_number": row.row_number,
            "payload": stored_payload(row.payload),
            "parse_error": row.error if row.payload is None else None}


def raw_frames(path: Path, batch_id: str, max_row_bytes: int) -> Iterator[pl.DataFrame]:
    """Raw rows in chunks, so a large file is never held whole."""
    buffer: list[dict[str, object]] = []
    try:
        file_format(path)
        for row in read_rows(path, max_row_bytes):
            buffer.append(raw_record(batch_id, path.name, row))
            if len(buffer) >= _CHUNK:
                yield pl.DataFrame(buffer, schema=RAW_SCHEMA, orient="row")
                buffer = []
    except FileParseError as error:
        buffer.append({"batch_id": batch_id, "source_file": path.name, "row_number": None,
                       "payload": None, "parse_error": str(error)})
    if buffer:
        yield pl.DataFrame(buffer, schema=RAW_SCHEMA, orient="row")


def store_raw_rows(store: Warehouse, con: duckdb.DuckDBPyConnection, path: Path,
                   batch_id: str, max_row_bytes: int) -> tuple[int, int, str | None]:
    """Replace the batch's raw rows with those of ``path``, a chunk at a time, inside the
    caller's transaction; DuckDB's memory is bounded, so a large file spills instead of
    growing. A plain JSONL file is read in blocks by DuckDB (:mod:`jsonl_blocks`). Returns
    (rows, unreadable rows, whole-file error)."""
    staging.limit_memory(con)
    con.execute("DELETE FROM raw_records WHERE batch_id = ?", [batch_id])
    try:
        fast = file_format(path) == ".jsonl"   # not .jsonl.gz: that keeps the row reader
    except FileParseError:
        fast = False
    if fast:
        def store_rows(rows: list[RawRow]) -> None:
            store.insert(con, "raw_records", pl.DataFrame(
                [raw_record(batch_id, path.name, row) for row in rows], schema=RAW_SCHEMA,
                orient="row"))
        jsonl_blocks.store_jsonl(con, path, batch_id, max_row_bytes, store_rows)
    else:
        for frame in raw_frames(path, batch_id, max_row_bytes):
            store.insert(con, "raw_records", frame)
    n_rows, n_errors, whole_file_error = con.sql(
        "SELECT count(row_number), count(parse_error), "
        "min(parse_error) FILTER (WHERE row_number IS NULL) FROM raw_records "
        "WHERE batch_id = ?", params=[batch_id]).fetchall()[0]
    return n_rows, n_errors, whole_file_error


def stored_rows(frame: pl.DataFrame) -> Iterator[RawRow]:
    for row in frame.iter_rows(named=True):
        payload = json.loads(row["payload"]) if row["payload"] is not None else None
        yield RawRow(row["row_number"], payload, row["parse_error"])


@dataclass
class StoredBatch:
    batch_id: str
    source_file: str
    stage_file: Path          # the scratch database: accepted records and quarantine
    n_rows: int
    n_valid: int
    n_quarantined: int
    n_repair_requests: int = 0   # rows of this file that repair rows of other batches


def validate_stored_batch(store: Warehouse, batch_id: str, scratch: Path, *,
                          limits: IntakeLimits | None = None,
                          hh_import: HHImportConfig | None = None,
                          chunk_rows: int = staging.DEFAULT_CHUNK_ROWS,
                          memory_limit: str = staging.DEFAULT_MEMORY_LIMIT,
                          run_id: str | None = None) -> StoredBatch:
    """Validate the raw rows of ``batch_id`` and replace its validated partition, in bounded
    memory: the rows go through ``scratch`` (a folder of this batch's own), pass 1 without
    holding the warehouse, pass 2 and the replacement in one warehouse transaction. Rows
    repaired through the quarantine (:mod:`safety_assets.intake.repairs`) are read with their
    corrected fields; a repair file's requests are recorded for the batches they repair."""
    stage_file = scratch / "stage.duckdb"
    attach = f"ATTACH '{staging.sql_literal(str(stage_file))}' AS {_STAGE}"
    with store.connect() as con:
        staging.limit_memory(con, scratch, memory_limit)
        repaired = repairs.has_repairs(con, batch_id)
        con.execute(attach)
        # A stored row's number is unique in its batch, so it is the row's arrival too.
        con.execute(f"CREATE TABLE {_STAGE}.raw AS SELECT row_number AS arrival, row_number, "
                    f"payload, parse_error, NULL::VARCHAR AS raw_text "
                    f"FROM ({repairs.raw_rows_sql(repaired)})", [batch_id])
        found = con.sql("SELECT min(source_file) FROM raw_records WHERE batch_id = ?",
                        params=[batch_id]).fetchall()[0][0]
        con.execute(f"DETACH {_STAGE}")
    source_file = found or batch_id

    with duckdb.connect(str(stage_file)) as con:
        staging.limit_memory(con, scratch, memory_limit)
        n_rows = stage_raw_rows(con, limits=limits, hh_import=hh_import,
                                chunk_rows=chunk_rows)

    # Pass 2 under the warehouse lock, so that the ids of other batches it reads are still
    # theirs when the partition is replaced. On an error the connection closes, rolling back.
    with store.connect() as con:
        staging.limit_memory(con, scratch, memory_limit)
        warehouse = con.sql("SELECT current_database()").fetchall()[0][0]
        wh = staging.quote_identifier(warehouse)
        con.execute(attach)
        con.execute(f"USE {_STAGE}")     # the staging SQL names its tables unqualified
        staging.add_taken_from_warehouse(con, warehouse, batch_id)
        staging.add_known_tasks_from_warehouse(con, warehouse)
        repairs.add_known_quarantine_from_warehouse(con, warehouse)
        repairs.resolve(con, batch_id)
        staging.resolve(con, batch_id, source_file)
        n_valid = sum(staging.count(con, table) for table in staging.ACCEPTED_TABLES.values())
        n_quarantined = staging.count(con, staging.QUARANTINE_TABLE)
        n_repair_requests = staging.count(con, staging.ACCEPTED_REPAIRS_TABLE)
        con.execute("BEGIN TRANSACTION")
        for kind, table in _TABLES.items():
            con.execute(f"DELETE FROM {wh}.main.{table} WHERE batch_id = ?", [batch_id])
            con.execute(f"INSERT INTO {wh}.main.{table} BY NAME "
                        f"SELECT * FROM {staging.ACCEPTED_TABLES[kind]}")
        con.execute(f"DELETE FROM {wh}.main.quarantine WHERE batch_id = ?", [batch_id])
        con.execute(f"INSERT INTO {wh}.main.quarantine BY NAME "
                    f"SELECT * FROM {staging.QUARANTINE_TABLE}")
        repairs.record(con, warehouse, batch_id, source_file)
        repairs.update_outcomes(con, warehouse, batch_id, run_id)
        con.execute(
            f"UPDATE {wh}.main.processed_files SET n_valid = ?, n_quarantined = ?, "
            "run_id = ?, ingested_at = ? WHERE batch_id = ?",
            [n_valid, n_quarantined, run_id, datetime.now(UTC).replace(tzinfo=None),
             batch_id])
        con.execute("COMMIT")
        con.execute(f"USE {wh}")
        con.execute(f"DETACH {_STAGE}")
    return StoredBatch(batch_id, source_file, stage_file, n_rows, n_valid, n_quarantined,
                       n_repair_requests)


def stored_batch_suites(batch: StoredBatch, chunk_rows: int | None = None,
                        memory_limit: str = staging.DEFAULT_MEMORY_LIMIT) -> BatchSuites:
    """The GX suites of a validated batch, read from its scratch database (no warehouse lock
    held while they run); ``chunk_rows`` as :func:`suites.run_batch_suites` takes it."""
    with duckdb.connect(str(batch.stage_file), read_only=True) as con:
        staging.limit_memory(con, batch.stage_file.parent, memory_limit)
        return run_batch_suites(con, chunk_rows=chunk_rows)
