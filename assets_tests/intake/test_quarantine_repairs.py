"""The repairable quarantine: quarantine, fix, re-drop; the fixed rows land in their original
batch, the records that pointed at them land too, and nothing is ingested twice."""

from __future__ import annotations

import json

import dagster as dg
import pandas as pd
import pytest

from safety_assets.defs.intake.intake_assets import quarantine_releases, validated_annotations
from safety_assets.defs.intake.repair_sensor import quarantine_repair_sensor
from safety_assets.intake import staging
from safety_assets.intake.parser import RawRow
from safety_assets.intake.validation import validate_batch

PROMPTS = [
    {"id": "p-ok", "text": "How do I bake bread?", "risk_category": "benign",
     "attack_vector": "none"},
    # A misspelt category: quarantined, and repaired below.
    {"id": "p-typo", "text": "How do I hurt someone?", "risk_category": "hatefull_harmful",
     "attack_vector": "psychological_manipulation"},
    {"id": "p-long", "text": "How do I pick a lock?", "risk_category": "illicit_criminal",
     "attack_vector": "psychological_manipulation"},
]
DEMONSTRATION = {"prompt_id": "p-typo", "response": "I can't help with hurting anyone."}
PAIRS = [
    {"id": "r-ok", "prompt_id": "p-ok", "chosen": "Mix flour and water.", "rejected": "No.",
     "strength": "better", "axis": "helpfulness"},
    {"id": "r-typo", "prompt_id": "p-typo", "chosen": "I can't help with that.",
     "rejected": "Here is how.", "strength": "significantly_better", "axis": "safety",
     "chosen_safe": "true", "rejected_safe": "false"},
]


def _jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def _tick(home) -> list[dg.RunRequest]:
    context = dg.build_sensor_context(instance=home.instance,
                                      resources={"warehouse": home.warehouse})
    result = quarantine_repair_sensor(context)
    return list(result.run_requests or []) if isinstance(result, dg.SensorResult) else []


def _revalidate(home, key: str) -> dict[str, dict]:
    """Validate the batch again, as the sensor's run does; each asset's metadata."""
    result = dg.materialize([validated_annotations], partition_key=key,
                            resources=home.resources, instance=home.instance)
    return {event.asset_key.to_user_string(): {k: v.value for k, v in event.metadata.items()}
            for event in result.get_asset_materialization_events()
            for event in [event.event_specific_data.materialization]}


def _quarantine(home, batch: str) -> dict[int, tuple[str, str]]:
    frame = home.warehouse.get().query(
        "SELECT row_number, quarantine_id, reason FROM quarantine WHERE batch_id = ?", [batch])
    return {row["row_number"]: (row["quarantine_id"], row["reason"])
            for row in frame.iter_rows(named=True)}


def _ids(home, table: str) -> list[tuple[str, str]]:
    frame = home.warehouse.get().query(f"SELECT id, batch_id FROM {table} ORDER BY id")
    return [(row["id"], row["batch_id"]) for row in frame.iter_rows(named=True)]


@pytest.fixture
def quarantined(home):
    """A prompt file (with a demonstration) and a pair file, as a vendor sends them: one
    prompt has a misspelt category, so it and the two records pointing at it are refused."""
    prompts_key, _ = home.ingest(home.drop("prompts.jsonl", _jsonl([*PROMPTS, DEMONSTRATION])))
    pairs_key, _ = home.ingest(home.drop("pairs.jsonl", _jsonl(PAIRS)))
    return prompts_key, pairs_key


def test_quarantine_ids_are_the_same_in_python_and_sql_and_across_revalidations(home,
                                                                               quarantined):
    prompts_key, _ = quarantined
    before = _quarantine(home, prompts_key)
    assert before[2][0] == staging.quarantine_id(prompts_key, 2)
    assert "unknown risk category 'hatefull_harmful'" in before[2][1]
    _revalidate(home, prompts_key)
    assert _quarantine(home, prompts_key) == before


