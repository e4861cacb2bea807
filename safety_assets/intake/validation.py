"""Validating annotation rows into the record kinds, quarantining the rest with a reason.

Rows in, (valid frames per kind, quarantine frame) out. Nothing valid is ever dropped because
a neighbour is bad; every refused row keeps its file, row number and reason. Each row is
checked on its own here (pass 1, :class:`BatchStager`; the rows SQL can prove valid skip it,
see :mod:`safety_assets.intake.columnar_rules`, and every refusal is made here); what
depends on the whole batch
(repeated ids, ids of other batches, prompt and task references) is decided in SQL by
:mod:`safety_assets.intake.staging` (pass 2), so a batch of any size runs in bounded memory.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from safety_assets import taxonomy
from safety_assets.intake import columnar_rules, hh_rlhf, repairs, staging
from safety_assets.intake.parser import RawRow, shown_payload, stored_payload
from safety_assets.intake.records import (
    DEMONSTRATION,
    KINDS,
    PREFERENCE,
    PROMPT,
    RATING,
    RATING_SCALE,
    REQUIRED,
    SCHEMAS,
    is_missing,
)

BATCH_COLUMNS: dict[str, pl.DataType] = {
    "batch_id": pl.String, "source_file": pl.String, "row_number": pl.Int64,
}
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.String, "source_file": pl.String, "row_number": pl.Int64,
    "kind": pl.String, "record_id": pl.String, "reason": pl.String, "payload": pl.String,
    "quarantine_id": pl.String,
}
REPAIR_SCHEMA: dict[str, pl.DataType] = {
    "quarantine_id": pl.String, "batch_id": pl.String, "row_number": pl.Int64,
    "payload": pl.String, "source_row": pl.Int64,
}
_TEXT_FIELDS = {PROMPT: ("text",), DEMONSTRATION: ("response",),
                PREFERENCE: ("chosen", "rejected"), RATING: ()}
# After every row's arrival (a batch has far fewer rows), so file errors come last.
_FILE_ERROR_ARRIVAL = 1 << 40
_TRUE = {"true", "1", "yes", "y", "safe", "t"}
_FALSE = {"false", "0", "no", "n", "unsafe", "f"}


@dataclass(frozen=True)
class IntakeLimits:
    """Bounds a row must respect. Llama 2's context is 4,096 tokens, about 16k characters;
    twice that leaves room for long dialogues while refusing pasted documents."""

    max_text_chars: int = 32_000
    max_id_chars: int = 200


@dataclass(frozen=True)
class HHImportConfig:
    axis: str = "safety"
    # HH-RLHF records no strength: "negligibly better / unsure", margin 0 (not an invented 2).
    strength: str = "negligibly_better"
    annotator: str = "hh-rlhf"


class RowError(ValueError):
    """A row refused, with the reason a person reads in the quarantine table."""

    def __init__(self, reason: str, kind: str | None = None, record_id: str | None = None):
        super().__init__(reason)
        self.reason, self.kind, self.record_id = reason, kind, record_id


@dataclass
class ValidationResult:
    valid: dict[str, pl.DataFrame]
    quarantine: pl.DataFrame
    n_rows: int
    # rows of a repair file that name a known quarantined row: which batch and row each
    # repairs, with its corrected fields (safety_assets.intake.repairs)
    repairs: pl.DataFrame | None = None

    @property
    def n_valid(self) -> int:
        return sum(frame.height for frame in self.valid.values())


def detect_kind(payload: Mapping[str, Any]) -> str:
    explicit = payload.get("kind")
    if explicit is not None:
        if not isinstance(explicit, str) or explicit.strip().lower() not in KINDS:
            raise RowError(f"unknown record kind {explicit!r} (expected one of {', '.join(KINDS)})")
        return explicit.strip().lower()
    # First: the exported rating sheet carries a 'response' column too. Both fields, not a task
    # id alone: other tools' exports of pairs or demonstrations may carry a task_id.
    if "task_id" in payload and "rating" in payload:
        return RATING
    if "chosen" in payload or "rejected" in payload:
        return PREFERENCE
    if "response" in payload:
        return DEMONSTRATION
    if "text" in payload:
        return PROMPT
    raise RowError("cannot tell the record kind: no 'text', 'response', 'chosen'/'rejected' "
                   "or 'task_id' and 'rating' field and no 'kind'")


def _string(payload: Mapping[str, Any], name: str, kind: str, limits: IntakeLimits,
            required: bool, is_id: bool = False) -> str | None:
    value = payload.get(name)
    if is_missing(value):
        if required:
            what = "text" if name in _TEXT_FIELDS.get(kind, ()) else "value"
            raise RowError(f"empty {what} in required field '{name}'", kind)
        return None
    if is_id and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise RowError(f"field '{name}' must be a string, got {type(value).__name__}", kind)
    if "\x00" in value:
        raise RowError(f"field '{name}' contains a NUL byte", kind)
    limit = limits.max_id_chars if is_id else limits.max_text_chars
    if len(value) > limit:
        raise RowError(f"field '{name}' has {len(value)} characters, over the limit of {limit}",
                       kind)
    return value.strip() if is_id else value


def _boolean(payload: Mapping[str, Any], name: str, kind: str) -> bool | None:
    value = payload.get(name)
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise RowError(f"field '{name}' must be a boolean (true/false, safe/unsafe), got {value!r}",
                   kind)


def _content_id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{hashlib.sha1(chr(0).join(parts).encode()).hexdigest()[:16]}"


def normalize_record(payload: Mapping[str, Any], kind: str, limits: IntakeLimits
                     ) -> dict[str, Any]:
    """The record's fields, typed and checked against the taxonomy; RowError if refused."""
    for name in REQUIRED[kind]:
        if is_missing(payload.get(name)):
            what = "empty text" if name in _TEXT_FIELDS[kind] else "missing required field"
            raise RowError(f"{what} '{name}'", kind,
                           _safe_id(payload, "task_id" if kind == RATING else "id"))
    # A rating's id is its task and rater (never the file's), so it is not read.
    record_id = None if kind == RATING else _string(payload, "id", kind, limits,
                                                    required=kind == PROMPT, is_id=True)
    try:
        if kind == PROMPT:
            return _prompt(payload, record_id, limits)
        if kind == DEMONSTRATION:
            return _demonstration(payload, record_id, limits)
        if kind == RATING:
            return _rating(payload, limits)
        return _preference(payload, record_id, limits)
    except RowError as error:
        error.record_id = error.record_id or record_id
        error.kind = kind
        raise


