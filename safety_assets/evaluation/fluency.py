"""Fluency features for the judges: does the answer read as language, or as disorder?

Mean-pooled sentence embeddings hardly see word order: the topical words of a question in
random order embed close to a real answer made of them, so an embedding-only judge calls such
word salad informative. Three pieces, all cheap next to an encoder pass:

- :class:`BigramFluency`: a word-bigram model fitted on the training questions' answers,
  questions and reference answers, scoring adjacent word pairs (salad is made of pairs fluent
  text rarely has). Smoothing is interpolated Witten-Bell (back-off to add-one unigrams), so
  the unseen topical words of a new question cost something but not everything;
- :class:`GarbageDetector`: a small MLP on those scores and two shape features, fitted to tell
  synthetic garbage from human-written answers; its logit is one strong feature where eight
  weak ones were lost among the head's 1,500 embedding dimensions;
- :class:`FluencyScorer`: both, as the block of features the judge head reads.

:func:`fit_fluency_scorer` cross-fits them by question (see there for why).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

_TOKEN = re.compile(r"[a-z0-9]+")
START, END = "<s>", "</s>"
N_FEATURES = 8
# Words seen at least this often count as "frequent": a pair of frequent words that never
# occurs together (e.g. "the is") is strong evidence of disorder, unlike a pair with a rare
# topical word, which any new question's answer has.
FREQUENT = 30


def _words(text: str) -> list[str]:
    return [START, *_TOKEN.findall(text.lower()), END]


class BigramFluency:
    """Word bigram counts and the features :meth:`features` reads from them."""

    def __init__(self, bigrams: Counter[tuple[str, str]]) -> None:
        self.bigrams = bigrams
        self.unigrams: Counter[str] = Counter()
        self.context: Counter[str] = Counter()
        self.followers: Counter[str] = Counter()  # distinct words seen after each word
        for (first, second), count in bigrams.items():
            self.unigrams[second] += count
            self.context[first] += count
            self.followers[first] += 1
        self.total = sum(self.unigrams.values())
        self.vocabulary = len(self.unigrams) + 1  # + the unknown word

    @classmethod
    def fit(cls, texts: Iterable[str]) -> BigramFluency:
        """Count the bigrams of ``texts`` (each text once, whatever its repeats)."""
        bigrams: Counter[tuple[str, str]] = Counter()
        for text in dict.fromkeys(texts):
            words = _words(text)
            bigrams.update(zip(words, words[1:], strict=False))
        if not bigrams:
            raise ValueError("no text to fit a bigram model on")
        return cls(bigrams)

    def _unigram(self, word: str) -> float:
        return (self.unigrams[word] + 1) / (self.total + self.vocabulary)

    def _logprob(self, first: str, second: str) -> float:
        unigram = self._unigram(second)
        seen = self.context[first]
        if not seen:
            return math.log(unigram)
        weight = seen / (seen + self.followers[first])
        return math.log(weight * self.bigrams[(first, second)] / seen + (1 - weight) * unigram)

    def _frequent(self, word: str) -> bool:
        return word in (START, END) or self.unigrams[word] >= FREQUENT

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, over its word pairs (with start and end marks):

        mean and min log P(word | previous word); the same less log P(word) (how much the
        previous word helps: negative for pairs that avoid each other); the share of pairs
        seen in the fitted text; the share of pairs of two frequent words, and the share of
        pairs of frequent words never seen together; and log(1 + number of words).
        """
        out = np.zeros((len(texts), N_FEATURES), dtype=np.float32)
        for i, text in enumerate(texts):
            words = _words(text)
            pairs = list(zip(words, words[1:], strict=False))
            logprobs = np.array([self._logprob(a, b) for a, b in pairs])
            lift = logprobs - np.log([self._unigram(b) for _, b in pairs])
            frequent = [p for p in pairs if self._frequent(p[0]) and self._frequent(p[1])]
            unseen_frequent = sum(self.bigrams[p] == 0 for p in frequent)
            seen = sum(self.bigrams[p] > 0 for p in pairs)
            n = len(pairs)
            out[i] = (logprobs.mean(), logprobs.min(), lift.mean(), lift.min(), seen / n,
                      len(frequent) / n, unseen_frequent / n, math.log1p(len(words) - 2))
        return out

    def save(self, path: str | Path) -> None:
        rows = [[a, b, c] for (a, b), c in sorted(self.bigrams.items())]
        Path(path).write_text(json.dumps({"format": "bigram-fluency/1", "bigrams": rows}))

    @classmethod
    def load(cls, path: str | Path) -> BigramFluency:
        data = json.loads(Path(path).read_text())
        return cls(Counter({(a, b): int(c) for a, b, c in data["bigrams"]}))



