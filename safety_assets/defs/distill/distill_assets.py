"""Targeted safety context distillation (Llama 2 section 4.2.4): answers to adversarial
prompts with and without a safety preprompt, kept where the safety RM prefers the preprompted
one, and the model fine-tuned on them."""

from pathlib import Path

import dagster as dg
import polars as pl
import torch
from pydantic import Field

from safety_assets.datasets.splits import TRAIN
from safety_assets.defs.metadata import markdown_table, reused_materialization
from safety_assets.defs.resources import (
    ComputeResource,
    GenerationBackendResource,
    ModelStoreResource,
    TrainingResource,
    WarehouseResource,
)
from safety_assets.defs.rlhf.rlhf_assets import at_most, fine_tune_on, prompts_of, prompts_query
from safety_assets.defs.sft.training_configs import TrainConfig
from safety_assets.plots import figure_to, markdown_image
from safety_assets.rlhf import selection
from safety_assets.rlhf.ppo import truncated_share
from safety_assets.rlhf.preprompts import distillation_prompt
from safety_assets.storage import asset_versions as versions
from safety_assets.taxonomy import is_adversarial


class DistillationConfig(dg.Config):
    policy: str = Field(default="ppo_model", description="Model that answers the prompts.")
    use_templates: bool = Field(default=True, description="Per-category answer templates in "
                                                          "the preprompt (paper 4.2.4).")
    margin: float = Field(default=0.0, description="Keep only where the preprompted answer "
                                                   "scores higher by more than this.")
    missing_eos_penalty: float = Field(
        default=1.0, description="Subtracted from the safety RM score of an answer cut at "
                                 "max_new_tokens without EOS (either side), so a cut "
                                 "preprompted answer wins only by more than this.")
    max_new_tokens: int | None = Field(default=None, description=(
        "None: the model profile's answer length (48 tokens for the tiny model, 192 for a "
        "real chat model), sized so that most answers finish."))
    temperature: float = 0.0
    presence_penalty: float | None = Field(default=None, description=(
        "Subtracted from the logit of each token an answer already holds, on both sides. "
        "None: the model profile's, 0 for the tiny model and 1.0 for a real chat model, "
        "whose greedy answers otherwise loop until they are cut."))
    sampling_precision: str | None = Field(default=None, description=(
        "float32, bfloat16 or auto (bf16 where the machine runs it natively). None: the "
        "model profile's, auto for a real chat model and float32 for the tiny one."))
    seed: int = 0
    max_prompts: int | None = Field(default=None, description=(
        "At most this many adversarial train prompts, a seeded random subset (None: all)."))


# Covers the preprompts and answer templates too: change them, change this.
DISTILLATION_CODE_VERSION = "3"   # 2: chat template, cut answers penalised; 3: as compute jobs


@dg.asset(group_name="distill", deps=["ppo_model", "safety_reward_model", "prompt_splits"],
       kinds={"pytorch", "duckdb"}, code_version=DISTILLATION_CODE_VERSION,
       description="Targeted safety context distillation: answers to adversarial prompts with "
                   "and without a safety preprompt, kept where the safety RM prefers the "
                   "preprompted one. Reused while the policy, the RM, the prompts and the "
                   "config are unchanged.")
