"""learnlib.models against the networks the notebooks write by hand."""

import torch
from torch import nn

from learnlib.augment import RandomShift
from learnlib.models import MnistCNN, SmallResNet


def notebook_04_cnn():
    """Notebook 04's CNN exactly as the learner writes it there (conv_block + the CNN class)."""
    def conv_block(c_in, c_out, convs=1):
        layers = []
        for i in range(convs):
            layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                       nn.ReLU()]
        return nn.Sequential(*layers, nn.MaxPool2d(2))

    class CNN(nn.Module):
        def __init__(self, max_shift=2, dropout=0.3, num_classes=10):
            super().__init__()
            self.shift = RandomShift(max_shift)
            self.features = nn.Sequential(conv_block(1, 32), conv_block(32, 64, convs=2), conv_block(64, 128))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(128 * 3 * 3, 128),
                                            nn.ReLU(), nn.Dropout(dropout), nn.Linear(128, num_classes))

        def forward(self, x):
            return self.classifier(self.features(self.shift(x)))

    return CNN()


def test_mnist_cnn_is_notebook_04s_network():
    by_hand, twin = notebook_04_cnn(), MnistCNN()
    hand_state, twin_state = by_hand.state_dict(), twin.state_dict()
    assert [(k, v.shape) for k, v in hand_state.items()] == [(k, v.shape) for k, v in twin_state.items()]
    twin.load_state_dict(hand_state)  # a checkpoint of notebook 04 loads into the twin
    x = torch.randn(5, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(twin.eval()(x), by_hand.eval()(x), rtol=0, atol=0)
    count = sum(p.numel() for p in twin.parameters())
    assert count == sum(p.numel() for p in by_hand.parameters()) == 278_762  # the count notebook 04 prints


def test_mnist_cnn_shapes_options_and_training_mode():
    model = MnistCNN(max_shift=0, dropout=0.0, num_classes=3)
    assert model(torch.randn(2, 1, 28, 28)).shape == (2, 3)
    model.eval()
    x = torch.randn(4, 1, 28, 28)
    assert torch.equal(model(x), model(x))  # eval mode: no shift, no dropout
    shifting = MnistCNN(max_shift=2).train()
    torch.manual_seed(0)
    first = shifting.shift(x)
    assert not torch.equal(first, x)  # training mode shifts the digits


def test_small_resnet_ends_in_fc_and_accepts_channels_last():
    model = SmallResNet(4, widths=(8, 16, 32)).eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        out = model(x)
        assert out.shape == (2, 4) and isinstance(model.fc, nn.Linear)
        torch.testing.assert_close(model.to(memory_format=torch.channels_last)(
            x.contiguous(memory_format=torch.channels_last)), out)
