"""Sampling throughput: batched transformers generation vs one prompt at a time (and vLLM).

Rejection sampling and PPO rollouts sample many answers; this measures what batching (left
padding, KV cache, ``num_return_sequences``) buys over a loop of single-prompt ``generate``
calls. By default it uses a tiny random character-level Llama on CPU, so it runs anywhere in
seconds; ``--model PATH`` benchmarks a real checkpoint instead.

    python benchmarks/sampling.py                      # tiny model, batch 32, CPU
    python benchmarks/sampling.py --backend vllm       # adds a vLLM column ('not installed')
    python benchmarks/sampling.py --model ckpt/ --device cuda --max-new-tokens 128

Not a test: it prints a table (tokens counted by re-tokenizing the decoded answers).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from safety_assets.ml.chat_format import format_prompt  # noqa: E402
from safety_assets.rlhf.generation import (  # noqa: E402
    GenerationBackend,
    HFBackend,
    VLLMBackend,
    vllm_available,
)
from safety_assets.rlhf.tiny import char_tokenizer, tiny_llama  # noqa: E402

TOPICS = [
    "the weather", "a recipe for soup", "how tides work", "a short poem", "the history of tea",
    "learning to swim", "why the sky is blue", "a bedtime story", "how to fix a bike chain",
    "the rules of chess", "saving money", "a trip to the mountains", "planting tomatoes",
    "how magnets work", "a haiku about rain", "the moon landing",
]


def make_prompts(count: int) -> list[str]:
    return [
        format_prompt(f"Tell me about {TOPICS[i % len(TOPICS)]}" + " please" * (i % 4))
        for i in range(count)
    ]


def count_tokens(tokenizer, answers: list[list[str]]) -> int:
    texts = [t for samples in answers for t in samples]
    return sum(len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"])


def timed(backend: GenerationBackend, prompts: list[str], args) -> tuple[list[list[str]], float]:
    start = time.perf_counter()
    out = backend.generate(prompts, n=args.n, max_new_tokens=args.max_new_tokens,
                           temperature=args.temperature, top_p=args.top_p, seed=0)
    if args.device and args.device.startswith("cuda"):
        torch.cuda.synchronize()
    return out, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=32, help="prompts per batch")
    parser.add_argument("--n", type=int, default=1, help="samples per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-p", type=float, default=0.9)
    parser.add_argument("--hidden", type=int, default=64, help="tiny model hidden size")
    parser.add_argument("--layers", type=int, default=2, help="tiny model layers")
    parser.add_argument("--model", default=None, help="checkpoint path instead of the tiny model")
    parser.add_argument("--device", default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--backend", choices=["hf", "vllm", "all"], default="hf",
                        help="'vllm'/'all' add a vLLM column")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    prompts = make_prompts(args.batch_size)
    if args.model:
        sequential = HFBackend(args.model, device=args.device, batch_size=1)
        model, tokenizer = sequential.model, sequential.tokenizer
    else:
        tokenizer = char_tokenizer()
        model = tiny_llama(tokenizer, hidden_size=args.hidden, layers=args.layers)
        if args.device:
            model.to(args.device)
        sequential = HFBackend((model, tokenizer), batch_size=1)
    batched = HFBackend((model, tokenizer), batch_size=args.batch_size)

    batched.generate(prompts[:2], n=1, max_new_tokens=4)  # warm-up
    columns: list[tuple[str, dict[str, str]]] = []
    seq_out, seq_s = timed(sequential, prompts, args)
    seq_tokens = count_tokens(tokenizer, seq_out)
    seq_rate = seq_tokens / seq_s
    columns.append(("hf, 1 at a time", {
        "tokens": str(seq_tokens), "seconds": f"{seq_s:.2f}",
        "tokens/s": f"{seq_rate:.0f}", "speed-up": "1.0x"}))
    bat_out, bat_s = timed(batched, prompts, args)
    bat_tokens = count_tokens(tokenizer, bat_out)
    bat_rate = bat_tokens / bat_s
    columns.append((f"hf, batch {args.batch_size}", {
        "tokens": str(bat_tokens), "seconds": f"{bat_s:.2f}",
        "tokens/s": f"{bat_rate:.0f}", "speed-up": f"{bat_rate / seq_rate:.1f}x"}))

    if args.backend in ("vllm", "all"):
        name = f"vllm, batch {args.batch_size}"
        if not vllm_available():
            columns.append((name, dict.fromkeys(("tokens", "seconds", "tokens/s", "speed-up"),
                                                "not installed")))
        else:
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    path = args.model
                    if path is None:
                        model.save_pretrained(tmp)
                        tokenizer.save_pretrained(tmp)
                        path = tmp
                    vllm_backend = VLLMBackend(path)
                    vllm_backend.generate(prompts[:2], n=1, max_new_tokens=4)
                    v_out, v_s = timed(vllm_backend, prompts, args)
                v_tokens = count_tokens(tokenizer, v_out)
                columns.append((name, {
                    "tokens": str(v_tokens), "seconds": f"{v_s:.2f}",
                    "tokens/s": f"{v_tokens / v_s:.0f}",
                    "speed-up": f"{v_tokens / v_s / seq_rate:.1f}x"}))
            except Exception as exc:  # report, do not crash the table
                columns.append((name, dict.fromkeys(("tokens", "seconds", "tokens/s", "speed-up"),
                                                    f"error: {type(exc).__name__}")))

    what = args.model or f"tiny llama (hidden {args.hidden}, {args.layers} layers)"
    print(f"model: {what}; device: {batched.device}; threads: {torch.get_num_threads()}; "
          f"{args.batch_size} prompts x {args.n} samples, up to {args.max_new_tokens} new tokens, "
          f"T={args.temperature}, top-p={args.top_p}")
    rows = ["tokens", "seconds", "tokens/s", "speed-up"]
    width0 = max(len(r) for r in rows)
    widths = [max(len(name), *(len(v) for v in cells.values())) for name, cells in columns]
    print(" " * width0 + " | " + " | ".join(n.rjust(w) for (n, _), w in zip(columns, widths,
                                                                            strict=True)))
    print("-" * width0 + "-+-" + "-+-".join("-" * w for w in widths))
    for row in rows:
        cells = [cells[row].rjust(w) for (_, cells), w in zip(columns, widths, strict=True)]
        print(row.ljust(width0) + " | " + " | ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
