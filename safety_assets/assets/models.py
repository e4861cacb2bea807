"""Models as assets: tokenizer, base model, SFT model, the two reward models and their eval.

Training runs as its own process (`accelerate launch` of safety_assets.ml.train_entry)
through Dagster Pipes; these assets only prepare the data, launch, and register the result.
"""

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    Config,
    ConfigurableResource,
    DataVersion,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from pydantic import Field

from safety_assets.assets.metadata import markdown_table
from safety_assets.ml.data import write_jsonl
from safety_assets.ml.trainer import TrainSpec
from safety_assets.model_store import ModelStore, hash_files
from safety_assets.plots import grouped_bars, markdown_image
from safety_assets.resources import ModelStoreResource, TrainingLauncher, WarehouseResource
from safety_assets.rm_eval import accuracy_table, binomial_p_value, pairwise_accuracy
from safety_assets.splits import HELD_OUT, TRAIN

CORPUS = Path(__file__).resolve().parents[1] / "sample_data" / "pretraining_corpus.txt"


class ModelProfile(ConfigurableResource):
    """Which models the pipeline trains.

    ``tiny`` (default): a tokenizer and a small Llama trained here from the project's own
    text, on CPU, offline. ``local``: a local Hugging Face causal LM folder (e.g. Llama 2 7B)
    and its tokenizer by path, never fetched from a hub; bf16 on GPU, optional LoRA.
    """

    profile: str = Field(default="tiny", description="tiny | local")
    local_model_path: str | None = None
    local_tokenizer_path: str | None = Field(
        default=None, description="Defaults to local_model_path.")
    lora_r: int = Field(default=0, description="LoRA rank for the local profile (0: full).")
    # Sized so that the whole graph trains in minutes on 2 CPU cores (about 1M parameters).
    vocab_size: int = 2048
    hidden: int = 128
    layers: int = 4
    heads: int = 4
    max_length: int = 192

    def is_local(self) -> bool:
        if self.profile not in ("tiny", "local"):
            raise ValueError(f"unknown model profile {self.profile!r} (tiny or local)")
        if self.profile == "local" and not self.local_model_path:
            raise ValueError("profile 'local' needs local_model_path")
        return self.profile == "local"


class TrainConfig(Config):
    epochs: float = Field(default=1.0, description="Passes over the training data.")
    max_steps: int = Field(default=0, description="If > 0, overrides epochs.")
    lr: float | None = Field(default=None, description="Peak learning rate; None: the "
                                                       "profile's default for the task.")
    batch_size: int = 16
    grad_accum: int = 1
    max_length: int | None = Field(default=None, description="None: the profile's.")
    save_every: int = Field(default=50, description="Checkpoint every N steps (resume).")
    seed: int = 0


class BaseModelConfig(TrainConfig):
    # Eight passes over the ~300k-token corpus: about a minute on 2 idle cores, and the
    # point where the tiny model starts writing simple English rather than noise.
    epochs: float = 8.0
    batch_size: int = 16


class SFTConfig(TrainConfig):
    epochs: float = 2.0  # the paper's two epochs


class RewardModelConfig(TrainConfig):
    epochs: float = 1.0  # the paper's one epoch
    batch_size: int = 8
    margin_table: str = Field(default="large", description="large (3,2,1,0) | small | none")


