"""Fixtures of the evaluation tests: the shared data, one MiniLM encoder, a tiny Llama."""

from __future__ import annotations

import os

# Nothing may reach a model hub: set before transformers / sentence-transformers are imported.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

from safety_assets.evaluation.data_paths import EvalDataPaths  # noqa: E402
from safety_assets.evaluation.embedding import TextEncoder  # noqa: E402
from safety_assets.evaluation.truthfulqa import QA_PRIMER, load_truthfulqa  # noqa: E402
from safety_assets.ml.modeling import build_causal_lm, config_for_tokenizer  # noqa: E402
from safety_assets.ml.tokenizer import train_tokenizer  # noqa: E402

torch.set_num_threads(2)

# The repository root is two levels up from this folder; the data sit beside it.
DATA_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def eval_data() -> EvalDataPaths:
    paths = EvalDataPaths.from_root(DATA_ROOT)
    missing = paths.missing()
    if missing:
        pytest.fail(f"the reference data is missing: {[str(p) for p in missing]} (see README)")
    return paths


@pytest.fixture(scope="session")
def minilm() -> TextEncoder:
    """One encoder (and embedding cache) for every test of the session."""
    return TextEncoder()


@pytest.fixture(scope="session")
def tqa_items(eval_data):
    return load_truthfulqa(eval_data.truthfulqa_csv)


@pytest.fixture(scope="session")
def tiny_lm(tqa_items):
    """(model, tokenizer): a BPE trained on the TruthfulQA questions and answers in the test,
    and a randomly initialised 2-layer Llama over its vocabulary."""
    texts = [QA_PRIMER]
    for item in tqa_items:
        texts.append(item.question)
        texts.extend(item.correct_answers)
        texts.extend(item.incorrect_answers)
    tokenizer = train_tokenizer(texts, vocab_size=600)
    model = build_causal_lm(config_for_tokenizer(
        tokenizer, hidden=64, layers=2, heads=4, max_position_embeddings=1024), seed=0).eval()
    return model, tokenizer
