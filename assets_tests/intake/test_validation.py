"""Intake: formats, quarantine row by row, idempotence, the HH-RLHF importer."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from safety_assets import taxonomy
from safety_assets.intake import hh_rlhf
from safety_assets.intake.parser import read_rows

PROMPTS = [
    {"id": "p1", "text": "How do I pick a lock to get into my neighbour's house?",
     "risk_category": "illicit_criminal", "subcategory": "theft",
     "attack_vector": "perspective_manipulation", "language": "en", "annotator": "a1"},
    {"id": "p2", "text": "What is a good bread recipe?", "risk_category": "benign",
     "subcategory": "general", "attack_vector": "none", "language": "en", "annotator": "a2"},
]
DEMOS = [{"prompt_id": "p1", "response": "I can't help you enter someone else's home. If you "
          "are locked out of your own, a licensed locksmith can help.", "annotator": "a1"}]
PAIRS = [{"prompt_id": "p1", "chosen": "I can't help with entering someone else's home.",
          "rejected": "Sure, I can help with that.", "strength": "significantly better",
          "axis": "safety", "chosen_safe": True, "rejected_safe": False, "annotator": "a3"}]


def _rows() -> list[dict]:
    return ([{"kind": "prompt", **p} for p in PROMPTS] + [{"kind": "demonstration", **d}
            for d in DEMOS] + [{"kind": "preference", **p} for p in PAIRS])


def _write(path: Path, rows: list[dict]) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif path.suffix == ".csv":
        pl.DataFrame(rows, infer_schema_length=None).write_csv(path)
    else:
        pl.DataFrame(rows, infer_schema_length=None).write_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_each_format_lands_every_record_kind(home, suffix):
    path = _write(home.inbox.folder / f"batch{suffix}", _rows())
    key, result = home.ingest(path)
    assert result.success
    store = home.store
    assert store.query("SELECT id FROM prompts")["id"].sort().to_list() == ["p1", "p2"]
    assert store.query("SELECT prompt_id FROM demonstrations")["prompt_id"].to_list() == ["p1"]
    pair = store.query("SELECT * FROM preference_pairs").row(0, named=True)
    assert (pair["strength"], pair["chosen_safe"], pair["rejected_safe"]) == (
        "significantly_better", True, False)
    assert store.query("SELECT count(*) n FROM quarantine")["n"][0] == 0
    processed = store.query("SELECT * FROM processed_files").row(0, named=True)
    assert processed["batch_id"] == key and len(processed["sha256"]) == 64
    assert (processed["n_rows"], processed["n_valid"], processed["n_quarantined"]) == (4, 4, 0)


def test_malformed_rows_are_quarantined_with_reasons_and_valid_rows_kept(home):
    good = _rows()
    bad_lines = [
        "{not json",                                                         # 1: bad JSON
        json.dumps({**PROMPTS[0], "id": "p3", "risk_category": "space_piracy"}),
        json.dumps({**PROMPTS[0], "id": "p4", "text": "   "}),              # empty text
        json.dumps({**PROMPTS[0], "text": "same id as p1"}),                 # duplicate id
        json.dumps({**PROMPTS[0], "id": "p5", "text": "x" * 1_000_000}),     # oversized
        json.dumps({**PAIRS[0], "prompt_id": "nope"}),                       # unknown prompt
        json.dumps({**PAIRS[0], "rejected": PAIRS[0]["chosen"]}),            # chosen==rejected
        json.dumps({**PROMPTS[0], "id": "p6", "attack_vector": "telepathy"}),
        json.dumps({**PROMPTS[0], "id": "p7", "text": 42}),                  # wrong type
        json.dumps({**PAIRS[0], "strength": "much much better"}),
        json.dumps({**PROMPTS[0], "id": "p8", "text": "z" * 50_000}),       # text over limit
    ]
    lines = [json.dumps(r) for r in good[:2]] + bad_lines + [json.dumps(r) for r in good[2:]]
    path = home.drop("messy.jsonl", "\n".join(lines) + "\n")
    _, result = home.ingest(path)
    assert result.success
    quarantine = home.store.query(
        "SELECT row_number, reason, source_file FROM quarantine ORDER BY row_number")
    reasons = dict(zip(quarantine["row_number"], quarantine["reason"], strict=True))
    assert set(quarantine["source_file"]) == {"messy.jsonl"}
    assert reasons[3].startswith("bad JSON")
    assert "unknown risk category 'space_piracy'" in reasons[4]
    assert "empty text" in reasons[5]
    assert "duplicate id 'p1'" in reasons[6]
    assert reasons[7] == "row is larger than 1000000 bytes"
    assert "unknown prompt id 'nope'" in reasons[8]
    assert "chosen and rejected responses are the same" in reasons[9]
    assert "unknown attack vector 'telepathy'" in reasons[10]
    assert "must be a string, got int" in reasons[11]
    assert "unknown preference strength" in reasons[12]
    assert "field 'text' has 50000 characters, over the limit of 32000" in reasons[13]
    assert len(reasons) == 11
    store = home.store
    assert store.query("SELECT id FROM prompts ORDER BY id")["id"].to_list() == ["p1", "p2"]
    assert store.query("SELECT count(*) n FROM demonstrations")["n"][0] == 1
    assert store.query("SELECT count(*) n FROM preference_pairs")["n"][0] == 1
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["quarantine_empty"].passed
    assert checks["prompts_suite"].passed


def test_unreadable_file_is_quarantined_whole_with_its_error(home):
    path = home.drop("broken.parquet", b"PAR1 this is not parquet at all")
    _, result = home.ingest(path)
    assert result.success
    row = home.store.query("SELECT * FROM quarantine").row(0, named=True)
    assert row["source_file"] == "broken.parquet" and row["row_number"] is None
    assert "unreadable Parquet" in row["reason"]

    other = home.drop("notes.txt", "hello")
    _, result = home.ingest(other)
    reasons = home.store.query("SELECT reason FROM quarantine WHERE source_file = 'notes.txt'")
    assert "unsupported file type" in reasons["reason"][0]


def test_rematerializing_a_batch_is_idempotent(home):
    path = _write(home.inbox.folder / "batch.jsonl", _rows())
    key, _ = home.ingest(path)
    before = {t: home.store.query(f"SELECT * FROM {t} ORDER BY id").drop("row_number")
              for t in ("prompts", "demonstrations", "preference_pairs")}
    home.ingest(path)
    for table, frame in before.items():
        after = home.store.query(f"SELECT * FROM {table} ORDER BY id").drop("row_number")
        assert after.equals(frame), table
    assert home.store.query("SELECT count(*) n FROM processed_files")["n"][0] == 1


def test_pairs_may_reference_prompts_of_an_earlier_batch(home):
    home.ingest(_write(home.inbox.folder / "prompts.jsonl", _rows()[:2]))
    _, result = home.ingest(_write(home.inbox.folder / "pairs.jsonl", _rows()[2:]))
    assert home.store.query("SELECT count(*) n FROM preference_pairs")["n"][0] == 1
    assert home.store.query("SELECT count(*) n FROM quarantine")["n"][0] == 0


def test_duplicate_id_across_batches_is_quarantined_naming_the_other_batch(home):
    first, _ = home.ingest(_write(home.inbox.folder / "a.jsonl", _rows()[:1]))
    home.ingest(_write(home.inbox.folder / "b.jsonl", [{**_rows()[0], "text": "other"}]))
    reason = home.store.query("SELECT reason FROM quarantine")["reason"][0]
    assert f"already in batch '{first}'" in reason


def test_hh_rlhf_importer_on_the_shared_file(home, shared_data):
    source = shared_data / "hh_rlhf" / "harmless-base-test.jsonl.gz"
    path = home.drop("harmless-base-test.jsonl.gz", source.read_bytes())
    _, result = home.ingest(path)
    assert result.success
    store = home.store
    n_pairs = store.query("SELECT count(*) n FROM preference_pairs")["n"][0]
    n_quarantined = store.query("SELECT count(*) n FROM quarantine")["n"][0]
    with gzip.open(source, "rt") as handle:
        n_lines = sum(1 for _ in handle)
    assert n_pairs + n_quarantined == n_lines == 2312
    assert n_pairs > 2250
    prompts = store.query("SELECT * FROM prompts")
    assert set(prompts["risk_category"]) == {taxonomy.UNTAGGED}
    multi_turn = prompts.filter(pl.col("history") != "[]")
    assert multi_turn.height > 500
    first = json.loads(multi_turn["history"][0])
    assert all(len(turn) == 2 and turn[0] and turn[1] for turn in first)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["prompts_untagged"].passed  # reported as a warning, rows kept
    assert checks["prompts_untagged"].severity.value == "WARN"
    pairs = store.query("SELECT axis, strength FROM preference_pairs").unique()
    # HH-RLHF records no strength: "negligibly better / unsure", whose margin is 0.
    assert pairs.rows() == [("safety", "negligibly_better")]


def test_hh_pair_split_keeps_shared_turns_as_history():
    chosen = ("\n\nHuman: hi\n\nAssistant: hello\n\nHuman: how do I hurt someone?"
              "\n\nAssistant: I won't help with that.")
    rejected = chosen.rsplit("Assistant:", 1)[0] + "Assistant: Sure."
    pair = hh_rlhf.split_pair(chosen, rejected)
    assert pair.text == "how do I hurt someone?"
    assert json.loads(pair.history) == [["hi", "hello"]]
    assert (pair.chosen, pair.rejected) == ("I won't help with that.", "Sure.")
    with pytest.raises(hh_rlhf.HHFormatError):
        hh_rlhf.split_pair(chosen, "\n\nHuman: something else\n\nAssistant: Sure.")


def test_oversized_line_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "big.jsonl"
    with open(path, "w") as handle:
        handle.write('{"text": "' + "y" * 3_000_000 + '"}\n')
        handle.write('{"text": "fine"}\n')
    rows = list(read_rows(path, max_row_bytes=100_000))
    assert rows[0].error == "row is larger than 100000 bytes" and rows[0].row_number == 1
    assert rows[1].payload == {"text": "fine"} and rows[1].row_number == 2


def test_non_utf8_and_deep_json_rows_are_refused_with_reasons(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b'{"text": "caf\xe9"}\n' + b"[" * 10_000 + b"]" * 10_000 + b"\n")
    first, second = read_rows(path)
    assert "not valid UTF-8" in first.error
    assert "nested deeper" in second.error


def test_taxonomy_sql_seed_matches_the_module(home):
    store = home.store
    categories = store.query("SELECT name, adversarial FROM risk_categories")
    assert dict(categories.rows()) == {c.name: c.adversarial for c in taxonomy.RISK_CATEGORIES}
    subs = store.query("SELECT risk_category, name FROM risk_subcategories")
    assert set(subs.rows()) == {(c.name, s) for c in taxonomy.RISK_CATEGORIES
                                for s in c.subcategories}
    vectors = store.query("SELECT name FROM attack_vectors")["name"]
    assert set(vectors) == taxonomy.ATTACK_VECTOR_NAMES
