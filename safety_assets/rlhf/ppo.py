"""Our own PPO for Llama 2's safety RLHF (section 3.2.3); TRL no longer ships one, and its old
``PPOTrainer`` took a single reward model, not the piecewise safety/helpfulness rule.

Pieces (each a small function, the pure ones unit-tested):

- policy: any causal LM; value head: :class:`ValueHead`, a linear layer on the policy's last
  hidden state, its own module saved beside the policy; reference: a frozen copy of the initial
  policy.
- rollout: sample one answer per prompt (left padded, KV cache), score the batch with the
  user's ``reward_fn(prompts, responses)``; the score is whitened over the batch (the paper's
  WHITEN(LOGIT(R_c)) when ``reward_fn`` returns LOGIT(R_c)), the per-token KL penalty
  ``-beta * (log pi - log pi_0)`` is added at every token and the score at the last one
  (:func:`~safety_assets.rlhf.reward_rules.token_rewards`). A rollout that hit
  ``max_new_tokens`` without EOS is unfinished: ``reward_fn`` is told so (``finished=``) when it
  accepts it, ``missing_eos_penalty`` lowers its score, and ``truncated_share`` is reported.
- advantages: :func:`compute_gae` (gamma 1, lambda 0.95), whitened over the batch.
- update: clipped policy loss (:func:`clipped_policy_loss`) and clipped value loss
  (:func:`clipped_value_loss`); one AdamW step per mini-batch, gradient clipping.

Dropout is off throughout (the model stays in eval mode), so the first mini-batch's ratio is
exactly 1. Everything runs on CPU for tests; on a GPU pass ``device``.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .generation import (
    encode,
    eos_ids_of,
    pad_batch,
    pad_token_id,
    sample_ids,
    seeded,
    truncate_at_eos,
)
from .reward_rules import (
    KL_BETA,
    RewardOutput,
    apply_missing_eos_penalty,
    call_scorer,
    kl_penalty,
    token_rewards,
    whiten,
)

# --------------------------------------------------------------------------- config


@dataclass
class PPOConfig:
    """Every PPO knob; defaults are the Llama 2 paper's where it gives one (section 3.2.3)."""

    learning_rate: float = 1e-6
    adam_betas: tuple[float, float] = (0.9, 0.95)
    adam_eps: float = 1e-5
    weight_decay: float = 0.1
    max_grad_norm: float = 1.0
    cliprange: float = 0.2
    cliprange_value: float = 0.2
    kl_beta: float = KL_BETA  # 0.01 for 7B/13B, 0.005 for 34B/70B
    kl_estimator: str = "kl"
    batch_size: int = 512  # rollouts per iteration
    mini_batch_size: int = 64  # one optimizer step per mini-batch
    ppo_epochs: int = 1  # passes over each batch ("one gradient step per mini-batch")
    micro_batch_size: int | None = None  # gradient accumulation inside a mini-batch
    gamma: float = 1.0
    lam: float = 0.95
    vf_coef: float = 0.1
    value_learning_rate: float | None = None  # None: same as learning_rate
    iterations: int = 200  # the paper ran 200 to 400
    max_new_tokens: int = 256
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int = 0
    whiten_rewards: bool = True  # WHITEN(LOGIT(R_c)) over each batch
    whiten_advantages: bool = True
    max_prompt_tokens: int | None = None  # longer prompts keep their last tokens
    generation_batch_size: int = 64  # prompts per generate call
    forward_batch_size: int = 16  # sequences per no-grad scoring forward
    device: str | None = None  # None: where the policy already is
    gradient_checkpointing: bool = False
    # Subtracted from the score of a rollout that hit max_new_tokens without EOS (TRL's knob):
    # otherwise a truncated answer is rewarded like a finished one and the policy can learn to
    # ramble. None: no penalty.
    missing_eos_penalty: float | None = None
    # LoRA rank of the policy (0: every weight trains). With LoRA the reference policy is
    # the same model with its adapters switched off, so no second full copy is held.
    lora_r: int = 0
    lora_alpha: int = 32
    lora_target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")

    def __post_init__(self) -> None:
        if self.batch_size % self.mini_batch_size:
            raise ValueError(
                f"batch_size {self.batch_size} is not a multiple of mini_batch_size "
                f"{self.mini_batch_size}"
            )
        micro = self.micro_batch_size or self.mini_batch_size
        if self.mini_batch_size % micro:
            raise ValueError("mini_batch_size must be a multiple of micro_batch_size")
        self.adam_betas = tuple(self.adam_betas)  # type: ignore[assignment]
        self.lora_target_modules = tuple(self.lora_target_modules)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- value head


