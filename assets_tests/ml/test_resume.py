"""Checkpoint and resume: an interrupted run continues from its last save and ends like an
uninterrupted one, and the final model only ever appears complete."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from assets_tests.ml.ml_synthetic import subprocess_env
from safety_assets.ml.trainer import MODEL_DIR, STATE_DIR, Progress, train


def weights(output_dir: str | Path) -> dict[str, torch.Tensor]:
    return load_file(str(Path(output_dir) / MODEL_DIR / "model.safetensors"))


def saved_step(output_dir: str | Path) -> int:
    try:
        return json.loads((Path(output_dir) / STATE_DIR / "progress.json").read_text())["step"]
    except (FileNotFoundError, json.JSONDecodeError):
        return 0


def no_leftovers(output_dir: str | Path) -> None:
    hidden = [p.name for p in Path(output_dir).iterdir() if p.name.startswith(".")]
    assert hidden == [] and not (Path(output_dir) / f"{STATE_DIR}.tmp").exists()


class Crash(RuntimeError):
    pass


def test_run_extended_with_larger_max_steps_resumes_from_its_last_save(make_spec) -> None:
    spec = make_spec("sft", max_steps=6, save_every=3)
    first = train(spec)
    assert first["steps"] == 6 and saved_step(spec.output_dir) == 6
    spec = make_spec("sft", max_steps=10, save_every=3)
    second = train(spec)
    assert second["steps"] == 10 and second["resumed_from_step"] == 6
    assert second["segments"] == 2
    assert [r["step"] for r in second["losses"]] == list(range(1, 11))
    assert second["losses"][:6] == first["losses"]  # the history survives the restart
    assert second["tokens_seen"] == sum(r["tokens"] for r in second["losses"])
    no_leftovers(spec.output_dir)


def test_crashed_run_resumes_and_matches_an_uninterrupted_one(make_spec) -> None:
    reference = make_spec("reward", "reference", max_steps=12, save_every=4, log_every=1)
    expected = train(reference)

    spec = make_spec("reward", "crashed", max_steps=12, save_every=4, log_every=1)

    def crash_at_step_6(progress: Progress) -> None:
        if progress.step == 6:
            raise Crash

    with pytest.raises(Crash):
        train(spec, progress=crash_at_step_6)
    assert saved_step(spec.output_dir) == 4
    assert not (Path(spec.output_dir) / MODEL_DIR).exists()
    assert not (Path(spec.output_dir) / "metrics.json").exists()

    resumed = train(spec)
    assert resumed["steps"] == 12 and resumed["resumed_from_step"] == 4
    # Same data order, optimiser, schedule and RNG after the restart: the same model.
    assert [r["loss"] for r in resumed["losses"]] == pytest.approx(
        [r["loss"] for r in expected["losses"]], abs=1e-6)
    got, want = weights(spec.output_dir), weights(reference.output_dir)
    assert got.keys() == want.keys()
    assert all(torch.allclose(got[k], want[k], atol=1e-6) for k in want)


def test_changed_spec_refuses_to_resume_foreign_state(make_spec) -> None:
    train(make_spec("sft", max_steps=4, save_every=2))
    with pytest.raises(ValueError, match="different run"):
        train(make_spec("sft", max_steps=6, save_every=2, lr=0.5))


def _wait_for_checkpoint(process: subprocess.Popen[Any], output_dir: Path, step: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        # Before completion the final model must never be visible.
        assert not (output_dir / MODEL_DIR).exists()
        if (reached := saved_step(output_dir)) >= step:
            return reached
        time.sleep(0.02)
    raise AssertionError("no checkpoint within 120 s")


def test_sigkilled_run_resumes_to_the_same_step_count(make_spec, tmp_path: Path) -> None:
    spec = make_spec("pretrain", max_steps=120, save_every=10, log_every=10)
    spec.to_json(tmp_path / "spec.json")
    output_dir = Path(spec.output_dir)
    log = (tmp_path / "killed.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "safety_assets.ml.train_entry", "--spec",
         str(tmp_path / "spec.json")],
        env=subprocess_env(), stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        reached = _wait_for_checkpoint(process, output_dir, 20)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        log.close()
    assert process.returncode == -signal.SIGKILL
    assert 20 <= saved_step(output_dir) < 120
    assert not (output_dir / MODEL_DIR).exists()
    assert not (output_dir / "metrics.json").exists()

    metrics = train(spec)
    print(f"killed after checkpoint {reached}, resumed from {metrics['resumed_from_step']}")
    assert metrics["steps"] == 120 and metrics["resumed_from_step"] >= 20
    assert [r["step"] for r in metrics["losses"]] == list(range(1, 121))
    assert (output_dir / MODEL_DIR / "model.safetensors").exists()
    no_leftovers(output_dir)
