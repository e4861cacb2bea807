"""Reading annotation files row by row, in bounded memory, without ever raising on a bad row.

Each row comes back with its 1-based row number (the line for JSONL, the record for CSV,
the row for Parquet) and either a payload dict or the reason it could not be read. A file
that cannot be opened at all raises :class:`FileParseError`, which intake quarantines as one
record.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

SUPPORTED_SUFFIXES: tuple[str, ...] = (".jsonl", ".jsonl.gz", ".ndjson", ".csv", ".parquet")
DEFAULT_MAX_ROW_BYTES = 1_000_000
# Python's json module recurses; a hostile file of nested brackets must not blow the stack.
MAX_JSON_DEPTH = 64


class FileParseError(Exception):
    """The whole file is unreadable (unknown format, corrupt Parquet, bad CSV header)."""


@dataclass(frozen=True)
class RawRow:
    row_number: int
    payload: dict[str, Any] | None
    error: str | None = None
    raw: str | None = None


def file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in SUPPORTED_SUFFIXES:
        if name.endswith(suffix):
            return {".ndjson": ".jsonl"}.get(suffix, suffix)
    raise FileParseError(
        f"{path.name}: unsupported file type (expected one of {', '.join(SUPPORTED_SUFFIXES)})"
    )


def read_rows(path: Path, max_row_bytes: int = DEFAULT_MAX_ROW_BYTES) -> Iterator[RawRow]:
    """Yield every row of ``path``; bad rows carry an ``error`` instead of a payload."""
    fmt = file_format(path)
    if fmt == ".parquet":
        yield from _read_parquet(path)
        return
    opener = gzip.open if fmt.endswith(".gz") else open
    try:
        handle: BinaryIO = opener(path, "rb")  # type: ignore[assignment]
    except OSError as exc:
        raise FileParseError(f"{path.name}: cannot open: {exc}") from exc
    with handle:
        if fmt == ".csv":
            yield from _read_csv(handle, path, max_row_bytes)
        else:
            yield from _read_jsonl(handle, max_row_bytes)


def _bounded_lines(handle: BinaryIO, max_row_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line; None where the line is over the limit (it is skipped
    in chunks, never held whole)."""
    number = 0
    while True:
        try:
            line = handle.readline(max_row_bytes + 1)
        except (OSError, EOFError, zlib.error) as exc:  # truncated or corrupt gzip
            raise FileParseError(f"cannot read past line {number}: {exc}") from exc
        if not line:
            return
        number += 1
        if len(line) > max_row_bytes and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = handle.readline(max_row_bytes + 1)
            yield number, None
            continue
        yield number, line


def _too_deep(text: str) -> bool:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _read_jsonl(handle: BinaryIO, max_row_bytes: int) -> Iterator[RawRow]:
    for number, line in _bounded_lines(handle, max_row_bytes):
        if line is None:
            yield RawRow(number, None, f"row is larger than {max_row_bytes} bytes")
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield RawRow(number, None, f"not valid UTF-8: {exc.reason} at byte {exc.start}")
            continue
        if not text.strip():
            continue  # blank lines (a trailing newline, say) are not rows
        if _too_deep(text):
            yield RawRow(number, None, f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
                         text[:2000])
            continue
        try:
            payload = json.loads(text)
        except (json.JSONDecodeError, RecursionError, ValueError) as exc:
            yield RawRow(number, None, f"bad JSON: {exc}", text[:2000])
            continue
        if not isinstance(payload, dict):
            yield RawRow(number, None,
                         f"bad JSON: expected an object, got {type(payload).__name__}",
                         text[:2000])
            continue
        if _ESCAPED_SURROGATE.search(text) and _has_lone_surrogate(payload):
            yield RawRow(number, None, "bad JSON: a \\u escape names a lone UTF-16 surrogate "
                         "(not valid Unicode)", text[:2000])
            continue
        yield RawRow(number, payload)


# json.loads turns "\ud800" into a lone surrogate, which no UTF-8 consumer (polars, DuckDB)
# accepts; the regex only pre-filters, the encode decides (a valid pair is fine).
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(payload: dict[str, Any]) -> bool:
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_CSV_FIELD_LIMIT = re.compile(r"field larger than field limit")


class _PhysicalLines:
    """The lines csv.reader pulls, counting quote characters since the last whole record.

    On an error (a field over the limit) the csv module drops only the rest of the physical
    line; when the record goes on past a quoted newline, its tail would parse as new records
    and an open quote there would swallow the good rows after it. The quote count tells
    whether the record is still open, so its tail can be skipped.
    """

    def __init__(self, text: Iterator[str]) -> None:
        self._text = text
        self.quotes = 0

    def __iter__(self) -> _PhysicalLines:
        return self

    def __next__(self) -> str:
        line = next(self._text)
        self.quotes += line.count('"')
        return line

    def record_done(self) -> None:
        self.quotes = 0

    def skip_rest_of_record(self) -> None:
        while self.quotes % 2:
            try:
                next(self)
            except StopIteration:
                break
        self.quotes = 0


def _read_csv(handle: BinaryIO, path: Path, max_row_bytes: int) -> Iterator[RawRow]:
    csv.field_size_limit(max_row_bytes)
    # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte order mark, which would
    # otherwise stick to the first column's name.
    lines = _PhysicalLines(
        io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline=""))
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FileParseError(f"{path.name}: unreadable CSV header: {exc}") from exc
    header = [name.strip() for name in header]
    if len(set(header)) != len(header) or not all(header):
        raise FileParseError(f"{path.name}: CSV header has empty or repeated column names")
    lines.record_done()
    number = 0
    while True:
        number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            # The decoder cannot resynchronise inside a text stream: stop the file here.
            yield RawRow(number, None, f"not valid UTF-8: {exc.reason}; rest of file unread")
            return
        except csv.Error as exc:
            reason = str(exc)
            if _CSV_FIELD_LIMIT.search(reason):
                reason = f"row is larger than {max_row_bytes} bytes"
            lines.skip_rest_of_record()
            yield RawRow(number, None, f"bad CSV row: {reason}")
            continue
        lines.record_done()
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            yield RawRow(number, None,
                         f"bad CSV row: expected {len(header)} fields, got {len(values)}",
                         ",".join(values)[:2000])
            continue
        yield RawRow(number, dict(zip(header, values, strict=True)))


def _read_parquet(path: Path) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise FileParseError(f"{path.name}: unreadable Parquet: {exc}") from exc
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=4096):
            for payload in batch.to_pylist():
                number += 1
                yield _json_native_row(number, payload)
    except Exception as exc:  # corrupt pages: OSError, ArrowInvalid, UnicodeDecodeError, ...
        raise FileParseError(
            f"{path.name}: unreadable Parquet after row {number}: {exc}") from exc


def _json_native(value: Any) -> Any:
    """Parquet values as JSON would carry them, so that a row reads the same whether it is
    validated straight from the file or from intake's stored JSON copy."""
    if isinstance(value, dict):
        return {key: _json_native(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_native(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value


def _json_native_row(number: int, payload: dict[str, Any]) -> RawRow:
    from safety_assets.intake.records import FIELDS

    row = {}
    for key, value in payload.items():
        if isinstance(value, bytes | bytearray | memoryview):
            if key in FIELDS:
                # Binary is never text: refuse it here, before a JSON copy could stringify it.
                return RawRow(number, None, f"field '{key}' must be a string, got bytes")
            value = f"<{len(value)} bytes>"  # an extra column intake ignores anyway
        row[key] = value
    return RawRow(number, _json_native(row))
