"""A few training steps of each task on the tiny profile: losses fall, checkpoints reload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

from assets_tests.ml.ml_synthetic import tiny_spec
from safety_assets.ml.data import (
    CausalLMCollator,
    PairCollator,
    pair_examples,
    read_jsonl,
    write_jsonl,
)
from safety_assets.ml.modeling import load_causal_lm, load_reward_model, score
from safety_assets.ml.trainer import Progress, TrainSpec, save_loss_curve, train
from safety_assets.taxonomy import LARGE_MARGINS


def head_and_tail(metrics: dict[str, Any], k: int = 3) -> tuple[float, float]:
    losses = [r["loss"] for r in metrics["losses"]]
    return sum(losses[:k]) / k, sum(losses[-k:]) / k


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory, tokenizer_dir, datasets) -> dict[str, Any]:
    """One short pretraining run shared by the tests below (the SFT and RM starting point)."""
    root = tmp_path_factory.mktemp("pretrain")
    events: list[Progress] = []
    spec = tiny_spec("pretrain", root / "run", tokenizer_dir, datasets, max_steps=30,
                     log_every=10)
    metrics = train(spec, progress=events.append)
    return {"spec": spec, "metrics": metrics, "events": events, "model": root / "run" / "model"}


def test_pretraining_lowers_the_loss(pretrained) -> None:
    metrics = pretrained["metrics"]
    first, last = head_and_tail(metrics)
    print(f"pretrain loss {first:.3f} -> {last:.3f}, held-out {metrics['eval_loss']:.3f}")
    assert last < 0.75 * first
    assert metrics["eval_loss"] < first
    assert metrics["steps"] == 30 and len(metrics["losses"]) == 30


def test_metrics_record_what_dagster_reports(pretrained) -> None:
    metrics = pretrained["metrics"]
    saved = json.loads((Path(pretrained["spec"].output_dir) / "metrics.json").read_text())
    assert saved == json.loads(json.dumps(metrics))
    for key in ("final_train_loss", "eval_loss", "tokens_seen", "tokens_per_s", "num_parameters",
                "steps", "wall_time_s", "train_time_s"):
        assert metrics[key] is not None and metrics[key] > 0, key
    assert metrics["num_parameters"] == sum(
        p.numel() for p in AutoModelForCausalLM.from_pretrained(
            str(pretrained["model"]), local_files_only=True).parameters())
    assert sum(r["tokens"] for r in metrics["losses"]) == metrics["tokens_seen"]
    # The schedule: warm-up, then cosine down towards 10% of the peak.
    lrs = [r["lr"] for r in metrics["losses"]]
    assert max(lrs) == pytest.approx(pretrained["spec"].learning_rate)
    assert lrs[-1] < 0.2 * max(lrs) and lrs[-1] >= 0.1 * max(lrs) - 1e-12
    png = save_loss_curve(metrics, Path(pretrained["spec"].output_dir) / "curve.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_progress_callback_reports_steps_and_eta(pretrained) -> None:
    events: list[Progress] = pretrained["events"]
    assert [e.step for e in events] == [10, 20, 30]
    assert all(e.total_steps == 30 and e.tokens_per_s > 0 and e.loss > 0 for e in events)
    assert events[-1].eta_s == 0 and events[0].eta_s > 0


def test_causal_lm_checkpoint_round_trips(pretrained) -> None:
    folder = str(pretrained["model"])
    model = AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    again = load_causal_lm(folder, device="cpu")
    batch = tokenizer(["The cat is red.", "The big dog"], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, again(**batch).logits)
    assert model.config.pad_token_id == tokenizer.pad_token_id
    assert not any(p.name.startswith(".") for p in pretrained["model"].parent.iterdir())


def test_sft_lowers_the_answer_loss(pretrained, make_spec) -> None:
    spec = make_spec("sft", init_from=str(pretrained["model"]), max_steps=40)
    metrics = train(spec)
    first, last = head_and_tail(metrics)
    print(f"sft loss {first:.3f} -> {last:.3f}, held-out {metrics['eval_loss']:.3f}")
    assert last < 0.6 * first
    assert metrics["eval_loss"] < first


def test_reward_model_ranks_held_out_pairs_above_chance(pretrained, make_spec, tokenizer,
                                                        datasets) -> None:
    spec = make_spec("reward", init_from=str(pretrained["model"]), max_steps=20)
    metrics = train(spec)
    print(f"reward model held-out accuracy {metrics['eval_accuracy']:.3f} on "
          f"{metrics['eval_pairs']} pairs; by strength {metrics['eval_accuracy_by_strength']}")
    assert metrics["eval_accuracy"] > 0.6
    assert metrics["eval_pairs"] == len(read_jsonl(datasets["reward_eval"]))

    # Control: an untrained reward head can land far from 0.5 by chance (one random direction
    # over a trunk that already tells the two vocabularies apart), so also check that the
    # ranking follows the labels: trained on swapped pairs, the same RM ranks them the other way.
    swapped = Path(spec.output_dir).with_name("swapped.jsonl")
    write_jsonl([dict(row, chosen=row["rejected"], rejected=row["chosen"])
                 for row in read_jsonl(datasets["reward"])], swapped)
    control = train(make_spec("reward", "control", init_from=str(pretrained["model"]),
                              max_steps=20, train_data=str(swapped)))
    print(f"trained on swapped labels: held-out accuracy {control['eval_accuracy']:.3f}")
    assert control["eval_accuracy"] < 0.4

    # The saved RM reloads as a plain sequence classifier with one output and a pad id,
    # and scores the held-out pairs exactly as the trainer's evaluation did.
    folder = Path(spec.output_dir) / "model"
    model = AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True)
    assert model.config.num_labels == 1 and model.config.pad_token_id == tokenizer.pad_token_id
    assert model.config.pad_token_id != model.config.eos_token_id
    pairs = pair_examples(read_jsonl(datasets["reward_eval"]), tokenizer, spec.max_length,
                          LARGE_MARGINS)
    batch = PairCollator(tokenizer.pad_token_id)(pairs)
    rewards = score(model, batch["input_ids"], batch["attention_mask"])
    half = len(pairs)
    assert float((rewards[:half] > rewards[half:]).float().mean()) == pytest.approx(
        metrics["eval_accuracy"])
    # Padding does not change a sequence's reward: it is read at the last real token.
    alone = score(model, torch.tensor([pairs[0]["chosen_ids"]]),
                  torch.ones(1, len(pairs[0]["chosen_ids"]), dtype=torch.long))
    assert alone.item() == pytest.approx(rewards[0].item(), abs=1e-4)


def test_reward_model_initialises_from_a_causal_lm(pretrained) -> None:
    lm = AutoModelForCausalLM.from_pretrained(str(pretrained["model"]), local_files_only=True)
    rm = load_reward_model(pretrained["model"], device="cpu")
    assert type(rm).__name__ == "LlamaForSequenceClassification"
    assert rm.score.out_features == 1 and not hasattr(rm, "lm_head")
    assert torch.equal(rm.model.embed_tokens.weight, lm.model.embed_tokens.weight)
    assert torch.equal(rm.model.layers[0].mlp.up_proj.weight, lm.model.layers[0].mlp.up_proj.weight)
    batch = CausalLMCollator(rm.config.pad_token_id)([{"input_ids": [0, 50, 60]}])
    assert score(rm, batch["input_ids"], batch["attention_mask"]).shape == (1,)


def test_rerunning_a_finished_run_changes_nothing(pretrained) -> None:
    model_file = pretrained["model"] / "model.safetensors"
    before = model_file.stat().st_mtime_ns
    again = train(pretrained["spec"])
    assert again["steps"] == 30 and model_file.stat().st_mtime_ns == before


def test_lora_trains_adapters_and_saves_a_merged_plain_model(pretrained, make_spec) -> None:
    spec = make_spec("sft", init_from=str(pretrained["model"]), profile="local", lora_r=4,
                     lora_alpha=8, lr=5e-3, max_steps=8, dtype="float32")
    metrics = train(spec)
    assert metrics["trainable_parameters"] < 0.2 * metrics["num_parameters"]
    folder = Path(spec.output_dir) / "model"
    assert not (folder / "adapter_config.json").exists()
    tuned = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True)
    base = AutoModelForCausalLM.from_pretrained(str(pretrained["model"]), local_files_only=True)
    assert {k for k in tuned.state_dict()} == {k for k in base.state_dict()}
    q_tuned = tuned.model.layers[0].self_attn.q_proj.weight
    q_base = base.model.layers[0].self_attn.q_proj.weight
    assert not torch.equal(q_tuned, q_base)  # the adapters were merged in
    assert torch.equal(tuned.model.layers[0].mlp.up_proj.weight,
                       base.model.layers[0].mlp.up_proj.weight)  # untargeted: untouched


def test_spec_round_trips_through_json(tmp_path: Path, make_spec) -> None:
    spec = make_spec("reward", margin_table="small", sign_coef=0.1)
    spec.to_json(tmp_path / "spec.json")
    assert TrainSpec.from_json(tmp_path / "spec.json") == spec
    with pytest.raises(ValueError):
        TrainSpec.from_dict({**spec.to_dict(), "learning_rat": 1.0})
    with pytest.raises(ValueError):
        make_spec("reward", margin_table="enormous")


def test_checkpoint_whose_tokenizer_lacks_a_pad_token_gets_one(tmp_path: Path) -> None:
    # Llama 2's tokenizer has no pad token: loading adds <pad> and the models grow a row for it.
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from safety_assets.ml.modeling import build_causal_lm, build_model, tiny_llama_config
    from safety_assets.ml.tokenizer import load_tokenizer

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.train_from_iterator(["the cat is red"] * 50, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<s>", "</s>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    bare = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>",
                                   unk_token="<unk>")
    assert bare.pad_token is None
    folder = tmp_path / "base"
    build_causal_lm(tiny_llama_config(len(bare), hidden=32, layers=1, heads=2,
                                      pad_token_id=None)).save_pretrained(folder)
    bare.save_pretrained(folder)

    tokenizer = load_tokenizer(folder)
    assert tokenizer.pad_token == "<pad>" and tokenizer.pad_token_id == len(bare)
    for kind in ("causal_lm", "reward"):
        model = build_model(kind, str(folder), tokenizer, device="cpu")
        assert model.get_input_embeddings().weight.shape[0] == len(tokenizer)
        assert model.config.pad_token_id == tokenizer.pad_token_id != tokenizer.eos_token_id
        batch = tokenizer(["the cat", "the cat is red"], padding=True, return_tensors="pt")
        with torch.no_grad():
            out = model(**batch).logits
        assert out.shape[0] == 2 and torch.isfinite(out).all()
    rm = load_reward_model(folder, device="cpu")
    assert rm.config.pad_token_id == len(bare)
    assert rm.get_input_embeddings().weight.shape[0] == len(bare) + 1
