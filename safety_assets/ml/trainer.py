"""One training loop for pretraining, SFT and reward modelling, built on ``accelerate``.

The same code runs on a CPU, one GPU, or N processes under ``accelerate launch`` (DDP).
It is written out by hand rather than with ``transformers.Trainer`` / TRL so that three things
the pipeline depends on are explicit and tested:

- resumption: every ``save_every`` steps the full state (weights, optimiser, scheduler, RNG,
  step, loss history) goes to ``output_dir/_state``; a re-run with the same ``output_dir``
  continues from there, and the data order is a pure function of (seed, epoch), so a killed
  run that resumes sees the same batches as one that was never interrupted;
- the final model appears atomically as ``output_dir/model`` (see ``save_atomically``);
- the metrics Dagster records (``metrics.json``) are computed the same way for every task.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from accelerate.utils import gather_object, set_seed

from safety_assets.ml.data import (
    IGNORE_INDEX,
    Task,
    build_examples,
    collator_for,
    read_jsonl,
)
from safety_assets.ml.losses import accuracy_by_strength, margin_table, reward_model_loss
from safety_assets.ml.modeling import (
    LoraSettings,
    apply_lora,
    build_model,
    count_parameters,
    merged,
    save_atomically,
)
from safety_assets.ml.tokenizer import load_tokenizer

STATE_DIR = "_state"
MODEL_DIR = "model"
METRICS_FILE = "metrics.json"
PROGRESS_FILE = "progress.json"  # inside the state folder; written last, so it marks it complete

# Learning rates when the spec leaves ``lr`` unset. ``local``: the paper's values for real
# models (pretraining 3e-4, SFT 2e-5, reward models 1e-5). ``tiny``: a few-million-parameter
# model trained for a few hundred steps learns nothing at 2e-5; these are what it needs.
# With LoRA the adapters start at zero and need a larger rate than full fine-tuning.
DEFAULT_LR: dict[str, dict[str, float]] = {
    "tiny": {"pretrain": 1e-3, "sft": 1e-3, "reward": 5e-4},
    "local": {"pretrain": 3e-4, "sft": 2e-5, "reward": 1e-5},
    "local_lora": {"pretrain": 2e-4, "sft": 2e-4, "reward": 1e-4},
}

# Per-task defaults that differ from the dataclass's: the paper's two SFT epochs (3.1) and one
# reward-model epoch (3.2.2); pretraining is the tiny profile's (eight passes over the ~300k
# token corpus, about a minute on 2 cores, where the tiny model starts writing English). Batch
# sizes are per process and sized for 2 CPU cores (the paper: 64 for SFT, 512 pairs for RMs).
TASK_DEFAULTS: dict[str, dict[str, Any]] = {
    "pretrain": {"epochs": 8.0, "batch_size": 16},
    "sft": {"epochs": 2.0, "batch_size": 16},
    "reward": {"epochs": 1.0, "batch_size": 8},
}


@dataclass
class TrainSpec:
    """Everything one training run needs; JSON round-trips through :meth:`to_json`.

    Paths are local. ``init_from`` is a model folder or ``"scratch"`` (a tiny Llama sized by
    ``hidden``/``layers``/``heads``). ``batch_size`` is per process; one optimiser step sees
    ``batch_size * grad_accum * num_processes`` examples (pairs, for the reward task).
    ``max_steps > 0`` overrides ``epochs``.
    """

    task: Task
    output_dir: str
    tokenizer: str
    train_data: str
    eval_data: str | None = None
    init_from: str = "scratch"
    profile: Literal["tiny", "local"] = "tiny"
    epochs: float = 1.0
    max_steps: int = 0
    lr: float | None = None
    weight_decay: float = 0.1
    warmup_ratio: float = 0.03
    min_lr_ratio: float = 0.1  # cosine decay to 10% of the peak rate (section 3.2.2)
    adam_beta1: float = 0.9
    adam_beta2: float = 0.95
    adam_eps: float = 1e-5
    max_grad_norm: float = 1.0
    batch_size: int = 8
    grad_accum: int = 1
    eval_batch_size: int | None = None
    max_length: int = 512
    seed: int = 0
    margin_table: str = "large"
    sign_coef: float = 0.0
    center_coef: float = 0.0
    save_every: int = 50
    log_every: int = 10
    keep_state: bool = True
    hidden: int = 256
    layers: int = 4
    heads: int = 4
    max_position_embeddings: int | None = None
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    mixed_precision: Literal["auto", "no", "bf16", "fp16"] = "auto"
    lora_r: int = 0
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: list[str] = field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"]
    )
    gradient_checkpointing: bool = False
    padding_side: Literal["left", "right"] = "right"
    cpu: bool = False  # train on the CPU even where a GPU is available

    def __post_init__(self) -> None:
        if self.task not in ("pretrain", "sft", "reward"):
            raise ValueError(f"unknown task {self.task!r}")
        if self.batch_size < 1 or self.grad_accum < 1:
            raise ValueError("batch_size and grad_accum must be >= 1")
        if self.max_steps <= 0 and self.epochs <= 0:
            raise ValueError("set epochs > 0 or max_steps > 0")
        margin_table(self.margin_table)  # fail early on a typo

    @property
    def learning_rate(self) -> float:
        if self.lr is not None:
            return self.lr
        profile = "local_lora" if self.profile == "local" and self.lora_r > 0 else self.profile
        return DEFAULT_LR[profile][self.task]

    @classmethod
    def for_task(cls, task: Task, **fields: Any) -> TrainSpec:
        """A spec with the task's defaults (:data:`TASK_DEFAULTS`) under ``fields``. The data
        and output paths may be left out for whoever stages the job to fill in."""
        fields.setdefault("output_dir", "")
        fields.setdefault("train_data", "")
        return cls(task=task, **{**TASK_DEFAULTS[task], **fields})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainSpec:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown TrainSpec fields: {unknown}")
        return cls(**values)

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> TrainSpec:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Progress:
    """What the progress callback gets (on the main process only)."""

    step: int
    total_steps: int
    loss: float
    tokens_per_s: float
    eta_s: float
    lr: float


ProgressFn = Callable[[Progress], None]


def cosine_with_warmup(
    total_steps: int, warmup_ratio: float = 0.03, min_lr_ratio: float = 0.1
) -> Callable[[int], float]:
    """LR multiplier per step: linear warm-up, then cosine down to ``min_lr_ratio``."""
    warmup = math.ceil(warmup_ratio * total_steps)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup  # not 0 at step 0: a step at lr 0 is wasted
        span = max(1, total_steps - warmup)
        done = min(1.0, (step - warmup) / span)
        return min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * done))

    return factor


def _write_json_atomically(data: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_progress(folder: Path) -> dict[str, Any] | None:
    file = folder / PROGRESS_FILE
    if not file.is_file():
        return None
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


# Fields that may change between a run and its resumption; any other change means the saved
# state belongs to a different experiment, and resuming from it would be wrong.
_RESUMABLE_CHANGES = frozenset({
    "epochs", "max_steps", "save_every", "log_every", "keep_state", "eval_data",
    "eval_batch_size",
})


class Trainer:
    """A training run of one :class:`TrainSpec`. ``train(spec)`` is the usual entry point;
    the class exists so callers (tests, benchmarks) can reach the model and accelerator."""

    def __init__(self, spec: TrainSpec, progress: ProgressFn | None = None) -> None:
        self.spec = spec
        self.progress = progress
        self.output_dir = Path(spec.output_dir)
        self.state_dir = self.output_dir / STATE_DIR
        self.model_dir = self.output_dir / MODEL_DIR
        self.metrics_path = self.output_dir / METRICS_FILE
        mixed = spec.mixed_precision
        if mixed == "auto":
            mixed = "bf16" if torch.cuda.is_available() else "no"
        # cpu=True where there is no GPU: under torchrun (`accelerate launch --multi_gpu`)
        # accelerate only sets up gloo data parallelism (MULTI_CPU) when told it is on a CPU;
        # otherwise each process would silently train alone.
        # step_scheduler_with_optimizer=False: accelerate would otherwise step the scheduler
        # num_processes times per optimiser step; our schedule counts optimiser steps.
        self.accelerator = Accelerator(
            cpu=spec.cpu or not torch.cuda.is_available(),
            mixed_precision="no" if spec.cpu else mixed,
            step_scheduler_with_optimizer=False,
        )
        self.kind = "reward" if spec.task == "reward" else "causal_lm"
        self.model: torch.nn.Module | None = None

    # -- data --------------------------------------------------------------------------------

    def _load_data(self) -> None:
        spec = self.spec
        self.tokenizer = load_tokenizer(spec.tokenizer, padding_side=spec.padding_side)
        table = margin_table(spec.margin_table)
        self.train_examples = build_examples(
            spec.task, read_jsonl(spec.train_data), self.tokenizer, spec.max_length, table)
        if not self.train_examples:
            raise ValueError(f"{spec.train_data}: no training examples")
        self.eval_examples = (
            build_examples(spec.task, read_jsonl(spec.eval_data), self.tokenizer,
                           spec.max_length, table)
            if spec.eval_data else []
        )
        self.collate = collator_for(spec.task, self.tokenizer.pad_token_id, spec.padding_side)
        processes = self.accelerator.num_processes
        per_micro = spec.batch_size * processes
        # Micro-batches per epoch across all processes; the last one may be short.
        self.micro_per_epoch = math.ceil(len(self.train_examples) / per_micro)
        self.steps_per_epoch = math.ceil(self.micro_per_epoch / spec.grad_accum)
        if spec.max_steps > 0:
            self.total_steps = spec.max_steps
        else:
            self.total_steps = max(1, math.ceil(spec.epochs * self.steps_per_epoch))
        self._order_cache: dict[int, list[int]] = {}

    def _epoch_order(self, epoch: int) -> list[int]:
        """The shuffled example order of an epoch: a function of (seed, epoch) only."""
        if epoch not in self._order_cache:
            generator = torch.Generator().manual_seed(self.spec.seed * 100_003 + epoch)
            order = torch.randperm(len(self.train_examples), generator=generator).tolist()
            processes = self.accelerator.num_processes
            # Every process must run the same number of forward/backward passes or DDP hangs:
            # pad the epoch (wrapping around) to a multiple of the process count.
            short = (-len(order)) % processes
            order += (order * (short // max(1, len(order)) + 1))[:short]
            self._order_cache = {epoch: order}
        return self._order_cache[epoch]

    def _micro_batches(self, step: int) -> list[list[int]]:
        """This process's example indices for each micro-batch of optimiser step ``step``."""
        spec = self.spec
        epoch, within = divmod(step, self.steps_per_epoch)
        order = self._epoch_order(epoch)
        processes = self.accelerator.num_processes
        rank = self.accelerator.process_index
        per_micro = spec.batch_size * processes
        first = within * spec.grad_accum
        last = min(first + spec.grad_accum, self.micro_per_epoch)
        groups = []
        for micro in range(first, last):
            chunk = order[micro * per_micro : (micro + 1) * per_micro]
            groups.append(chunk[rank::processes])
        return groups

    # -- model -------------------------------------------------------------------------------

    def _build(self) -> None:
        spec = self.spec
        accelerator = self.accelerator
        # "auto": bf16 weights on a GPU for real (local) models, where fp32 weights plus Adam
        # state would not fit; the tiny profile keeps fp32 master weights (autocast still
        # computes in bf16 on a GPU).
        dtype = spec.dtype if spec.dtype != "auto" or spec.profile == "local" else "float32"
        model = build_model(
            self.kind, spec.init_from, self.tokenizer,
            hidden=spec.hidden, layers=spec.layers, heads=spec.heads,
            max_position_embeddings=spec.max_position_embeddings or max(spec.max_length, 512),
            seed=spec.seed, dtype=dtype, device=accelerator.device,
        )
        if spec.gradient_checkpointing:
            model.gradient_checkpointing_enable()
            if spec.lora_r > 0:
                model.enable_input_require_grads()
        if spec.lora_r > 0:
            lora = LoraSettings(r=spec.lora_r, alpha=spec.lora_alpha, dropout=spec.lora_dropout,
                                target_modules=list(spec.lora_target_modules))
            model = apply_lora(model, lora, self.kind)
        self.num_parameters = count_parameters(model)
        self.trainable_parameters = count_parameters(model, trainable_only=True)
        decay, no_decay = [], []
        for name, param in model.named_parameters():
            if not param.requires_grad:
                continue
            # Weight decay on matrices only: decaying norm gains and biases pulls them to 0.
            (decay if param.ndim >= 2 and "norm" not in name else no_decay).append(param)
        optimizer = torch.optim.AdamW(
            [{"params": decay, "weight_decay": spec.weight_decay},
             {"params": no_decay, "weight_decay": 0.0}],
            lr=spec.learning_rate, betas=(spec.adam_beta1, spec.adam_beta2), eps=spec.adam_eps,
        )
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, cosine_with_warmup(self.total_steps, spec.warmup_ratio, spec.min_lr_ratio))
        self.model, self.optimizer, self.scheduler = accelerator.prepare(
            model, optimizer, scheduler)

    # -- checkpoints -------------------------------------------------------------------------

    def _resume_source(self) -> Path | None:
        """The newest complete state folder, if any.

        ``_state.prev`` only exists if a run died between the two renames of a checkpoint
        swap; ``_state.tmp`` is a save that never finished and is ignored.
        """
        for folder in (self.state_dir, self.state_dir.with_name(STATE_DIR + ".prev")):
            if _read_progress(folder) is not None:
                return folder
        return None

    def _check_compatible(self, saved: Mapping[str, Any]) -> None:
        before = saved.get("spec", {})
        now = self.spec.to_dict()
        changed = sorted(
            k for k in now
            if k not in _RESUMABLE_CHANGES and k != "output_dir" and before.get(k) != now[k]
        )
        if changed:
            raise ValueError(
                f"{self.output_dir} holds the state of a different run (changed: {changed}); "
                "use a new output_dir or delete the old one")

    def _save_state(self, step: int) -> None:
        accelerator = self.accelerator
        tmp = self.state_dir.with_name(STATE_DIR + ".tmp")
        prev = self.state_dir.with_name(STATE_DIR + ".prev")
        if accelerator.is_main_process and tmp.exists():
            shutil.rmtree(tmp)
        accelerator.wait_for_everyone()
        accelerator.save_state(str(tmp))  # every rank writes its RNG state
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            _write_json_atomically(self._progress_record(step), tmp / PROGRESS_FILE)
            # Swap in two renames; _resume_source covers a death between them.
            if self.state_dir.exists():
                if prev.exists():
                    shutil.rmtree(prev)
                os.replace(self.state_dir, prev)
            os.replace(tmp, self.state_dir)
            shutil.rmtree(prev, ignore_errors=True)
        accelerator.wait_for_everyone()

    def _progress_record(self, step: int) -> dict[str, Any]:
        return {
            "step": step,
            "total_steps": self.total_steps,
            "losses": self.history,
            "tokens_seen": self.tokens_seen,
            "train_time_s": self.train_time_s,
            "wall_time_s": self.wall_time_before + (time.perf_counter() - self.started),
            "segments": self.segments,
            "spec": self.spec.to_dict(),
        }

    # -- losses ------------------------------------------------------------------------------

    def _to_device(self, batch: dict[str, Any]) -> dict[str, Any]:
        device = self.accelerator.device
        return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}

    def _loss(self, batch: dict[str, Any]) -> tuple[torch.Tensor, int, float | None]:
        """(loss, input tokens, pair accuracy or None) for one micro-batch."""
        assert self.model is not None
        tokens = int(batch["attention_mask"].sum())
        if self.kind == "causal_lm":
            out = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                             labels=batch["labels"])
            return out.loss, tokens, None
        rewards = self.model(input_ids=batch["input_ids"],
                             attention_mask=batch["attention_mask"]).logits.squeeze(-1)
        half = rewards.shape[0] // 2
        r_c, r_r = rewards[:half], rewards[half:]
        loss = reward_model_loss(
            r_c, r_r, batch["margin"],
            chosen_safe=batch["chosen_safe"], rejected_safe=batch["rejected_safe"],
            sign_coef=self.spec.sign_coef, center_coef=self.spec.center_coef,
        )
        return loss, tokens, float((r_c > r_r).float().mean())

    @torch.no_grad()
    def evaluate(self) -> dict[str, Any]:
        """Held-out loss (token-weighted) for LM tasks; accuracy and ranking loss for reward."""
        if not self.eval_examples or self.model is None:
            return {}
        accelerator = self.accelerator
        # The bare module: DDP's forward may sync buffers, and ranks hold unequal shards here.
        model = accelerator.unwrap_model(self.model)
        was_training = model.training
        model.eval()
        shard = self.eval_examples[accelerator.process_index :: accelerator.num_processes]
        size = self.spec.eval_batch_size or self.spec.batch_size
        results: list[Any] = []
        loss_sum, token_count = 0.0, 0
        with accelerator.autocast():
            for start in range(0, len(shard), size):
                batch = self._to_device(self.collate(shard[start : start + size]))
                if self.kind == "causal_lm":
                    logits = model(input_ids=batch["input_ids"],
                                   attention_mask=batch["attention_mask"]).logits.float()
                    labels = batch["labels"][:, 1:]
                    loss_sum += float(F.cross_entropy(
                        logits[:, :-1].reshape(-1, logits.shape[-1]), labels.reshape(-1),
                        ignore_index=IGNORE_INDEX, reduction="sum"))
                    token_count += int((labels != IGNORE_INDEX).sum())
                else:
                    rewards = model(input_ids=batch["input_ids"],
                                    attention_mask=batch["attention_mask"]).logits.squeeze(-1)
                    half = rewards.shape[0] // 2
                    results.extend(zip(rewards[:half].float().tolist(),
                                       rewards[half:].float().tolist(),
                                       batch["margin"].tolist(), batch["strength"], strict=True))
        if was_training:
            model.train()
        if self.kind == "causal_lm":
            totals = torch.tensor([loss_sum, float(token_count)], device=accelerator.device,
                                  dtype=torch.float64)
            totals = accelerator.reduce(totals, reduction="sum")
            loss = float(totals[0] / totals[1]) if totals[1] > 0 else float("nan")
            return {"eval_loss": loss, "eval_perplexity": math.exp(min(loss, 50.0)),
                    "eval_tokens": int(totals[1])}
        if accelerator.num_processes > 1:
            results = gather_object(results)
        chosen = torch.tensor([r[0] for r in results])
        rejected = torch.tensor([r[1] for r in results])
        margins = torch.tensor([r[2] for r in results])
        return {
            "eval_accuracy": float((chosen > rejected).float().mean()),
            "eval_loss": float(reward_model_loss(chosen, rejected, margins)),
            "eval_accuracy_by_strength": accuracy_by_strength(
                chosen.tolist(), rejected.tolist(), [r[3] for r in results]),
            "eval_pairs": len(results),
            "eval_reward_mean": float(torch.cat([chosen, rejected]).mean()),
        }

    # -- the loop ----------------------------------------------------------------------------

    def _completed_metrics(self) -> dict[str, Any] | None:
        """Metrics of a run of this spec that already finished, so a re-run is a no-op."""
        if not (self.metrics_path.is_file() and self.model_dir.is_dir()):
            return None
        metrics = json.loads(self.metrics_path.read_text(encoding="utf-8"))
        if metrics.get("steps") == self.total_steps:
            return metrics
        return None

    def run(self) -> dict[str, Any]:
        spec = self.spec
        accelerator = self.accelerator
        self.started = time.perf_counter()
        self._load_data()
        done = self._completed_metrics()
        if done is not None:
            return done
        self.output_dir.mkdir(parents=True, exist_ok=True)
        set_seed(spec.seed)
        self._build()
        self.history: list[dict[str, Any]] = []
        self.tokens_seen = 0
        self.train_time_s = 0.0
        self.wall_time_before = 0.0
        self.segments = 0
        start_step = 0
        source = self._resume_source()
        if source is not None:
            saved = _read_progress(source) or {}
            self._check_compatible(saved)
            accelerator.load_state(str(source))
            start_step = int(saved["step"])
            if start_step > self.total_steps:
                raise ValueError(
                    f"{self.output_dir} is at step {start_step}, past this spec's "
                    f"{self.total_steps} steps")
            self.history = list(saved["losses"])[:start_step]
            self.tokens_seen = int(saved["tokens_seen"])
            self.train_time_s = float(saved["train_time_s"])
            self.wall_time_before = float(saved["wall_time_s"])
            self.segments = int(saved.get("segments", 0))
        self.segments += 1
        if accelerator.is_main_process:
            spec.to_json(self.output_dir / "spec.json")

        assert self.model is not None
        self.model.train()
        segment_start = time.perf_counter()
        segment_tokens = 0
        for step in range(start_step, self.total_steps):
            t0 = time.perf_counter()
            groups = self._micro_batches(step)
            loss_total = torch.zeros((), device=accelerator.device)
            tokens = 0
            accuracies: list[float] = []
            for index, indices in enumerate(groups):
                batch = self._to_device(self.collate([self.train_examples[i] for i in indices]))
                # Gradients are all-reduced once per optimiser step, not per micro-batch.
                sync = index == len(groups) - 1
                with nullcontext() if sync else accelerator.no_sync(self.model):
                    loss, count, accuracy = self._loss(batch)
                    accelerator.backward(loss / len(groups))
                loss_total += loss.detach().float() / len(groups)
                tokens += count
                if accuracy is not None:
                    accuracies.append(accuracy)
            if spec.max_grad_norm > 0:
                accelerator.clip_grad_norm_(self.model.parameters(), spec.max_grad_norm)
            lr = float(self.scheduler.get_last_lr()[0])
            self.optimizer.step()
            self.scheduler.step()
            self.optimizer.zero_grad(set_to_none=True)

            stats = torch.tensor([float(loss_total), float(tokens),
                                  sum(accuracies) / len(accuracies) if accuracies else 0.0],
                                 device=accelerator.device, dtype=torch.float64)
            stats = accelerator.reduce(stats, reduction="sum")
            processes = accelerator.num_processes
            step_loss = float(stats[0]) / processes
            step_tokens = int(stats[1])
            self.tokens_seen += step_tokens
            segment_tokens += step_tokens
            self.train_time_s += time.perf_counter() - t0
            record: dict[str, Any] = {"step": step + 1, "loss": step_loss, "lr": lr,
                                      "tokens": step_tokens}
            if accuracies:
                record["accuracy"] = float(stats[2]) / processes
            self.history.append(record)

            done_steps = step + 1
            if self.progress is not None and accelerator.is_main_process and (
                done_steps % max(1, spec.log_every) == 0 or done_steps == self.total_steps
            ):
                elapsed = time.perf_counter() - segment_start
                per_step = elapsed / (done_steps - start_step)
                self.progress(Progress(
                    step=done_steps, total_steps=self.total_steps, loss=step_loss,
                    tokens_per_s=segment_tokens / elapsed if elapsed > 0 else 0.0,
                    eta_s=per_step * (self.total_steps - done_steps), lr=lr,
                ))
            if spec.save_every > 0 and done_steps % spec.save_every == 0 \
                    and done_steps < self.total_steps:
                self._save_state(done_steps)

        if spec.keep_state and start_step < self.total_steps:
            # The final state too: a re-run with a larger max_steps continues from here.
            self._save_state(self.total_steps)
        evaluation = self.evaluate()
        metrics = self._metrics(start_step, evaluation, time.perf_counter() - segment_start)
        if accelerator.is_main_process:
            model = merged(accelerator.unwrap_model(self.model))
            save_atomically(model, self.tokenizer, self.model_dir)
            _write_json_atomically(metrics, self.metrics_path)
            if not spec.keep_state:
                shutil.rmtree(self.state_dir, ignore_errors=True)
        accelerator.wait_for_everyone()
        return metrics

    def _metrics(
        self, start_step: int, evaluation: dict[str, Any], segment_s: float
    ) -> dict[str, Any]:
        tail = self.history[-max(1, min(10, len(self.history))) :]
        wall = self.wall_time_before + (time.perf_counter() - self.started)
        return {
            "task": self.spec.task,
            "steps": len(self.history),
            "total_steps": self.total_steps,
            "epochs": len(self.history) / self.steps_per_epoch,
            "resumed_from_step": start_step,
            "segments": self.segments,
            "losses": self.history,
            "final_train_loss": self.history[-1]["loss"] if self.history else float("nan"),
            "final_train_loss_avg10": sum(r["loss"] for r in tail) / len(tail) if tail else None,
            **evaluation,
            "tokens_seen": self.tokens_seen,
            "tokens_per_s": self.tokens_seen / self.train_time_s if self.train_time_s else 0.0,
            "train_time_s": self.train_time_s,
            "segment_train_time_s": segment_s,
            "wall_time_s": wall,
            "num_parameters": self.num_parameters,
            "trainable_parameters": self.trainable_parameters,
            "num_processes": self.accelerator.num_processes,
            "device": str(self.accelerator.device),
            "learning_rate": self.spec.learning_rate,
            "train_examples": len(self.train_examples),
            "model_dir": str(self.model_dir),
        }


def train(spec: TrainSpec, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Run (or resume, or skip if finished) the training of ``spec``; returns the metrics
    also written to ``output_dir/metrics.json``, and leaves the model in ``output_dir/model``."""
    return Trainer(spec, progress).run()


def save_loss_curve(metrics: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """A PNG of the per-step training loss (and the held-out loss as a line)."""
    from safety_assets.plots import figure_to

    steps = [r["step"] for r in metrics.get("losses", [])]
    losses = [r["loss"] for r in metrics.get("losses", [])]
    title = f"{metrics.get('task', '')}: {metrics.get('steps', len(steps))} steps"
    if metrics.get("eval_accuracy") is not None:
        title += f", held-out accuracy {metrics['eval_accuracy']:.3f}"
    with figure_to(path, dpi=100, figsize=(7, 4)) as (_, axis):
        axis.plot(steps, losses, label="train loss", linewidth=1)
        if metrics.get("eval_loss") is not None and steps:
            axis.axhline(metrics["eval_loss"], color="tab:orange", linestyle="--",
                         label=f"held-out loss {metrics['eval_loss']:.3f}")
        axis.set_title(title)
        axis.set_xlabel("optimiser step")
        axis.set_ylabel("loss")
        axis.legend()
    return Path(path)
