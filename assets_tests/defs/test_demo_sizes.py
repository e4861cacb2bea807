"""The demo's TruthfulQA sizes: the starting model and the last stage can get all 817
questions while the stages in between keep a fixed subset (the issue's report sizes)."""

from __future__ import annotations

from safety_assets.demo import questions_per_model

STAGES = ["base_model", "sft_model", "rejection_sampled_model", "ppo_model", "distilled_model"]


def test_the_starting_model_and_the_last_stage_get_the_end_size() -> None:
    sizes = questions_per_model(STAGES + ["llama-2-7b"], 200, 0)
    assert sizes == {"base_model": 0, "sft_model": 200, "rejection_sampled_model": 200,
                     "ppo_model": 200, "distilled_model": 0, "llama-2-7b": 200}


def test_the_last_stage_is_the_last_one_evaluated() -> None:
    assert questions_per_model(["base_model", "sft_model"], 100, 0) == {
        "base_model": 0, "sft_model": 0}


def test_without_an_end_size_every_model_gets_the_same_size() -> None:
    assert set(questions_per_model(STAGES, 100, None).values()) == {100}
