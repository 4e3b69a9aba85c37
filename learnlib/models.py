"""Models the notebooks share, written out in plain PyTorch: the MNIST CNN (notebooks 04 and 06) and a ResNet
shaped for 32x32 images (notebook 05). Each notebook builds its model by hand first; these are the twins.
"""

from __future__ import annotations

import torch
from torch import nn

from .augment import RandomShift
from .errors import check_positive_ints


def conv_block(c_in: int, c_out: int, convs: int = 1) -> nn.Sequential:
    """Return `convs` x (3x3 convolution -> BatchNorm -> ReLU), then a 2x2 max-pool.

    Shapes: (N, c_in, H, W) -> (N, c_out, H/2, W/2).
    """
    check_positive_ints(c_in=c_in, c_out=c_out, convs=convs)
    layers = []
    for i in range(convs):
        # bias=False: the BatchNorm right after has its own shift, so a convolution bias would be redundant.
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                   nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(2))


class MnistCNN(nn.Module):
    """Notebook 04's CNN for 28x28 digits: random shift, three conv blocks, a 128-unit hidden layer, the logits.

    The middle block stacks two convolutions at 14x14: the second one widens what each unit sees and adds
    depth where the maps are already small. A second convolution in the first block, at the full 28x28,
    would add about half again to the network's arithmetic.

    The same submodules under the same names as the `CNN` class notebook 04 writes by hand, so the two have
    identical state_dict keys: a checkpoint saved there loads here.
    """

    def __init__(self, max_shift: int = 2, dropout: float = 0.3, num_classes: int = 10) -> None:
        super().__init__()
        check_positive_ints(num_classes=num_classes)
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}.")
        self.shift = RandomShift(max_shift)  # (N, 1, 28, 28), shifted only in training mode
        self.features = nn.Sequential(
            conv_block(1, 32),  # (N, 32, 14, 14)
            conv_block(32, 64, convs=2),  # (N, 64, 7, 7)
            conv_block(64, 128),  # (N, 128, 3, 3)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, 1152)
            nn.Dropout(dropout),
            nn.Linear(128 * 3 * 3, 128),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(128, num_classes),  # (N, num_classes) logits
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, channels=1, size=28, model="MnistCNN")
        return self.classifier(self.features(self.shift(x)))


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and a shortcut: the residual block of ResNet-18/34 (He et al., 2016)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        check_positive_ints(c_in=c_in, c_out=c_out, stride=stride)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        # When the shape changes, a 1x1 convolution matches the shortcut to it.
        self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        return (out + self.shortcut(x)).relu()


class SmallResNet(nn.Module):
    """A ResNet shaped for 32x32 images: a 3x3 stem at full resolution, three stages, global pooling, `fc`.

    Like torchvision's ResNets it ends in a linear layer called `fc`, so the same code replaces the head of
    either. ImageNet ResNets shrink the input 4x in their stem (7x7 stride-2 conv + max-pool): right for
    224 px, wasteful for 32 px, where it leaves 8x8 maps after the first layer.
    """

    def __init__(self, num_classes: int = 10, widths: tuple[int, int, int] = (32, 64, 128)) -> None:
        super().__init__()
        if len(widths) != 3:
            raise ValueError(f"widths must give the channels of the three stages, e.g. (32, 64, 128), got {widths!r}.")
        check_positive_ints(num_classes=num_classes, **{f"widths[{i}]": w for i, w in enumerate(widths)})
        w1, w2, w3 = widths
        self.stem = nn.Sequential(nn.Conv2d(3, w1, 3, padding=1, bias=False), nn.BatchNorm2d(w1), nn.ReLU())
        self.layers = nn.Sequential(
            BasicBlock(w1, w1),  # (N, w1, 32, 32)
            BasicBlock(w1, w2, stride=2),  # (N, w2, 16, 16)
            BasicBlock(w2, w3, stride=2),  # (N, w3, 8, 8)
        )
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())  # (N, w3)
        self.fc = nn.Linear(w3, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_images(x, channels=3, size=None, model="SmallResNet")
        return self.fc(self.pool(self.layers(self.stem(x))))


def _check_images(x: torch.Tensor, channels: int, size: int | None, model: str) -> None:
    """Images must be (N, C, H, W) float with the right channels; channels-last (N, H, W, C) is a common slip."""
    expected = f"(N, {channels}, {size or 'H'}, {size or 'W'})"
    if x.ndim != 4 or x.shape[1] != channels or (size is not None and tuple(x.shape[2:]) != (size, size)):
        hint = " Add the channel dimension with x.unsqueeze(1)." if x.ndim == 3 else (
            " The channels look last: use x.permute(0, 3, 1, 2)." if x.ndim == 4 and x.shape[-1] == channels else "")
        raise ValueError(f"{model} expects images of shape {expected}, got {tuple(x.shape)}.{hint}")
    if not x.is_floating_point():
        raise TypeError(f"{model} expects floating-point images, got {x.dtype}: convert them with "
                        f"learnlib.data.normalize (uint8 -> standardised float32) or x.float() / 255.")
