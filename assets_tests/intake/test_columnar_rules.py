"""The columnar pass: SQL proves the common rows valid, Python keeps every other rule.

Two shortcuts are held equal to the code they stand in for:
- the block reader of plain JSONL files (``jsonl_blocks``) against the row reader;
- the SQL pass (``columnar_rules``) against the Python rules of ``validate_batch``, on rows
  generated to sit on every edge those rules have.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safety_assets.intake import jsonl_blocks, staging
from safety_assets.intake.batch_store import RAW_SCHEMA, raw_frames, raw_record
from safety_assets.intake.columnar_rules import PYTHON_SPACE
from safety_assets.intake.parser import RawRow
from safety_assets.intake.validation import IntakeLimits, stage_raw_rows, validate_batch


def test_python_space_class_is_what_str_isspace_calls_space() -> None:
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    table = pa.table({"c": pa.array(chars, pa.string())})
    with duckdb.connect() as con:
        flags = [flag for (flag,) in con.from_arrow(table).query(
            "chars", f"SELECT regexp_full_match(c, '{PYTHON_SPACE}') FROM chars").fetchall()]
    assert len(flags) == len(chars)
    wrong = [hex(ord(c)) for c, flag in zip(chars, flags, strict=True) if flag != c.isspace()]
    assert wrong == []


# Values on the edges of the rules: blanks of every kind, case and spacing variants of the
# taxonomy names, non-ASCII, quotes that change Python's repr, wrong types, long strings.
_SPACES = st.sampled_from([" ", "\t", "\n", "\u00a0", "\u3000", "\x1c", "\u2028", ""])
_WORDS = st.sampled_from([
    "benign", "criminal_planning", "Criminal Planning", "criminal-planning", "CRIMINAL  PLANNING",
    "none", "role_play", "Role Play", "unknown_vector", "weapons", "guns", "better",
    "significantly better", "Negligibly Better / Unsure", "unsure", "meh", "safety",
    "Helpfulness", "helpfulness ", "prompt", "Demonstration", " preference", "rating", "x",
    "p-1", "p-2", "p'3", 'p"4', "p\\5", "é", "日本", "\u00e9t\u00e9",
    "\n\nHuman: hi\n\nAssistant: yo",
])
_STRINGS = st.one_of(
    _WORDS,
    st.builds(lambda a, w, b: a + w + b, _SPACES, _WORDS, _SPACES),
    _SPACES,
    st.text(max_size=6),
    st.just("a" * 210),
)
_VALUES = st.one_of(_STRINGS, st.none(), st.booleans(), st.integers(-2, 3),
                    st.just(float("nan")), st.just(["x", "y"]), st.just([["u", "a"]]))
_FIELDS = ["kind", "id", "text", "history", "risk_category", "subcategory", "attack_vector",
           "language", "annotator", "prompt_id", "response", "chosen", "rejected", "strength",
           "axis", "chosen_safe", "rejected_safe", "task_id", "rating", "quarantine_id"]
# A valid record of each kind, every optional field given.
_BASES = {
    "prompt": {"id": "p-7", "text": "How do I plan meals?", "risk_category": "benign",
               "attack_vector": "none", "subcategory": None, "language": "en",
               "annotator": "ann", "history": None},
    "demonstration": {"id": "d-7", "prompt_id": "p-1", "response": "Plan ahead.",
                      "annotator": "ann"},
    "preference": {"id": "r-7", "prompt_id": "p-2", "chosen": "Here is a plan.",
                   "rejected": "No.", "strength": "better", "axis": "safety",
                   "chosen_safe": True, "rejected_safe": False, "annotator": "ann"},
}
# Variants per field, valid and not: spacing, case, blanks, types, quotes that change repr.
_BENT: dict[str, st.SearchStrategy[object]] = {
    "id": st.one_of(_STRINGS, st.integers(0, 9), st.sampled_from(["p-1", "p-2", " p-8 "])),
    "prompt_id": st.one_of(_STRINGS, st.sampled_from(["p-1", " p-2\n", "p-7", "p-404", 5])),
    "annotator": st.one_of(_STRINGS, st.none(), st.just(3)),
    "language": st.one_of(_STRINGS, st.sampled_from(["EN", " Fr ", "DE\u00a0", None])),
    "subcategory": st.one_of(_STRINGS, st.sampled_from(["guns", "Guns", None])),
    "chosen_safe": _VALUES, "rejected_safe": _VALUES, "history": _VALUES,
    "kind": st.sampled_from(["prompt", "Prompt ", "demonstration", "preference", "rating", 7]),
}


@st.composite
def _payloads(draw: st.DrawFn) -> dict[str, object]:
    """A valid record of one kind, with some of its fields bent, dropped or added."""
    kind = draw(st.sampled_from(sorted(_BASES)))
    payload: dict[str, object] = dict(_BASES[kind])
    for name in list(payload):
        choice = draw(st.integers(0, 9))
        if choice == 0:
            del payload[name]
        elif choice <= 3:
            payload[name] = draw(_BENT.get(name, _STRINGS))
    for name in draw(st.lists(st.sampled_from(_FIELDS), max_size=2)):
        payload[name] = draw(_BENT.get(name, _VALUES))
    return payload


def _outcome(rows: list[RawRow], columnar: bool) -> tuple[dict[str, list], list]:
    result = validate_batch(rows, batch_id="b", source_file="f.jsonl",
                            known_prompt_ids={"p-1", "p-2"}, columnar=columnar,
                            limits=IntakeLimits(max_text_chars=200, max_id_chars=20))
    valid = {kind: frame.rows() for kind, frame in result.valid.items()}
    return valid, result.quarantine.rows()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_payloads(), min_size=1, max_size=25))
def test_sql_proves_only_rows_the_python_rules_accept_the_same_way(
        payloads: list[dict[str, object]]) -> None:
    rows = [RawRow(number, payload) for number, payload in enumerate(payloads, start=1)]
    columnar = _outcome(rows, columnar=True)
    assert columnar == _outcome(rows, columnar=False)


def test_clean_rows_are_proven_in_sql_not_checked_in_python() -> None:
    rows = [RawRow(1, {"id": "p-9", "text": "How do I bake bread?", "risk_category": "benign",
                       "attack_vector": "none", "annotator": " ann "}),
            RawRow(2, {"prompt_id": "p-9", "response": "Knead, rest, bake.\n"}),
            RawRow(3, {"prompt_id": "p-9", "chosen": "Here is how.", "rejected": "No.",
                       "strength": "Slightly Better", "axis": "helpfulness",
                       "chosen_safe": True}),
            RawRow(4, {"prompt_id": "p-9", "response": "  "})]   # refused: Python's reason
    with duckdb.connect() as con:
        staging.create_tables(con)
        for row in rows:
            con.execute("INSERT INTO raw VALUES (?, ?, ?, NULL, NULL)",
                        [row.row_number, row.row_number, json.dumps(row.payload)])
        assert stage_raw_rows(con) == 4
        proven = sorted(r[0] for r in con.sql("SELECT arrival FROM proven").fetchall())
        reasons = con.sql("SELECT row_number, reason FROM refusals").fetchall()
    assert proven == [1, 2, 3]
    assert reasons == [(4, "empty text 'response'")]
    result = validate_batch(rows, batch_id="b", source_file="f")
    assert result.valid["prompt"]["annotator"].to_list() == ["ann"]
    assert result.valid["preference"]["strength"].to_list() == ["slightly_better"]


def test_a_proven_row_refused_in_pass_two_shows_its_payload_as_python_does() -> None:
    rows = [RawRow(1, {"prompt_id": "p-404", "response": "Sure.", "note": "caf\u00e9"})]
    (record,) = validate_batch(rows, batch_id="b", source_file="f").quarantine.to_dicts()
    assert record["reason"] == "unknown prompt id 'p-404'"
    assert record["payload"] == json.dumps(rows[0].payload, ensure_ascii=False)


# Lines on every edge of the row reader, and where DuckDB's JSON reader is more lenient.
_LINES = [
    b'\xef\xbb\xbf{"id": "p-1", "text": "first, after a byte order mark"}',
    b'{"id": "p-2", "text": "windows line end"}\r',
    b"",
    b"   \t",
    "\u00a0\u3000".encode(),
    b'{"a": 1,}',
    b'{"a": [1, 2,]}',
    b'{"a": nan}',
    b'{"a": NaN, "b": Infinity}',
    b'{"a": "text: inf and nan are words here"}',
    b'{"a": 1, "a": 2}',
    b'{"a": ' + b"[" * 70 + b"]" * 70 + b"}",
    b'{"a": "\\ud800"}',
    b'{"a": "\\ud83d\\ude00 a pair"}',
    b'{"a": "nul \\u0000 inside"}',
    b'{"a": "\xff\xfe not utf-8"}',
    b"[1, 2]",
    b'"just a string"',
    b"{not json",
    b'{"long": "' + b"x" * 300 + b'"}',
    b'{"caf\xc3\xa9": "\xc3\xa9t\xc3\xa9", "ok": true}',
    b'  {"padded": "both sides"}   ',
    b'{"last": "line without a newline"}',
]


@pytest.mark.parametrize("block_bytes", [7, 64, 1 << 20])
def test_jsonl_block_reader_stores_what_the_row_reader_stores(tmp_path: Path,
                                                              block_bytes: int) -> None:
    path = tmp_path / "edge.jsonl"
    path.write_bytes(b"\n".join(_LINES))
    max_row_bytes = 200
    expected = pl.concat(list(raw_frames(path, "b", max_row_bytes)))
    with duckdb.connect() as con:
        con.execute("CREATE TABLE raw_records (batch_id VARCHAR, source_file VARCHAR, "
                    "row_number BIGINT, payload VARCHAR, parse_error VARCHAR)")

        def store(rows: list[RawRow]) -> None:
            frame = pl.DataFrame([raw_record("b", path.name, row) for row in rows],
                                 schema=RAW_SCHEMA, orient="row")
            con.from_arrow(frame.to_arrow()).query(
                "_f", "INSERT INTO raw_records BY NAME SELECT * FROM _f")

        jsonl_blocks.store_jsonl(con, path, "b", max_row_bytes, store, block_bytes=block_bytes)
        got = con.sql("SELECT row_number, payload, parse_error FROM raw_records "
                      "ORDER BY row_number").fetchall()
    want = expected.select("row_number", "payload", "parse_error").sort("row_number").rows()
    assert [(n, e) for n, _, e in got] == [(n, e) for n, _, e in want]
    def parsed(text: str | None) -> object:
        return None if text is None else json.loads(text, parse_constant=str)

    assert [parsed(p) for _, p, _ in got] == [parsed(p) for _, p, _ in want]
    assert any(e and "larger than" in e for _, _, e in got)
