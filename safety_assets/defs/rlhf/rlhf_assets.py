"""Safety RLHF (Llama 2 section 4.2.2 with 3.2.3): sampling, reward scoring, rejection
sampling and PPO with the combined reward."""

import json
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from safety_assets.datasets.splits import TRAIN
from safety_assets.defs.metadata import counts, markdown_table, reused_materialization
from safety_assets.defs.resources import (
    ComputeResource,
    GenerationBackendResource,
    ModelStoreResource,
    SafetyRulesResource,
    TrainingResource,
    WarehouseResource,
)
from safety_assets.defs.rlhf.category_partitions import risk_categories
from safety_assets.defs.sft.sft_assets import fine_tune_spec
from safety_assets.defs.sft.training_configs import TrainConfig
from safety_assets.plots import figure_to, markdown_image
from safety_assets.rlhf import selection
from safety_assets.rlhf.ppo import PPOConfig
from safety_assets.rlhf.reward_rules import combined_reward
from safety_assets.storage import asset_versions as versions
from safety_assets.storage.model_store import ModelStore, hash_files
from safety_assets.taxonomy import is_adversarial


class SamplingConfig(dg.Config):
    policy: str = Field(default="sft_model", description="Registered checkpoint to sample from "
                                                         "(the latest policy).")
    k: int = Field(default=8, description="Samples per prompt (best of K).")
    temperature: float = Field(default=1.0, description="The paper finds the best T shifts "
                                                        "across iterations; 1.0 to start.")
    top_p: float = 0.9
    max_new_tokens: int | None = Field(default=None, description=(
        "None: the model profile's answer length (48 tokens for the tiny model, 192 for a "
        "real chat model), sized so that most answers finish."))
    presence_penalty: float | None = Field(default=None, description=(
        "Subtracted from the logit of each token an answer already holds (OpenAI's and "
        "vLLM's presence_penalty; 0: none). None: the model profile's, 0 for the tiny model "
        "and 1.0 for a real chat model, whose cut answers are loops."))
    sampling_precision: str | None = Field(default=None, description=(
        "float32, bfloat16 (a bf16 copy of the policy, logits kept fp32) or auto (bf16 where "
        "the machine runs it natively). None: the model profile's, auto for a real chat "
        "model and float32 for the tiny one."))
    seed: int = 0
    split: str = Field(default=TRAIN, description="Prompts of this split only.")
    progress_every: int = Field(default=64, description="Prompts per generate call; "
                                                        "progress is logged after each.")
    max_prompts: int | None = Field(default=None, description=(
        "At most this many prompts of the category, a seeded random subset (None: all); "
        "sizes a real model's run to a CPU."))


def prompts_query(split: str, category: str | None = None) -> tuple[str, list[str]]:
    where = "s.split = ?" + (" AND p.risk_category = ?" if category else "")
    params = [split, category] if category else [split]
    return (f"SELECT p.id, p.text, p.history, p.risk_category, p.attack_vector FROM prompts p "
            f"JOIN prompt_splits s ON s.prompt_id = p.id WHERE {where} ORDER BY p.id", params)


def prompts_of(warehouse: WarehouseResource, split: str, category: str | None = None
             ) -> pl.DataFrame:
    return warehouse.get().query(*prompts_query(split, category))


def at_most(prompts: pl.DataFrame, limit: int | None, seed: int) -> pl.DataFrame:
    """A seeded random ``limit`` of ``prompts``, kept in id order (all when ``None``)."""
    if limit is None or prompts.height <= limit:
        return prompts
    return prompts.sample(n=limit, seed=seed).sort("id")


SAMPLING_CODE_VERSION = "2"   # 2: the model's own chat template, EOS status per sample
SCORING_CODE_VERSION = "2"
_SAMPLES_IN = "SELECT count(*) FROM sampled_responses WHERE risk_category = ?"
_SCORES_IN = "SELECT count(*) FROM reward_scores WHERE risk_category = ?"


@dg.asset(group_name="rlhf", partitions_def=risk_categories, deps=["sft_model", "prompt_splits"],
       kinds={"pytorch", "duckdb"}, code_version=SAMPLING_CODE_VERSION,
       description="K samples per train prompt of one risk category from the current policy. "
                   "Reused, not regenerated, while the policy, the prompts, the config and the "
                   "backend are unchanged.")
