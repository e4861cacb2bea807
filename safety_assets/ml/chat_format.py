"""The Llama 2 chat format (Llama 2 paper, section 3.1).

``<s>[INST] <<SYS>>\\n{system}\\n<</SYS>>\\n\\n{user} [/INST] {answer} </s>``; earlier turns
of a dialogue are each closed with ``</s>`` and the next opened with ``<s>``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

BOS, EOS = "<s>", "</s>"
B_INST, E_INST = "[INST]", "[/INST]"
B_SYS, E_SYS = "<<SYS>>\n", "\n<</SYS>>\n\n"
SPECIAL_TOKENS: tuple[str, ...] = ("<s>", "</s>", "<unk>", "<pad>", "[INST]", "[/INST]",
                                   "<<SYS>>", "<</SYS>>")


def parse_history(history: str | Sequence[Sequence[str]] | None) -> list[tuple[str, str]]:
    """Earlier (user, assistant) turns from their JSON form (as stored) or a list."""
    if history is None or history == "":
        return []
    turns = json.loads(history) if isinstance(history, str) else history
    return [(str(user), str(assistant)) for user, assistant in turns]


def format_prompt(
    user: str,
    history: str | Sequence[Sequence[str]] | None = None,
    system: str | None = None,
) -> str:
    """The prompt text up to and including the last ``[/INST]``: the model answers after it.

    The system prompt goes into the first user turn, as Llama 2 does.
    """
    turns = parse_history(history) + [(user, "")]
    parts: list[str] = []
    for index, (turn_user, turn_assistant) in enumerate(turns):
        content = turn_user.strip()
        if index == 0 and system:
            content = f"{B_SYS}{system.strip()}{E_SYS}{content}"
        parts.append(f"{BOS}{B_INST} {content} {E_INST}")
        if index < len(turns) - 1:
            parts.append(f" {turn_assistant.strip()} {EOS}")
    return "".join(parts)


def format_example(
    user: str,
    answer: str,
    history: str | Sequence[Sequence[str]] | None = None,
    system: str | None = None,
) -> tuple[str, str]:
    """(prompt, completion) for training: the loss is taken on the completion only."""
    return format_prompt(user, history, system), f" {answer.strip()} {EOS}"
