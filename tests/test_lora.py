"""LoRA: starts at the base model, trains only A and B, merges exactly, saves and reloads the adapter alone."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlib.gpt import GPT
from learnlib.lora import LoRALinear, apply_lora, load_adapter, lora_state_dict, merge_lora, save_adapter


def tiny():
    torch.manual_seed(0)
    return GPT(vocab_size=11, block_size=16, n_layer=2, n_head=2, n_embd=16).eval()


def train_a_little(model, steps=3):
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    idx = torch.randint(11, (4, 9), generator=torch.Generator().manual_seed(0))
    for _ in range(steps):
        loss = F.cross_entropy(model(idx[:, :-1]).flatten(0, 1), idx[:, 1:].flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()


def test_lora_linear_is_the_reference_formula():
    torch.manual_seed(0)
    base = nn.Linear(6, 4)
    layer = LoRALinear(base, rank=2, alpha=4.0)
    nn.init.normal_(layer.B)
    x = torch.randn(3, 6)
    expected = x @ base.weight.T + base.bias + 2.0 * (x @ layer.A.T @ layer.B.T)  # scale alpha / rank = 2
    torch.testing.assert_close(layer(x), expected)


def test_a_fresh_adapter_is_exactly_the_base_model():
    model = tiny()
    idx = torch.randint(11, (2, 8))
    before = model(idx)
    names = apply_lora(model, rank=4, alpha=8)
    assert names == ["blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.0.mlp.0", "blocks.0.mlp.2",
                     "blocks.1.attn.qkv", "blocks.1.attn.proj", "blocks.1.mlp.0", "blocks.1.mlp.2"]
    assert torch.equal(model(idx), before)  # B = 0: the update is exactly zero


def test_only_a_and_b_get_gradients():
    model = tiny()
    apply_lora(model, rank=2, alpha=2)
    frozen = {n: p.clone() for n, p in model.named_parameters() if not n.endswith((".A", ".B"))}
    train_a_little(model)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all(n.endswith((".A", ".B")) for n in trainable)
    for name, p in model.named_parameters():
        if name in frozen:
            assert p.grad is None and torch.equal(p, frozen[name])
    assert lora_state_dict(model)["blocks.0.attn.qkv.B"].abs().sum() > 0  # B has moved away from zero


def test_merged_model_gives_the_same_outputs_with_plain_linears():
    model = tiny()
    apply_lora(model, rank=4, alpha=8)
    train_a_little(model)
    idx = torch.randint(11, (2, 8))
    with torch.no_grad():
        unmerged = model(idx)
        merge_lora(model)
        merged = model(idx)
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    torch.testing.assert_close(merged, unmerged, rtol=1e-5, atol=1e-5)


def test_adapter_file_round_trip(tmp_path):
    model = tiny()
    apply_lora(model, rank=4, alpha=8)
    train_a_little(model)
    path = save_adapter(tmp_path / "adapter.pt", model, rank=4, alpha=8)
    fresh = tiny()
    apply_lora(fresh, rank=4, alpha=8)
    saved = load_adapter(path, fresh)
    assert saved["rank"] == 4 and set(saved["adapter"]) == set(lora_state_dict(model))
    idx = torch.randint(11, (2, 8))
    torch.testing.assert_close(fresh(idx), model(idx))
    assert not list(tmp_path.glob("*.tmp"))  # written through a temporary file, then renamed


def test_adapter_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No adapter file at"):
        load_adapter(tmp_path / "none.pt", tiny())
    (tmp_path / "junk.pt").write_bytes(b"junk")
    model = tiny()
    apply_lora(model, rank=2)
    with pytest.raises(RuntimeError, match="not a readable adapter file"):
        load_adapter(tmp_path / "junk.pt", model)
    other = tiny()
    apply_lora(other, rank=2, targets=("attn.qkv",))
    save_adapter(tmp_path / "qkv.pt", other)
    with pytest.raises(ValueError, match="does not fit this model"):
        load_adapter(tmp_path / "qkv.pt", model)
    bigger = tiny()
    apply_lora(bigger, rank=3)
    save_adapter(tmp_path / "rank3.pt", bigger)
    with pytest.raises(ValueError, match="does not fit this model"):
        load_adapter(tmp_path / "rank3.pt", model)


def test_rank_alpha_and_base_are_checked():
    with pytest.raises(ValueError, match="rank must be a positive integer.*got 0"):
        LoRALinear(nn.Linear(4, 4), rank=0)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        LoRALinear(nn.Linear(4, 4), rank=2, alpha=0)
    with pytest.raises(TypeError, match="base must be an nn.Linear, got Conv1d"):
        LoRALinear(nn.Conv1d(4, 4, 1), rank=2)


def test_targets_that_match_nothing_and_models_without_adapters():
    with pytest.raises(ValueError, match="No nn.Linear in the model has a name ending with"):
        apply_lora(tiny(), rank=2, targets=("nothing",))
    with pytest.raises(ValueError, match="no LoRALinear layers to merge"):
        merge_lora(tiny())
    with pytest.raises(ValueError, match="no LoRA adapter"):
        lora_state_dict(tiny())
