"""Hostile input, property-based: the parser and the validator never fall over, say why they
refuse a row, and never lose a valid row beside a bad one; inbox names never leave the inbox.

What intake relies on, checked here without running Dagster:

- ``read_rows`` raises nothing but :class:`FileParseError` (a whole-file problem, which intake
  quarantines as one record), whatever bytes a JSONL, JSONL.gz, CSV or Parquet file holds;
- ``validate_batch`` raises nothing; every refused row has a non-empty reason; every row is
  accepted or refused; accepted records respect the taxonomy, the limits and carry no NUL;
- valid prompt rows interleaved with garbage all land;
- the round trip intake makes (raw rows stored as JSON, validated later) changes no outcome
  for JSONL, CSV and Parquet;
- ``batch_key`` of any name is [A-Za-z0-9._-] only and stays one path component, and
  ``ready_files`` ignores links, including links pointing outside the inbox.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from safety_assets import taxonomy
from safety_assets.intake import hh_rlhf
from safety_assets.intake.batch_store import raw_frames, stored_rows
from safety_assets.intake.inbox import (
    archive_batch,
    batch_key,
    locate_batch,
    ready_files,
    sha256_of,
)
from safety_assets.intake.parser import FileParseError, RawRow, read_rows
from safety_assets.intake.records import KINDS, PROMPT
from safety_assets.intake.validation import (
    IntakeLimits,
    ValidationResult,
    file_error_record,
    validate_batch,
)

# Bounded runs: the whole file takes well under a minute on two busy cores (raise
# OPS_HYPOTHESIS_EXAMPLES for a longer hunt). No example database: nothing is written into
# the working tree.
BOUNDED = settings(
    max_examples=int(os.environ.get("OPS_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
MAX_ROW_BYTES = 16_384      # small, so that "oversized row" is cheap to reach
LIMITS = IntakeLimits()
PROMPT_COLUMNS = ["id", "text", "history", "risk_category", "subcategory", "attack_vector",
                  "language", "annotator"]

# ---------------------------------------------------------------------------- strategies

# Text a person could type: any code point but NUL and lone surrogates.
_typed = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
clean_text = st.text(_typed, min_size=1, max_size=60).filter(lambda s: s.strip())

SQL_LIKE = ["'; DROP TABLE prompts; --", "Robert'); DROP TABLE students;--", "1 OR 1=1",
            "\" OR \"\"=\"", "x'); DELETE FROM quarantine WHERE ('1'='1",
            "UNION SELECT * FROM processed_files", "$(rm -rf /)", "`reboot`", "%s%s%n"]
PATH_LIKE = ["../../etc/passwd", "..\\..\\windows\\system32", "/dev/zero", "~/.ssh/id_rsa",
             "file:///etc/shadow", "C:\\boot.ini", "\\\\server\\share", "./..", "/proc/self/mem"]
hostile_strings = st.one_of(
    st.sampled_from(SQL_LIKE + PATH_LIKE + ["", " ", "\t\n", "null", "NaN", "undefined",
                                            "\u202egnp.exe", "\ufeff", "\u200b" * 3]),
    st.text(_typed, max_size=40),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40).map(lambda s: s + "\x00"),
    st.integers(min_value=40_000, max_value=60_000).map(lambda n: "w" * n),  # over the limit
)
huge_numbers = st.one_of(
    st.integers(), st.integers(min_value=2**63, max_value=10**4000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([2**63 - 1, -(2**63), 10**4299, -(10**4299)]),
)
hostile_values = st.one_of(
    st.none(), st.booleans(), hostile_strings, huge_numbers,
    st.lists(st.text(_typed, max_size=5), max_size=3),
    st.dictionaries(st.text(_typed, max_size=5), st.integers(), max_size=3),
)
json_leaf = st.one_of(st.none(), st.booleans(), huge_numbers, st.text(max_size=20))
json_values = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=8), inner, max_size=4), max_leaves=15)


@st.composite
def valid_prompt(draw, index: int) -> dict:
    category = draw(st.sampled_from(sorted(taxonomy.RISK_CATEGORY_NAMES)))
    return {
        "id": f"valid-{index}-ok",
        "text": draw(clean_text),
        "history": draw(st.lists(st.lists(st.text(_typed, max_size=20), min_size=2,
                                          max_size=2), max_size=2)),
        "risk_category": category,
        "subcategory": draw(st.none() | st.sampled_from(
            sorted(taxonomy.SUBCATEGORIES[category]))),
        "attack_vector": draw(st.sampled_from(sorted(taxonomy.ATTACK_VECTOR_NAMES))),
        "language": draw(st.sampled_from(["en", "fr", "DE", "zh-Hans"])),
        "annotator": draw(st.sampled_from(["a1", "ann-7", "x"])),
    }


@st.composite
def valid_prompts(draw, max_size: int = 8) -> list[dict]:
    n = draw(st.integers(min_value=1, max_value=max_size))
    return [draw(valid_prompt(i)) for i in range(n)]


@st.composite
def almost_valid_record(draw) -> dict:
    """A record of any kind with one to three fields made hostile (ids never 'valid-...')."""
    kind = draw(st.sampled_from(KINDS))
    base = {
        "prompt": {"id": f"hostile-{draw(st.integers(0, 50))}", "text": "a question",
                   "risk_category": "benign", "attack_vector": "none"},
        "demonstration": {"prompt_id": "valid-0-ok", "response": "an answer"},
        "preference": {"prompt_id": "valid-0-ok", "chosen": "good", "rejected": "bad",
                       "strength": "better", "axis": "safety", "chosen_safe": True,
                       "rejected_safe": False},
        "rating": {"task_id": "t-unexported", "rating": 3, "rater": "r1", "comment": "ok"},
    }[kind]
    record = dict(base, kind=draw(st.sampled_from([kind, None, "Prompt ", "kind?", 7])))
    if record["kind"] is None:
        del record["kind"]
    fields = [*base, "kind", "history", "subcategory", "language", "annotator", "id"]
    for name in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True)):
        record[name] = draw(hostile_values)
    if kind == "prompt" and isinstance(record.get("id"), str) \
            and record["id"].strip().startswith("valid-"):
        record["id"] = "hostile-x"
    return record


def _json_line(obj: object, ascii_only: bool) -> bytes:
    text = json.dumps(obj, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")  # a raw lone surrogate: invalid UTF-8


garbage_lines = st.one_of(
    st.binary(max_size=200),                                            # random bytes
    st.sampled_from([b"\xff\xfe{}", b'{"text": "caf\xe9"}', b"\xc0\xaf", b"\xed\xa0\x80",
                     b'{"text": "\\ud800", "id": "s1", "risk_category": "benign", '
                     b'"attack_vector": "none"}', b'{"id": "s2", "\\udfff": 1}',
                     b"\x00\x00\x00", b'{"text": "a\x00b"}', b"[]", b"null", b"42",
                     b'"just a string"', b"{", b"}", b"{}", b"NaN", b'{"a": Infinity}',
                     b'{"kind": "prompt"}', b'{"id": 1e999999, "text": -1e999999}']),
    st.integers(min_value=65, max_value=3_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=65, max_value=3_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(min_value=1, max_value=63).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=4_000, max_value=9_000).map(
        lambda n: b'{"id": 1' + b"0" * n + b', "text": "x"}'),            # huge integers
    st.integers(min_value=MAX_ROW_BYTES, max_value=MAX_ROW_BYTES * 2).map(
        lambda n: b'{"text": "' + b"y" * n + b'"}'),                   # oversized row
    st.builds(_json_line, json_values, st.booleans()),
    st.builds(_json_line, almost_valid_record(), st.booleans()),
    st.sampled_from(SQL_LIKE + PATH_LIKE).map(str.encode),
)

# ------------------------------------------------------------------------------ helpers


def _consume(path: Path) -> tuple[list[RawRow], str | None]:
    """Every row read_rows gives before any FileParseError (and that error's message)."""
    rows: list[RawRow] = []
    try:
        for row in read_rows(path, max_row_bytes=MAX_ROW_BYTES):
            rows.append(row)
    except FileParseError as error:
        message = str(error)
        assert message.strip(), "a file error must say why"
        record = file_error_record("b", path.name, message)   # what intake stores for it
        assert record.height == 1 and record["reason"][0] == message
        return rows, message
    return rows, None


def _check(rows: list[RawRow], result: ValidationResult) -> None:
    """Invariants of every validation, whatever the input."""
    for row in rows:
        assert row.row_number >= 1
        assert (row.payload is None) == bool(row.error), row
    reasons = result.quarantine["reason"].to_list()
    assert all(isinstance(r, str) and r.strip() for r in reasons), reasons
    assert result.n_rows == len(rows)
    # Every row is accepted or refused (HH-RLHF rows may collapse into an identical earlier
    # import, which is the same record, not a loss).
    accounted = set(result.quarantine["row_number"].to_list())
    for frame in result.valid.values():
        accounted |= set(frame["row_number"].to_list())
    for row in rows:
        if row.payload is None or not hh_rlhf.looks_like_hh(row.payload):
            assert row.row_number in accounted, f"row {row.row_number} vanished: {row}"
    for kind, frame in result.valid.items():
        assert frame["id"].null_count() == 0
        assert frame["id"].n_unique() == frame.height, f"duplicate {kind} ids accepted"
        for column, dtype in frame.schema.items():
            if dtype == pl.String:
                assert not frame[column].drop_nulls().str.contains("\x00", literal=True).any()
    prompts = result.valid[PROMPT]
    assert set(prompts["risk_category"]) <= taxonomy.RISK_CATEGORY_NAMES
    assert set(prompts["attack_vector"]) <= taxonomy.ATTACK_VECTOR_NAMES
    assert (prompts["text"].str.len_chars() <= LIMITS.max_text_chars).all()
    assert all(isinstance(json.loads(h), list) for h in prompts["history"])


def _validate(path: Path) -> tuple[list[RawRow], str | None, ValidationResult]:
    rows, file_error = _consume(path)
    result = validate_batch(rows, batch_id="b", source_file=path.name, limits=LIMITS)
    _check(rows, result)
    return rows, file_error, result


def _outcome(result: ValidationResult) -> tuple:
    return (
        {kind: sorted(frame["id"].to_list()) for kind, frame in result.valid.items()},
        sorted(zip(result.quarantine["row_number"], result.quarantine["reason"], strict=True),
               key=repr),
    )


def _assert_round_trip_changes_nothing(path: Path, direct: ValidationResult) -> None:
    """Intake stores raw rows as JSON text and validates them afterwards: same outcome."""
    frames = list(raw_frames(path, "b", MAX_ROW_BYTES))
    raw = pl.concat(frames) if frames else pl.DataFrame()
    if raw.height == 0:
        assert direct.n_rows == 0
        return
    stored = validate_batch(stored_rows(raw.filter(pl.col("row_number").is_not_null())),
                            batch_id="b", source_file=path.name, limits=LIMITS)
    assert _outcome(stored) == _outcome(direct)


def _ids_landed(result: ValidationResult) -> set[str]:
    return set(result.valid[PROMPT]["id"].to_list())


def _jsonl_bytes(prompts: Iterable[dict], garbage: list[bytes], order: list[int]) -> bytes:
    lines = [json.dumps(p, ensure_ascii=False).encode() for p in prompts] + garbage
    return b"".join(lines[i] + b"\n" for i in order)


# ------------------------------------------------------------------------------- JSONL


@BOUNDED
@given(data=st.data(), prompts=valid_prompts(),
       garbage=st.lists(garbage_lines, min_size=1, max_size=12),
       suffix=st.sampled_from([".jsonl", ".ndjson", ".jsonl.gz"]))
def test_ops_jsonl_garbage_never_costs_a_valid_row(data, prompts, garbage, suffix):
    order = data.draw(st.permutations(range(len(prompts) + len(garbage))))
    content = _jsonl_bytes(prompts, garbage, order)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"batch{suffix}"
        path.write_bytes(gzip.compress(content) if suffix.endswith(".gz") else content)
        rows, file_error, result = _validate(path)
        assert file_error is None
        assert {p["id"] for p in prompts} <= _ids_landed(result)
        _assert_round_trip_changes_nothing(path, result)


@BOUNDED
@given(content=st.binary(max_size=3_000), suffix=st.sampled_from([".jsonl", ".jsonl.gz"]),
       gzip_it=st.booleans())
@example(content=gzip.compress(b'{"text": "a"}\n' * 200)[:40] + b"\x00" * 64,
         suffix=".jsonl.gz", gzip_it=False)                         # corrupt deflate stream
@example(content=gzip.compress(b'{"text": "a"}\n' * 200)[:-30], suffix=".jsonl.gz",
         gzip_it=False)                                             # truncated gzip
@example(content=b'{"id":"p","text":"\\ud800","risk_category":"benign","attack_vector":"none"}',
         suffix=".jsonl", gzip_it=False)                            # lone surrogate escape
def test_ops_random_bytes_as_jsonl(content, suffix, gzip_it):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"random{suffix}"
        path.write_bytes(gzip.compress(content) if gzip_it and suffix.endswith(".gz")
                         else content)
        rows, file_error, result = _validate(path)
        if file_error is None:
            _assert_round_trip_changes_nothing(path, result)


# --------------------------------------------------------------------------------- CSV


def _csv_text(records: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(PROMPT_COLUMNS)
    writer.writerows(records)
    return buffer.getvalue()


def _csv_record(prompt: dict) -> list[str]:
    values = {**prompt, "history": json.dumps(prompt["history"], ensure_ascii=False)}
    return ["" if values[c] is None else str(values[c]) for c in PROMPT_COLUMNS]


csv_garbage_records = st.one_of(
    st.lists(hostile_strings, max_size=12),                            # wrong field counts
    st.lists(hostile_strings, min_size=len(PROMPT_COLUMNS), max_size=len(PROMPT_COLUMNS)),
    almost_valid_record().map(lambda r: [
        "" if r.get(c) is None else str(r.get(c)) for c in PROMPT_COLUMNS]),
)


@BOUNDED
@given(data=st.data(), prompts=valid_prompts(),
       garbage=st.lists(csv_garbage_records, min_size=1, max_size=12))
def test_ops_csv_garbage_never_costs_a_valid_row(data, prompts, garbage):
    records = [_csv_record(p) for p in prompts] + garbage
    order = data.draw(st.permutations(range(len(records))))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "batch.csv"
        path.write_text(_csv_text([records[i] for i in order]), encoding="utf-8", newline="")
        rows, file_error, result = _validate(path)
        assert file_error is None
        assert {p["id"] for p in prompts} <= _ids_landed(result)
        _assert_round_trip_changes_nothing(path, result)


@BOUNDED
@given(header=st.sampled_from([b"id,text,risk_category,attack_vector\n", b"", b"a,,b\n",
                               b"x,x\n", b'"unclosed\n', b"\xff\xfe,\n"]),
       body=st.binary(max_size=2_000))
def test_ops_random_bytes_as_csv(header, body):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.csv"
        path.write_bytes(header + body)
        rows, file_error, result = _validate(path)
        if file_error is None:
            _assert_round_trip_changes_nothing(path, result)


# ----------------------------------------------------------------------------- Parquet

parquet_extras = st.fixed_dictionaries({
    "big": st.integers(min_value=-(2**63), max_value=2**63 - 1),
    "real": st.floats(allow_nan=True, allow_infinity=True),
    "blob": st.binary(max_size=20),
    "nested": st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=3),
})
_parquet_schema = pa.schema([*(pa.field(c, pa.string()) for c in PROMPT_COLUMNS),
                             pa.field("big", pa.int64()), pa.field("real", pa.float64()),
                             pa.field("blob", pa.binary()),
                             pa.field("nested", pa.list_(pa.int64()))])


def _parquet_string(value: object) -> str | None:
    return None if value is None else str(value)


@BOUNDED
@given(data=st.data(), prompts=valid_prompts(),
       garbage=st.lists(st.tuples(almost_valid_record(), parquet_extras), min_size=1,
                        max_size=10),
       compression=st.sampled_from(["snappy", "zstd", "none"]))
def test_ops_parquet_garbage_never_costs_a_valid_row(data, prompts, garbage, compression):
    no_extras = {"big": 0, "real": 0.0, "blob": b"", "nested": []}
    rows_in = [{**dict(zip(PROMPT_COLUMNS, _csv_record(p), strict=True)), **no_extras}
               for p in prompts]
    rows_in += [{**{c: _parquet_string(record.get(c)) for c in PROMPT_COLUMNS}, **extras}
                for record, extras in garbage]
    order = data.draw(st.permutations(range(len(rows_in))))
    table = pa.Table.from_pylist([rows_in[i] for i in order], schema=_parquet_schema)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "batch.parquet"
        pq.write_table(table, path, compression=compression, row_group_size=4)
        rows, file_error, result = _validate(path)
        assert file_error is None
        assert {p["id"] for p in prompts} <= _ids_landed(result)


@BOUNDED
@given(text_type=st.sampled_from([pa.int64(), pa.binary(), pa.float64(), pa.bool_(),
                                  pa.list_(pa.string()), pa.struct([("a", pa.string())]),
                                  pa.large_string(), pa.null()]),
       values=st.lists(st.one_of(st.none(), st.integers(0, 2**62), st.text(_typed, max_size=9)),
                       min_size=1, max_size=6))
def test_ops_parquet_wrong_types_are_refused_with_reasons(text_type, values):
    coerce = {
        "int64": lambda v: v if isinstance(v, int) else None,
        "binary": lambda v: str(v).encode() if v is not None else None,
        "double": lambda v: float(v) if isinstance(v, int) else float("nan"),
        "bool": lambda v: bool(v) if v is not None else None,
        "list<item: string>": lambda v: None if v is None else [str(v)],
        "struct<a: string>": lambda v: None if v is None else {"a": str(v)},
        "large_string": lambda v: None if v is None else str(v),
        "null": lambda v: None,
    }[str(text_type)]
    table = pa.table({
        "id": pa.array([f"t{i}" for i in range(len(values))]),
        "text": pa.array([coerce(v) for v in values], type=text_type),
        "risk_category": pa.array(["benign"] * len(values)),
        "attack_vector": pa.array(["none"] * len(values)),
    })
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "typed.parquet"
        pq.write_table(table, path)
        rows, file_error, result = _validate(path)
        assert file_error is None
        if text_type != pa.large_string():
            assert result.n_valid == 0 and result.quarantine.height == len(values)


def _sample_parquet() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(200)],
                             "text": [f"question {i} " * 3 for i in range(200)],
                             "risk_category": ["benign"] * 200,
                             "attack_vector": ["none"] * 200}), buffer, compression="snappy")
    return buffer.getvalue()


