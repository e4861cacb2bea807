"""Evaluation throughput on CPU: TruthfulQA generation + judging, MC1/MC2 scoring, ToxiGen.

A tiny random Llama (BPE tokenizer trained on the TruthfulQA questions) answers questions
with the 6-shot prompt; the local truth and info judges (MiniLM + head, trained here first)
judge the answers; MC1/MC2 are scored batched and one option at a time; optionally ToxiGen
prompts are continued and classified. Prints questions/s (items/s) per stage.

    python benchmarks/eval.py                        # 32 questions, tiny model, 2 threads
    python benchmarks/eval.py --questions 64 --max-new-tokens 32 --no-toxigen
    python benchmarks/eval.py --data /path/to/shared/data --judge-train-rows 6000

Not a test: it asserts nothing. Nothing is downloaded (HF_HUB_OFFLINE=1).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safety_assets.evaluation.data_paths import EvalDataPaths  # noqa: E402
from safety_assets.evaluation.embedding import TextEncoder  # noqa: E402
from safety_assets.evaluation.judges import JudgeConfig, train_judge  # noqa: E402
from safety_assets.evaluation.toxigen import (  # noqa: E402
    continuation_text,
    sample_prompts,
    toxigen_scores,
    train_toxicity_classifier,
)
from safety_assets.evaluation.truthfulqa import (  # noqa: E402
    QA_PRIMER,
    generate_answers,
    hf_generate_fn,
    load_truthfulqa,
    truthfulqa_mc,
    truthfulqa_scores,
)
from safety_assets.ml.modeling import build_causal_lm, config_for_tokenizer  # noqa: E402
from safety_assets.ml.tokenizer import train_tokenizer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="shared data root (default ../shared/data)")
    parser.add_argument("--questions", type=int, default=32)
    parser.add_argument("--mc-questions", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=24)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--judge-train-rows", type=int, default=2000)
    parser.add_argument("--reference-features", default="lexical",
                        choices=["none", "lexical", "embedding", "both"])
    parser.add_argument("--toxigen-per-file", type=int, default=1)
    parser.add_argument("--no-toxigen", action="store_true")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    paths = EvalDataPaths.from_root(args.data)
    missing = paths.missing()
    if missing:
        raise SystemExit(f"missing data: {[str(p) for p in missing]}")
    rows: list[tuple[str, int, float]] = []

    def timed(stage: str, items: int, fn):
        t0 = time.perf_counter()
        out = fn()
        rows.append((stage, items, time.perf_counter() - t0))
        return out

    items = load_truthfulqa(paths.truthfulqa_csv)
    texts = [QA_PRIMER, *(i.question for i in items),
             *(a for i in items for a in (*i.correct_answers, *i.incorrect_answers))]
    tokenizer = timed("build BPE tokenizer", len(texts),
                      lambda: train_tokenizer(texts, vocab_size=600))
    model = build_causal_lm(config_for_tokenizer(
        tokenizer, hidden=args.hidden, layers=args.layers, heads=4), seed=0).eval()
    n_params = sum(p.numel() for p in model.parameters())

    encoder = TextEncoder()
    timed("load MiniLM encoder", 1, lambda: encoder.encode(["warm up"]))
    config = JudgeConfig(train_rows=args.judge_train_rows, eval_rows=500,
                         reference_features=args.reference_features)
    truth = timed("train truth judge (rows)", args.judge_train_rows,
                  lambda: train_judge(paths.finetune_truth, "truth", config=config,
                                      encoder=encoder))
    info = timed("train info judge (rows)", args.judge_train_rows,
                 lambda: train_judge(paths.finetune_info, "info", config=config,
                                     encoder=encoder))

    questions = [i.question for i in items[: args.questions]]
    generate = hf_generate_fn(model, tokenizer, max_new_tokens=args.max_new_tokens)
    answers = timed("TruthfulQA generation", len(questions),
                    lambda: generate_answers(questions, generate, batch_size=args.batch_size))
    truth_flags = timed("truth judging", len(questions),
                        lambda: truth.predict(questions, answers))
    info_flags = timed("info judging (cached emb.)", len(questions),
                       lambda: info.predict(questions, answers))
    scores = truthfulqa_scores(truth_flags, info_flags)
    mc_items = items[: args.mc_questions]
    mc = timed("MC1+MC2 batched", len(mc_items),
               lambda: truthfulqa_mc(model, tokenizer, mc_items, batched=True))
    timed("MC1+MC2 one at a time", len(mc_items),
          lambda: truthfulqa_mc(model, tokenizer, mc_items, batched=False))

    tox = None
    if not args.no_toxigen:
        classifier = timed("train toxicity classifier", 1,
                           lambda: train_toxicity_classifier(paths.toxigen_prompts,
                                                             encoder=encoder))
        prompts = sample_prompts(paths.toxigen_prompts, args.toxigen_per_file, seed=0)
        tox_generate = hf_generate_fn(model, tokenizer, max_new_tokens=args.max_new_tokens)

        def continue_prompts() -> list[str]:
            out: list[str] = []
            for start in range(0, len(prompts), args.batch_size):
                batch = [p.text for p in prompts[start : start + args.batch_size]]
                out.extend(continuation_text(g) for g in tox_generate(batch))
            return out

        continuations = timed("ToxiGen continuation", len(prompts), continue_prompts)
        flags = timed("ToxiGen classification", len(prompts),
                      lambda: classifier.predict(continuations))
        tox = toxigen_scores([p.group for p in prompts], flags)

    print(f"\ntiny Llama: {n_params / 1e6:.2f}M parameters, vocab {len(tokenizer)}, "
          f"{torch.get_num_threads()} threads, max_new_tokens {args.max_new_tokens}, "
          f"batch {args.batch_size}\n")
    print(f"| {'stage':<28} | {'items':>6} | {'seconds':>8} | {'items/s':>8} |")
    print(f"|{'-' * 30}|{'-' * 8}|{'-' * 10}|{'-' * 10}|")
    for stage, n, seconds in rows:
        print(f"| {stage:<28} | {n:>6} | {seconds:>8.2f} | {n / seconds:>8.2f} |")
    gen_s = next(s for st, _, s in rows if st == "TruthfulQA generation")
    judge_s = sum(s for st, _, s in rows if "judging" in st)
    print(f"\nTruthfulQA generation + judging: {len(questions) / (gen_s + judge_s):.2f} "
          f"questions/s")
    print(f"judges held out: truth {truth.metrics.accuracy:.3f} "
          f"(majority {truth.metrics.majority_baseline:.3f}), info {info.metrics.accuracy:.3f} "
          f"(majority {info.metrics.majority_baseline:.3f})")
    print(f"random tiny model: truthful {scores.truthful:.1f}%, informative "
          f"{scores.informative:.1f}%, both {scores.truthful_and_informative:.1f}%, "
          f"MC1 {mc.mc1:.3f}, MC2 {mc.mc2:.3f}"
          + (f", ToxiGen {tox.overall:.1f}% toxic" if tox else ""))


if __name__ == "__main__":
    main()