def _safe_id(payload: Mapping[str, Any], name: str = "id") -> str | None:
    value = payload.get(name)
    return str(value)[:200] if isinstance(value, str | int) else None


def _prompt(payload: Mapping[str, Any], record_id: str | None, limits: IntakeLimits
            ) -> dict[str, Any]:
    text = _string(payload, "text", PROMPT, limits, required=True)
    category = taxonomy.normalize_name(
        _string(payload, "risk_category", PROMPT, limits, required=True) or "")
    if category not in taxonomy.RISK_CATEGORY_NAMES:
        raise RowError(f"unknown risk category {payload.get('risk_category')!r}")
    subcategory = _string(payload, "subcategory", PROMPT, limits, required=False)
    if subcategory is not None:
        subcategory = taxonomy.normalize_name(subcategory)
        if subcategory not in taxonomy.SUBCATEGORIES[category]:
            raise RowError(f"unknown subcategory {payload.get('subcategory')!r} "
                           f"for risk category '{category}'")
    vector = taxonomy.normalize_name(
        _string(payload, "attack_vector", PROMPT, limits, required=True) or "")
    if vector not in taxonomy.ATTACK_VECTOR_NAMES:
        raise RowError(f"unknown attack vector {payload.get('attack_vector')!r}")
    history = payload.get("history")
    if is_missing(history):
        history_json = "[]"
    else:
        try:
            turns = json.loads(history) if isinstance(history, str) else history
            if not isinstance(turns, list) or not all(
                isinstance(t, list | tuple) and len(t) == 2 and all(isinstance(x, str) for x in t)
                for t in turns
            ):
                raise ValueError
        except (ValueError, TypeError) as exc:
            raise RowError("field 'history' must be a JSON list of [user, assistant] "
                           "string pairs") from exc
        history_json = json.dumps([list(t) for t in turns], ensure_ascii=False)
        if len(history_json) > limits.max_text_chars:
            raise RowError(f"field 'history' has {len(history_json)} characters, over the "
                           f"limit of {limits.max_text_chars}")
    return {
        "id": record_id, "text": text, "history": history_json, "risk_category": category,
        "subcategory": subcategory, "attack_vector": vector,
        "language": (_string(payload, "language", PROMPT, limits, False, is_id=True) or "en"
                     ).lower(),
        "annotator": _string(payload, "annotator", PROMPT, limits, False, is_id=True)
        or "unknown",
    }


