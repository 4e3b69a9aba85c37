"""The training and inference loops as plain functions: train_one_epoch, evaluate, fit and predict.

Notebook 03 writes this loop out by hand first; notebooks 03-05 then call these. They are the same steps,
plus input checks (after the loop, at the end of this file) that turn the usual mistakes (an empty loader,
a (N, 1) output against (N,) targets, a label out of range, a model too narrow for its inputs, a loss that
became NaN) into messages that say what to fix.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

import torch
from torch import nn
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from .device import as_device
from .env import progress_disabled
from .errors import check_positive_ints, one_line

Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor | float]


def train_one_epoch(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable,
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
    *,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    metrics: Mapping[str, Metric] | None = None,
    progress: bool = False,
    autocast_dtype: torch.dtype | None = None,
) -> dict[str, float]:
    """Train `model` for one pass over `loader`; return the epoch's mean loss and metrics, e.g. {'loss': 0.31}.

    The scheduler, if any, is stepped after every optimizer step (as OneCycleLR and warm-up schedules expect).
    Each metric maps (outputs, targets) to the batch mean; the epoch value is the mean over all samples.
    With `autocast_dtype=torch.bfloat16` the forward pass and the loss run under `torch.autocast`: mixed
    precision, with the weights, their gradients and the optimizer state in float32.
    """
    _check_optimizer(optimizer)
    _check_autocast_dtype(autocast_dtype)
    model.train()  # dropout on, batch norm updates its running statistics
    return _run(model, loader, loss_fn, device, metrics, optimizer, scheduler, progress, desc="train",
                autocast_dtype=autocast_dtype)


def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable,
    device: torch.device | str,
    *,
    metrics: Mapping[str, Metric] | None = None,
    progress: bool = False,
) -> dict[str, float]:
    """Evaluate `model` on `loader` without gradients; return the mean loss and metrics, e.g. {'loss': 0.3}."""
    with evaluation(model):
        return _run(model, loader, loss_fn, device, metrics, progress=progress, desc="eval")


def fit(
    model: nn.Module,
    train_loader: Iterable,
    loss_fn: Callable,
    optimizer: torch.optim.Optimizer,
    device: torch.device | str,
    epochs: int,
    *,
    val_loader: Iterable | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    metrics: Mapping[str, Metric] | None = None,
    progress: bool = True,
    autocast_dtype: torch.dtype | None = None,
) -> dict[str, list[float]]:
    """Train for `epochs` epochs, evaluating on `val_loader` after each; return the history.

    The history maps names to one value per epoch: 'epoch', 'lr' (at the epoch's start), 'train_loss',
    'train_<metric>', 'val_loss', 'val_<metric>' (with a val_loader) and 'seconds' (wall time per epoch).
    `autocast_dtype` is passed on to `train_one_epoch`; evaluation stays in float32.
    """
    check_positive_ints(epochs=epochs)
    _check_optimizer(optimizer)
    history: dict[str, list[float]] = {"epoch": [], "lr": []}
    bar = tqdm(range(1, epochs + 1), desc="epochs", **_bar_switch(progress))
    for epoch in bar:
        history["epoch"].append(epoch)
        history["lr"].append(optimizer.param_groups[0]["lr"])
        start = time.perf_counter()
        row = {f"train_{k}": v for k, v in train_one_epoch(
            model, train_loader, loss_fn, optimizer, device,
            scheduler=scheduler, metrics=metrics, progress=progress, autocast_dtype=autocast_dtype).items()}
        if val_loader is not None:
            row.update({f"val_{k}": v for k, v in evaluate(
                model, val_loader, loss_fn, device, metrics=metrics, progress=progress).items()})
        row["seconds"] = time.perf_counter() - start
        for key, value in row.items():
            history.setdefault(key, []).append(value)
        bar.set_postfix({k: f"{v:.4g}" for k, v in row.items() if k != "seconds"})
    return history


def predict(model: nn.Module, loader: Iterable, device: torch.device | str) -> tuple[torch.Tensor, torch.Tensor]:
    """Run `model` in eval mode over `loader`; return (outputs, targets), each concatenated on the CPU."""
    device = _check_call(model, loader, device)
    outputs, targets = [], []
    with evaluation(model):
        for step, batch in enumerate(loader):
            inputs, target = _split_batch(batch)
            outputs.append(_forward(model, inputs.to(device), step).float().cpu())
            targets.append(target)
    if not outputs:
        raise ValueError("predict got a loader that yielded no batches: check that its dataset is not empty.")
    return torch.cat(outputs), torch.cat(targets)


@contextmanager
def evaluation(model: nn.Module) -> Iterator[nn.Module]:
    """Context manager: `model` in eval mode under torch.inference_mode(), its previous mode restored after."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}.")
    was_training = model.training
    model.eval()  # dropout off, batch norm uses its running statistics
    try:
        with torch.inference_mode():
            yield model
    finally:
        model.train(was_training)