class ValueHead(nn.Module):
    """V(s_t) = w . h_t + b on the policy's last hidden state; float32 whatever the policy."""

    def __init__(self, hidden_size: int, init_std: float = 0.0) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.summary = nn.Linear(hidden_size, 1)
        if init_std > 0:
            nn.init.normal_(self.summary.weight, std=init_std)
        else:
            nn.init.zeros_(self.summary.weight)
        nn.init.zeros_(self.summary.bias)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.summary(hidden_states.to(self.summary.weight.dtype)).squeeze(-1)

    def save_pretrained(self, path: str | Path) -> Path:
        from safetensors.torch import save_file

        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        save_file(state, str(out / "model.safetensors"))
        (out / "config.json").write_text(json.dumps({"hidden_size": self.hidden_size}))
        return out

    @classmethod
    def from_pretrained(cls, path: str | Path) -> ValueHead:
        from safetensors.torch import load_file

        src = Path(path)
        head = cls(json.loads((src / "config.json").read_text())["hidden_size"])
        head.load_state_dict(load_file(str(src / "model.safetensors")))
        return head


VALUE_HEAD_DIR = "value_head"


class AdaptersDisabled:
    """The reference policy of a LoRA policy: the same peft model, called with its adapters
    switched off (peft's ``disable_adapter``), i.e. the initial weights without a copy."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy

    def __call__(self, **kwargs: Any) -> Any:
        with torch.no_grad(), self.policy.disable_adapter():
            return self.policy(**kwargs)

    @property
    def forward(self) -> Any:   # response_forward reads the signature (logits_to_keep)
        return self.policy.get_base_model().forward

    # train_ppo freezes and moves its reference; this one shares the policy's weights, which
    # must keep training, so these leave them alone.
    def to(self, *args: Any, **kwargs: Any) -> AdaptersDisabled:
        return self

    def eval(self) -> AdaptersDisabled:
        return self

    def requires_grad_(self, flag: bool = True) -> AdaptersDisabled:
        return self


def with_lora(policy: Any, config: PPOConfig) -> Any:
    """``policy`` with fresh LoRA adapters of ``config``'s rank (B = 0: it starts equal to
    the reference)."""
    from safety_assets.ml.modeling import LoraSettings, apply_lora

    settings = LoraSettings(r=config.lora_r, alpha=config.lora_alpha,
                            target_modules=list(config.lora_target_modules))
    return apply_lora(policy, settings, "causal_lm")


def save_ppo_checkpoint(
    path: str | Path, policy: Any, value_head: ValueHead, tokenizer: Any | None = None,
    stats: Sequence[dict[str, float]] | None = None, config: PPOConfig | None = None,
) -> Path:
    """The policy (``save_pretrained``), the tokenizer, the value head in ``value_head/`` beside
    it, and the per-iteration stats / config as JSON."""
    from safety_assets.ml.modeling import merged

    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    # A LoRA policy is saved with its adapters folded in: downstream loads a plain model.
    if hasattr(policy, "merge_and_unload"):
        policy = merged(copy.deepcopy(policy))
    policy.save_pretrained(str(out))
    if tokenizer is not None:
        tokenizer.save_pretrained(str(out))
    value_head.save_pretrained(out / VALUE_HEAD_DIR)
    if stats is not None:
        (out / "ppo_stats.json").write_text(json.dumps(list(stats), indent=1))
    if config is not None:
        (out / "ppo_config.json").write_text(json.dumps(config.to_dict(), indent=1))
    return out


# --------------------------------------------------------------------------- pure functions


def masked_mean(x: torch.Tensor, mask: torch.Tensor, denom: float | None = None) -> torch.Tensor:
    """Mean of ``x`` where ``mask``; ``denom`` overrides the count (for gradient accumulation)."""
    m = mask.to(x.dtype)
    count = m.sum() if denom is None else torch.tensor(float(denom), dtype=x.dtype,
                                                       device=x.device)
    return (x * m).sum() / count.clamp(min=1.0)


def compute_gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor | None = None,
    gamma: float = 1.0,
    lam: float = 0.95,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over response tokens.

    ``rewards``, ``values``, ``mask``: shape ``(B, T)``, responses right padded (mask 1 on real
    tokens, a prefix of each row). The episode ends after the last real token, whose next value
    is 0. ``delta_t = r_t + gamma * V_{t+1} - V_t``, ``A_t = delta_t + gamma * lam * A_{t+1}``;
    returns ``(advantages, returns = advantages + values)``, both 0 on padding.
    """
    rewards = rewards.float()
    values = values.float()
    m = torch.ones_like(rewards) if mask is None else mask.to(rewards.dtype)
    batch, length = rewards.shape
    advantages = torch.zeros_like(rewards)
    next_value = torch.zeros(batch, dtype=rewards.dtype, device=rewards.device)
    next_adv = torch.zeros_like(next_value)
    for t in reversed(range(length)):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        adv = delta + gamma * lam * next_adv
        adv = adv * m[:, t]
        advantages[:, t] = adv
        # padding contributes neither a value nor an advantage to the token before it
        next_value = values[:, t] * m[:, t]
        next_adv = adv
    returns = (advantages + values) * m
    return advantages, returns