def _demonstration(payload: Mapping[str, Any], record_id: str | None, limits: IntakeLimits
                   ) -> dict[str, Any]:
    prompt_id = _string(payload, "prompt_id", DEMONSTRATION, limits, True, is_id=True) or ""
    response = _string(payload, "response", DEMONSTRATION, limits, required=True) or ""
    return {
        "id": record_id or _content_id("d", prompt_id, response),
        "prompt_id": prompt_id, "response": response,
        "annotator": _string(payload, "annotator", DEMONSTRATION, limits, False, is_id=True)
        or "unknown",
    }


def _preference(payload: Mapping[str, Any], record_id: str | None, limits: IntakeLimits
                ) -> dict[str, Any]:
    prompt_id = _string(payload, "prompt_id", PREFERENCE, limits, True, is_id=True) or ""
    chosen = _string(payload, "chosen", PREFERENCE, limits, required=True) or ""
    rejected = _string(payload, "rejected", PREFERENCE, limits, required=True) or ""
    if chosen.strip() == rejected.strip():
        raise RowError("chosen and rejected responses are the same")
    raw_strength = _string(payload, "strength", PREFERENCE, limits, required=True) or ""
    strength = taxonomy.normalize_strength(raw_strength)
    if strength is None:
        raise RowError(f"unknown preference strength {raw_strength!r} (expected one of "
                       f"{', '.join(taxonomy.PREFERENCE_STRENGTHS)})")
    axis = taxonomy.normalize_name(
        _string(payload, "axis", PREFERENCE, limits, required=True) or "")
    if axis not in taxonomy.PREFERENCE_AXES:
        raise RowError(f"unknown preference axis {payload.get('axis')!r} "
                       f"(expected safety or helpfulness)")
    return {
        "id": record_id or _content_id("r", prompt_id, chosen, rejected),
        "prompt_id": prompt_id, "chosen": chosen, "rejected": rejected,
        "strength": strength, "axis": axis,
        "chosen_safe": _boolean(payload, "chosen_safe", PREFERENCE),
        "rejected_safe": _boolean(payload, "rejected_safe", PREFERENCE),
        "annotator": _string(payload, "annotator", PREFERENCE, limits, False, is_id=True)
        or "unknown",
    }


def _shown(value: Any) -> str:
    """``value`` as a reason quotes it, bounded (a JSON integer may have 4,000 digits)."""
    try:
        text = repr(value)
    except ValueError:  # an int over Python's digit limit for str()
        return "a number of over 4,300 digits"
    return text if len(text) <= 40 else text[:40] + "..."


def _likert(value: Any) -> int:
    """A rating on the Likert scale: a whole number, as an int, a float (3.0, as Parquet or a
    spreadsheet may give it) or a string ("3", as CSV gives every value)."""
    low, high = RATING_SCALE
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not float(number).is_integer():
        raise RowError(f"rating must be a whole number from {low} to {high} (Likert scale), "
                       f"got {_shown(value)}")
    if not low <= number <= high:
        raise RowError(f"rating {_shown(value)} is outside the Likert scale {low} to {high}")
    return int(number)


def _rating(payload: Mapping[str, Any], limits: IntakeLimits) -> dict[str, Any]:
    task_id = _string(payload, "task_id", RATING, limits, True, is_id=True) or ""
    try:
        rating = _likert(payload.get("rating"))
    except RowError as error:
        error.record_id = task_id
        raise
    # One rating per task and rater: an unnamed rater is 'unknown', as an annotator is.
    rater = _string(payload, "rater", RATING, limits, False, is_id=True) or "unknown"
    return {"id": f"{task_id}/{rater}", "task_id": task_id, "rating": rating, "rater": rater,
            "comment": _string(payload, "comment", RATING, limits, required=False)}


def _payload_text(row: RawRow) -> str:
    return (row.raw or "") if row.payload is None else shown_payload(row.payload)


