"""The training and inference loops as plain functions: train_one_epoch, evaluate, fit and predict.

Notebook 03 writes this loop out by hand first; notebooks 03-05 then call these. They are the same steps.
The input checks they call live beside them in loop_checks.py: each turns a usual mistake (an empty loader,
a (N, 1) output against (N,) targets, a label out of range, a model too narrow for its inputs, a loss that
became NaN) into a message that says what to fix.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

import torch
from torch import nn
from tqdm.auto import tqdm

from .env import progress_disabled
from .errors import check_positive_ints
from .loop_checks import (
    check_autocast_dtype,
    check_call,
    check_loss,
    check_not_empty,
    check_optimizer,
    check_outputs,
    forward_checked,
    split_batch,
)

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
    check_optimizer(optimizer)
    check_autocast_dtype(autocast_dtype)
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
    check_optimizer(optimizer)
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
    device = check_call(model, loader, device)
    outputs, targets = [], []
    with evaluation(model):
        for step, batch in enumerate(loader):
            inputs, target = split_batch(batch)
            outputs.append(forward_checked(model, inputs.to(device), step).float().cpu())
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
    device = check_call(model, loader, device, loss_fn, metrics)
    metrics = dict(metrics or {})
    totals = {name: 0.0 for name in ["loss", *metrics]}
    seen = 0
    # The bar is updated by hand instead of wrapping the loader: wrapping it made tqdm start one extra
    # iteration of the DataLoader, which advances its shuffling generator and changes the batch order.
    total = len(loader) if hasattr(loader, "__len__") else None
    bar = tqdm(total=total, desc=desc, leave=False, **_bar_switch(progress))
    for step, batch in enumerate(loader):
        inputs, targets = split_batch(batch)
        inputs = inputs.to(device, non_blocking=True)
        targets = targets.to(device, non_blocking=True)
        # Autocast covers the forward pass and the loss; backward runs each op in the dtype its forward used.
        with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            outputs = forward_checked(model, inputs, step)
            if step == 0:
                check_outputs(outputs, targets)
            loss = loss_fn(outputs, targets)
        loss_value = check_loss(loss, inputs, step, desc)  # .item() waits for the device: fine at this size
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
    check_not_empty(seen, desc)
    return {name: total / seen for name, total in totals.items()}


def _bar_switch(progress: bool) -> dict:
    # Always explicit: tqdm takes its default from $TQDM_DISABLE once, at import; learnlib reads it at each call.
    return {"disable": not progress or progress_disabled()}
