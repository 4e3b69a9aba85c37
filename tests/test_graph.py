import pytest
import torch

from learnlib.graph import autograd_graph


def test_graph_of_a_small_expression():
    x = torch.tensor(2.0, requires_grad=True)
    w = torch.tensor(3.0, requires_grad=True)
    out = (w * x + x).sin()
    nodes, edges = autograd_graph(out, names={"x": x, "w": w})
    label = {n["id"]: n["label"] for n in nodes}
    kinds = {n["label"]: n["kind"] for n in nodes}
    assert kinds == {"output": "output", "SinBackward": "op", "AddBackward": "op", "MulBackward": "op",
                     "w": "leaf", "x": "leaf"}
    named = {(label[a], label[b]) for a, b in edges}
    assert named == {("w", "MulBackward"), ("x", "MulBackward"), ("MulBackward", "AddBackward"),
                     ("x", "AddBackward"), ("AddBackward", "SinBackward"), ("SinBackward", "output")}


def test_constants_and_unnamed_leaves():
    w = torch.ones(2, 3, requires_grad=True)
    out = (w * torch.full((2, 3), 5.0)).sum()  # the constant needs no gradient, so it is not in the graph
    nodes, edges = autograd_graph(out)
    assert [n["label"] for n in nodes if n["kind"] == "leaf"] == ["leaf 2×3"]
    assert len(edges) == len(nodes) - 1  # a chain: leaf -> Mul -> Sum -> output


def test_shared_subexpression_appears_once():
    x = torch.tensor(1.0, requires_grad=True)
    y = x.exp()
    nodes, _ = autograd_graph(y * y)
    assert [n["label"] for n in nodes].count("ExpBackward") == 1


def test_errors():
    with pytest.raises(ValueError, match="no grad_fn"):
        autograd_graph(torch.ones(2, requires_grad=True))
    with pytest.raises(ValueError, match="no grad_fn"):
        autograd_graph(torch.ones(2) * 2)
    with pytest.raises(TypeError, match="needs a tensor"):
        autograd_graph([1.0])
