"""Two CPU processes under ``accelerate launch`` (gloo): data-parallel training stays in sync."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from assets_tests.ml.ml_synthetic import accelerate_command, subprocess_env
from safety_assets.ml.trainer import train

WORKER = Path(__file__).with_name("ddp_worker.py")


def test_two_process_cpu_run_ends_with_identical_weights(make_spec, tmp_path: Path) -> None:
    # Reward task: its loss is a mean over pairs, so 2 processes x 4 pairs (gradients averaged
    # by DDP) is the same optimisation as 1 process x 8 pairs, which the end of the test checks.
    spec = make_spec("reward", max_steps=6, save_every=3, batch_size=4, log_every=2)
    spec.to_json(tmp_path / "spec.json")
    hashes = tmp_path / "hashes"
    hashes.mkdir()
    result = subprocess.run(
        accelerate_command() + [str(WORKER), str(tmp_path / "spec.json"), str(hashes)],
        env=subprocess_env(), capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    ranks = [json.loads((hashes / f"rank{i}.json").read_text()) for i in (0, 1)]
    print(ranks)
    assert all(r["num_processes"] == 2 and r["steps"] == 6 for r in ranks)
    assert "MULTI_CPU" in ranks[0]["distributed_type"] and ranks[0]["backend"] == "gloo"
    assert ranks[0]["hash"] == ranks[1]["hash"]

    metrics = json.loads((Path(spec.output_dir) / "metrics.json").read_text())
    assert metrics["num_processes"] == 2 and metrics["steps"] == 6
    # Each step saw batch_size examples on each of the two processes.
    assert all(r["tokens"] > 0 for r in metrics["losses"])
    saved = load_file(str(Path(spec.output_dir) / "model" / "model.safetensors"))
    assert saved and all(t.isfinite().all() for t in saved.values())

    # Real data parallelism: the same as one process seeing both halves of each batch.
    single = make_spec("reward", "single", max_steps=6, save_every=3, batch_size=8)
    reference = train(single)
    assert reference["tokens_seen"] == metrics["tokens_seen"]
    assert [r["loss"] for r in metrics["losses"]] == pytest.approx(
        [r["loss"] for r in reference["losses"]], abs=1e-4)
    expected = load_file(str(Path(single.output_dir) / "model" / "model.safetensors"))
    assert all(torch.allclose(saved[k], expected[k], atol=1e-4) for k in expected)


@pytest.mark.parametrize("task", ["sft", "reward"])
def test_two_machines_on_localhost_end_with_identical_weights(make_spec, tmp_path: Path,
                                                              task: str) -> None:
    """Multi-node as a cluster runs it: one `accelerate launch` per machine (here two on
    127.0.0.1, one process each, gloo), each given its machine rank and the main process's
    address, as a Slurm or Kubernetes job would start them."""
    from assets_tests.ops.ops_support import free_port
    from safety_assets.ml.train_entry import accelerate_prefix

    spec = make_spec(task, max_steps=4, save_every=0, batch_size=4, log_every=2)
    spec.to_json(tmp_path / "spec.json")
    hashes = tmp_path / "hashes"
    hashes.mkdir()
    port = free_port()
    launchers = [subprocess.Popen(
        accelerate_prefix(2, threads_per_process=1, num_machines=2, machine_rank=rank,
                          main_process_ip="127.0.0.1", main_process_port=port)
        + [str(WORKER), str(tmp_path / "spec.json"), str(hashes)],
        env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for rank in (0, 1)]
    outputs = []
    for launcher in launchers:
        try:
            outputs.append(launcher.communicate(timeout=300)[0])
        finally:
            if launcher.poll() is None:
                launcher.kill()
    assert [launcher.returncode for launcher in launchers] == [0, 0], \
        "\n".join(o[-3000:] for o in outputs)
    ranks = [json.loads((hashes / f"rank{i}.json").read_text()) for i in (0, 1)]
    assert all(r["num_processes"] == 2 and r["steps"] == 4 for r in ranks)
    assert ranks[0]["backend"] == "gloo"
    assert ranks[0]["hash"] == ranks[1]["hash"]
    assert (Path(spec.output_dir) / "model" / "model.safetensors").exists()