class BatchStager:
    """Pass 1 of a batch's validation: each row normalized on its own, its candidate records
    or its refusal appended to the staging tables of ``con`` a chunk at a time (see
    :mod:`safety_assets.intake.staging`, whose :func:`~safety_assets.intake.staging.resolve`
    is pass 2)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, limits: IntakeLimits | None = None,
                 hh_import: HHImportConfig | None = None,
                 chunk_rows: int = staging.DEFAULT_CHUNK_ROWS) -> None:
        self.con = con
        self.limits = limits or IntakeLimits()
        self.hh_import = hh_import or HHImportConfig()
        self.chunk_rows = max(1, chunk_rows)
        self.n_rows = 0
        # A record's seq is its row's arrival * SEQ_STRIDE plus its place in the row, so
        # that rows proven in SQL (columnar_rules) and rows checked here interleave in order.
        self._arrival = 0
        self._in_row = 0
        self._file_errors = 0
        self._candidates: list[dict[str, Any]] = []
        self._refusals: list[dict[str, Any]] = []
        self._repair_requests: list[dict[str, Any]] = []

    def add_row(self, row: RawRow, arrival: int | None = None) -> None:
        """Check one row; ``arrival`` is its place in the batch (default: after the last)."""
        self.n_rows += 1
        self._arrival = self._arrival + 1 if arrival is None else arrival
        self._in_row = 0
        payload_text = _payload_text(row)
        if row.payload is None:
            self._refuse(row.row_number, row.error or "unreadable row", payload_text)
        elif (request := repairs.repair_request(row.payload)) is not None:
            quarantine_id, fields = request
            self._repair_requests.append({
                "seq": self._next_seq(), "row_number": row.row_number,
                "quarantine_id": quarantine_id[:self.limits.max_id_chars],
                "id_repr": _shown(quarantine_id), "payload": fields})
        else:
            try:
                if hh_rlhf.looks_like_hh(row.payload):
                    pair = hh_rlhf.split_pair(str(row.payload["chosen"]),
                                              str(row.payload["rejected"]))
                    # Both records or neither: a prompt without its pair would be noise.
                    records = [(kind, normalize_record(record, kind, self.limits))
                               for kind, record in hh_rlhf.to_records(
                                   pair, self.hh_import.axis, self.hh_import.strength,
                                   self.hh_import.annotator)]
                    for kind, record in records:
                        self._candidate(kind, row.row_number, record, payload_text, True)
                else:
                    kind = detect_kind(row.payload)
                    self._candidate(kind, row.row_number,
                                    normalize_record(row.payload, kind, self.limits),
                                    payload_text, False)
            except hh_rlhf.HHFormatError as error:
                self._refuse(row.row_number, f"bad HH-RLHF pair: {error}", payload_text,
                             PREFERENCE)
            except RowError as error:
                self._refuse(row.row_number, error.reason, payload_text, error.kind,
                             error.record_id)
        if self.n_rows % self.chunk_rows == 0:
            self.flush()

    def add_file_error(self, reason: str) -> None:
        """A whole unreadable file, as one refusal without a row number, after every row."""
        self._file_errors += 1
        self._arrival, self._in_row = _FILE_ERROR_ARRIVAL + self._file_errors, 0
        self._refuse(None, reason, None)

    def flush(self) -> None:
        staging.append(self.con, "candidates", self._candidates)
        staging.append(self.con, "refusals", self._refusals)
        staging.append(self.con, "repair_requests", self._repair_requests)
        self._candidates, self._refusals, self._repair_requests = [], [], []

    def _next_seq(self) -> int:
        if self._in_row >= staging.SEQ_STRIDE:
            raise ValueError(f"a row made over {staging.SEQ_STRIDE} records")
        self._in_row += 1
        return self._arrival * staging.SEQ_STRIDE + self._in_row - 1

    def _candidate(self, kind: str, row_number: int, record: dict[str, Any], payload: str,
                   derived: bool) -> None:
        prompt_id, task_id = record.get("prompt_id"), record.get("task_id")
        self._candidates.append({
            **record, "seq": self._next_seq(), "kind": kind, "row_number": row_number,
            "derived": derived, "payload": payload, "id_repr": repr(record["id"]),
            "prompt_id_repr": None if prompt_id is None else repr(prompt_id),
            "task_id_repr": None if task_id is None else repr(task_id),
        })

    def _refuse(self, row_number: int | None, reason: str, payload: str | None,
                kind: str | None = None, record_id: str | None = None) -> None:
        self._refusals.append({
            "seq": self._next_seq(), "row_number": row_number, "kind": kind,
            "record_id": record_id, "reason": reason,
            "payload": None if payload is None else payload[:2000],
        })


def stage_raw_rows(con: duckdb.DuckDBPyConnection, *, limits: IntakeLimits | None = None,
                   hh_import: HHImportConfig | None = None,
                   chunk_rows: int = staging.DEFAULT_CHUNK_ROWS, columnar: bool = True) -> int:
    """Pass 1 over the table ``raw`` of ``con`` (``staging``'s raw table: each row's place
    in the batch, its number, its JSON payload or why it is unreadable; ``arrival`` NULL: a
    whole-file error). The rows SQL proves valid become candidates in one statement
    (:mod:`columnar_rules`, unless ``columnar`` is off); every other row goes through the
    Python rules. Returns the number of rows."""
    limits = limits or IntakeLimits()
    staging.create_tables(con)
    if columnar:
        n_proven = columnar_rules.stage_proven_rows(con, limits.max_text_chars,
                                                    limits.max_id_chars)
    else:
        n_proven = 0
        con.execute("CREATE OR REPLACE TABLE proven (arrival BIGINT)")
    stager = BatchStager(con, limits=limits, hh_import=hh_import, chunk_rows=chunk_rows)
    rest = ("SELECT arrival, row_number, payload, parse_error, raw_text FROM raw "
            "ANTI JOIN proven USING (arrival) WHERE arrival IS NOT NULL ORDER BY arrival")
    # The reader streams on its own cursor while the stager appends on the connection.
    for frame in staging.frames(con.cursor(), rest, chunk_rows):
        for arrival, number, payload, error, raw in frame.iter_rows():
            stager.add_row(RawRow(number, None if payload is None else json.loads(payload),
                                  error, raw), arrival)
    for (reason,) in con.sql("SELECT parse_error FROM raw WHERE arrival IS NULL "
                             "ORDER BY parse_error").fetchall():
        stager.add_file_error(reason)
    stager.flush()
    return stager.n_rows + n_proven


def validate_batch(
    rows: Iterable[RawRow],
    *,
    batch_id: str,
    source_file: str,
    known_prompt_ids: set[str] | frozenset[str] = frozenset(),
    known_task_ids: set[str] | frozenset[str] = frozenset(),
    taken_ids: Mapping[str, Mapping[str, str]] | None = None,
    known_quarantine: Mapping[str, tuple[str, int | None]] | None = None,
    limits: IntakeLimits | None = None,
    hh_import: HHImportConfig | None = None,
    chunk_rows: int = staging.DEFAULT_CHUNK_ROWS,
    columnar: bool = True,
) -> ValidationResult:
    """Validate one batch.

    ``known_prompt_ids`` are prompts already in the warehouse (other batches);
    ``known_task_ids`` the exported rating tasks (``rating_tasks``) ratings may refer to;
    ``taken_ids`` maps kind -> {id: batch that holds it} for duplicate detection across
    batches (this batch's own rows must be left out, so that re-running it is idempotent);
    ``known_quarantine`` maps the quarantine ids a repair row may name to the (batch, row)
    each is (``repairs``: the requests that named one).
    Runs the same two passes as the intake asset, in an in-memory DuckDB: the rows are staged
    as the asset stores them (JSON text), then :func:`stage_raw_rows` and pass 2.
    ``chunk_rows`` is how many rows go to DuckDB at a time and ``columnar`` whether SQL may
    prove rows valid (neither changes the outcome: tests hold the two paths equal).
    """
    with duckdb.connect() as con:
        staging.create_tables(con)
        staging.append_chunked(con, "raw", (
            {"arrival": arrival, "row_number": row.row_number,
             "payload": stored_payload(row.payload), "parse_error": row.error,
             "raw_text": row.raw} for arrival, row in enumerate(rows, start=1)), chunk_rows)
        n_rows = stage_raw_rows(con, limits=limits, hh_import=hh_import,
                                chunk_rows=chunk_rows, columnar=columnar)
        staging.add_taken_ids(con, taken_ids or {}, chunk_rows)
        staging.add_known_prompts(con, known_prompt_ids, chunk_rows)
        staging.add_known_tasks(con, known_task_ids, chunk_rows)
        repairs.add_known_quarantine(con, known_quarantine or {}, chunk_rows)
        repairs.resolve(con, batch_id)
        staging.resolve(con, batch_id, source_file)
        valid = {kind: con.sql(f"SELECT * FROM {staging.ACCEPTED_TABLES[kind]}").pl()
                 .cast({**BATCH_COLUMNS, **SCHEMAS[kind]}) for kind in KINDS}
        quarantine = con.sql(f"SELECT * FROM {staging.QUARANTINE_TABLE}").pl() \
            .cast(QUARANTINE_SCHEMA)
        accepted_repairs = con.sql(f"SELECT * FROM {staging.ACCEPTED_REPAIRS_TABLE}").pl() \
            .cast(REPAIR_SCHEMA)
    return ValidationResult(valid=valid, quarantine=quarantine, n_rows=n_rows,
                            repairs=accepted_repairs)


def file_error_record(batch_id: str, source_file: str, reason: str) -> pl.DataFrame:
    """A whole unreadable file as one quarantine record."""
    return pl.DataFrame([{"batch_id": batch_id, "source_file": source_file, "row_number": None,
                          "kind": None, "record_id": None, "reason": reason, "payload": None,
                          "quarantine_id": staging.quarantine_id(batch_id, None)}],
                        schema=QUARANTINE_SCHEMA, orient="row")
