"""Small models the notebooks share, written out in plain PyTorch."""

from __future__ import annotations

from torch import nn


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm and a shortcut: the residual block of ResNet-18/34 (He et al., 2016)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        # When the shape changes, a 1x1 convolution matches the shortcut to it.
        self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        return (out + self.shortcut(x)).relu()


class SmallResNet(nn.Module):
    """A ResNet shaped for 32x32 images: a 3x3 stem at full resolution, three stages, global pooling, `fc`.

    Like torchvision's ResNets it ends in a linear layer called `fc`, so the same code replaces the head of
    either. ImageNet ResNets shrink the input 4x in their stem (7x7 stride-2 conv + max-pool): right for
    224 px, wasteful for 32 px, where it leaves 8x8 maps after the first layer.
    """

    def __init__(self, num_classes: int = 10, widths: tuple[int, int, int] = (32, 64, 128)):
        super().__init__()
        w1, w2, w3 = widths
        self.stem = nn.Sequential(nn.Conv2d(3, w1, 3, padding=1, bias=False), nn.BatchNorm2d(w1), nn.ReLU())
        self.layers = nn.Sequential(
            BasicBlock(w1, w1),  # (N, w1, 32, 32)
            BasicBlock(w1, w2, stride=2),  # (N, w2, 16, 16)
            BasicBlock(w2, w3, stride=2),  # (N, w3, 8, 8)
        )
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())  # (N, w3)
        self.fc = nn.Linear(w3, num_classes)

    def forward(self, x):
        return self.fc(self.pool(self.layers(self.stem(x))))
