"""A network's outputs on many images: batch by batch, without gradients, in eval mode.

Every "run the model over a data set" in zfviz goes through :func:`outputs`: the training loop's
validation accuracy, the ablations' class probabilities, the transfer chapter's own-output
accuracy and the invariance chapter's true-label probability. The model is borrowed
(:func:`zfviz.core.hooks.borrowed`): its mode and flags are as they were afterwards, even after
an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from zfviz.core.checks import check_int
from zfviz.core.hooks import borrowed, model_device

__all__ = ["outputs"]


@torch.no_grad()
def outputs(
    model: nn.Module,
    images: Any,
    prepare: Callable[[Any], torch.Tensor] | None = None,
    batch_size: int = 256,
) -> torch.Tensor:
    """``model``'s outputs on ``images``, ``(N, ...)`` on the CPU, ``batch_size`` at a time.

    Args:
        model: any network; run in eval mode (dropout off) and given back as it was.
        images: a tensor of model inputs ``(N, C, H, W)``, or anything ``prepare`` turns into
            one slice by slice (uint8 images ``(N, H, W, 3)`` and a preprocessing).
        prepare: applied to each slice of ``images`` before the model, if given.
        batch_size: images per forward pass; the result does not depend on it.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
        >>> outputs(net, torch.zeros(5, 3, 2, 2), batch_size=2).shape
        torch.Size([5, 3])
    """
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if len(images) == 0:
        raise ValueError("images is empty: expected at least one image")
    device = model_device(model)
    out = []
    with borrowed(model):
        for start in range(0, len(images), batch_size):
            x = images[start : start + batch_size]
            x = prepare(x) if prepare is not None else x
            out.append(model(x.to(device)).cpu())
    return torch.cat(out)
