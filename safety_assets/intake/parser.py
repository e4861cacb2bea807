"""Reading annotation files row by row, in bounded memory, without ever raising on a bad row.

Each row comes back with its 1-based row number (the line for JSONL, the record for CSV and
TSV, the element for a JSON array, the row for Parquet) and either a payload dict or the
reason it could not be read. A file that cannot be read at all raises
:class:`FileParseError`, which intake quarantines as one record.

Files come as tools write them, so the text formats accept their usual variants:

- encodings: UTF-8 with or without a byte order mark (Notepad, Excel's "CSV UTF-8"), UTF-16
  with its mark (Excel's "Unicode text"), and Windows-1252 (Excel's plain "CSV" in Western
  locales) when a file is not UTF-8 and holds no UTF-8 sequence at all. A file that is UTF-8
  except for a few bytes stays UTF-8: only the rows holding those bytes are refused;
- CSV delimiters: the one of ``,`` ``;`` (Excel where the decimal mark is a comma), tab and
  ``|`` that splits the header into the most columns; ``.tsv`` is always tab-separated;
- CSV headers: names are matched without case, spaces or hyphens ("Risk Category" is
  ``risk_category``); unnamed columns (a pandas index, Excel's trailing empty cells) are
  ignored. A header that lacks a required column of every record kind is one file error that
  lists the columns the file has and the closest match, not one refusal per row;
- ``.json``: an array of records (pandas ``orient="records"``, most export buttons), read one
  element at a time;
- ``.xlsx`` (Excel, LibreOffice, pandas ``to_excel``): the first sheet, streamed, its first
  non-empty row the header (matched as a CSV header is). Cells keep their types: a whole
  number is an int (a spreadsheet stores every number as a float), a date its ISO text, a
  formula the value the program last computed. Row numbers count data rows, as in a CSV, so
  row 1 is the sheet's row 2 under a one-line header.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import decimal
import difflib
import gzip
import io
import itertools
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

SUPPORTED_SUFFIXES: tuple[str, ...] = (".jsonl", ".jsonl.gz", ".ndjson", ".csv", ".tsv",
                                       ".json", ".parquet", ".xlsx")
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


def stored_payload(payload: dict[str, Any] | None) -> str | None:
    """A row's payload as JSON text, as ``raw_records`` and validation's staging hold it."""
    return None if payload is None else json.dumps(payload, ensure_ascii=False, default=str)


def shown_payload(payload: dict[str, Any]) -> str:
    """A payload as a quarantine record shows it: JSON, at most 2,000 characters."""
    try:
        return json.dumps(payload, ensure_ascii=False, default=str)[:2000]
    except (TypeError, ValueError):
        return repr(payload)[:2000]


def file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in SUPPORTED_SUFFIXES:
        if name.endswith(suffix):
            return {".ndjson": ".jsonl"}.get(suffix, suffix)
    hint = (" (a spreadsheet's tab-separated 'Unicode text' export can be renamed .tsv)"
            if name.endswith(".txt") else
            " (save the sheet as .xlsx or CSV: the old binary .xls/.ods formats are not read)"
            if name.endswith((".xls", ".ods")) else "")
    raise FileParseError(
        f"{path.name}: unsupported file type (expected one of "
        f"{', '.join(SUPPORTED_SUFFIXES)}){hint}"
    )


def read_rows(path: Path, max_row_bytes: int = DEFAULT_MAX_ROW_BYTES) -> Iterator[RawRow]:
    """Yield every row of ``path``; bad rows carry an ``error`` instead of a payload."""
    fmt = file_format(path)
    if fmt == ".parquet":
        yield from _read_parquet(path)
        return
    if fmt == ".xlsx":
        yield from _read_xlsx(path, max_row_bytes)
        return
    opener = gzip.open if fmt.endswith(".gz") else open
    try:
        handle: BinaryIO = opener(path, "rb")  # type: ignore[assignment]
    except OSError as exc:
        raise FileParseError(f"{path.name}: cannot open: {exc}") from exc
    with handle:
        if fmt in (".csv", ".tsv"):
            encoding = text_encoding(path, opener)
            yield from _read_csv(handle, path, max_row_bytes, encoding,
                                 delimiter="\t" if fmt == ".tsv" else None)
        elif fmt == ".json":
            yield from _label_studio_rows(_read_json_array(handle, path, max_row_bytes))
        else:
            yield from _read_jsonl(handle, max_row_bytes)


# Well-formed UTF-8 sequences of two to four bytes. Windows-1252 text almost never holds one
# ("Ã©" is how UTF-8 looks when read as 1252, not what people type).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}"
    rb"|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def text_encoding(path: Path, opener: Any = open) -> str:
    """The encoding a text export was written in (see the module docstring): a byte order
    mark decides; else UTF-8, unless the file is not UTF-8 and holds no UTF-8 sequence, which
    is Windows-1252. One streaming pass, in 1 MiB chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid, multibyte, tail = True, False, b""
    with opener(path, "rb") as handle:
        for index, chunk in enumerate(iter(lambda: handle.read(1 << 20), b"")):
            if index == 0:
                if chunk.startswith(codecs.BOM_UTF8):
                    return "utf-8-sig"
                if chunk[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                    return "utf-16"
            if valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
            if not multibyte:
                # a sequence may straddle two chunks: keep the last 3 bytes
                multibyte = _UTF8_MULTIBYTE.search(tail + chunk) is not None
                tail = chunk[-3:]
            if not valid and multibyte:
                return "utf-8"
        if valid:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                valid = False
    return "utf-8" if valid or multibyte else "cp1252"


_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16",
                   "cp1252": "Windows-1252"}


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
            yield too_large_row(number, max_row_bytes)
            continue
        row = jsonl_row(number, line)
        if row is not None:
            yield row


