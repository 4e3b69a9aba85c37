"""The GPT twin: attention against a hand-written reference, causality, KV-cache generation, sampling, errors."""

import math

import pytest
import torch
import torch.nn.functional as F

from learnlib.gpt import GPT, CausalSelfAttention, generate, new_cache, sample_next


def tiny(block_size=16, dropout=0.0):
    torch.manual_seed(0)
    return GPT(vocab_size=11, block_size=block_size, n_layer=2, n_head=2, n_embd=16, dropout=dropout).eval()


def test_attention_matches_a_hand_written_causal_softmax():
    torch.manual_seed(0)
    attn = CausalSelfAttention(n_embd=8, n_head=2).eval()
    x = torch.randn(3, 5, 8)
    q, k, v = attn.qkv(x).split(8, dim=2)
    q, k, v = (t.view(3, 5, 2, 4).transpose(1, 2) for t in (q, k, v))
    scores = q @ k.transpose(-2, -1) / math.sqrt(4)  # (B, H, T, T)
    scores = scores.masked_fill(torch.ones(5, 5, dtype=torch.bool).triu(1), float("-inf"))
    y = (scores.softmax(-1) @ v).transpose(1, 2).reshape(3, 5, 8)
    torch.testing.assert_close(attn(x), attn.proj(y))


def test_shapes_parameters_and_weight_tying():
    model = tiny()
    logits = model(torch.randint(11, (2, 7)))
    assert logits.shape == (2, 7, 11)
    assert model.head.weight is model.tok_emb.weight
    per_block = 4 * 16 + (16 * 48 + 48) + (16 * 16 + 16) + (16 * 64 + 64) + (64 * 16 + 16)
    assert sum(p.numel() for p in model.parameters()) == 11 * 16 + 16 * 16 + 2 * per_block + 2 * 16


def test_the_future_does_not_leak_into_the_past():
    model = tiny()
    idx = torch.randint(11, (1, 10))
    changed = idx.clone()
    changed[0, 6:] = (changed[0, 6:] + 1) % 11
    torch.testing.assert_close(model(idx)[:, :6], model(changed)[:, :6])


def test_cached_forward_equals_full_forward():
    model = tiny()
    idx = torch.randint(11, (2, 9))
    cache = new_cache(model, 2)
    parts = [model(idx[:, :4], cache), model(idx[:, 4:5], cache), model(idx[:, 5:], cache)]
    torch.testing.assert_close(torch.cat(parts, dim=1), model(idx), rtol=1e-5, atol=1e-5)
    assert cache.length == 9


@pytest.mark.parametrize("new_tokens", [5, 30])  # 30 outgrows block_size 16: the cache is rebuilt
def test_generation_with_and_without_cache_is_identical(new_tokens):
    model = tiny()
    prompt = torch.randint(11, (2, 3))
    slow = generate(model, prompt, new_tokens, top_k=5, generator=torch.Generator().manual_seed(1), use_cache=False)
    fast = generate(model, prompt, new_tokens, top_k=5, generator=torch.Generator().manual_seed(1), use_cache=True)
    assert slow.shape == (2, 3 + new_tokens) and torch.equal(slow, fast)
    assert torch.equal(slow[:, :3], prompt)


def test_generation_is_seeded_and_restores_training_mode():
    model = tiny().train()
    prompt = torch.zeros(1, 1, dtype=torch.long)
    a = generate(model, prompt, 8, generator=torch.Generator().manual_seed(0))
    b = generate(model, prompt, 8, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and model.training


def test_sampling_top_k_and_temperature():
    logits = torch.tensor([[0.0, 1.0, 5.0, 2.0]])
    g = torch.Generator().manual_seed(0)
    assert {sample_next(logits, top_k=1, generator=g).item() for _ in range(20)} == {2}
    picks = {sample_next(logits, top_k=2, generator=g).item() for _ in range(200)}
    assert picks == {2, 3}
    assert {sample_next(logits, temperature=0.01, generator=g).item() for _ in range(20)} == {2}
    with pytest.raises(ValueError, match="temperature must be > 0"):
        sample_next(logits, temperature=0)
    with pytest.raises(ValueError, match="top_k must be a positive integer or None, got 0"):
        sample_next(logits, top_k=0)


def test_dropout_only_in_training_mode():
    model = tiny(dropout=0.5)
    idx = torch.randint(11, (1, 6))
    torch.testing.assert_close(model(idx), model(idx))
    model.train()
    assert not torch.equal(model(idx), model(idx))


def test_context_longer_than_block_size():
    with pytest.raises(ValueError, match=r"17 tokens but the model's block_size is 16.*idx\[:, -16:\]"):
        tiny()(torch.zeros(1, 17, dtype=torch.long))


def test_token_ids_outside_the_vocabulary():
    with pytest.raises(ValueError, match=r"outside the vocabulary \[0, 11\) \(min 0, max 11\)"):
        tiny()(torch.tensor([[0, 11]]))


def test_ids_must_be_integers_with_a_batch_dimension():
    with pytest.raises(TypeError, match="idx must be an int64 tensor of token ids, got torch.float32"):
        tiny()(torch.zeros(1, 4))
    with pytest.raises(ValueError, match=r"shape \(batch, tokens\).*got \(4,\).*unsqueeze\(0\)"):
        tiny()(torch.zeros(4, dtype=torch.long))


def test_bad_sizes():
    with pytest.raises(ValueError, match="n_layer must be a positive integer, got 0"):
        GPT(11, 16, n_layer=0)
    with pytest.raises(ValueError, match=r"n_embd \(10\) must be divisible by n_head \(4\)"):
        GPT(11, 16, n_head=4, n_embd=10)
    with pytest.raises(ValueError, match="dropout must be a probability"):
        GPT(11, 16, dropout=1.0)
    with pytest.raises(ValueError, match="max_new_tokens must be a positive integer, got 0"):
        generate(tiny(), torch.zeros(1, 1, dtype=torch.long), 0)


def test_training_lowers_the_loss_on_a_repeating_pattern():
    torch.manual_seed(0)
    model = GPT(5, 8, n_layer=1, n_head=1, n_embd=16).train()
    data = torch.arange(5).repeat(20)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    x, y = data[:-1].view(-1, 9)[:, :8], data[1:].view(-1, 9)[:, :8]
    for _ in range(60):
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1  # the next token of 0 1 2 3 4 0 1 ... is always determined
