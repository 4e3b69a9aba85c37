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
    with pytest.raises(ValueError, match="equal shape"):
        mae(torch.zeros(3, 1), torch.zeros(3))


def test_classification_report_matches_hand_counts():
    from learnlib.metrics import classification_report

    targets = torch.tensor([0, 0, 0, 1, 1, 2])
    preds = torch.tensor([0, 0, 1, 1, 2, 2])
    logits = torch.nn.functional.one_hot(preds, 3).float()
    report = classification_report(logits, targets, 3)
    assert report["accuracy"].item() == pytest.approx(4 / 6)
    assert report["confusion"].tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert report["precision"].tolist() == pytest.approx([1.0, 0.5, 0.5])  # column-wise: correct / predicted
    assert report["recall"].tolist() == pytest.approx([2 / 3, 0.5, 1.0])  # row-wise: correct / true
    p, r = report["precision"], report["recall"]
    assert report["f1"].tolist() == pytest.approx((2 * p * r / (p + r)).tolist())
    with pytest.raises(ValueError, match="3 columns for num_classes=4"):
        classification_report(logits, targets, 4)
