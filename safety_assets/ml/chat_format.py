"""Chat formats: the Llama 2 one (Llama 2 paper, section 3.1) and a model's own template.

``<s>[INST] <<SYS>>\\n{system}\\n<</SYS>>\\n\\n{user} [/INST] {answer} </s>``; earlier turns
of a dialogue are each closed with ``</s>`` and the next opened with ``<s>``
(:func:`format_prompt`, :func:`format_example`: the tiny profile, whose tokenizers have no
template). :func:`render_prompt` / :func:`render_example` / :func:`completion_text` take the
tokenizer and use its chat template when it has one (a real chat model such as SmolLM2), the
Llama 2 format otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

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


# --------------------------------------------------------------------------- model templates
#
# A real chat model (SmolLM2, Llama 3, ...) ships its own chat template; prompting it in the
# Llama 2 format above would be out of distribution. The functions below render with the
# tokenizer's template when it has one and fall back to the Llama 2 format otherwise (the tiny
# tokenizers trained here have none), so one call site serves both profiles.

# A marker no template rewrites: it locates the answer inside a rendered assistant turn.
_PROBE = "Xq7ProbeAnswerXq7"
_ANSWER_PARTS: dict[tuple[str, str], tuple[str, str]] = {}
_OPENINGS: dict[str, str] = {}


def has_chat_template(tokenizer: Any) -> bool:
    """Whether ``tokenizer`` carries a chat template of its own."""
    return bool(getattr(tokenizer, "chat_template", None)) if tokenizer is not None else False


def chat_messages(
    user: str,
    history: str | Sequence[Sequence[str]] | None = None,
    system: str | None = None,
    answer: str | None = None,
) -> list[dict[str, str]]:
    """The dialogue as role/content messages, stripped like :func:`format_prompt` strips it."""
    messages = [{"role": "system", "content": system.strip()}] if system else []
    for turn_user, turn_assistant in parse_history(history):
        messages.append({"role": "user", "content": turn_user.strip()})
        messages.append({"role": "assistant", "content": turn_assistant.strip()})
    messages.append({"role": "user", "content": user.strip()})
    if answer is not None:
        messages.append({"role": "assistant", "content": answer.strip()})
    return messages


def render_prompt(
    tokenizer: Any,
    text: str,
    history: str | Sequence[Sequence[str]] | None = None,
    system: str | None = None,
) -> str:
    """The prompt text the model answers after: its own template with the generation prompt
    (``<|im_start|>assistant\\n`` for SmolLM2), or :func:`format_prompt` without a template.

    With no ``system`` the template may insert its default system prompt (SmolLM2's does):
    that is how the model was tuned, so it is kept.
    """
    if not has_chat_template(tokenizer):
        return format_prompt(text, history, system)
    return str(tokenizer.apply_chat_template(
        chat_messages(text, history, system), add_generation_prompt=True, tokenize=False))


def answer_parts(tokenizer: Any) -> tuple[str, str]:
    """(opening, closing): what the template writes before and after an assistant answer, the
    closing cut right after the EOS text (generation stops there, so nothing after it is ever
    produced). ``(" ", " </s>")`` for the Llama 2 format; ``("", "<|im_end|>")`` for SmolLM2.
    """
    if not has_chat_template(tokenizer):
        return " ", f" {EOS}"
    eos = str(getattr(tokenizer, "eos_token", None) or EOS)
    key = (str(tokenizer.chat_template), eos)
    if key not in _ANSWER_PARTS:
        _ANSWER_PARTS[key] = _probe_answer_parts(tokenizer, eos)
    return _ANSWER_PARTS[key]


def _probe_answer_parts(tokenizer: Any, eos: str) -> tuple[str, str]:
    prompt = render_prompt(tokenizer, "Hi")
    full = str(tokenizer.apply_chat_template(
        chat_messages("Hi", answer=_PROBE), add_generation_prompt=False, tokenize=False))
    at = full.find(_PROBE, len(prompt))
    if not full.startswith(prompt) or at < 0:
        # A template whose generation prompt is not a prefix of the answered dialogue: the
        # answer then simply follows the prompt and ends with EOS.
        return "", eos
    opening, rest = full[len(prompt):at], full[at + len(_PROBE):]
    end = rest.find(eos)
    closing = rest[: end + len(eos)] if end >= 0 else (rest.rstrip() or eos)
    return opening, closing


def completion_text(tokenizer: Any, answer: str, finished: bool = True) -> str:
    """The answer as it follows the rendered prompt: `` {answer} </s>`` for Llama 2,
    ``{answer}<|im_end|>`` for SmolLM2. An unfinished answer (cut at ``max_new_tokens``) gets
    no closing, so a reward model does not read it as a complete one."""
    opening, closing = answer_parts(tokenizer)
    return f"{opening}{answer.strip()}{closing if finished else ''}"


def render_example(
    tokenizer: Any,
    text: str,
    answer: str,
    history: str | Sequence[Sequence[str]] | None = None,
    system: str | None = None,
) -> tuple[str, str]:
    """(prompt, completion) for training, in the model's own format; without a template this
    is exactly :func:`format_example`. Tokenize the two parts separately and concatenate the
    ids: the prompt's ids are then exactly those generation starts from."""
    if not has_chat_template(tokenizer):
        return format_example(text, answer, history, system)
    return render_prompt(tokenizer, text, history, system), completion_text(tokenizer, answer)


def is_rendered(tokenizer: Any, text: str) -> bool:
    """Whether ``text`` is already a rendered prompt (rather than a bare user message): it
    starts like :func:`render_prompt`'s output does (``<s>``, ``[INST]``, ``<|im_start|>``...)."""
    stripped = text.lstrip()
    if stripped.startswith((BOS, B_INST)):
        return True
    if not has_chat_template(tokenizer):
        return False
    opening = _template_opening(tokenizer)
    return bool(opening) and text.startswith(opening)


def _template_opening(tokenizer: Any) -> str:
    # The longest special token a rendered prompt starts with (e.g. "<|im_start|>"); cached
    # because the scorer asks once per prompt.
    key = str(tokenizer.chat_template)
    if key not in _OPENINGS:
        _OPENINGS[key] = _find_opening(tokenizer)
    return _OPENINGS[key]


def _find_opening(tokenizer: Any) -> str:
    rendered = render_prompt(tokenizer, "Hi")
    specials = [str(t) for t in getattr(tokenizer, "all_special_tokens", [])]
    specials += [str(t) for t in getattr(tokenizer, "get_added_vocab", dict)().keys()]
    matches = [t for t in specials if t and rendered.startswith(t)]
    return max(matches, key=len) if matches else ""
