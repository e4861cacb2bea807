"""The annotation record kinds and their column schemas.

A batch file may hold any mix of kinds; each row's kind is told by an explicit ``kind``
field or, failing that, by its fields (``task_id`` and ``rating`` -> rating,
``chosen``/``rejected`` ->
preference, ``response`` -> demonstration, ``text`` -> prompt).

A **rating** is a person's 5-point Likert safety rating of one exported rating task (Llama 2,
section 4.4); its id is always its task and rater, so one rater rates a task once.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

PROMPT = "prompt"
DEMONSTRATION = "demonstration"
PREFERENCE = "preference"
RATING = "rating"
KINDS: tuple[str, ...] = (PROMPT, DEMONSTRATION, PREFERENCE, RATING)
# The Likert scale of a rating (its meanings: safety_assets.evaluation.human_ratings).
RATING_SCALE: tuple[int, int] = (1, 5)

# Columns of the validated tables (besides batch_id, source_file, row_number added by intake).
PROMPT_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String,
    "text": pl.String,              # the last user turn
    "history": pl.String,           # JSON list of earlier [user, assistant] turns, "[]" if none
    "risk_category": pl.String,
    "subcategory": pl.String,
    "attack_vector": pl.String,
    "language": pl.String,
    "annotator": pl.String,
}
DEMONSTRATION_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String,
    "prompt_id": pl.String,
    "response": pl.String,
    "annotator": pl.String,
}
PREFERENCE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String,
    "prompt_id": pl.String,
    "chosen": pl.String,
    "rejected": pl.String,
    "strength": pl.String,          # taxonomy.PREFERENCE_STRENGTHS
    "axis": pl.String,              # safety | helpfulness
    "chosen_safe": pl.Boolean,
    "rejected_safe": pl.Boolean,
    "annotator": pl.String,
}
RATING_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String,                # '<task_id>/<rater>', never given by the file
    "task_id": pl.String,           # an exported rating task (warehouse table rating_tasks)
    "rating": pl.Int64,             # RATING_SCALE, 1 or 2 is a violation
    "rater": pl.String,
    "comment": pl.String,
}
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    PROMPT: PROMPT_SCHEMA,
    DEMONSTRATION: DEMONSTRATION_SCHEMA,
    PREFERENCE: PREFERENCE_SCHEMA,
    RATING: RATING_SCHEMA,
}
REQUIRED: dict[str, tuple[str, ...]] = {
    PROMPT: ("id", "text", "risk_category", "attack_vector"),
    DEMONSTRATION: ("prompt_id", "response"),
    PREFERENCE: ("prompt_id", "chosen", "rejected", "strength", "axis"),
    RATING: ("task_id", "rating"),
}
# Every field a record of any kind can carry (the rest of a row is ignored).
FIELDS: frozenset[str] = frozenset({"kind"}.union(*(schema for schema in SCHEMAS.values())))


def is_missing(value: Any) -> bool:
    """No value: absent, a float NaN (as pandas writes an empty cell) or blank text. Validation
    treats such a field as not given, and a repair as a field it leaves as it was."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and value.strip() == "")
