"""Tiny character-level Llama models for tests, benchmarks and smoke runs (CPU, seconds).

:func:`char_tokenizer` is a ``PreTrainedTokenizerFast`` with one token per printable ASCII
character plus the Llama 2 chat special tokens (``<s>``, ``</s>``, ``[INST]``, ...), so
decoding is exact. :func:`tiny_llama` and :func:`tiny_reward_model` build randomly initialised
``LlamaForCausalLM`` / ``LlamaForSequenceClassification`` (num_labels=1) on it.
"""

from __future__ import annotations

import string
from pathlib import Path

import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import (
    LlamaConfig,
    LlamaForCausalLM,
    LlamaForSequenceClassification,
    PreTrainedTokenizerFast,
)

from safety_assets.ml.chat_format import SPECIAL_TOKENS

CHARACTERS = string.printable[:95] + "\n"  # digits, letters, punctuation, space, newline


def char_tokenizer(padding_side: str = "left") -> PreTrainedTokenizerFast:
    """One token per character; special tokens first (``<unk>`` 0 ... in SPECIAL_TOKENS order
    after it). No BOS/EOS is added automatically: chat-formatted text carries its own ``<s>``."""
    specials = ["<unk>"] + [t for t in SPECIAL_TOKENS if t != "<unk>"]
    vocab = {token: i for i, token in enumerate(specials)}
    for ch in CHARACTERS:
        vocab.setdefault(ch, len(vocab))
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    backend.decoder = decoders.Fuse()
    backend.add_special_tokens(specials)
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        additional_special_tokens=specials[4:],
        padding_side=padding_side,
    )


def _config(
    tokenizer: PreTrainedTokenizerFast, hidden_size: int, layers: int, **kwargs: object
) -> LlamaConfig:
    return LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        **kwargs,
    )


def tiny_llama(
    tokenizer: PreTrainedTokenizerFast,
    hidden_size: int = 64,
    layers: int = 2,
    seed: int = 0,
    initializer_range: float = 0.02,
) -> LlamaForCausalLM:
    """A randomly initialised causal LM (float32, eval mode) sized for CPU tests."""
    torch.manual_seed(seed)
    config = _config(tokenizer, hidden_size, layers, initializer_range=initializer_range)
    model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model.eval()


def tiny_reward_model(
    tokenizer: PreTrainedTokenizerFast, hidden_size: int = 64, layers: int = 2, seed: int = 0
) -> LlamaForSequenceClassification:
    """A randomly initialised scalar-head model (num_labels=1), pad_token_id set."""
    torch.manual_seed(seed)
    config = _config(tokenizer, hidden_size, layers, num_labels=1)
    return LlamaForSequenceClassification(config).eval()


def save_ppo_models(root: Path, tokenizer: PreTrainedTokenizerFast) -> dict[str, Path]:
    """A tiny policy and two tiny reward models (seeds 0, 1, 2), each saved with the tokenizer
    under ``root``: ``{"policy", "safety", "helpful"}`` -> folder, what a PPO spec names."""
    folders = {}
    for name, model in [("policy", tiny_llama(tokenizer, seed=0)),
                        ("safety", tiny_reward_model(tokenizer, seed=1)),
                        ("helpful", tiny_reward_model(tokenizer, seed=2))]:
        folders[name] = root / name
        model.save_pretrained(folders[name])
        tokenizer.save_pretrained(folders[name])
    return folders
