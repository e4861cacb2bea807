"""A plain JSONL file into ``raw_records`` in blocks, at the speed of DuckDB's own reader.

Python never parses a line it does not have to. Each block of the file is split into lines by
numpy and handed to DuckDB as one Arrow string array (which checks the UTF-8). DuckDB then
keeps, verbatim, every line it can prove that Python's ``json.loads`` would read as the same
object. A line it cannot prove goes through the row reader (:func:`parser.jsonl_row`), one at
a time, exactly as before, so its error reads the same. Those lines are: not JSON to DuckDB,
not an object, holding a construct where DuckDB is more lenient than Python (a trailing comma,
a bare ``nan`` or ``inf``), a repeated key, a ``\\u`` escape of a surrogate or of NUL, or
deeper than the nesting limit could allow. A block that is not valid UTF-8 goes through the
row reader whole.

Memory stays bounded: one block and at most one over-long line are held at a time.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from safety_assets.intake.parser import (
    MAX_JSON_DEPTH,
    RawRow,
    jsonl_row,
    too_large_row,
)

BLOCK_BYTES = 16 << 20
_JSON_SPACE = " \t\r\n"
# Where DuckDB's JSON reader accepts what Python's refuses, or may read a value differently.
_LENIENT = (r",[ \t\r\n]*[\]}]"                       # a trailing comma
            r"|[:,\[][ \t\r\n]*[-+]?(?i:nan|inf)"     # nan, inf, Infinity in any case
            r"|\\u[dD][89a-fA-F]|\\u0000")           # surrogate halves; NUL
# A line Python reads as the object DuckDB reads (see the module docstring).
# (json_type and json_keys raise on what is not JSON, hence the CASE. The lambda binds one
# json_keys list per line: naming it twice made DuckDB build it twice, under a CASE that its
# common-subexpression pass does not look into.)
PROVEN_OBJECT_SQL = f"""CASE WHEN json_valid(line) THEN
    NOT regexp_matches(line, '{_LENIENT}')
    AND length(line) - length(replace(replace(line, '{{', ''), '[', '')) <= {MAX_JSON_DEPTH}
    AND json_type(line) = 'OBJECT'
    AND list_transform([json_keys(line)], lambda k: len(k) = list_unique(k))[1]
    ELSE FALSE END"""


@dataclass
class _Block:
    """Lines of one block: as an Arrow table (row_number, line) when they are valid UTF-8,
    and the rows the row reader made of the rest (over-long lines, or the whole block)."""

    lines: pa.Table | None
    rows: list[RawRow]
    n_lines: int      # lines the block held, whether blank, readable or not


def _split(buffer: bytes, first_number: int, max_row_bytes: int) -> _Block:
    """``buffer`` (whole lines, each ending in a newline but perhaps the last) as a block."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    ends = np.flatnonzero(data == 10) + 1
    if not len(ends) or ends[-1] != len(buffer):
        ends = np.append(ends, len(buffer))
    starts = np.concatenate(([0], ends[:-1]))
    numbers = np.arange(first_number, first_number + len(ends), dtype=np.int64)
    has_newline = data[ends - 1] == 10
    too_long = (ends - starts - has_newline) > max_row_bytes
    offsets = np.concatenate(([0], ends)).astype(np.int64)
    strings = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets.tobytes()),
                                               pa.py_buffer(buffer))
    try:
        strings.validate(full=True)
    except pa.ArrowInvalid:   # not UTF-8 somewhere: every line of the block, one at a time
        rows = [too_large_row(int(n), max_row_bytes) if long else jsonl_row(int(n), buffer[s:e])
                for n, s, e, long in zip(numbers, starts, ends, too_long, strict=True)]
        return _Block(None, [row for row in rows if row is not None], len(ends))
    rows = [too_large_row(int(n), max_row_bytes) for n in numbers[too_long]]
    table = pa.table({"row_number": numbers, "line": strings})
    if rows:
        table = table.filter(pa.array(~too_long))
    return _Block(table, rows, len(ends))


def _blocks(path: Path, max_row_bytes: int, block_bytes: int) -> Iterator[_Block]:
    number = 1          # the number of the first line not yet handed on
    carry = b""
    skipping = False    # inside a line already reported as too long
    with open(path, "rb") as handle:
        first = True
        while True:
            data = handle.read(block_bytes)
            if first:
                first = False
                if data.startswith(codecs.BOM_UTF8):   # Notepad's "UTF-8" starts with a mark
                    data = data[len(codecs.BOM_UTF8):]
            if not data:
                if carry and not skipping:
                    yield _split(carry, number, max_row_bytes)
                return
            if skipping:
                newline = data.find(b"\n")
                if newline < 0:
                    continue
                data, skipping, number = data[newline + 1:], False, number + 1
            buffer = carry + data
            last = buffer.rfind(b"\n")
            if last < 0:
                carry = buffer
            else:
                block, carry = buffer[:last + 1], buffer[last + 1:]
                split = _split(block, number, max_row_bytes)
                number += split.n_lines
                yield split
            if len(carry) > max_row_bytes:   # a line too long to hold: reported, then skipped
                yield _Block(None, [too_large_row(number, max_row_bytes)], 0)
                carry, skipping = b"", True


def store_jsonl(con: duckdb.DuckDBPyConnection, path: Path, batch_id: str,
                max_row_bytes: int, store_rows: Callable[[list[RawRow]], None],
                block_bytes: int = BLOCK_BYTES) -> None:
    """Append the rows of the JSONL file ``path`` to ``raw_records`` as batch ``batch_id``,
    inside the caller's transaction: the lines DuckDB proves readable verbatim (trailing
    spaces and line ends cut), the rest through ``store_rows`` (a callable taking a list of
    :class:`RawRow`, which stores them as the other formats are stored)."""
    for block in _blocks(path, max_row_bytes, block_bytes):
        rows = list(block.rows)
        if block.lines is not None:
            con.from_arrow(block.lines).query("_block", f"""
                CREATE OR REPLACE TEMP TABLE _jsonl_block AS
                SELECT row_number, line, {PROVEN_OBJECT_SQL} AS proven FROM _block""")
            con.execute(
                "INSERT INTO raw_records (batch_id, source_file, row_number, payload, "
                "parse_error) SELECT ?, ?, row_number, rtrim(line, ?), NULL "
                "FROM _jsonl_block WHERE proven", [batch_id, path.name, _JSON_SPACE])
            unproven = con.sql(
                "SELECT row_number, line FROM _jsonl_block WHERE NOT proven "
                "AND trim(line, ?) <> '' ORDER BY row_number", params=[_JSON_SPACE]).fetchall()
            for number, line in unproven:
                row = jsonl_row(number, line.encode("utf-8"))
                if row is not None:
                    rows.append(row)
            con.execute("DROP TABLE _jsonl_block")
        if rows:
            store_rows(rows)