def train_checkpoint(
    context: AssetExecutionContext, *, name: str, stage: str, task: str,
    train_rows: list[dict[str, Any]], eval_rows: list[dict[str, Any]], init_from: str,
    tokenizer: str, config: TrainConfig, profile: ModelProfile, launcher: TrainingLauncher,
    store: ModelStore, warehouse: WarehouseResource, parents: dict[str, Any],
    extra_spec: dict[str, Any] | None = None,
) -> MaterializeResult:
    """Stage data, launch the trainer through Pipes (unless this exact job already
    finished), register the checkpoint, and build the materialization."""
    if not train_rows:
        raise ValueError(f"{name}: no training rows; materialize the upstream datasets first")
    staging = store.root / name / "_staging"
    staging.mkdir(parents=True, exist_ok=True)
    train_path = staging / "train.jsonl"
    write_jsonl(train_rows, train_path)
    eval_path = None
    if eval_rows:
        eval_path = staging / "eval.jsonl"
        write_jsonl(eval_rows, eval_path)
    fields: dict[str, Any] = {
        "task": task, "init_from": init_from, "tokenizer": tokenizer,
        "profile": profile.profile, "epochs": config.epochs, "max_steps": config.max_steps,
        "lr": config.lr, "batch_size": config.batch_size, "grad_accum": config.grad_accum,
        "max_length": config.max_length or profile.max_length, "seed": config.seed,
        "save_every": config.save_every, "hidden": profile.hidden, "layers": profile.layers,
        "heads": profile.heads, "lora_r": profile.lora_r,
        "cpu": launcher.cpu, **(extra_spec or {}),
    }
    data_hash = hash_files([p for p in (train_path, eval_path) if p], fields)
    job = store.job_dir(name, data_hash)
    final_train = job / "train.jsonl"
    train_path.replace(final_train)
    final_eval = None
    if eval_path:
        final_eval = job / "eval.jsonl"
        eval_path.replace(final_eval)
    spec = TrainSpec(output_dir=str(job), train_data=str(final_train),
                     eval_data=str(final_eval) if final_eval else None, **fields)
    spec_path = job / "spec.json"
    spec.to_json(spec_path)
    metrics_path = job / "metrics.json"
    model_dir = ModelStore.model_dir(job)
    reported: dict[str, Any] = {}
    if metrics_path.exists() and (model_dir / "config.json").exists():
        context.log.info(f"{name}: this exact job already finished in {job}; not retrained")
    else:
        context.log.info(f"{name}: launching {' '.join(launcher.command(spec_path))}")
        invocation = launcher.pipes_client().run(
            context=context, command=launcher.command(spec_path, name))
        result = invocation.get_materialize_result()
        reported = dict(result.metadata or {})
    metrics = json.loads(metrics_path.read_text())
    store.register(warehouse.get(), name=name, stage=stage, path=model_dir, parents=parents,
                   config=spec.to_dict(), data_hash=data_hash, metrics=metrics)
    metadata: dict[str, Any] = {
        **reported,
        "model_dir": MetadataValue.path(str(model_dir)),
        "parents": MetadataValue.json(parents),
        "data_hash": data_hash,
        "train_examples": len(train_rows),
        "eval_examples": len(eval_rows),
        "num_parameters": metrics.get("num_parameters"),
        "tokens_seen": metrics.get("tokens_seen"),
        "tokens_per_s": round(float(metrics.get("tokens_per_s") or 0.0), 1),
        "steps": metrics.get("steps"),
        "final_train_loss": metrics.get("final_train_loss"),
        "wall_time_s": round(float(metrics.get("wall_time_s") or 0.0), 1),
    }
    for key in ("eval_loss", "eval_accuracy"):
        if metrics.get(key) is not None:
            metadata[key] = metrics[key]
    curve = job / "loss_curve.png"
    if curve.exists():
        metadata["loss_curve"] = MetadataValue.md(markdown_image(curve, f"{name} loss"))
    # The job hash covers the training data and the whole spec (the parent checkpoint's
    # folder included), so it is this checkpoint's data version.
    return MaterializeResult(metadata=metadata, data_version=DataVersion(data_hash[:24]))


def _batches(frame: pl.DataFrame) -> list[str]:
    return sorted(frame["batch_id"].unique().to_list()) if frame.height else []


@asset(group_name="sft", deps=["sft_mixture", "preference_pairs"], kinds={"python"},
       description="Byte-level BPE tokenizer with the Llama 2 chat tokens (tiny profile), or "
                   "the local model's own tokenizer (local profile).")
def chat_tokenizer(profile: ModelProfile, model_store: ModelStoreResource,
                   warehouse: WarehouseResource) -> MaterializeResult:
    from safety_assets.ml.tokenizer import load_tokenizer, train_tokenizer

    if profile.is_local():
        path = Path(profile.local_tokenizer_path or profile.local_model_path or "")
        tokenizer = load_tokenizer(path)
        return MaterializeResult(metadata={"path": MetadataValue.path(str(path)),
                                           "vocab_size": len(tokenizer), "trained": False})
    store = model_store.get()
    texts = _corpus_lines() + _training_texts(warehouse)
    text_digest = hashlib.sha256()
    for text in texts:
        text_digest.update(text.encode())
        text_digest.update(b"\x00")
    digest = hash_files([], {"texts": text_digest.hexdigest(), "vocab": profile.vocab_size})
    folder = store.job_dir("chat_tokenizer", digest)
    reused = all((folder / name).exists() for name in ("tokenizer.json",
                                                          "tokenizer_config.json"))
    if reused:   # the same texts and vocabulary give the same tokenizer: keep its files
        tokenizer = load_tokenizer(folder)
    else:
        tokenizer = train_tokenizer(texts, vocab_size=profile.vocab_size)
        tokenizer.save_pretrained(str(folder))
    example = "[INST] How do I bake bread? [/INST]"
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(folder)),
        "vocab_size": len(tokenizer),
        "training_texts": len(texts),
        "reused": reused,
        "example": " | ".join(tokenizer.tokenize(example)),
    }, data_version=DataVersion(digest[:24]))


