"""Input fingerprints: what makes a derived partition reusable, and what does not."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from safety_assets.storage import asset_versions as versions
from safety_assets.storage.warehouse import Warehouse

COUNT = "SELECT count(*) FROM sampled_responses WHERE risk_category = ?"


def _store(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "warehouse.duckdb")


def _samples(category: str, n: int) -> pl.DataFrame:
    return pl.DataFrame({
        "risk_category": [category] * n, "prompt_id": [f"p{i}" for i in range(n)],
        "sample_index": [0] * n, "response": [f"answer {i}" for i in range(n)],
        "model": ["m"] * n, "model_path": ["/m"] * n, "backend": ["hf"] * n,
        "seed": [0] * n, "temperature": [1.0] * n, "top_p": [0.9] * n},
        schema_overrides={"sample_index": pl.Int32})


def test_fingerprint_ignores_key_order_and_sees_every_value():
    assert versions.fingerprint(a=1, b={"x": 1, "y": 2}) == \
        versions.fingerprint(b={"y": 2, "x": 1}, a=1)
    assert versions.fingerprint(a=1, b={"x": 1, "y": 2}) != \
        versions.fingerprint(a=1, b={"x": 1, "y": 3})


def test_query_digest_is_order_independent_and_changes_with_any_column(tmp_path):
    store = _store(tmp_path)
    with store.connect() as con:
        store.insert(con, "sampled_responses", _samples("benign", 5))
    sql = "SELECT * FROM sampled_responses WHERE risk_category = ?"
    first = versions.query_digest(store, sql + " ORDER BY prompt_id", ["benign"])
    assert first == versions.query_digest(store, sql + " ORDER BY prompt_id DESC", ["benign"])
    assert first.startswith("5:")
    store.execute("UPDATE sampled_responses SET top_p = 0.95 WHERE prompt_id = 'p3'")
    assert versions.query_digest(store, sql, ["benign"]) != first
    assert versions.query_digest(store, sql, ["none"]).startswith("0:")


def test_a_partition_is_current_only_with_the_same_version_and_all_its_rows(tmp_path):
    store = _store(tmp_path)
    assert not versions.is_current(store, "sampled_responses", "benign", "v1", COUNT,
                                   ["benign"])
    with store.connect() as con:
        store.insert(con, "sampled_responses", _samples("benign", 4))
        versions.record(con, "sampled_responses", "benign", "v1", 4, "run-1")
    assert versions.recorded(store, "sampled_responses", "benign") == ("v1", 4)
    assert versions.is_current(store, "sampled_responses", "benign", "v1", COUNT, ["benign"])
    assert not versions.is_current(store, "sampled_responses", "benign", "v2", COUNT,
                                   ["benign"])
    store.execute("DELETE FROM sampled_responses WHERE prompt_id = 'p0'")
    assert not versions.is_current(store, "sampled_responses", "benign", "v1", COUNT,
                                   ["benign"])


def test_folder_stamp_changes_when_a_file_is_rewritten(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    first = versions.folder_stamp(folder)
    assert first == versions.folder_stamp(folder)
    (folder / "weights.bin").write_bytes(b"\0" * 8)
    second = versions.folder_stamp(folder)
    assert second != first
    assert versions.folder_stamp(tmp_path / "absent") == "missing"


def test_a_recorded_version_whose_table_was_dropped_is_not_current(tmp_path):
    store = _store(tmp_path)
    store.execute("CREATE TABLE context_distillation AS SELECT 1 AS kept")
    with store.connect() as con:
        versions.record(con, "context_distillation_dataset", "", "v1", 1)
    count = "SELECT count(*) FROM context_distillation"
    assert versions.is_current(store, "context_distillation_dataset", "", "v1", count, [])
    store.execute("DROP TABLE context_distillation")
    assert not versions.is_current(store, "context_distillation_dataset", "", "v1", count, [])


def test_a_folder_is_current_only_once_marked_with_the_same_version(tmp_path):
    folder = tmp_path / "judges"
    assert not versions.folder_is_current(folder, "v1")
    folder.mkdir()
    (folder / "judges.json").write_text("{}")
    assert not versions.folder_is_current(folder, "v1")   # written, never marked complete
    versions.mark_folder(folder, "v1")
    assert versions.folder_is_current(folder, "v1")
    assert not versions.folder_is_current(folder, "v2")