def sampled_responses(context: dg.AssetExecutionContext, config: SamplingConfig,
                      generation: GenerationBackendResource, compute: ComputeResource,
                      training: TrainingResource, warehouse: WarehouseResource
                      ) -> dg.MaterializeResult:
    category = context.partition_key
    store = warehouse.get()
    # The version holds the values used, not the profile's None.
    settings = {**config.model_dump(),
                "max_new_tokens": training.profile.max_new_tokens(config.max_new_tokens),
                "presence_penalty": training.profile.presence_penalty(config.presence_penalty),
                "sampling_precision": training.profile.sampling_precision(
                    config.sampling_precision)}
    version = versions.fingerprint(
        code=SAMPLING_CODE_VERSION, config=settings,
        policy=versions.model_identity(store, config.policy),
        prompts=versions.query_digest(store, *prompts_query(config.split, category)),
        backend=generation.model_dump())
    if versions.is_current(store, "sampled_responses", category, version, _SAMPLES_IN,
                           [category]):
        return reused_materialization(context, version)
    prompts = at_most(prompts_of(warehouse, config.split, category), config.max_prompts,
                      config.seed)
    model_path = ModelStore.path_of(store, config.policy)
    samples = pl.DataFrame(schema={"prompt_id": pl.String, "sample_index": pl.Int32,
                                   "response": pl.String, "finished": pl.Boolean})
    report: dict[str, Any] = {}
    if prompts.height:
        # The job renders each prompt in the policy's own chat format (its tokenizer's
        # template; Llama 2's [INST] for the tiny tokenizer, which has none).
        job = compute.run(context, "sample", params={
            "model_path": str(model_path), "backend": generation.model_dump(),
            **{key: settings[key] for key in ("k", "max_new_tokens", "temperature", "top_p",
                                              "presence_penalty", "sampling_precision", "seed",
                                              "progress_every")}},
            inputs={"prompts": prompts.select("id", "text", "history")})
        samples, report = job.output("samples"), job.report()
    frame = samples.with_columns(
        pl.lit(category).alias("risk_category"), pl.lit(config.policy).alias("model"),
        pl.lit(str(model_path)).alias("model_path"), pl.lit(generation.backend).alias("backend"),
        pl.lit(config.seed, pl.Int64).alias("seed"),
        pl.lit(config.temperature, pl.Float64).alias("temperature"),
        pl.lit(config.top_p, pl.Float64).alias("top_p"),
    ).select("risk_category", "prompt_id", "sample_index", "response", "model", "model_path",
             "backend", "seed", "temperature", "top_p", "finished")
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM sampled_responses WHERE risk_category = ?", [category])
        store.insert(con, "sampled_responses", frame)
        versions.record(con, "sampled_responses", category, version, frame.height,
                        context.run.run_id)
        con.execute("COMMIT")
    empty = frame.filter(pl.col("response").str.strip_chars() == "").height
    truncated = frame.filter(~pl.col("finished")).height
    return dg.MaterializeResult(metadata={
        "prompts": prompts.height, "samples": frame.height, "k": config.k,
        "policy": config.policy, "backend": generation.backend, "empty_samples": empty,
        "max_new_tokens": settings["max_new_tokens"],
        "presence_penalty": settings["presence_penalty"],
        "sampling_precision": settings["sampling_precision"],
        "sampling_dtype": report.get("sampling_dtype", "float32"), "truncated_samples": truncated,
        "truncated_share": round(truncated / frame.height, 4) if frame.height else 0.0,
        **{key: value for key, value in report.items() if key.endswith("_per_second")},
        "examples": markdown_table(frame.select("prompt_id", "sample_index", "response"), 8),
        "input_version": version, "reused": False,
    }, data_version=dg.DataVersion(version))


@dg.asset(group_name="rlhf", partitions_def=risk_categories,
       deps=[sampled_responses, "safety_reward_model", "helpfulness_reward_model"],
       kinds={"pytorch", "duckdb"}, code_version=SCORING_CODE_VERSION,
       description="Safety and helpfulness RM scores of every sample, and the combined reward. "
                   "Reused while the samples and both reward models are unchanged.")
