"""Sampling answers from a policy and scoring them with a reward model.

- :class:`GenerationBackend`: ``generate(prompts, n, max_new_tokens, temperature, top_p, seed)``
  returns ``n`` answers per prompt (new text only, special tokens stripped).
- :class:`HFBackend`: transformers ``generate`` in batches with LEFT padding and the KV cache;
  temperature/top-p sampling (no top-k), greedy when ``temperature == 0``; seeded.
- :class:`VLLMBackend`: vLLM's ``LLM.generate`` with ``SamplingParams(n=...)``; needs the
  optional ``gpu`` extra (imported lazily, with a clear error when missing).
- :func:`score_responses`: the scalar outputs of a ``num_labels=1`` sequence-classification
  reward model on (prompt, answer) pairs, RIGHT padded; :func:`probs` = sigmoid.

Prompts are expected to be chat-formatted already
(:func:`safety_assets.ml.chat_format.format_prompt`); when they begin with the tokenizer's BOS
text the tokenizer is told not to add another one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import torch

from safety_assets.ml.chat_format import B_INST, BOS, EOS, format_example

VLLM_MISSING = (
    "the vLLM backend needs the optional extra: pip install 'safety-assets[gpu]'"
)


class BackendUnavailableError(ImportError):
    """A generation backend's optional dependency is not installed."""


@runtime_checkable
class GenerationBackend(Protocol):
    def generate(
        self,
        prompts: list[str],
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = 0,
    ) -> list[list[str]]:
        """``n`` sampled answers for each prompt, in prompt order."""
        ...


# --------------------------------------------------------------------------- helpers


def _device_of(model: torch.nn.Module) -> torch.device:
    try:
        return next(model.parameters()).device
    except StopIteration:  # pragma: no cover - a model without parameters
        return torch.device("cpu")


@contextlib.contextmanager
def seeded(seed: int | None, device: torch.device | str | None = None) -> Iterator[None]:
    """Run the block with torch's RNG seeded (CPU and, for a CUDA device, that device), leaving
    the caller's RNG state as it was. ``seed=None`` leaves the RNG alone."""
    if seed is None:
        yield
        return
    dev = torch.device(device) if device is not None else torch.device("cpu")
    cuda_devices = [dev] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda_devices, device_type="cuda"):
        torch.manual_seed(seed)
        if cuda_devices:
            torch.cuda.manual_seed(seed)
        yield


def pad_token_id(tokenizer: Any) -> int:
    """The tokenizer's pad id, falling back to EOS (then 0)."""
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if candidate is not None:
            return int(candidate)
    return 0


def wants_special_tokens(tokenizer: Any, texts: Sequence[str]) -> bool:
    """False when every text already starts with the BOS text (chat-formatted prompts carry
    their own ``<s>``), so the tokenizer must not add another."""
    bos = getattr(tokenizer, "bos_token", None) or BOS
    return not all(t.startswith(bos) for t in texts)


def encode(
    tokenizer: Any,
    texts: Sequence[str],
    add_special_tokens: bool | None = None,
    max_tokens: int | None = None,
) -> list[list[int]]:
    """Token ids of each text (no padding); longer ones keep their LAST ``max_tokens`` tokens."""
    if add_special_tokens is None:
        add_special_tokens = wants_special_tokens(tokenizer, texts)
    ids = tokenizer(list(texts), add_special_tokens=add_special_tokens)["input_ids"]
    if max_tokens is not None:
        ids = [row[-max_tokens:] for row in ids]
    return [list(row) for row in ids]


def pad_batch(
    rows: Sequence[Sequence[int]], pad_id: int, side: str = "left"
) -> tuple[torch.Tensor, torch.Tensor]:
    """(input_ids, attention_mask) with pads on ``side`` ("left" or "right")."""
    width = max((len(r) for r in rows), default=0)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        if not row:
            continue
        span = slice(width - len(row), width) if side == "left" else slice(0, len(row))
        ids[i, span] = torch.as_tensor(list(row), dtype=torch.long)
        mask[i, span] = 1
    return ids, mask


