"""Pick the device to compute on: CUDA, then Apple's MPS, then the CPU (set up in every notebook, explained in 01)."""

from __future__ import annotations

import torch

# $LEARNLIB_DEVICE forces a device, e.g. LEARNLIB_DEVICE=cpu to compare a GPU run with the CPU.
from .env import DEVICE_ENV, device_override

_KINDS = ("cuda", "mps", "cpu")


def _mps_available() -> bool:
    # torch.backends.mps exists on every build; is_available() is True only on Apple silicon with macOS 12.3+.
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def _available(kind: str) -> bool:
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return _mps_available()
    return True


def get_device(name: str | torch.device | None = None) -> torch.device:
    """Return the device to use: `name` if given, else $LEARNLIB_DEVICE, else cuda, then mps, then cpu.

    `name` may carry an index ("cuda:1"). A name that is unknown, or a device this machine does not
    have, raises a ValueError or RuntimeError that says what is available instead.
    """
    requested = name if name is not None else device_override()
    if requested is None:
        return torch.device(next(kind for kind in _KINDS if _available(kind)))

    source = "get_device(name=...)" if name is not None else f"the environment variable {DEVICE_ENV}"
    kind, _, index = str(requested).strip().lower().partition(":")
    if kind not in _KINDS or (index and not index.isdigit()):
        raise ValueError(
            f"Unknown device {requested!r} from {source}. "
            f"Use one of {', '.join(_KINDS)} (optionally with an index, e.g. 'cuda:0'), "
            f"or leave it unset to pick the best available one."
        )
    if not _available(kind):
        have = ", ".join(k for k in _KINDS if _available(k))
        raise RuntimeError(
            f"Device {requested!r} was requested by {source}, but this machine has no {kind.upper()} "
            f"device that PyTorch can use (available: {have}). Install a PyTorch build with {kind.upper()} "
            f"support, or ask for another device."
        )
    if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise RuntimeError(
            f"Device {requested!r} was requested by {source}, but only {torch.cuda.device_count()} "
            f"CUDA device(s) are visible (cuda:0 ... cuda:{torch.cuda.device_count() - 1})."
        )
    return torch.device(f"{kind}:{index}" if index else kind)


def as_device(device: torch.device | str, argument: str = "device") -> torch.device:
    """Return `device` as a torch.device; a string such as 'cpu' or 'cuda:0' is accepted too."""
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"{argument} must be a torch.device or a string such as 'cpu' or 'cuda', "
                        f"got {type(device).__name__}. Use device = learnlib.get_device().")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"{argument}={device!r} is not a device name; use 'cpu', 'cuda', 'cuda:1' or 'mps', "
                         f"or learnlib.get_device().") from None


def describe_device(device: torch.device | str) -> str:
    """Return a short human description of `device`, e.g. 'cuda:0 (NVIDIA H100)' or 'cpu (2 threads)'."""
    device = as_device(device)
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"cpu ({threads} thread{'s' if threads != 1 else ''})"
    return str(device)


def get_autocast_dtype(device: torch.device | str) -> torch.dtype | None:
    """Return torch.bfloat16 if `device` computes in bfloat16 natively, else None (then train in float32).

    Natively means a CUDA GPU with bfloat16 support (Ampere or newer) or a CPU with the AVX512-BF16 or AMX
    instructions whose kernels PyTorch runs at the AVX-512 level. Elsewhere bfloat16 is emulated and slower than
    float32, so mixed precision would not pay. `ATEN_CPU_CAPABILITY=avx2` (as `make test-portable` sets) caps
    PyTorch's kernels at AVX2, which has no bfloat16 instructions: then this returns None, as on an AVX2-only CPU.
    """
    device = as_device(device)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported(including_emulation=False) else None
    if device.type == "cpu":
        if torch.backends.cpu.get_cpu_capability() != "AVX512":
            return None
        # torch.cpu's feature probes are private; a build without them is treated as having no native bf16.
        probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
        return torch.bfloat16 if any(probe is not None and probe() for probe in probes) else None
    return None
