"""The annotation taxonomy of Llama 2, section 4.2.1: risk categories and attack vectors.

This module is the single source of truth; ``sql/taxonomy.sql`` seeds the warehouse's
dimension tables with the same rows (a test keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass

BENIGN = "benign"
UNTAGGED = "untagged"
NO_ATTACK = "none"


@dataclass(frozen=True)
class RiskCategory:
    name: str
    label: str
    subcategories: tuple[str, ...]
    adversarial: bool = True


RISK_CATEGORIES: tuple[RiskCategory, ...] = (
    RiskCategory(
        "illicit_criminal",
        "Illicit and criminal activities",
        ("terrorism", "theft", "human_trafficking", "weapons", "drugs", "fraud", "cybercrime"),
    ),
    RiskCategory(
        "hateful_harmful",
        "Hateful and harmful activities",
        ("defamation", "self_harm", "eating_disorders", "discrimination", "harassment",
         "violence"),
    ),
    RiskCategory(
        "unqualified_advice",
        "Unqualified advice",
        ("medical", "financial", "legal"),
    ),
    # Helpfulness prompts: not adversarial, no attack vector.
    RiskCategory(BENIGN, "Benign (helpfulness)", ("general",), adversarial=False),
    # Imported pairs (e.g. HH-RLHF) before an annotator or a tagger sets the category.
    RiskCategory(UNTAGGED, "Untagged (awaiting annotation)", ("untagged",), adversarial=True),
)


@dataclass(frozen=True)
class AttackVector:
    name: str
    label: str
    example: str


ATTACK_VECTORS: tuple[AttackVector, ...] = (
    AttackVector("psychological_manipulation", "Psychological manipulation",
                 "authority manipulation"),
    AttackVector("logic_manipulation", "Logic manipulation", "false premises"),
    AttackVector("syntactic_manipulation", "Syntactic manipulation", "misspelling"),
    AttackVector("semantic_manipulation", "Semantic manipulation", "metaphor"),
    AttackVector("perspective_manipulation", "Perspective manipulation", "role playing"),
    AttackVector("non_english", "Non-English languages", "a prompt in another language"),
    AttackVector("other", "Others", "any other attack"),
    AttackVector(NO_ATTACK, "No attack (benign prompt)", "a plain helpfulness request"),
    AttackVector(UNTAGGED, "Untagged (awaiting annotation)", "an imported prompt"),
)

RISK_CATEGORY_NAMES: frozenset[str] = frozenset(c.name for c in RISK_CATEGORIES)
ADVERSARIAL_CATEGORIES: tuple[str, ...] = tuple(
    c.name for c in RISK_CATEGORIES if c.adversarial and c.name != UNTAGGED
)
ATTACK_VECTOR_NAMES: frozenset[str] = frozenset(v.name for v in ATTACK_VECTORS)
ADVERSARIAL_VECTORS: tuple[str, ...] = tuple(
    v.name for v in ATTACK_VECTORS if v.name not in (NO_ATTACK, UNTAGGED)
)
SUBCATEGORIES: dict[str, frozenset[str]] = {
    c.name: frozenset(c.subcategories) for c in RISK_CATEGORIES
}

# Preference strength -> margin, Llama 2 section 3.2.2 ("large" margins are the default).
PREFERENCE_STRENGTHS: tuple[str, ...] = (
    "significantly_better", "better", "slightly_better", "negligibly_better",
)
LARGE_MARGINS: dict[str, float] = {
    "significantly_better": 3.0, "better": 2.0, "slightly_better": 1.0, "negligibly_better": 0.0,
}
SMALL_MARGINS: dict[str, float] = {
    "significantly_better": 1.0, "better": 2 / 3, "slightly_better": 1 / 3,
    "negligibly_better": 0.0,
}
PREFERENCE_AXES: tuple[str, ...] = ("safety", "helpfulness")

# Spellings annotators actually write, mapped to the canonical names above.
STRENGTH_ALIASES = {
    "significantly better": "significantly_better",
    "better": "better",
    "slightly better": "slightly_better",
    "negligibly better": "negligibly_better",
    "negligibly better/unsure": "negligibly_better",
    "negligibly better / unsure": "negligibly_better",
    "unsure": "negligibly_better",
}


def normalize_name(value: str) -> str:
    """'Unqualified Advice' -> 'unqualified_advice': lower case, words joined by '_'."""
    return "_".join(value.strip().lower().replace("-", " ").split())


def normalize_strength(value: str) -> str | None:
    """Canonical preference strength, or None when the value is not one the paper uses."""
    text = " ".join(value.strip().lower().replace("_", " ").split())
    if text in STRENGTH_ALIASES:
        return STRENGTH_ALIASES[text]
    return None


def is_adversarial(risk_category: str) -> bool:
    """True when a prompt of this category counts as adversarial (IS_SAFETY(p) in the paper)."""
    for category in RISK_CATEGORIES:
        if category.name == risk_category:
            return category.adversarial
    raise KeyError(f"unknown risk category {risk_category!r}")
