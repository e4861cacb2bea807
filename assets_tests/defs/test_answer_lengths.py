"""Answers that finish: the sampling stages' answer length is the model profile's unless a
config sets it, and PPO on a real model penalises rollouts cut without EOS."""

from __future__ import annotations

import pytest

from safety_assets.defs.distill.distill_assets import DistillationConfig
from safety_assets.defs.resources import (
    PPO_MISSING_EOS_PENALTY,
    REAL_ANSWER_TOKENS,
    REAL_PRESENCE_PENALTY,
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


def test_ppo_on_a_real_model_penalises_cut_rollouts_unless_the_user_turns_it_off():
    from safety_assets.defs.rlhf.rlhf_assets import PPOAssetConfig

    real = ModelProfileResource(profile="smollm2", lora_r=16).ppo_settings()
    assert PPOAssetConfig().to_spec(real).missing_eos_penalty == PPO_MISSING_EOS_PENALTY > 0
    assert PPOAssetConfig(missing_eos_penalty=0.0).to_spec(real).missing_eos_penalty == 0.0
    assert PPOAssetConfig().to_spec(real).lora_r == 16
    assert PPOAssetConfig().to_spec(real).max_new_tokens == REAL_ANSWER_TOKENS
    assert PPOAssetConfig(max_new_tokens=64).to_spec(real).max_new_tokens == 64
    # The tiny profile keeps its PPO job as it was.
    tiny = ModelProfileResource().ppo_settings()
    assert PPOAssetConfig().to_spec(tiny).missing_eos_penalty is None


@pytest.mark.parametrize("config", [SamplingConfig(), DistillationConfig()])
def test_a_real_chat_model_gets_a_presence_penalty_unless_a_config_sets_one(config):
    assert config.presence_penalty is None
    assert ModelProfileResource().presence_penalty(config.presence_penalty) == 0.0
    real = ModelProfileResource(profile="smollm2")
    assert real.presence_penalty(config.presence_penalty) == REAL_PRESENCE_PENALTY > 0
    assert real.presence_penalty(0.0) == 0.0
    assert ModelProfileResource(profile="smollm2",
                                answer_presence_penalty=0.5).presence_penalty() == 0.5


def test_ppo_rollouts_never_get_the_presence_penalty():
    # PPO's ratios and KL assume the rollouts come from the policy's own distribution.
    from safety_assets.rlhf.ppo import PPOConfig

    assert "presence_penalty" not in ModelProfileResource(profile="smollm2").ppo_settings()
    assert "presence_penalty" not in PPOConfig.__dataclass_fields__


@pytest.mark.parametrize("config", [SamplingConfig(), DistillationConfig()])
def test_a_real_chat_model_samples_in_auto_precision_and_the_tiny_one_in_fp32(config):
    assert config.sampling_precision is None
    assert ModelProfileResource().sampling_precision(config.sampling_precision) == "float32"
    real = ModelProfileResource(profile="smollm2")
    assert real.sampling_precision(config.sampling_precision) == "auto"
    assert real.sampling_precision("float32") == "float32"
    assert ModelProfileResource(profile="smollm2", answer_sampling_precision="bfloat16"
                                ).sampling_precision() == "bfloat16"
    with pytest.raises(ValueError, match="'fp8'"):
        real.sampling_precision("fp8")
