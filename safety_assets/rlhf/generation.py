"""Sampling answers from a policy and scoring them with a reward model.

- :class:`GenerationBackend`: ``generate(prompts, n, max_new_tokens, temperature, top_p, seed)``
  returns ``n`` answers per prompt (new text only, special tokens stripped).
- :class:`HFBackend`: a transformers model in batches with LEFT padding and the KV cache;
  temperature/top-p sampling (no top-k), greedy when ``temperature == 0``; seeded. It decodes
  with :func:`safety_assets.rlhf.decoding.decode` (or ``generate``, ``decoder="generate"``).
- :class:`VLLMBackend`: vLLM's ``LLM.generate`` with ``SamplingParams(n=...)``; needs the
  optional ``gpu`` extra (imported lazily, with a clear error when missing).
- ``generate_with_status`` (both backends): the same answers as a :class:`Generation`, which
  also says per answer whether it ended with EOS (``finished``) or was cut at
  ``max_new_tokens``, and holds the new token ids.
- :func:`score_responses`: the scalar outputs of a ``num_labels=1`` sequence-classification
  reward model on (prompt, answer) pairs, RIGHT padded; :func:`probs` = sigmoid. The input is
  the prompt's ids (tokenized as generation tokenizes it) followed by the answer's ids, with
  the closing EOS only on finished answers.

Prompts are expected to be rendered already, with
:func:`safety_assets.ml.chat_format.render_prompt` (the model's chat template, or the Llama 2
format for tokenizers without one; ``backend.render_prompt`` does it with the backend's own
tokenizer); a rendered prompt carries its own BOS, so the tokenizer is told not to add another.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from safety_assets.ml.chat_format import (
    B_INST,
    BOS,
    EOS,
    completion_text,
    format_example,
    has_chat_template,
    is_rendered,
    render_prompt,
)
from safety_assets.rlhf.decoding import (
    MIN_SHARED_PREFIX,
    SharedPrefix,
    accepts_logits_to_keep,
    apply_presence_penalty,
    common_prefix,
    decode,
)

DECODERS = ("loop", "generate")
VLLM_MISSING = (
    "the vLLM backend needs the optional extra: pip install 'safety-assets[gpu]'"
)


class BackendUnavailableError(ImportError):
    """A generation backend's optional dependency is not installed."""


@dataclass(frozen=True)
class Generation:
    """Answers with their status: ``texts[i][j]`` is sample ``j`` of prompt ``i``;
    ``finished[i][j]`` is False when it stopped at ``max_new_tokens`` without EOS (a truncated
    answer, which must not be scored as a complete one); ``token_ids[i][j]`` are its new
    tokens, EOS excluded (empty for a backend that does not report them)."""

    texts: list[list[str]]
    finished: list[list[bool]]
    token_ids: list[list[list[int]]]

    @property
    def truncated_share(self) -> float:
        """Share of all samples that hit ``max_new_tokens`` without EOS (0 when none)."""
        flags = [flag for row in self.finished for flag in row]
        return (len(flags) - sum(flags)) / len(flags) if flags else 0.0


# --------------------------------------------------------------------------- helpers


SAMPLING_PRECISIONS = ("float32", "bfloat16", "auto")


def native_bf16(device: torch.device | str) -> bool:
    """Whether ``device`` runs bf16 matrix products natively: a CUDA device that supports
    them, or a CPU with oneDNN's bf16 kernels (AVX-512 or AMX; AVX2 alone emulates them and
    is slower than fp32)."""
    device = torch.device(device)
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        try:
            return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        except (AttributeError, RuntimeError):  # a build without oneDNN
            return False
    return False


def checked_sampling_precision(precision: str) -> str:
    """``precision`` when it is one of :data:`SAMPLING_PRECISIONS`; else a ValueError that
    lists them."""
    if precision not in SAMPLING_PRECISIONS:
        raise ValueError(f"unknown sampling precision {precision!r}; choose one of "
                         f"{', '.join(SAMPLING_PRECISIONS)}")
    return precision


def sampling_dtype(precision: str, device: torch.device | str) -> torch.dtype:
    """The dtype that ``precision`` (one of :data:`SAMPLING_PRECISIONS`) samples in on
    ``device``: ``auto`` is bf16 where :func:`native_bf16`, else fp32."""
    if checked_sampling_precision(precision) == "auto":
        return torch.bfloat16 if native_bf16(device) else torch.float32
    return getattr(torch, precision)


