"""Command-line entry point of a training run, for Dagster's ``PipesSubprocessClient``.

    python -m safety_assets.ml.train_entry --spec spec.json          # one process
    accelerate launch --multi_gpu --num_processes N --num_machines 1 --mixed_precision no \
        --dynamo_backend no -m safety_assets.ml.train_entry --spec spec.json   # N processes

:func:`launch_command` builds these. ``--multi_gpu`` also on a CPU-only machine: accelerate
1.15's ``--cpu --num_processes N`` runs a single process (its multi-CPU mode is mpirun), while
``--multi_gpu`` starts N processes with torchrun and the trainer, finding no GPU, joins them
over gloo.

Under Dagster Pipes (its env vars are inherited by every rank) only the main process opens the
Pipes channel: progress lines go to ``context.log`` and the run ends with one
``report_asset_materialization``. Without Pipes the same lines are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PIPES_CONTEXT_ENV = "DAGSTER_PIPES_CONTEXT"  # what dagster_pipes checks to detect Pipes


def accelerate_prefix(num_processes: int, threads_per_process: int | None = None, *,
                      num_machines: int = 1, machine_rank: int = 0,
                      main_process_ip: str | None = None,
                      main_process_port: int | None = None) -> list[str]:
    """``accelerate launch`` with N data-parallel processes in all (GPUs, or CPU processes on
    gloo). On several machines each runs this with its own ``machine_rank`` and the rank-0
    machine's address; ``num_processes`` counts the processes of every machine."""
    per_machine = max(1, num_processes // num_machines)
    threads = threads_per_process or max(1, (os.cpu_count() or 1) // per_machine)
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu",
               "--num_processes", str(num_processes), "--num_machines", str(num_machines),
               "--mixed_precision", "no",  # the TrainSpec decides; the launcher's is unused
               "--dynamo_backend", "no", "--num_cpu_threads_per_process", str(threads)]
    if num_machines > 1:
        if main_process_ip is None or main_process_port is None:
            raise ValueError("several machines need main_process_ip and main_process_port "
                             "(the rank-0 machine's address)")
        command += ["--machine_rank", str(machine_rank), "--main_process_ip",
                    main_process_ip, "--main_process_port", str(main_process_port)]
    return command


def launch_command(
    spec_path: str | os.PathLike[str],
    num_processes: int = 1,
    *,
    asset_key: str | None = None,
    threads_per_process: int | None = None,
    entry: str = "safety_assets.ml.train_entry",
) -> list[str]:
    """The command a Dagster asset hands to ``PipesSubprocessClient.run(command=...)``: the
    trainer module ``entry`` (this one, or the PPO entry point) on ``spec_path``."""
    args = ["-m", entry, "--spec", str(spec_path)]
    if asset_key is not None:
        args += ["--asset-key", asset_key]
    if num_processes <= 1:
        return [sys.executable, *args]
    return accelerate_prefix(num_processes, threads_per_process) + args


def stay_offline() -> None:
    """Nothing is ever downloaded: the hub's offline switches, set before transformers is
    imported (it reads them once). Every job entry point calls this first."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _is_main_process() -> bool:
    # Before the Accelerator exists: torchrun (behind `accelerate launch`) sets RANK.
    return int(os.environ.get("RANK", "0")) == 0


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def progress_line(progress: Any) -> str:
    return (f"step {progress.step}/{progress.total_steps} loss {progress.loss:.4f} "
            f"lr {progress.lr:.2e} tokens/s {progress.tokens_per_s:,.0f} "
            f"ETA {format_duration(progress.eta_s)}")


def materialization_metadata(metrics: dict[str, Any], curve: Path | None) -> dict[str, Any]:
    """The figures Dagster shows for the trained model (plain values: Pipes infers types)."""
    keys = ("task", "steps", "final_train_loss", "final_train_loss_avg10", "eval_loss",
            "eval_perplexity", "eval_accuracy", "eval_accuracy_by_strength", "tokens_seen",
            "tokens_per_s", "num_parameters", "trainable_parameters", "wall_time_s",
            "train_time_s", "num_processes", "resumed_from_step", "learning_rate")
    metadata: dict[str, Any] = {}
    for key in keys:
        value = metrics.get(key)
        if value is None:
            continue
        # Pipes reads a bare dict as a {raw_value, type} wrapper: mappings must be typed json.
        metadata[key] = {"raw_value": value, "type": "json"} if isinstance(value, dict) else value
    metadata["model_dir"] = {"raw_value": str(metrics["model_dir"]), "type": "path"}
    if curve is not None:
        metadata["loss_curve"] = {"raw_value": str(curve), "type": "path"}
    return metadata


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True, help="TrainSpec as a JSON file")
    parser.add_argument("--asset-key", default=None,
                        help="asset to report when the Pipes step has several in scope")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Set here, not at import (Dagster code imports this module for launch_command).
    stay_offline()
    from transformers.utils import logging as hf_logging

    from safety_assets.ml.trainer import TrainSpec, save_loss_curve, train

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    spec = TrainSpec.from_json(args.spec)
    main_process = _is_main_process()
    pipes = None
    if main_process and os.environ.get(PIPES_CONTEXT_ENV):
        from dagster_pipes import open_dagster_pipes

        pipes = open_dagster_pipes()

    def emit(line: str) -> None:
        if pipes is not None:
            pipes.log.info(line)
        else:
            print(line, flush=True)

    finished = False
    try:
        metrics = train(spec, progress=lambda p: emit(progress_line(p)))
        if main_process:
            curve = save_loss_curve(metrics, Path(spec.output_dir) / "loss_curve.png")
            summary = materialization_metadata(metrics, curve)
            emit("done: " + json.dumps(
                {k: v for k, v in summary.items() if not isinstance(v, dict)}, default=str))
            if pipes is not None:
                _report(pipes, summary, args.asset_key)
        finished = True
    except BaseException as error:
        if pipes is not None:
            # Reports the exception to Dagster (as `with open_dagster_pipes()` would).
            pipes.__exit__(type(error), error, error.__traceback__)
        raise
    finally:
        close_process_group(finished)
    if pipes is not None:
        pipes.close()
    return 0


def close_process_group(finished: bool) -> None:
    """End this rank's part in a data-parallel run, if it has one.

    After a finished run the ranks meet at a barrier before the group is destroyed: a rank
    that destroys it while a peer still talks to it can hang them both (pytorch#75097). After
    a failure there is neither: a peer may be inside a collective that never completes, and
    the launcher stops the other ranks when this one exits non-zero."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or not finished:
        return
    dist.barrier()
    dist.destroy_process_group()


def _report(pipes: Any, metadata: dict[str, Any], asset_key: str | None) -> None:
    if not pipes.is_asset_step:
        pipes.log.warning("not an asset step: no materialization reported")
        return
    keys = list(pipes.asset_keys)
    if asset_key is None and len(keys) != 1:
        pipes.log.warning(f"{len(keys)} assets in scope and no --asset-key: nothing reported")
        return
    pipes.report_asset_materialization(metadata=metadata, asset_key=asset_key)


if __name__ == "__main__":
    sys.exit(main())