def too_large_row(number: int, max_row_bytes: int) -> RawRow:
    return RawRow(number, None, f"row is larger than {max_row_bytes} bytes")


def jsonl_row(number: int, line: bytes) -> RawRow | None:
    """Line ``number`` of a JSONL file as a row, or None for a blank line (not a row)."""
    if number == 1 and line.startswith(codecs.BOM_UTF8):
        line = line[len(codecs.BOM_UTF8):]   # Notepad's "UTF-8" starts with a mark
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RawRow(number, None, f"not valid UTF-8: {exc.reason} at byte {exc.start}")
    if not text.strip():
        return None  # blank lines (a trailing newline, say) are not rows
    if _too_deep(text):
        return RawRow(number, None, f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
                      text[:2000])
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        return RawRow(number, None, f"bad JSON: {exc}", text[:2000])
    if not isinstance(payload, dict):
        return RawRow(number, None,
                      f"bad JSON: expected an object, got {type(payload).__name__}",
                      text[:2000])
    if _ESCAPED_SURROGATE.search(text) and _has_lone_surrogate(payload):
        return RawRow(number, None, "bad JSON: a \\u escape names a lone UTF-16 surrogate "
                      "(not valid Unicode)", text[:2000])
    return RawRow(number, payload)


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


_DELIMITERS = (",", ";", "\t", "|")
# Surrogates that surrogateescape puts in place of bytes the encoding cannot decode.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most columns (``,`` on a tie)."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d), [])) for d in _DELIMITERS}
    best = max(counts.values())
    return next(d for d in _DELIMITERS if counts[d] == best)