def sampling_copy(model: Any, dtype: torch.dtype) -> Any:
    """``model`` itself when its weights are already ``dtype``, else a copy in ``dtype`` with
    any LoRA adapters merged, for sampling only: ``model`` is left as it was. Taken per call,
    so that a model trained between calls is never sampled through a stale copy."""
    if next(model.parameters()).dtype == dtype:
        return model
    import copy

    twin = copy.deepcopy(model)
    if hasattr(twin, "merge_and_unload"):  # a peft model: one matrix per projection
        twin = twin.merge_and_unload()
    return twin.to(dtype).eval()


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
    """False when every text already starts with the BOS text or is a rendered chat prompt
    (those carry their own ``<s>`` / ``<|im_start|>``), so the tokenizer must not add another."""
    bos = getattr(tokenizer, "bos_token", None) or BOS
    templated = has_chat_template(tokenizer)
    return not all(t.startswith(bos) or (templated and is_rendered(tokenizer, t)) for t in texts)


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


def split_finished(
    new_tokens: torch.Tensor, eos_ids: Sequence[int]
) -> tuple[list[list[int]], list[bool]]:
    """(each row up to its first EOS, EOS dropped; whether the row had an EOS at all). A row
    without EOS ran into ``max_new_tokens``: it is unfinished."""
    eos = set(int(e) for e in eos_ids)
    rows = truncate_at_eos(new_tokens, eos_ids, keep_eos=True)
    finished = [bool(row) and row[-1] in eos for row in rows]
    return [row[:-1] if done else row for row, done in zip(rows, finished, strict=True)], finished


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
    share_prompt: bool = False,
    decoder: str = "loop",
    prefix: SharedPrefix | None = None,
    presence_penalty: float = 0.0,
) -> torch.Tensor:
    """Generated ids only, shape ``(batch * n, <= max_new_tokens)``; row ``i * n + j`` is sample
    ``j`` of prompt ``i``. Inputs must be left padded and on the model's device. Greedy decoding
    (temperature 0) is run once per prompt and repeated ``n`` times.

    ``decoder``: ``"loop"`` (:func:`safety_assets.rlhf.decoding.decode`: the same
    distribution, faster on CPU, its ``n`` samples always sharing one prompt pass) or
    ``"generate"`` (transformers' own). ``share_prompt`` (``generate``, sampling with
    ``n > 1``): run each prompt through the model once and copy its KV cache ``n`` times,
    instead of letting ``generate`` process ``n`` copies of the prompt. Either way the random
    draws differ from plain ``generate``'s, so a seed gives other (equally valid) samples.
    ``prefix`` (the loop only): the ids every prompt starts with, already computed; the
    inputs are then what follows it. ``presence_penalty``: see
    :func:`~safety_assets.rlhf.decoding.apply_presence_penalty`; both decoders apply it the
    same way."""
    from transformers import GenerationConfig, LogitsProcessorList

    if decoder not in DECODERS:
        raise ValueError(f"unknown decoder {decoder!r}; choose one of {', '.join(DECODERS)}")
    if prefix is not None and decoder != "loop":
        raise ValueError("a shared prefix needs the loop decoder")
    greedy = temperature <= 0
    if decoder == "loop":
        new = decode(model, input_ids, attention_mask, 1 if greedy else n, max_new_tokens,
                     temperature, top_p, pad_id, eos_ids, prefix=prefix,
                     presence_penalty=presence_penalty)
        return new.repeat_interleave(n, dim=0) if greedy and n > 1 else new
    shared = share_prompt and not greedy and n > 1 and input_ids.shape[1] > 1
    config = GenerationConfig(
        max_new_tokens=max_new_tokens,
        do_sample=not greedy,
        temperature=None if greedy else float(temperature),
        top_p=None if greedy else float(top_p),
        top_k=None if greedy else 0,
        num_return_sequences=1 if greedy or shared else n,
        # unset fields are filled from the checkpoint's generation_config: pin the ones that
        # would change plain temperature/top-p sampling
        repetition_penalty=1.0,
        no_repeat_ngram_size=0,
        pad_token_id=pad_id,
        eos_token_id=list(eos_ids) or None,
        use_cache=True,
    )
    extra: dict[str, Any] = {}
    if presence_penalty:
        extra["logits_processor"] = LogitsProcessorList(
            [AnswerPresencePenalty(input_ids.shape[1], presence_penalty)])
    with torch.no_grad():
        if shared:
            extra["cache"] = _shared_prompt_cache(model, input_ids, attention_mask, n)
            input_ids = input_ids.repeat_interleave(n, dim=0)
            attention_mask = attention_mask.repeat_interleave(n, dim=0)
        out = model.generate(
            input_ids=input_ids, attention_mask=attention_mask, generation_config=config,
            **extra,
        )
    new = out[:, input_ids.shape[1]:]
    if greedy and n > 1:
        new = new.repeat_interleave(n, dim=0)
    return new


