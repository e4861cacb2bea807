"""Training throughput of the tiny profile on CPU: tokens/s and peak memory, SFT and reward model.

    python benchmarks/train.py [--steps 30] [--threads 1 2] [--tasks sft reward]

Each measurement runs in a fresh child process, so its peak resident memory
(``getrusage(RUSAGE_SELF).ru_maxrss``) belongs to that run alone. Not a test: it asserts
nothing and prints a table. The tiny profile is the default model size of ``TrainSpec``
(hidden 256, 4 layers, 4 heads), with a byte-level BPE vocabulary of up to 4096.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _words(rng: random.Random, count: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "vo", "de", "pa", "qui", "zen",
                 "bar", "tol", "ess", "ing", "ful", "pre", "con", "ment"]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(count)]


def _text(rng: random.Random, vocab: list[str], length: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(length)) + "."


def make_data(folder: Path, rows: int = 256) -> dict[str, Path]:
    """A tokenizer (vocab 4096) and JSONL sets of realistic lengths: prompts ~40 words,
    answers ~120 words (the tokenized pair is cut at max_length)."""
    from safety_assets.ml.data import write_jsonl
    from safety_assets.ml.tokenizer import train_tokenizer

    rng = random.Random(0)
    vocab = _words(rng, 3000)
    corpus = [_text(rng, vocab, 60) for _ in range(3000)]
    train_tokenizer(corpus, vocab_size=4096).save_pretrained(folder / "tokenizer")
    sft = [{"prompt": _text(rng, vocab, 40), "response": _text(rng, vocab, 120),
            "history": None, "system": None} for _ in range(rows)]
    pairs = [{"prompt": _text(rng, vocab, 40), "history": None,
              "chosen": _text(rng, vocab, 120), "rejected": _text(rng, vocab, 120),
              "strength": rng.choice(["significantly_better", "better", "slightly_better",
                                      "negligibly_better"])} for _ in range(rows)]
    write_jsonl(sft, folder / "sft.jsonl")
    write_jsonl(pairs, folder / "reward.jsonl")
    return {"tokenizer": folder / "tokenizer", "sft": folder / "sft.jsonl",
            "reward": folder / "reward.jsonl"}


def child(task: str, folder: Path, steps: int, threads: int, batch: int, max_length: int
          ) -> dict[str, Any]:
    import torch

    from safety_assets.ml.trainer import Trainer, TrainSpec

    torch.set_num_threads(threads)
    spec = TrainSpec(
        task=task, output_dir=str(folder / f"run-{task}-{threads}"),
        tokenizer=str(folder / "tokenizer"), train_data=str(folder / f"{task}.jsonl"),
        max_steps=steps, batch_size=batch, max_length=max_length, save_every=0,
        keep_state=False, log_every=steps,
    )
    started = time.perf_counter()
    trainer = Trainer(spec)
    metrics = trainer.run()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "task": task, "threads": threads, "steps": metrics["steps"],
        "params": metrics["num_parameters"], "vocab": len(trainer.tokenizer),
        "tokens": metrics["tokens_seen"], "tokens_per_s": metrics["tokens_per_s"],
        "step_ms": 1000 * metrics["train_time_s"] / metrics["steps"],
        "peak_rss_mib": peak_kb / 1024, "wall_s": time.perf_counter() - started,
        "final_loss": metrics["final_train_loss"],
        "peak_gpu_mib": (torch.cuda.max_memory_allocated() / 2**20
                         if torch.cuda.is_available() else None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--tasks", nargs="+", default=["sft", "reward"])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--child", nargs=2, metavar=("TASK", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        task, folder = args.child
        print(json.dumps(child(task, Path(folder), args.steps, args.threads[0],
                               args.batch_size, args.max_length)))
        return

    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH"))
                                          if p))
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_data(folder)
        rows = []
        for task in args.tasks:
            for threads in args.threads:
                env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
                out = subprocess.run(
                    [sys.executable, __file__, "--child", task, str(folder), "--steps",
                     str(args.steps), "--threads", str(threads), "--batch-size",
                     str(args.batch_size), "--max-length", str(args.max_length)],
                    env=env, capture_output=True, text=True, check=True)
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))

    print(f"tiny profile on CPU: batch {args.batch_size} "
          f"(pairs for reward), max_length {args.max_length}, {args.steps} steps")
    header = (f"{'task':<7} {'threads':>7} {'params':>10} {'vocab':>6} {'tokens':>8} "
              f"{'tokens/s':>9} {'ms/step':>8} {'peak RSS MiB':>13} {'final loss':>10}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['task']:<7} {r['threads']:>7} {r['params']:>10,} {r['vocab']:>6} "
              f"{r['tokens']:>8,} {r['tokens_per_s']:>9,.0f} {r['step_ms']:>8.1f} "
              f"{r['peak_rss_mib']:>13.0f} {r['final_loss']:>10.3f}")


if __name__ == "__main__":
    main()
