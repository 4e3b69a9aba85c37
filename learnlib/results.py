"""Headline results: notebooks 01 and 03-06 record their measured metrics; the benchmark harness collects them.

`make bench` executes each notebook with $LEARNLIB_RESULTS naming a JSON file; `record_metrics` writes the
notebook's headline numbers there. Run by hand (no $LEARNLIB_RESULTS), it only checks them.
"""

from __future__ import annotations

import json
import math

import torch

from .atomic import atomic_write
from .env import RESULTS_ENV, results_file


def record_metrics(**metrics: float) -> None:
    """Record headline metrics, e.g. record_metrics(test_accuracy=0.9943); return nothing.

    Values must be finite numbers. With $LEARNLIB_RESULTS set, they are merged into that JSON file. It returns
    None on purpose: as a cell's last line it then shows nothing, where a dict would echo the raw floats (16
    digits whose last ones change with the CPU) into the notebook. The notebook prints and asserts its numbers.
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
    path = results_file()
    if path is not None:
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            recorded = {}
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path} (named by ${RESULTS_ENV}) is not a JSON file ({exc}); delete it or point "
                             f"{RESULTS_ENV} at a new file.") from None
        recorded.update(clean)
        atomic_write(path, json.dumps(recorded, indent=2, sort_keys=True) + "\n")
