"""A training asset killed mid-run resumes from its last saved step when materialized again,
ends with the full number of steps, and never registers a half-written checkpoint."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from safety_assets.defs.datasets import dataset_assets
from safety_assets.defs.resources import ModelProfileResource
from safety_assets.defs.sft import sft_assets
from safety_assets.storage.model_store import ModelStore

pytestmark = pytest.mark.slow

STEPS = 400
SMALL = {"vocab_size": 384, "hidden": 32, "layers": 1, "heads": 2, "max_length": 64}


def _trainer_pids(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "safety_assets.ml.train_entry" in command and marker in command:
            pids.append(int(entry.name))
    return pids


def test_killed_training_asset_resumes_and_registers_only_the_finished_model(make_home,
                                                                             tmp_path):
    home = make_home(tmp_path)
    models_root = tmp_path / "models"
    resources = home.pipeline_resources(profile=ModelProfileResource(**SMALL))
    run_config = {"ops": {"base_model": {"config": {
        "max_steps": STEPS, "save_every": 10, "batch_size": 4, "lr": 1e-3}}}}
    assets = [dataset_assets.prompt_splits, dataset_assets.sft_mixture, sft_assets.chat_tokenizer,
              sft_assets.base_model]
    first: dict[str, object] = {}
    runner = threading.Thread(target=lambda: first.setdefault("result", dg.materialize(
        assets, resources=resources, instance=home.instance, run_config=run_config,
        raise_on_error=False)))
    runner.start()

    deadline = time.time() + 240
    state = None
    while time.time() < deadline and state is None:
        found = list(models_root.glob("base_model/*/_state/progress.json"))
        state = found[0] if found else None
        time.sleep(0.2)
    assert state is not None, "no checkpoint was saved in time"
    pids = _trainer_pids(str(models_root))
    assert pids, "the trainer process was not found"
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    runner.join(timeout=120)

    assert not first["result"].success
    job = state.parent.parent
    saved_step = json.loads(state.read_text())["step"]
    assert 0 < saved_step < STEPS
    assert not (job / "model").exists()
    assert "base_model" not in set(ModelStore.registered(home.store)["name"])

    retry = dg.materialize(assets, resources=resources, instance=home.instance,
                        run_config=run_config)
    assert retry.success
    metrics = json.loads((job / "metrics.json").read_text())
    assert metrics["resumed_from_step"] >= saved_step
    assert metrics["steps"] == metrics["total_steps"] == STEPS
    assert ModelStore.path_of(home.store, "base_model") == job / "model"
