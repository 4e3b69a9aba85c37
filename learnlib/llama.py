"""A Llama-family decoder (notebook 10): RMSNorm, rotary positions, grouped-query attention, a SwiGLU MLP and a
tied output head; weights loaded from a GGUF file; generation with a pre-allocated KV cache.

Module names follow Hugging Face's LlamaForCausalLM without its `model.` prefix (layers.0.self_attn.q_proj, ...),
so a state dict moves between the two by renaming keys, and the tests compare the two models directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .gguf import GGUFFile, load_tensor, read_gguf, unpermute_qk


@dataclass(frozen=True)
class LlamaConfig:
    """The hyperparameters of a Llama model (SmolLM2-135M: vocab 49,152, dim 576, 30 layers, 9 / 3 heads)."""

    vocab_size: int
    dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    hidden_dim: int
    norm_eps: float = 1e-5
    rope_theta: float = 10_000.0
    context_length: int = 2048
    tie_embeddings: bool = True

    @property
    def head_dim(self) -> int:
        """Width of one attention head: dim / n_heads (SmolLM2-135M: 576 / 9 = 64)."""
        return self.dim // self.n_heads


def config_from_gguf(gguf: GGUFFile) -> LlamaConfig:
    """Return the LlamaConfig stored in a GGUF file's metadata; another architecture raises a ValueError."""
    arch = gguf.metadata.get("general.architecture")
    if arch != "llama":
        raise ValueError(f"{gguf.path.name} holds a {arch!r} model; load_llama reads Llama-architecture files "
                         f"(general.architecture = 'llama'), such as SmolLM2 or Llama 3.")
    m = gguf.metadata
    n_heads = m["llama.attention.head_count"]
    vocab = m.get("llama.vocab_size") or len(m["tokenizer.ggml.tokens"])
    return LlamaConfig(vocab_size=vocab, dim=m["llama.embedding_length"], n_layers=m["llama.block_count"],
                       n_heads=n_heads, n_kv_heads=m.get("llama.attention.head_count_kv", n_heads),
                       hidden_dim=m["llama.feed_forward_length"],
                       norm_eps=m.get("llama.attention.layer_norm_rms_epsilon", 1e-5),
                       rope_theta=m.get("llama.rope.freq_base", 10_000.0),
                       context_length=m.get("llama.context_length", 2048),
                       tie_embeddings="output.weight" not in gguf.tensors)


class RMSNorm(nn.Module):
    """x / sqrt(mean(x^2) + eps) * weight, computed in float32: no mean is subtracted, unlike LayerNorm."""

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.float()
        return self.weight * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)


