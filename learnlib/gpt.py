"""A small GPT (decoder-only transformer) and text generation with a KV cache (notebook 07; reused by 08, 09).

The notebook writes these classes out by hand, one piece at a time; this is the tested twin. Layout as in
GPT-2: token and position embeddings, `n_layer` pre-LayerNorm blocks (causal self-attention, then an MLP,
each inside a residual connection), a final LayerNorm and a linear head that shares its weight with the
token embedding. Shapes in comments: B batch, T time (tokens), C channels (n_embd), H heads, D = C / H.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .errors import check_positive_ints


class KVCache:
    """Keys and values of every layer for the tokens seen so far, so that each new token costs one step."""

    def __init__(self, n_layer: int, batch: int, n_head: int, block_size: int, head_dim: int,
                 device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> None:
        shape = (batch, n_head, block_size, head_dim)  # (B, H, block_size, D), filled up to self.length
        self.keys = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(n_layer)]
        self.values = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(n_layer)]
        self.length = 0  # tokens stored so far
        self.block_size = block_size


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention: each position attends to itself and the positions before it."""

    def __init__(self, n_embd: int, n_head: int, dropout: float = 0.0) -> None:
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be divisible by n_head ({n_head}); change one of them.")
        self.n_head, self.dropout = n_head, dropout
        self.qkv = nn.Linear(n_embd, 3 * n_embd)  # queries, keys and values of all heads in one matmul
        self.proj = nn.Linear(n_embd, n_embd)  # mixes the heads' outputs back into the residual stream
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        """Return the attention output (B, T, C); with a cache, `x` holds only the new tokens."""
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # 3 x (B, T, C)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
        p = self.dropout if self.training else 0.0
        if cache is None:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        else:
            start = cache.length
            cache.keys[layer][:, :, start:start + T] = k
            cache.values[layer][:, :, start:start + T] = v
            k, v = cache.keys[layer][:, :, :start + T], cache.values[layer][:, :, :start + T]  # (B, H, S, D)
            # New query i sits at position start + i: it may see every cached key up to that position.
            mask = torch.ones(T, start + T, dtype=torch.bool, device=x.device).tril(diagonal=start)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        y = y.transpose(1, 2).reshape(B, T, C)  # heads side by side again: (B, T, C)
        return self.resid_dropout(self.proj(y))


class Block(nn.Module):
    """One transformer block, pre-LayerNorm: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, n_embd: int, n_head: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd),
                                 nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        """Return the block's output, the same shape (B, T, C) as its input."""
        x = x + self.attn(self.ln1(x), cache, layer)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """A GPT language model: token ids (B, T) in, next-token logits (B, T, vocab_size) out."""

    def __init__(self, vocab_size: int, block_size: int, n_layer: int = 4, n_head: int = 4, n_embd: int = 128,
                 dropout: float = 0.0) -> None:
        super().__init__()
        check_positive_ints(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=n_head,
                            n_embd=n_embd)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}.")
        self.vocab_size, self.block_size = vocab_size, block_size
        self.n_layer, self.n_head, self.n_embd = n_layer, n_head, n_embd
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(n_embd, n_head, dropout) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight  # weight tying: one matrix maps ids to vectors and back
        self.apply(_init_weights)
        for name, p in self.named_parameters():  # GPT-2: scale the layers that write into the residual stream
            if name.endswith(("attn.proj.weight", "mlp.2.weight")):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Return logits (B, T, vocab_size) for token ids `idx` (B, T); with a cache, `idx` are the new tokens."""
        check_ids(idx, self.vocab_size)
        start = 0 if cache is None else cache.length
        B, T = idx.shape
        if start + T > self.block_size:
            raise ValueError(f"The context has {start + T} tokens but the model's block_size is {self.block_size}; "
                             f"pass at most the last {self.block_size} tokens (idx[:, -{self.block_size}:]).")
        pos = torch.arange(start, start + T, device=idx.device)  # (T,)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))  # (B, T, C)
        for i, block in enumerate(self.blocks):
            x = block(x, cache, i)
        if cache is not None:
            cache.length += T
        return self.head(self.ln_f(x))  # (B, T, vocab_size)


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if getattr(module, "bias", None) is not None:
            nn.init.zeros_(module.bias)


def check_ids(idx: torch.Tensor, vocab_size: int) -> None:
    """Raise a clear error unless `idx` is a (B, T) integer tensor of ids in [0, vocab_size) with T >= 1."""
    if not isinstance(idx, torch.Tensor) or idx.dtype not in (torch.int64, torch.int32):
        got = idx.dtype if isinstance(idx, torch.Tensor) else type(idx).__name__
        raise TypeError(f"idx must be an int64 tensor of token ids, got {got}; encode text with the vocabulary first.")
    if idx.dim() != 2 or idx.shape[1] == 0:
        raise ValueError(f"idx must have shape (batch, tokens) with at least one token, got {tuple(idx.shape)}; "
                         "add a batch dimension with idx.unsqueeze(0).")
    if idx.numel() and (idx.min() < 0 or idx.max() >= vocab_size):
        raise ValueError(f"idx holds token ids outside the vocabulary [0, {vocab_size}) (min {idx.min().item()}, "
                         f"max {idx.max().item()}); encode with the vocabulary the model was trained with.")


def new_cache(model: GPT, batch: int) -> KVCache:
    """Return an empty KVCache sized for `model` and a batch of `batch` sequences."""
    check_positive_ints(batch=batch)
    p = next(model.parameters())
    return KVCache(model.n_layer, batch, model.n_head, model.block_size, model.n_embd // model.n_head,
                   device=p.device, dtype=p.dtype)


def sample_next(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Sample one token id per row from logits (B, vocab_size) with temperature and top-k; return (B, 1)."""
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}; use a small value such as 0.01 for "
                         "nearly greedy decoding.")
    logits = logits / temperature
    if top_k is not None:
        if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be a positive integer or None, got {top_k!r}.")
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]  # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))  # keep only the k most likely tokens
    probs = torch.softmax(logits, dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator)


@torch.inference_mode()
def generate(model: GPT, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
             top_k: int | None = None, generator: torch.Generator | None = None,
             use_cache: bool = True) -> torch.Tensor:
    """Extend token ids `idx` (B, T) by `max_new_tokens` sampled tokens; return (B, T + max_new_tokens).

    Without a cache every step reruns the model on the whole context (its last block_size tokens). With
    the cache, each step feeds only the newest token; the logits, and so the samples, are the same. When the
    context outgrows block_size, the positions of all kept tokens shift, so the cache is rebuilt from the
    last block_size tokens (one full step, exactly what the uncached path computes).
    """
    check_positive_ints(max_new_tokens=max_new_tokens)
    check_ids(idx, model.vocab_size)
    was_training = model.training
    model.eval()
    cache, fresh = None, idx
    for _ in range(max_new_tokens):
        if not use_cache:
            logits = model(idx[:, -model.block_size:])
        else:
            if cache is None or cache.length + fresh.shape[1] > model.block_size:
                cache, fresh = new_cache(model, idx.shape[0]), idx[:, -model.block_size:]
            logits = model(fresh, cache)
        nxt = sample_next(logits[:, -1, :], temperature, top_k, generator)  # (B, 1)
        idx, fresh = torch.cat([idx, nxt], dim=1), nxt
    model.train(was_training)
    return idx
