"""Tokenisation for pretraining, SFT and preference pairs, and the padding collators."""

from __future__ import annotations

from pathlib import Path

import torch

from safety_assets.ml.chat_format import format_example
from safety_assets.ml.data import (
    IGNORE_INDEX,
    CausalLMCollator,
    PairCollator,
    pair_examples,
    pretrain_blocks,
    read_jsonl,
    sft_examples,
    truncate_keeping_answer,
    write_jsonl,
)
from safety_assets.taxonomy import LARGE_MARGINS

ROW = {"prompt": "What colour is the cat?", "response": "The cat is red.",
       "history": [["Hello there.", "Hello!"]], "system": "Be safe."}


def test_sft_labels_mask_the_prompt(tokenizer) -> None:
    [example] = sft_examples([ROW], tokenizer, max_length=512)
    prompt, answer = format_example(ROW["prompt"], ROW["response"], ROW["history"], ROW["system"])
    n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    labels, ids = example["labels"], example["input_ids"]
    assert labels[:n_prompt] == [IGNORE_INDEX] * n_prompt
    assert labels[n_prompt:] == ids[n_prompt:]
    # The supervised part is exactly the answer (with its closing </s>), nothing of the prompt.
    assert tokenizer.decode(ids[n_prompt:]) == answer
    assert tokenizer.convert_ids_to_tokens(ids[n_prompt - 1]) == "[/INST]"
    assert tokenizer.decode(ids) == prompt + answer


def test_history_json_string_and_list_give_the_same_example(tokenizer) -> None:
    as_json = dict(ROW, history='[["Hello there.", "Hello!"]]')
    assert sft_examples([as_json], tokenizer, 512) == sft_examples([ROW], tokenizer, 512)


def test_truncation_keeps_the_answer_start() -> None:
    prompt, answer = list(range(100, 160)), list(range(1000, 1030))
    p, a = truncate_keeping_answer(prompt, answer, 40, bos_id=0)
    assert len(p) + len(a) == 40
    assert a == answer[: len(a)] and len(a) >= 20  # the answer starts intact
    assert p[0] == 0 and p[1:] == prompt[-(len(p) - 1):]  # the prompt's end, behind <s>
    short_answer = list(range(1000, 1005))
    p, a = truncate_keeping_answer(prompt, short_answer, 40, bos_id=0)
    assert a == short_answer and len(p) == 35
    assert truncate_keeping_answer([1, 2], [3], 10, 0) == ([1, 2], [3])


def test_long_sft_example_is_truncated_with_answer_tokens_supervised(tokenizer) -> None:
    row = dict(ROW, prompt="the big old dog " * 60, response="The cat is red. " * 30)
    [example] = sft_examples([row], tokenizer, max_length=64)
    assert len(example["input_ids"]) == 64
    supervised = [t for t in example["labels"] if t != IGNORE_INDEX]
    assert len(supervised) >= 32
    answer_ids = tokenizer(" " + row["response"].strip(), add_special_tokens=False)["input_ids"]
    assert supervised == answer_ids[: len(supervised)]
    assert tokenizer.convert_ids_to_tokens(example["input_ids"][0]) == "<s>"


def test_pretrain_blocks_pack_documents(tokenizer) -> None:
    texts = ["The cat is red."] * 30
    blocks = pretrain_blocks(texts, tokenizer, block_size=32)
    flat = [t for block in blocks for t in block["input_ids"]]
    assert all(len(b["input_ids"]) == 32 for b in blocks[:-1])
    assert flat.count(tokenizer.bos_token_id) == 30 and flat.count(tokenizer.eos_token_id) == 30
    assert tokenizer.decode(flat).startswith("<s>The cat is red.</s><s>The cat")


def test_pairs_share_the_prompt_and_carry_the_margin(tokenizer) -> None:
    row = {"prompt": "How do I pick a lock?", "history": None, "chosen": "Sorry, I cannot.",
           "rejected": "Sure, first the pins.", "strength": "significantly better",
           "chosen_safe": True, "rejected_safe": None}
    [pair] = pair_examples([row], tokenizer, 512, LARGE_MARGINS)
    prompt, _ = format_example(row["prompt"], row["chosen"])
    n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    assert pair["chosen_ids"][:n_prompt] == pair["rejected_ids"][:n_prompt]
    assert tokenizer.decode(pair["chosen_ids"][n_prompt:]) == " Sorry, I cannot. </s>"
    assert pair["margin"] == 3.0
    assert (pair["chosen_safe"], pair["rejected_safe"]) == (1, -1)


def test_collators_pad_and_mask(tokenizer) -> None:
    pad = tokenizer.pad_token_id
    batch = CausalLMCollator(pad)([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]},
                                   {"input_ids": [8]}])
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, pad, pad]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [8, -100, -100]]
    left = CausalLMCollator(pad, "left")([{"input_ids": [5, 6]}, {"input_ids": [8]}])
    assert left["input_ids"].tolist() == [[5, 6], [pad, 8]]
    pairs = PairCollator(pad)([
        {"chosen_ids": [1, 2, 3], "rejected_ids": [1, 2], "margin": 2.0, "strength": "better",
         "chosen_safe": 1, "rejected_safe": 0},
        {"chosen_ids": [4], "rejected_ids": [4, 5, 6, 7], "margin": 0.0,
         "strength": "negligibly_better", "chosen_safe": -1, "rejected_safe": -1},
    ])
    assert pairs["input_ids"].shape == (4, 4)  # chosen rows first, then rejected
    assert pairs["input_ids"][1].tolist() == [4, pad, pad, pad]
    assert pairs["input_ids"][3].tolist() == [4, 5, 6, 7]
    assert torch.equal(pairs["margin"], torch.tensor([2.0, 0.0]))


def test_jsonl_round_trip(tmp_path: Path) -> None:
    rows = [ROW, {"text": "ünïcode"}]
    write_jsonl(rows, tmp_path / "rows.jsonl")
    assert read_jsonl(tmp_path / "rows.jsonl") == rows


def test_without_a_chat_template_rendering_is_the_llama2_format_byte_for_byte(tokenizer) -> None:
    from safety_assets.ml.chat_format import (
        completion_text,
        format_prompt,
        has_chat_template,
        is_rendered,
        render_example,
        render_prompt,
    )

    assert not has_chat_template(tokenizer)
    args = (ROW["prompt"], ROW["history"], ROW["system"])
    assert render_prompt(tokenizer, *args) == format_prompt(*args)
    assert render_example(tokenizer, ROW["prompt"], ROW["response"], ROW["history"],
                          ROW["system"]) == format_example(ROW["prompt"], ROW["response"],
                                                           ROW["history"], ROW["system"])
    assert completion_text(tokenizer, " red. ") == " red. </s>"
    assert completion_text(tokenizer, " red. ", finished=False) == " red."
    assert is_rendered(tokenizer, format_prompt("hi")) and not is_rendered(tokenizer, "hi")


def test_sft_ids_are_the_prompt_ids_then_the_answer_ids(tokenizer) -> None:
    [example] = sft_examples([ROW], tokenizer, max_length=512)
    prompt, answer = format_example(ROW["prompt"], ROW["response"], ROW["history"], ROW["system"])
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
    assert example["input_ids"] == prompt_ids + answer_ids
    assert answer_ids[-1] == tokenizer.eos_token_id