class AnswerPresencePenalty:
    """A transformers logits processor for :func:`sample_ids`' ``generate`` route: the
    loop's presence penalty (:func:`~safety_assets.rlhf.decoding.apply_presence_penalty`)
    over the ids after the first ``prompt_width``, the answer's. ``generate`` runs it before
    its temperature, as the loop does."""

    def __init__(self, prompt_width: int, penalty: float) -> None:
        self.prompt_width = prompt_width
        self.penalty = penalty

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        answer = input_ids[:, self.prompt_width:]
        if not answer.shape[1]:
            return scores
        seen = torch.zeros_like(scores, dtype=torch.bool).scatter_(1, answer, True)
        return apply_presence_penalty(scores, seen, self.penalty)


def _shared_prompt_cache(
    model: Any, input_ids: torch.Tensor, attention_mask: torch.Tensor, n: int
) -> Any:
    """The KV cache of every prompt but its last token, computed once and repeated ``n``
    times along the batch. ``generate`` then starts from the last prompt token, exactly as it
    would after processing the whole prompt itself (it reads the cache length)."""
    from transformers import DynamicCache

    cache = DynamicCache(config=model.config)
    prefix_mask = attention_mask[:, :-1]
    # generate's own position ids for left-padded prompts: count real tokens only
    positions = (prefix_mask.long().cumsum(-1) - 1).clamp(min=0)
    # the prefix's logits are never read
    kwargs = {"logits_to_keep": 1} if accepts_logits_to_keep(model) else {}
    model(input_ids=input_ids[:, :-1], attention_mask=prefix_mask, position_ids=positions,
          cache=cache, use_cache=True, **kwargs)
    cache.batch_repeat_interleave(n)
    return cache


# --------------------------------------------------------------------------- backends


class ChatFormatted:
    """A model with its tokenizer, whose own chat template renders prompts."""

    tokenizer: Any

    def render_prompt(
        self, text: str, history: Any = None, system: str | None = None
    ) -> str:
        """``text`` (with earlier turns and a system prompt) in this model's chat format."""
        return render_prompt(self.tokenizer, text, history, system)


class GenerationBackend(ChatFormatted, ABC):
    """A sampling backend. It renders prompts in its model's chat format and answers with
    :meth:`generate_with_status`, which each backend implements; :meth:`generate` is that
    answer's texts: ``n`` sampled answers for each prompt, in prompt order."""

    def generate(
        self,
        prompts: list[str],
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = 0,
        presence_penalty: float = 0.0,
    ) -> list[list[str]]:
        return self.generate_with_status(
            prompts, n, max_new_tokens, temperature, top_p, seed, presence_penalty).texts

    @abstractmethod
    def generate_with_status(
        self,
        prompts: list[str],
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = 0,
        presence_penalty: float = 0.0,
    ) -> Generation:
        """``n`` answers for each prompt, with whether each ended with EOS.
        ``presence_penalty``: subtracted from the logit of each token an answer already
        holds (the generated tokens only, as OpenAI and vLLM define it; 0: none)."""


