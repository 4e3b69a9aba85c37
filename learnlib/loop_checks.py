"""The input checks of the loops in train.py: each turns a common mistake into a message that says what to do.

Without them the usual mistakes fail deep inside torch (a model too narrow for its inputs), or do not fail at
all: an (N, 1) output against (N,) targets broadcasts to an (N, N) loss and trains on nonsense (notebook 01
shows that one, notebook 03 the loop they guard).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import torch
from torch import nn
from torch.utils.data import Dataset

from .device import as_device
from .errors import one_line


def check_autocast_dtype(dtype: torch.dtype | None) -> None:
    """Raise unless `dtype` is None (float32 throughout) or torch.bfloat16, the one the loop can train in."""
    why = ("float16 needs loss scaling (torch.amp.GradScaler) against underflowing gradients, which this loop "
           "does not do; use torch.bfloat16, or write the loop by hand with a GradScaler" if dtype is torch.float16
           else "learnlib.get_autocast_dtype(device) returns the right one for a device")
    if dtype is not None and dtype is not torch.bfloat16:
        raise ValueError(f"autocast_dtype must be torch.bfloat16 or None (float32 throughout), got {dtype!r}: {why}.")


def check_optimizer(optimizer: object) -> None:
    """Raise unless `optimizer` is a torch.optim.Optimizer."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}. "
                        f"Create one with e.g. torch.optim.AdamW(model.parameters(), lr=1e-3).")


def check_call(model: nn.Module, loader: Iterable, device: torch.device | str, loss_fn: Callable | None = None,
               metrics: Mapping[str, Callable] | None = None) -> torch.device:
    """Check the arguments every loop shares; return the device as a torch.device."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    if isinstance(loader, Dataset) or not isinstance(loader, Iterable):
        raise TypeError(f"loader must yield batches, got a {type(loader).__name__}. Wrap a dataset in "
                        f"DataLoader(dataset, batch_size=64) (or learnlib.data.tensor_loader for tensors).")
    if isinstance(loss_fn, type):
        raise TypeError(f"loss_fn is the class {loss_fn.__name__}; pass an instance: {loss_fn.__name__}().")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(outputs, targets), got {type(loss_fn).__name__}.")
    for name, fn in (metrics or {}).items():
        if not callable(fn):
            raise TypeError(f"metric {name!r} must be callable as fn(outputs, targets), got {type(fn).__name__}.")
    device = as_device(device)
    param = next(model.parameters(), None)
    if param is not None and (param.device.type != device.type
                              or (device.index is not None and param.device.index != device.index)):
        raise ValueError(f"The model's parameters are on {param.device} but device={device}. "
                         f"Call model.to(device) before creating the optimizer, then train.")
    return device


def split_batch(batch: object) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (inputs, targets) of a batch; raise if the loader yields anything else."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        kind = f"a {type(batch).__name__}" + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
        raise TypeError(
            f"The loader yielded {kind}; expected (inputs, targets) pairs, as TensorDataset(x, y) "
            f"or a Dataset whose __getitem__ returns (x, y) gives."
        )
    return batch[0], batch[1]


def forward_checked(model: nn.Module, inputs: torch.Tensor, step: int) -> torch.Tensor:
    """model(inputs); on the first batch, torch's error is re-raised with the shapes and dtypes involved."""
    if step > 0:
        return model(inputs)
    try:
        return model(inputs)
    except RuntimeError as exc:
        param = next(model.parameters(), None)
        hint = ""
        if param is not None and inputs.dtype != param.dtype:
            hint = (f" The inputs are {inputs.dtype} but the model's weights are {param.dtype}: convert the inputs "
                    f"(x.float(), or x.float() / 255 for uint8 images).")
        elif "shapes cannot be multiplied" in str(exc) or "expected input" in str(exc).lower():
            hint = (" The inputs do not fit the model's first layers: compare the input's size with the first "
                    "layer's in_features / in_channels (print(model) shows them).")
        raise RuntimeError(f"The model failed on the first batch, inputs of shape {tuple(inputs.shape)} and dtype "
                           f"{inputs.dtype}.{hint} (torch said: {one_line(exc)})") from exc


def check_outputs(outputs: torch.Tensor, targets: torch.Tensor) -> None:
    """Catch shape and label mistakes that would otherwise broadcast silently or fail deep inside torch."""
    if targets.is_floating_point():
        # Regression (or soft labels): output and target must match exactly. An (N, 1) output against
        # (N,) targets would broadcast to (N, N) in MSELoss and train on nonsense without any error.
        if outputs.shape != targets.shape:
            raise ValueError(
                f"Model output shape {tuple(outputs.shape)} does not match target shape {tuple(targets.shape)}. "
                f"For regression they must be equal: reshape the targets (y.unsqueeze(1) or y.view(-1, 1)) "
                f"or the output (out.squeeze(1)) so they agree."
            )
        return
    # Classification: outputs are scores (N, C, ...) and targets are class indices (N, ...).
    if outputs.ndim == 2 and outputs.shape[1] == 1:
        raise ValueError(
            f"The model gives one output per sample (shape {tuple(outputs.shape)}) but the targets are integer "
            f"class indices. For regression, make the targets floating point with the output's shape "
            f"(y.float().view(-1, 1)); for classification, give the last layer one output per class."
        )
    if outputs.ndim != targets.ndim + 1 or outputs.shape[0] != targets.shape[0]:
        raise ValueError(
            f"Model output shape {tuple(outputs.shape)} does not fit integer class targets of shape "
            f"{tuple(targets.shape)}: expected scores of shape (batch, classes) for targets of shape (batch,). "
            f"If this is a regression problem, make the targets floating point (y.float())."
        )
    if targets.numel() and (targets.min() < 0 or targets.max() >= outputs.shape[1]):
        raise ValueError(
            f"Class targets must lie in [0, {outputs.shape[1] - 1}] for a model with {outputs.shape[1]} outputs, "
            f"but this batch holds labels from {int(targets.min())} to {int(targets.max())}. "
            f"Check the number of classes of the model's last layer."
        )


def check_loss(loss: object, inputs: torch.Tensor, step: int, desc: str) -> float:
    """Return the loss as a float; raise unless it is one finite number, naming the data or training as the cause."""
    if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise ValueError(f"loss_fn returned {shape}; it must return one number per batch (a 0-d tensor). "
                         f"Use a loss with reduction='mean' (the default).")
    value = loss.item()
    if not math.isfinite(value):
        cause = ("the inputs of this batch contain NaN or inf: clean the data"
                 if inputs.is_floating_point() and not torch.isfinite(inputs).all() else
                 "training diverged: lower the learning rate, or clip gradients with "
                 "torch.nn.utils.clip_grad_norm_")
        raise FloatingPointError(f"The {desc} loss became {value} at batch {step}; {cause}.")
    return value


def check_not_empty(seen: int, desc: str) -> None:
    """Raise if a pass over a loader saw no samples."""
    if seen == 0:
        raise ValueError(
            f"The {desc or 'data'} loader yielded no batches. Check that the dataset is not empty and that "
            f"drop_last=True is not dropping the only, partial batch."
        )
