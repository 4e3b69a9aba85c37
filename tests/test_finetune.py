import pytest
import torch
import torchvision
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from learnlib.finetune import count_trainable, extract_features, param_groups, replace_head
from learnlib.models import SmallResNet


@pytest.mark.parametrize("make", [lambda: SmallResNet(6, widths=(8, 16, 32)),
                                  lambda: torchvision.models.resnet18(weights=None)])
def test_replace_head_and_features_match_a_manual_forward(make):
    torch.manual_seed(0)
    net = make().eval()
    width = net.fc.in_features
    head = replace_head(net, 4)
    assert net.fc is head and head.out_features == 4 and head.in_features == width
    x = torch.randn(6, 3, 32, 32)
    feats, targets = extract_features(net, DataLoader(TensorDataset(x, torch.arange(6)), batch_size=4), "cpu")
    assert feats.shape == (6, width) and net.fc is head  # the head is put back
    with torch.no_grad():
        torch.testing.assert_close(head(feats), net(x))  # features are exactly what the head sees


def test_param_groups_split_backbone_and_head():
    net = SmallResNet(10, widths=(8, 16, 32))
    groups = param_groups(net, backbone_lr=1e-4, head_lr=1e-2)
    assert [g["name"] for g in groups] == ["backbone", "head"] and [g["lr"] for g in groups] == [1e-4, 1e-2]
    assert sum(p.numel() for g in groups for p in g["params"]) == sum(p.numel() for p in net.parameters())
    assert groups[1]["params"] == list(net.fc.parameters())
    torch.optim.AdamW(groups)  # a valid optimizer specification


def test_count_trainable_after_freezing():
    net = SmallResNet(10, widths=(8, 16, 32))
    for p in net.parameters():
        p.requires_grad_(False)
    net.fc.requires_grad_(True)
    assert count_trainable(net) == 32 * 10 + 10


def test_networks_without_fc_are_explained():
    with pytest.raises(TypeError, match="no final linear layer named `fc`"):
        replace_head(nn.Sequential(nn.Linear(3, 2)), 2)


def test_small_resnet_shapes():
    net = SmallResNet(7)
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 7)
    assert net.layers(net.stem(torch.zeros(1, 3, 32, 32))).shape == (1, 128, 8, 8)
