"""Plots the notebooks share: broadcasting (01), autograd graphs and curves (02, 03), training histories, image
grids and confusion matrices (03-05)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from matplotlib.textpath import TextPath
from matplotlib.ticker import MaxNLocator

from .errors import check_positive_ints
from .graph import autograd_graph

# Readable at notebook width: JupyterLab shows a figure of up to about 10 inches (1,000 pixels at the inline
# backend's 100 dpi) at full size, so figures stay narrower than that and no text is smaller than 9 pt.
MAX_WIDTH = 9.5  # inches
MIN_FONT = 9  # points
TITLE_FONT = 12  # points: matplotlib's default for axes titles


def text_width(text: str, size: float) -> float:
    """Return the width in inches of one line of `text` at `size` points, in matplotlib's default font."""
    return TextPath((0, 0), text, size=size).get_extents().width / 72


def plot_history(history: Mapping[str, Sequence[float]], title: str | None = None) -> Figure:
    """Plot a `fit` history: one panel per quantity (loss, then each metric), train and val lines per epoch."""
    if not isinstance(history, Mapping) or not history.get("epoch"):
        raise ValueError("The history is empty: pass the dictionary that learnlib.train.fit returned.")
    lengths = {k: len(v) for k, v in history.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"Every entry of a history needs one value per epoch; got lengths {lengths}.")
    names = [k[len("train_"):] for k in history if k.startswith("train_")]
    fig, axes = plt.subplots(1, len(names), figsize=(min(MAX_WIDTH, 4.5 * len(names)), 3.4), squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        for split, style in (("train", "-o"), ("val", "-s")):
            if f"{split}_{name}" in history:
                ax.plot(history["epoch"], history[f"{split}_{name}"], style, ms=3, label=split)
        ax.set(title=name, xlabel="epoch", ylabel=name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    title: str,
    xlabel: str = "step",
    ylabel: str = "loss",
    logy: bool = False,
    ax: plt.Axes | None = None,
) -> Figure:
    """Plot several named curves (e.g. losses per step) on one axis and return its figure."""
    if not curves:
        raise ValueError("plot_curves needs at least one named curve.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    for name, ys in curves.items():
        ax.plot(range(len(ys)), list(ys), label=name)
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax.figure


def _draw_grid(ax, values: torch.Tensor, x0: float, y0: float, real_shape: tuple[int, int], title: str) -> None:
    """Draw a 2-D tensor as a grid of cells; cells outside `real_shape` are copies made by broadcasting."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            real = i < real_shape[0] and j < real_shape[1]
            ax.add_patch(plt.Rectangle((x0 + j, y0 - i - 1), 1, 1, facecolor="#8ab6f9" if real else "#e3ecfb",
                                       edgecolor="#1f3b73", lw=1.2 if real else 0.6, ls="-" if real else "--"))
            ax.text(x0 + j + 0.5, y0 - i - 0.5, f"{values[i, j].item():g}", ha="center", va="center",
                    color="black" if real else "#6a7ba2", fontsize=11)
    ax.text(x0 + cols / 2, y0 + 0.35, title, ha="center", va="bottom", fontsize=11)


def plot_broadcast(a: torch.Tensor, b: torch.Tensor) -> Figure:
    """Draw `a + b` for 1-D or 2-D tensors: each input stretched to the result's shape (copies pale), then the sum."""
    if a.ndim > 2 or b.ndim > 2:
        raise ValueError("plot_broadcast draws tensors with at most 2 dimensions.")
    try:
        shape = torch.broadcast_shapes(a.shape, b.shape)
    except RuntimeError:
        raise ValueError(
            f"Shapes {tuple(a.shape)} and {tuple(b.shape)} do not broadcast: aligned from the right, each pair "
            f"of sizes must be equal or one of them must be 1."
        ) from None
    as2d = lambda t: t.reshape((1,) * (2 - t.ndim) + tuple(t.shape))  # noqa: E731  (1-D is a single row)
    out_shape = (1,) * (2 - len(shape)) + tuple(shape)
    a2, b2 = as2d(a), as2d(b)
    panels = [
        (a2.expand(out_shape), tuple(a2.shape), f"a  {tuple(a.shape)}"),
        (b2.expand(out_shape), tuple(b2.shape), f"b  {tuple(b.shape)}"),
        (a2 + b2, out_shape, f"a + b  {tuple(shape)}"),
    ]
    fig, ax = plt.subplots(figsize=(min(MAX_WIDTH, 3.0 * out_shape[1] + 2), 1.0 * out_shape[0] + 1.2))
    x = 0.0
    for k, (values, real, title) in enumerate(panels):
        _draw_grid(ax, values, x, 0, real, title)
        x += out_shape[1]
        if k < 2:
            ax.text(x + 0.5, -out_shape[0] / 2, "+" if k == 0 else "=", ha="center", va="center", fontsize=16)
            x += 1
    ax.set_xlim(-0.2, x + 0.2)
    ax.set_ylim(-out_shape[0] - 0.2, 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.suptitle("Broadcasting: pale dashed cells are virtual copies (no memory is used for them)", fontsize=10)
    return fig


def plot_autograd_graph(
    output: torch.Tensor,
    names: Mapping[str, torch.Tensor] | None = None,
    title: str = "Autograd graph (data flows left to right; backward runs right to left)",
) -> Figure:
    """Draw the autograd graph recorded behind `output`: leaves (green), operations (blue), the output (orange)."""
    nodes, edges = autograd_graph(output, names)
    # Column = longest path from any leaf, so every edge points rightwards.
    col = {n["id"]: 0 for n in nodes}
    for _ in nodes:
        for a, b in edges:
            col[b] = max(col[b], col[a] + 1)
    by_col: dict[int, list[int]] = {}
    for n in nodes:
        by_col.setdefault(col[n["id"]], []).append(n["id"])
    # Columns 2.2 units apart, boxes 1.6 wide; "MulBackward" is drawn as "Mul" over "Backward" so that a
    # graph of many steps still fits the notebook's width with 9-point labels.
    pos = {i: (2.2 * c, -1.3 * r + (len(ids) - 1) * 0.65) for c, ids in by_col.items() for r, i in enumerate(ids)}
    colors = {"leaf": "#b7e4c7", "op": "#bcd4f6", "output": "#ffd6a5"}
    width = max(by_col) + 1
    height = max(len(ids) for ids in by_col.values())
    fig, ax = plt.subplots(figsize=(min(MAX_WIDTH, 1.35 * width + 0.3), 1.1 * height + 0.9))
    for a, b in edges:
        bend = 0.0 if col[b] - col[a] == 1 else 0.3  # an edge that skips a column arcs around the boxes between
        ax.annotate("", xy=(pos[b][0] - 0.8, pos[b][1]), xytext=(pos[a][0] + 0.8, pos[a][1]),
                    arrowprops=dict(arrowstyle="->", color="#555555", lw=1.2, connectionstyle=f"arc3,rad={bend}"))
    for n in nodes:
        x, y = pos[n["id"]]
        ax.add_patch(FancyBboxPatch((x - 0.8, y - 0.45), 1.6, 0.9, boxstyle="round,pad=0.05",
                                    facecolor=colors[n["kind"]], edgecolor="#333333"))
        label = n["label"].replace("Backward", "\nBackward") if n["kind"] == "op" else n["label"]
        ax.text(x, y, label, ha="center", va="center", fontsize=MIN_FONT)
    ax.set_xlim(-1.0, 2.2 * (width - 1) + 1.0)
    ax.set_ylim(-0.65 * height - 0.6, 0.65 * height + 0.6)
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    return fig


def plot_image_grid(images: torch.Tensor, titles: Sequence[str] | None = None, ncols: int = 8,
                    title: str | None = None, cmap: str = "gray") -> Figure:
    """Show images (N, H, W), (N, 1, H, W) or (N, 3, H, W) in a grid, each with an optional title."""
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"plot_image_grid needs a tensor of images, got {type(images).__name__}.")
    check_positive_ints(ncols=ncols)
    if images.ndim == 4 and images.shape[1] in (1, 3):
        images = images.permute(0, 2, 3, 1).squeeze(-1)  # matplotlib wants (H, W) or (H, W, 3)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"plot_image_grid expects a non-empty batch of images, got shape {tuple(images.shape)}.")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images.")
    nrows = -(-len(images) // ncols)
    lines = max((t.count("\n") + 1 for t in titles), default=0) if titles is not None else 0
    widest = max((text_width(line, MIN_FONT) for t in titles for line in t.split("\n")), default=0.0) \
        if titles is not None else 0.0
    # Inches per image: at least 1.15, wider when the widest title line needs it (with 0.15 in between titles),
    # and never wider than the notebook's width allows for `ncols` images.
    side = min(max(1.15, widest + 0.15), MAX_WIDTH / ncols)
    if widest + 0.15 > side:
        warnings.warn(f"Title lines {widest:.2f} in wide need {widest + 0.15:.2f} in per image but {ncols} columns "
                      f"leave {side:.2f} in: neighbouring titles run together. Use ncols <= "
                      f"{int(MAX_WIDTH // (widest + 0.15))} or shorter title lines (split them with \\n).",
                      stacklevel=2)
    fig, axes = plt.subplots(nrows, ncols, figsize=(side * ncols, (side + 0.2 * lines + 0.25) * nrows),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i].detach().cpu().numpy(), cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=MIN_FONT)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(confusion: torch.Tensor, class_names: Sequence[str], title: str = "Confusion matrix",
                          ) -> Figure:
    """Draw a confusion matrix (rows: true class, columns: predicted) with counts; the diagonal is hidden in
    the colour scale so that the mistakes, not the (much larger) correct counts, set the colours."""
    k = len(class_names)
    if tuple(confusion.shape) != (k, k):
        raise ValueError(f"confusion matrix of shape {tuple(confusion.shape)} for {k} class names.")
    cm = confusion.detach().cpu()
    off = cm.clone().float()
    off.fill_diagonal_(float("nan"))
    fig, ax = plt.subplots(figsize=(0.55 * k + 2.2, 0.55 * k + 1.6))
    image = ax.imshow(off.numpy(), cmap="Reds")
    fig.colorbar(image, ax=ax, label="mistakes")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=MIN_FONT,
                    color="black" if i != j else "#1f3b73", fontweight="bold" if i == j else "normal")
    ax.set_xticks(range(k), class_names, rotation=45 if max(map(len, class_names)) > 2 else 0)
    ax.set_yticks(range(k), class_names)
    ax.set(xlabel="predicted class", ylabel="true class")
    # A title wider than the matrix would run into the colour bar: then it is centred over the whole figure.
    if text_width(title, TITLE_FONT) <= 0.55 * k:  # the matrix is about 0.55 in per class wide
        ax.set_title(title)
    else:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
