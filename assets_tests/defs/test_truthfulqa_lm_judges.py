"""The TruthfulQA judge asset with an LM judge pair beside the MiniLM one: both are compared
on the same held-out rows and probes, and the probe check blocks the pair chosen to judge."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from safety_assets.defs.evaluation.evaluation_assets import truthfulqa_judges
from safety_assets.defs.evaluation.evaluation_checks import judges_fail_garbage
from safety_assets.defs.resources import ModelProfileResource


@pytest.fixture
def random_lm(tmp_path, shared_data):
    """A randomly initialised 2-layer Llama with a tokenizer of TruthfulQA's questions: a
    judge made from it knows nothing, and the probes must say so."""
    from safety_assets.evaluation.truthfulqa import load_truthfulqa
    from safety_assets.ml.modeling import build_causal_lm, config_for_tokenizer
    from safety_assets.ml.tokenizer import train_tokenizer

    items = load_truthfulqa(shared_data / "truthfulqa" / "TruthfulQA.csv")
    tokenizer = train_tokenizer([i.question for i in items] + [" yes", " no"], vocab_size=400)
    model = build_causal_lm(config_for_tokenizer(tokenizer, hidden=32, layers=2, heads=2),
                            seed=0)
    model.config.architectures = ["LlamaForCausalLM"]
    folder = tmp_path / "random-lm"
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _run(home, config: dict, profile: ModelProfileResource) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [truthfulqa_judges, judges_fail_garbage],
        resources=home.pipeline_resources(profile=profile), instance=home.instance,
        raise_on_error=False, run_config={"ops": {"truthfulqa_judges": {"config": config}}})


def test_an_lm_judge_needs_a_pretrained_model(home):
    result = _run(home, {"lm_judge": True}, ModelProfileResource())
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "tiny profile has none" in failure


def test_lm_judges_are_compared_with_minilm_and_the_probe_check_blocks_a_blind_pair(
        home, random_lm):
    profile = ModelProfileResource(profile="local", local_model_path=str(random_lm))
    result = _run(home, {"lm_judge": True, "judge_with": "lm", "lm_train_rows": 32,
                         "lm_eval_rows": 64, "train_rows": 1500}, profile)
    materialization = result.asset_materializations_for_node("truthfulqa_judges")[0]
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert "LM minus MiniLM" in metadata["judge_comparison"]
    for kind in ("truth", "info"):
        human = metadata[f"lm_{kind}_held_out_human_labels"]
        assert human["accuracy"]["n"] == 64 and human["minus_minilm"]["n"] == 64
        assert metadata["judges_used"][kind].endswith(f"lm/{kind}")
    used = json.loads((home.root / "models" / "truthfulqa_judges" / "judges.json").read_text())
    assert used == metadata["judges_used"]
    # The chosen pair is a random model fine-tuned for two steps: the probes fail it, and
    # the blocking check says so.
    assert metadata["probe_report"]["judges"] == "lm"
    assert metadata["probe_report"]["passed"] is False
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"judges_fail_garbage": False}
