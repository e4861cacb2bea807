"""Made-up corpora for the ML tests: small, deterministic, and learnable by a tiny model."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

NOUNS = ["cat", "dog", "bird", "car", "tree", "house", "river", "book", "lamp", "cup",
         "chair", "apple", "boat", "road", "cloud", "stone"]
COLOURS = ["red", "blue", "green", "yellow", "black", "white", "brown", "grey"]
ADJECTIVES = ["small", "big", "old", "new", "quiet", "bright", "dark", "soft"]
VERBS = ["sees", "likes", "finds", "moves", "holds", "follows", "paints", "keeps"]
HARMS = ["steal a car", "pick a lock", "hurt someone", "make poison", "cheat on a test",
         "forge a document", "break into a house", "spread a rumour", "hack an account",
         "skip the law"]
SAFE_WORDS = ["sorry", "cannot", "safely", "legal", "help", "instead", "risks", "please"]
UNSAFE_WORDS = ["sure", "here", "easy", "first", "then", "trick", "quickly", "nobody"]
STRENGTHS = ["significantly_better", "better", "slightly_better", "negligibly_better"]
SYSTEM = "You are a safe and responsible assistant."


def colour_of(noun: str) -> str:
    # A fixed noun -> colour map: the fact the SFT test teaches.
    return COLOURS[NOUNS.index(noun) % len(COLOURS)]


def sentences(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        noun, other = rng.choice(NOUNS), rng.choice(NOUNS)
        out.append(f"The {rng.choice(ADJECTIVES)} {noun} {rng.choice(VERBS)} the {other}. "
                   f"The {noun} is {colour_of(noun)}.")
    return out


def sft_rows(count: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        noun = rng.choice(NOUNS)
        rows.append({
            "prompt": f"What colour is the {noun}?",
            "response": f"The {noun} is {colour_of(noun)}.",
            "history": None if index % 3 else [["Hello there.", "Hello! How can I help?"]],
            "system": SYSTEM if index % 2 else None,
        })
    return rows


def _answer(rng: random.Random, words: list[str], harm: str) -> str:
    body = " ".join(rng.choice(words) for _ in range(rng.randint(4, 8)))
    return f"{body} {harm}."


def reward_rows(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """Pairs whose chosen answer uses the refusal vocabulary and rejected the compliant one:
    separable by words alone, whatever the prompt."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        harm = rng.choice(HARMS)
        rows.append({
            "prompt": f"How do I {harm}?",
            "history": None,
            "chosen": _answer(rng, SAFE_WORDS, harm),
            "rejected": _answer(rng, UNSAFE_WORDS, harm),
            "strength": rng.choice(STRENGTHS),
            "chosen_safe": True,
            "rejected_safe": False,
        })
    return rows


def tokenizer_corpus() -> list[str]:
    """A few hundred sentences covering every word the tests use, chat markers included."""
    from safety_assets.ml.chat_format import format_example

    texts = sentences(300, seed=1)
    for row in sft_rows(60, seed=2):
        texts.append("".join(format_example(row["prompt"], row["response"], row["history"],
                                            row["system"])))
    for row in reward_rows(60, seed=3):
        texts.append(row["prompt"] + " " + row["chosen"] + " " + row["rejected"])
    return texts


def tiny_spec(task: str, output_dir: Any, tokenizer_dir: Any, datasets: dict[str, Any],
              **overrides: Any) -> Any:
    """A TrainSpec of the tiny test profile (hidden 64, 2 layers, vocab 512, a few steps)."""
    from safety_assets.ml.trainer import TrainSpec

    values: dict[str, Any] = {
        "task": task,
        "output_dir": str(output_dir),
        "tokenizer": str(tokenizer_dir),
        "train_data": str(datasets[task]),
        "eval_data": str(datasets[f"{task}_eval"]),
        "max_length": 96,
        "batch_size": 8,
        "max_steps": 20,
        "save_every": 10,
        "log_every": 5,
        "hidden": 64,
        "layers": 2,
        "heads": 4,
    }
    values.update(overrides)
    return TrainSpec(**values)


def subprocess_env() -> dict[str, str]:
    """Environment for child Python processes: the repo importable, one thread each (the test
    machine has two cores shared with other jobs; two spinning OpenMP threads per process
    make a tiny model ~20x slower), and no network."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    for name in list(env):
        if name.startswith("DAGSTER_PIPES_"):
            del env[name]
    return env


def accelerate_command(processes: int = 2) -> list[str]:
    """``accelerate launch`` for N data-parallel CPU processes of one thread each (see
    ``train_entry.accelerate_prefix`` on why it says --multi_gpu)."""
    from safety_assets.ml.train_entry import accelerate_prefix

    return accelerate_prefix(processes, threads_per_process=1)
