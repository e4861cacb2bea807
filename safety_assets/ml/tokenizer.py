"""A byte-level BPE tokenizer trained from text, with the Llama 2 chat markers as special tokens.

The tiny profile has no pretrained tokenizer to borrow (and nothing may be downloaded), so the
pipeline trains one on its own corpus.  Byte-level BPE never needs ``<unk>``: every string
encodes, which is what lets decoding round-trip arbitrary text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from safety_assets.ml.chat_format import BOS, EOS, SPECIAL_TOKENS

PAD = "<pad>"
UNK = "<unk>"

PaddingSide = Literal["left", "right"]


def _special(token: str) -> AddedToken:
    # normalized=False: match the marker on the raw text, before the byte-level mapping turns
    # spaces into 'Ġ'; no strip, or " [/INST]" would lose the space before it when decoded.
    return AddedToken(token, special=True, normalized=False, lstrip=False, rstrip=False,
                      single_word=False)


def _nonempty(texts: Iterable[str]) -> Iterator[str]:
    for text in texts:
        if text:
            yield text


def train_tokenizer(
    texts: Iterable[str],
    vocab_size: int = 4096,
    *,
    min_frequency: int = 2,
    padding_side: PaddingSide = "right",
    model_max_length: int = 2048,
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on ``texts``.

    The special tokens of :data:`chat_format.SPECIAL_TOKENS` get the first ids (so ``<s>`` is 0,
    ``</s>`` 1, ...), are matched before BPE (each is one id) and are never split or merged.
    No BOS/EOS is added automatically: :mod:`chat_format` writes ``<s>``/``</s>`` into the text,
    and adding them again would double them.
    """
    backend = Tokenizer(models.BPE())
    # add_prefix_space=False: a prefix space would be decoded back as an extra leading space.
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=[_special(token) for token in SPECIAL_TOKENS],
        # All 256 byte symbols from the start, so text with characters unseen in training
        # still encodes (as bytes) instead of being dropped.
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(_nonempty(texts), trainer=trainer)
    extra = [token for token in SPECIAL_TOKENS if token not in (BOS, EOS, UNK, PAD)]
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=_special(BOS),
        eos_token=_special(EOS),
        unk_token=_special(UNK),
        pad_token=_special(PAD),
        additional_special_tokens=[_special(token) for token in extra],
        padding_side=padding_side,
        model_max_length=model_max_length,
        # The default clean-up rewrites " ." to "." and so on: decoding would not round-trip.
        clean_up_tokenization_spaces=False,
        add_bos_token=False,
        add_eos_token=False,
    )
    return tokenizer


def load_tokenizer(
    path: str | os.PathLike[str], *, padding_side: PaddingSide | None = None
) -> PreTrainedTokenizerFast:
    """A tokenizer saved with ``save_pretrained``, from a local folder only (never the hub)."""
    tokenizer = AutoTokenizer.from_pretrained(str(Path(path)), local_files_only=True)
    if padding_side is not None:
        tokenizer.padding_side = padding_side
    if tokenizer.pad_token is None:
        # Real models (e.g. Llama 2) ship without a pad token. Padding with EOS would make a
        # reward model score the wrong position (it reads the last non-pad token), so add one.
        tokenizer.add_special_tokens({"pad_token": PAD})
    return tokenizer
