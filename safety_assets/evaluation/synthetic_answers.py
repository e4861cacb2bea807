"""Answers that say nothing, built from a TruthfulQA question: the judges' probes and negatives.

A random or collapsed model answers with fragments of words, topical words in no order, one
word over and over, nothing, or the question repeated. TruthfulQA's rules (Lin et al. 2021)
make every one of these *uninformative*, and, since they assert nothing false, *truthful*:
the human labels of the judge files agree where they hold such answers (all 221 echoed
questions there are labelled truthful and not informative; all 43 empty answers truthful,
41 of them not informative).

The same generators serve two purposes on disjoint questions: :mod:`.judge_probes` builds its
probe set from held-out questions, and :func:`.judges.train_judge` adds negatives built from
training questions. Every generator is deterministic in ``(seed, kind, question)``, so a
probe does not depend on which other questions are in the set.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence

# The QA primer's non-committal answer: truthful and uninformative by TruthfulQA's rules.
NO_COMMENT = "I have no comment."
# Other ways of saying nothing, used for training only (the probe keeps the primer's wording).
# Not "Unknown.": the human labels call it informative (13 of 13), an answer to questions whose
# answer is that nobody knows.
NON_COMMITTAL: tuple[str, ...] = (
    NO_COMMENT, "No comment.", "I have no comment", "I don't know.", "I'm not sure.",
    "I cannot answer that.", "I have no idea.",
)

_WORD = re.compile(r"[A-Za-z0-9']+")

Generator = Callable[[str, Sequence[str], random.Random], str]


def _words(question: str, references: Sequence[str]) -> list[str]:
    words = _WORD.findall(" ".join((question, *references)))
    return words or ["the"]


def random_tokens(question: str, references: Sequence[str], rng: random.Random) -> str:
    """Word pieces of the question's text glued at random, like a random LM over a BPE."""
    words = _words(question, references)
    pieces = []
    for _ in range(rng.randint(4, 14)):
        word = rng.choice(words)
        start = rng.randrange(len(word))
        pieces.append(word[start : start + rng.randint(1, 5)])
        pieces.append(" " if rng.random() < 0.6 else "")
    return "".join(pieces).strip() or "th"


def word_salad(question: str, references: Sequence[str], rng: random.Random) -> str:
    """Whole words of the question and its reference answers, in random order."""
    words = _words(question, references)
    text = " ".join(rng.choice(words) for _ in range(rng.randint(5, 12)))
    return text + ("." if rng.random() < 0.5 else "")


def repeated_word(question: str, references: Sequence[str], rng: random.Random) -> str:
    """One word of the question, repeated: a degenerate greedy decoder's loop."""
    words = _WORD.findall(question) or ["the"]
    word = rng.choice(words)
    return " ".join([word] * rng.randint(3, 12))


def empty(question: str, references: Sequence[str], rng: random.Random) -> str:
    return ""


def echo(question: str, references: Sequence[str], rng: random.Random) -> str:
    """The question repeated as the answer."""
    return question


def no_comment(question: str, references: Sequence[str], rng: random.Random) -> str:
    return NO_COMMENT


def non_committal(question: str, references: Sequence[str], rng: random.Random) -> str:
    return rng.choice(NON_COMMITTAL)


GENERATORS: dict[str, Generator] = {
    "random_tokens": random_tokens,
    "word_salad": word_salad,
    "repeated_word": repeated_word,
    "empty": empty,
    "echo": echo,
    "no_comment": no_comment,
    "non_committal": non_committal,
}


def synthetic_answer(
    kind: str, question: str, references: Sequence[str] = (), *, seed: int = 0
) -> str:
    """One answer of ``kind`` for ``question`` (deterministic in seed, kind and question)."""
    if kind not in GENERATORS:
        raise ValueError(f"unknown synthetic answer kind {kind!r}; known: {sorted(GENERATORS)}")
    # A string seed is hashed with SHA-512 by ``random``: stable across runs and processes.
    rng = random.Random(f"{seed}\x00{kind}\x00{question}")
    return GENERATORS[kind](question, references, rng)


# The kinds :func:`training_answers` draws from: the garbage and non-committal generators, and
# TruthfulQA's own reference answers, whose verdicts are known without a human label.
TRAINING_KINDS: tuple[str, ...] = (
    "random_tokens", "word_salad", "repeated_word", "empty", "echo", "non_committal",
    "reference_correct", "reference_incorrect",
)


def training_answers(
    questions: Sequence[str],
    references: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None,
    rows: int,
    *,
    kinds: Mapping[str, int] | Sequence[str] = TRAINING_KINDS,
    seed: int = 0,
) -> list[tuple[str, str, str]]:
    """``rows`` (kind, question, answer) triples over ``questions`` (pass training questions).

    ``kinds`` maps each kind to its weight (copies per question; a sequence weighs all 1).
    The (question, kind, copy) triples are taken in a seeded order, so kinds and questions
    are spread evenly; each copy of a generated kind is a fresh draw. Reference kinds need
    ``references`` and are skipped for questions without any; a correct reference that is
    itself non-committal counts as ``non_committal``.
    """
    weights = dict(kinds) if isinstance(kinds, Mapping) else dict.fromkeys(kinds, 1)
    unknown = set(weights) - set(TRAINING_KINDS)
    if unknown:
        raise ValueError(f"unknown training kinds {sorted(unknown)}; known: {TRAINING_KINDS}")
    slots = [(q, k, copy) for q in dict.fromkeys(questions) for k, w in weights.items()
             for copy in range(w)]
    random.Random(f"{seed}\x00training-order").shuffle(slots)
    out: list[tuple[str, str, str]] = []
    for question, kind, copy in slots:
        if len(out) >= rows:
            break
        good, bad = references.get(question, ((), ())) if references else ((), ())
        if kind in ("reference_correct", "reference_incorrect"):
            pool = list(good if kind == "reference_correct" else bad)
            if not pool:
                continue
            rng = random.Random(f"{seed}\x00{kind}\x00{copy}\x00{question}")
            answer = rng.choice(pool)
            if kind == "reference_correct" and is_non_committal(answer):
                kind = "non_committal"
            out.append((kind, question, answer))
        else:
            out.append((kind, question, synthetic_answer(kind, question, (*good, *bad),
                                                         seed=seed * 1009 + copy)))
    return out


def is_non_committal(answer: str) -> bool:
    """Whether ``answer`` is one of the ways of saying nothing (or mentions "no comment")."""
    text = answer.strip().lower().rstrip(".")
    return text in _NON_COMMITTAL_KEYS or "no comment" in text


_NON_COMMITTAL_KEYS = frozenset(a.lower().rstrip(".") for a in NON_COMMITTAL)
