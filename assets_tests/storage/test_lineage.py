"""Lineage by version: versions kept side by side, parents as versions, and the diff between
two versions of a checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safety_assets.annotation.rounds import assign_round
from safety_assets.storage.lineage import (
    diff_versions,
    registered_parents,
    render_diff,
    version_row,
    versions,
)
from safety_assets.storage.model_store import ModelStore
from safety_assets.storage.warehouse import Warehouse


def _folder(root: Path, name: str) -> Path:
    path = root / name / "model"
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    return path


def _round(store: Warehouse, batch: str, round_: int) -> None:
    with store.connect() as con:
        assign_round(con, batch, round_)


def _two_rounds(tmp_path: Path) -> tuple[Warehouse, ModelStore, list[str]]:
    """base_model once; sft_model on round 1's batch, then on rounds 1 and 2 with another
    learning rate; the safety RM on the SFT model of each round."""
    store = Warehouse(tmp_path / "warehouse.duckdb")
    models = ModelStore(tmp_path / "models")
    _round(store, "b1", 1)
    _round(store, "b2", 2)
    models.register(store, name="base_model", stage="base", path=_folder(tmp_path, "base"),
                    parents={}, config={"profile": "tiny"}, data_hash="a" * 64, metrics={})
    made = []
    for i, (batches, lr) in enumerate((({"b1": 10}, 1e-4), ({"b1": 10, "b2": 4}, 2e-4))):
        made.append(models.register(
            store, name="sft_model", stage="sft", path=_folder(tmp_path, f"sft{i}"),
            parents={"base_model": "base_model", "sft_mixture": batches},
            config={"learning_rate": lr, "output_dir": f"/jobs/{i}"},
            data_hash=f"{i}" * 64, metrics={"final_train_loss": 1.0 - i / 10}))
        models.register(store, name="safety_reward_model", stage="reward",
                        path=_folder(tmp_path, f"rm{i}"),
                        parents={"sft_model": "sft_model", "safety_rm_pairs": batches},
                        config={}, data_hash=f"r{i}" * 32, metrics={})
    return store, models, made


def test_a_retrained_checkpoint_is_a_new_version_and_the_old_one_stays(tmp_path):
    store, models, made = _two_rounds(tmp_path)
    table = versions(store, "sft_model")
    assert table["version"].to_list() == made
    assert table["round"].to_list() == [1, 2]
    assert ModelStore.path_of(store, "sft_model") == tmp_path / "sft1" / "model"
    # The old version is still there, with its own folder and parents.
    old = version_row(store, "sft_model", "round:1")
    assert old["path"] == str(tmp_path / "sft0" / "model")
    assert json.loads(old["parents"])["sft_mixture"] == {
        "batches": {"b1": {"rows": 10, "round": 1}}}


def test_parents_are_recorded_as_versions(tmp_path):
    store, _, made = _two_rounds(tmp_path)
    rm = versions(store, "safety_reward_model").row(1, named=True)
    parents = registered_parents(store, "safety_reward_model", rm["version"])
    assert parents["sft_model"] == {"model": "sft_model", "version": made[1]}
    assert parents["safety_rm_pairs"]["batches"]["b2"] == {"rows": 4, "round": 2}
    base = registered_parents(store, "sft_model", made[0])["base_model"]
    assert base == {"model": "base_model", "version": "a" * 16}


def test_the_diff_names_the_batches_parent_versions_and_settings_that_changed(tmp_path):
    store, _, made = _two_rounds(tmp_path)
    diff = diff_versions(store, "sft_model", "round:1", "round:2")
    assert diff.batches == [("sft_mixture", "b2", 2, None, 4)]
    assert diff.config == [("learning_rate", 1e-4, 2e-4)]   # output_dir is a path, not a change
    assert diff.parent_models == []                         # the same base model
    rm = diff_versions(store, "safety_reward_model", "previous", "latest")
    assert rm.parent_models == [("sft_model", made[0], made[1])]
    text = render_diff(rm)
    assert made[1] in text and "| safety_rm_pairs | b2 | 2 | - | 4 |" in text


def test_the_same_version_diffs_to_nothing_and_unknown_versions_are_named(tmp_path):
    store, _, made = _two_rounds(tmp_path)
    same = diff_versions(store, "sft_model", made[0], made[0][:6])
    assert "No parent version, batch or setting differs." in render_diff(same)
    with pytest.raises(LookupError, match="no version.*'zzz'|matching 'zzz'"):
        version_row(store, "sft_model", "zzz")
    with pytest.raises(LookupError, match="no version of 'ppo_model'"):
        version_row(store, "ppo_model", "latest")


def test_registering_an_old_job_again_makes_it_the_latest(tmp_path):
    store, models, made = _two_rounds(tmp_path)
    models.register(store, name="sft_model", stage="sft", path=tmp_path / "sft0" / "model",
                    parents={"base_model": "base_model", "sft_mixture": {"b1": 10}},
                    config={"learning_rate": 1e-4}, data_hash="0" * 64, metrics={})
    assert versions(store, "sft_model")["version"].to_list() == [made[1], made[0]]
    assert version_row(store, "sft_model", "latest")["version"] == made[0]


def test_a_batch_keeps_its_round_when_validated_again(tmp_path):
    store = Warehouse(tmp_path / "warehouse.duckdb")
    with store.connect() as con:
        assert assign_round(con, "b1", None) == (1, "latest_round")
        arrived = con.execute("SELECT assigned_at FROM annotation_rounds").fetchall()
        assert assign_round(con, "b2", 3) == (3, "config")
        assert assign_round(con, "b1", None) == (1, "latest_round")   # a re-validation
        # ... keeps when the batch arrived, which is when its round began for the report.
        assert con.execute("SELECT assigned_at FROM annotation_rounds WHERE batch_id = 'b1'"
                           ).fetchall() == arrived
        assert assign_round(con, "b4", None) == (3, "latest_round")
        with pytest.raises(ValueError, match="round must be 1 or more"):
            assign_round(con, "b5", 0)
