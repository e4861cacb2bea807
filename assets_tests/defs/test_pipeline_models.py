"""The graph end to end on the embedded sample data with very small models: intake ->
datasets -> tokenizer -> base -> SFT -> reward models -> RM eval -> sampling -> rejection
sampling -> PPO -> context distillation. One chain, built once for the module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

from safety_assets.defs.datasets import dataset_assets, dataset_checks
from safety_assets.defs.distill import distill_assets
from safety_assets.defs.evaluation import evaluation_assets, evaluation_checks, judge_assets
from safety_assets.defs.evaluation.benchmark_partitions import BENCHMARKS
from safety_assets.defs.intake.batch_partitions import annotation_batches
from safety_assets.defs.intake.intake_assets import raw_annotations, validated_annotations
from safety_assets.defs.resources import (
    GenerationBackendResource,
    ModelProfileResource,
)
from safety_assets.defs.reward import reward_assets, reward_checks
from safety_assets.defs.rlhf import rlhf_assets, rlhf_checks
from safety_assets.defs.rlhf.category_partitions import risk_categories
from safety_assets.defs.sft import sft_assets
from safety_assets.demo import SAMPLE_DIR, SAMPLE_FILES
from safety_assets.intake.inbox import batch_key, sha256_of
from safety_assets.storage.model_store import ModelStore

pytestmark = pytest.mark.slow

SMALL = {"vocab_size": 512, "hidden": 48, "layers": 2, "heads": 2, "max_length": 96}
MODEL_ASSETS = [
    dataset_assets.prompt_splits, dataset_assets.sft_mixture, dataset_assets.safety_rm_pairs,
    dataset_assets.helpfulness_rm_pairs, sft_assets.chat_tokenizer, sft_assets.base_model,
    sft_assets.sft_model, reward_assets.helpfulness_reward_model,
    reward_assets.safety_reward_model, reward_assets.reward_model_eval,
    reward_checks.reward_models_beat_chance, dataset_checks.sft_mixture_suite,
    dataset_checks.safety_rm_pairs_suite, dataset_checks.helpfulness_rm_pairs_suite,
    dataset_checks.prompt_splits_disjoint]
RLHF_ASSETS = [rlhf_assets.rejection_sampling_dataset, rlhf_checks.max_median_gap_grows_with_k,
               rlhf_assets.rejection_sampled_model, rlhf_assets.ppo_model,
               distill_assets.context_distillation_dataset, distill_assets.distilled_model]
SAMPLING_ASSETS = [rlhf_assets.sampled_responses, rlhf_assets.reward_scores]


def _config(steps: int, **extra) -> dict:
    return {"config": {"max_steps": steps, "batch_size": 8, "save_every": 0, **extra}}


@pytest.fixture(scope="module")
def chain(tmp_path_factory, make_home):
    root = tmp_path_factory.mktemp("chain")
    home = make_home(root)
    batches = []
    for name in SAMPLE_FILES:
        path = root / "inbox" / name
        shutil.copyfile(SAMPLE_DIR / name, path)
        key = batch_key(name, sha256_of(path))
        home.instance.add_dynamic_partitions(annotation_batches.name, [key])
        assert dg.materialize([raw_annotations, validated_annotations], partition_key=key,
                           resources=home.resources, instance=home.instance).success
        batches.append(key)
    resources = home.pipeline_resources(profile=ModelProfileResource(**SMALL),
                                        generation=GenerationBackendResource(batch_size=64))
    run_config = {"ops": {
        "base_model": _config(40, lr=3e-3),
        "sft_model": _config(30, lr=3e-3),
        "helpfulness_reward_model": _config(0, epochs=1.0, lr=2e-3),
        "safety_reward_model": _config(0, epochs=1.0, lr=2e-3),
    }}
    trained = dg.materialize(MODEL_ASSETS, resources=resources, instance=home.instance,
                          run_config=run_config, raise_on_error=False)
    # Sampling, scoring and benchmarks run their compute jobs in this process here: through
    # Pipes they are covered by the ops tests (backfill, Celery) and compute/test_compute_jobs;
    # distillation and the comparison tasks still go through Pipes below. That saves the 16
    # job processes' imports.
    in_process = {**resources, "compute": home.pipeline_resources(
        compute_in_process=True)["compute"]}
    sampling = {
        key: dg.materialize(SAMPLING_ASSETS, partition_key=key,
                         resources=in_process, instance=home.instance,
                         run_config={"ops": {"sampled_responses": {"config": {
                             "k": 4, "max_new_tokens": 12}}}})
        for key in risk_categories.get_partition_keys()
    }
    rl = dg.materialize(RLHF_ASSETS, resources=resources, instance=home.instance,
                     raise_on_error=False, run_config={"ops": {
                         "rejection_sampling_dataset": {"config": {"ks": [1, 2, 4]}},
                         "rejection_sampled_model": _config(10),
                         "ppo_model": {"config": {"iterations": 2, "batch_size": 8,
                                                  "mini_batch_size": 4,
                                                  "max_new_tokens": 8}},
                         "context_distillation_dataset": {"config": {"max_new_tokens": 12}},
                         "distilled_model": _config(5),
                     }})
    prepared = dg.materialize(
        [evaluation_assets.evaluation_models, evaluation_assets.truthfulqa_judges,
         evaluation_assets.toxicity_classifier, evaluation_checks.judges_beat_majority,
         evaluation_checks.judges_fail_garbage,
         evaluation_checks.toxicity_classifier_beats_majority,
         judge_assets.safety_judge_model, judge_assets.safety_judge_validation,
         judge_assets.safety_judge_beats_majority],
        resources=resources, instance=home.instance, raise_on_error=False,
        run_config={"ops": {"safety_judge_model": _config(0, epochs=2.0, lr=2e-3),
                            "evaluation_models": {"config": {
                                "stages": ["base_model", "distilled_model"]}}}})
    benchmarks = {
        (model, benchmark): dg.materialize(
            [evaluation_assets.benchmark_results], resources=in_process, instance=home.instance,
            partition_key=dg.MultiPartitionKey({"model": model, "benchmark": benchmark}),
            run_config={"ops": {"benchmark_results": {"config": {
                "max_questions": 12, "toxigen_per_file": 1, "max_new_tokens": 16}}}})
        for model in ("base_model", "distilled_model") for benchmark in BENCHMARKS
    }
    report = dg.materialize([evaluation_assets.safety_benchmark_table], resources=resources,
                         instance=home.instance)
    return {"home": home, "resources": resources, "batches": batches, "trained": trained,
            "sampling": sampling, "rl": rl, "prepared": prepared, "benchmarks": benchmarks,
            "report": report}


def _metadata(result, asset: str) -> dict:
    events = result.asset_materializations_for_node(asset)
    assert events, f"{asset} was not materialized"
    return {k: v.value for k, v in events[-1].metadata.items()}


def test_model_chain_materializes_and_registers_every_checkpoint(chain):
    assert chain["trained"].success
    registry = ModelStore.registered(chain["home"].store)
    assert {"base_model", "sft_model", "helpfulness_reward_model",
            "safety_reward_model"} <= set(registry["name"])
    for row in registry.iter_rows(named=True):
        saved = "tokenizer.json" if row["stage"] == "tokenizer" else "config.json"
        assert (Path(row["path"]) / saved).exists(), row["name"]
        assert row["n_parameters"] is None or row["n_parameters"] > 0


def test_checkpoints_find_their_tokenizer_through_the_registry(chain):
    registry = ModelStore.registered(chain["home"].store)
    tokenizer = registry.filter(pl.col("name") == "chat_tokenizer").row(0, named=True)
    spec = json.loads((Path(ModelStore.path_of(chain["home"].store, "sft_model")).parent
                       / "spec.json").read_text())
    assert spec["tokenizer"] == tokenizer["path"]
    assert spec["epochs"] == 2.0   # TrainSpec's SFT default: the launchpad config set none


def test_lineage_names_the_dataset_partitions_used(chain):
    registry = ModelStore.registered(chain["home"].store)
    parents = json.loads(registry.filter(pl.col("name") == "sft_model")["parents"][0])
    # Prompts and demonstrations came in two of the three sample batches, all in round 1.
    mixture = parents["sft_mixture"]["batches"]
    assert mixture and set(mixture) <= set(chain["batches"])
    assert {b["round"] for b in mixture.values()} == {1}
    assert sum(b["rows"] for b in mixture.values()) == chain["home"].store.query(
        "SELECT count(*) AS n FROM sft_mixture")["n"][0]
    assert parents["base_model"]["model"] == "base_model"
    assert parents["base_model"]["version"] == registry.filter(
        pl.col("name") == "base_model")["version"][0]
    meta = _metadata(chain["trained"], "safety_reward_model")
    assert list(meta["parents"]["safety_rm_pairs"]["batches"]) == [chain["batches"][2]]
    assert meta["version"] == registry.filter(
        pl.col("name") == "safety_reward_model")["version"][0]
    assert meta["tokens_seen"] > 0 and meta["num_parameters"] > 0
    assert "data:image/png;base64," in meta["loss_curve"]


def test_checkpoints_round_trip_through_auto_classes(chain):
    store = chain["home"].store
    lm = AutoModelForCausalLM.from_pretrained(str(ModelStore.path_of(store, "sft_model")),
                                              local_files_only=True)
    assert lm.config.hidden_size == SMALL["hidden"]
    rm = AutoModelForSequenceClassification.from_pretrained(
        str(ModelStore.path_of(store, "safety_reward_model")), local_files_only=True)
    assert rm.config.num_labels == 1


def test_reward_model_eval_reports_accuracy_by_strength_category_and_vector(chain):
    table = chain["home"].store.table("reward_model_eval")
    assert set(table["dimension"]) == {"overall", "strength", "risk_category", "attack_vector",
                                       "source", "round"}
    # Every sample batch came in round 1.
    assert table.filter(pl.col("dimension") == "round")["value"].unique().to_list() == ["1"]
    assert set(table["rm"]) == {"safety", "helpfulness"}
    meta = _metadata(chain["trained"], "reward_model_eval")
    print("held-out RM accuracy: safety", meta["safety_rm_accuracy"], "helpfulness",
          meta["helpfulness_rm_accuracy"])
    # Even these 48-wide models learn the sample pairs' surface cues: far above chance.
    assert meta["helpfulness_rm_accuracy"] > 0.6
    assert meta["safety_rm_accuracy"] > 0.6
    # The calibration report: labelled held-out responses scored, both thresholds measured.
    assert meta["safety_rm_labelled_responses"] > 20
    assert 0.0 <= meta["safety_rm_ece"] <= 1.0
    assert set(meta["unsafe_at_switch_threshold"]) >= {"precision", "recall", "n"}
    assert chain["home"].store.table("reward_model_calibration").height > 0
    # Both RMs on 200 HH-RLHF pairs nobody here wrote or trained on, with the interval.
    assert meta["external_pairs"] == 200
    assert "(n=200, seed=0)" in meta["safety_rm_accuracy_hh_rlhf"]


def test_sampling_partitions_hold_k_samples_per_prompt_with_scores(chain):
    assert all(result.success for result in chain["sampling"].values())
    store = chain["home"].store
    per_prompt = store.query("SELECT prompt_id, count(*) n FROM sampled_responses "
                             "GROUP BY prompt_id")
    assert per_prompt.height > 100 and set(per_prompt["n"]) == {4}
    scores = store.query("SELECT * FROM reward_scores")
    assert scores.height == per_prompt["n"].sum()
    assert scores.filter(scores["adversarial"])["combined_reward"].equals(
        scores.filter(scores["adversarial"])["safety_prob"])


def test_rlhf_and_distillation_chain_materializes(chain):
    result = chain["rl"]
    assert result.success, [e.event_specific_data for e in result.all_events
                            if e.is_failure][:1]
    registry = set(ModelStore.registered(chain["home"].store)["name"])
    assert {"rejection_sampled_model", "ppo_model", "distilled_model"} <= registry
    ppo = _metadata(result, "ppo_model")
    assert ppo["iterations"] == 2
    distill = chain["home"].store.table("context_distillation")
    assert distill.height > 0 and 0 < distill["kept"].sum() <= distill.height
    kept = distill.filter(distill["kept"])
    # Kept where the preprompted answer scores higher, a cut answer paying 1.0 on either side.
    penalised = kept.select(
        (pl.col("score_with") - (~pl.col("with_finished")).cast(pl.Float64)).alias("w"),
        (pl.col("score_without") - (~pl.col("without_finished")).cast(pl.Float64)).alias("o"))
    assert (penalised["w"] > penalised["o"]).all()
    meta = _metadata(result, "context_distillation_dataset")
    assert meta["max_new_tokens"] == 12
    for side in ("with", "without"):
        cut = 1 - distill[f"{side}_finished"].cast(pl.Float64).mean()
        assert meta[f"truncated_share_{side}_preprompt"] == pytest.approx(cut, abs=1e-4)
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    # The check ran; on these 48-wide models with 4 samples of 12 tokens it may well fail.
    assert "max_median_gap_grows_with_k" in checks
    assert 0 < _metadata(result, "distilled_model")["train_examples"] <= kept.height


def test_evaluation_models_become_partitions_with_trained_judges(chain):
    assert chain["prepared"].success
    home = chain["home"]
    assert home.instance.get_dynamic_partitions("eval_models") == ["base_model",
                                                                   "distilled_model"]
    checks = {e.check_name: e.passed for e in chain["prepared"].get_asset_check_evaluations()}
    assert {k: checks[k] for k in ("judges_beat_majority", "judges_fail_garbage",
                                   "toxicity_classifier_beats_majority")} == {
        "judges_beat_majority": True, "judges_fail_garbage": True,
        "toxicity_classifier_beats_majority": True}
    # The probe verdict and the held-out human-label accuracy are in the metadata.
    judges = _metadata(chain["prepared"], "truthfulqa_judges")
    assert judges["probes_passed"] is True and judges["probe_report"]["n_probes"] > 500
    for kind in ("truth", "info"):
        human = judges[f"{kind}_held_out_human_labels"]
        assert human["accuracy"]["low"] > human["majority_baseline"]["value"]
    # The independent judge is validated on held-out human labels (pass or fail, reported).
    assert "safety_judge_beats_majority" in checks
    validation = _metadata(chain["prepared"], "safety_judge_validation")
    assert validation["labelled_responses"] > 20 and "garbage" in validation


def test_benchmarks_measure_each_model_and_the_report_has_a_row_per_model(chain):
    assert all(result.success for result in chain["benchmarks"].values())
    results = chain["home"].store.query(
        "SELECT model, benchmark, metric, value, n, low, high, seed FROM benchmark_results "
        "WHERE grp = 'all'")
    assert results.filter(pl.col("low").is_null() | pl.col("high").is_null()).height == 0
    assert (results["low"] <= results["value"] + 1e-9).all()
    assert (results["value"] <= results["high"] + 1e-9).all()
    assert set(results["seed"]) == {0}
    headline = {(r["model"], r["metric"]): r for r in results.iter_rows(named=True)}
    for model in ("base_model", "distilled_model"):
        assert headline[(model, "truthful_and_informative_pct")]["n"] == 12
        assert headline[(model, "toxic_pct")]["n"] == 31  # one prompt per ToxiGen file
        assert 0.0 <= headline[(model, "mc2_pct")]["value"] <= 100.0
        assert 0.0 <= headline[(model, "violation_pct")]["value"] <= 100.0
    table = chain["home"].store.table("safety_benchmark_table")
    assert table["stage"].to_list() == ["pretrained", "context_distillation"]
    meta = _metadata(chain["report"], "safety_benchmark_table")
    assert "TruthfulQA" in meta["table"] and "ToxiGen" in meta["table"]
    assert "Violations" in meta["table"] and "] (12) |" in meta["table"]
    comparisons = chain["home"].store.table("stage_comparisons")
    assert set(comparisons["model_a"]) == {"base_model"}
    assert {"violation_pct", "toxic_pct", "truthful_and_informative_pct"} <= set(
        comparisons["metric"])
    assert comparisons.filter(pl.col("metric") == "toxic_pct")["n"][0] == 31


def _sample(chain, key: str, **config):
    return dg.materialize(SAMPLING_ASSETS, partition_key=key,
                       resources=chain["resources"], instance=chain["home"].instance,
                       run_config={"ops": {"sampled_responses": {"config": {
                           "k": 4, "max_new_tokens": 12, **config}}}})


def test_rerunning_unchanged_partitions_reuses_them_and_a_changed_config_recomputes(chain):
    store = chain["home"].store
    key = "illicit_criminal"
    before = store.query("SELECT * FROM sampled_responses WHERE risk_category = ? "
                         "ORDER BY prompt_id, sample_index", [key])
    first = chain["sampling"][key]
    again = _sample(chain, key)
    assert again.success
    for asset in ("sampled_responses", "reward_scores"):
        old, new = _metadata(first, asset), _metadata(again, asset)
        assert old["reused"] is False and new["reused"] is True
        assert new["input_version"] == old["input_version"]
        assert [event.tags["dagster/data_version"] for event
                in again.asset_materializations_for_node(asset)] == [old["input_version"]]
    after = store.query("SELECT * FROM sampled_responses WHERE risk_category = ? "
                        "ORDER BY prompt_id, sample_index", [key])
    assert after.equals(before)

    # Another seed is another input: the partition is sampled and scored again.
    reseeded = _sample(chain, key, seed=7)
    assert _metadata(reseeded, "sampled_responses")["reused"] is False
    assert _metadata(reseeded, "reward_scores")["reused"] is False
    assert store.query("SELECT count(*) n FROM sampled_responses WHERE risk_category = ?",
                       [key])["n"][0] == before.height

    # Benchmarks: the same model, data and config give the stored result back.
    partition = dg.MultiPartitionKey({"model": "base_model", "benchmark": "safety"})

    def rerun(max_questions: int) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            [evaluation_assets.benchmark_results], resources=chain["resources"],
            instance=chain["home"].instance, partition_key=partition,
            run_config={"ops": {"benchmark_results": {"config": {
                "max_questions": max_questions, "toxigen_per_file": 1,
                "max_new_tokens": 16}}}})

    assert _metadata(rerun(12), "benchmark_results")["reused"] is True
    # More TruthfulQA questions is no reason to ask the adversarial prompts again.
    assert _metadata(rerun(0), "benchmark_results")["reused"] is True

    # Context distillation (generation with and without the preprompt, RM scoring) too.
    distilled = dg.materialize(
        [distill_assets.context_distillation_dataset], resources=chain["resources"],
        instance=chain["home"].instance,
        run_config={"ops": {"context_distillation_dataset": {"config": {"max_new_tokens": 12}}}})
    assert _metadata(distilled, "context_distillation_dataset")["reused"] is True
    assert _metadata(chain["rl"], "context_distillation_dataset")["reused"] is False

    # And the judges and the toxicity classifier are not retrained on the same data.
    judged = dg.materialize(
        [evaluation_assets.truthfulqa_judges, evaluation_assets.toxicity_classifier],
        resources=chain["resources"],
        instance=chain["home"].instance,
    )
    for asset in ("truthfulqa_judges", "toxicity_classifier"):
        assert _metadata(chain["prepared"], asset)["reused"] is False
        again = _metadata(judged, asset)
        assert again["reused"] is True
        assert again["toxicity_held_out_accuracy" if asset == "toxicity_classifier"
                     else "truth_held_out_accuracy"] > 0.5
    assert _metadata(chain["benchmarks"][("base_model", "safety")],
                     "benchmark_results")["reused"] is False


def _asset_metadata(result, asset: str) -> dict:
    """The metadata of one asset of a multi-asset's materializations."""
    events = [e.materialization for e in result.get_asset_materialization_events()
              if e.materialization.asset_key == dg.AssetKey(asset)]
    assert events, f"{asset} was not materialized"
    return {k: v.value for k, v in events[-1].metadata.items()}


