"""The tiny network the tests share: ZFNet's layout (overlapping 3x3/2 ceil-mode pools, contrast
normalisation, dropout) at an eighth of the maps, 64-pixel inputs and five classes, built the
same way in every test file. Import it as ``from tiny import tiny_zfnet`` (pytest puts this
folder on ``sys.path``)."""

from __future__ import annotations

import torch

from zfviz.nets.models import ConvNet, zfnet


def tiny_zfnet(seed: int = 0, num_classes: int = 5, input_size: int = 64) -> ConvNet:
    """A randomly initialised tiny ZFNet, the same for the same ``seed`` (in train mode)."""
    torch.manual_seed(seed)
    return zfnet(num_classes=num_classes, input_size=input_size, width=0.125, fc_units=32)
