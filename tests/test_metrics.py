import pytest
import torch

from learnlib.metrics import accuracy, mae


def test_accuracy_matches_hand_count():
    logits = torch.tensor([[2.0, 1.0], [0.1, 0.9], [3.0, -1.0], [0.0, 5.0]])
    targets = torch.tensor([0, 1, 1, 1])
    assert accuracy(logits, targets).item() == pytest.approx(0.75)


def test_accuracy_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        accuracy(torch.zeros(4), torch.zeros(4, dtype=torch.long))


def test_mae():
    assert mae(torch.tensor([1.0, 3.0]), torch.tensor([2.0, 1.0])).item() == pytest.approx(1.5)
    with pytest.raises(ValueError, match="equal shapes"):
        mae(torch.zeros(3, 1), torch.zeros(3))
