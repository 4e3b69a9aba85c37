import os
import subprocess
import sys

import pytest
import torch

import learnlib.device as dev
from learnlib import describe_device, get_autocast_dtype, get_device


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.delenv(dev.DEVICE_ENV, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "_mps_available", lambda: False)


def test_falls_back_to_cpu(cpu_only):
    assert get_device() == torch.device("cpu")


def test_prefers_cuda_then_mps(cpu_only, monkeypatch):
    monkeypatch.setattr(dev, "_mps_available", lambda: True)
    assert get_device() == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cuda")


def test_environment_variable_forces_a_device(cpu_only, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv(dev.DEVICE_ENV, "cpu")
    assert get_device() == torch.device("cpu")
    # An explicit argument wins over the environment.
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert get_device("CUDA:1") == torch.device("cuda:1")


@pytest.mark.parametrize("name", ["tpu", "gpu", "cuda:x", ""])
def test_unknown_device_name_is_explained(cpu_only, name):
    with pytest.raises(ValueError, match="Unknown device") as err:
        get_device(name)
    assert "cuda, mps, cpu" in str(err.value)


def test_unknown_device_from_environment_names_the_variable(cpu_only, monkeypatch):
    monkeypatch.setenv(dev.DEVICE_ENV, "npu")
    with pytest.raises(ValueError, match="LEARNLIB_DEVICE"):
        get_device()


def test_missing_accelerator_says_what_is_available(cpu_only):
    with pytest.raises(RuntimeError, match=r"no CUDA device .*available: cpu"):
        get_device("cuda")
    with pytest.raises(RuntimeError, match="no MPS device"):
        get_device("mps")


def test_cuda_index_out_of_range(cpu_only, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(RuntimeError, match="only 1 CUDA device"):
        get_device("cuda:3")


@pytest.fixture
def threads():
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


def test_describe_cpu_counts_threads(threads):
    threads(3)
    assert describe_device(torch.device("cpu")) == "cpu (3 threads)"
    threads(1)
    assert describe_device("cpu") == "cpu (1 thread)"  # a string works too


def test_describe_cuda_names_the_card(monkeypatch):
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA H100 80GB HBM3")
    assert describe_device("cuda:0") == "cuda:0 (NVIDIA H100 80GB HBM3)"


def test_get_device_accepts_a_torch_device(cpu_only):
    assert get_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize(("avx512_bf16", "amx", "expected"), [
    (True, False, torch.bfloat16), (False, True, torch.bfloat16), (False, False, None)])
def test_autocast_dtype_on_cpu_follows_native_bf16(monkeypatch, avx512_bf16, amx, expected):
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    assert get_autocast_dtype("cpu") is expected


@pytest.mark.parametrize("capability", ["AVX2", "DEFAULT"])
def test_autocast_dtype_on_cpu_kernels_capped_below_avx512_is_float32(monkeypatch, capability):
    # what ATEN_CPU_CAPABILITY=avx2 (make test-portable) gives on a CPU that has AVX512-BF16 and AMX
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: capability)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert get_autocast_dtype("cpu") is None


def test_autocast_dtype_on_cpu_under_aten_cpu_capability_avx2_is_float32():
    code = "import learnlib; print(learnlib.get_autocast_dtype('cpu'))"
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "avx2"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"


def test_autocast_dtype_without_the_private_probes_is_float32(monkeypatch):
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.delattr(torch.cpu, "_is_avx512_bf16_supported")
    monkeypatch.delattr(torch.cpu, "_is_amx_tile_supported")
    assert get_autocast_dtype(torch.device("cpu")) is None


@pytest.mark.parametrize(("native", "expected"), [(True, torch.bfloat16), (False, None)])
def test_autocast_dtype_on_cuda_needs_native_bf16(monkeypatch, native, expected):
    asked = {}

    def is_bf16_supported(including_emulation=True):
        asked["emulation"] = including_emulation
        return native

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", is_bf16_supported)
    assert get_autocast_dtype("cuda:0") is expected
    assert asked == {"emulation": False}  # emulated bf16 is slower than float32: it must not count


def test_autocast_dtype_on_mps_is_float32():
    assert get_autocast_dtype("mps") is None