class HFBackend(GenerationBackend):
    """Batched sampling with transformers.

    ``model``: a checkpoint path (loaded with ``AutoModelForCausalLM`` / ``AutoTokenizer``), a
    ``(model, tokenizer)`` pair, or a model with ``tokenizer=`` given. ``batch_size`` is the
    number of prompts per ``generate`` call (each expanded to ``n`` sequences). Prompts are
    sorted by length before batching (less padding) and answers returned in prompt order. Each
    batch is seeded with ``seed + batch_index``, so a call is reproducible for a given seed.
    ``decoder``: ``"loop"`` (the default: :mod:`safety_assets.rlhf.decoding`, same
    distribution, about twice as fast on CPU) or ``"generate"`` (transformers' own).
    ``share_prompt_cache`` (``generate`` only; the loop always shares): compute each prompt
    once for its ``n`` samples (see :func:`sample_ids`); faster for ``n > 1``, but other
    samples for the same seed. ``share_common_prefix`` (the loop): the tokens every prompt of
    a call starts with (a few-shot primer, a system turn) are computed once per call
    (:class:`~safety_assets.rlhf.decoding.SharedPrefix`), not once per prompt.
    ``precision``: the weights answers are drawn with (:data:`SAMPLING_PRECISIONS`).
    ``float32`` (the default) samples from the model as it is; ``bfloat16`` from a bf16 copy
    taken at each call (:func:`sampling_copy`), the logits still handled in fp32; ``auto``:
    bf16 where the device runs it natively (:func:`native_bf16`). On SmolLM2-135M the bf16
    copy's next-token distribution is 0.0012 nats from the fp32 model's, per token
    (``benchmarks/sampling_real.py``). :attr:`sample_dtype` is the dtype it resolves to.
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
        share_prompt_cache: bool = False,
        decoder: str = "loop",
        share_common_prefix: bool = True,
        precision: str = "float32",
    ) -> None:
        if decoder not in DECODERS:
            raise ValueError(f"unknown decoder {decoder!r}; choose one of {', '.join(DECODERS)}")
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
        self.share_prompt_cache = share_prompt_cache
        self.decoder = decoder
        self.share_common_prefix = share_common_prefix and decoder == "loop"
        self.sample_dtype = sampling_dtype(precision, self.device)
        self.model.eval()

    def generate_with_status(
        self,
        prompts: list[str],
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = 0,
        presence_penalty: float = 0.0,
    ) -> Generation:
        """:meth:`generate`'s answers, with per answer whether it ended with EOS."""
        if n < 1:
            raise ValueError("n must be at least 1")
        if not prompts:
            return Generation([], [], [])
        ids = encode(self.tokenizer, prompts, self.add_special_tokens, self.max_prompt_tokens)
        order = list(range(len(ids)))
        if self.sort_by_length:
            order.sort(key=lambda i: len(ids[i]))
        pad_id = pad_token_id(self.tokenizer)
        eos = eos_ids_of(self.model, self.tokenizer)
        sampler = sampling_copy(self.model, self.sample_dtype)
        texts: list[list[str]] = [[] for _ in prompts]
        finished: list[list[bool]] = [[] for _ in prompts]
        token_ids: list[list[list[int]]] = [[] for _ in prompts]
        # Within one call the model's weights do not change, so a prefix computed for one
        # batch serves every later batch that starts with it too.
        shared: SharedPrefix | None = None
        for b, start in enumerate(range(0, len(order), self.batch_size)):
            chunk = order[start:start + self.batch_size]
            rows = [ids[i] for i in chunk]
            prefix = None
            if self.share_common_prefix:
                common = common_prefix(rows)
                if shared is not None and common[:len(shared.ids)] == shared.ids:
                    prefix = shared
                elif len(common) >= MIN_SHARED_PREFIX:
                    prefix = shared = SharedPrefix.build(sampler, common)
            if prefix is not None:
                rows = [row[len(prefix.ids):] for row in rows]
            input_ids, attention_mask = pad_batch(rows, pad_id, "left")
            with seeded(None if seed is None else seed + b, self.device):
                new = sample_ids(
                    sampler,
                    input_ids.to(self.device),
                    attention_mask.to(self.device),
                    n, max_new_tokens, temperature, top_p, pad_id, eos,
                    share_prompt=self.share_prompt_cache, decoder=self.decoder,
                    prefix=prefix, presence_penalty=presence_penalty,
                )
            rows, done = split_finished(new.cpu(), eos)
            decoded = self.tokenizer.batch_decode(rows, skip_special_tokens=True)
            for j, prompt_index in enumerate(chunk):
                part = slice(j * n, (j + 1) * n)
                texts[prompt_index] = [t.strip() for t in decoded[part]]
                finished[prompt_index] = done[part]
                token_ids[prompt_index] = rows[part]
        return Generation(texts, finished, token_ids)


