"""The reward Llama 2 optimises with PPO (section 3.2.3), as pure tensor functions.

    R_c(g|p) = R_s(g|p)  if IS_SAFETY(p) or R_s(g|p) < 0.15
               R_h(g|p)  otherwise
    R~_c     = WHITEN(LOGIT(R_c))
    R        = R~_c - beta * KL(pi_theta(g|p) || pi_0(g|p))

R_s and R_h are the reward models' scores as probabilities, sigmoid of the scalar head's output
(:func:`safety_assets.rlhf.generation.probs`). LOGIT reverses that sigmoid before whitening. The
KL term is estimated per generated token from the log-probabilities of the sampled tokens under
the policy and the frozen reference; PPO adds the penalty at every token and the whitened
sequence reward at the last one (:func:`token_rewards`).

Every function accepts torch tensors, numpy arrays, lists or scalars and returns float tensors.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

SAFETY_THRESHOLD = 0.15
"""Below this safety-RM probability the safety reward is used even on a benign prompt (the
paper's choice: precision 0.89, recall 0.55 on the Meta Safety test set)."""

KL_BETA = 0.01
"""KL penalty coefficient of the paper for 7B and 13B (0.005 for 34B and 70B)."""

LOGIT_EPS = 1e-6
KL_ESTIMATORS = ("kl", "abs", "mse", "k3")

TensorLike = torch.Tensor | Sequence[float] | float | Any


def as_tensor(x: TensorLike, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """``x`` (tensor, numpy array, list, scalar) as a float tensor; tensors keep their device."""
    if isinstance(x, torch.Tensor):
        return x.to(dtype)
    return torch.as_tensor(x, dtype=dtype)


def _as_bool(x: TensorLike, like: torch.Tensor) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.to(device=like.device, dtype=torch.bool)
    return torch.as_tensor(x, dtype=torch.bool, device=like.device)


def combined_reward(
    r_safety: TensorLike,
    r_helpful: TensorLike,
    is_adversarial: TensorLike,
    threshold: float = SAFETY_THRESHOLD,
) -> torch.Tensor:
    """R_c: the safety score where the prompt is adversarial or the safety score is below
    ``threshold``, the helpfulness score elsewhere. Scores are probabilities in (0, 1)."""
    rs = as_tensor(r_safety)
    rh = as_tensor(r_helpful).to(rs.device)
    adversarial = _as_bool(is_adversarial, rs)
    rs, rh, adversarial = torch.broadcast_tensors(rs, rh, adversarial)
    use_safety = adversarial | (rs < threshold)
    return torch.where(use_safety, rs, rh)


def uses_safety_reward(
    r_safety: TensorLike, is_adversarial: TensorLike, threshold: float = SAFETY_THRESHOLD
) -> torch.Tensor:
    """Boolean mask: where :func:`combined_reward` takes R_s (for logging the share)."""
    rs = as_tensor(r_safety)
    return _as_bool(is_adversarial, rs) | (rs < threshold)


def logit(p: TensorLike, eps: float = LOGIT_EPS) -> torch.Tensor:
    """log(p / (1 - p)), with ``p`` clamped to [eps, 1 - eps] so that 0 and 1 stay finite."""
    t = as_tensor(p).clamp(eps, 1.0 - eps)
    return torch.log(t) - torch.log1p(-t)


def whiten(
    x: TensorLike,
    shift_mean: bool = True,
    mask: TensorLike | None = None,
    eps: float = 1e-8,
) -> torch.Tensor:
    """(x - mean) / std over all elements (or the elements where ``mask`` is true).

    The standard deviation is the population one (divides by n), so the result has mean 0 and
    standard deviation 1 exactly; a single element (or constant input) whitens to 0. With
    ``shift_mean=False`` the mean is added back (only the scale changes), as TRL does for
    rewards. Elements outside ``mask`` are returned unchanged.
    """
    t = as_tensor(x)
    if mask is None:
        m = torch.ones_like(t, dtype=torch.bool)
    else:
        m = _as_bool(mask, t).expand_as(t)
    n = m.sum()
    if n == 0:
        return t.clone()
    values = t[m]
    mean = values.mean()
    var = ((values - mean) ** 2).mean()
    out = (t - mean) * torch.rsqrt(var + eps)
    if not shift_mean:
        out = out + mean
    return torch.where(m, out, t)


def kl_penalty(
    logprobs: TensorLike, ref_logprobs: TensorLike, estimator: str = "kl"
) -> torch.Tensor:
    """Per-token estimate of KL(pi_theta || pi_0) from the sampled tokens' log-probabilities.

    ``kl``: log pi - log pi_0 (unbiased, the default, as in InstructGPT and Llama 2);
    ``abs``: its absolute value; ``mse``: half its square; ``k3``: (r - 1) - log r with
    r = pi_0 / pi (unbiased and never negative). Positive where the policy gives the sampled
    token more probability than the reference, so the penalty lowers the reward there.
    """
    lp = as_tensor(logprobs)
    ref = as_tensor(ref_logprobs).to(lp.device)
    diff = lp - ref
    if estimator == "kl":
        return diff
    if estimator == "abs":
        return diff.abs()
    if estimator == "mse":
        return 0.5 * diff.square()
    if estimator == "k3":
        return torch.expm1(-diff) + diff
    raise ValueError(f"unknown KL estimator {estimator!r}; expected one of {KL_ESTIMATORS}")


def shaped_score(
    r_safety: TensorLike,
    r_helpful: TensorLike,
    is_adversarial: TensorLike,
    threshold: float = SAFETY_THRESHOLD,
    eps: float = LOGIT_EPS,
    whiten_scores: bool = True,
) -> torch.Tensor:
    """R~_c = WHITEN(LOGIT(R_c)) over the batch (or only LOGIT when ``whiten_scores`` is off)."""
    z = logit(combined_reward(r_safety, r_helpful, is_adversarial, threshold), eps)
    return whiten(z) if whiten_scores else z


def ppo_reward(
    r_safety: TensorLike,
    r_helpful: TensorLike,
    is_adversarial: TensorLike,
    kl: TensorLike | None = None,
    beta: float = KL_BETA,
    threshold: float = SAFETY_THRESHOLD,
    eps: float = LOGIT_EPS,
    whiten_scores: bool = True,
) -> torch.Tensor:
    """R = WHITEN(LOGIT(R_c)) - beta * KL, one value per sequence.

    ``kl`` is the sequence KL (shape ``(B,)``) or per-token estimates (shape ``(B, T)``, summed
    over tokens here; pad entries must be 0). For the per-token rewards PPO trains on, see
    :func:`token_rewards`.
    """
    score = shaped_score(r_safety, r_helpful, is_adversarial, threshold, eps, whiten_scores)
    if kl is None:
        return score
    k = as_tensor(kl).to(score.device)
    if k.dim() == score.dim() + 1:
        k = k.sum(-1)
    return score - beta * k


def token_rewards(
    scores: TensorLike, kl: TensorLike, mask: TensorLike, beta: float = KL_BETA
) -> torch.Tensor:
    """Per-token PPO rewards: ``-beta * kl_t`` at every response token, plus the sequence score
    on the last real token of each row. ``kl`` and ``mask`` have shape ``(B, T)`` (responses
    right-padded); rows with no token get nothing. Pad positions are 0."""
    k = as_tensor(kl)
    m = _as_bool(mask, k)
    s = as_tensor(scores).to(k.device)
    rewards = torch.where(m, -beta * k, torch.zeros_like(k))
    lengths = m.long().sum(-1)
    rows = torch.nonzero(lengths > 0).squeeze(-1)
    last = lengths[rows] - 1
    rewards[rows, last] += s[rows]
    return rewards


@dataclass
class RewardOutput:
    """What a PPO ``reward_fn`` may return instead of a bare tensor.

    ``score`` is the sequence score PPO whitens (when ``PPOConfig.whiten_rewards``) and puts on
    the last token, e.g. LOGIT(R_c). ``raw`` is what to report as the raw reward (e.g. R_c as a
    probability); ``metrics`` are extra per-batch numbers to log.
    """

    score: torch.Tensor
    raw: torch.Tensor | None = None
    metrics: dict[str, float] = field(default_factory=dict)


Scorer = Callable[[list[str], list[str]], torch.Tensor]


def apply_missing_eos_penalty(
    score: TensorLike, finished: TensorLike, penalty: float | None
) -> torch.Tensor:
    """``score`` with ``penalty`` subtracted where the answer did not end with EOS (it ran
    into ``max_new_tokens``), as TRL's ``missing_eos_penalty``; ``None`` leaves it unchanged.
    Finished answers keep their score exactly."""
    out = as_tensor(score).clone()
    if penalty is None:
        return out
    done = _as_bool(finished, out)
    if done.shape != out.shape:
        raise ValueError(f"{tuple(done.shape)} finished flags for {tuple(out.shape)} scores")
    return torch.where(done, out, out - float(penalty))


def accepts_finished(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` takes a ``finished=`` keyword (which answers ended with EOS): scorers
    and reward functions written before it existed still get ``(prompts, responses)``."""
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "finished" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def call_scorer(
    fn: Callable[..., Any],
    prompts: list[str],
    responses: list[str],
    finished: Sequence[bool] | None = None,
) -> Any:
    """``fn(prompts, responses)``, with ``finished=`` passed on when given and accepted."""
    if finished is not None and accepts_finished(fn):
        return fn(prompts, responses, finished=finished)
    return fn(prompts, responses)


def make_combined_reward_fn(
    safety_scorer: Scorer,
    helpful_scorer: Scorer,
    is_adversarial: Callable[[str], bool] | Mapping[str, bool],
    threshold: float = SAFETY_THRESHOLD,
    eps: float = LOGIT_EPS,
) -> Callable[..., RewardOutput]:
    """A PPO ``reward_fn`` for the piecewise rule.

    ``safety_scorer`` and ``helpful_scorer`` map (prompts, responses) to probabilities, e.g.
    ``lambda p, r: probs(score_responses(rm, tok, p, r))``. ``is_adversarial`` tells IS_SAFETY(p)
    for a prompt (callable or prompt -> bool mapping). The returned score is LOGIT(R_c); PPO
    whitens it over the batch, giving WHITEN(LOGIT(R_c)), and subtracts the KL penalty.
    The returned function takes ``finished=`` (which answers ended with EOS) and passes it on to
    scorers that accept it (:class:`~safety_assets.rlhf.generation.RewardScorer` does).
    """
    lookup = is_adversarial.__getitem__ if isinstance(is_adversarial, Mapping) else is_adversarial

    def reward_fn(
        prompts: list[str], responses: list[str], finished: Sequence[bool] | None = None
    ) -> RewardOutput:
        rs = as_tensor(call_scorer(safety_scorer, prompts, responses, finished)).flatten().cpu()
        rh = as_tensor(call_scorer(helpful_scorer, prompts, responses, finished)).flatten().cpu()
        adversarial = torch.tensor([bool(lookup(p)) for p in prompts], dtype=torch.bool)
        rc = combined_reward(rs, rh, adversarial, threshold)
        safety_used = uses_safety_reward(rs, adversarial, threshold)
        return RewardOutput(
            score=logit(rc, eps),
            raw=rc,
            metrics={
                "safety_rm_mean": float(rs.mean()),
                "helpful_rm_mean": float(rh.mean()),
                "safety_reward_share": float(safety_used.float().mean()),
                "low_safety_share": float((rs < threshold).float().mean()),
            },
        )

    return reward_fn