def reward_scores(context: dg.AssetExecutionContext, model_store: ModelStoreResource,
                  safety_rules: SafetyRulesResource, compute: ComputeResource,
                  warehouse: WarehouseResource) -> dg.MaterializeResult:
    from safety_assets.rlhf.generation import probs

    category = context.partition_key
    store = warehouse.get()
    sampled = versions.recorded(store, "sampled_responses", category)
    version = versions.fingerprint(
        code=SCORING_CODE_VERSION, samples=sampled,
        # The prompts' text is scored too; the samples' version covers it.
        rms=[versions.model_identity(store, f"{rm}_reward_model")
             for rm in ("safety", "helpfulness")], rules=safety_rules.model_dump())
    if sampled is not None and versions.is_current(store, "reward_scores", category, version,
                                                   _SCORES_IN, [category]):
        return reused_materialization(context, version)
    samples = store.query(
        "SELECT s.prompt_id, s.sample_index, s.response, coalesce(s.finished, true) AS finished, "
        "p.text, p.history "
        "FROM sampled_responses s JOIN prompts p ON p.id = s.prompt_id "
        "WHERE s.risk_category = ? ORDER BY s.prompt_id, s.sample_index", [category])
    scores: dict[str, list[float]] = {}
    if samples.height:
        # Scored as generation tokenized it (see the "score" compute task).
        job = compute.run(context, "score", params={"scorers": {
            rm: str(model_store.path_of(f"{rm}_reward_model"))
            for rm in ("safety", "helpfulness")}},
            inputs={"samples": samples.select("text", "history", "response", "finished")})
        scores = {rm: column.to_list() for rm, column in job.output("scores").to_dict().items()}
    adversarial = is_adversarial(category)
    safety = pl.Series(scores.get("safety", []), dtype=pl.Float64)
    helpful = pl.Series(scores.get("helpfulness", []), dtype=pl.Float64)
    import torch

    safety_prob = probs(torch.tensor(safety.to_list())) if samples.height else torch.zeros(0)
    helpful_prob = probs(torch.tensor(helpful.to_list())) if samples.height else torch.zeros(0)
    flags = torch.full_like(safety_prob, float(adversarial)).bool()
    threshold = safety_rules.safety_threshold
    rc = combined_reward(safety_prob, helpful_prob, flags, threshold)
    frame = pl.DataFrame({
        "risk_category": [category] * samples.height,
        "prompt_id": samples["prompt_id"], "sample_index": samples["sample_index"],
        "adversarial": [adversarial] * samples.height,
        "safety_score": safety, "helpful_score": helpful,
        "safety_prob": safety_prob.tolist(), "helpful_prob": helpful_prob.tolist(),
        "combined_reward": rc.tolist(),
    }, schema_overrides={"safety_prob": pl.Float64, "helpful_prob": pl.Float64,
                         "combined_reward": pl.Float64, "risk_category": pl.String,
                         "adversarial": pl.Boolean})
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM reward_scores WHERE risk_category = ?", [category])
        store.insert(con, "reward_scores", frame)
        versions.record(con, "reward_scores", category, version, frame.height,
                        context.run.run_id)
        con.execute("COMMIT")
    metadata: dict[str, Any] = {"samples": frame.height, "adversarial": adversarial,
                                "input_version": version, "reused": False}
    if frame.height:
        metadata.update({
            "mean_safety_prob": round(float(frame["safety_prob"].mean()), 4),
            "mean_helpful_prob": round(float(frame["helpful_prob"].mean()), 4),
            "safety_threshold": threshold,
            "share_below_safety_threshold": round(
                float((frame["safety_prob"] < threshold).mean()), 4),
        })
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(version))


class RejectionSamplingConfig(dg.Config):
    ks: list[int] = Field(default=[1, 2, 4, 8], description="K values for the gain curve.")
    missing_eos_penalty: float | None = Field(
        default=1.0, description="Subtracted from the combined reward (a probability) of an "
                                 "answer cut at max_new_tokens without EOS, as TRL's "
                                 "missing_eos_penalty: 1.0 makes every finished answer beat "
                                 "every cut one, yet a prompt whose K answers were all cut "
                                 "keeps its best. None: cut answers never win, and such a "
                                 "prompt is dropped.")
    seed: int = 0


def _gain_plot(curve: list[dict[str, Any]], path: Path) -> Path:
    ks = [c["k"] for c in curve]
    with figure_to(path, figsize=(6, 4)) as (_, axis):
        axis.plot(ks, [c["mean_max"] for c in curve], marker="o", label="max of K")
        axis.plot(ks, [c["mean_median"] for c in curve], marker="o", label="median of K")
        axis.fill_between(ks, [c["mean_median"] for c in curve],
                          [c["mean_max"] for c in curve], alpha=0.2)
        axis.set_xscale("log", base=2)
        axis.set_xlabel("K samples per prompt")
        axis.set_ylabel("combined reward R_c")
        axis.set_title("Rejection sampling: max vs median reward (cf. Figure 7)")
        axis.legend()
    return path


@dg.asset(group_name="rlhf", deps=[reward_scores], kinds={"duckdb"},
       description="Best of K per prompt by the combined reward: the new fine-tuning targets.")
