"""Command-line entry point of a PPO run, launched by the ``ppo_model`` asset through Dagster
Pipes (``python -m safety_assets.rlhf.ppo_entry --spec spec.json``).

The spec names the initial policy, both reward models, the prompts (with their adversarial
flag) and the PPO settings; the reward is the paper's piecewise rule (section 3.2.3).
A prompt entry is either ``{"prompt": rendered text, "adversarial"}`` or ``{"text", "history"?,
"system"?, "adversarial"}``; the latter is rendered here in the policy's own chat format
(:func:`~safety_assets.ml.chat_format.render_prompt`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from safety_assets.ml.train_entry import close_process_group, stay_offline

stay_offline()


def plot_stats(stats: list[dict[str, Any]], path: Path) -> Path:
    """Reward, KL and entropy per PPO iteration, one panel each."""
    from safety_assets.plots import figure_to

    steps = list(range(1, len(stats) + 1))
    panels = [("raw_reward", "combined reward R_c"), ("kl", "KL to initial policy"),
              ("entropy", "entropy")]
    with figure_to(path, ncols=3, figsize=(12, 3.5)) as (_, axes):
        for axis, (key, title) in zip(axes, panels, strict=True):
            axis.plot(steps, [s.get(key, float("nan")) for s in stats])
            axis.set_title(title)
            axis.set_xlabel("PPO iteration")
    return path


def launch_settings(launch: dict[str, Any]) -> tuple[str, Any]:
    """The device and autocast context from the launcher's settings (``cpu``,
    ``mixed_precision``), so the launcher decides for PPO as for the other trainers. Under
    several processes (``WORLD_SIZE`` > 1, set by ``accelerate launch``) it joins their
    process group (gloo on CPU, NCCL on GPUs) and each rank takes its own GPU."""
    import contextlib

    import torch

    device = "cpu" if launch.get("cpu", True) or not torch.cuda.is_available() else "cuda"
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        import torch.distributed as dist

        if not dist.is_initialized():
            dist.init_process_group(backend="nccl" if device == "cuda" else "gloo")
        if device == "cuda":
            device = f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
            torch.cuda.set_device(device)
    precision = launch.get("mixed_precision", "auto")
    if precision == "auto":
        precision = "bf16" if device.startswith("cuda") else "no"
    if precision == "no":
        return device, contextlib.nullcontext()
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    return device, torch.autocast(device_type=device.split(":")[0], dtype=dtype)


def is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def run(spec: dict[str, Any], log: Any) -> dict[str, Any]:
    import torch

    from safety_assets.ml.chat_format import render_prompt
    from safety_assets.ml.modeling import load_causal_lm
    from safety_assets.ml.tokenizer import load_tokenizer
    from safety_assets.rlhf.generation import probs, reward_model_scorer
    from safety_assets.rlhf.ppo import PPOConfig, train_ppo
    from safety_assets.rlhf.reward_rules import make_combined_reward_fn

    device, autocast = launch_settings(spec.get("launch", {}))
    torch.manual_seed(spec["config"].get("seed", 0))
    policy_dir = Path(spec["policy"])
    tokenizer = load_tokenizer(policy_dir, padding_side="left")
    policy = load_causal_lm(policy_dir, dtype="float32", device=device)

    def scorer(name: str):
        score = reward_model_scorer(spec[f"{name}_rm"], device=device, batch_size=32)

        def scored(prompts: list[str], responses: list[str],
                   finished: Sequence[bool] | None = None) -> torch.Tensor:
            # finished: truncated rollouts are scored without their closing EOS
            return probs(score(prompts, responses, finished=finished))

        return scored

    def prompt_of(entry: dict[str, Any]) -> str:
        if "prompt" in entry:
            return str(entry["prompt"])
        return render_prompt(tokenizer, entry["text"], entry.get("history"), entry.get("system"))

    prompts = [prompt_of(p) for p in spec["prompts"]]
    adversarial = {prompt: bool(p["adversarial"])
                   for prompt, p in zip(prompts, spec["prompts"], strict=True)}
    reward_fn = make_combined_reward_fn(scorer("safety"), scorer("helpfulness"), adversarial,
                                        threshold=spec["safety_threshold"])
    config = PPOConfig(**{**spec["config"], "device": device})
    started = time.time()

    def progress(iteration: int, stats: dict[str, Any]) -> None:
        log(f"iteration {iteration + 1}/{config.iterations} reward {stats['raw_reward']:.4f} "
            f"kl {stats['kl']:.4f} entropy {stats['entropy']:.3f} "
            f"truncated {stats['truncated_share']:.0%} "
            f"elapsed {time.time() - started:.0f}s")

    with autocast:
        result = train_ppo(policy, tokenizer, prompts, reward_fn, config, progress=progress)
    if result.ranks_identical is False:
        raise RuntimeError(f"PPO over {result.world_size} processes: the ranks ended with "
                           "different weights")
    summary_extra = {"processes": result.world_size,
                     **({"ranks_identical": result.ranks_identical}
                        if result.ranks_identical is not None else {})}
    if not is_main_process():
        return summary_extra          # rank 0 alone writes the checkpoint
    out = Path(spec["output_dir"])
    tmp = out.with_name(f".{out.name}.tmp")
    result.save(tmp, tokenizer)
    if out.exists():
        import shutil

        shutil.rmtree(out)
    os.replace(tmp, out)
    stats = result.stats
    plot = plot_stats(stats, out.parent / "ppo_stats.png")
    head, tail = stats[: max(1, len(stats) // 5)], stats[-max(1, len(stats) // 5):]
    summary = {
        "iterations": len(stats),
        "reward_first": sum(s["raw_reward"] for s in head) / len(head),
        "reward_last": sum(s["raw_reward"] for s in tail) / len(tail),
        "kl_last": sum(s["kl"] for s in tail) / len(tail),
        "kl_max": max(s["kl"] for s in stats),
        "entropy_last": sum(s["entropy"] for s in tail) / len(tail),
        "truncated_share_last": sum(s["truncated_share"] for s in tail) / len(tail),
        "wall_time_s": time.time() - started,
        "num_parameters": sum(p.numel() for p in result.policy.parameters()),
        "model_dir": str(out),
        "stats_plot": str(plot),
        **summary_extra,
    }
    (out.parent / "metrics.json").write_text(json.dumps({**summary, "stats": stats}, indent=1))
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="PPO with Llama 2's combined reward")
    parser.add_argument("--spec", required=True)
    args = parser.parse_args(argv)
    spec = json.loads(Path(args.spec).read_text())
    finished = False
    try:
        if os.environ.get("DAGSTER_PIPES_CONTEXT") and is_main_process():
            # Every rank inherits the Pipes variables; only rank 0 speaks Pipes.
            from dagster_pipes import open_dagster_pipes

            with open_dagster_pipes() as pipes:
                summary = run(spec, pipes.log.info)
                pipes.report_asset_materialization(metadata={
                    k: v for k, v in summary.items() if k not in ("model_dir", "stats_plot")})
        else:
            summary = run(spec, print if is_main_process() else (lambda line: None))
            if is_main_process():
                print(json.dumps(summary, indent=1))
        finished = True
    finally:
        close_process_group(finished)
    return 0


if __name__ == "__main__":
    sys.exit(main())
