"""Models: a tiny Llama built from scratch, local causal LMs, and reward models.

Two profiles share this code. ``tiny``: a Llama-architecture model of a few million parameters
built from a config, so the whole pipeline runs on a CPU. ``local``: any Hugging Face causal LM
folder on disk (e.g. Llama 2 7B), loaded in bf16 on a GPU, optionally trained through LoRA.
Nothing here touches the network: every load is ``local_files_only``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

DTypeName = Literal["auto", "float32", "bfloat16", "float16"]
TaskKind = Literal["causal_lm", "reward"]

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def tiny_llama_config(
    vocab_size: int,
    hidden: int = 256,
    layers: int = 4,
    heads: int = 4,
    *,
    intermediate: int | None = None,
    kv_heads: int | None = None,
    max_position_embeddings: int = 512,
    bos_token_id: int = 0,
    eos_token_id: int = 1,
    pad_token_id: int | None = 3,
    tie_word_embeddings: bool = False,
) -> LlamaConfig:
    """A Llama 2-shaped config (RMSNorm, SwiGLU, RoPE) scaled down to a few million parameters.

    The default token ids are those :func:`tokenizer.train_tokenizer` assigns (``<s>`` 0,
    ``</s>`` 1, ``<pad>`` 3). The MLP width follows Llama's ~8/3 ratio, rounded to 32.
    """
    if intermediate is None:
        intermediate = max(32, int(round(hidden * 8 / 3 / 32)) * 32)
    return LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=intermediate,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads or heads,
        max_position_embeddings=max_position_embeddings,
        bos_token_id=bos_token_id,
        eos_token_id=eos_token_id,
        pad_token_id=pad_token_id,
        tie_word_embeddings=tie_word_embeddings,
        use_cache=False,
    )


def config_for_tokenizer(
    tokenizer: PreTrainedTokenizerBase, **sizes: Any
) -> LlamaConfig:
    """:func:`tiny_llama_config` with vocabulary size and special ids taken from ``tokenizer``."""
    return tiny_llama_config(
        len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        **sizes,
    )


def build_causal_lm(config: LlamaConfig, seed: int | None = None) -> LlamaForCausalLM:
    """A freshly initialised causal LM; ``seed`` makes the initial weights reproducible."""
    if seed is not None:
        torch.manual_seed(seed)
    return LlamaForCausalLM(config)


def count_parameters(model: torch.nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def resolve_dtype(dtype: DTypeName | torch.dtype, device: torch.device) -> torch.dtype:
    """``auto``: bf16 on a GPU (what the 7B+ models were trained in), fp32 on CPU (bf16 matmuls
    on CPU are slow and lossy for tiny models)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    return _DTYPES[dtype]


def load_causal_lm(
    path: str | os.PathLike[str],
    dtype: DTypeName | torch.dtype = "auto",
    device: str | torch.device | None = None,
) -> PreTrainedModel:
    """Any causal LM saved with ``save_pretrained`` (the ``local`` profile), from disk only."""
    target = resolve_device(device)
    model = AutoModelForCausalLM.from_pretrained(
        str(path), dtype=resolve_dtype(dtype, target), local_files_only=True
    )
    return model.to(target)


def _pad_id_for(path: Path, config: Any) -> int | None:
    # The checkpoint's own tokenizer is the authority on which id pads; fall back to the config.
    if (path / "tokenizer_config.json").exists():
        from safety_assets.ml.tokenizer import load_tokenizer

        return load_tokenizer(path).pad_token_id
    return getattr(config, "pad_token_id", None)


def load_reward_model(
    path: str | os.PathLike[str],
    dtype: DTypeName | torch.dtype = "auto",
    device: str | torch.device | None = None,
    pad_token_id: int | None = None,
) -> PreTrainedModel:
    """A scalar-reward model: a sequence classifier with one output.

    From a causal LM checkpoint this is the paper's initialisation (section 3.2.2): the same
    trunk, with the next-token head dropped and a fresh regression head (``score``) on the last
    non-pad token. From a saved reward model it simply reloads it.
    ``pad_token_id`` must be set and differ from EOS: the model finds each sequence's last token
    as the rightmost non-pad id, so a pad equal to EOS would read the wrong position.
    """
    folder = Path(path)
    target = resolve_device(device)
    config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
    pad = pad_token_id if pad_token_id is not None else _pad_id_for(folder, config)
    if pad is None:
        raise ValueError(f"{folder}: no pad token id; pass pad_token_id")
    config.num_labels = 1
    config.problem_type = "regression"
    # A <pad> added to a tokenizer that had none (Llama 2's) lies past the embedding table:
    # load first (the embedding's padding_idx must be in range), then grow the table.
    grow = pad >= config.vocab_size
    if not grow:
        config.pad_token_id = pad
    model = AutoModelForSequenceClassification.from_pretrained(
        str(folder), config=config, dtype=resolve_dtype(dtype, target), local_files_only=True
    )
    if grow:
        model.resize_token_embeddings(pad + 1)
        model.config.pad_token_id = pad
    return model.to(target)