def rejection_sampling_dataset(config: RejectionSamplingConfig,
                               model_store: ModelStoreResource,
                               warehouse: WarehouseResource) -> dg.MaterializeResult:
    scored = warehouse.get().query("""
        SELECT r.prompt_id, r.sample_index, r.combined_reward, r.risk_category, s.response,
               coalesce(s.finished, true) AS finished, p.text, p.history
        FROM reward_scores r
        JOIN sampled_responses s USING (prompt_id, sample_index)
        JOIN prompts p ON p.id = r.prompt_id
        ORDER BY r.prompt_id, r.sample_index
    """)
    if scored.height == 0:
        raise ValueError("no scored samples: materialize reward_scores for the risk-category "
                         "partitions first")
    grouped = scored.group_by("prompt_id", maintain_order=True).agg(pl.all())
    best = selection.best_finished_of_k(grouped["combined_reward"].to_list(),
                                        grouped["finished"].to_list(),
                                        config.missing_eos_penalty)
    truncation = selection.truncation_report(grouped["finished"].to_list())
    rows = []
    for row, index in zip(grouped.iter_rows(named=True), best, strict=True):
        if index is None:   # no sample of this prompt finished: nothing to fine-tune on
            continue
        rows.append({"prompt_id": row["prompt_id"], "text": row["text"][index],
                     "history": row["history"][index], "response": row["response"][index],
                     "risk_category": row["risk_category"][index],
                     "reward": row["combined_reward"][index],
                     "median_reward": sorted(row["combined_reward"])[
                         len(row["combined_reward"]) // 2]})
    best_rows = pl.DataFrame(rows)
    warehouse.get().replace_table("rejection_sampling_dataset", best_rows)
    ks = [k for k in config.ks if k <= min(len(r) for r in grouped["combined_reward"])]
    curve = selection.max_median_gain_curve(grouped["combined_reward"].to_list(), ks,
                                            seed=config.seed)
    warehouse.get().replace_table("rejection_sampling_gain", pl.DataFrame(curve, schema={
        "k": pl.Int64, "mean_max": pl.Float64, "mean_median": pl.Float64, "gain": pl.Float64,
        "prompts": pl.Int64}))
    plot = _gain_plot(curve, model_store.root / "rejection_sampling" / "gain.png")
    return dg.MaterializeResult(metadata={
        "prompts": best_rows.height,
        "truncated_share": round(truncation["truncated_share"], 4),
        "prompts_all_truncated": int(truncation["prompts_all_truncated"]),
        "mean_best_reward": round(float(best_rows["reward"].mean()), 4),
        "mean_median_reward": round(float(best_rows["median_reward"].mean()), 4),
        "gain_curve": markdown_table(pl.DataFrame(curve)),
        "gain_plot": dg.MetadataValue.md(markdown_image(plot, "max vs median reward")),
        "by_category": markdown_table(counts(best_rows, ["risk_category"])),
    })


@dg.asset(group_name="rlhf", deps=[rejection_sampling_dataset], kinds={"pytorch"},
          description="The SFT model fine-tuned on the best-of-K answers.")
def rejection_sampled_model(context: dg.AssetExecutionContext, config: TrainConfig,
                            training: TrainingResource, warehouse: WarehouseResource
                            ) -> dg.MaterializeResult:
    data = warehouse.get().table("rejection_sampling_dataset")
    return fine_tune_on(context, data, "response", name="rejection_sampled_model",
                        stage="rejection_sampling", parent="sft_model",
                        parents={"rejection_sampling_dataset": data.height}, config=config,
                        training=training)


def fine_tune_on(context: dg.AssetExecutionContext, data: pl.DataFrame, response: str, *,
                 name: str, stage: str, parent: str, parents: dict[str, Any],
                 config: TrainConfig, training: TrainingResource) -> dg.MaterializeResult:
    """SFT of the registered checkpoint ``parent`` on (prompt, history, ``response``) rows of
    ``data``, skipping empty answers: rejection sampling and context distillation alike."""
    rows = [{"prompt": r["text"], "history": r["history"], "response": r[response]}
            for r in data.iter_rows(named=True) if r[response].strip()]
    return training.train(context, name=name, stage=stage,
                          spec=fine_tune_spec(config, training, parent), train_rows=rows,
                          eval_rows=[], parents={parent: parent, **parents})


class PPOAssetConfig(dg.Config):
    """What a launchpad user overrides of :class:`~safety_assets.rlhf.ppo.PPOConfig`, which
    holds the paper's values; a field left ``None`` keeps the profile's value (the tiny
    profile scales batch, iterations and rates down, see
    :meth:`ModelProfileResource.ppo_settings`), else the paper's."""

    learning_rate: float | None = Field(default=None, description="Paper: 1e-6.")
    value_learning_rate: float | None = Field(
        default=None, description="The value head starts at zero and may need a faster rate.")
    kl_beta: float | None = Field(default=None,
                                  description="Paper: 0.01 (7B/13B), 0.005 (34B/70B).")
    cliprange: float | None = Field(default=None, description="Paper: 0.2.")
    batch_size: int | None = Field(default=None, description="Rollouts per iteration (512).")
    mini_batch_size: int | None = Field(default=None, description="Paper: 64.")
    iterations: int | None = Field(default=None, description="Paper: 200 to 400.")
    max_new_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    missing_eos_penalty: float | None = Field(
        default=None, description="Subtracted from LOGIT(R_c) of a rollout cut at "
                                  "max_new_tokens without EOS, before whitening, as TRL's "
                                  "missing_eos_penalty "
                                  "(0: none). None: the profile's (1.0 for a real chat "
                                  "model, none for the tiny one).")
    weight_decay: float | None = Field(default=None, description="Paper: 0.1.")
    max_grad_norm: float | None = Field(default=None, description="Paper: 1.0.")
    seed: int | None = None

    def to_spec(self, profile_settings: dict[str, Any]) -> PPOConfig:
        """The PPO config: the paper's defaults, the profile's settings, then what the user
        set here."""
        overrides = {key: value for key, value in self.model_dump().items()
                     if value is not None}
        return PPOConfig(**{**profile_settings, **overrides})


@dg.asset(group_name="rlhf", deps=[rejection_sampled_model, "safety_reward_model",
                                   "helpfulness_reward_model"], kinds={"pytorch"},
          description="PPO from the rejection-sampled model with R_c: the safety RM on "
                      "adversarial prompts or when its score is under 0.15, else the "
                      "helpfulness RM; logit, whitened, minus a KL penalty to the initial "
                      "policy.")
def ppo_model(context: dg.AssetExecutionContext, config: PPOAssetConfig,
              training: TrainingResource, safety_rules: SafetyRulesResource,
              warehouse: WarehouseResource) -> dg.MaterializeResult:
    store = training.model_store
    prompts = prompts_of(warehouse, TRAIN)
    ppo = config.to_spec(training.profile.ppo_settings())
    spec = {
        "policy": str(store.path_of("rejection_sampled_model")),
        "safety_rm": str(store.path_of("safety_reward_model")),
        "helpfulness_rm": str(store.path_of("helpfulness_reward_model")),
        # Rendered by the entry point in the policy's own chat format.
        "prompts": [{"text": r["text"], "history": r["history"],
                     "adversarial": is_adversarial(r["risk_category"])}
                    for r in prompts.iter_rows(named=True)],
        "safety_threshold": safety_rules.safety_threshold,
        "config": ppo.to_dict(),
        "launch": training.launcher.spec_fields(),
    }
    data_hash = hash_files([], spec)
    job = store.get().job_dir("ppo_model", data_hash)
    spec["output_dir"] = str(job / "model")
    spec_path = job / "spec.json"
    spec_path.write_text(json.dumps(spec))
    if (job / "metrics.json").exists():
        context.log.info(f"ppo_model: this exact job already finished in {job}; not retrained")
    else:
        command = training.launcher.command(spec_path, entry="safety_assets.rlhf.ppo_entry")
        context.log.info(f"ppo_model: launching {' '.join(command)}")
        training.launcher.run(context, command)
    metrics = json.loads((job / "metrics.json").read_text())
    store.register(name="ppo_model", stage="ppo", path=job / "model",
                   parents={"rejection_sampled_model": spec["policy"],
                            "safety_reward_model": spec["safety_rm"],
                            "helpfulness_reward_model": spec["helpfulness_rm"]},
                   config=spec["config"], data_hash=data_hash,
                   metrics={"num_parameters": metrics.get("num_parameters")})
    return dg.MaterializeResult(metadata={
        "model_dir": dg.MetadataValue.path(str(job / "model")),
        "iterations": metrics["iterations"],
        "reward_first_iterations": round(metrics["reward_first"], 4),
        "reward_last_iterations": round(metrics["reward_last"], 4),
        "kl_last": round(metrics["kl_last"], 4),
        "kl_max": round(metrics["kl_max"], 4),
        "truncated_share_last_iterations": round(metrics.get("truncated_share_last", 0.0), 4),
        "wall_time_s": round(metrics["wall_time_s"], 1),
        "training_curves": dg.MetadataValue.md(markdown_image(Path(metrics["stats_plot"]),
                                                              "reward, KL, entropy")),
    }, data_version=dg.DataVersion(data_hash[:24]))
