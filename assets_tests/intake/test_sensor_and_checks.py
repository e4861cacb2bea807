"""The inbox sensor and the checks that stand between bad data and training."""

from __future__ import annotations

import json

import dagster as dg
import polars as pl

from safety_assets.defs.datasets import dataset_assets, dataset_checks
from safety_assets.defs.intake.inbox_sensor import annotation_inbox_sensor
from safety_assets.defs.intake.intake_checks import batch_checks
from safety_assets.intake.inbox import batch_key, locate_batch, ready_files, sha256_of

PROMPT = {"id": "p1", "text": "hello", "risk_category": "benign", "attack_vector": "none"}


def _tick(home, cursor=None):
    context = dg.build_sensor_context(instance=home.instance, cursor=cursor,
                                   resources={"inbox": home.inbox})
    return annotation_inbox_sensor(context)


def test_sensor_requests_a_run_for_a_new_partition_per_new_file(home):
    first = home.drop("batch-a.jsonl", json.dumps(PROMPT) + "\n")
    result = _tick(home)
    key = batch_key(first.name, sha256_of(first))
    assert [r.partition_key for r in result.run_requests] == [key]
    assert result.dynamic_partitions_requests[0].partition_keys == [key]
    assert result.run_requests[0].run_key == key

    # Nothing new: no run. A second file: only that one.
    assert not _tick(home, result.cursor).run_requests
    second = home.drop("batch-b.jsonl", json.dumps({**PROMPT, "id": "p2"}) + "\n")
    later = _tick(home, result.cursor)
    assert [r.partition_key for r in later.run_requests] == [
        batch_key(second.name, sha256_of(second))]


def test_sensor_does_not_ingest_the_same_content_twice(home):
    content = json.dumps(PROMPT) + "\n"
    home.drop("one.jsonl", content)
    result = _tick(home)
    home.drop("copy-of-one.jsonl", content)
    again = _tick(home, result.cursor)
    assert len(result.run_requests) == 1 and not again.run_requests


def test_sensor_skips_links_hidden_and_half_copied_files(home, tmp_path):
    outside = tmp_path / "secret.jsonl"
    outside.write_text(json.dumps(PROMPT) + "\n")
    (home.inbox.folder / "link.jsonl").symlink_to(outside)
    home.drop(".hidden.jsonl", "x")
    home.drop("upload.jsonl.part", "x")
    assert ready_files(home.inbox.folder) == []
    assert not _tick(home).run_requests


def test_batch_file_is_found_again_after_it_leaves_the_inbox(home):
    path = home.drop("batch.jsonl", json.dumps(PROMPT) + "\n")
    key, _ = home.ingest(path)
    path.unlink()
    found = locate_batch(key, home.inbox.folder, home.inbox.archive)
    assert found.read_text().startswith("{")


def test_blocking_suite_fails_on_bad_prompts():
    bad = pl.DataFrame({
        "id": ["a", "a"], "text": ["fine", ""], "risk_category": ["benign", "space_piracy"],
        "attack_vector": ["none", "none"], "history": ["[]", "[]"],
    })
    empty_demos = pl.DataFrame(schema={"id": pl.String, "prompt_id": pl.String,
                                       "response": pl.String})
    empty_pairs = pl.DataFrame(schema={"id": pl.String, "chosen": pl.String,
                                       "rejected": pl.String, "strength": pl.String,
                                       "axis": pl.String, "rejected_safe": pl.Boolean})
    results = {r.check_name: r for r in batch_checks(bad, empty_demos, empty_pairs,
                                                      pl.DataFrame())}
    suite = results["prompts_suite"]
    assert not suite.passed
    failed = {(f["expectation"], f["column"]) for f in suite.metadata["failures"].value}
    assert {("expect_column_values_to_be_unique", "id"),
            ("expect_column_values_to_be_in_set", "risk_category"),
            ("expect_column_values_to_be_between", "text_length")} <= failed


def test_blocking_check_stops_training_data_built_from_bad_rows(home):
    # Rows written to the warehouse behind intake's back must still be caught.
    home.ingest(home.drop("p.jsonl", json.dumps({**PROMPT, "risk_category": "illicit_criminal",
                                                   "attack_vector": "other"}) + "\n"))
    with home.store.connect() as con:
        con.execute("INSERT INTO preference_pairs VALUES ('x', 'manual', 1, 'r1', 'p1', "
                    "'same', 'same', 'much_better', 'safety', NULL, NULL, 'a')")
    result = dg.materialize(
        [dataset_assets.prompt_splits, dataset_assets.safety_rm_pairs,
         dataset_checks.safety_rm_pairs_suite],
        resources={"warehouse": home.warehouse}, instance=home.instance, raise_on_error=False)
    evaluation = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluation["safety_rm_pairs_suite"].passed
    failures = evaluation["safety_rm_pairs_suite"].metadata["failures"].value
    assert {f["column"] for f in failures} >= {"chosen_equals_rejected", "strength"}
