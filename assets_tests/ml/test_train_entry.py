"""The training entry point: plain printing, and Dagster Pipes reporting under accelerate.

No `from __future__ import annotations` here: Dagster resolves the asset's context annotation.
"""


import json
import subprocess
import sys
from pathlib import Path

import dagster as dg

from assets_tests.ml.ml_synthetic import accelerate_command, subprocess_env
from safety_assets.ml.train_entry import launch_command

ENTRY = ["-m", "safety_assets.ml.train_entry"]


def test_entry_point_without_pipes_prints_progress_and_writes_outputs(make_spec,
                                                                      tmp_path: Path) -> None:
    spec = make_spec("sft", max_steps=10, log_every=5)
    spec.to_json(tmp_path / "spec.json")
    command = launch_command(tmp_path / "spec.json")
    assert command == [sys.executable, *ENTRY, "--spec", str(tmp_path / "spec.json")]
    result = subprocess.run(command, env=subprocess_env(), capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any(line.startswith("step 5/10 loss ") and "tokens/s" in line and "ETA" in line
               for line in lines), result.stdout
    assert any(line.startswith("step 10/10 ") and line.endswith("ETA 0m00s") for line in lines)
    done = json.loads(next(line for line in lines if line.startswith("done: "))[6:])
    assert done["steps"] == 10 and done["tokens_seen"] > 0
    output = Path(spec.output_dir)
    assert (output / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((output / "metrics.json").read_text())["steps"] == 10
    assert (output / "model" / "config.json").exists()
    assert (output / "spec.json").exists()


def test_pipes_run_under_accelerate_reports_progress_and_one_materialization(
        make_spec, tmp_path: Path) -> None:
    spec = make_spec("reward", max_steps=6, log_every=2, batch_size=4)
    spec_path = tmp_path / "spec.json"
    spec.to_json(spec_path)
    command = launch_command(spec_path, num_processes=2, threads_per_process=1)
    assert command[:len(accelerate_command())] == accelerate_command()

    @dg.asset
    def tiny_reward_model(context: dg.AssetExecutionContext, pipes: dg.PipesSubprocessClient):
        return pipes.run(context=context, command=command,
                         env=subprocess_env()).get_materialize_result()

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([tiny_reward_model], instance=instance,
                         resources={"pipes": dg.PipesSubprocessClient()})
    assert result.success
    [materialization] = result.asset_materializations_for_node("tiny_reward_model")
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert metadata["steps"] == 6 and metadata["num_processes"] == 2
    for key in ("final_train_loss", "eval_accuracy", "tokens_seen", "num_parameters",
                "tokens_per_s", "wall_time_s"):
        assert metadata[key] > 0 if key != "eval_accuracy" else 0 <= metadata[key] <= 1, key
    assert metadata["model_dir"] == str(Path(spec.output_dir) / "model")
    assert Path(metadata["loss_curve"]).exists()

    messages = [record.user_message for record in instance.all_logs(result.run_id)]
    progress = [m for m in messages if m.startswith("step ") and "tokens/s" in m]
    # Logged by the main process only, every log_every=2 steps.
    assert [m.split()[1] for m in progress] == ["2/6", "4/6", "6/6"], messages
