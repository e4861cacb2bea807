"""Fixtures for the RLHF tests: a character-level tokenizer and tiny random Llama models."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # when the package is not installed in the environment
    sys.path.insert(0, str(REPO))

from safety_assets.ml.chat_format import format_prompt  # noqa: E402
from safety_assets.rlhf.tiny import char_tokenizer, tiny_llama, tiny_reward_model  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Tiny models run fastest on one thread (and the CPU is shared with other test runs);
    restored after each module so that other test directories are not affected."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tokenizer():
    return char_tokenizer()


@pytest.fixture()
def policy(tokenizer):
    return tiny_llama(tokenizer, seed=0)


@pytest.fixture()
def reward_model(tokenizer):
    return tiny_reward_model(tokenizer, seed=1)


@pytest.fixture(scope="session")
def chat_prompts() -> list[str]:
    users = [
        "hi",
        "Tell me a long story about a dragon who lived in the mountains and ate clouds.",
        "What is the capital of France?",
        "How do I bake bread at home without yeast?",
    ]
    return [format_prompt(u) for u in users]