def normalize_column(name: str) -> str:
    """A header name as intake matches it: no case, spaces or hyphens at either end or
    inside ("Risk Category" -> "risk_category")."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower()).strip("_")


def _unnamed(name: str) -> bool:
    return not name or re.fullmatch(r"unnamed:?_?\d*", name) is not None


def _check_columns(path: Path, header: list[str]) -> None:
    """One clear file error when no record kind can be read from these columns."""
    from safety_assets.intake.records import REQUIRED

    present = set(header)
    if "kind" in present or "quarantine_id" in present:
        # A mixed file (each row says its kind, and is checked on its own), or a repair file
        # (each row gives only the fields it corrects).
        return
    missing = {kind: [c for c in required if c not in present]
               for kind, required in REQUIRED.items()}
    if any(not m for m in missing.values()):
        return
    kind = min(missing, key=lambda k: (len(missing[k]), list(REQUIRED).index(k)))
    hints = []
    for column in missing[kind]:
        close = difflib.get_close_matches(column, header, n=1, cutoff=0.6)
        hints.append(f"'{column}'" + (f" (closest column: '{close[0]}')" if close else ""))
    raise FileParseError(
        f"{path.name}: the header has no column {', '.join(hints)}, which a {kind} "
        f"needs (a {kind} needs {', '.join(REQUIRED[kind])}); the file's columns are: "
        f"{', '.join(header)}")


def _escaped_bytes_reason(values: Iterable[str], header: list[str], encoding: str) -> str | None:
    for name, value in zip(header, values, strict=False):
        found = _ESCAPED_BYTE.search(value)
        if found:
            byte = ord(found.group()) - 0xDC00
            return (f"not valid {_ENCODING_NAMES.get(encoding, encoding)}: byte 0x{byte:02x} "
                    f"in column '{name}' (the rest of the file reads as "
                    f"{_ENCODING_NAMES.get(encoding, encoding)})")
    return None


def _read_csv(handle: BinaryIO, path: Path, max_row_bytes: int, encoding: str = "utf-8",
              delimiter: str | None = None) -> Iterator[RawRow]:
    csv.field_size_limit(max_row_bytes)
    # surrogateescape: a byte the encoding cannot decode costs its row only; the decoder
    # could not resynchronise after a strict error, and every row after it would be lost.
    text = io.TextIOWrapper(handle, encoding=encoding, errors="surrogateescape", newline="")
    name = _ENCODING_NAMES.get(encoding, encoding)
    try:
        first = next(text, None)
    except UnicodeDecodeError as exc:
        # surrogateescape covers single bytes only: a broken UTF-16 unit still raises
        raise FileParseError(f"{path.name}: unreadable CSV header: not valid {name} "
                             f"({exc.reason})") from exc
    if first is None:
        return
    if delimiter is None:
        delimiter = _sniff_delimiter(first)
    lines = _PhysicalLines(itertools.chain([first], text))
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        raw_header = next(reader)
    except StopIteration:
        return
    except UnicodeDecodeError as exc:
        raise FileParseError(f"{path.name}: unreadable CSV header: not valid {name} "
                             f"({exc.reason})") from exc
    except csv.Error as exc:
        raise FileParseError(f"{path.name}: unreadable CSV header: {exc}") from exc
    if any(_ESCAPED_BYTE.search(column) for column in raw_header):
        raise FileParseError(f"{path.name}: unreadable CSV header: not valid {name} text")
    header = [normalize_column(name) for name in raw_header]
    keep = [i for i, name in enumerate(header) if not _unnamed(name)]
    named = [header[i] for i in keep]
    repeated = sorted({n for n in named if named.count(n) > 1})
    if repeated or not named:
        raise FileParseError(
            f"{path.name}: CSV header has " + (
                f"repeated column names {repeated} (after ignoring case and spaces)"
                if repeated else "no named columns"))
    _check_columns(path, named)
    lines.record_done()
    number = 0
    while True:
        number += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            # The decoder cannot resynchronise inside a UTF-16 stream: stop the file here.
            yield RawRow(number, None, f"not valid {name}: {exc.reason}; rest of file unread")
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
                         _ESCAPED_BYTE.sub("\ufffd", delimiter.join(values))[:2000])
            continue
        bad_bytes = _escaped_bytes_reason(values, header, encoding)
        if bad_bytes:
            yield RawRow(number, None, bad_bytes,
                         _ESCAPED_BYTE.sub("\ufffd", delimiter.join(values))[:2000])
            continue
        yield RawRow(number, {header[i]: values[i] for i in keep})


def _read_json_array(handle: BinaryIO, path: Path, max_row_bytes: int) -> Iterator[RawRow]:
    """The elements of a top-level JSON array, one at a time (bounded by ``max_row_bytes``
    per element). A syntax error inside the array ends the file there: JSON gives no way to
    find the next element again, and the reason says so."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict")
    decoder = json.JSONDecoder()
    buffer, position, number, eof = "", 0, 0, False

    def fill() -> bool:
        nonlocal buffer, position, eof
        if eof:
            return False
        try:
            chunk = text.read(1 << 16)
        except UnicodeDecodeError as exc:
            raise FileParseError(f"{path.name}: not valid UTF-8 ({exc.reason}); JSON files "
                                 f"are UTF-8") from exc
        if not chunk:
            eof = True
            return False
        buffer = buffer[position:] + chunk
        position = 0
        return True

    def skip_space() -> str | None:
        nonlocal position
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                position += 1
            if position < len(buffer):
                return buffer[position]
            if not fill():
                return None

    if skip_space() != "[":
        raise FileParseError(f"{path.name}: a .json file must hold an array of records "
                             f"([{{...}}, {{...}}]); for one record per line use .jsonl")
    position += 1
    expect_value = True
    while True:
        char = skip_space()
        if char is None:
            yield RawRow(number + 1, None, "bad JSON: the array is not closed (file cut?)")
            return
        if char == "]":
            return
        if not expect_value:
            if char != ",":
                yield RawRow(number + 1, None, f"bad JSON: expected ',' or ']' between "
                             f"records, got {char!r}; rest of file unread")
                return
            position += 1
            expect_value = True
            continue
        number += 1
        while True:
            try:
                value, end = decoder.raw_decode(buffer, position)
                break
            except RecursionError:
                yield RawRow(number, None, "JSON nested deeper than the parser allows; rest "
                             "of file unread")
                return
            except json.JSONDecodeError as exc:
                if len(buffer) - position > max_row_bytes:
                    yield RawRow(number, None, f"row is larger than {max_row_bytes} bytes; "
                                 f"rest of file unread")
                    return
                if fill():   # the element may go on in the next chunk
                    continue
                yield RawRow(number, None, f"bad JSON: {exc}; rest of file unread",
                             buffer[position:position + 2000])
                return
        position = end
        expect_value = False
        if not isinstance(value, dict):
            yield RawRow(number, None, f"bad JSON: expected an object, got "
                         f"{type(value).__name__}")
            continue
        if _has_lone_surrogate(value):
            yield RawRow(number, None, "bad JSON: a \\u escape names a lone UTF-16 surrogate "
                         "(not valid Unicode)")
            continue
        yield RawRow(number, value)