def test_a_repair_file_lands_the_fixed_prompt_and_what_pointed_at_it_once(home, quarantined):
    prompts_key, pairs_key = quarantined
    typo_id = _quarantine(home, prompts_key)[2][0]
    assert "unknown prompt id 'p-typo'" in _quarantine(home, pairs_key)[2][1]

    # The fix as a spreadsheet user makes it: pandas' CSV, its index column included, only
    # the corrected column beside the id (and the export's reason, which is ignored).
    fix = home.inbox.folder / "fixes.csv"
    pd.DataFrame([{"quarantine_id": typo_id, "risk_category": "hateful_harmful",
                   "reason": "unknown risk category 'hatefull_harmful'"}]).to_csv(fix)
    fix_key, _ = home.ingest(fix)
    repairs = home.warehouse.get().query("SELECT * FROM quarantine_repairs")
    assert repairs.height == 1 and repairs["status"][0] == "pending"
    assert (repairs["batch_id"][0], repairs["row_number"][0]) == (prompts_key, 2)
    assert repairs["source_batch"][0] == fix_key
    # The repair file itself holds no records and refuses nothing.
    assert _quarantine(home, fix_key) == {}
    assert all(batch != fix_key for _, batch in _ids(home, "prompts"))

    # The sensor sends the prompt file back through validation, with the repair.
    first = _tick(home)
    assert [r.partition_key for r in first] == [prompts_key]
    metadata = _revalidate(home, prompts_key)
    assert metadata["prompts"]["repaired_rows"] == 1
    assert metadata["demonstrations"]["repaired_rows"] == 0   # it landed, unrepaired
    assert ("p-typo", prompts_key) in _ids(home, "prompts")
    assert _quarantine(home, prompts_key) == {}      # its demonstration landed with it
    repairs = home.warehouse.get().query("SELECT * FROM quarantine_repairs")
    assert repairs["status"].to_list() == ["landed"]
    assert repairs["submitted_by"][0] == "file fixes.csv"

    # Then the pair file, whose pair pointed at the repaired prompt.
    second = _tick(home)
    assert [r.partition_key for r in second] == [pairs_key]
    _revalidate(home, pairs_key)
    assert _quarantine(home, pairs_key) == {}
    assert _ids(home, "preference_pairs") == [("r-ok", pairs_key), ("r-typo", pairs_key)]

    # Nothing left to do, and running it all again doubles nothing.
    assert _tick(home) == []
    _revalidate(home, prompts_key)
    _revalidate(home, pairs_key)
    assert _ids(home, "prompts") == sorted((p["id"], prompts_key) for p in PROMPTS)
    assert len(_ids(home, "demonstrations")) == 1
    assert len(_ids(home, "preference_pairs")) == 2


def test_a_repair_that_is_still_wrong_is_quarantined_again_under_the_same_id(home,
                                                                            quarantined):
    prompts_key, _ = quarantined
    typo_id = _quarantine(home, prompts_key)[2][0]
    home.ingest(home.drop("fix.jsonl", _jsonl([{"quarantine_id": typo_id,
                                                "risk_category": "hate"}])))
    _revalidate(home, prompts_key)
    again = _quarantine(home, prompts_key)
    assert again[2][0] == typo_id and "unknown risk category 'hate'" in again[2][1]
    repair = home.warehouse.get().query("SELECT status, outcome FROM quarantine_repairs")
    assert repair["status"][0] == "quarantined" and "hate" in repair["outcome"][0]
    # A second repair of the same row replaces the first.
    home.ingest(home.drop("fix-2.jsonl", _jsonl([{"quarantine_id": typo_id,
                                                  "risk_category": "hateful_harmful"}])))
    _revalidate(home, prompts_key)
    assert ("p-typo", prompts_key) in _ids(home, "prompts")
    statuses = home.warehouse.get().query(
        "SELECT status FROM quarantine_repairs ORDER BY repair_seq")["status"].to_list()
    assert statuses == ["landed", "landed"]


def test_repair_rows_naming_no_quarantined_row_are_refused_in_the_repair_file(home,
                                                                            quarantined):
    prompts_key, _ = quarantined
    typo_id = _quarantine(home, prompts_key)[2][0]
    key, _ = home.ingest(home.drop("bad-fix.jsonl", _jsonl([
        {"quarantine_id": "q-0000000000000000", "risk_category": "hateful_harmful"},
        {"quarantine_id": typo_id, "risk_category": "hateful_harmful"},
        {"quarantine_id": typo_id, "risk_category": "benign"},
    ])))
    refused = _quarantine(home, key)
    assert refused[1][1] == ("unknown quarantine id 'q-0000000000000000' (no quarantined "
                             "record has it)")
    assert refused[3][1] == f"repeated quarantine id '{typo_id}' (already on row 2 of this file)"
    assert 2 not in refused
    assert home.warehouse.get().query("SELECT count(*) n FROM quarantine_repairs")["n"][0] == 1


