"""Walk the autograd graph that PyTorch records behind a tensor (notebook 02), for drawing and for inspection."""

from __future__ import annotations

from collections.abc import Mapping

import torch


def _label(fn) -> str:
    # Class names look like 'MulBackward0'; the trailing digit numbers overloads and only adds noise here.
    return type(fn).__name__.rstrip("0123456789")


def _shape_label(prefix: str, t: torch.Tensor) -> str:
    return f"{prefix} {'×'.join(map(str, t.shape))}" if t.ndim else prefix


def autograd_graph(
    output: torch.Tensor, names: Mapping[str, torch.Tensor] | None = None
) -> tuple[list[dict], list[tuple[int, int]]]:
    """Return (nodes, edges) of the graph recorded behind `output`, walked from the output back to the inputs.

    Each node is {'id', 'label', 'kind'} with kind 'leaf' (a tensor with requires_grad=True, labelled
    with its name from `names` or its shape), 'op' (a backward function such as 'MulBackward') or
    'output'. Each edge (a, b) means node a's value flows into node b.
    """
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"autograd_graph needs a tensor, got {type(output).__name__}.")
    if output.grad_fn is None:
        raise ValueError(
            "This tensor has no grad_fn, so no graph was recorded behind it: it is a leaf, or it was computed "
            "without any input that has requires_grad=True (or inside torch.no_grad())."
        )
    by_id = {id(t): name for name, t in (names or {}).items()}
    nodes: list[dict] = [{"id": 0, "label": _shape_label("output", output), "kind": "output"}]
    edges: list[tuple[int, int]] = []
    index: dict[int, int] = {}

    def visit(fn) -> int:
        if id(fn) in index:
            return index[id(fn)]
        if hasattr(fn, "variable"):  # AccumulateGrad: where a leaf's .grad is accumulated
            leaf = fn.variable
            label = by_id.get(id(leaf), _shape_label("leaf", leaf))
            node = {"id": len(nodes), "label": label, "kind": "leaf"}
        else:
            node = {"id": len(nodes), "label": _label(fn), "kind": "op"}
        nodes.append(node)
        index[id(fn)] = node["id"]
        for parent, _ in fn.next_functions:
            if parent is not None:  # None marks an input that needs no gradient (a constant)
                edges.append((visit(parent), node["id"]))
        return node["id"]

    edges.append((visit(output.grad_fn), 0))
    return nodes, edges
