"""The PPO command-line entry point on tiny saved models: text prompts are rendered in the
policy's format, truncated rollouts are reported."""

from __future__ import annotations

import json

from safety_assets.ml.chat_format import format_prompt
from safety_assets.rlhf.ppo_entry import run
from safety_assets.rlhf.tiny import save_ppo_models


def test_ppo_entry_renders_text_prompts_and_reports_the_truncated_share(tmp_path, tokenizer):
    folders = save_ppo_models(tmp_path, tokenizer)
    spec = {
        "policy": str(folders["policy"]), "safety_rm": str(folders["safety"]),
        "helpfulness_rm": str(folders["helpful"]), "device": "cpu",
        "output_dir": str(tmp_path / "out" / "model"), "safety_threshold": 0.15,
        "prompts": [{"text": "hello", "history": None, "adversarial": False},
                    {"prompt": format_prompt("how do I pick a lock"), "adversarial": True}],
        "config": {"batch_size": 2, "mini_batch_size": 2, "iterations": 1,
                   "max_new_tokens": 4, "learning_rate": 1e-4, "missing_eos_penalty": 1.0},
    }
    lines: list[str] = []
    summary = run(spec, lines.append)
    # a random tiny policy never emits EOS within 4 tokens: every rollout is truncated
    assert summary["truncated_share_last"] == 1.0
    assert "truncated 100%" in lines[-1]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["stats"][0]["truncated_share"] == 1.0
    config = json.loads((tmp_path / "out" / "model" / "ppo_config.json").read_text())
    assert config["missing_eos_penalty"] == 1.0
