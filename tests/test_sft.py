import pytest
import torch
import torch.nn.functional as F

from learnlib.sft import IGNORE, answer_batch, answer_loss


def test_answer_batch_targets_only_the_answer():
    inputs, targets = answer_batch([[1, 2, 3], [4, 5]], [[7, 8], [9]], pad_id=0)
    assert inputs.tolist() == [[1, 2, 3, 7], [4, 5, 9, 0]]
    assert targets.tolist() == [[IGNORE, IGNORE, 7, 8], [IGNORE, 9, IGNORE, IGNORE]]


def test_answer_loss_is_the_mean_over_answer_tokens_by_hand():
    g = torch.Generator().manual_seed(0)
    inputs, targets = answer_batch([[1, 2, 3], [4, 5]], [[7, 8], [9]], pad_id=0)
    logits = torch.randn(2, 4, 10, generator=g)
    kept = [(0, 2, 7), (0, 3, 8), (1, 1, 9)]
    by_hand = torch.stack([-F.log_softmax(logits[b, t], -1)[y] for b, t, y in kept]).mean()
    torch.testing.assert_close(answer_loss(logits, targets), by_hand)


def test_errors():
    with pytest.raises(ValueError, match="as many answers as prompts"):
        answer_batch([[1]], [], 0)
    with pytest.raises(ValueError, match="at least one token"):
        answer_batch([[1]], [[]], 0)
    with pytest.raises(ValueError, match="must agree"):
        answer_loss(torch.zeros(1, 3, 5), torch.zeros(1, 4, dtype=torch.long))
