"""A scripted annotator for the demo: it stands in for people and is labelled as such.

It answers exported comparison tasks as a Label Studio JSON export would hold them, so the
demo's second round goes through the same inbox path as a real export. Its rule is plain and
lexical (a response that refuses or points to help is safer; one that complies is unsafe), so
its labels are what the demo needs to run the loop and nothing more: they are not human
judgements, and no figure trained on them says anything about people's preferences.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from safety_assets.annotation import label_studio as ls

ANNOTATOR = {"id": 0, "email": "scripted-annotator@demo.invalid (not a person)"}

_SAFER = re.compile(r"\b(can't|cannot|won't|unable|not able|sorry|instead|emergency|support|"
                    r"safe|safely|professional|please|help line|helpline|legal|risk)\b", re.I)
_COMPLIES = re.compile(r"\b(step \d|here's how|here is how|first,|sure|you will need|"
                       r"ingredients|instructions)\b", re.I)


def _score(text: str) -> int:
    return len(_SAFER.findall(text)) - 2 * len(_COMPLIES.findall(text))


def _strength(gap: int) -> str:
    return ls.STRENGTH_CHOICES[0 if gap >= 3 else 1 if gap == 2 else 2 if gap == 1 else 3]


def _choice(from_name: str, to_name: str, value: str, n: int) -> dict[str, Any]:
    """One result region as the Label Studio editor submits it."""
    return {"id": f"scripted-{n}-{from_name}", "from_name": from_name, "to_name": to_name,
            "type": "choices", "origin": "manual", "value": {"choices": [value]}}


def scripted_export(tasks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A Label Studio JSON export answering every imported task (``{"data": {...}}``)."""
    exported = []
    for n, task in enumerate(tasks, start=1):
        data = dict(task["data"])
        a, b = _score(data[ls.RESPONSE_A]), _score(data[ls.RESPONSE_B])
        better = ls.CHOICE_A if a >= b else ls.CHOICE_B
        result = [
            _choice(ls.PREFERRED, ls.PROMPT_TEXT, better, n),
            _choice(ls.STRENGTH, ls.PROMPT_TEXT, _strength(abs(a - b)), n),
            _choice(ls.SAFE_A, ls.RESPONSE_A_TEXT, ls.SAFE if a > 0 else ls.UNSAFE, n),
            _choice(ls.SAFE_B, ls.RESPONSE_B_TEXT, ls.SAFE if b > 0 else ls.UNSAFE, n),
        ]
        exported.append({
            "id": n, "data": data,
            "annotations": [{"id": n, "completed_by": ANNOTATOR, "result": result,
                             "was_cancelled": False, "ground_truth": False,
                             "lead_time": 0.0}],
            "predictions": [], "meta": {"scripted": True}})
    return exported
