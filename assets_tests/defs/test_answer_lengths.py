"""The sampling stages' answer length: the model profile's unless a config sets it."""

from __future__ import annotations

import pytest

from safety_assets.defs.distill.distill_assets import DistillationConfig
from safety_assets.defs.resources import (
    REAL_ANSWER_TOKENS,
    TINY_ANSWER_TOKENS,
    ModelProfileResource,
)
from safety_assets.defs.rlhf.rlhf_assets import SamplingConfig


def test_a_real_chat_model_gets_room_to_finish_and_the_tiny_one_keeps_its_length():
    tiny = ModelProfileResource()
    real = ModelProfileResource(profile="smollm2")
    assert tiny.max_new_tokens() == TINY_ANSWER_TOKENS == 48
    assert real.max_new_tokens() == REAL_ANSWER_TOKENS
    # SmolLM2's demonstrations run to a median of 115 answer tokens: 48 would cut most.
    assert REAL_ANSWER_TOKENS > 165


@pytest.mark.parametrize("config", [SamplingConfig(), DistillationConfig()])
def test_a_configured_length_wins_over_the_profile_and_unset_takes_it(config):
    real = ModelProfileResource(profile="smollm2")
    assert config.max_new_tokens is None
    assert real.max_new_tokens(config.max_new_tokens) == REAL_ANSWER_TOKENS
    assert real.max_new_tokens(64) == 64
    assert ModelProfileResource(profile="smollm2", answer_tokens=96).max_new_tokens() == 96