def truncate_at_eos(
    new_tokens: torch.Tensor, eos_ids: Sequence[int], keep_eos: bool = True
) -> list[list[int]]:
    """Each row of generated ids up to its first EOS (kept when ``keep_eos``)."""
    out: list[list[int]] = []
    eos = set(int(e) for e in eos_ids)
    for row in new_tokens.tolist():
        cut = len(row)
        for j, tok in enumerate(row):
            if tok in eos:
                cut = j + 1 if keep_eos else j
                break
        out.append(row[:cut])
    return out


def eos_ids_of(model: Any, tokenizer: Any) -> list[int]:
    ids: list[int] = []
    for source in (getattr(model, "generation_config", None), getattr(model, "config", None)):
        value = getattr(source, "eos_token_id", None) if source is not None else None
        if value is None:
            continue
        ids.extend([value] if isinstance(value, int) else list(value))
    if tokenizer.eos_token_id is not None:
        ids.append(int(tokenizer.eos_token_id))
    return sorted(set(ids))


def sample_ids(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    n: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    pad_id: int,
    eos_ids: Sequence[int],
) -> torch.Tensor:
    """Generated ids only, shape ``(batch * n, <= max_new_tokens)``; row ``i * n + j`` is sample
    ``j`` of prompt ``i``. Inputs must be left padded and on the model's device. Greedy decoding
    (temperature 0) is run once per prompt and repeated ``n`` times."""
    from transformers import GenerationConfig

    greedy = temperature <= 0
    config = GenerationConfig(
        max_new_tokens=max_new_tokens,
        do_sample=not greedy,
        temperature=None if greedy else float(temperature),
        top_p=None if greedy else float(top_p),
        top_k=None if greedy else 0,
        num_return_sequences=1 if greedy else n,
        # unset fields are filled from the checkpoint's generation_config: pin the ones that
        # would change plain temperature/top-p sampling
        repetition_penalty=1.0,
        no_repeat_ngram_size=0,
        pad_token_id=pad_id,
        eos_token_id=list(eos_ids) or None,
        use_cache=True,
    )
    with torch.no_grad():
        out = model.generate(
            input_ids=input_ids, attention_mask=attention_mask, generation_config=config
        )
    new = out[:, input_ids.shape[1]:]
    if greedy and n > 1:
        new = new.repeat_interleave(n, dim=0)
    return new


# --------------------------------------------------------------------------- backends


