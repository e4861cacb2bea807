"""Validating annotation rows into the three record kinds, quarantining the rest with a reason.

Pure logic: rows in, (valid frames per kind, quarantine frame) out. Nothing valid is ever
dropped because a neighbour is bad; every refused row keeps its file, row number and reason.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from safety_assets import hh_rlhf, taxonomy
from safety_assets.intake_parser import RawRow
from safety_assets.records import (
    DEMONSTRATION,
    KINDS,
    PREFERENCE,
    PROMPT,
    REQUIRED,
    SCHEMAS,
)

BATCH_COLUMNS: dict[str, pl.DataType] = {
    "batch_id": pl.String, "source_file": pl.String, "row_number": pl.Int64,
}
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.String, "source_file": pl.String, "row_number": pl.Int64,
    "kind": pl.String, "record_id": pl.String, "reason": pl.String, "payload": pl.String,
}
_TEXT_FIELDS = {PROMPT: ("text",), DEMONSTRATION: ("response",),
                PREFERENCE: ("chosen", "rejected")}
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
    strength: str = "better"
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

    @property
    def n_valid(self) -> int:
        return sum(frame.height for frame in self.valid.values())


@dataclass
class _Candidate:
    kind: str
    row_number: int
    record: dict[str, Any]
    payload: str
    derived: bool = False  # made by an importer: identical duplicates are the same record


@dataclass
class _Collector:
    batch_id: str
    source_file: str
    quarantined: list[dict[str, Any]] = field(default_factory=list)

    def refuse(self, row_number: int | None, reason: str, payload: str | None,
               kind: str | None = None, record_id: str | None = None) -> None:
        self.quarantined.append({
            "batch_id": self.batch_id, "source_file": self.source_file,
            "row_number": row_number, "kind": kind, "record_id": record_id,
            "reason": reason, "payload": None if payload is None else payload[:2000],
        })


def detect_kind(payload: Mapping[str, Any]) -> str:
    explicit = payload.get("kind")
    if explicit is not None:
        if not isinstance(explicit, str) or explicit.strip().lower() not in KINDS:
            raise RowError(f"unknown record kind {explicit!r} (expected one of {', '.join(KINDS)})")
        return explicit.strip().lower()
    if "chosen" in payload or "rejected" in payload:
        return PREFERENCE
    if "response" in payload:
        return DEMONSTRATION
    if "text" in payload:
        return PROMPT
    raise RowError("cannot tell the record kind: no 'text', 'response' or 'chosen'/'rejected' "
                   "field and no 'kind'")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and value.strip() == "")


def _string(payload: Mapping[str, Any], name: str, kind: str, limits: IntakeLimits,
            required: bool, is_id: bool = False) -> str | None:
    value = payload.get(name)
    if _missing(value):
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
    if _missing(value):
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
        if _missing(payload.get(name)):
            what = "empty text" if name in _TEXT_FIELDS[kind] else "missing required field"
            raise RowError(f"{what} '{name}'", kind, _safe_id(payload))
    record_id = _string(payload, "id", kind, limits, required=kind == PROMPT, is_id=True)
    try:
        if kind == PROMPT:
            return _prompt(payload, record_id, limits)
        if kind == DEMONSTRATION:
            return _demonstration(payload, record_id, limits)
        return _preference(payload, record_id, limits)
    except RowError as error:
        error.record_id = error.record_id or record_id
        error.kind = kind
        raise


def _safe_id(payload: Mapping[str, Any]) -> str | None:
    value = payload.get("id")
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
    if _missing(history):
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


def _payload_text(row: RawRow) -> str:
    if row.payload is None:
        return row.raw or ""
    try:
        return json.dumps(row.payload, ensure_ascii=False, default=str)[:2000]
    except (TypeError, ValueError):
        return repr(row.payload)[:2000]


def validate_batch(
    rows: Iterable[RawRow],
    *,
    batch_id: str,
    source_file: str,
    known_prompt_ids: set[str] | frozenset[str] = frozenset(),
    taken_ids: Mapping[str, Mapping[str, str]] | None = None,
    limits: IntakeLimits | None = None,
    hh_import: HHImportConfig | None = None,
) -> ValidationResult:
    """Validate one batch.

    ``known_prompt_ids`` are prompts already in the warehouse (other batches);
    ``taken_ids`` maps kind -> {id: batch that holds it} for duplicate detection across
    batches (this batch's own rows must be left out, so that re-running it is idempotent).
    """
    limits = limits or IntakeLimits()
    hh_import = hh_import or HHImportConfig()
    taken_ids = taken_ids or {}
    out = _Collector(batch_id, source_file)
    candidates: list[_Candidate] = []
    n_rows = 0
    for row in rows:
        n_rows += 1
        payload_text = _payload_text(row)
        if row.payload is None:
            out.refuse(row.row_number, row.error or "unreadable row", payload_text)
            continue
        try:
            if hh_rlhf.looks_like_hh(row.payload):
                pair = hh_rlhf.split_pair(str(row.payload["chosen"]),
                                          str(row.payload["rejected"]))
                # Both records or neither: a prompt without its pair would be noise.
                candidates.extend([
                    _Candidate(kind, row.row_number, normalize_record(record, kind, limits),
                               payload_text, derived=True)
                    for kind, record in hh_rlhf.to_records(
                        pair, hh_import.axis, hh_import.strength, hh_import.annotator)
                ])
                continue
            kind = detect_kind(row.payload)
            candidates.append(_Candidate(kind, row.row_number,
                                         normalize_record(row.payload, kind, limits),
                                         payload_text))
        except hh_rlhf.HHFormatError as error:
            out.refuse(row.row_number, f"bad HH-RLHF pair: {error}", payload_text, PREFERENCE)
        except RowError as error:
            out.refuse(row.row_number, error.reason, payload_text, error.kind, error.record_id)

    accepted: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    seen: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
    # Prompts first, so that a pair may come before its prompt in the same file.
    ordered = sorted(candidates, key=lambda c: (c.kind != PROMPT, c.row_number))
    for candidate in ordered:
        kind, record = candidate.kind, candidate.record
        record_id = record["id"]
        if record_id in seen[kind]:
            earlier = seen[kind][record_id]
            if candidate.derived and all(earlier[key] == value for key, value in record.items()):
                continue
            out.refuse(candidate.row_number,
                       f"duplicate id {record_id!r} (already on row "
                       f"{seen[kind][record_id]['row_number']} of this file)",
                       candidate.payload, kind, record_id)
            continue
        if record_id in taken_ids.get(kind, {}):
            if candidate.derived:
                continue  # the same imported prompt is already in the warehouse
            out.refuse(candidate.row_number,
                       f"duplicate id {record_id!r} (already in batch "
                       f"{taken_ids[kind][record_id]!r})", candidate.payload, kind, record_id)
            continue
        if kind != PROMPT:
            prompt_id = record["prompt_id"]
            known = (prompt_id in seen[PROMPT] or prompt_id in known_prompt_ids
                     or prompt_id in taken_ids.get(PROMPT, {}))
            if not known:
                out.refuse(candidate.row_number, f"unknown prompt id {prompt_id!r}",
                           candidate.payload, kind, record_id)
                continue
        row = {"batch_id": batch_id, "source_file": source_file,
               "row_number": candidate.row_number, **record}
        seen[kind][record_id] = row
        accepted[kind].append(row)

    valid = {
        kind: pl.DataFrame(accepted[kind], schema={**BATCH_COLUMNS, **SCHEMAS[kind]},
                           orient="row") if accepted[kind]
        else pl.DataFrame(schema={**BATCH_COLUMNS, **SCHEMAS[kind]})
        for kind in KINDS
    }
    quarantine = pl.DataFrame(out.quarantined, schema=QUARANTINE_SCHEMA, orient="row") \
        if out.quarantined else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return ValidationResult(valid=valid, quarantine=quarantine, n_rows=n_rows)


def file_error_record(batch_id: str, source_file: str, reason: str) -> pl.DataFrame:
    """A whole unreadable file as one quarantine record."""
    return pl.DataFrame([{"batch_id": batch_id, "source_file": source_file, "row_number": None,
                          "kind": None, "record_id": None, "reason": reason, "payload": None}],
                        schema=QUARANTINE_SCHEMA, orient="row")