def context_distillation_dataset(context: dg.AssetExecutionContext, config: DistillationConfig,
                                 generation: GenerationBackendResource,
                                 compute: ComputeResource, model_store: ModelStoreResource,
                                 training: TrainingResource, warehouse: WarehouseResource
                                 ) -> dg.MaterializeResult:
    store = model_store.get()
    # The version holds the values used, not the profile's None.
    max_new_tokens = training.profile.max_new_tokens(config.max_new_tokens)
    presence_penalty = training.profile.presence_penalty(config.presence_penalty)
    precision = training.profile.sampling_precision(config.sampling_precision)
    version = versions.fingerprint(
        code=DISTILLATION_CODE_VERSION,
        config={**config.model_dump(), "max_new_tokens": max_new_tokens,
                "presence_penalty": presence_penalty, "sampling_precision": precision},
        backend=generation.model_dump(),
        models=[versions.model_identity(warehouse.get(), name)
                for name in (config.policy, "safety_reward_model")],
        prompts=versions.query_digest(warehouse.get(), *prompts_query(TRAIN)))
    if versions.is_current(warehouse.get(), "context_distillation_dataset", "", version,
                           "SELECT count(*) FROM context_distillation", []):
        return reused_materialization(context, version)
    prompts = at_most(prompts_of(warehouse, TRAIN).filter(
        pl.col("risk_category").map_elements(is_adversarial, return_dtype=pl.Boolean)),
        config.max_prompts, config.seed)
    from safety_assets.ml.chat_format import render_prompt
    from safety_assets.ml.tokenizer import load_tokenizer

    policy_path = model_store.path_of(config.policy)
    tokenizer = load_tokenizer(policy_path)
    rows = list(prompts.iter_rows(named=True))
    # Both prompts in the policy's own chat format; the preprompt as its system turn.
    plain = [render_prompt(tokenizer, r["text"], r["history"]) for r in rows]
    preprompted = [distillation_prompt(r["text"], r["risk_category"], r["history"],
                                       use_templates=config.use_templates, tokenizer=tokenizer)
                   for r in rows]
    n = len(rows)
    both = pl.DataFrame({
        "id": [f"with:{r['id']}" for r in rows] + [f"without:{r['id']}" for r in rows],
        "text": [r["text"] for r in rows] * 2, "history": [r["history"] for r in rows] * 2,
        "rendered": preprompted + plain}, schema={"id": pl.String, "text": pl.String,
                                                  "history": pl.String, "rendered": pl.String})
    sampling = compute.run(context, "sample", params={
        "model_path": str(policy_path), "backend": generation.model_dump(), "k": 1,
        "max_new_tokens": max_new_tokens, "temperature": config.temperature,
        "top_p": 1.0, "presence_penalty": presence_penalty, "sampling_precision": precision,
        "seed": config.seed, "progress_every": 64},
        inputs={"prompts": both})
    answers = sampling.output("samples")
    # The RM judges both answers as answers to the prompt *without* the preprompt.
    scores = compute.run(context, "score", params={"scorers": {
        "safety": str(model_store.path_of("safety_reward_model"))}},
        inputs={"samples": both.select("text", "history").with_columns(
            answers["response"], answers["finished"])}).output("scores")["safety"]
    with_answers, without_answers = (answers["response"][:n].to_list(),
                                     answers["response"][n:].to_list())
    with_done, without_done = (answers["finished"][:n].to_list(),
                               answers["finished"][n:].to_list())
    score_with = torch.tensor(scores[:n].to_list(), dtype=torch.float32)
    score_without = torch.tensor(scores[n:].to_list(), dtype=torch.float32)
    # A cut answer is no complete target: it pays missing_eos_penalty, on either side.
    penalty = config.missing_eos_penalty
    keep = selection.targeted_distillation_keep(
        score_with - penalty * (~torch.tensor(with_done, dtype=torch.bool)).float(),
        score_without - penalty * (~torch.tensor(without_done, dtype=torch.bool)).float(),
        config.margin)
    frame = pl.DataFrame({
        "prompt_id": prompts["id"], "text": prompts["text"], "history": prompts["history"],
        "risk_category": prompts["risk_category"], "answer_with_preprompt": with_answers,
        "answer_without_preprompt": without_answers, "score_with": score_with.tolist(),
        "score_without": score_without.tolist(), "with_finished": with_done,
        "without_finished": without_done, "kept": keep.tolist(),
    })
    with warehouse.get().connect() as con:
        con.execute("BEGIN TRANSACTION")
        warehouse.get().replace_table("context_distillation", frame, con)
        versions.record(con, "context_distillation_dataset", "", version, frame.height,
                        context.run.run_id)
        con.execute("COMMIT")
    kept = frame.group_by("risk_category").agg(
        pl.len().alias("prompts"), pl.col("kept").mean().round(3).alias("fraction_kept")
    ).sort("risk_category")
    histogram = _delta_histogram(
        (frame["score_with"] - frame["score_without"]).to_list(),
        store.root / "context_distillation" / "deltas.png")
    return dg.MaterializeResult(metadata={
        "prompts": frame.height, "kept": int(frame["kept"].sum()),
        "max_new_tokens": max_new_tokens, "presence_penalty": presence_penalty,
        "sampling_precision": precision,
        "sampling_dtype": sampling.report().get("sampling_dtype", "float32"),
        "truncated_share_with_preprompt": round(truncated_share(with_done), 4),
        "truncated_share_without_preprompt": round(truncated_share(without_done), 4),
        "fraction_kept_by_category": markdown_table(kept),
        "score_delta_histogram": dg.MetadataValue.md(markdown_image(histogram, "score deltas")),
        "input_version": version, "reused": False,
    }, data_version=dg.DataVersion(version))


def _delta_histogram(deltas: list[float], path: Path) -> Path:
    with figure_to(path, figsize=(6, 3.5)) as (_, axis):
        axis.hist(deltas, bins=30)
        axis.axvline(0.0, color="black", linewidth=1)
        axis.set_xlabel("safety RM score: with preprompt - without")
        axis.set_ylabel("prompts")
        axis.set_title("Targeted context distillation keeps the right of 0")
    return path


@dg.asset(group_name="distill", deps=[context_distillation_dataset], kinds={"pytorch"},
       description="Fine-tuned on (prompt without the preprompt -> the preprompted answer), "
                   "for the kept samples only.")
def distilled_model(context: dg.AssetExecutionContext, config: TrainConfig,
                    training: TrainingResource, warehouse: WarehouseResource
                    ) -> dg.MaterializeResult:
    data = warehouse.get().query("SELECT * FROM context_distillation WHERE kept")
    return fine_tune_on(context, data, "answer_with_preprompt", name="distilled_model",
                        stage="distillation", parent="ppo_model",
                        parents={"context_distillation_kept": data.height}, config=config,
                        training=training)
