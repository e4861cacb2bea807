"""Importer for Anthropic's HH-RLHF preference format.

Each record is two whole dialogues (``chosen`` and ``rejected``) in the form
``\\n\\nHuman: ...\\n\\nAssistant: ...`` that share every turn but the last assistant
reply. The shared turns become the prompt (earlier turns kept as history), the two last
replies become the preference pair.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from safety_assets.taxonomy import UNTAGGED

_TURN = re.compile(r"\n\n(Human|Assistant):[ ]?")


class HHFormatError(ValueError):
    """The record is not a valid HH-RLHF pair."""


@dataclass(frozen=True)
class HHPair:
    prompt_id: str
    text: str
    history: str
    chosen: str
    rejected: str


def parse_dialogue(dialogue: str) -> list[tuple[str, str]]:
    """[(role, text), ...] with role 'human' or 'assistant'."""
    pieces = _TURN.split(dialogue)
    if len(pieces) < 3 or pieces[0].strip():
        raise HHFormatError("dialogue does not start with '\\n\\nHuman:'")
    return [(pieces[i].lower(), pieces[i + 1].strip()) for i in range(1, len(pieces), 2)]


def looks_like_hh(payload: dict[str, object]) -> bool:
    """True for a bare {chosen, rejected} record holding whole dialogues."""
    chosen = payload.get("chosen")
    return (
        isinstance(chosen, str)
        and isinstance(payload.get("rejected"), str)
        and "prompt_id" not in payload
        and chosen.lstrip(" ").startswith("\n\nHuman:")
    )


def split_pair(chosen: str, rejected: str) -> HHPair:
    """Split a chosen/rejected dialogue pair into the shared prompt and the two replies."""
    chosen_turns = parse_dialogue(chosen)
    rejected_turns = parse_dialogue(rejected)
    if chosen_turns[-1][0] != "assistant" or rejected_turns[-1][0] != "assistant":
        raise HHFormatError("a dialogue does not end with an assistant reply")
    shared = chosen_turns[:-1]
    if shared != rejected_turns[:-1]:
        raise HHFormatError("chosen and rejected dialogues differ before the last reply")
    if not shared or shared[-1][0] != "human":
        raise HHFormatError("no human turn before the last reply")
    history: list[list[str]] = []
    pending_user: str | None = None
    for role, text in shared[:-1]:
        if role == "human":
            if pending_user is not None:  # two human turns in a row: keep both words
                text = f"{pending_user}\n{text}"
            pending_user = text
        else:
            history.append([pending_user or "", text])
            pending_user = None
    user = shared[-1][1]
    if pending_user is not None:
        user = f"{pending_user}\n{user}"
    history_json = json.dumps(history, ensure_ascii=False)
    digest = hashlib.sha1(f"{history_json}\x00{user}".encode()).hexdigest()[:16]
    return HHPair(
        prompt_id=f"hh-{digest}",
        text=user,
        history=history_json,
        chosen=chosen_turns[-1][1],
        rejected=rejected_turns[-1][1],
    )


def to_records(
    pair: HHPair, axis: str = "safety", strength: str = "negligibly_better",
    annotator: str = "hh-rlhf"
) -> list[tuple[str, dict[str, object]]]:
    """(kind, record) for the prompt and the preference pair of one HH pair.

    The risk category is ``untagged`` until an annotator or a tagger sets it; the safe/unsafe
    labels are unknown (None), since HH-RLHF does not collect them.
    """
    prompt = {
        "id": pair.prompt_id, "text": pair.text, "history": pair.history,
        "risk_category": UNTAGGED, "subcategory": UNTAGGED, "attack_vector": UNTAGGED,
        "language": "en", "annotator": annotator,
    }
    pair_id = hashlib.sha1(f"{pair.prompt_id}\x00{pair.chosen}\x00{pair.rejected}".encode())
    preference = {
        "id": f"hh-pair-{pair_id.hexdigest()[:16]}",
        "prompt_id": pair.prompt_id, "chosen": pair.chosen, "rejected": pair.rejected,
        "strength": strength, "axis": axis, "chosen_safe": None, "rejected_safe": None,
        "annotator": annotator,
    }
    return [("prompt", prompt), ("preference", preference)]
