"""Headline results: a notebook records its measured metrics; the benchmark harness collects them.

`make bench` executes each notebook with $LEARNLIB_RESULTS naming a JSON file; `record_metrics` writes the
notebook's headline numbers there. Run by hand (no $LEARNLIB_RESULTS), it only returns them.
"""

from __future__ import annotations

import json
import math
import os
import platform

import torch

from .atomic import atomic_write
from .device import describe_device, get_device

RESULTS_ENV = "LEARNLIB_RESULTS"


def record_metrics(**metrics: float) -> dict[str, float]:
    """Record headline metrics, e.g. record_metrics(test_accuracy=0.9943); return them as a dict.

    Values must be finite numbers. With $LEARNLIB_RESULTS set, they are merged into that JSON file.
    """
    if not metrics:
        raise ValueError("record_metrics needs at least one metric, e.g. record_metrics(test_accuracy=0.99).")
    clean = {}
    for name, value in metrics.items():
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                raise ValueError(f"Metric {name!r} is a tensor of shape {tuple(value.shape)}; record one number.")
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"Metric {name!r} must be a finite number, got {value!r}.")
        clean[name] = value
    path = os.environ.get(RESULTS_ENV)
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                recorded = json.load(f)
        except FileNotFoundError:
            recorded = {}
        recorded.update(clean)
        atomic_write(path, json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    return clean


def machine_info() -> dict[str, object]:
    """Describe this machine for a results file: a short name, CPU cores, GPU (or None), torch version."""
    device = get_device()
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    cores = os.cpu_count() or 1
    name = gpu or f"{cores}-core {platform.machine()} CPU"
    return {
        "name": name,
        "cpu_cores": cores,
        "gpu": gpu,
        "device": describe_device(device),
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "torch": torch.__version__,
    }