class VLLMBackend(GenerationBackend):
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

    def generate_with_status(
        self,
        prompts: list[str],
        n: int = 1,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        seed: int | None = 0,
        presence_penalty: float = 0.0,
    ) -> Generation:
        """:meth:`generate`'s answers; ``finished`` is vLLM's ``finish_reason == "stop"``
        (EOS or a stop token) as opposed to ``"length"`` (cut at ``max_new_tokens``)."""
        if not prompts:
            return Generation([], [], [])
        greedy = temperature <= 0
        params = self._vllm.SamplingParams(
            n=n,
            temperature=0.0 if greedy else float(temperature),
            top_p=1.0 if greedy else float(top_p),
            max_tokens=max_new_tokens,
            seed=seed,
            presence_penalty=float(presence_penalty),
            skip_special_tokens=True,
        )
        ids = encode(self.tokenizer, prompts, self.add_special_tokens)
        requests = [{"prompt_token_ids": row} for row in ids]
        outputs = self.llm.generate(requests, params, use_tqdm=False)
        finished = [[c.finish_reason == "stop" for c in out.outputs] for out in outputs]
        eos = set(_as_list(getattr(self.tokenizer, "eos_token_id", None)))
        token_ids = [
            [[t for t in c.token_ids if t not in eos] for c in out.outputs] for out in outputs
        ]
        return Generation(
            [[c.text.strip() for c in out.outputs] for out in outputs], finished, token_ids
        )


def _as_list(value: Any) -> list[int]:
    if value is None:
        return []
    return [int(value)] if isinstance(value, int) else [int(v) for v in value]


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


def rm_input_ids(
    tokenizer: Any,
    prompts: Sequence[str],
    responses: Sequence[str],
    finished: Sequence[bool] | None = None,
    add_special_tokens: bool | None = None,
    max_length: int | None = None,
) -> list[list[int]]:
    """The ids a reward model reads for each (prompt, answer): the prompt's ids exactly as
    generation tokenizes the rendered prompt, then the answer's ids as
    :func:`~safety_assets.ml.chat_format.render_example` writes it for training (closing EOS
    included only where ``finished``; all finished when ``finished`` is None). Nothing is
    re-tokenized across the boundary. A bare user message is rendered first. Longer than
    ``max_length``: the last tokens are kept (the answer)."""
    flags = [True] * len(prompts) if finished is None else [bool(f) for f in finished]
    if not (len(prompts) == len(responses) == len(flags)):
        raise ValueError(
            f"{len(prompts)} prompts, {len(responses)} responses, {len(flags)} finished flags")
    if not prompts:
        return []
    rendered = [p if is_rendered(tokenizer, p) else render_prompt(tokenizer, p) for p in prompts]
    prompt_ids = encode(tokenizer, rendered, add_special_tokens)
    completions = [completion_text(tokenizer, r, f) for r, f in zip(responses, flags, strict=True)]
    answer_ids = tokenizer(completions, add_special_tokens=False)["input_ids"]
    ids = [list(p) + list(a) for p, a in zip(prompt_ids, answer_ids, strict=True)]
    return [row[-max_length:] for row in ids] if max_length is not None else ids


# Padded tokens per scoring batch. On CPU a forward pass over long texts runs faster in
# small batches (50 HH-RLHF dialogues on SmolLM2, 2 cores: 43 s 16 at a time, 29 s one at a
# time, 26 s within this bound; the activations outgrow the caches), while short texts
# still want many per batch.
DEFAULT_BATCH_TOKENS = 1024


