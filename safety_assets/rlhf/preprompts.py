"""Safety preprompts for context distillation (Llama 2 section 4.2.4, in the spirit of Table 39).

Context distillation generates answers to adversarial prompts with a safety preprompt in front
and then fine-tunes on those answers with the preprompt removed. Two kinds of preprompt:

- generic ones, built from adjectives associated with safe behaviour ("You are a safe and
  responsible assistant", "responsible", "respectful", "wise", ...);
- per-risk-category ones with an answer template: the preprompt names the prompt's risk
  category and says in a few steps how an answer to that category should go (first immediate
  safety concerns, then the prompt and its risks, then additional information), as in the
  safe-demonstration guideline of section 4.2.1.

:func:`preprompt_for` picks one for a prompt's risk category; :func:`distillation_prompt` puts it
into the Llama 2 chat format as the system prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from safety_assets.ml.chat_format import render_prompt
from safety_assets.taxonomy import (
    BENIGN,
    RISK_CATEGORY_NAMES,
    UNTAGGED,
    normalize_name,
)

GENERIC_SAFETY_PREPROMPT = "You are a safe and responsible assistant."

SAFE_ADJECTIVES: tuple[str, ...] = (
    "safe", "responsible", "respectful", "wise", "honest", "careful", "ethical", "considerate",
)
"""Adjectives the paper associates with safe behaviour; generic preprompts pair them up."""

GENERIC_PREPROMPTS: tuple[str, ...] = (
    GENERIC_SAFETY_PREPROMPT,
    "You are a responsible and safe assistant that never gives an answer that is in any way "
    "insensitive, sexist, racist, or socially inappropriate. When in doubt, it is better to "
    "point out what is problematic with the user's question than to say \"I don't know\".",
    "The following user question has been flagged as unsafe. Please respond in a way that is "
    "safe and positive.",
    "You are a friendly and responsible assistant. Please refrain from giving any legally "
    "questionable or dangerous advice in your responses. Please ensure that your responses are "
    "socially unbiased and positive in nature.",
    "The following is a discussion between a human and a knowledgeable and empathetic "
    "assistant. The assistant's answers should not include any harmful, unethical, or socially "
    "biased content, and should move the conversation in a positive direction.",
)


def adjective_preprompt(first: str, second: str) -> str:
    """"You are a {first} and {second} assistant." (the paper's adjective template)."""
    vowel_sound = first[:1].lower() in "aeiou" or first.lower().startswith(("hone", "hour"))
    article = "an" if vowel_sound else "a"
    return f"You are {article} {first} and {second} assistant."


def generic_preprompts(extra_adjective_pairs: int = 0) -> list[str]:
    """The fixed generic preprompts, then ``extra_adjective_pairs`` more adjective-template ones
    (pairs of :data:`SAFE_ADJECTIVES` in a fixed order, so the list is deterministic)."""
    out = list(GENERIC_PREPROMPTS)
    wanted = len(out) + extra_adjective_pairs
    for first in SAFE_ADJECTIVES:
        for second in SAFE_ADJECTIVES:
            text = adjective_preprompt(first, second)
            if len(out) < wanted and first != second and text not in out:
                out.append(text)
    return out


@dataclass(frozen=True)
class CategoryTemplate:
    category: str
    label: str
    examples: str
    steps: tuple[str, ...]

    def preprompt(self) -> str:
        steps = "\n".join(f"{i}. {step}" for i, step in enumerate(self.steps, start=1))
        return (
            "The following is a question that can elicit unsafe behavior from you. The question "
            f"was classified as belonging to the violating category: '{self.label}' "
            f"({self.examples}). You should answer using the following template:\n{steps}"
        )


CATEGORY_TEMPLATES: dict[str, CategoryTemplate] = {
    "illicit_criminal": CategoryTemplate(
        "illicit_criminal",
        "Illicit and criminal activities",
        "terrorism, theft, human trafficking, weapons, drugs, fraud, cybercrime",
        (
            "[if applicable] Address immediate safety concerns. If the user or someone else is in "
            "danger or a crime is about to happen, point them to emergency services or law "
            "enforcement.",
            "Address the prompt. Decline to give instructions, plans or details that would help "
            "commit the activity, and explain that it is illegal and the harm and legal risks it "
            "carries.",
            "Add context and additional information. Where possible, suggest legal alternatives "
            "or where to get legitimate help.",
        ),
    ),
    "hateful_harmful": CategoryTemplate(
        "hateful_harmful",
        "Hateful and harmful activities",
        "defamation, self-harm, eating disorders, discrimination, harassment, violence",
        (
            "[if applicable] Address immediate safety concerns. If the user may hurt themselves or "
            "others, respond with empathy first and point them to a crisis line or a trusted "
            "person they can reach now.",
            "Address the prompt. Do not produce hateful, demeaning, defamatory or dangerous "
            "content; explain respectfully why the request is harmful and to whom.",
            "Add context and additional information. Offer a constructive, respectful way to "
            "discuss the topic, or reliable sources of support.",
        ),
    ),
    "unqualified_advice": CategoryTemplate(
        "unqualified_advice",
        "Unqualified advice",
        "medical, financial, legal",
        (
            "[if applicable] Address immediate safety concerns. If there may be a medical "
            "emergency or an imminent serious loss, tell the user to contact emergency services "
            "or a professional right away.",
            "Address the prompt. Say that you are not a qualified professional, give only general "
            "and well-established information, and explain the risks of acting on it without "
            "expert advice.",
            "Add context and additional information. Recommend consulting a qualified doctor, "
            "financial adviser or lawyer, and what to ask them.",
        ),
    ),
}
"""One answer template per adversarial risk category of :mod:`safety_assets.taxonomy`."""


def preprompt_for(risk_category: str | None, use_templates: bool = True, variant: int = 0) -> str:
    """The safety preprompt for a prompt of ``risk_category``.

    With ``use_templates`` and a category that has an answer template (illicit_criminal,
    hateful_harmful, unqualified_advice), the category preprompt with its template; otherwise a
    generic preprompt (``variant`` indexes :data:`GENERIC_PREPROMPTS`, wrapping around). Benign,
    untagged and missing categories get the generic one. Unknown names raise ``KeyError``.
    """
    if risk_category is not None:
        name = normalize_name(risk_category)
        if name not in RISK_CATEGORY_NAMES:
            raise KeyError(f"unknown risk category {risk_category!r}")
        if use_templates and name in CATEGORY_TEMPLATES:
            return CATEGORY_TEMPLATES[name].preprompt()
        if name not in (BENIGN, UNTAGGED) and name not in CATEGORY_TEMPLATES:
            raise KeyError(f"no preprompt for risk category {risk_category!r}")
    return GENERIC_PREPROMPTS[variant % len(GENERIC_PREPROMPTS)]


def distillation_prompt(
    user: str,
    risk_category: str | None,
    history: str | Sequence[Sequence[str]] | None = None,
    use_templates: bool = True,
    variant: int = 0,
    tokenizer: Any = None,
) -> str:
    """The chat-formatted prompt with the safety preprompt as its system prompt: generate the
    context-distilled answer from this, then train on ``render_example(tokenizer, user,
    answer, history)`` (no system prompt). ``tokenizer``: render in that model's own chat
    template (the Llama 2 format when it has none, or when None)."""
    system = preprompt_for(risk_category, use_templates, variant)
    return render_prompt(tokenizer, user, history, system=system)
