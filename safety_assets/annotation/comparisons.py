"""Comparison tasks (Llama 2 section 3.2.1): two responses to one prompt, sampled from the
current models with different settings, for an annotator to choose between, rate the strength
of the choice and label each response safe or unsafe.

Which variant answers as A is drawn per task (seeded), so a position never tells an annotator
which model wrote it; the task keeps both models and versions, never shown.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from safety_assets.taxonomy import BENIGN

# The JSONL export: what an annotator sees, and the id to answer with. No model names.
SHOWN_FIELDS: tuple[str, ...] = ("comparison_task_id", "round", "prompt_id", "prompt",
                                 "history_text", "response_a", "response_b", "axis")


@dataclass(frozen=True)
class Variant:
    """One way of answering: a registered checkpoint and its sampling settings."""

    model: str
    temperature: float = 1.0
    top_p: float = 0.9
    max_new_tokens: int = 96
    seed: int = 0

    def settings(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "model"}


def task_id(round_: int, prompt_id: str, a: tuple[str, str, str], b: tuple[str, str, str]
            ) -> str:
    """A task's id: its round, prompt and both (model version, settings, response). The same
    answers asked again are the same task; a new response is a new task."""
    text = json.dumps([round_, prompt_id, a, b], ensure_ascii=False)
    return "ct-" + hashlib.sha256(text.encode()).hexdigest()[:20]


def history_text(history: str) -> str:
    """Earlier turns ([[user, assistant], ...] as JSON) as plain text for the annotator."""
    turns = json.loads(history) if history else []
    return "\n".join(f"User: {user}\nAssistant: {assistant}" for user, assistant in turns)


def build_tasks(prompts: pl.DataFrame, answers: Sequence[Sequence[str]],
                variants: Sequence[Variant], versions: Sequence[str], round_: int,
                seed: int) -> pl.DataFrame:
    """One task per prompt from two variants' answers (``answers[v][i]``: variant ``v``'s
    answer to prompt ``i``), A and B drawn per task. ``prompts`` has id, text, history and
    risk_category. A prompt whose two answers are the same text is left out: there is
    nothing to choose."""
    if len(variants) != 2 or len(versions) != 2 or len(answers) != 2:
        raise ValueError("a comparison task has exactly two variants")
    rng = random.Random(f"comparison-order/{seed}/{round_}")
    rows: list[dict[str, Any]] = []
    for i, prompt in enumerate(prompts.iter_rows(named=True)):
        sides = [(variants[v], versions[v], answers[v][i]) for v in (0, 1)]
        if rng.random() < 0.5:
            sides.reverse()
        (var_a, ver_a, resp_a), (var_b, ver_b, resp_b) = sides
        if resp_a.strip() == resp_b.strip():
            continue
        settings_a = json.dumps(var_a.settings(), sort_keys=True)
        settings_b = json.dumps(var_b.settings(), sort_keys=True)
        rows.append({
            "task_id": task_id(round_, prompt["id"], (ver_a, settings_a, resp_a),
                               (ver_b, settings_b, resp_b)),
            "round": round_, "prompt_id": prompt["id"], "prompt": prompt["text"],
            "history_text": history_text(prompt["history"]),
            "axis": "helpfulness" if prompt["risk_category"] == BENIGN else "safety",
            "risk_category": prompt["risk_category"],
            "response_a": resp_a, "model_a": var_a.model, "version_a": ver_a,
            "settings_a": settings_a,
            "response_b": resp_b, "model_b": var_b.model, "version_b": ver_b,
            "settings_b": settings_b})
    return pl.DataFrame(rows, schema=TASK_SCHEMA)


TASK_SCHEMA: dict[str, Any] = {
    "task_id": pl.String, "round": pl.Int32, "prompt_id": pl.String, "prompt": pl.String,
    "history_text": pl.String, "axis": pl.String, "risk_category": pl.String,
    "response_a": pl.String, "model_a": pl.String, "version_a": pl.String,
    "settings_a": pl.String, "response_b": pl.String, "model_b": pl.String,
    "version_b": pl.String, "settings_b": pl.String}


def shown_tasks(tasks: pl.DataFrame) -> list[dict[str, Any]]:
    """The tasks as an annotator gets them: text and ids only."""
    return [{"comparison_task_id": t["task_id"], **{k: t[k] for k in SHOWN_FIELDS[1:]}}
            for t in tasks.iter_rows(named=True)]


def tasks_jsonl(tasks: pl.DataFrame) -> str:
    return "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in shown_tasks(tasks))


def export_version(tasks: pl.DataFrame) -> str:
    """The export's folder name: a digest of its task ids (the same tasks, the same folder)."""
    ids = "\n".join(sorted(tasks["task_id"].to_list()))
    return hashlib.sha256(ids.encode()).hexdigest()[:12]
