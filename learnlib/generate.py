"""Text generation for the Llama of notebook 10: greedy, temperature and top-p (nucleus) sampling, KV cache or not.

With the cache, the prompt goes through the model once (prefill) and each new token costs one position;
without it, every step runs the whole sequence again. Both give the same tokens (a test checks it).
"""

from __future__ import annotations

import torch

from .llama import KVCache, Llama


def sample_next(logits: torch.Tensor, temperature: float = 0.0, top_p: float = 1.0,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Pick one token per row of logits (B, V): argmax at temperature 0, else sample from the top-p nucleus."""
    if temperature < 0 or not 0 < top_p <= 1:
        raise ValueError(f"temperature must be >= 0 and top_p in (0, 1], got {temperature!r} and {top_p!r}.")
    if temperature == 0:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    # keep the most likely tokens until their mass reaches top_p (the first one always stays)
    outside = sorted_probs.cumsum(dim=-1) - sorted_probs >= top_p
    sorted_probs = sorted_probs.masked_fill(outside, 0.0)
    choice = torch.multinomial(sorted_probs, 1, generator=generator)  # (B, 1), renormalised by multinomial
    return order.gather(-1, choice).squeeze(-1)


@torch.no_grad()  # not inference_mode: the ids it returns may feed a training step later
def generate(model: Llama, ids: torch.Tensor, max_new_tokens: int, temperature: float = 0.0, top_p: float = 1.0,
             generator: torch.Generator | None = None, use_cache: bool = True,
             eos_id: int | None = None, pad: torch.Tensor | None = None) -> torch.Tensor:
    """Return ids (B, T) followed by up to `max_new_tokens` generated tokens; rows that reach eos_id pad with it.

    Prompts of different lengths go in one batch left-padded (learnlib.llama.left_pad), with `pad` counting each
    row's padding tokens.
    """
    if ids.dim() != 2 or ids.shape[1] == 0:
        raise ValueError(f"ids must be a (batch, tokens) tensor with at least one token, got {tuple(ids.shape)}.")
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens!r}.")
    total = ids.shape[1] + max_new_tokens
    if total > model.config.context_length:
        raise ValueError(f"The prompt ({ids.shape[1]:,} tokens) plus {max_new_tokens:,} new tokens exceed the "
                         f"context of {model.config.context_length:,} tokens: shorten the prompt.")
    weight = model.embed_tokens.weight
    cache = KVCache(model.config, ids.shape[0], total, weight.device, weight.dtype) if use_cache else None
    out, done = ids, torch.zeros(ids.shape[0], dtype=torch.bool, device=ids.device)
    for step in range(max_new_tokens):
        if not use_cache:
            logits = model(out, pad=pad)[:, -1]  # the whole sequence, every step
        elif step == 0:
            logits = model(ids, cache, 0, pad)[:, -1]  # prefill: the prompt's keys and values go into the cache
        else:
            logits = model(out[:, -1:], cache, out.shape[1] - 1, pad)[:, -1]  # one new position
        token = sample_next(logits, temperature, top_p, generator)  # (B,)
        if eos_id is not None:
            token = token.masked_fill(done, eos_id)
            done |= token == eos_id
        out = torch.cat([out, token[:, None]], dim=1)
        if eos_id is not None and bool(done.all()):
            break
    return out