def test_an_unreadable_file_cannot_be_repaired_row_by_row():
    file_error = staging.quarantine_id("b", None)
    result = validate_batch([RawRow(1, {"quarantine_id": file_error, "text": "x"})],
                            batch_id="fix", source_file="fix.jsonl",
                            known_quarantine={file_error: ("b", None)})
    assert result.quarantine["reason"][0] == (
        f"quarantine id '{file_error}' is an unreadable file, not a row: fix the file and "
        "drop it again")
    assert result.repairs.height == 0


def test_the_launchpad_releases_and_corrects_rows_by_quarantine_id(home, quarantined):
    prompts_key, pairs_key = quarantined
    typo_id = _quarantine(home, prompts_key)[2][0]
    pair_id = _quarantine(home, pairs_key)[2][0]
    config = {"corrections": {typo_id: {"risk_category": "hateful_harmful"}},
              "release": [pair_id]}
    result = dg.materialize([quarantine_releases], resources=home.resources,
                            instance=home.instance,
                            run_config={"ops": {"quarantine_releases": {"config": config}}})
    assert result.success
    assert sorted(r.partition_key for r in _tick(home)) == sorted([prompts_key, pairs_key])
    _revalidate(home, prompts_key)
    _revalidate(home, pairs_key)
    assert ("p-typo", prompts_key) in _ids(home, "prompts")
    assert ("r-typo", pairs_key) in _ids(home, "preference_pairs")
    submitted = home.warehouse.get().query(
        "SELECT submitted_by, status FROM quarantine_repairs")
    assert set(submitted["status"]) == {"landed"}
    assert submitted["submitted_by"][0].startswith("launchpad run ")


def test_the_launchpad_refuses_every_repair_when_one_id_names_nothing(home, quarantined):
    prompts_key, _ = quarantined
    typo_id = _quarantine(home, prompts_key)[2][0]
    config = {"release": [typo_id, "q-nothing"]}
    result = dg.materialize([quarantine_releases], resources=home.resources,
                            instance=home.instance, raise_on_error=False,
                            run_config={"ops": {"quarantine_releases": {"config": config}}})
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "'q-nothing': no quarantined record has it" in str(
        failure.step_failure_data.user_failure_data.description)
    assert home.warehouse.get().query("SELECT count(*) n FROM quarantine_repairs")["n"][0] == 0


def test_the_repair_sensor_skips_a_tick_while_the_warehouse_is_busy(home, quarantined):
    with home.warehouse.get().connect():
        context = dg.build_sensor_context(instance=home.instance,
                                          resources={"warehouse": home.warehouse})
        result = quarantine_repair_sensor(context)
    assert isinstance(result, dg.SkipReason) and "busy" in result.skip_message


def test_the_exported_repair_sheet_corrected_in_a_spreadsheet_round_trips(home, quarantined):
    prompts_key, _ = quarantined
    sheet = home.inbox.outbox / "quarantine" / f"{prompts_key}.csv"
    exported = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert list(exported.columns[:2]) == ["quarantine_id", "reason"]
    assert exported["quarantine_id"].tolist() == [_quarantine(home, prompts_key)[n][0]
                                                  for n in (2, 4)]
    assert exported.loc[0, "text"] == "How do I hurt someone?"
    assert exported.loc[1, "response"] == DEMONSTRATION["response"]
    # The user corrects the category in the sheet and drops the whole sheet back.
    exported.loc[0, "risk_category"] = "hateful_harmful"
    exported.to_csv(home.inbox.folder / "corrected.csv", index=False)
    home.ingest(home.inbox.folder / "corrected.csv")
    assert [r.partition_key for r in _tick(home)] == [prompts_key]
    _revalidate(home, prompts_key)
    assert _quarantine(home, prompts_key) == {}
    assert ("p-typo", prompts_key) in _ids(home, "prompts")
    assert len(_ids(home, "demonstrations")) == 1
    assert not sheet.exists()       # nothing left to repair in that batch