def token_budget_batches(lengths: Sequence[int], batch_size: int,
                         max_batch_tokens: int | None) -> Iterator[list[int]]:
    """Consecutive index batches over ``lengths`` (sorted ascending) of at most
    ``batch_size`` rows whose padded size (rows x longest) stays within
    ``max_batch_tokens``; a row longer than the budget gets a batch of its own.
    ``max_batch_tokens=None``: plain batches of ``batch_size``."""
    batch: list[int] = []
    for i, length in enumerate(lengths):
        if batch and (len(batch) == batch_size or (
                max_batch_tokens is not None
                and (len(batch) + 1) * length > max_batch_tokens)):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def score_responses(
    reward_model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    responses: Sequence[str],
    batch_size: int = 16,
    device: str | torch.device | None = None,
    max_length: int | None = None,
    format_fn: Callable[[str, str], str] | None = None,
    add_special_tokens: bool | None = None,
    finished: Sequence[bool] | None = None,
    max_batch_tokens: int | None = DEFAULT_BATCH_TOKENS,
) -> torch.Tensor:
    """Scalar reward-model outputs (float32, CPU, shape ``(N,)``) for N (prompt, answer) pairs.

    Works with any ``AutoModelForSequenceClassification``-style model with ``num_labels=1``
    (it reads the last non-pad token). The inputs are :func:`rm_input_ids` (``finished``: which
    answers ended with EOS; an unfinished one is scored without its closing EOS); texts are
    right padded with the tokenizer's pad id (EOS when it has none), which is written into the
    model config when missing; texts longer than ``max_length`` keep their last tokens (the
    answer). ``format_fn(prompt, answer) -> text`` (e.g. :func:`rm_text`) is the older route
    that tokenizes one joined string. Texts are scored in batches of similar length, at most
    ``batch_size`` texts and ``max_batch_tokens`` padded tokens each (see
    :func:`token_budget_batches`; ``None``: no token bound). Use :func:`probs` for R_s / R_h.
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
    if format_fn is not None:
        if finished is not None:
            raise ValueError("finished flags need the token route: leave format_fn unset")
        texts = [format_fn(p, r) for p, r in zip(prompts, responses, strict=True)]
        ids = encode(tokenizer, texts, add_special_tokens, max_length)
    else:
        ids = rm_input_ids(tokenizer, prompts, responses, finished, add_special_tokens,
                           max_length)
    was_training = reward_model.training
    reward_model.eval()
    # Batches of similar length: a batch is padded to its longest text, and texts of mixed
    # length (HH-RLHF dialogues run from tens to hundreds of tokens) would mostly feed pads.
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    scores = torch.empty(len(ids), dtype=torch.float32)
    with torch.no_grad():
        for rows in token_budget_batches([len(ids[i]) for i in order], batch_size,
                                         max_batch_tokens):
            rows = [order[i] for i in rows]
            input_ids, attention_mask = pad_batch([ids[i] for i in rows], pad_id, "right")
            out = reward_model(input_ids=input_ids.to(dev), attention_mask=attention_mask.to(dev))
            logits = out.logits if hasattr(out, "logits") else out[0]
            scores[rows] = logits.reshape(logits.shape[0], -1)[:, 0].float().cpu()
    reward_model.train(was_training)
    return scores


__all__ = [
    "BACKENDS",
    "DECODERS",
    "VLLM_MISSING",
    "BackendUnavailableError",
    "Generation",
    "GenerationBackend",
    "HFBackend",
    "RewardScorer",
    "VLLMBackend",
    "encode",
    "make_backend",
    "pad_batch",
    "probs",
    "reward_model_scorer",
    "rm_input_ids",
    "rm_text",
    "sample_ids",
    "score_responses",
    "seeded",
    "split_finished",
    "token_budget_batches",
    "truncate_at_eos",
    "vllm_available",
]


class RewardScorer(ChatFormatted):
    """A loaded reward model and its tokenizer: ``scorer(prompts, responses, finished=None)``
    gives the RM's scalar outputs (:func:`probs` turns them into R in (0, 1)).
    :meth:`render_prompt` renders a prompt in the RM's own chat format."""

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 16) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.batch_size = batch_size

    def __call__(
        self,
        prompts: Sequence[str],
        responses: Sequence[str],
        finished: Sequence[bool] | None = None,
    ) -> torch.Tensor:
        return score_responses(self.model, self.tokenizer, prompts, responses,
                               batch_size=self.batch_size, finished=finished)


def reward_model_scorer(
    path: str | Path, device: str | torch.device | None = "cpu", batch_size: int = 16
) -> RewardScorer:
    """Load a saved reward model and its tokenizer once, as a :class:`RewardScorer` (called
    like before: ``scorer(prompts, responses)``; ``finished=`` marks truncated answers)."""
    from safety_assets.ml.modeling import load_reward_model
    from safety_assets.ml.tokenizer import load_tokenizer

    model = load_reward_model(path, device=device).eval()
    tokenizer = load_tokenizer(path, padding_side="right")
    return RewardScorer(model, tokenizer, batch_size)
