"""One batch's validation staged in a DuckDB database of its own, so that no whole batch is ever
held in Python.

Pass 1 (``intake_validation.BatchStager``) appends each row's normalized candidate record, or
its refusal, to the tables made by :func:`create_tables`, a chunk at a time. Pass 2
(:func:`resolve`) decides, in SQL, which candidates are accepted: repeated ids within the file,
ids other batches already hold and unknown prompt (or, for a rating, task) references. The
same SQL runs for the pure ``validate_batch`` (an in-memory database) and for the intake asset
(a scratch file that the warehouse connection attaches), so the rules exist once. DuckDB spills
to disk past ``memory_limit`` instead of growing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from safety_assets.intake.parser import shown_payload
from safety_assets.intake.records import KINDS, PROMPT, RATING, SCHEMAS

DEFAULT_CHUNK_ROWS = 10_000
# A candidate's or refusal's seq: its row's arrival * SEQ_STRIDE + its place among the row's
# records, so rows proven in SQL (columnar_rules) and rows checked in Python keep one order.
SEQ_STRIDE = 64
# DuckDB's own working memory (buffer pool) per connection; the rest of a step is imports.
DEFAULT_MEMORY_LIMIT = "256MB"

# Every field any record kind has, in a first-seen order: one wide candidates table holds
# all kinds, the fields a kind lacks left NULL (so equality over all of them is equality of
# the record).
RECORD_FIELDS: dict[str, pl.DataType] = {
    name: dtype for schema in SCHEMAS.values() for name, dtype in schema.items()}
_ARROW = {pl.String: pa.string(), pl.Boolean: pa.bool_(), pl.Int64: pa.int64()}
_SQL = {pl.String: "VARCHAR", pl.Boolean: "BOOLEAN", pl.Int64: "BIGINT"}

CANDIDATE_COLUMNS: dict[str, pl.DataType] = {
    "seq": pl.Int64,            # arrival order: breaks ties between equal row numbers
    "kind": pl.String,
    "row_number": pl.Int64,
    "derived": pl.Boolean,      # made by an importer (HH-RLHF): identical repeats are one record
    "payload": pl.String,       # what the quarantine shows if pass 2 refuses it
    "id_repr": pl.String,       # Python repr() of the ids, as the reasons quote them
    "prompt_id_repr": pl.String,
    "task_id_repr": pl.String,
    **RECORD_FIELDS,
}
REFUSAL_COLUMNS: dict[str, pl.DataType] = {
    "seq": pl.Int64, "row_number": pl.Int64, "kind": pl.String, "record_id": pl.String,
    "reason": pl.String, "payload": pl.String,
}
_STAGING_TABLES: dict[str, dict[str, pl.DataType]] = {
    # the batch's rows as pass 1 reads them (validation.stage_raw_rows): the asset copies
    # them from raw_records (arrival = row number), the pure path from its rows
    "raw": {"arrival": pl.Int64, "row_number": pl.Int64, "payload": pl.String,
            "parse_error": pl.String, "raw_text": pl.String},
    "candidates": CANDIDATE_COLUMNS,
    "refusals": REFUSAL_COLUMNS,
    # ids held by other batches (this batch's own rows left out: re-running it is idempotent)
    "taken": {"kind": pl.String, "id": pl.String, "batch_id": pl.String},
    "known_prompts": {"id": pl.String},
    # exported rating tasks (warehouse rating_tasks) a rating may refer to
    "known_tasks": {"id": pl.String},
    # rows of a repair file: corrected fields (JSON; NULL: re-check the row as it was) for
    # the row a quarantine id names (safety_assets.intake.repairs)
    "repair_requests": {"seq": pl.Int64, "row_number": pl.Int64, "quarantine_id": pl.String,
                        "id_repr": pl.String, "payload": pl.String},
    # quarantine ids the requests may name: the row of which batch each one points at
    # (row_number NULL: a whole-file error)
    "known_quarantine": {"quarantine_id": pl.String, "batch_id": pl.String,
                         "row_number": pl.Int64},
}
ACCEPTED_TABLES: dict[str, str] = {kind: f"accepted_{kind}" for kind in KINDS}
QUARANTINE_TABLE = "quarantined"
ACCEPTED_REPAIRS_TABLE = "accepted_repairs"


def quarantine_id(batch_id: str, row_number: int | None, ordinal: int = 1) -> str:
    """The id a person quotes to repair a quarantined record: stable across re-validations
    of its batch, as :data:`QUARANTINE_ID_SQL` computes it in SQL (the two must agree)."""
    row = "file" if row_number is None else str(row_number)
    digest = hashlib.sha256(f"{batch_id}\x00{row}\x00{ordinal}".encode()).hexdigest()
    return f"q-{digest[:16]}"


# batch_id, row_number and ordinal (the record's place among its row's quarantined records)
# are the columns of the SELECT it is used in.
QUARANTINE_ID_SQL = ("'q-' || left(sha256(batch_id || chr(0) || coalesce(row_number::VARCHAR, "
                     "'file') || chr(0) || ordinal::VARCHAR), 16)")


def _arrow_schema(columns: Mapping[str, pl.DataType]) -> pa.Schema:
    return pa.schema([(name, _ARROW[dtype]) for name, dtype in columns.items()])


def limit_memory(con: duckdb.DuckDBPyConnection, temp_directory: str | Path | None = None,
                 memory_limit: str = DEFAULT_MEMORY_LIMIT) -> None:
    """Bound DuckDB's memory on ``con``: sorts, joins, aggregates and large inserts spill to
    ``temp_directory`` (DuckDB's default: ``<database>.tmp``) instead of growing."""
    con.execute(f"SET memory_limit = '{sql_literal(memory_limit)}'")
    if temp_directory is not None:
        con.execute(f"SET temp_directory = '{sql_literal(str(temp_directory))}'")


def sql_literal(text: str) -> str:
    """``text`` inside single quotes in SQL, where a statement takes no parameter."""
    return text.replace("'", "''")


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The staging tables pass 1 appends to, in ``con``'s default catalog."""
    for table, columns in _STAGING_TABLES.items():
        body = ", ".join(f"{name} {_SQL[dtype]}" for name, dtype in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")


def append(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Append one chunk of rows (dicts keyed by column) to a staging table."""
    if not rows:
        return
    chunk = pa.Table.from_pylist(rows, schema=_arrow_schema(_STAGING_TABLES[table]))
    # A relation, not con.register(): see Warehouse.insert.
    con.from_arrow(chunk).query(
        "_staging_chunk", f"INSERT INTO {table} BY NAME SELECT * FROM _staging_chunk")


def add_taken_ids(con: duckdb.DuckDBPyConnection, taken_ids: Mapping[str, Mapping[str, str]],
                  chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
    """Ids other batches hold, from a mapping kind -> {id: batch} (the pure path)."""
    append_chunked(con, "taken", ({"kind": kind, "id": record_id, "batch_id": batch}
                                  for kind, ids in taken_ids.items()
                                  for record_id, batch in ids.items()), chunk_rows)


def add_known_prompts(con: duckdb.DuckDBPyConnection, prompt_ids: Iterable[str],
                      chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
    append_chunked(con, "known_prompts", ({"id": prompt_id} for prompt_id in prompt_ids),
                   chunk_rows)


def add_known_tasks(con: duckdb.DuckDBPyConnection, task_ids: Iterable[str],
                    chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
    append_chunked(con, "known_tasks", ({"id": task_id} for task_id in task_ids), chunk_rows)


def append_chunked(con: duckdb.DuckDBPyConnection, table: str,
                   rows: Iterable[dict[str, Any]], chunk_rows: int) -> None:
    buffer: list[dict[str, Any]] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= chunk_rows:
            append(con, table, buffer)
            buffer = []
    append(con, table, buffer)


def add_taken_from_warehouse(con: duckdb.DuckDBPyConnection, warehouse_catalog: str,
                             batch_id: str) -> None:
    """Ids that other batches in the warehouse (attached as ``warehouse_catalog``) hold, for
    only the ids this batch uses: its records' ids and the prompts they reference."""
    wh = quote_identifier(warehouse_catalog)
    for kind, table in ((PROMPT, "prompts"), ("demonstration", "demonstrations"),
                        ("preference", "preference_pairs"), (RATING, "safety_ratings")):
        used = ("SELECT id FROM candidates WHERE kind = 'prompt' UNION ALL "
                "SELECT prompt_id FROM candidates WHERE kind <> 'prompt'"
                if kind == PROMPT else f"SELECT id FROM candidates WHERE kind = '{kind}'")
        con.execute(f"INSERT INTO taken SELECT '{kind}', id, batch_id FROM {wh}.main.{table} "
                    f"WHERE batch_id <> ? AND id IN ({used})", [batch_id])


def add_known_tasks_from_warehouse(con: duckdb.DuckDBPyConnection,
                                   warehouse_catalog: str) -> None:
    """The exported rating tasks (``rating_tasks`` of the warehouse attached as
    ``warehouse_catalog``) that this batch's ratings refer to."""
    wh = quote_identifier(warehouse_catalog)
    con.execute(f"INSERT INTO known_tasks SELECT task_id FROM {wh}.main.rating_tasks "
                f"WHERE task_id IN (SELECT task_id FROM candidates WHERE kind = '{RATING}')")


_SAME_RECORD = " AND ".join(f"c.{name} IS NOT DISTINCT FROM a.{name}" for name in RECORD_FIELDS)
_BEFORE_FIRST = "(p.row_number, p.seq) < (p.first_row, p.first_seq)"

# Pass 2. Candidates are taken kind by kind in (row_number, seq) order, prompts first, which
# a sequential reading of the rules would give:
# - an id another batch holds is refused naming that batch (an importer's record is skipped:
#   the same import already landed);
# - otherwise the first candidate of an id whose prompt reference is known is accepted (a
#   prompt is known if any prompt of this batch, of another batch or of known_prompts has its
#   id; every prompt candidate is either accepted or held by another batch; a rating's
#   reference is its task, known if known_tasks has it);
# - candidates of that id before it had an unknown prompt (or task); after it, they are
#   duplicates of it (an importer's identical record is skipped).
# Each statement joins narrow columns only, and verdicts holds only the candidates that are
# not accepted, so that DuckDB's hash tables stay small (and spill) on a large batch.
_RESOLVE = [
    """CREATE OR REPLACE TABLE taken_ids AS
        SELECT kind, id, min(batch_id) AS batch_id FROM taken GROUP BY kind, id""",
    """CREATE OR REPLACE TABLE prompt_ids AS
        SELECT id FROM candidates WHERE kind = 'prompt'
        UNION SELECT id FROM taken_ids WHERE kind = 'prompt'
        UNION SELECT id FROM known_prompts""",
    """CREATE OR REPLACE TABLE eligible AS
        SELECT c.seq, c.kind, c.id, c.row_number, c.derived, c.id_repr, c.prompt_id_repr,
               c.task_id_repr, t.batch_id AS taken_by,
               CASE c.kind WHEN 'prompt' THEN TRUE WHEN 'rating' THEN k.id IS NOT NULL
                    ELSE p.id IS NOT NULL END AS ref_known
        FROM candidates c
        LEFT JOIN taken_ids t ON t.kind = c.kind AND t.id = c.id
        LEFT JOIN prompt_ids p ON p.id = c.prompt_id
        LEFT JOIN (SELECT DISTINCT id FROM known_tasks) k ON k.id = c.task_id""",
    """CREATE OR REPLACE TABLE firsts AS
        SELECT kind, id, arg_min(seq, (row_number, seq)) AS first_seq,
               min(row_number) AS first_row
        FROM eligible WHERE taken_by IS NULL AND ref_known GROUP BY kind, id""",
    # Every candidate that is not its id's accepted one, beside the accepted one.
    """CREATE OR REPLACE TABLE placed AS
        SELECT e.seq, e.kind, e.row_number, e.derived, e.id_repr, e.prompt_id_repr,
               e.task_id_repr, e.taken_by, f.first_seq, f.first_row
        FROM eligible e LEFT JOIN firsts f ON f.kind = e.kind AND f.id = e.id
        WHERE f.first_seq IS DISTINCT FROM e.seq""",
    f"""CREATE OR REPLACE TABLE same_as_first AS
        SELECT p.seq FROM placed p
        JOIN candidates c ON c.seq = p.seq
        JOIN candidates a ON a.seq = p.first_seq
        WHERE p.derived AND p.taken_by IS NULL AND NOT {_BEFORE_FIRST} AND {_SAME_RECORD}""",
    # reason NULL: skipped silently (an importer's record already there).
    f"""CREATE OR REPLACE TABLE verdicts AS
        SELECT p.seq,
            CASE
                WHEN p.taken_by IS NOT NULL THEN CASE WHEN p.derived THEN NULL ELSE
                    'duplicate id ' || p.id_repr || ' (already in batch ' || b.batch_repr
                    || ')' END
                WHEN (p.first_seq IS NULL OR {_BEFORE_FIRST}) AND p.kind = 'rating'
                    THEN 'unknown task id ' || p.task_id_repr
                         || ' (no exported rating task has it)'
                WHEN p.first_seq IS NULL OR {_BEFORE_FIRST}
                    THEN 'unknown prompt id ' || p.prompt_id_repr
                WHEN s.seq IS NOT NULL THEN NULL
                ELSE 'duplicate id ' || p.id_repr || ' (already on row ' || p.first_row
                     || ' of this file)'
            END AS reason
        FROM placed p
        LEFT JOIN same_as_first s ON s.seq = p.seq
        LEFT JOIN batch_reprs b ON b.batch_id = p.taken_by""",
]


def resolve(con: duckdb.DuckDBPyConnection, batch_id: str, source_file: str) -> None:
    """Pass 2: decide every candidate, then write the accepted records of each kind and the
    quarantine (refusals of both passes) as tables, in row order."""
    # Batches are few; their reprs (quoted as Python quotes them) are made here, not in SQL.
    con.execute("CREATE OR REPLACE TABLE batch_reprs (batch_id VARCHAR, batch_repr VARCHAR)")
    batches = [row[0] for row in con.sql("SELECT DISTINCT batch_id FROM taken").fetchall()]
    if batches:
        reprs = pa.table({"batch_id": batches, "batch_repr": [repr(b) for b in batches]},
                         schema=pa.schema([("batch_id", pa.string()),
                                           ("batch_repr", pa.string())]))
        con.from_arrow(reprs).query(
            "_batch_reprs", "INSERT INTO batch_reprs SELECT * FROM _batch_reprs")
    for statement in _RESOLVE:
        con.execute(statement)
    _show_refused_payloads(con)
    for kind in KINDS:
        fields = ", ".join(f"c.{name}" for name in SCHEMAS[kind])
        con.execute(
            f"CREATE OR REPLACE TABLE {ACCEPTED_TABLES[kind]} AS "
            f"SELECT ?::VARCHAR AS batch_id, ?::VARCHAR AS source_file, c.row_number, {fields} "
            f"FROM candidates c ANTI JOIN verdicts v ON v.seq = c.seq "
            f"WHERE c.kind = '{kind}' ORDER BY c.row_number, c.seq",
            [batch_id, source_file])
    con.execute(
        f"CREATE OR REPLACE TABLE {QUARANTINE_TABLE} AS "
        f"SELECT batch_id, source_file, row_number, kind, record_id, reason, payload, "
        f"{QUARANTINE_ID_SQL} AS quarantine_id FROM ("
        "  SELECT ?::VARCHAR AS batch_id, ?::VARCHAR AS source_file, *,"
        "         row_number() OVER (PARTITION BY row_number ORDER BY seq) AS ordinal FROM ("
        "    SELECT seq, row_number, kind, record_id, reason, payload FROM refusals"
        "    UNION ALL"
        "    SELECT c.seq, c.row_number, c.kind, c.id, v.reason, c.payload"
        "    FROM candidates c JOIN verdicts v ON v.seq = c.seq WHERE v.reason IS NOT NULL"
        "  )"
        ") ORDER BY row_number NULLS LAST, ordinal",
        [batch_id, source_file])


def _show_refused_payloads(con: duckdb.DuckDBPyConnection) -> None:
    """A candidate proven in SQL carries no payload (pass 1 never made it one); those refused
    in pass 2 get theirs from their raw row, as the Python rules show a row."""
    con.execute(f"""CREATE OR REPLACE TABLE to_show AS
        SELECT c.seq, r.payload FROM candidates c JOIN verdicts v ON v.seq = c.seq
        JOIN raw r ON r.arrival = c.seq // {SEQ_STRIDE}
        WHERE v.reason IS NOT NULL AND c.payload IS NULL""")
    last = -1
    while True:   # in keyed chunks: a reader would not survive the updates in between
        chunk = con.sql("SELECT seq, payload FROM to_show WHERE seq > ? ORDER BY seq LIMIT ?",
                        params=[last, DEFAULT_CHUNK_ROWS]).fetchall()
        if not chunk:
            break
        last = chunk[-1][0]
        shown = pa.table({
            "seq": [seq for seq, _ in chunk],
            "shown": [shown_payload(json.loads(text)) for _, text in chunk]})
        con.from_arrow(shown).query("_shown", "UPDATE candidates SET payload = s.shown "
                                              "FROM _shown s WHERE candidates.seq = s.seq")
    con.execute("DROP TABLE to_show")


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def frames(con: duckdb.DuckDBPyConnection, query: str, chunk_rows: int,
           params: list[Any] | None = None) -> Iterator[pl.DataFrame]:
    """The result of ``query`` as polars frames of at most ``chunk_rows`` rows, streamed from
    DuckDB; one empty frame (with the columns) when there are no rows, so that a consumer
    always sees the schema."""
    reader = con.sql(query, params=params).to_arrow_reader(chunk_rows)
    empty = True
    for batch in reader:
        if batch.num_rows:
            empty = False
            yield pl.from_arrow(pa.Table.from_batches([batch]))  # type: ignore[misc]
    if empty:
        yield pl.from_arrow(reader.schema.empty_table())  # type: ignore[misc]
