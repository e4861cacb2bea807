"""Tokenisation and batching for the three training tasks.

Row formats (JSONL, one object per line):

- pretrain: ``{"text"}``
- sft: ``{"prompt", "response", "history", "system"}`` (history and system optional)
- reward: ``{"prompt", "history", "chosen", "rejected", "strength"}``, optionally ``"system"``
  and the per-response safety labels ``"chosen_safe"``, ``"rejected_safe"`` (bool or null).

Dialogue rows are formatted with :func:`chat_format.render_example`: the model's own chat
template when its tokenizer has one, the Llama 2 format otherwise. Prompt and answer are
tokenized separately and their ids concatenated, so the prompt's ids are exactly those
generation starts from and no token straddles the prompt/answer boundary.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from transformers import PreTrainedTokenizerBase

from safety_assets.ml.chat_format import render_example
from safety_assets.ml.losses import margins_for

IGNORE_INDEX = -100  # the label value torch's cross-entropy (and transformers) skips
Task = Literal["pretrain", "sft", "reward"]


def read_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON: {error}") from None
    return rows


def write_jsonl(rows: Iterable[Mapping[str, Any]], path: str | os.PathLike[str]) -> None:
    with Path(path).open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _encode(tokenizer: PreTrainedTokenizerBase, texts: list[str]) -> list[list[int]]:
    # add_special_tokens=False: chat_format already writes <s> and </s> into the text, and a
    # tokenizer that adds BOS itself (Llama 2's does) would double it.
    if not texts:
        return []
    return tokenizer(texts, add_special_tokens=False)["input_ids"]


def pretrain_blocks(
    texts: Sequence[str], tokenizer: PreTrainedTokenizerBase, block_size: int
) -> list[dict[str, list[int]]]:
    """Documents as ``<s> text </s>``, concatenated and cut into blocks of ``block_size`` tokens.

    Packing wastes no compute on padding. A final partial block is kept (it is padded and
    masked by the collator) so a corpus smaller than one block still trains.
    """
    stream: list[int] = []
    for ids in _encode(tokenizer, [t for t in texts if t]):
        stream.append(tokenizer.bos_token_id)
        stream.extend(ids)
        stream.append(tokenizer.eos_token_id)
    blocks = [stream[i : i + block_size] for i in range(0, len(stream), block_size)]
    return [{"input_ids": block} for block in blocks if len(block) >= 2]


def truncate_keeping_answer(
    prompt: list[int], answer: list[int], max_length: int, bos_id: int | None
) -> tuple[list[int], list[int]]:
    """Cut ``prompt + answer`` to ``max_length`` so the answer's start survives.

    Long prompts lose their oldest tokens (the end of the prompt, with the latest user turn and
    ``[/INST]``, is what the answer depends on), but keep at least half the budget when the
    answer is long; long answers lose their end. A left-cut prompt gets ``<s>`` back.
    """
    if len(prompt) + len(answer) <= max_length:
        return prompt, answer
    keep_prompt = min(len(prompt), max(max_length - len(answer), max_length // 2))
    if keep_prompt < len(prompt):
        if bos_id is not None and keep_prompt > 1:
            prompt = [bos_id] + prompt[len(prompt) - keep_prompt + 1 :]
        else:
            prompt = prompt[len(prompt) - keep_prompt :]
    return prompt, answer[: max_length - len(prompt)]


def _dialogue(
    tokenizer: PreTrainedTokenizerBase, row: Mapping[str, Any], answer_key: str
) -> tuple[str, str]:
    return render_example(
        tokenizer, str(row["prompt"]), str(row[answer_key]), row.get("history"),
        row.get("system"),
    )


def sft_examples(
    rows: Sequence[Mapping[str, Any]], tokenizer: PreTrainedTokenizerBase, max_length: int
) -> list[dict[str, list[int]]]:
    """``input_ids`` = prompt + answer; ``labels`` = -100 on the prompt, so the loss is on the
    answer only (section 3.1: "we zero-out the loss on tokens from the user prompt")."""
    pairs = [_dialogue(tokenizer, row, "response") for row in rows]
    prompts = _encode(tokenizer, [p for p, _ in pairs])
    answers = _encode(tokenizer, [a for _, a in pairs])
    examples = []
    for prompt, answer in zip(prompts, answers, strict=True):
        prompt, answer = truncate_keeping_answer(prompt, answer, max_length, tokenizer.bos_token_id)
        examples.append({
            "input_ids": prompt + answer,
            "labels": [IGNORE_INDEX] * len(prompt) + answer,
        })
    return examples


def _safety_label(value: Any) -> int:
    # 1 safe, 0 unsafe, -1 unknown (the sign term skips those).
    if value is None or value == "":
        return -1
    if isinstance(value, str):
        return 1 if value.strip().lower() in ("1", "true", "safe", "yes") else 0
    return 1 if bool(value) else 0


def pair_examples(
    rows: Sequence[Mapping[str, Any]],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    table: Mapping[str, float],
) -> list[dict[str, Any]]:
    """Preference pairs: prompt + chosen, prompt + rejected, and the margin of the strength."""
    chosen_pairs = [_dialogue(tokenizer, row, "chosen") for row in rows]
    rejected_texts = [_dialogue(tokenizer, row, "rejected")[1] for row in rows]
    prompts = _encode(tokenizer, [p for p, _ in chosen_pairs])
    chosen = _encode(tokenizer, [a for _, a in chosen_pairs])
    rejected = _encode(tokenizer, rejected_texts)
    margins = margins_for([row.get("strength") for row in rows], table).tolist()
    examples = []
    for index, row in enumerate(rows):
        p_c, a_c = truncate_keeping_answer(
            prompts[index], chosen[index], max_length, tokenizer.bos_token_id)
        p_r, a_r = truncate_keeping_answer(
            prompts[index], rejected[index], max_length, tokenizer.bos_token_id)
        examples.append({
            "chosen_ids": p_c + a_c,
            "rejected_ids": p_r + a_r,
            "margin": margins[index],
            "strength": row.get("strength") or "negligibly_better",
            "chosen_safe": _safety_label(row.get("chosen_safe")),
            "rejected_safe": _safety_label(row.get("rejected_safe")),
        })
    return examples


def build_examples(
    task: Task,
    rows: Sequence[Mapping[str, Any]],
    tokenizer: PreTrainedTokenizerBase,
    max_length: int,
    table: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    if task == "pretrain":
        return pretrain_blocks([str(row["text"]) for row in rows], tokenizer, max_length)
    if task == "sft":
        return sft_examples(rows, tokenizer, max_length)
    if task == "reward":
        if table is None:
            raise ValueError("reward examples need a margin table")
        return pair_examples(rows, tokenizer, max_length, table)
    raise ValueError(f"unknown task {task!r}")


def pad_sequences(
    sequences: Sequence[Sequence[int]], value: int, side: Literal["left", "right"] = "right"
) -> torch.Tensor:
    width = max(len(s) for s in sequences)
    out = torch.full((len(sequences), width), value, dtype=torch.long)
    for row, seq in enumerate(sequences):
        if not seq:
            continue
        if side == "right":
            out[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        else:
            out[row, width - len(seq) :] = torch.tensor(seq, dtype=torch.long)
    return out


@dataclass
class CausalLMCollator:
    """Pads ``input_ids``; labels are the inputs (pretrain) or the example's labels (SFT),
    with -100 on padding."""

    pad_token_id: int
    padding_side: Literal["left", "right"] = "right"

    def __call__(self, examples: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        ids = [ex["input_ids"] for ex in examples]
        labels = [ex.get("labels", ex["input_ids"]) for ex in examples]
        input_ids = pad_sequences(ids, self.pad_token_id, self.padding_side)
        mask = pad_sequences([[1] * len(s) for s in ids], 0, self.padding_side)
        return {
            "input_ids": input_ids,
            "attention_mask": mask,
            "labels": pad_sequences(labels, IGNORE_INDEX, self.padding_side),
        }


@dataclass
class PairCollator:
    """One batch of ``2B`` rows, chosen first then rejected, so a pair costs one forward pass
    and both sides are padded alike."""

    pad_token_id: int
    padding_side: Literal["left", "right"] = "right"

    def __call__(self, examples: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        seqs = [ex["chosen_ids"] for ex in examples] + [ex["rejected_ids"] for ex in examples]
        return {
            "input_ids": pad_sequences(seqs, self.pad_token_id, self.padding_side),
            "attention_mask": pad_sequences([[1] * len(s) for s in seqs], 0, self.padding_side),
            "margin": torch.tensor([float(ex["margin"]) for ex in examples]),
            "chosen_safe": torch.tensor([int(ex["chosen_safe"]) for ex in examples]),
            "rejected_safe": torch.tensor([int(ex["rejected_safe"]) for ex in examples]),
            "strength": [str(ex["strength"]) for ex in examples],
        }


def collator_for(
    task: Task, pad_token_id: int, padding_side: Literal["left", "right"] = "right"
) -> CausalLMCollator | PairCollator:
    if task == "reward":
        return PairCollator(pad_token_id, padding_side)
    return CausalLMCollator(pad_token_id, padding_side)