def _run(model, loader, loss_fn, device, metrics, optimizer=None, scheduler=None, progress=False, desc="",
         autocast_dtype=None):
    """One pass over `loader`; trains when an optimizer is given. Returns sample-weighted mean loss and metrics."""
    device = _check_call(model, loader, device, loss_fn, metrics)
    metrics = dict(metrics or {})
    totals = {name: 0.0 for name in ["loss", *metrics]}
    seen = 0
    # The bar is updated by hand instead of wrapping the loader: wrapping it made tqdm start one extra
    # iteration of the DataLoader, which advances its shuffling generator and changes the batch order.
    total = len(loader) if hasattr(loader, "__len__") else None
    bar = tqdm(total=total, desc=desc, leave=False, **_bar_switch(progress))
    for step, batch in enumerate(loader):
        inputs, targets = _split_batch(batch)
        inputs = inputs.to(device, non_blocking=True)
        targets = targets.to(device, non_blocking=True)
        # Autocast covers the forward pass and the loss; backward runs each op in the dtype its forward used.
        with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            outputs = _forward(model, inputs, step)
            if step == 0:
                _check_outputs(outputs, targets)
            loss = loss_fn(outputs, targets)
        loss_value = _check_loss(loss, inputs, step, desc)  # .item() waits for the device: fine at this size
        if optimizer is not None:
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
        n = targets.shape[0]
        seen += n
        totals["loss"] += loss_value * n
        for name, fn in metrics.items():
            totals[name] += float(fn(outputs.detach(), targets)) * n
        bar.update()
        if progress and step % 10 == 0:
            bar.set_postfix(loss=f"{totals['loss'] / seen:.4f}")
    bar.close()
    if seen == 0:
        raise ValueError(
            f"The {desc or 'data'} loader yielded no batches. Check that the dataset is not empty and that "
            f"drop_last=True is not dropping the only, partial batch."
        )
    return {name: total / seen for name, total in totals.items()}


# ---- input checks: each turns a common mistake into a message that says what to do -----------------------

def _check_autocast_dtype(dtype) -> None:
    why = ("float16 needs loss scaling (torch.amp.GradScaler) against underflowing gradients, which this loop "
           "does not do; use torch.bfloat16, or write the loop by hand with a GradScaler" if dtype is torch.float16
           else "learnlib.get_autocast_dtype(device) returns the right one for a device")
    if dtype is not None and dtype is not torch.bfloat16:
        raise ValueError(f"autocast_dtype must be torch.bfloat16 or None (float32 throughout), got {dtype!r}: {why}.")


def _bar_switch(progress: bool) -> dict:
    # Always explicit: tqdm takes its default from $TQDM_DISABLE once, at import; learnlib reads it at each call.
    return {"disable": not progress or progress_disabled()}


def _check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}. "
                        f"Create one with e.g. torch.optim.AdamW(model.parameters(), lr=1e-3).")


def _check_call(model, loader, device, loss_fn=None, metrics=None) -> torch.device:
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


def _split_batch(batch) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        kind = f"a {type(batch).__name__}" + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
        raise TypeError(
            f"The loader yielded {kind}; expected (inputs, targets) pairs, as TensorDataset(x, y) "
            f"or a Dataset whose __getitem__ returns (x, y) gives."
        )
    return batch[0], batch[1]


def _forward(model: nn.Module, inputs: torch.Tensor, step: int) -> torch.Tensor:
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


def _check_outputs(outputs: torch.Tensor, targets: torch.Tensor) -> None:
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


def _check_loss(loss, inputs: torch.Tensor, step: int, desc: str) -> float:
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
