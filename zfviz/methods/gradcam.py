"""Grad-CAM (Selvaraju et al. 2017): where a class's evidence sits in the image, in one backward.

The deconvnet answers "what made this *activation* large?". Two years later, class activation
maps asked "where is the evidence for this *class*?". Grad-CAM computes it for any convnet:

1. run the image forward and keep the maps ``A`` (``C x h x w``) of one conv layer;
2. back-propagate the class score ``y_c`` (the logit, before the softmax) to those maps;
3. weight each map by its mean gradient, ``alpha_k = mean_ij dy_c / dA_kij``;
4. ``cam = relu(sum_k alpha_k A_k)``: the places whose maps push the score up;
5. upsample the ``h x w`` map to the image (bilinear).

It is coarse (the layer's resolution: 5 x 5 for the quick network's layer 5) but class
specific, where the deconvnet and guided back-propagation show fine detail that barely depends
on the class. :func:`grad_cam` borrows the model (``zfviz.core.hooks.borrowed``): its mode, flags,
hooks and gradients are as they were afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from zfviz.core.checks import (
    LayerError,
    as_images,
    check_labels,
    to_model,
    too_small_as_value_error,
)
from zfviz.core.hooks import borrowed
from zfviz.methods.deconvnet import resolve_layer, walk
from zfviz.nets.layers import find_layer, last_conv_block
from zfviz.nets.receptive_field import check_input_size

__all__ = ["GradCam", "grad_cam", "inside_box"]


@dataclass(frozen=True)
class GradCam:
    """Grad-CAM maps of a batch.

    Attributes:
        maps: ``(N, H, W)`` at the image's size, ``>= 0`` (unnormalised).
        coarse: ``(N, h, w)`` at the layer's resolution, before upsampling.
        weights: ``(N, C)`` the per-map weights ``alpha_k``.
        labels: ``(N,)`` the class each map explains.
        scores: ``(N,)`` that class's logit.
        layer: the layer's name: in ``model.features`` for a plain chain (zfviz ConvNet,
            torchvision AlexNet/VGG), else as given (``"layer4"``).
    """

    maps: torch.Tensor
    coarse: torch.Tensor
    weights: torch.Tensor
    labels: torch.Tensor
    scores: torch.Tensor
    layer: str

    def normalised(self) -> torch.Tensor:
        """``maps`` stretched to [0, 1], each image on its own (an all-zero map stays 0)."""
        top = self.maps.flatten(1).amax(1).clamp(min=torch.finfo(self.maps.dtype).tiny)
        return self.maps / top.view(-1, 1, 1)


def _walkable(model: nn.Module) -> bool:
    """Whether ``model`` is a plain chain :func:`zfviz.methods.deconvnet.walk` accepts."""
    try:
        walk(model)
    except (TypeError, ValueError):
        return False
    return True


def _default_layer(model: nn.Module) -> str:
    """The last ReLU of ``features`` for a plain chain: the highest layer that still has a
    spatial layout; for any other CNN, its last block holding a convolution (ResNet:
    ``"layer4"``)."""
    if not _walkable(model):
        return last_conv_block(model)
    relus = [name for name, module in walk(model) if isinstance(module, nn.ReLU)]
    if not relus:
        raise ValueError("the model's features have no ReLU; name a layer for Grad-CAM")
    return relus[-1]


def _layer(model: nn.Module, layer: str | int | None) -> tuple[str, nn.Module]:
    """The layer to explain: a step of ``features`` for a plain chain (as zfviz always read
    it), any module by name (:mod:`zfviz.nets.layers`) otherwise."""
    if _walkable(model):
        steps = dict(walk(model))
        try:
            name = _default_layer(model) if layer is None else resolve_layer(model, layer)
        except LayerError:
            raise LayerError(f"unknown layer {layer!r}; Grad-CAM explains a layer of "
                             f"`features` here: {', '.join(steps)}") from None  # fmt: skip
        return name, steps[name]
    return find_layer(model, _default_layer(model) if layer is None else layer)


def grad_cam(
    model: nn.Module,
    images: torch.Tensor,
    labels: Sequence[int] | torch.Tensor | None = None,
    layer: str | int | None = None,
) -> GradCam:
    """Grad-CAM of ``images`` for ``labels`` (default: each image's predicted class).

    Args:
        model: any CNN whose ``forward`` returns logits ``(N, classes)`` (zfviz ConvNet,
            torchvision AlexNet/VGG/ResNet, BatchNorm included). Used in eval mode, given back
            unchanged.
        images: ``(N, 3, H, W)`` preprocessed images (a tensor or a NumPy float array); cast to
            the model's dtype and device. NaN and Inf are refused.
        labels: one class index (an integer) per image, or ``None`` for the top class.
        layer: for a plain chain (zfviz ConvNet, torchvision AlexNet/VGG) a name in
            ``features`` (``"11"`` or ``"features.11"``) or a paper layer number, default its
            last ReLU (``"relu5"`` for ZFNet); for any other CNN a module name
            (``"layer4"``, ``"layer3.1"``), default :func:`zfviz.nets.layers.last_conv_block`.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> _ = torch.manual_seed(0)
        >>> model = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> cam = grad_cam(model, torch.randn(2, 3, 64, 64), labels=[1, 3])
        >>> cam.layer, tuple(cam.maps.shape), bool((cam.maps >= 0).all())
        ('relu5', (2, 64, 64), True)

        Any CNN, BatchNorm and residual blocks included (random weights, offline):

        >>> import torchvision
        >>> resnet = torchvision.models.resnet18(weights=None, num_classes=4)
        >>> cam = grad_cam(resnet, torch.randn(2, 3, 64, 64), labels=[0, 3])
        >>> cam.layer, tuple(cam.coarse.shape)
        ('layer4', (2, 2, 2))
    """
    # Every argument is checked before the forward pass.
    name, module = _layer(model, layer)
    if isinstance(images, torch.Tensor) and not images.is_floating_point():
        raise ValueError(f"expected floating-point images, got dtype {images.dtype}")
    x = as_images(images, "images").detach()
    check_input_size(model, tuple(x.shape), "images")  # the whole model runs
    chosen = None if labels is None else check_labels(labels, "labels", len(x))
    x = to_model(x, model)
    kept: list[torch.Tensor] = []
    with (
        torch.enable_grad(),
        borrowed(model) as hooks,
        too_small_as_value_error("images", tuple(x.shape)),
    ):

        def keep(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> torch.Tensor:
            kept.append(output)
            # The rest of the forward pass gets a copy: an in-place step after the layer (a
            # ReLU(inplace=True), a residual "+=") would otherwise change the kept maps.
            return output.clone() if isinstance(output, torch.Tensor) else output

        hooks.forward(module, keep)
        logits = model(x)
        if logits.dim() != 2:
            raise ValueError(f"the model must return logits (N, classes), got "
                             f"{tuple(logits.shape)}")  # fmt: skip
        if chosen is None:
            chosen = logits.argmax(1)
        else:
            chosen = chosen.to(logits.device)
            if ((chosen < 0) | (chosen >= logits.shape[1])).any():
                raise ValueError(f"labels must lie in [0, {logits.shape[1]}), got {chosen}")
        if len(kept) != 1:
            raise RuntimeError(f"layer {name!r} ran {len(kept)} times in one forward pass")
        maps = kept[0]
        if not isinstance(maps, torch.Tensor) or maps.dim() != 4:
            got = tuple(maps.shape) if isinstance(maps, torch.Tensor) else type(maps).__name__
            raise ValueError(f"layer {name!r} gives {got}; Grad-CAM needs maps (N, C, h, w): "
                             f"name a convolutional layer")  # fmt: skip
        scores = logits.gather(1, chosen[:, None])[:, 0]
        # Each image's score depends on its own maps only, so one backward pass serves all.
        # autograd.grad leaves the parameters' .grad untouched.
        (grads,) = torch.autograd.grad(scores.sum(), maps)
    weights = grads.mean(dim=(2, 3))
    coarse = F.relu((weights[:, :, None, None] * maps).sum(1)).detach()
    full = F.interpolate(coarse[:, None], size=tuple(x.shape[-2:]), mode="bilinear",
                         align_corners=False)[:, 0].clamp(min=0.0)  # fmt: skip
    return GradCam(full, coarse, weights.detach(), chosen.detach(), scores.detach(), name)


def inside_box(maps: torch.Tensor, boxes: np.ndarray | Sequence[Sequence[float]]) -> dict:
    """Score per-pixel maps ``(N, H, W)`` (``>= 0``) against object boxes ``(N, 4)``.

    A pixel is inside its image's box ``(x0, y0, x1, y1)`` when its centre is. Any map that says
    where evidence sits (Grad-CAM, the magnitude of a projection, an occlusion drop) can be
    scored the same way.

    Returns:
        ``{"pointing": (N,) 1.0 where the map's largest value is inside the box, "inside_share":
        (N,) share of the map's total inside the box, "box_share": (N,) share of pixels inside
        the box (what ``inside_share`` would be for a map that ignores the object)}``, NumPy
        arrays; an all-zero map gives NaN for the first two.

    Example:
        >>> m = torch.zeros(1, 4, 4)
        >>> m[0, 1, 1], m[0, 3, 3] = 3.0, 1.0
        >>> {k: v.tolist() for k, v in inside_box(m, [[0, 0, 2, 2]]).items()}
        {'pointing': [1.0], 'inside_share': [0.75], 'box_share': [0.25]}
    """
    maps = torch.as_tensor(maps).detach().double().cpu()
    boxes = np.asarray(boxes, dtype=np.float64)
    if maps.dim() != 3 or boxes.shape != (len(maps), 4):
        raise ValueError(f"expected maps (N, H, W) and boxes (N, 4), got {tuple(maps.shape)} and "
                         f"{boxes.shape}")  # fmt: skip
    if not torch.isfinite(maps).all() or not np.isfinite(boxes).all():
        raise ValueError("maps and boxes must be finite (no NaN or Inf)")
    if (maps < 0).any():
        raise ValueError("maps must be >= 0 (take the magnitude of a signed map first)")
    n, height, width = maps.shape
    ys, xs = np.arange(height) + 0.5, np.arange(width) + 0.5
    out = {"pointing": np.full(n, np.nan), "inside_share": np.full(n, np.nan),
           "box_share": np.zeros(n)}  # fmt: skip
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        inside = torch.from_numpy(((ys >= y0) & (ys <= y1))[:, None] & ((xs >= x0) & (xs <= x1)))
        out["box_share"][i] = float(inside.double().mean())
        total = float(maps[i].sum())
        if total > 0:
            out["pointing"][i] = float(inside.flatten()[int(maps[i].argmax())])
            out["inside_share"][i] = float(maps[i][inside].sum()) / total
    return out