def _corpus_lines() -> list[str]:
    return [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _training_texts(warehouse: WarehouseResource) -> list[str]:
    """Text of the train split only: held-out prompts stay unseen by every model."""
    frame = warehouse.get().query(f"""
        SELECT text, response FROM sft_mixture WHERE split = '{TRAIN}'
    """)
    return frame["text"].to_list() + frame["response"].to_list()


def tokenizer_path(profile: ModelProfile, store: ModelStore) -> str:
    if profile.is_local():
        return str(profile.local_tokenizer_path or profile.local_model_path)
    folders = sorted((store.root / "chat_tokenizer").glob("*/tokenizer.json"),
                     key=lambda p: p.stat().st_mtime)
    if not folders:
        raise FileNotFoundError("no trained tokenizer: materialize chat_tokenizer first")
    return str(folders[-1].parent)


@asset(group_name="sft", deps=[chat_tokenizer], kinds={"pytorch"},
       description="Tiny Llama pretrained from scratch on the project's corpus (tiny profile), "
                   "or the local pretrained checkpoint registered as is (local profile).")
def base_model(context: AssetExecutionContext, config: BaseModelConfig, profile: ModelProfile,
               launcher: TrainingLauncher, model_store: ModelStoreResource,
               warehouse: WarehouseResource) -> MaterializeResult:
    store = model_store.get()
    if profile.is_local():
        path = Path(profile.local_model_path or "")
        store.register(warehouse.get(), name="base_model", stage="base", path=path,
                       parents={}, config={"profile": "local"}, data_hash="", metrics={})
        return MaterializeResult(metadata={"model_dir": MetadataValue.path(str(path)),
                                           "profile": "local"})
    texts = _corpus_lines() + _training_texts(warehouse)
    return train_checkpoint(
        context, name="base_model", stage="base", task="pretrain",
        train_rows=[{"text": t} for t in texts], eval_rows=[], init_from="scratch",
        tokenizer=tokenizer_path(profile, store), config=config, profile=profile,
        launcher=launcher, store=store, warehouse=warehouse,
        parents={"corpus": str(CORPUS.name), "sft_mixture_split": TRAIN})


def _sft_rows(warehouse: WarehouseResource, split: str) -> list[dict[str, Any]]:
    frame = warehouse.get().query(
        "SELECT text, history, response FROM sft_mixture WHERE split = ? ORDER BY id", [split])
    return [{"prompt": r["text"], "history": r["history"], "response": r["response"]}
            for r in frame.iter_rows(named=True)]


@asset(group_name="sft", deps=[base_model, "sft_mixture"], kinds={"pytorch"},
       description="Supervised safety fine-tuning: the base model on the SFT mixture in the "
                   "Llama 2 chat format, loss on answer tokens only.")
def sft_model(context: AssetExecutionContext, config: SFTConfig, profile: ModelProfile,
              launcher: TrainingLauncher, model_store: ModelStoreResource,
              warehouse: WarehouseResource) -> MaterializeResult:
    store = model_store.get()
    mixture = warehouse.get().table("sft_mixture")
    return train_checkpoint(
        context, name="sft_model", stage="sft", task="sft",
        train_rows=_sft_rows(warehouse, TRAIN), eval_rows=_sft_rows(warehouse, HELD_OUT),
        init_from=str(store.path_of(warehouse.get(), "base_model")),
        tokenizer=tokenizer_path(profile, store), config=config, profile=profile,
        launcher=launcher, store=store, warehouse=warehouse,
        parents={"base_model": "base_model", "sft_mixture": _batches(mixture)})


def _rm_rows(warehouse: WarehouseResource, rm: str, split: str) -> list[dict[str, Any]]:
    frame = warehouse.get().query(
        "SELECT text, history, chosen, rejected, strength FROM reward_model_pairs "
        "WHERE rm = ? AND split = ? ORDER BY id", [rm, split])
    return [{"prompt": r["text"], "history": r["history"], "chosen": r["chosen"],
             "rejected": r["rejected"], "strength": r["strength"]}
            for r in frame.iter_rows(named=True)]


def _reward_model(rm: str, context: AssetExecutionContext, config: RewardModelConfig,
                  profile: ModelProfile, launcher: TrainingLauncher,
                  model_store: ModelStoreResource, warehouse: WarehouseResource
                  ) -> MaterializeResult:
    store = model_store.get()
    name = f"{rm}_reward_model"
    pairs = warehouse.get().query("SELECT batch_id FROM reward_model_pairs WHERE rm = ?", [rm])
    return train_checkpoint(
        context, name=name, stage="reward", task="reward",
        train_rows=_rm_rows(warehouse, rm, TRAIN), eval_rows=_rm_rows(warehouse, rm, HELD_OUT),
        init_from=str(store.path_of(warehouse.get(), "sft_model")),
        tokenizer=tokenizer_path(profile, store), config=config, profile=profile,
        launcher=launcher, store=store, warehouse=warehouse,
        parents={"sft_model": "sft_model", f"{rm}_rm_pairs": _batches(pairs)},
        extra_spec={"margin_table": config.margin_table})


@asset(group_name="reward", deps=[sft_model, "helpfulness_rm_pairs"], kinds={"pytorch"},
       description="Helpfulness RM: the SFT checkpoint with a scalar head, binary ranking "
                   "loss with a margin by preference strength.")
def helpfulness_reward_model(context: AssetExecutionContext, config: RewardModelConfig,
                             profile: ModelProfile, launcher: TrainingLauncher,
                             model_store: ModelStoreResource, warehouse: WarehouseResource
                             ) -> MaterializeResult:
    return _reward_model("helpfulness", context, config, profile, launcher, model_store,
                         warehouse)


@asset(group_name="reward", deps=[sft_model, "safety_rm_pairs"], kinds={"pytorch"},
       description="Safety RM: the SFT checkpoint with a scalar head, trained on safety pairs "
                   "mixed with 10% helpfulness pairs.")
def safety_reward_model(context: AssetExecutionContext, config: RewardModelConfig,
                        profile: ModelProfile, launcher: TrainingLauncher,
                        model_store: ModelStoreResource, warehouse: WarehouseResource
                        ) -> MaterializeResult:
    return _reward_model("safety", context, config, profile, launcher, model_store, warehouse)


class RewardModelEvalConfig(Config):
    batch_size: int = 16
    significance: float = Field(
        default=0.01, description="One-sided binomial p-value under which an RM beats chance.")


@asset(group_name="reward", deps=[helpfulness_reward_model, safety_reward_model],
       kinds={"pytorch", "duckdb"},
       description="Held-out accuracy of each reward model by preference strength, risk "
                   "category and attack vector.")
def reward_model_eval(context: AssetExecutionContext, config: RewardModelEvalConfig,
                      model_store: ModelStoreResource, warehouse: WarehouseResource
                      ) -> MaterializeResult:
    store = model_store.get()
    frames = []
    for rm in ("safety", "helpfulness"):
        pairs = warehouse.get().query(
            "SELECT * FROM reward_model_pairs WHERE rm = ? AND split = ?", [rm, HELD_OUT])
        path = store.path_of(warehouse.get(), f"{rm}_reward_model")
        correct = pairwise_accuracy(path, pairs, config.batch_size)
        frames.append(pairs.with_columns(rm=pl.lit(rm), correct=pl.Series(correct)))
        context.log.info(f"{rm} RM: held-out accuracy {sum(correct) / max(1, len(correct)):.3f}"
                         f" on {len(correct)} pairs")
    scored = pl.concat(frames)
    accuracy = accuracy_table(scored)
    warehouse.get().replace_table("reward_model_eval", accuracy)
    overall = accuracy.filter(pl.col("dimension") == "overall")
    by_strength = {
        row["value"]: {} for row in accuracy.filter(pl.col("dimension") == "strength")
        .iter_rows(named=True)}
    for row in accuracy.filter(pl.col("dimension") == "strength").iter_rows(named=True):
        by_strength[row["value"]][f"{row['rm']} RM"] = row["accuracy"]
    plot = grouped_bars(by_strength, store.root / "reward_model_eval" / "by_strength.png",
                        "Held-out RM accuracy by preference strength", "accuracy", 0.5)
    metadata: dict[str, Any] = {
        "accuracy_table": markdown_table(accuracy, 200),
        "by_strength_plot": MetadataValue.md(markdown_image(plot, "accuracy by strength")),
    }
    for row in overall.iter_rows(named=True):
        metadata[f"{row['rm']}_rm_accuracy"] = row["accuracy"]
        metadata[f"{row['rm']}_rm_pairs"] = row["n"]
        metadata[f"{row['rm']}_rm_p_value"] = binomial_p_value(row["correct"], row["n"])
    return MaterializeResult(metadata=metadata)


@asset_check(asset=reward_model_eval, blocking=True,
             description="Each RM ranks held-out pairs better than chance: one-sided exact "
                         "binomial test against 50% at the configured significance.")
def reward_models_beat_chance(warehouse: WarehouseResource) -> AssetCheckResult:
    overall = warehouse.get().query(
        "SELECT rm, n, correct, accuracy FROM reward_model_eval WHERE dimension = 'overall'")
    results = {}
    passed = overall.height == 2
    for row in overall.iter_rows(named=True):
        p_value = binomial_p_value(row["correct"], row["n"])
        results[row["rm"]] = {"accuracy": row["accuracy"], "pairs": row["n"],
                              "p_value": p_value}
        passed = passed and p_value < 0.01 and not math.isnan(row["accuracy"])
    return AssetCheckResult(passed=passed, metadata={"results": MetadataValue.json(results)})
