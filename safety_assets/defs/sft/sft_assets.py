"""Supervised safety fine-tuning: the tokenizer, the base model and the SFT model.

Training runs as its own process (`accelerate launch` of safety_assets.ml.train_entry)
through Dagster Pipes; these assets only prepare the data and hand it to the training
resource, which launches and registers the result.
"""

import hashlib
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from safety_assets.datasets.splits import HELD_OUT, TRAIN
from safety_assets.defs.resources import TrainingResource, WarehouseResource
from safety_assets.defs.sft.training_configs import TrainConfig
from safety_assets.ml.trainer import TrainSpec
from safety_assets.sample_data import CORPUS
from safety_assets.storage.model_store import hash_files


def batches_of(frame: pl.DataFrame) -> dict[str, int]:
    """The annotation batches a frame's rows come from, with the rows of each (a checkpoint's
    data lineage: the registry adds each batch's round)."""
    if frame.height == 0:
        return {}
    counts = frame.group_by("batch_id").len().sort("batch_id")
    return {batch: int(n) for batch, n in counts.iter_rows()}


def _corpus_lines() -> list[str]:
    return [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _training_texts(warehouse: WarehouseResource) -> list[str]:
    """Text of the train split only: held-out prompts stay unseen by every model."""
    frame = warehouse.get().query("SELECT text, response FROM sft_mixture WHERE split = ?",
                                  [TRAIN])
    return frame["text"].to_list() + frame["response"].to_list()


def _training_batches(warehouse: WarehouseResource) -> dict[str, int]:
    """The batches (and rows) of the train-split texts the tokenizer and base model read."""
    return batches_of(warehouse.get().query(
        "SELECT batch_id FROM sft_mixture WHERE split = ?", [TRAIN]))


@dg.asset(group_name="sft", deps=["sft_mixture", "preference_pairs"], kinds={"python"},
          description="Byte-level BPE tokenizer with the Llama 2 chat tokens (tiny profile), "
                      "or the local model's own tokenizer (local profile); registered as "
                      "`chat_tokenizer`.")
def chat_tokenizer(training: TrainingResource, warehouse: WarehouseResource
                   ) -> dg.MaterializeResult:
    from safety_assets.ml.tokenizer import load_tokenizer, train_tokenizer

    profile, store = training.profile, training.model_store
    if profile.is_local():
        folder = profile.pretrained_folder(store.root)
        path = profile.local_tokenizer_path or str(folder)
        tokenizer = load_tokenizer(path)
        store.register(name="chat_tokenizer", stage="tokenizer", path=Path(path),
                       parents={}, config={"profile": profile.profile}, data_hash="",
                       metrics={})
        template = bool(getattr(tokenizer, "chat_template", None))
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(path),
                                              "vocab_size": len(tokenizer), "trained": False,
                                              "own_chat_template": template})
    texts = _corpus_lines() + _training_texts(warehouse)
    text_digest = hashlib.sha256()
    for text in texts:
        text_digest.update(text.encode())
        text_digest.update(b"\x00")
    digest = hash_files([], {"texts": text_digest.hexdigest(), "vocab": profile.vocab_size})
    folder = store.get().job_dir("chat_tokenizer", digest)
    reused = all((folder / name).exists() for name in ("tokenizer.json",
                                                          "tokenizer_config.json"))
    if reused:   # the same texts and vocabulary give the same tokenizer: keep its files
        tokenizer = load_tokenizer(folder)
    else:
        tokenizer = train_tokenizer(texts, vocab_size=profile.vocab_size)
        tokenizer.save_pretrained(str(folder))
    store.register(name="chat_tokenizer", stage="tokenizer", path=folder,
                   parents={"corpus": CORPUS.name, "sft_mixture_split": TRAIN,
                            "sft_mixture": _training_batches(warehouse)},
                   config={"profile": "tiny", "vocab_size": profile.vocab_size},
                   data_hash=digest, metrics={})
    example = "[INST] How do I bake bread? [/INST]"
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(folder)),
        "vocab_size": len(tokenizer),
        "training_texts": len(texts),
        "reused": reused,
        "example": " | ".join(tokenizer.tokenize(example)),
    }, data_version=dg.DataVersion(digest[:24]))


@dg.asset(group_name="sft", deps=[chat_tokenizer], kinds={"pytorch"},
          description="Tiny Llama pretrained from scratch on the project's corpus (tiny "
                      "profile), or the local pretrained checkpoint registered as is (local "
                      "profile).")
def base_model(context: dg.AssetExecutionContext, config: TrainConfig,
               training: TrainingResource, warehouse: WarehouseResource
               ) -> dg.MaterializeResult:
    profile = training.profile
    if profile.is_local():
        from safety_assets.ml.gguf_import import read_marker

        folder = profile.pretrained_folder(training.model_store.root)
        marker = read_marker(folder) or {}   # an imported GGUF: its hash and size
        training.model_store.register(
            name="base_model", stage="base", path=folder, parents={},
            config={"profile": profile.profile}, data_hash=marker.get("gguf_sha256", ""),
            metrics={"num_parameters": marker.get("num_parameters")})
        return dg.MaterializeResult(metadata={
            "model_dir": dg.MetadataValue.path(str(folder)), "profile": profile.profile,
            **({"gguf_sha256": marker["gguf_sha256"]} if marker else {})})
    texts = _corpus_lines() + _training_texts(warehouse)
    spec = config.to_spec("pretrain", init_from="scratch", tokenizer=training.tokenizer_path(),
                          **training.profile.spec_fields(), **training.launcher.spec_fields())
    return training.train(context, name="base_model", stage="base", spec=spec,
                          train_rows=[{"text": t} for t in texts], eval_rows=[],
                          parents={"corpus": CORPUS.name, "sft_mixture_split": TRAIN,
                                   "sft_mixture": _training_batches(warehouse),
                                   "chat_tokenizer": "chat_tokenizer"})


def _sft_rows(warehouse: WarehouseResource, split: str) -> list[dict[str, Any]]:
    frame = warehouse.get().query(
        "SELECT text, history, response FROM sft_mixture WHERE split = ? ORDER BY id", [split])
    return [{"prompt": r["text"], "history": r["history"], "response": r["response"]}
            for r in frame.iter_rows(named=True)]


def fine_tune_spec(config: TrainConfig, training: TrainingResource, parent: str,
                   task: str = "sft", **extra: Any) -> TrainSpec:
    """The spec that trains registered checkpoint ``parent`` for ``task``: SFT, rejection
    sampling, distillation and both reward models alike."""
    return config.to_spec(task, init_from=str(training.model_store.path_of(parent)),
                          tokenizer=training.tokenizer_path(),
                          **training.profile.spec_fields(), **training.launcher.spec_fields(),
                          **extra)


@dg.asset(group_name="sft", deps=[base_model, "sft_mixture"], kinds={"pytorch"},
          description="Supervised safety fine-tuning: the base model on the SFT mixture in the "
                      "Llama 2 chat format, loss on answer tokens only.")
def sft_model(context: dg.AssetExecutionContext, config: TrainConfig,
              training: TrainingResource, warehouse: WarehouseResource
              ) -> dg.MaterializeResult:
    mixture = warehouse.get().table("sft_mixture")
    return training.train(context, name="sft_model", stage="sft",
                          spec=fine_tune_spec(config, training, "base_model"),
                          train_rows=_sft_rows(warehouse, TRAIN),
                          eval_rows=_sft_rows(warehouse, HELD_OUT),
                          parents={"base_model": "base_model",
                                   "sft_mixture": batches_of(mixture)})
