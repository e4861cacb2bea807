"""Chunked intake validation: the outcome never depends on the chunk size, in the pure
``validate_batch``, in the asset's warehouse path, and in the GX suites merged over chunks."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import great_expectations as gx
import polars as pl
import pytest

from safety_assets.defs.intake.intake_checks import batch_checks
from safety_assets.intake import expectations as ex
from safety_assets.intake import hh_rlhf, suites
from safety_assets.intake.batch_store import raw_frames, validate_stored_batch
from safety_assets.intake.parser import RawRow, read_rows
from safety_assets.intake.records import KINDS, PREFERENCE, PROMPT
from safety_assets.intake.validation import ValidationResult, validate_batch
from safety_assets.storage.warehouse import Warehouse


def _prompt(pid: str, text: str = "a question") -> dict:
    return {"kind": "prompt", "id": pid, "text": text, "risk_category": "benign",
            "attack_vector": "none"}


def _pair(prompt_id: str, pid: str | None = None, chosen: str = "no") -> dict:
    return {"kind": "preference", "prompt_id": prompt_id, "chosen": chosen, "rejected": "yes",
            "strength": "better", "axis": "safety", "rejected_safe": False,
            **({"id": pid} if pid else {})}


def _hh(question: str, chosen: str = "I won't.", rejected: str = "Sure.") -> dict:
    return {"chosen": f"\n\nHuman: {question}\n\nAssistant: {chosen}",
            "rejected": f"\n\nHuman: {question}\n\nAssistant: {rejected}"}


# Row numbers 1..n; with chunks of 3 every rule below meets a chunk boundary.
BATCH = [
    _pair("p-late", "r-early"),                  # 1: pair before its prompt (prompt on row 8)
    _prompt("p1"),                               # 2
    _prompt("p2"),                               # 3
    _prompt("p1", "again"),                      # 4: duplicate of row 2, next chunk
    _hh("how do I hurt someone?"),               # 5: HH-RLHF import: prompt + pair
    _pair("nope", "r-lost"),                     # 6: unknown prompt id
    _pair("nope", "r-dup"),                      # 7: unknown prompt, then accepted on row 9
    _prompt("p-late"),                           # 8
    _pair("p1", "r-dup"),                        # 9: first r-dup with a known prompt
    _pair("p2", "r-dup", chosen="other"),        # 10: duplicate of row 9
    _hh("how do I hurt someone?"),               # 11: identical import: silently the same
    _prompt("taken-p"),                          # 12: held by another batch
    _pair("taken-p", "r-on-taken"),              # 13: references the other batch's prompt
    _pair("known-p", "r-known"),                 # 14: references a known prompt
    _hh("taken question"),                       # 15: import of a prompt held elsewhere
    _pair("p2", "taken-r"),                      # 16: pair id held by another batch
    {"kind": "prompt", "id": "p9"},              # 17: refused on its own (no text)
    _prompt("p2", "third time"),                 # 18: duplicate of row 3
]
TAKEN_QUESTION = hh_rlhf.split_pair(**_hh("taken question")).prompt_id
TAKEN = {PROMPT: {"taken-p": "batch-a", TAKEN_QUESTION: "batch-hh"},
         PREFERENCE: {"taken-r": "batch-it's"}}


def _rows() -> list[RawRow]:
    return [RawRow(number, payload) for number, payload in enumerate(BATCH, start=1)]


def _validate(chunk_rows: int) -> ValidationResult:
    return validate_batch(_rows(), batch_id="b", source_file="f.jsonl", taken_ids=TAKEN,
                          known_prompt_ids=frozenset({"known-p"}), chunk_rows=chunk_rows)


def test_tiny_chunks_give_the_same_valid_rows_and_quarantine_as_one_chunk():
    whole, tiny = _validate(10_000), _validate(3)
    for kind in KINDS:
        assert tiny.valid[kind].equals(whole.valid[kind]), kind
    assert tiny.quarantine.equals(whole.quarantine)
    assert tiny.n_rows == whole.n_rows == len(BATCH)

    # ... and that outcome is the one the rules give.
    reasons = dict(zip(whole.quarantine["row_number"], whole.quarantine["reason"],
                       strict=True))
    assert reasons == {
        4: "duplicate id 'p1' (already on row 2 of this file)",
        6: "unknown prompt id 'nope'",
        7: "unknown prompt id 'nope'",
        10: "duplicate id 'r-dup' (already on row 9 of this file)",
        12: "duplicate id 'taken-p' (already in batch 'batch-a')",
        16: "duplicate id 'taken-r' (already in batch \"batch-it's\")",
        17: "empty text 'text'",
        18: "duplicate id 'p2' (already on row 3 of this file)",
    }
    prompts = whole.valid[PROMPT]
    assert prompts["row_number"].to_list() == [2, 3, 5, 8]
    pairs = whole.valid[PREFERENCE]
    assert pairs["id"].to_list()[:1] == ["r-early"]
    assert pairs.filter(pl.col("id") == "r-dup")["row_number"].to_list() == [9]
    assert {"r-on-taken", "r-known"} <= set(pairs["id"])
    # HH rows: row 5's import lands once, row 11's identical one is the same record,
    # row 15's prompt is the other batch's and its pair still lands.
    derived = pairs.filter(pl.col("annotator") == "hh-rlhf")
    assert derived["row_number"].to_list() == [5, 15]


def test_asset_path_with_tiny_chunks_stores_what_validate_batch_gives(tmp_path: Path):
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in BATCH) + "{not json\n")
    store = Warehouse(tmp_path / "warehouse.duckdb")
    held = pl.DataFrame({"batch_id": ["batch-a", "batch-a"], "source_file": ["a.jsonl"] * 2,
                         "row_number": [1, 2], "id": ["taken-p", "known-p"],
                         "text": ["t", "k"], "history": ["[]"] * 2,
                         "risk_category": ["benign"] * 2, "subcategory": [None, None],
                         "attack_vector": ["none"] * 2, "language": ["en"] * 2,
                         "annotator": ["x"] * 2})
    with store.connect() as con:
        store.insert(con, "prompts", held)
        for frame in raw_frames(path, "b", 1_000_000):
            store.insert(con, "raw_records", frame)
        con.execute("INSERT INTO processed_files VALUES ('b', 'batch.jsonl', 'x', 19, 0, 0, "
                    "NULL, now())")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for _ in range(2):   # re-running the batch changes nothing
        batch = validate_stored_batch(store, "b", scratch, chunk_rows=3, memory_limit="64MB")
        batch.stage_file.unlink()
    expected = validate_batch(read_rows(path), batch_id="b", source_file="batch.jsonl",
                              taken_ids={PROMPT: {"taken-p": "batch-a", "known-p": "batch-a"}})
    assert (batch.n_rows, batch.n_valid, batch.n_quarantined) == (
        expected.n_rows, expected.n_valid, expected.quarantine.height)
    for kind, table in ((PROMPT, "prompts"), ("demonstration", "demonstrations"),
                        (PREFERENCE, "preference_pairs")):
        stored = store.query(f"SELECT * FROM {table} WHERE batch_id = 'b' ORDER BY row_number")
        assert stored.equals(expected.valid[kind]), kind
    stored = store.query("SELECT * FROM quarantine WHERE batch_id = 'b' "
                         "ORDER BY row_number NULLS LAST")
    # raw_records keeps no text of an unreadable line, so only its payload differs.
    unreadable = pl.col("kind").is_null()
    assert stored.drop("payload").equals(expected.quarantine.drop("payload"))
    assert stored.filter(~unreadable).equals(expected.quarantine.filter(~unreadable))
    assert stored.filter(unreadable)["payload"].to_list() == [""]
    processed = store.query("SELECT n_valid, n_quarantined FROM processed_files").row(0)
    assert processed == (expected.n_valid, expected.quarantine.height)


# ----------------------------------------------------------------------------- GX suites

BAD_PROMPTS = pl.DataFrame({
    "id": ["a", "b", "a", "c", "d", "b", "e", "f", "a", "g"],
    "text": ["fine", "", "ok", "x" * 40_000, "ok", "ok", "ok", "", "ok", "ok"],
    "risk_category": ["benign", "space_piracy", "illicit_criminal", "untagged", "benign",
                      "hateful_harmful", "untagged", "benign", "benign", "moon"],
    "attack_vector": ["none", "none", "telepathy", "none", "none", "none", "none", "none",
                      "x", "none"],
})
BAD_DEMOS = pl.DataFrame({
    "id": ["d1", "d2", "d1", "d3", "d3"], "prompt_id": ["a", None, "b", "c", None],
    "response": ["r", "r", "", "r", "r"],
})
BAD_PAIRS = pl.DataFrame({
    "id": ["r1", "r2", "r3", "r1", "r4", "r5", "r6"],
    "chosen": ["same", "a", "b", "c", "d", "e", "f"],
    "rejected": [" same", "z", "y", "x", "w", "v", "u"],
    "strength": ["better", "much better", "better", "negligibly_better", "better", "better",
                 "better"],
    "axis": ["safety", "safety", "helpfulness", "vibes", "safety", "safety", "safety"],
    "rejected_safe": [True, True, True, None, True, True, False],
})


def _direct_gx(frame: pl.DataFrame, expectations: list) -> set[str]:
    """One whole-frame GX run, read the way intake always read it (the reference)."""
    context = gx.get_context(mode="ephemeral")
    batch = (context.data_sources.add_pandas("s").add_dataframe_asset("a")
             .add_batch_definition_whole_dataframe("w"))
    suite = context.suites.add(gx.ExpectationSuite(name="s"))
    for expectation in expectations:
        suite.add_expectation(expectation)
    result = context.validation_definitions.add(
        gx.ValidationDefinition(name="v", data=batch, suite=suite)).run(
        batch_parameters={"dataframe": frame.to_pandas()})
    return {_key({
        "expectation": item.expectation_config.type,
        "column": item.expectation_config.kwargs.get("column"),
        "unexpected_count": (item.result or {}).get("unexpected_count"),
        "observed_value": ex._plain((item.result or {}).get("observed_value")),
        "examples": [ex._plain(v) for v in
                     ((item.result or {}).get("partial_unexpected_list") or [])[:5]],
    }) for item in result.results if not item.success}


def _key(failure: dict) -> str:
    """A failure as comparable text (NaN examples compare equal to each other)."""
    def plain(value):
        return "NaN" if isinstance(value, float) and math.isnan(value) else value
    return json.dumps({k: [plain(v) for v in value] if isinstance(value, list) else plain(value)
                       for k, value in failure.items()}, sort_keys=True, default=str)


def _checks(chunk_rows: int | None) -> dict[str, dict]:
    results = batch_checks(BAD_PROMPTS, BAD_DEMOS, BAD_PAIRS, pl.DataFrame(),
                           chunk_rows=chunk_rows)
    return {r.check_name: {"passed": r.passed, "severity": r.severity,
                           **{k: v.value for k, v in r.metadata.items()}} for r in results}


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, None])
def test_gx_suites_merged_over_chunks_report_what_one_whole_frame_run_reports(chunk_rows):
    chunked, whole = _checks(chunk_rows), _checks(10_000)
    assert json.dumps(chunked, default=str) == json.dumps(whole, default=str)

    adversarial = BAD_PROMPTS.filter(~pl.col("risk_category").is_in(["benign", "untagged"]))
    labelled = ex.preference_frame(BAD_PAIRS).filter(
        pl.col("rejected_safe_share").is_not_null())
    reference = {
        "prompts_suite": _direct_gx(ex.with_lengths(BAD_PROMPTS, ["text"]),
                                    ex.prompt_expectations()),
        "prompts_category_coverage": _direct_gx(adversarial, ex.coverage_expectations()),
        "prompts_untagged": _direct_gx(BAD_PROMPTS, ex.untagged_expectations()),
        "demonstrations_suite": _direct_gx(ex.with_lengths(BAD_DEMOS, ["response"]),
                                           ex.demonstration_expectations()),
        "preference_pairs_suite": _direct_gx(ex.preference_frame(BAD_PAIRS),
                                             ex.preference_expectations()),
        "preference_label_balance": _direct_gx(labelled, ex.label_balance_expectations()),
    }
    for check, failures in reference.items():
        assert failures, f"{check}: the bad batch should fail it"
        assert {_key(f) for f in chunked[check]["failures"]} == failures, check
        assert chunked[check]["failed"] == len(failures) and not chunked[check]["passed"]
    assert chunked["prompts_suite"]["severity"].value == "ERROR"
    assert chunked["prompts_untagged"]["severity"].value == "WARN"
    unique = next(f for f in chunked["prompts_suite"]["failures"]
                  if f["expectation"] == "expect_column_values_to_be_unique")
    assert unique["unexpected_count"] == 5 and unique["examples"] == ["a", "b", "a", "b", "a"]
    assert chunked["quarantine_empty"]["passed"]


def test_suite_chunks_grow_as_rows_shrink_within_the_same_memory_bound():
    limit = ex.DEFAULT_LIMITS.max_text_chars
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (id VARCHAR, text VARCHAR)")
        con.execute("INSERT INTO t VALUES ('a', repeat('x', 100)), ('b', repeat('y', 399))")
        # the longest row is 1 + 399 bytes: 100 rows of it take what 1 row at the limit takes
        assert suites.rows_per_chunk(con, "t", ["id", "text"], 8) == 8 * limit // 400
        assert suites.rows_per_chunk(con, "t", ["id", "text"], 10_000) == suites.MAX_CHUNK_ROWS
        con.execute(f"INSERT INTO t VALUES ('c', repeat('z', {limit}))")
        assert suites.rows_per_chunk(con, "t", ["id", "text"], 8) == 8
        con.execute("DELETE FROM t")
        assert suites.rows_per_chunk(con, "t", ["id", "text"], 8) == suites.MAX_CHUNK_ROWS