class HFBackend:
    """Batched sampling with transformers.

    ``model``: a checkpoint path (loaded with ``AutoModelForCausalLM`` / ``AutoTokenizer``), a
    ``(model, tokenizer)`` pair, or a model with ``tokenizer=`` given. ``batch_size`` is the
    number of prompts per ``generate`` call (each expanded to ``n`` sequences). Prompts are
    sorted by length before batching (less padding) and answers returned in prompt order. Each
    batch is seeded with ``seed + batch_index``, so a call is reproducible for a given seed.
    """

    def __init__(
        self,
        model: str | Path | tuple[Any, Any] | Any,
        tokenizer: Any | None = None,
        device: str | torch.device | None = None,
        batch_size: int = 16,
        dtype: torch.dtype | str | None = None,
        add_special_tokens: bool | None = None,
        max_prompt_tokens: int | None = None,
        sort_by_length: bool = True,
    ) -> None:
        if isinstance(model, str | Path):
            from transformers import AutoModelForCausalLM, AutoTokenizer

            path = str(model)
            tokenizer = tokenizer or AutoTokenizer.from_pretrained(path)
            model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype or "auto")
        elif isinstance(model, tuple):
            model, tokenizer = model
        if tokenizer is None:
            raise ValueError("HFBackend needs a tokenizer with a model object")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model = model
        self.tokenizer = tokenizer
        if device is not None:
            self.model.to(device)
        self.device = _device_of(self.model)
        self.batch_size = batch_size
        self.add_special_tokens = add_special_tokens
        self.max_prompt_tokens = max_prompt_tokens
        self.sort_by_length = sort_by_length
        self.model.eval()

    def generate(
        self,
        prompts: list[str],
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = 0,
    ) -> list[list[str]]:
        if n < 1:
            raise ValueError("n must be at least 1")
        if not prompts:
            return []
        ids = encode(self.tokenizer, prompts, self.add_special_tokens, self.max_prompt_tokens)
        order = list(range(len(ids)))
        if self.sort_by_length:
            order.sort(key=lambda i: len(ids[i]))
        pad_id = pad_token_id(self.tokenizer)
        eos = eos_ids_of(self.model, self.tokenizer)
        answers: list[list[str]] = [[] for _ in prompts]
        for b, start in enumerate(range(0, len(order), self.batch_size)):
            chunk = order[start:start + self.batch_size]
            input_ids, attention_mask = pad_batch([ids[i] for i in chunk], pad_id, "left")
            with seeded(None if seed is None else seed + b, self.device):
                new = sample_ids(
                    self.model,
                    input_ids.to(self.device),
                    attention_mask.to(self.device),
                    n, max_new_tokens, temperature, top_p, pad_id, eos,
                )
            rows = truncate_at_eos(new.cpu(), eos, keep_eos=False)
            texts = self.tokenizer.batch_decode(rows, skip_special_tokens=True)
            for j, prompt_index in enumerate(chunk):
                answers[prompt_index] = [t.strip() for t in texts[j * n:(j + 1) * n]]
        return answers


class VLLMBackend:
    """Sampling with vLLM (optional ``gpu`` extra). Prompts are tokenized here with the same
    BOS rule as :class:`HFBackend` and passed as token ids, so no second BOS is added."""

    def __init__(
        self,
        model_path: str | Path,
        dtype: str = "auto",
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float = 0.9,
        max_model_len: int | None = None,
        add_special_tokens: bool | None = None,
        **llm_kwargs: Any,
    ) -> None:
        try:
            import vllm
        except ImportError as exc:
            raise BackendUnavailableError(VLLM_MISSING) from exc
        self._vllm = vllm
        self.add_special_tokens = add_special_tokens
        kwargs = dict(llm_kwargs)
        if max_model_len is not None:
            kwargs["max_model_len"] = max_model_len
        self.llm = vllm.LLM(
            model=str(model_path),
            dtype=dtype,
            tensor_parallel_size=tensor_parallel_size,
            gpu_memory_utilization=gpu_memory_utilization,
            **kwargs,
        )
        self.tokenizer = self.llm.get_tokenizer()

    def generate(
        self,
        prompts: list[str],
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = 0,
    ) -> list[list[str]]:
        if not prompts:
            return []
        greedy = temperature <= 0
        params = self._vllm.SamplingParams(
            n=n,
            temperature=0.0 if greedy else float(temperature),
            top_p=1.0 if greedy else float(top_p),
            max_tokens=max_new_tokens,
            seed=seed,
            skip_special_tokens=True,
        )
        ids = encode(self.tokenizer, prompts, self.add_special_tokens)
        requests = [{"prompt_token_ids": row} for row in ids]
        outputs = self.llm.generate(requests, params, use_tqdm=False)
        return [[c.text.strip() for c in out.outputs] for out in outputs]


def vllm_available() -> bool:
    try:
        import vllm  # noqa: F401
    except ImportError:
        return False
    return True


BACKENDS: dict[str, type] = {"hf": HFBackend, "transformers": HFBackend, "vllm": VLLMBackend}


def make_backend(name: str, model: Any, **kwargs: Any) -> GenerationBackend:
    """``make_backend("hf", path_or_(model, tokenizer), batch_size=..., device=...)`` or
    ``make_backend("vllm", path, tensor_parallel_size=...)``."""
    key = name.strip().lower()
    if key not in BACKENDS:
        raise ValueError(f"unknown generation backend {name!r}; expected one of {sorted(BACKENDS)}")
    return BACKENDS[key](model, **kwargs)