def build_model(
    kind: TaskKind,
    init_from: str,
    tokenizer: PreTrainedTokenizerBase,
    *,
    hidden: int = 256,
    layers: int = 4,
    heads: int = 4,
    max_position_embeddings: int = 512,
    seed: int = 0,
    dtype: DTypeName | torch.dtype = "auto",
    device: str | torch.device | None = None,
) -> PreTrainedModel:
    """The model a training task starts from: ``init_from`` is a local folder or ``"scratch"``."""
    target = resolve_device(device)
    if init_from == "scratch":
        config = config_for_tokenizer(
            tokenizer, hidden=hidden, layers=layers, heads=heads,
            max_position_embeddings=max_position_embeddings,
        )
        if kind == "causal_lm":
            model: PreTrainedModel = build_causal_lm(config, seed=seed)
        else:
            torch.manual_seed(seed)
            config.num_labels = 1
            config.problem_type = "regression"
            model = AutoModelForSequenceClassification.from_config(config)
        return model.to(target, resolve_dtype(dtype, target))
    torch.manual_seed(seed)  # the fresh reward head is initialised from the global RNG
    if kind == "causal_lm":
        model = load_causal_lm(init_from, dtype=dtype, device=target)
    else:
        model = load_reward_model(
            init_from, dtype=dtype, device=target, pad_token_id=tokenizer.pad_token_id
        )
    if model.get_input_embeddings().weight.shape[0] < len(tokenizer):
        # load_tokenizer adds <pad> to tokenizers that lack one (Llama 2 does).
        model.resize_token_embeddings(len(tokenizer))
    # Saved with the model, so later stages (generation, reward scoring) pad the same way.
    model.config.pad_token_id = tokenizer.pad_token_id
    return model


@dataclass
class LoraSettings:
    """LoRA for the ``local`` profile: trains rank-``r`` adapters instead of the full weights.

    The adapters are merged into the base weights before saving, so downstream stages load a
    plain checkpoint and need no peft.
    """

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"]
    )


def apply_lora(model: PreTrainedModel, settings: LoraSettings, kind: TaskKind) -> torch.nn.Module:
    from peft import LoraConfig, TaskType, get_peft_model

    config = LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=list(settings.target_modules),
        # SEQ_CLS makes peft train the new reward head ("score") in full beside the adapters.
        task_type=TaskType.CAUSAL_LM if kind == "causal_lm" else TaskType.SEQ_CLS,
    )
    return get_peft_model(model, config)


def merged(model: torch.nn.Module) -> torch.nn.Module:
    """The plain transformers model, with LoRA adapters folded into the weights if present."""
    if hasattr(model, "merge_and_unload"):
        return model.merge_and_unload()
    return model


def save_atomically(
    model: torch.nn.Module,
    tokenizer: PreTrainedTokenizerBase | None,
    target: str | os.PathLike[str],
    finalize: Callable[[Path], None] | None = None,
) -> Path:
    """``save_pretrained`` into a temporary folder beside ``target``, then rename it into place.

    A reader (or a Dagster asset check) therefore sees either no ``target`` or a complete one,
    never a half-written checkpoint, even if the process dies while writing. ``finalize`` is
    called on the temporary folder last, before the rename (e.g. to write a completion marker
    that must only ever sit beside complete weights).
    """
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        merged(model).save_pretrained(str(staging))
        if tokenizer is not None:
            tokenizer.save_pretrained(str(staging))
        if finalize is not None:
            finalize(staging)
        if final.exists():
            # rename() cannot replace a non-empty folder: move the old one aside first.
            retired = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(final, retired)
            os.replace(staging, final)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return final


@torch.no_grad()
def score(
    model: PreTrainedModel, input_ids: torch.Tensor, attention_mask: torch.Tensor
) -> torch.Tensor:
    """Rewards of a batch, shape ``[batch]``, as float32."""
    return model(input_ids=input_ids, attention_mask=attention_mask).logits.squeeze(-1).float()
