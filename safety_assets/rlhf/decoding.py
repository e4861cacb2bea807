"""A sampling loop over a transformers causal LM's KV cache, for CPU throughput.

``model.generate`` spends as long choosing each token as the forward pass takes to compute
it, on a 135M-parameter model at batch 32 on two cores: its top-p sorts the whole vocabulary
(49,152 entries for SmolLM2) for every row and step, and draws from all of it. It also keeps
finished rows in the batch until the longest answer ends, and computes the LM head on every
prompt position. This loop samples from the same distribution without those costs:

- **Top-p from the top k.** The nucleus (the fewest tokens, most probable first, whose mass
  reaches ``top_p``) lies inside the ``k`` most probable tokens whenever their mass reaches
  ``top_p``. Then a partial ``topk`` gives the exact nucleus; a row whose top ``k`` fall short
  tries a wider ``k``, then the full sort. Same kept tokens and renormalised probabilities as
  transformers' ``TopPLogitsWarper`` (which keeps a token while the mass before it is below
  ``top_p``, and always the first).
- **Finished rows leave the batch.** A row that drew EOS is dropped from the cache, so later
  steps cost only the rows still writing.
- **The prompt's LM head is skipped** (``logits_to_keep=1``): only its last position's logits
  are read.
- **K samples share one prompt pass** (``share_prompt``): the prompt's cache and its
  next-token distribution are computed once and repeated ``n`` times.
- **A prefix every prompt shares is computed once** (:class:`SharedPrefix`): TruthfulQA's
  6-shot primer is about 300 of each prompt's 320 tokens, a chat template's system turn a
  few dozen. Its KV cache is computed for one row and copied for the batch; the rest of each
  prompt follows it, left padded *after* the prefix and masked out, with its own positions.

The random draws are not those of ``generate`` (it draws over the whole vocabulary), so a
seed gives other, equally distributed, samples. ``benchmarks/sampling_real.py`` measures the
two side by side.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

# Widths tried for the nucleus before the full sort: 256 holds it for most rows of a chat
# model at T=1, top-p 0.9; 4,096 for nearly all the rest.
NUCLEUS_WIDTHS = (256, 4096)


def _nucleus_pick(probs: torch.Tensor, idx: torch.Tensor, top_p: float) -> torch.Tensor:
    """Draw one token per row from the nucleus of ``probs`` (sorted descending, with their
    vocabulary ids ``idx``)."""
    before = probs.cumsum(-1) - probs
    keep = before < top_p
    keep[:, 0] = True   # transformers' min_tokens_to_keep=1
    weights = probs.masked_fill(~keep, 0.0)
    return idx.gather(-1, torch.multinomial(weights, 1)).squeeze(-1)


def draw_tokens(logits: torch.Tensor, temperature: float, top_p: float,
                widths: Sequence[int] = NUCLEUS_WIDTHS) -> torch.Tensor:
    """One token id per row of ``logits`` (rows x vocabulary): the argmax when
    ``temperature <= 0``, otherwise a draw from the temperature-scaled distribution cut to
    its top-``top_p`` nucleus (exactly; see the module docstring)."""
    if temperature <= 0:
        return logits.argmax(-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p >= 1.0:
        return torch.multinomial(probs, 1).squeeze(-1)
    chosen = torch.empty(probs.shape[0], dtype=torch.long, device=probs.device)
    pending = torch.arange(probs.shape[0], device=probs.device)
    vocabulary = probs.shape[-1]
    for width in widths:
        if width >= vocabulary or not len(pending):
            break
        top, idx = probs[pending].topk(width, dim=-1)
        holds = top.sum(-1) >= top_p
        if holds.any():
            chosen[pending[holds]] = _nucleus_pick(top[holds], idx[holds], top_p)
        pending = pending[~holds]
    if len(pending):
        top, idx = probs[pending].sort(dim=-1, descending=True)
        chosen[pending] = _nucleus_pick(top, idx, top_p)
    return chosen


# Shorter shared prefixes are not worth a pass of their own.
MIN_SHARED_PREFIX = 16


def common_prefix(rows: Sequence[Sequence[int]]) -> list[int]:
    """The longest run of ids that every row starts with, leaving each row at least one id
    of its own (the first new token is drawn from the logits of a row's own last id)."""
    if not rows:
        return []
    first = rows[0]
    room = min(len(row) for row in rows) - 1
    n = 0
    while n < room and all(row[n] == first[n] for row in rows):
        n += 1
    return list(first[:n])


@dataclass
class SharedPrefix:
    """The KV cache of ``ids``, the tokens every prompt of a batch starts with, computed for
    one row with the model's weights at :meth:`build` time (build it again after a weight
    update)."""

    ids: list[int]
    cache: Any

    @classmethod
    def build(cls, model: Any, ids: Sequence[int]) -> SharedPrefix:
        from transformers import DynamicCache

        if not ids:
            raise ValueError("a shared prefix needs at least one token")
        device = next(model.parameters()).device
        cache = DynamicCache(config=model.config)
        extra = {"logits_to_keep": 1} if accepts_logits_to_keep(model) else {}
        with torch.no_grad():
            model(input_ids=torch.tensor([list(ids)], device=device), cache=cache,
                  use_cache=True, **extra)
        return cls(list(ids), cache)

    def repeated(self, rows: int) -> Any:
        """A copy for ``rows`` rows (a forward pass appends to the cache it is given)."""
        fresh = copy.deepcopy(self.cache)
        fresh.batch_repeat_interleave(rows)
        return fresh


def apply_presence_penalty(logits: torch.Tensor, seen: torch.Tensor,
                           penalty: float) -> torch.Tensor:
    """``logits`` less ``penalty`` wherever ``seen`` (rows x vocabulary, booleans) marks a
    token the row's answer already holds: OpenAI's and vLLM's ``presence_penalty``, applied
    to the generated tokens only. Not transformers' ``repetition_penalty``, which also counts
    the prompt's tokens: a chat prompt holds the end-of-turn token, and penalising it keeps a
    small model from ever ending (SmolLM2-135M at T=0.7 finished 2 of 32 answers at 1.2)."""
    return logits - penalty * seen.to(logits.dtype)


def accepts_logits_to_keep(model: Any) -> bool:
    """Whether ``model`` (or the model under a peft wrapper) can skip the LM head on all but
    the last positions."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model  # peft
    with contextlib.suppress(TypeError, ValueError):
        return "logits_to_keep" in inspect.signature(base.forward).parameters
    return False


def decode(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    n: int,
    max_new_tokens: int,
    temperature: float,
    top_p: float,
    pad_id: int,
    eos_ids: Sequence[int],
    share_prompt: bool = True,
    prefix: SharedPrefix | None = None,
    presence_penalty: float = 0.0,
) -> torch.Tensor:
    """New token ids, shape ``(batch * n, <= max_new_tokens)``, row ``i * n + j`` sample
    ``j`` of prompt ``i``; after a row's EOS come ``pad_id``s, and the width is the longest
    answer's (as ``generate`` returns them). Inputs are left padded, on the model's device.
    ``share_prompt``: one prompt pass for the ``n`` samples (otherwise each of the ``n``
    copies is computed, as ``generate(num_return_sequences=n)`` does). ``prefix``: every
    prompt is ``prefix.ids`` followed by its row of ``input_ids`` (each row holding at least
    one real token). ``presence_penalty``: subtracted from the logit of every token the row's
    answer already holds, before the temperature (:func:`apply_presence_penalty`)."""
    from transformers import DynamicCache

    device = input_ids.device
    if not share_prompt and n > 1:
        input_ids = input_ids.repeat_interleave(n, dim=0)
        attention_mask = attention_mask.repeat_interleave(n, dim=0)
        n = 1
    rows = input_ids.shape[0] * n
    out = torch.full((rows, max_new_tokens), pad_id, dtype=torch.long, device=device)
    if max_new_tokens <= 0 or rows == 0:
        return out
    mask = attention_mask.long()
    # generate's position ids for left-padded prompts: count real tokens only
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    if prefix is None:
        cache = DynamicCache(config=model.config)
    else:
        # the rows go on from the prefix: their padding sits between the two, masked out
        cache = prefix.repeated(input_ids.shape[0])
        positions = positions + len(prefix.ids)
        mask = torch.cat([mask.new_ones(mask.shape[0], len(prefix.ids)), mask], dim=-1)
    extra = {"logits_to_keep": 1} if accepts_logits_to_keep(model) else {}
    # .float(): a bf16 sampling copy gives bf16 logits, which step by 1/16 near 10; the
    # penalty and the nucleus are computed in fp32 as transformers' generate does.
    with torch.no_grad():
        logits = model(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                       cache=cache, use_cache=True, **extra).logits[:, -1].float()
        if n > 1:
            cache.batch_repeat_interleave(n)
            logits = logits.repeat_interleave(n, dim=0)
            mask = mask.repeat_interleave(n, dim=0)
            positions = positions.repeat_interleave(n, dim=0)
        last = positions[:, -1]
        active = torch.arange(rows, device=device)
        eos = torch.tensor(list(eos_ids), dtype=torch.long, device=device)
        width = 0
        # which vocabulary ids each active row's answer holds so far (only with a penalty)
        seen = (torch.zeros(rows, logits.shape[-1], dtype=torch.bool, device=device)
                if presence_penalty else None)
        for step in range(max_new_tokens):
            if seen is not None:
                logits = apply_presence_penalty(logits, seen, presence_penalty)
            tokens = draw_tokens(logits, temperature, top_p)
            if seen is not None:
                seen[torch.arange(len(tokens), device=device), tokens] = True
            out[active, step] = tokens
            width = step + 1
            writing = ~torch.isin(tokens, eos)
            if not writing.all():
                keep = writing.nonzero().squeeze(-1)
                if not len(keep):
                    break
                cache.batch_select_indices(keep)
                active, tokens, mask, last = active[keep], tokens[keep], mask[keep], last[keep]
                if seen is not None:
                    seen = seen[keep]
            if step == max_new_tokens - 1:
                break
            mask = torch.cat([mask, mask.new_ones(len(active), 1)], dim=-1)
            last = last + 1
            logits = model(input_ids=tokens[:, None], attention_mask=mask,
                           position_ids=last[:, None], cache=cache, use_cache=True
                           ).logits[:, -1].float()
    return out[:, :width]