def clipped_policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    cliprange: float = 0.2,
    denom: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """PPO's clipped surrogate, ``mean(max(-A r, -A clip(r, 1-c, 1+c)))`` with
    ``r = exp(logp - old_logp)``; returns (loss, fraction of tokens where clipping bit)."""
    ratio = torch.exp(logprobs - old_logprobs)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - cliprange, 1.0 + cliprange)
    loss = masked_mean(torch.maximum(unclipped, clipped), mask, denom)
    clipfrac = masked_mean((clipped > unclipped).float(), mask, denom)
    return loss, clipfrac.detach()


def clipped_value_loss(
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    mask: torch.Tensor,
    cliprange_value: float = 0.2,
    denom: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``0.5 * mean(max((V - R)^2, (V_clip - R)^2))`` with ``V_clip`` kept within
    ``cliprange_value`` of the rollout's values; returns (loss, clip fraction)."""
    v_clipped = old_values + torch.clamp(values - old_values, -cliprange_value, cliprange_value)
    loss_unclipped = (values - returns) ** 2
    loss_clipped = (v_clipped - returns) ** 2
    loss = 0.5 * masked_mean(torch.maximum(loss_unclipped, loss_clipped), mask, denom)
    clipfrac = masked_mean((loss_clipped > loss_unclipped).float(), mask, denom)
    return loss, clipfrac.detach()


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(-1)


# --------------------------------------------------------------------------- rollouts


@dataclass
class Rollout:
    """One iteration's batch, responses right padded to ``T`` tokens."""

    prompts: list[str]
    responses: list[str]
    input_ids: torch.Tensor  # (B, Lp + T): left-padded prompt then right-padded response
    attention_mask: torch.Tensor
    prompt_width: int
    response_mask: torch.Tensor  # (B, T)
    logprobs: torch.Tensor  # (B, T) under the policy at sampling time
    ref_logprobs: torch.Tensor
    values: torch.Tensor
    entropy: torch.Tensor  # (B, T)
    raw: torch.Tensor  # (B,)
    score: torch.Tensor  # (B,) before whitening, missing_eos_penalty applied
    metrics: dict[str, float] = field(default_factory=dict)
    finished: torch.Tensor | None = None  # (B,) bool: the response ended with EOS


def truncated_share(finished: torch.Tensor | Sequence[bool] | None) -> float:
    """Share of rollouts without EOS (cut at ``max_new_tokens``); 0 when there are none."""
    if finished is None:
        return 0.0
    flags = torch.as_tensor(finished, dtype=torch.bool).flatten()
    return float((~flags).float().mean()) if flags.numel() else 0.0


def _positions(attention_mask: torch.Tensor) -> torch.Tensor:
    return (attention_mask.long().cumsum(-1) - 1).clamp(min=0)


def _accepts_logits_to_keep(model: Any) -> bool:
    try:
        return "logits_to_keep" in inspect.signature(model.forward).parameters
    except (TypeError, ValueError):  # pragma: no cover - unusual wrappers
        return False


def response_forward(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    prompt_width: int,
    temperature: float = 1.0,
    value_head: ValueHead | None = None,
    with_entropy: bool = False,
) -> dict[str, torch.Tensor]:
    """Log-probabilities of the response tokens (positions ``prompt_width:``) under ``model``
    (logits divided by ``temperature``, as they were sampled), and optionally the value head's
    values of the states before each token and the per-token entropy."""
    width = input_ids.shape[1] - prompt_width
    kwargs: dict[str, Any] = {}
    if _accepts_logits_to_keep(model):
        kwargs["logits_to_keep"] = width + 1  # skip the vocabulary projection of the prompt
    out = model(
        input_ids=input_ids,
        attention_mask=attention_mask,
        position_ids=_positions(attention_mask),
        output_hidden_states=value_head is not None,
        use_cache=False,
        **kwargs,
    )
    logits = out.logits[:, -(width + 1):-1, :].float()
    if temperature > 0 and temperature != 1.0:
        logits = logits / temperature
    targets = input_ids[:, prompt_width:]
    logp = torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    result = {"logprobs": logp}
    if value_head is not None:
        hidden = out.hidden_states[-1][:, prompt_width - 1:-1, :]
        result["values"] = value_head(hidden)
    if with_entropy:
        result["entropy"] = entropy_from_logits(logits)
    return result


def _unwrap_reward(out: Any, batch: int) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
    if isinstance(out, RewardOutput):
        score, raw, metrics = out.score, out.raw, dict(out.metrics)
    elif isinstance(out, dict):
        score, raw = out["score"], out.get("raw")
        metrics = {k: float(v) for k, v in out.get("metrics", {}).items()}
    else:
        score, raw, metrics = out, None, {}
    score = torch.as_tensor(score, dtype=torch.float32).detach().flatten().cpu()
    raw = score.clone() if raw is None else torch.as_tensor(raw, dtype=torch.float32).flatten()
    if score.numel() != batch or raw.numel() != batch:
        raise ValueError(f"reward_fn returned {score.numel()} scores for {batch} responses")
    return score, raw.detach().cpu(), metrics


class _PromptSampler:
    """Cycles through the prompts in seeded random order, reshuffling at each pass."""

    def __init__(self, n: int, generator: torch.Generator) -> None:
        self.n = n
        self.generator = generator
        self.order: list[int] = []

    def take(self, k: int) -> list[int]:
        picked: list[int] = []
        while len(picked) < k:
            if not self.order:
                self.order = torch.randperm(self.n, generator=self.generator).tolist()
            picked.append(self.order.pop())
        return picked


def collect_rollout(
    policy: Any,
    ref_policy: Any,
    value_head: ValueHead,
    tokenizer: Any,
    prompts: list[str],
    prompt_ids: list[list[int]],
    reward_fn: Callable[..., Any],
    config: PPOConfig,
    iteration: int,
    device: torch.device,
    rank: int = 0,
) -> Rollout:
    pad_id = pad_token_id(tokenizer)
    eos = eos_ids_of(policy, tokenizer)
    responses_ids: list[list[int]] = []
    finished: list[bool] = []
    gbs = config.generation_batch_size
    for chunk_index, start in enumerate(range(0, len(prompt_ids), gbs)):
        ids, mask = pad_batch(prompt_ids[start:start + gbs], pad_id, "left")
        # Each rank samples its own share of the batch with its own seeds.
        seed = config.seed * 1_000_003 + iteration * 1_009 + chunk_index + rank * 104_729
        with seeded(seed, device):
            new = sample_ids(
                policy, ids.to(device), mask.to(device), 1, config.max_new_tokens,
                config.temperature, config.top_p, pad_id, eos,
            )
        rows = truncate_at_eos(new.cpu(), eos, keep_eos=True)
        finished.extend(bool(row) and row[-1] in eos for row in rows)
        # a response needs at least one token to be scored and trained on
        responses_ids.extend(row if row else [eos[0] if eos else pad_id] for row in rows)
    responses = [
        t.strip() for t in tokenizer.batch_decode(responses_ids, skip_special_tokens=True)
    ]
    score, raw, metrics = _unwrap_reward(
        call_scorer(reward_fn, prompts, responses, finished), len(prompts))
    done = torch.tensor(finished, dtype=torch.bool)
    score = apply_missing_eos_penalty(score, done, config.missing_eos_penalty)

    prompt_width = max(len(r) for r in prompt_ids)
    resp_width = max(len(r) for r in responses_ids)
    batch = len(prompts)
    input_ids = torch.full((batch, prompt_width + resp_width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros_like(input_ids)
    response_mask = torch.zeros((batch, resp_width), dtype=torch.bool)
    for i, (p, r) in enumerate(zip(prompt_ids, responses_ids, strict=True)):
        input_ids[i, prompt_width - len(p):prompt_width] = torch.tensor(p)
        input_ids[i, prompt_width:prompt_width + len(r)] = torch.tensor(r)
        attention_mask[i, prompt_width - len(p):prompt_width + len(r)] = 1
        response_mask[i, :len(r)] = True

    parts: dict[str, list[torch.Tensor]] = {
        k: [] for k in ("logprobs", "values", "entropy", "ref_logprobs")
    }
    with torch.no_grad():
        for start in range(0, batch, config.forward_batch_size):
            sl = slice(start, start + config.forward_batch_size)
            ids, am = input_ids[sl].to(device), attention_mask[sl].to(device)
            pol = response_forward(
                policy, ids, am, prompt_width, config.temperature, value_head, with_entropy=True
            )
            ref = response_forward(ref_policy, ids, am, prompt_width, config.temperature)
            for key in ("logprobs", "values", "entropy"):
                parts[key].append(pol[key].float().cpu())
            parts["ref_logprobs"].append(ref["logprobs"].float().cpu())
    cat = {k: torch.cat(v) for k, v in parts.items()}
    zero = ~response_mask
    return Rollout(
        prompts=prompts,
        responses=responses,
        input_ids=input_ids,
        attention_mask=attention_mask,
        prompt_width=prompt_width,
        response_mask=response_mask,
        logprobs=cat["logprobs"].masked_fill(zero, 0.0),
        ref_logprobs=cat["ref_logprobs"].masked_fill(zero, 0.0),
        values=cat["values"].masked_fill(zero, 0.0),
        entropy=cat["entropy"].masked_fill(zero, 0.0),
        raw=raw,
        score=score,
        metrics=metrics,
        finished=done,
    )


# --------------------------------------------------------------------------- training


@dataclass
class PPOResult:
    policy: Any
    value_head: ValueHead
    stats: list[dict[str, float]]
    config: PPOConfig
    world_size: int = 1
    # Several processes: whether every rank ended with the same trainable weights (None: one).
    ranks_identical: bool | None = None

    def save(self, path: str | Path, tokenizer: Any | None = None) -> Path:
        return save_ppo_checkpoint(
            path, self.policy, self.value_head, tokenizer, self.stats, self.config
        )


def _rank_and_world() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _summed(value: torch.Tensor, world: int) -> torch.Tensor:
    """``value`` summed over every rank (itself with one process)."""
    if world == 1:
        return value
    import torch.distributed as dist

    total = value.detach().clone().double()
    dist.all_reduce(total)
    return total.to(value.dtype)


def whiten_across_ranks(x: torch.Tensor, mask: torch.Tensor | None, world: int,
                        eps: float = 1e-8) -> torch.Tensor:
    """:func:`whiten` with the mean and (population) variance of the whole batch, every
    rank's share of it; with one process exactly :func:`whiten`."""
    if world == 1:
        return whiten(x, mask=mask, eps=eps)
    m = torch.ones_like(x, dtype=torch.bool) if mask is None else mask.bool().expand_as(x)
    values = x[m].double()
    n = _summed(torch.tensor(float(values.numel()), dtype=torch.float64), world)
    if n == 0:
        return x.clone()
    mean = _summed(values.sum(), world) / n
    var = _summed(((values - mean) ** 2).sum(), world) / n
    out = ((x.double() - mean) * torch.rsqrt(var + eps)).to(x.dtype)
    return torch.where(m, out, x)


def _same_on_every_rank(params: list[torch.Tensor], world: int) -> bool | None:
    """Whether the ranks hold bitwise the same ``params`` (a checksum each, gathered)."""
    if world == 1:
        return None
    import torch.distributed as dist

    flat = torch.cat([p.detach().double().flatten().cpu() for p in params])
    mine = torch.stack([flat.sum(), (flat * torch.arange(1, flat.numel() + 1,
                                                         dtype=torch.float64)).sum()])
    gathered = [torch.zeros_like(mine) for _ in range(world)]
    dist.all_gather(gathered, mine)
    return all(torch.equal(g, gathered[0]) for g in gathered)


def _hidden_size(policy: Any) -> int:
    config = policy.config
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    return int(text_config.hidden_size)


def train_ppo(
    policy: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    reward_fn: Callable[..., Any],
    config: PPOConfig | None = None,
    progress: Callable[[int, dict[str, float]], None] | None = None,
    ref_policy: Any | None = None,
    value_head: ValueHead | None = None,
) -> PPOResult:
    """Run ``config.iterations`` PPO iterations on ``policy`` (trained in place) and return it
    with its value head and per-iteration stats.

    ``prompts`` are chat-formatted prompt texts; each iteration draws ``batch_size`` of them
    (cycling in seeded random order). ``reward_fn(prompts, responses)`` returns one score per
    response, a tensor or a :class:`~safety_assets.rlhf.reward_rules.RewardOutput` (score to
    whiten and train on, raw value to report, extra metrics) -- see
    :func:`~safety_assets.rlhf.reward_rules.make_combined_reward_fn`. ``progress(iteration,
    stats)`` is called after each iteration. ``ref_policy`` defaults to a frozen deep copy of
    ``policy`` as given.

    Stats per iteration: ``raw_reward`` (mean raw reward), ``score`` (mean score before
    whitening), ``whitened_reward`` (mean of the score as trained on, after whitening),
    ``total_reward`` (mean per-sequence sum of token rewards, KL penalty included), ``kl`` (mean
    per-sequence KL estimate to the reference, nats), ``entropy`` (mean per token),
    ``policy_loss``, ``value_loss``, ``clip_fraction``, ``value_clip_fraction``, ``approx_kl``
    (between the rollout and updated policy), ``response_length``, ``truncated_share`` (share
    of rollouts that hit ``max_new_tokens`` without EOS; their score is lowered by
    ``missing_eos_penalty`` when set), ``seconds``, plus the reward function's metrics.
    ``reward_fn`` may take ``finished=`` (one bool per response: it ended with EOS) to score
    truncated answers as such.
    """
    cfg = config or PPOConfig()
    if not prompts:
        raise ValueError("train_ppo needs at least one prompt")
    device = torch.device(cfg.device) if cfg.device else next(policy.parameters()).device
    policy.to(device)
    if cfg.lora_r and not hasattr(policy, "disable_adapter"):
        policy = with_lora(policy, cfg)
    if ref_policy is None:
        ref_policy = (AdaptersDisabled(policy) if hasattr(policy, "disable_adapter")
                      else copy.deepcopy(policy))
    ref_policy.to(device)
    ref_policy.eval()
    ref_policy.requires_grad_(False)
    if value_head is None:
        value_head = ValueHead(_hidden_size(policy))
    value_head.to(device)
    if cfg.gradient_checkpointing and hasattr(policy, "gradient_checkpointing_enable"):
        policy.gradient_checkpointing_enable()
    policy.eval()  # dropout off; see module docstring

    generator = torch.Generator().manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    param_groups = [
        {"params": [p for p in policy.parameters() if p.requires_grad], "lr": cfg.learning_rate},
        {
            "params": list(value_head.parameters()),
            "lr": cfg.value_learning_rate or cfg.learning_rate,
        },
    ]
    optimizer = torch.optim.AdamW(
        param_groups, betas=cfg.adam_betas, eps=cfg.adam_eps, weight_decay=cfg.weight_decay
    )
    trainable = [p for group in param_groups for p in group["params"]]
    # Data parallel over processes (gloo on CPU, NCCL on GPUs): every rank starts from rank
    # 0's weights, samples its share of each batch, and applies the gradients summed over
    # ranks, so every rank takes the same optimiser step and keeps the same weights.
    rank, world = _rank_and_world()
    if cfg.batch_size % world or cfg.mini_batch_size % world:
        raise ValueError(f"batch_size {cfg.batch_size} and mini_batch_size "
                         f"{cfg.mini_batch_size} must divide by the {world} processes")
    if world > 1:
        import torch.distributed as dist

        for param in trainable:
            dist.broadcast(param.data, src=0)
    local_batch, local_mini = cfg.batch_size // world, cfg.mini_batch_size // world

    all_prompts = list(prompts)
    all_ids = encode(tokenizer, all_prompts, None, cfg.max_prompt_tokens)
    sampler = _PromptSampler(len(all_prompts), generator)
    micro = cfg.micro_batch_size or cfg.mini_batch_size
    stats_history: list[dict[str, float]] = []

    for iteration in range(cfg.iterations):
        started = time.perf_counter()
        picked = sampler.take(cfg.batch_size)[rank::world]   # the same draw on every rank
        policy.eval()
        rollout = collect_rollout(
            policy, ref_policy, value_head, tokenizer,
            [all_prompts[i] for i in picked], [all_ids[i] for i in picked],
            reward_fn, cfg, iteration, device, rank=rank,
        )
        mask = rollout.response_mask
        score = (whiten_across_ranks(rollout.score, None, world) if cfg.whiten_rewards
                 else rollout.score)
        kl = kl_penalty(rollout.logprobs, rollout.ref_logprobs, cfg.kl_estimator) * mask
        rewards = token_rewards(score, kl, mask, cfg.kl_beta)
        advantages, returns = compute_gae(rewards, rollout.values, mask, cfg.gamma, cfg.lam)
        if cfg.whiten_advantages:
            advantages = whiten_across_ranks(advantages, mask, world) * mask

        if cfg.gradient_checkpointing:
            policy.train()
        sums = {"policy_loss": 0.0, "value_loss": 0.0, "clip_fraction": 0.0,
                "value_clip_fraction": 0.0, "approx_kl": 0.0}
        steps = 0
        for _ in range(cfg.ppo_epochs):
            perm = torch.randperm(local_batch, generator=generator)
            for mb_start in range(0, local_batch, local_mini):
                mb = perm[mb_start:mb_start + local_mini]
                # Token-mean losses over the whole mini-batch, every rank's share of it.
                n_tokens = float(_summed(mask[mb].sum().double(), world).clamp(min=1))
                optimizer.zero_grad(set_to_none=True)
                step_stats = dict.fromkeys(sums, 0.0)
                for mc_start in range(0, len(mb), micro):
                    idx = mb[mc_start:mc_start + micro]
                    m = mask[idx].to(device)
                    out = response_forward(
                        policy,
                        rollout.input_ids[idx].to(device),
                        rollout.attention_mask[idx].to(device),
                        rollout.prompt_width,
                        cfg.temperature,
                        value_head,
                    )
                    old_lp = rollout.logprobs[idx].to(device)
                    pg_loss, clipfrac = clipped_policy_loss(
                        out["logprobs"], old_lp, advantages[idx].to(device), m,
                        cfg.cliprange, n_tokens,
                    )
                    vf_loss, vclipfrac = clipped_value_loss(
                        out["values"], rollout.values[idx].to(device), returns[idx].to(device),
                        m, cfg.cliprange_value, n_tokens,
                    )
                    (pg_loss + cfg.vf_coef * vf_loss).backward()
                    with torch.no_grad():
                        approx = masked_mean(
                            0.5 * (out["logprobs"] - old_lp) ** 2, m, n_tokens
                        )
                    step_stats["policy_loss"] += float(pg_loss.detach())
                    step_stats["value_loss"] += float(vf_loss.detach())
                    step_stats["clip_fraction"] += float(clipfrac)
                    step_stats["value_clip_fraction"] += float(vclipfrac)
                    step_stats["approx_kl"] += float(approx)
                if world > 1:
                    for param in trainable:
                        if param.grad is None:
                            param.grad = torch.zeros_like(param)
                        dist.all_reduce(param.grad)
                if cfg.max_grad_norm and cfg.max_grad_norm > 0:
                    torch.nn.utils.clip_grad_norm_(trainable, cfg.max_grad_norm)
                optimizer.step()
                for key, value in step_stats.items():
                    sums[key] += value
                steps += 1
        policy.eval()

        lengths = mask.sum(-1).float()
        stats: dict[str, float] = {
            "iteration": float(iteration),
            "raw_reward": float(rollout.raw.mean()),
            "score": float(rollout.score.mean()),
            "whitened_reward": float(score.mean()),
            "total_reward": float(rewards.sum(-1).mean()),
            "kl": float(kl.sum(-1).mean()),
            "entropy": float(masked_mean(rollout.entropy, mask)),
            "response_length": float(lengths.mean()),
            "truncated_share": truncated_share(rollout.finished),
            **{k: v / max(steps, 1) for k, v in sums.items()},
            "seconds": time.perf_counter() - started,
        }
        for key, value in rollout.metrics.items():
            stats.setdefault(key, float(value))
        if world > 1:
            # Each rank's losses are its part of the whole batch's token mean: summed. The
            # rollout figures are means over equal shares: averaged.
            keys = [k for k in stats if k not in ("iteration", "seconds")]
            totals = _summed(torch.tensor([stats[k] for k in keys], dtype=torch.float64),
                             world)
            for key, total in zip(keys, totals.tolist(), strict=True):
                stats[key] = total if key in sums else total / world
        if any(math.isnan(v) for v in stats.values()):
            raise FloatingPointError(f"PPO iteration {iteration} produced NaN stats: {stats}")
        stats_history.append(stats)
        if progress is not None:
            progress(iteration, stats)

    return PPOResult(policy=policy, value_head=value_head, stats=stats_history, config=cfg,
                     world_size=world, ranks_identical=_same_on_every_rank(trainable, world))