N_SHAPE = 2


def shape_features(answers: Sequence[str]) -> np.ndarray:
    """Per answer: distinct words / words (a loop repeats), and the share of letters among its
    characters (gibberish is punctuation and digits).

    Deliberately absent: a final full stop (TruthfulQA's reference answers have none while
    the judge files' answers mostly do, so it would mark references as garbage) and overlap
    with the question (fluent answers restate the question too).
    """
    out = np.zeros((len(answers), N_SHAPE), dtype=np.float32)
    for i, answer in enumerate(answers):
        words = _TOKEN.findall(answer.lower())
        text = answer.strip()
        letters = sum(c.isalpha() for c in text)
        out[i] = (len(set(words)) / len(words) if words else 0.0,
                  letters / len(text) if text else 0.0)
    return out


class GarbageDetector:
    """A small MLP on fluency and shape features: the logit that an answer is disorder
    (gibberish, shuffled words, a loop) rather than language. Fitted class-balanced."""

    def __init__(self, mean: np.ndarray, std: np.ndarray, net: nn.Module) -> None:
        self.mean, self.std, self.net = mean, std, net.eval()

    @classmethod
    def fit(cls, features: np.ndarray, is_garbage: Sequence[bool], *, hidden: int = 32,
            steps: int = 400, seed: int = 0) -> GarbageDetector:
        x = np.asarray(features, dtype=np.float32)
        y = torch.as_tensor(np.asarray(is_garbage, dtype=np.float32))
        if not 0 < float(y.sum()) < len(y):
            raise ValueError("the garbage detector needs both garbage and language rows")
        mean, std = x.mean(0), x.std(0) + 1e-6
        torch.manual_seed(seed)
        net = nn.Sequential(nn.Linear(x.shape[1], hidden), nn.ReLU(), nn.Linear(hidden, 1))
        # Balanced classes: garbage rows are a minority of the training rows, and the
        # detector's logit should mean the same whatever the mix.
        positive = float(y.mean())
        weight = torch.where(y > 0, 0.5 / positive, 0.5 / (1 - positive))
        inputs = torch.as_tensor((x - mean) / std)
        optimiser = torch.optim.Adam(net.parameters(), lr=1e-2)
        # One thread: ops this small gain nothing from more, and on a busy machine the
        # hand-offs between threads made a fit 50 times slower (84 s against 1.4 s).
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            for _ in range(steps):  # full batch: a few thousand rows of 10 features
                loss = nn.functional.binary_cross_entropy_with_logits(
                    net(inputs).squeeze(-1), y, weight=weight)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        finally:
            torch.set_num_threads(threads)
        return cls(mean, std, net)

    @torch.no_grad()
    def logit(self, features: np.ndarray) -> np.ndarray:
        x = torch.as_tensor((np.asarray(features, dtype=np.float32) - self.mean) / self.std)
        return self.net(x).squeeze(-1).numpy().astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean.tolist(), "std": self.std.tolist(),
                "state": {k: v.tolist() for k, v in self.net.state_dict().items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GarbageDetector:
        state = {k: torch.tensor(v) for k, v in data["state"].items()}
        hidden, n_in = state["0.weight"].shape
        net = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        net.load_state_dict(state)
        return cls(np.asarray(data["mean"], dtype=np.float32),
                   np.asarray(data["std"], dtype=np.float32), net)


class FluencyScorer:
    """The judges' fluency block: bigram features, shape features and the garbage logit."""

    width = N_FEATURES + N_SHAPE + 1

    def __init__(self, bigrams: BigramFluency, detector: GarbageDetector) -> None:
        self.bigrams = bigrams
        self.detector = detector

    def features(self, questions: Sequence[str], answers: Sequence[str]) -> np.ndarray:
        base = np.concatenate([self.bigrams.features(answers), shape_features(answers)],
                              axis=1)
        return np.concatenate([base, self.detector.logit(base)[:, None]], axis=1)

    def garbage_logit(self, questions: Sequence[str], answers: Sequence[str]) -> np.ndarray:
        return self.features(questions, answers)[:, -1]

    def save(self, path: str | Path) -> None:
        rows = [[a, b, c] for (a, b), c in sorted(self.bigrams.bigrams.items())]
        Path(path).write_text(json.dumps({"format": "fluency-scorer/1", "bigrams": rows,
                                          "detector": self.detector.to_dict()}))

    @classmethod
    def load(cls, path: str | Path) -> FluencyScorer:
        data = json.loads(Path(path).read_text())
        bigrams = BigramFluency(Counter({(a, b): int(c) for a, b, c in data["bigrams"]}))
        return cls(bigrams, GarbageDetector.from_dict(data["detector"]))


def _folds(groups: Iterable[str], folds: int, seed: int) -> dict[str, int]:
    unique = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(unique))
    return {unique[i]: rank % folds for rank, i in enumerate(order)}