def rope_tables(head_dim: int, length: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Return cos and sin (length, head_dim) of the rotary angles: position p turns pair i by p * theta^(-2i/d)."""
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)  # (head_dim / 2,)
    angles = torch.outer(torch.arange(length, dtype=torch.float32), inv_freq)  # (length, head_dim / 2)
    angles = torch.cat([angles, angles], dim=-1)  # the two halves of a head form the rotated pairs
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate (B, H, T, D) queries or keys by the angles of their positions: cos and sin are (T, D)."""
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


class KVCache:
    """Keys and values of every layer, pre-allocated: (n_layers, B, n_kv_heads, max_len, head_dim) each."""

    def __init__(self, config: LlamaConfig, batch: int, max_len: int, device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32) -> None:
        shape = (config.n_layers, batch, config.n_kv_heads, max_len, config.head_dim)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.max_len = max_len

    @property
    def nbytes(self) -> int:
        """Bytes held: 2 (keys and values) x layers x batch x kv heads x max_len x head_dim x element size."""
        return self.k.nbytes + self.v.nbytes

    def update(self, layer: int, start: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store k, v (B, Hkv, T, D) at positions start .. start + T - 1; return all keys and values so far."""
        end = start + k.shape[2]
        if end > self.max_len:
            raise ValueError(f"The KV cache holds {self.max_len} positions; position {end - 1} does not fit. "
                             f"Make the cache longer (max_len) or generate fewer tokens.")
        self.k[layer, :, :, start:end], self.v[layer, :, :, start:end] = k, v
        return self.k[layer, :, :, :end], self.v[layer, :, :, :end]


class Attention(nn.Module):
    """Grouped-query attention: n_heads query heads share n_kv_heads key/value heads (SmolLM2: 9 share 3)."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        hd = config.head_dim
        self.n_heads, self.n_kv_heads, self.head_dim = config.n_heads, config.n_kv_heads, hd
        self.q_proj = nn.Linear(config.dim, config.n_heads * hd, bias=False)
        self.k_proj = nn.Linear(config.dim, config.n_kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(config.dim, config.n_kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(config.n_heads * hd, config.dim, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache: KVCache | None = None,
                layer: int = 0, start: int = 0, mask: torch.Tensor | None = None) -> torch.Tensor:
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.n_heads, self.head_dim).transpose(1, 2)  # (B, H, T, D)
        k = self.k_proj(x).view(B, T, self.n_kv_heads, self.head_dim).transpose(1, 2)  # (B, Hkv, T, D)
        v = self.v_proj(x).view(B, T, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if cache is not None:
            k, v = cache.update(layer, start, k, v)  # (B, Hkv, start + T, D)
        if mask is None:  # causal: query i sees keys 0 .. i (one new token sees every cached key)
            out = F.scaled_dot_product_attention(q, k, v, is_causal=T > 1, enable_gqa=True)
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
        return self.o_proj(out.transpose(1, 2).reshape(B, T, -1))


class MLP(nn.Module):
    """SwiGLU: down(silu(gate(x)) * up(x)), widening dim to hidden_dim and back."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(config.dim, config.hidden_dim, bias=False)
        self.up_proj = nn.Linear(config.dim, config.hidden_dim, bias=False)
        self.down_proj = nn.Linear(config.hidden_dim, config.dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    """Pre-norm transformer block: x + attention(norm(x)), then x + mlp(norm(x))."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.input_layernorm = RMSNorm(config.dim, config.norm_eps)
        self.self_attn = Attention(config)
        self.post_attention_layernorm = RMSNorm(config.dim, config.norm_eps)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache: KVCache | None = None,
                layer: int = 0, start: int = 0, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, layer, start, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    """Token ids (B, T) -> next-token logits (B, T, vocab_size); with a KVCache, T new tokens from `start` on."""

    def __init__(self, config: LlamaConfig) -> None:
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.dim)
        self.layers = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.norm = RMSNorm(config.dim, config.norm_eps)
        self.lm_head = nn.Linear(config.dim, config.vocab_size, bias=False)
        if config.tie_embeddings:
            self.lm_head.weight = self.embed_tokens.weight  # one matrix reads tokens in and scores them out
        cos, sin = rope_tables(config.head_dim, config.context_length, config.rope_theta)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)

    def forward(self, ids: torch.Tensor, cache: KVCache | None = None, start: int = 0,
                pad: torch.Tensor | None = None) -> torch.Tensor:
        """Logits for ids at positions start .. start + T - 1; `pad` (B,) counts each row's left-padding tokens."""
        if ids.dim() != 2 or ids.dtype != torch.long:
            raise ValueError(f"ids must be a (batch, tokens) tensor of token ids (torch.long), got "
                             f"{tuple(ids.shape)} {ids.dtype}.")
        T = ids.shape[1]
        if start + T > self.config.context_length:
            raise ValueError(f"{start + T:,} tokens do not fit the model's context of "
                             f"{self.config.context_length:,}: shorten the prompt or generate fewer tokens.")
        cos, sin = self.rope_cos[start:start + T], self.rope_sin[start:start + T]
        mask = attention_mask(T, start, pad, ids.device) if pad is not None or (start and T > 1) else None
        x = self.embed_tokens(ids)  # (B, T, dim)
        for i, block in enumerate(self.layers):
            x = block(x, cos, sin, cache, i, start, mask)
        return self.lm_head(self.norm(x))  # (B, T, vocab_size)


def attention_mask(T: int, start: int, pad: torch.Tensor | None, device: torch.device | str) -> torch.Tensor:
    """Which keys each query may see, (T, start + T) or with `pad` (B, 1, T, start + T): True = attend.

    Causal: the query at position p sees keys 0 .. p. With left padding, row b also hides its first pad[b] keys.
    Rotary embeddings make attention depend on relative positions only, so a left-padded row gives the logits
    of the same row unpadded (to float rounding); a padding query sees itself, so that no row of scores is empty.
    """
    keys = torch.arange(start + T, device=device)
    queries = torch.arange(start, start + T, device=device)[:, None]
    allowed = keys <= queries  # (T, S)
    if pad is None:
        return allowed
    real = keys[None, None, :] >= pad.to(device)[:, None, None]  # (B, 1, S)
    return ((allowed & real) | (keys == queries))[:, None]  # (B, 1, T, S)


def left_pad(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ids (B, L), the sequences right-aligned with pad_id in front, and pad (B,): how many were added."""
    if not sequences or not all(sequences):
        raise ValueError("left_pad needs at least one sequence, and no empty one.")
    length = max(map(len, sequences))
    pad = torch.tensor([length - len(s) for s in sequences])
    return torch.tensor([[pad_id] * (length - len(s)) + list(s) for s in sequences]), pad


# each layer's GGUF tensor names -> this module's names
_LAYER_NAMES = {
    "attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
    "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
}


def gguf_state_dict(gguf: GGUFFile, config: LlamaConfig) -> dict[str, torch.Tensor]:
    """Return the GGUF file's weights as float32 tensors under this module's names, q/k rows in rotary order."""
    state = {"embed_tokens.weight": load_tensor(gguf, "token_embd.weight"),
             "norm.weight": load_tensor(gguf, "output_norm.weight")}
    state["lm_head.weight"] = (state["embed_tokens.weight"] if config.tie_embeddings
                               else load_tensor(gguf, "output.weight"))
    heads = {"attn_q": config.n_heads, "attn_k": config.n_kv_heads}  # llama.cpp reordered these rows
    for layer in range(config.n_layers):
        for src, dst in _LAYER_NAMES.items():
            weight = load_tensor(gguf, f"blk.{layer}.{src}.weight")
            state[f"layers.{layer}.{dst}.weight"] = unpermute_qk(weight, heads[src]) if src in heads else weight
    return state


def load_llama(path: str | os.PathLike) -> Llama:
    """Return a Llama (float32, evaluation mode) with the weights of the GGUF file at `path`."""
    gguf = read_gguf(path)
    config = config_from_gguf(gguf)
    model = Llama(config)
    model.load_state_dict(gguf_state_dict(gguf, config))
    return model.eval()
