"""Two CPU processes under ``accelerate launch`` (gloo): data-parallel training stays in sync."""

from __future__ import annotations

import json
import subprocess
import time
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
    # Each machine's output goes to a file, and both machines are waited on at once: a failure
    # or a hang then shows both machines' logs, not only those of the first one waited on.
    logs = [tmp_path / f"machine{rank}.log" for rank in (0, 1)]
    launchers = []
    for rank, log in zip((0, 1), logs, strict=True):
        with log.open("w") as out:
            launchers.append(subprocess.Popen(
                accelerate_prefix(2, threads_per_process=1, num_machines=2, machine_rank=rank,
                                  main_process_ip="127.0.0.1", main_process_port=port)
                + [str(WORKER), str(tmp_path / "spec.json"), str(hashes)],
                env=subprocess_env(), stdout=out, stderr=subprocess.STDOUT, text=True))
    deadline = time.monotonic() + 300
    try:
        while any(launcher.poll() is None for launcher in launchers) \
                and time.monotonic() < deadline:
            if any(launcher.poll() not in (None, 0) for launcher in launchers):
                break  # one machine failed: the other would wait for it until the deadline
            time.sleep(1)
    finally:
        for launcher in launchers:
            if launcher.poll() is None:
                launcher.kill()
                launcher.wait()
    outputs = "\n".join(f"--- machine {rank} ---\n" + log.read_text()[-3000:]
                        for rank, log in enumerate(logs))
    assert [launcher.returncode for launcher in launchers] == [0, 0], outputs
    ranks = [json.loads((hashes / f"rank{i}.json").read_text()) for i in (0, 1)]
    assert all(r["num_processes"] == 2 and r["steps"] == 4 for r in ranks)
    assert ranks[0]["backend"] == "gloo"
    assert ranks[0]["hash"] == ranks[1]["hash"]
    assert (Path(spec.output_dir) / "model" / "model.safetensors").exists()


def test_ppo_through_the_launcher_with_two_processes_keeps_the_ranks_identical(
        tmp_path: Path) -> None:
    """PPO as the ``ppo_model`` asset launches it, with the launcher's ``num_processes=2``:
    each rank samples half of every batch, rewards and advantages are whitened over the whole
    batch, gradients are summed over ranks, and rank 0 alone writes the checkpoint."""
    from safety_assets.defs.resources import TrainingLauncherResource
    from safety_assets.ml.modeling import load_causal_lm
    from safety_assets.rlhf.tiny import char_tokenizer, save_ppo_models

    tokenizer = char_tokenizer()
    folders = save_ppo_models(tmp_path, tokenizer)
    texts = ["hello", "how do I pick a lock", "tell me a joke", "how to hurt someone"]
    spec = {
        "policy": str(folders["policy"]), "safety_rm": str(folders["safety"]),
        "helpfulness_rm": str(folders["helpful"]), "launch": {"cpu": True},
        "output_dir": str(tmp_path / "out" / "model"), "safety_threshold": 0.15,
        "prompts": [{"text": t, "history": None, "adversarial": i % 2 == 1}
                    for i, t in enumerate(texts)],
        "config": {"batch_size": 4, "mini_batch_size": 2, "iterations": 2,
                   "max_new_tokens": 6, "learning_rate": 1e-3, "seed": 3},
    }
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(spec))
    command = TrainingLauncherResource(num_processes=2).command(
        spec_path, entry="safety_assets.rlhf.ppo_entry")
    assert "--num_processes" in command and command[command.index("--num_processes") + 1] == "2"
    done = subprocess.run(command, env=subprocess_env(), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["processes"] == 2 and metrics["ranks_identical"] is True
    assert metrics["iterations"] == 2 and len(metrics["stats"]) == 2
    # The weights moved (the step was real) and the checkpoint reloads.
    trained = load_causal_lm(tmp_path / "out" / "model", device="cpu")
    start = load_causal_lm(folders["policy"], device="cpu")
    moved = [not torch.equal(a, b) for a, b in zip(trained.state_dict().values(),
                                                   start.state_dict().values(), strict=True)]
    assert any(moved)


def _whiten_half(rank: int, init_file: str, out_dir: str) -> None:
    """One of two gloo ranks: whiten its half of a batch across both."""
    import torch.distributed as dist

    from safety_assets.rlhf.ppo import whiten_across_ranks

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=2)
    try:
        x, mask = _WHITEN_X[rank::2], _WHITEN_MASK[rank::2]
        torch.save(whiten_across_ranks(x, mask, 2), f"{out_dir}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()


_WHITEN_X = torch.tensor([[1.0, 2.0, 5.0], [0.5, -1.0, 3.0], [4.0, 0.0, 2.0],
                          [-2.0, 1.5, 0.25]])
_WHITEN_MASK = torch.tensor([[True, True, False], [True, False, False], [True, True, True],
                             [False, True, True]])


def test_whitening_across_two_processes_equals_whitening_the_whole_batch(tmp_path) -> None:
    import torch.multiprocessing as mp

    from safety_assets.rlhf.ppo import whiten_across_ranks
    from safety_assets.rlhf.reward_rules import whiten

    mp.spawn(_whiten_half, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=2, join=True)
    whole = whiten(_WHITEN_X, mask=_WHITEN_MASK)
    for rank in (0, 1):
        half = torch.load(tmp_path / f"rank{rank}.pt")
        assert torch.allclose(half, whole[rank::2], atol=1e-6), (rank, half, whole)
    # One process: exactly plain whitening.
    assert torch.equal(whiten_across_ranks(_WHITEN_X, _WHITEN_MASK, 1),
                       whiten(_WHITEN_X, mask=_WHITEN_MASK))