# --------------------------------------------------------------------------- reward scoring


def probs(scores: torch.Tensor) -> torch.Tensor:
    """A reward model's scalar outputs as probabilities (sigmoid), as the PPO rule expects."""
    return torch.sigmoid(torch.as_tensor(scores, dtype=torch.float32))


def rm_text(prompt: str, response: str) -> str:
    """The text a reward model reads: a chat-formatted prompt (starting with ``<s>`` or
    ``[INST]``) followed by the answer as :func:`format_example` writes it (`` {answer} </s>``);
    a bare user message is chat-formatted first."""
    if prompt.lstrip().startswith((BOS, B_INST)):
        return f"{prompt} {response.strip()} {EOS}"
    user_prompt, completion = format_example(prompt, response)
    return user_prompt + completion


def score_responses(
    reward_model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    responses: Sequence[str],
    batch_size: int = 16,
    device: str | torch.device | None = None,
    max_length: int | None = None,
    format_fn: Callable[[str, str], str] = rm_text,
    add_special_tokens: bool | None = None,
) -> torch.Tensor:
    """Scalar reward-model outputs (float32, CPU, shape ``(N,)``) for N (prompt, answer) pairs.

    Works with any ``AutoModelForSequenceClassification``-style model with ``num_labels=1``
    (it reads the last non-pad token). Texts are right padded with the tokenizer's pad id (EOS
    when it has none), which is written into the model config when missing; texts longer than
    ``max_length`` keep their last tokens (the answer). Use :func:`probs` for R_s / R_h.
    """
    if len(prompts) != len(responses):
        raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
    if not prompts:
        return torch.zeros(0)
    pad_id = pad_token_id(tokenizer)
    config = getattr(reward_model, "config", None)
    if config is not None and getattr(config, "pad_token_id", None) is None:
        config.pad_token_id = pad_id
    if device is not None:
        reward_model.to(device)
    dev = _device_of(reward_model)
    texts = [format_fn(p, r) for p, r in zip(prompts, responses, strict=True)]
    ids = encode(tokenizer, texts, add_special_tokens, max_length)
    was_training = reward_model.training
    reward_model.eval()
    scores: list[torch.Tensor] = []
    with torch.no_grad():
        for start in range(0, len(ids), batch_size):
            input_ids, attention_mask = pad_batch(ids[start:start + batch_size], pad_id, "right")
            out = reward_model(input_ids=input_ids.to(dev), attention_mask=attention_mask.to(dev))
            logits = out.logits if hasattr(out, "logits") else out[0]
            scores.append(logits.reshape(logits.shape[0], -1)[:, 0].float().cpu())
    reward_model.train(was_training)
    return torch.cat(scores)


__all__ = [
    "BACKENDS",
    "VLLM_MISSING",
    "BackendUnavailableError",
    "GenerationBackend",
    "HFBackend",
    "VLLMBackend",
    "encode",
    "make_backend",
    "pad_batch",
    "probs",
    "rm_text",
    "sample_ids",
    "score_responses",
    "seeded",
    "truncate_at_eos",
    "vllm_available",
]


def reward_model_scorer(
    path: str | Path, device: str | torch.device | None = "cpu", batch_size: int = 16
) -> Callable[[Sequence[str], Sequence[str]], torch.Tensor]:
    """Load a saved reward model and its tokenizer once; the returned function gives the RM's
    scalar outputs for (prompt, response) pairs (:func:`probs` turns them into R in (0, 1))."""
    from safety_assets.ml.modeling import load_reward_model
    from safety_assets.ml.tokenizer import load_tokenizer

    model = load_reward_model(path, device=device).eval()
    tokenizer = load_tokenizer(path, padding_side="right")

    def score(prompts: Sequence[str], responses: Sequence[str]) -> torch.Tensor:
        return score_responses(model, tokenizer, prompts, responses, batch_size=batch_size)

    return score
