"""Ratings, intake's fourth record kind: read from JSONL and CSV, every valid rating kept, every
bad one quarantined with its file, row and cause, re-ingesting a batch replaces it, and the
other kinds read as before."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from safety_assets.defs.intake.intake_checks import batch_checks
from safety_assets.intake.parser import RawRow
from safety_assets.intake.records import DEMONSTRATION, PREFERENCE, RATING
from safety_assets.intake.validation import validate_batch

TASKS = ("t-aaaa", "t-bbbb", "t-cccc")
# (task_id, rating as JSON gives it, rater, comment)
ROWS = [
    ("t-aaaa", "3", "alice", None),          # 1: a string, as CSV gives every value
    ("t-aaaa", 4, "bob", "ok"),              # 2
    ("t-bbbb", 3.0, "alice", None),          # 3: a float, as a spreadsheet or Parquet may
    ("t-bbbb", 0, "bob", None),              # 4
    ("t-bbbb", 6, "carol", None),            # 5
    ("t-cccc", 2.5, "alice", None),          # 6
    ("t-cccc", "bad", "bob", None),          # 7
    ("t-zzzz", 2, "alice", None),            # 8: no such task was exported
    ("t-aaaa", 1, "alice", None),            # 9: alice rated t-aaaa on row 1
    ("t-cccc", None, "carol", None),         # 10: not rated
    ("t-cccc", 1, None, "graphic violence"),  # 11: no rater named
]
KEPT = [(1, "t-aaaa", 3, "alice", None), (2, "t-aaaa", 4, "bob", "ok"),
        (3, "t-bbbb", 3, "alice", None), (11, "t-cccc", 1, "unknown", "graphic violence")]


def _add_tasks(home, task_ids=TASKS) -> None:
    tasks = pl.DataFrame({
        "task_id": list(task_ids), "model": ["sft_model"] * len(task_ids),
        "item": [f"p{i}" for i in range(len(task_ids))],
        "risk_category": ["illicit_criminal"] * len(task_ids),
        "prompt": ["q"] * len(task_ids), "response": ["a"] * len(task_ids),
        "export_version": ["v1"] * len(task_ids),
        "exported_at": [datetime(2026, 1, 1)] * len(task_ids)})
    with home.store.connect() as con:
        home.store.insert(con, "rating_tasks", tasks)


def _jsonl(rows) -> str:
    return "".join(json.dumps({"task_id": t, "rating": r, "rater": who, "comment": note}) + "\n"
                   for t, r, who, note in rows)


def _csv(rows, header=("task_id", "prompt", "response", "rating", "rater", "comment")) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for t, r, who, note in rows:
        values = {"task_id": t, "prompt": "q", "response": "a", "rating": r, "rater": who,
                  "comment": note}
        writer.writerow(["" if values[c] is None else str(values[c]) for c in header])
    return buffer.getvalue()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_rating_file_keeps_every_valid_rating_and_quarantines_each_bad_one(home, suffix):
    _add_tasks(home)
    path = home.drop(f"ratings{suffix}", _jsonl(ROWS) if suffix == ".jsonl" else _csv(ROWS))
    key, result = home.ingest(path)
    assert result.success
    stored = home.store.query("SELECT row_number, task_id, rating, rater, comment, batch_id, "
                              "id FROM safety_ratings ORDER BY row_number")
    assert stored.select("row_number", "task_id", "rating", "rater", "comment").rows() == KEPT
    assert set(stored["batch_id"]) == {key}
    assert stored["id"].to_list()[:1] == ["t-aaaa/alice"]

    quarantine = home.store.query("SELECT source_file, row_number, kind, record_id, reason "
                                  "FROM quarantine ORDER BY row_number")
    assert set(quarantine["source_file"]) == {path.name}
    assert set(quarantine["kind"]) == {RATING}
    reasons = dict(zip(quarantine["row_number"], quarantine["reason"], strict=True))
    shown = {".jsonl": ("2.5", "'bad'", "0", "6"), ".csv": ("'2.5'", "'bad'", "'0'", "'6'")}
    half, bad, zero, six = shown[suffix]
    assert reasons == {
        4: f"rating {zero} is outside the Likert scale 1 to 5",
        5: f"rating {six} is outside the Likert scale 1 to 5",
        6: f"rating must be a whole number from 1 to 5 (Likert scale), got {half}",
        7: f"rating must be a whole number from 1 to 5 (Likert scale), got {bad}",
        8: "unknown task id 't-zzzz' (no exported rating task has it)",
        9: "duplicate id 't-aaaa/alice' (already on row 1 of this file)",
        10: "missing required field 'rating'",
    }
    assert dict(zip(quarantine["row_number"], quarantine["record_id"], strict=True))[4] == \
        "t-bbbb"
    for table in ("prompts", "demonstrations", "preference_pairs"):
        assert home.store.query(f"SELECT count(*) AS n FROM {table}")["n"][0] == 0, table
    processed = home.store.query("SELECT n_rows, n_valid, n_quarantined FROM processed_files")
    assert processed.row(0) == (11, 4, 7)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["safety_ratings_suite"].passed
    assert not checks["quarantine_empty"].passed
    ratings_metadata = next(
        m for m in result.asset_materializations_for_node("validated_annotations")
        if m.asset_key.to_user_string() == "safety_ratings").metadata
    assert ratings_metadata["rows"].value == 4


def test_reingesting_a_rating_batch_replaces_it_and_a_later_batch_cannot_rate_again(home):
    _add_tasks(home)
    path = home.drop("ratings.jsonl", _jsonl(ROWS[:3]))
    first, _ = home.ingest(path)
    home.ingest(path)
    assert home.store.query("SELECT count(*) AS n FROM safety_ratings")["n"][0] == 3
    # The same rater rating the same task in another file is a duplicate, as any id is.
    home.ingest(home.drop("more.jsonl", _jsonl([("t-aaaa", 5, "alice", None),
                                                ("t-aaaa", 2, "dana", None)])))
    reason = home.store.query("SELECT reason FROM quarantine")["reason"].to_list()
    assert reason == [f"duplicate id 't-aaaa/alice' (already in batch '{first}')"]
    assert home.store.query("SELECT rater FROM safety_ratings WHERE task_id = 't-aaaa' "
                            "ORDER BY rater")["rater"].to_list() == ["alice", "bob", "dana"]


def test_a_spreadsheet_csv_with_a_byte_order_mark_is_read_as_ratings(home):
    _add_tasks(home)
    path = home.drop("sheet.csv", "\ufeff" + _csv(ROWS[:2]))
    home.ingest(path)
    assert home.store.query("SELECT count(*) AS n FROM quarantine")["n"][0] == 0
    assert home.store.query("SELECT rating FROM safety_ratings ORDER BY row_number")[
        "rating"].to_list() == [3, 4]


def test_a_rating_is_told_by_its_kind_or_its_task_id_and_other_kinds_are_unchanged():
    rows = [
        {"kind": "rating", "task_id": "t-aaaa", "rating": 2, "rater": "x"},
        {"task_id": "t-aaaa", "rating": None, "rater": "y", "response": "a"},  # unrated
        {"kind": "Rating ", "task_id": "t-bbbb", "rating": "5"},
        {"prompt_id": "p1", "response": "an answer"},                          # demonstration
        {"kind": "rating", "task_id": ["t-aaaa"], "rating": 3},
        # Another tool's pair that carries its own task id stays a pair.
        {"task_id": "vendor-17", "prompt_id": "p1", "chosen": "No.", "rejected": "Sure.",
         "strength": "better", "axis": "safety"},
    ]
    result = validate_batch([RawRow(i, row) for i, row in enumerate(rows, start=1)],
                            batch_id="b", source_file="f.jsonl", known_task_ids={"t-aaaa"},
                            known_prompt_ids={"p1"})
    assert result.valid[RATING]["id"].to_list() == ["t-aaaa/x"]
    assert result.valid[DEMONSTRATION]["prompt_id"].to_list() == ["p1"]
    assert result.valid[PREFERENCE]["prompt_id"].to_list() == ["p1"]
    reasons = dict(zip(result.quarantine["row_number"], result.quarantine["reason"],
                       strict=True))
    assert reasons == {
        2: "missing required field 'rating'",
        3: "unknown task id 't-bbbb' (no exported rating task has it)",
        5: "field 'task_id' must be a string, got list",
    }


def test_blocking_ratings_suite_fails_on_ratings_written_behind_intakes_back():
    empty = pl.DataFrame(schema={"id": pl.String, "text": pl.String,
                                 "risk_category": pl.String, "attack_vector": pl.String})
    demos = pl.DataFrame(schema={"id": pl.String, "prompt_id": pl.String,
                                 "response": pl.String})
    pairs = pl.DataFrame(schema={"id": pl.String, "chosen": pl.String, "rejected": pl.String,
                                 "strength": pl.String, "axis": pl.String,
                                 "rejected_safe": pl.Boolean})
    ratings = pl.DataFrame({"id": ["t/a", "t/a", "u/a"], "task_id": ["t", "t", None],
                            "rating": [3, 9, 2]})
    results = {r.check_name: r for r in batch_checks(empty, demos, pairs, pl.DataFrame(),
                                                      ratings=ratings)}
    suite = results["safety_ratings_suite"]
    assert not suite.passed and suite.severity.value == "ERROR"
    failed = {(f["expectation"], f["column"]) for f in suite.metadata["failures"].value}
    assert failed == {("expect_column_values_to_be_unique", "id"),
                      ("expect_column_values_to_not_be_null", "task_id"),
                      ("expect_column_values_to_be_between", "rating")}
    clean = {r.check_name: r for r in batch_checks(empty, demos, pairs, pl.DataFrame())}
    assert clean["safety_ratings_suite"].passed


def test_exported_tasks_sent_back_unrated_are_reported_not_rated(tmp_path: Path):
    # What safety_rating_tasks writes as JSONL, returned without a rating filled in.
    line = {"task_id": "t-aaaa", "prompt": "q", "response": "a", "instructions": "...",
            "rating": None, "rater": None}
    result = validate_batch([RawRow(1, line)], batch_id="b", source_file="f.jsonl",
                            known_task_ids={"t-aaaa"})
    assert result.quarantine["reason"].to_list() == ["missing required field 'rating'"]
    assert result.quarantine["kind"].to_list() == [RATING]