SAMPLE_PARQUET = _sample_parquet()


@BOUNDED
@given(flips=st.lists(st.tuples(st.integers(0, len(SAMPLE_PARQUET) - 1),
                                st.integers(0, 255)), min_size=1, max_size=20),
       cut=st.none() | st.integers(0, len(SAMPLE_PARQUET)))
@example(flips=[(4 + i, 0) for i in range(64)], cut=None)         # corrupt data pages
@example(flips=[(0, 0)], cut=12)
def test_ops_corrupt_parquet_is_a_file_error_never_a_crash(flips, cut):
    corrupt = bytearray(SAMPLE_PARQUET)
    for offset, value in flips:
        corrupt[offset] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corrupt.parquet"
        path.write_bytes(bytes(corrupt[:cut] if cut is not None else corrupt))
        _validate(path)
        list(raw_frames(path, "b", MAX_ROW_BYTES))   # intake's reader of the same file


# ------------------------------------------------------------------------------- inbox

SAFE_KEY = re.compile(r"[A-Za-z0-9._-]+")
HEX = "0123456789abcdef"


@BOUNDED
@given(name=st.text(max_size=600), digest=st.text(HEX, min_size=64, max_size=64))
@example(name="../../etc/passwd", digest="0" * 64)
@example(name="..", digest="a" * 64)
@example(name="/", digest="a" * 64)
@example(name="a/../../../b.jsonl", digest="b" * 64)
@example(name="..\\..\\windows\\system32", digest="c" * 64)
@example(name="\uff0e\uff0e\uff0fetc\uff0fpasswd", digest="d" * 64)    # fullwidth ../
@example(name="\u202egnp.lsnoj", digest="e" * 64)
@example(name="x" * 10_000 + ".jsonl", digest="f" * 64)
@example(name="名前 の ファイル.jsonl", digest="1" * 64)
def test_ops_batch_key_of_any_name_is_one_safe_path_component(name, digest):
    key = batch_key(name, digest)
    assert SAFE_KEY.fullmatch(key), key
    assert not key.startswith(".") and key.endswith(f"-{digest[:12]}")
    assert len(key) <= 80 + 1 + 12
    root = Path("/srv/archive")
    assert (root / key).parent == root and os.path.normpath(root / key).startswith(f"{root}/")


