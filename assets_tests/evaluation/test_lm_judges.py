"""Judges fine-tuned from a causal LM (GPT-judge's recipe): the batched yes/no reading, the
training, and the saved folder that loads back as a causal LM judge."""

from __future__ import annotations

import json

import pytest
import torch

from safety_assets.evaluation.judge_probes import held_out_accuracy
from safety_assets.evaluation.judges import (
    CausalLMJudge,
    JudgeExample,
    judge_prompt,
    load_judge,
    yes_no_tokens,
)
from safety_assets.evaluation.lm_judges import MARKER, LMJudgeConfig, train_lm_judge


@pytest.fixture
def lm_folder(tiny_lm, tmp_path):
    model, tokenizer = tiny_lm
    model.config.architectures = ["LlamaForCausalLM"]
    model.save_pretrained(tmp_path / "base")
    tokenizer.save_pretrained(tmp_path / "base")
    return tmp_path / "base"


def _one_at_a_time(judge: CausalLMJudge, question: str, answer: str) -> float:
    """P(yes) from the full vocabulary logits of one unpadded prompt."""
    ids = judge.tokenizer(judge_prompt(question, answer, judge.kind))["input_ids"]
    shared, yes, no = yes_no_tokens(judge.tokenizer)
    with torch.no_grad():
        logits = judge.model(input_ids=torch.tensor([list(ids) + shared])).logits[0, -1]
    return float(torch.softmax(logits[[yes, no]], dim=-1)[0])


def test_batched_yes_no_probabilities_match_one_prompt_at_a_time(lm_folder):
    judge = CausalLMJudge(lm_folder, "truth", batch_size=3)
    questions = ["Is it?", "Why is the sky blue on a clear day?", "What?", "Who wrote it?"]
    answers = ["Yes.", "Rayleigh scattering of sunlight.", "", "Nobody knows who wrote it."]
    batched = judge.predict_proba(questions, answers)
    single = [_one_at_a_time(judge, q, a) for q, a in zip(questions, answers, strict=True)]
    assert batched == pytest.approx(single, abs=1e-5)
    # Right padding must not leak: the same row alone and in a batch gives the same value.
    assert judge.predict_proba(questions[1:2], answers[1:2])[0] == pytest.approx(batched[1],
                                                                                abs=1e-5)


def _rule_rows(n: int) -> list[JudgeExample]:
    """A learnable rule: answers that say "yes" are labelled true, "no" false."""
    return [JudgeExample(f"Question number {i}?", "yes it is." if i % 2 else "no it is not.",
                         bool(i % 2)) for i in range(n)]


def test_an_lm_judge_learns_a_labelled_rule_and_loads_back_as_a_causal_lm_judge(
        lm_folder, tmp_path):
    rows = _rule_rows(200)
    config = LMJudgeConfig(train_rows=None, eval_rows=None, epochs=3.0, batch_size=16,
                           learning_rate=3e-3)
    before = held_out_accuracy(load_judge(lm_folder, "truth"), rows, config=config, rows=None)
    judge, figures = train_lm_judge(lm_folder, rows, "truth", tmp_path / "judge", config=config)
    assert figures["last_loss"] < figures["first_loss"]
    after = held_out_accuracy(judge, rows, config=config, rows=None)
    assert after.accuracy.value >= 0.9 > before.accuracy.value
    marker = json.loads((tmp_path / "judge" / MARKER).read_text())
    assert marker["train_rows"] == 160 and marker["n_test_questions"] == 40
    reloaded = load_judge(tmp_path / "judge", "truth")
    assert isinstance(reloaded, CausalLMJudge)
    probe = ["Question number 7?"], ["yes it is."]
    assert reloaded.predict_proba(*probe) == pytest.approx(judge.predict_proba(*probe),
                                                           abs=1e-5)


def test_an_lm_judge_never_trains_on_a_held_out_question(lm_folder, tmp_path, eval_data,
                                                         monkeypatch):
    from safety_assets.evaluation.judge_probes import held_out_questions
    from safety_assets.evaluation.judges import load_judge_file

    rows = load_judge_file(eval_data.finetune_truth)
    _, held_out = held_out_questions([r.question for r in rows])
    config = LMJudgeConfig(train_rows=32, batch_size=16, epochs=1.0)
    seen: list[str] = []
    import safety_assets.evaluation.lm_judges as lm_judges

    original = lm_judges.judge_prompt

    def spy(question: str, answer: str, kind: str) -> str:
        seen.append(question)
        return original(question, answer, kind)

    monkeypatch.setattr(lm_judges, "judge_prompt", spy)
    train_lm_judge(lm_folder, rows, "truth", tmp_path / "j", config=config)
    assert seen and not set(seen) & held_out
