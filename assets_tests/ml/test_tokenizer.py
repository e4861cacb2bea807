"""The byte-level BPE tokenizer: chat markers are single special ids, and text round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import AutoTokenizer

from safety_assets.ml.chat_format import SPECIAL_TOKENS, format_example
from safety_assets.ml.tokenizer import load_tokenizer, train_tokenizer

ODD_TEXTS = [
    "How do I bake a cake?  Twice-spaced,\ttabbed,\nnew-lined .",
    "Unicode: héllo wörld, 你好, emoji 🙂, Ωmega — “quotes”.",
    " leading space and trailing space ",
    "",
]


def test_chat_markers_tokenize_as_single_special_ids(tokenizer) -> None:
    for token in SPECIAL_TOKENS:
        ids = tokenizer(token, add_special_tokens=False)["input_ids"]
        assert ids == [tokenizer.convert_tokens_to_ids(token)], token
    assert set(SPECIAL_TOKENS) <= set(tokenizer.all_special_tokens)
    assert (tokenizer.bos_token, tokenizer.eos_token, tokenizer.unk_token, tokenizer.pad_token) \
        == ("<s>", "</s>", "<unk>", "<pad>")
    assert len({tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id}) == 3
    # In running text the markers stay whole too, and nothing is added around the text.
    prompt, answer = format_example("Why?", "Because.", system="Be safe")
    tokens = tokenizer.convert_ids_to_tokens(
        tokenizer(prompt + answer, add_special_tokens=False)["input_ids"])
    for marker in ("<s>", "[INST]", "<<SYS>>", "<</SYS>>", "[/INST]", "</s>"):
        assert tokens.count(marker) == 1, marker
    assert tokens[0] == "<s>" and tokens[-1] == "</s>"


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_decoding_round_trips_text(tokenizer, text: str) -> None:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text
    assert tokenizer.unk_token_id not in ids  # byte-level: nothing is unknown


def test_chat_formatted_dialogue_round_trips(tokenizer) -> None:
    prompt, answer = format_example("And then?", "Stop here.", [["Hi", "Hello!"]], "Be kind")
    ids = tokenizer(prompt + answer, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == prompt + answer
    assert tokenizer.decode(ids, skip_special_tokens=True).count("[INST]") == 0


def test_saved_tokenizer_reloads_from_a_local_folder(tokenizer, tmp_path: Path) -> None:
    tokenizer.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(str(tmp_path), local_files_only=True)
    text = "".join(format_example("What colour is the cat?", "The cat is red.", system="Hi"))
    assert again(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert again.pad_token_id == tokenizer.pad_token_id
    assert again.decode(again(text)["input_ids"]) == text
    assert len(again) == len(tokenizer)


def test_padding_side_is_configurable(tokenizer_dir: Path) -> None:
    left = load_tokenizer(tokenizer_dir, padding_side="left")
    batch = left(["the cat", "the big old dog sees the cat"], padding=True)
    assert batch["input_ids"][0][0] == left.pad_token_id
    assert batch["attention_mask"][0][0] == 0
    right = train_tokenizer(["a b c"] * 20, vocab_size=300, padding_side="right")
    assert right(["a", "a b c"], padding=True)["input_ids"][0][-1] == right.pad_token_id


def test_vocab_size_is_respected() -> None:
    from assets_tests.ml.ml_synthetic import tokenizer_corpus

    small = train_tokenizer(tokenizer_corpus(), vocab_size=300)
    assert len(small) <= 300
    assert len(train_tokenizer(tokenizer_corpus(), vocab_size=400)) > len(small)
