"""A Label Studio export dropped into the inbox: each answered task lands as a pair linked to
its comparison task, in the task's round; a disagreement, a missing label or a second answer
to the same task is quarantined with its reason, and no valid row of the file is lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl

from assets_tests.annotation.test_label_studio_export import (
    TASK,
    annotation,
    exported,
    labels,
)


def _setup(home, round_: int = 2) -> list[dict]:
    """Three tasks on one prompt, as comparison_tasks exported them."""
    home.ingest(home.drop("prompts.jsonl", json.dumps({
        "id": TASK["prompt_id"], "text": TASK["prompt"], "risk_category": "illicit_criminal",
        "attack_vector": "other", "annotator": "a1"}) + "\n"))
    tasks = [dict(TASK, comparison_task_id=f"ct-{name}", round=round_)
             for name in ("good", "split", "nostrength")]
    now = datetime.now(UTC).replace(tzinfo=None)
    with home.store.connect() as con:
        home.store.insert(con, "comparison_tasks", pl.DataFrame([{
            "task_id": t["comparison_task_id"], "round": t["round"],
            "prompt_id": t["prompt_id"], "axis": t["axis"], "risk_category": "illicit_criminal",
            "response_a": t["response_a"], "model_a": "ppo_model", "version_a": "v-ppo",
            "settings_a": "{}", "response_b": t["response_b"], "model_b": "sft_model",
            "version_b": "v-sft", "settings_b": "{}", "export_version": "e1",
            "exported_at": now} for t in tasks]))
    return tasks


def test_an_export_lands_its_answers_and_quarantines_what_cannot_be_a_pair(home):
    good, split, nostrength = _setup(home)
    export = [
        exported(annotation(1, 1, labels()), data=good, task_id=11),
        exported(annotation(2, 1, labels("A")), annotation(3, 2, labels("B")), data=split,
                 task_id=12),
        exported(annotation(4, 1, [r for r in labels() if r["from_name"] != "strength"]),
                 data=nostrength, task_id=13),
    ]
    path = home.drop("project-3-at-2026-12-01-21-40-1f2e3d4c.json", json.dumps(export))
    batch, result = home.ingest(path)
    pairs = home.store.query("SELECT * FROM preference_pairs WHERE batch_id = ?", [batch])
    assert pairs["id"].to_list() == ["ct-good"]
    assert pairs.row(0, named=True)["chosen"] == TASK["response_a"]
    refused = home.store.query("SELECT row_number, reason FROM quarantine WHERE batch_id = ? "
                               "ORDER BY row_number", [batch])
    assert refused["row_number"].to_list() == [2, 3]
    assert refused["reason"][0].startswith(
        "Label Studio export: Label Studio task 12 (comparison task ct-split): annotators "
        "disagree: annotation 2 by label-studio:1 chose A; annotation 3 by label-studio:2 "
        "chose B")
    assert "task 13 (comparison task ct-nostrength)" in refused["reason"][1]
    assert "no 'strength' label" in refused["reason"][1]
    # The pair joins back to the two model versions that wrote its responses.
    linked = home.store.query(
        "SELECT t.version_a, t.version_b, r.round, r.source FROM preference_pairs p "
        "JOIN comparison_tasks t ON t.task_id = p.id "
        "JOIN annotation_rounds r ON r.batch_id = p.batch_id WHERE p.batch_id = ?", [batch])
    assert linked.row(0) == ("v-ppo", "v-sft", 2, "comparison_tasks")


def test_a_second_answer_to_an_answered_task_is_refused_as_a_duplicate(home):
    good, *_ = _setup(home)
    first = home.drop("export-1.json", json.dumps([
        exported(annotation(1, 1, labels()), data=good, task_id=11)]))
    home.ingest(first)
    again = home.drop("export-2.json", json.dumps([
        exported(annotation(9, 5, labels("B")), data=good, task_id=11)]))
    batch, _ = home.ingest(again)
    assert home.store.query("SELECT count(*) AS n FROM preference_pairs WHERE id = 'ct-good'"
                            )["n"][0] == 1
    reason = home.store.query("SELECT reason FROM quarantine WHERE batch_id = ?",
                              [batch])["reason"][0]
    assert reason.startswith("duplicate id 'ct-good' (already in batch")