def fit_fluency_scorer(
    corpus: Sequence[tuple[str, str]],
    rows: Sequence[tuple[str, str]],
    is_garbage: Sequence[bool | None],
    *,
    detector_rows: Sequence[tuple[str, str, bool]] = (),
    folds: int = 5,
    seed: int = 0,
) -> tuple[FluencyScorer, np.ndarray]:
    """The scorer fitted on everything, and out-of-fold fluency blocks for ``rows``.

    ``corpus``: (question, text) pairs of fluent text for the bigram model; ``rows``:
    (question, answer) training rows of the judge; ``is_garbage``: the detector's label per
    row (None: not used to fit it); ``detector_rows``: more (question, answer, is garbage)
    rows that only fit the detector (they cost no sentence embedding, so they can be many).
    Scored by models that had seen their own text, training rows would look more fluent than
    any new question's answer (every bigram seen) and the detector would look surer than it
    is: the judge head would learn from values it never meets again. So each row is scored
    by models fitted without its question, as a held-out question's answers are.
    """
    if folds < 2:
        raise ValueError(f"cross-fitting needs at least 2 folds, got {folds}")
    if len(rows) != len(is_garbage):
        raise ValueError(f"{len(rows)} rows but {len(is_garbage)} garbage labels")
    n_rows = len(rows)
    rows = [*rows, *((q, a) for q, a, _ in detector_rows)]
    is_garbage = [*is_garbage, *(g for _, _, g in detector_rows)]
    fold_of = _folds([g for g, _ in corpus] + [g for g, _ in rows], folds, seed)
    questions = [q for q, _ in rows]
    answers = [a for _, a in rows]
    shape = shape_features(answers)
    # Level 1: out-of-fold bigram features, the detector's inputs.
    base = np.zeros((len(rows), N_FEATURES + N_SHAPE), dtype=np.float32)
    for fold in range(folds):
        idx = [i for i, q in enumerate(questions) if fold_of[q] == fold]
        if idx:
            model = BigramFluency.fit(t for g, t in corpus if fold_of[g] != fold)
            base[idx, :N_FEATURES] = model.features([answers[i] for i in idx])
    base[:, N_FEATURES:] = shape
    labelled = np.array([g is not None for g in is_garbage])
    target = np.array([bool(g) for g in is_garbage])
    # Level 2: out-of-fold detector logits, from detectors fitted on the other folds' rows.
    logits = np.zeros(len(rows), dtype=np.float32)
    row_fold = np.array([fold_of[q] for q in questions])
    for fold in range(folds):
        here = row_fold == fold
        fit_on = labelled & ~here
        if here.any():
            detector = GarbageDetector.fit(base[fit_on], target[fit_on], seed=seed + fold)
            logits[here] = detector.logit(base[here])
    scorer = FluencyScorer(BigramFluency.fit(t for _, t in corpus),
                           GarbageDetector.fit(base[labelled], target[labelled], seed=seed))
    return scorer, np.concatenate([base, logits[:, None]], axis=1)[:n_rows]