def test_a_second_annotation_round_goes_out_comes_back_and_retrains_with_versions(chain):
    """Round 2 on the chain: new prompts in round 2, comparison tasks from the PPO and SFT
    models exported for Label Studio, answered (scripted) as a Label Studio export dropped
    in the inbox, the pairs landing in round 2 linked to their tasks, and the safety RM
    retrained as a new version measured on round 2 before it was trained on it."""
    from safety_assets.annotation.scripted_annotator import scripted_export
    from safety_assets.defs.annotation import annotation_assets
    from safety_assets.sample_data.generate import round_two_rows, write_jsonl
    from safety_assets.storage.lineage import diff_versions, versions

    home, resources, store = chain["home"], chain["resources"], chain["home"].store
    first_rm = ModelStore.path_of(store, "safety_reward_model")
    prompts, demonstrations = round_two_rows(per_cell=1)
    write_jsonl(home.inbox.folder / "round2_prompts.jsonl", prompts)
    batch, result = home.ingest(home.inbox.folder / "round2_prompts.jsonl", round_=2)
    assert _asset_metadata(result, "prompts")["round"] == 2
    asked = dg.materialize(
        [dataset_assets.prompt_splits, annotation_assets.comparison_tasks],
        resources=resources, instance=home.instance, run_config={"ops": {"comparison_tasks": {
            "config": {"variants": [{"model": "ppo_model", "max_new_tokens": 12},
                                    {"model": "sft_model", "temperature": 0.7,
                                     "max_new_tokens": 12, "seed": 1}]}}}})
    meta = _metadata(asked, "comparison_tasks")
    assert meta["round"] == 2
    tasks = store.table("comparison_tasks")
    split = store.query("SELECT prompt_id FROM prompt_splits WHERE split = 'judge'")
    asked_ids = set(tasks["prompt_id"])
    assert asked_ids <= {p["id"] for p in prompts} - set(split["prompt_id"])
    assert set(tasks["model_a"]) | set(tasks["model_b"]) == {"ppo_model", "sft_model"}
    versions_now = dict(store.query("SELECT name, version FROM model_registry").iter_rows())
    for side in ("a", "b"):
        assert all(versions_now[m] == v for m, v in tasks.select(f"model_{side}",
                                                                  f"version_{side}").iter_rows())
    folder = Path(str(meta["folder"]))
    imported = json.loads((folder / "label_studio_tasks.json").read_text())
    assert len(imported) == tasks.height
    assert "model" not in json.dumps(imported[0]["data"])   # annotators never see the model
    assert (folder / "label_config.xml").read_text().startswith("<View>")

    export = home.inbox.folder / "label_studio_export.json"
    export.write_text(json.dumps(scripted_export(imported)))
    answered, result = home.ingest(export)
    pairs = store.query("SELECT * FROM preference_pairs WHERE batch_id = ?", [answered])
    assert pairs.height == tasks.height
    assert set(pairs["id"]) == set(tasks["task_id"])       # each pair is its task
    assert _asset_metadata(result, "preference_pairs")["round"] == 2
    assert _asset_metadata(result, "preference_pairs")["round_source"] == "comparison_tasks"

    retrained = dg.materialize(
        [dataset_assets.prompt_splits, dataset_assets.safety_rm_pairs,
         dataset_assets.helpfulness_rm_pairs, reward_assets.safety_reward_model,
         reward_assets.helpfulness_reward_model, reward_assets.reward_model_eval],
        resources=resources, instance=home.instance, run_config={"ops": {
            "helpfulness_reward_model": _config(0, epochs=1.0, lr=2e-3),
            "safety_reward_model": _config(0, epochs=1.0, lr=2e-3),
            "reward_model_eval": {"config": {"external_pairs": 0}}}})
    assert retrained.success
    history = versions(store, "safety_reward_model")
    assert history.height == 2 and history["round"].to_list() == [1, 2]
    assert Path(history["path"][0]) == first_rm and first_rm.exists()   # the old one stays
    diff = diff_versions(store, "safety_reward_model", "round:1", "round:2")
    changed = {b[1]: b for b in diff.batches}
    assert changed[answered][2:4] == (2, None) and changed[answered][4] > 0
    # The safety RM mixes in helpfulness pairs at 10% of its safety pairs, so more safety
    # pairs draw more of round 1's helpfulness pairs: the diff shows that batch growing too.
    assert all(b[2] == 1 and b[4] > b[3] for key, b in changed.items() if key != answered)
    accuracy = store.query("SELECT * FROM reward_model_round_accuracy WHERE rm = 'safety'")
    before = accuracy.filter(pl.col("before_training") & (pl.col("round") == 2))
    assert before.height == 1
    assert before["model_version"][0] == history["version"][0]
    assert before["n"][0] == pairs.filter(pl.col("axis") == "safety").height
    eval_meta = _metadata(retrained, "reward_model_eval")
    assert "safety_rm_accuracy_newest_round_before_training" in eval_meta
    assert "| 2 |" in eval_meta["accuracy_by_round"]
    # The benchmark results of round 1 are keyed by the version they measured.
    measured = store.query("SELECT DISTINCT model, model_version FROM benchmark_history")
    assert set(measured["model"]) == {"base_model", "distilled_model"}
    current = store.query("SELECT DISTINCT r.model, r.model_version, g.version FROM "
                          "benchmark_results r JOIN model_registry g ON g.name = r.model")
    assert current.height == 2 and all(a == b for _, a, b in current.iter_rows())
    assert store.query("SELECT count(*) AS n FROM benchmark_item_history")["n"][0] == \
        store.query("SELECT count(*) AS n FROM benchmark_item_scores")["n"][0]
    assert measured.height == 2 and batch in store.table("annotation_rounds")["batch_id"]