def _label_studio_rows(rows: Iterator[RawRow]) -> Iterator[RawRow]:
    """A Label Studio JSON export is a JSON array of annotated tasks: each task that answers
    one of our comparison tasks becomes the preference record its annotations give, or a
    refused row saying why (skipped, annotators disagree, a label missing). Other elements
    pass through as records."""
    from safety_assets.annotation.label_studio import (
        ExportTaskError,
        is_export_task,
        preference_from_export_task,
    )

    for row in rows:
        if row.payload is None or not is_export_task(row.payload):
            yield row
            continue
        try:
            yield RawRow(row.row_number, preference_from_export_task(row.payload))
        except ExportTaskError as error:
            yield RawRow(row.row_number, None, f"Label Studio export: {error}",
                         shown_payload(row.payload))


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


def _cell_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        # A spreadsheet keeps a date as a datetime at midnight: the date is what was typed.
        return value.date().isoformat()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value


def _read_xlsx(path: Path, max_row_bytes: int) -> Iterator[RawRow]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # read_only streams the sheet's XML; data_only gives a formula's last computed value.
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileParseError(f"{path.name}: unreadable XLSX: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header: list[str] | None = None
        number = 0
        try:
            for values in rows:
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                if header is None:
                    header = [normalize_column("" if v is None else str(v)) for v in values]
                    named = [name for name in header if not _unnamed(name)]
                    repeated = sorted({n for n in named if named.count(n) > 1})
                    if repeated or not named:
                        raise FileParseError(
                            f"{path.name}: the first sheet's header row has " + (
                                f"repeated column names {repeated} (after ignoring case "
                                "and spaces)" if repeated else "no named columns"))
                    _check_columns(path, named)
                    continue
                number += 1
                payload = {name: _cell_value(value)
                           for name, value in zip(header, values, strict=False)
                           if not _unnamed(name)}
                if sum(len(str(v)) for v in payload.values()) > max_row_bytes:
                    yield RawRow(number, None, f"row is larger than {max_row_bytes} bytes")
                    continue
                yield RawRow(number, payload)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise FileParseError(
                f"{path.name}: unreadable XLSX after row {number}: {exc}") from exc
    finally:
        book.close()


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
