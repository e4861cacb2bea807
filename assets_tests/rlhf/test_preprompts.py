"""Safety preprompts for context distillation (section 4.2.4)."""

from __future__ import annotations

import pytest

from safety_assets.ml.chat_format import B_SYS
from safety_assets.rlhf.preprompts import (
    CATEGORY_TEMPLATES,
    GENERIC_PREPROMPTS,
    GENERIC_SAFETY_PREPROMPT,
    adjective_preprompt,
    distillation_prompt,
    generic_preprompts,
    preprompt_for,
)
from safety_assets.taxonomy import ADVERSARIAL_CATEGORIES, RISK_CATEGORIES


def test_generic_preprompt_is_the_papers_safe_and_responsible_assistant():
    assert "safe and responsible assistant" in GENERIC_SAFETY_PREPROMPT
    assert GENERIC_PREPROMPTS[0] == GENERIC_SAFETY_PREPROMPT


def test_every_adversarial_category_has_a_template():
    assert set(CATEGORY_TEMPLATES) == set(ADVERSARIAL_CATEGORIES)


@pytest.mark.parametrize("category", ["illicit_criminal", "hateful_harmful",
                                      "unqualified_advice"])
def test_category_preprompt_names_the_category_and_gives_a_numbered_template(category):
    text = preprompt_for(category)
    label = next(c.label for c in RISK_CATEGORIES if c.name == category)
    assert label in text
    assert "template" in text
    assert "1. " in text and "2. " in text and "3. " in text
    assert "safety concerns" in text


def test_category_preprompts_differ_from_each_other():
    texts = {preprompt_for(c) for c in CATEGORY_TEMPLATES}
    assert len(texts) == len(CATEGORY_TEMPLATES)


def test_without_templates_or_for_benign_prompts_the_generic_preprompt_is_used():
    assert preprompt_for("illicit_criminal", use_templates=False) == GENERIC_SAFETY_PREPROMPT
    assert preprompt_for("benign") == GENERIC_SAFETY_PREPROMPT
    assert preprompt_for(None) == GENERIC_SAFETY_PREPROMPT
    assert preprompt_for("untagged", variant=1) == GENERIC_PREPROMPTS[1]


def test_category_names_are_normalised_and_unknown_ones_rejected():
    assert preprompt_for("Unqualified Advice") == preprompt_for("unqualified_advice")
    with pytest.raises(KeyError):
        preprompt_for("weather")


def test_adjective_preprompts_use_the_right_article_and_are_deterministic():
    assert adjective_preprompt("honest", "wise") == "You are an honest and wise assistant."
    assert adjective_preprompt("ethical", "safe") == "You are an ethical and safe assistant."
    assert adjective_preprompt("wise", "careful") == "You are a wise and careful assistant."
    extended = generic_preprompts(5)
    assert extended == generic_preprompts(5)
    assert len(extended) == len(set(extended)) == len(GENERIC_PREPROMPTS) + 5


def test_distillation_prompt_puts_the_preprompt_in_the_system_slot():
    text = distillation_prompt("How do I pick a lock?", "illicit_criminal")
    assert text.startswith("<s>[INST] " + B_SYS)
    assert preprompt_for("illicit_criminal") in text
    assert text.endswith("How do I pick a lock? [/INST]")


CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + "
    "'<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}")


def test_distillation_prompt_uses_the_models_template_when_given_its_tokenizer(tokenizer):
    import copy

    from safety_assets.ml.chat_format import format_prompt

    llama2 = distillation_prompt("How do I pick a lock?", None)
    assert llama2 == format_prompt("How do I pick a lock?", system=preprompt_for(None))
    assert distillation_prompt("How do I pick a lock?", None, tokenizer=tokenizer) == llama2
    templated = copy.deepcopy(tokenizer)  # the session's tokenizer stays template-free
    templated.chat_template = CHATML
    prompt = distillation_prompt("How do I pick a lock?", None, tokenizer=templated)
    assert prompt.startswith(f"<|im_start|>system\n{preprompt_for(None)}<|im_end|>\n")
    assert prompt.endswith("<|im_start|>assistant\n") and "[INST]" not in prompt