# A name a file system accepts: no '/', no NUL, at most 200 bytes (room for a suffix).
file_names = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/\x00"),
                     min_size=1, max_size=60).filter(
    lambda n: n not in (".", "..") and len(n.encode()) <= 200)


FIXED_ENTRIES = {"escape.jsonl", "escape-dir", "dotdot.jsonl", "sub"}


@BOUNDED
@given(names=st.lists(file_names, min_size=1, max_size=6, unique=True))
@example(names=["../../etc/passwd".replace("/", "_"), "x" * 200, "..."])
def test_ops_ready_files_ignores_links_and_keys_stay_inside(names, tmp_path_factory):
    assume(not set(names) & FIXED_ENTRIES and not any(n.startswith("zz-link-") for n in names))
    base = tmp_path_factory.mktemp("inbox_case")
    inbox, archive, outside = base / "inbox", base / "archive", base / "outside"
    for folder in (inbox, archive, outside):
        folder.mkdir()
    secret = outside / "secret.jsonl"
    secret.write_text('{"id": "s", "text": "secret"}\n')
    (inbox / "escape.jsonl").symlink_to(secret)
    (inbox / "escape-dir").symlink_to(outside, target_is_directory=True)
    (inbox / "dotdot.jsonl").symlink_to("../outside/secret.jsonl")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "nested.jsonl").write_text("{}\n")
    expected = set()
    for index, name in enumerate(names):
        (inbox / name).write_text(f'{{"n": {index}}}\n')
        (inbox / f"zz-link-{index}.jsonl").symlink_to(secret)
        if not name.startswith(".") and not name.lower().endswith(
                (".tmp", ".part", ".partial", ".crdownload")):
            expected.add(name)
    found = ready_files(inbox)
    assert {f.path.name for f in found} == expected
    for item in found:
        assert item.path.parent == inbox and not item.path.is_symlink()
        assert item.path.resolve().parent == inbox.resolve()
        assert item.path.resolve() != secret.resolve()
        key = batch_key(item.path.name, sha256_of(item.path))
        assert SAFE_KEY.fullmatch(key)
        copy = archive_batch(item.path, archive, key)
        assert copy.parent == archive / key and copy.resolve().is_relative_to(archive.resolve())
        assert locate_batch(key, inbox, archive) == copy


def test_ops_locate_batch_refuses_a_key_that_leaves_the_archive(tmp_path):
    inbox, archive, outside = tmp_path / "inbox", tmp_path / "archive", tmp_path / "outside"
    for folder in (inbox, archive, outside):
        folder.mkdir()
    (outside / "secret.jsonl").write_text('{"id": "s", "text": "secret"}\n')
    with pytest.raises(FileNotFoundError):
        located = locate_batch("../outside", inbox, archive)
        pytest.fail(f"located {located} outside the archive")


def test_ops_parquet_binary_text_is_refused_after_intakes_round_trip(tmp_path):
    path = tmp_path / "binary.parquet"
    pq.write_table(pa.table({"id": ["p1"], "text": pa.array([b"How do I?"], pa.binary()),
                             "risk_category": ["benign"], "attack_vector": ["none"]}), path)
    direct = validate_batch(read_rows(path), batch_id="b", source_file=path.name)
    assert direct.n_valid == 0 and "must be a string, got bytes" in direct.quarantine["reason"][0]
    raw = pl.concat(list(raw_frames(path, "b", MAX_ROW_BYTES)))
    stored = validate_batch(stored_rows(raw), batch_id="b", source_file=path.name)
    assert _outcome(stored) == _outcome(direct)
