"""TruthfulQA judges fine-tuned from a local causal LM, the way GPT-judge was made.

Lin et al. (2022) fine-tuned GPT-3 on the judge files to answer " yes" or " no" after
``"Q: ...\\nA: ...\\nTrue:"`` (``Helpful:`` for the informativeness judge). This module does the
same with any local causal LM folder, e.g. SmolLM2-135M-Instruct imported from its GGUF: LoRA
adapters on the attention projections, trained with the cross-entropy of the two answer
tokens at the end of the prompt, merged into the weights before saving. The saved folder is a
plain Hugging Face causal LM that :func:`.judges.load_judge` reads back as a
:class:`.judges.CausalLMJudge`.

The split is :func:`.judges.train_judge`'s (same ``test_fraction`` and ``seed``): a MiniLM judge
and an LM judge trained with the same seed hold out the same questions, so their held-out
accuracies are paired on the same rows (:func:`.judge_probes.held_out_accuracy`).

By default the LM judge learns from the human labels alone, as the original did; the probe
set (:mod:`.judge_probes`) shows whether that is enough to fail garbage.
``synthetic_fraction`` adds the MiniLM judges' synthetic rows to compare.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from safety_assets.evaluation.embedding import group_split, subsample
from safety_assets.evaluation.judges import (
    CausalLMJudge,
    JudgeExample,
    _check_kind,
    judge_batch,
    judge_prompt,
    load_judge_file,
    synthetic_examples,
    yes_no_logits,
    yes_no_tokens,
)
from safety_assets.evaluation.truthfulqa import load_truthfulqa, references_by_question
from safety_assets.ml.modeling import LoraSettings, apply_lora, merged

MARKER = "lm_judge.json"


@dataclass
class LMJudgeConfig:
    """How an LM judge is fine-tuned (defaults: SmolLM2-135M on two CPU cores in minutes).

    ``train_rows`` / ``eval_rows`` / ``test_fraction`` / ``seed`` mean what they mean in
    :class:`.judges.JudgeConfig`; keep the last two equal to compare the two kinds of judge
    on the same held-out questions.
    """

    train_rows: int | None = 2000
    eval_rows: int | None = 2000
    test_fraction: float = 0.2
    seed: int = 0
    epochs: float = 1.0
    batch_size: int = 16
    learning_rate: float = 3e-4
    max_tokens: int = 160            # prompts are cut from the left beyond this
    synthetic_fraction: float = 0.0  # the original recipe: human labels only
    lora: LoraSettings = field(default_factory=LoraSettings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def train_lm_judge(
    base_folder: str | Path,
    source: str | Path | Sequence[JudgeExample],
    kind: str,
    out_dir: str | Path,
    *,
    config: LMJudgeConfig | None = None,
    references: str | Path | None = None,
    device: str = "cpu",
) -> tuple[CausalLMJudge, dict[str, Any]]:
    """Fine-tune ``base_folder`` into a ``kind`` judge saved in ``out_dir``; (judge, figures).

    ``source``: the judge file (``finetune_truth.jsonl`` / ``finetune_info.jsonl``) or its rows.
    ``references``: TruthfulQA.csv, needed only for synthetic reference rows.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kind = _check_kind(kind)
    config = config or LMJudgeConfig()
    started = time.perf_counter()
    examples = list(source) if not isinstance(source, str | Path) else \
        load_judge_file(source)
    if not examples:
        raise ValueError("no judge rows to train on")
    train_idx, test_idx = group_split([e.question for e in examples], config.test_fraction,
                                      config.seed)
    keys = [f"{e.question}\n{e.answer}" for e in examples]
    train_questions = sorted({examples[i].question for i in train_idx})
    train = [examples[i] for i in subsample(train_idx, config.train_rows, config.seed, keys)]
    n_human = len(train)
    if config.synthetic_fraction > 0:
        refs = references_by_question(load_truthfulqa(references)) if references else None
        train += synthetic_examples(kind, train_questions, refs,
                                    round(config.synthetic_fraction * n_human), config.seed)

    torch.manual_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(str(base_folder), local_files_only=True)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(str(base_folder), local_files_only=True,
                                                 dtype=torch.float32).to(device)
    shared, yes, no = yes_no_tokens(tokenizer)
    model = apply_lora(model, config.lora, "causal_lm")
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=config.learning_rate)
    steps = max(1, math.ceil(config.epochs * len(train) / config.batch_size))
    order = random.Random(config.seed)
    losses: list[float] = []
    queue: list[int] = []
    for step in range(steps):
        if len(queue) < config.batch_size:
            fresh = list(range(len(train)))
            order.shuffle(fresh)
            queue += fresh
        batch = [train[i] for i in queue[: config.batch_size]]
        del queue[: config.batch_size]
        ids, mask, last = judge_batch(tokenizer, [judge_prompt(e.question, e.answer, kind)
                                                  for e in batch], shared, config.max_tokens,
                                      device)
        logits = yes_no_logits(model, ids, mask, last, yes, no)
        # Class 0 is " yes": the label "truthful" / "informative".
        target = torch.tensor([0 if e.label else 1 for e in batch], device=device)
        loss = torch.nn.functional.cross_entropy(logits, target)
        optimizer.zero_grad()
        loss.backward()
        # Linear decay: the last steps move the adapters least.
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * (1 - step / steps)
        optimizer.step()
        losses.append(float(loss.detach()))

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plain = merged(model).eval()
    plain.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    figures = {
        "kind": kind, "base": str(base_folder), "train_rows": n_human,
        "synthetic_train_rows": len(train) - n_human, "steps": steps,
        "n_train_questions": len(train_questions),
        "n_test_questions": len({examples[i].question for i in test_idx}),
        "first_loss": round(sum(losses[:10]) / len(losses[:10]), 4),
        "last_loss": round(sum(losses[-10:]) / len(losses[-10:]), 4),
        "seconds_training": round(time.perf_counter() - started, 1),
        "config": config.to_dict(),
    }
    (out / MARKER).write_text(json.dumps(figures, indent=1))
    judge = CausalLMJudge(out, kind, device=device, max_tokens=config.max_tokens)
    return judge, figures
