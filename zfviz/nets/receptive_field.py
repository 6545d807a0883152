"""Receptive fields: which input pixels a unit of a layer can see.

For a chain of convolutions and poolings every unit of a layer sees a square of the input. Three
numbers describe all of them: the square's ``size``, the ``stride`` between neighbouring units
(in input pixels), and ``top_left``, the input coordinate of the first pixel seen by unit 0
(negative when padding makes it start outside the image). Walking the layers from the input:

    stride_out   = stride_in * s
    size_out     = size_in + (k - 1) * stride_in
    top_left_out = top_left_in - p * stride_in

for a layer with kernel ``k``, stride ``s`` and padding ``p``. Element-wise layers (ReLU,
contrast normalisation, dropout) leave all three unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from zfviz.core.claims import Verdict

_ELEMENTWISE = (nn.ReLU, nn.LocalResponseNorm, nn.Dropout, nn.Identity, nn.BatchNorm2d)


@dataclass(frozen=True)
class ReceptiveField:
    """The input square seen by each unit of one layer.

    Example:
        >>> rf = ReceptiveField(size=7, stride=2, top_left=-1)
        >>> rf.window(0, 0)
        (-1, -1, 6, 6)
        >>> rf.window(0, 0, image_size=224)  # clipped to the image
        (0, 0, 6, 6)
    """

    size: int
    stride: int
    top_left: int

    def window(self, row: int, col: int, image_size: int | None = None) -> tuple[int, ...]:
        """``(top, left, bottom, right)`` of unit ``(row, col)``, end-exclusive.

        With ``image_size`` the window is clipped to the image, ready to crop a patch. (Near the
        bottom and right edges the unit may see a little less than this: a strided layer whose
        windows do not tile its input exactly never looks at the last rows and columns.)
        """
        top = self.top_left + row * self.stride
        left = self.top_left + col * self.stride
        bottom, right = top + self.size, left + self.size
        if image_size is not None:
            top, left = max(top, 0), max(left, 0)
            bottom, right = min(bottom, image_size), min(right, image_size)
        return (top, left, bottom, right)


def _pair(v: int | tuple[int, ...], what: str, name: str) -> int:
    if isinstance(v, tuple):
        if len(set(v)) != 1:
            raise ValueError(f"layer {name!r}: non-square {what} {v} is not supported")
        v = v[0]
    return int(v)


def feature_layers(model: nn.Module) -> nn.Sequential:
    """The convolutional part of ``model``: its ``features`` sequence, or the model itself.

    zfviz models and torchvision's AlexNet and VGG keep their convolutional layers in
    ``model.features``. Anything else must be an ``nn.Sequential`` of supported layers.
    """
    features = getattr(model, "features", model)
    if not isinstance(features, nn.Sequential):
        raise TypeError(
            f"expected a model with a `features` nn.Sequential (zfviz ConvNet, torchvision "
            f"AlexNet/VGG) or an nn.Sequential, got {type(model).__name__}"
        )
    return features


def receptive_fields(model: nn.Module) -> dict[str, ReceptiveField]:
    """Receptive field of the output of every layer in the model's feature sequence.

    Raises a ``TypeError`` naming the layer for any module it cannot account for, rather than
    returning a wrong field.

    Example:
        >>> from torch import nn
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 7, stride=2, padding=1), nn.ReLU(),
        ...                     nn.MaxPool2d(3, stride=2))
        >>> receptive_fields(net)["2"]
        ReceptiveField(size=11, stride=4, top_left=-1)
    """
    size, stride, top_left = 1, 1, 0
    fields: dict[str, ReceptiveField] = {}
    for name, layer in feature_layers(model).named_children():
        if isinstance(layer, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
            k = _pair(layer.kernel_size, "kernel", name)
            s = _pair(layer.stride, "stride", name)
            p = _pair(layer.padding, "padding", name)
            d = _pair(getattr(layer, "dilation", 1), "dilation", name)
            if d != 1:
                raise TypeError(f"layer {name!r}: dilated layers are not supported")
            size += (k - 1) * stride
            top_left -= p * stride
            stride *= s
        elif not isinstance(layer, _ELEMENTWISE):
            raise TypeError(
                f"layer {name!r} ({type(layer).__name__}) is not a convolution, pooling or "
                f"element-wise layer; zfviz cannot compute its receptive field"
            )
        fields[name] = ReceptiveField(size=size, stride=stride, top_left=top_left)
    return fields


def _output_length(layer: nn.Module, length: int, name: str) -> int:
    """The output length along one axis of a conv or pooling layer (torch's arithmetic)."""
    k = _pair(layer.kernel_size, "kernel", name)
    s = _pair(layer.stride, "stride", name) if layer.stride is not None else k
    p = _pair(layer.padding, "padding", name)
    d = _pair(getattr(layer, "dilation", 1), "dilation", name)
    span = length + 2 * p - d * (k - 1) - 1  # may be negative: ceil mode still gives 1
    ceil = getattr(layer, "ceil_mode", False)
    out = -(-span // s) + 1 if ceil else span // s + 1
    if ceil and (out - 1) * s >= length + p:  # torch drops a last window starting in padding
        out -= 1
    return out


def smallest_input(model: nn.Module, layer: str | None = None) -> int:
    """The smallest square input side for which every layer of the feature chain up to
    ``layer`` (default: all of them) still has at least one output pixel.

    Computed from the layers' settings, without a forward pass. Raises ``TypeError`` for a
    module that is not a convolution, pooling or element-wise layer (see
    :func:`receptive_fields`).

    Example:
        >>> import torchvision
        >>> smallest_input(torchvision.models.alexnet(weights=None), "12")
        63
    """
    chain = []
    for name, module in feature_layers(model).named_children():
        if isinstance(module, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
            if isinstance(module.padding, str):
                raise TypeError(f"layer {name!r}: padding={module.padding!r} is not supported")
            chain.append((name, module))
        elif not isinstance(module, _ELEMENTWISE):
            raise TypeError(
                f"layer {name!r} ({type(module).__name__}) is not a convolution, pooling or "
                f"element-wise layer; zfviz cannot compute the smallest input"
            )
        if name == layer:
            break
    side = 1
    while True:  # a few hundred steps at most for any real network: no forward pass needed
        length = side
        for name, module in chain:
            length = _output_length(module, length, name)
            if length < 1:
                break
        if length >= 1:
            return side
        side += 1


def check_input_size(
    model: nn.Module, shape: tuple[int, ...], name: str = "images", layer: str | None = None
) -> None:
    """Refuse, before any forward pass, images too small for ``model`` (up to ``layer``).

    For the book's ConvNet the size must be its ``spec.input_size``; for a model with a chain
    of convolutions and poolings the smallest size is computed (:func:`smallest_input`). For
    other models nothing is checked here (their first forward pass is the check).

    Example:
        >>> import torchvision
        >>> check_input_size(torchvision.models.alexnet(weights=None), (1, 3, 20, 20))
        Traceback (most recent call last):
        ...
        ValueError: images of 20x20 pixels are too small ... at least 63x63 pixels
    """
    height, width = shape[-2:]
    spec = getattr(model, "spec", None)
    if spec is not None and hasattr(spec, "input_size"):
        size, channels = spec.input_size, spec.in_channels
        if tuple(shape[-3:]) != (channels, size, size):
            raise ValueError(
                f"{name}: expected images of shape (N, {channels}, {size}, {size}) for this "
                f"model, got {tuple(shape)}"
            )
        return
    try:
        smallest = smallest_input(model, layer)
    except TypeError:  # not a plain chain: the forward pass will tell
        return
    if min(height, width) < smallest:
        where = "this model" if layer is None else f"layer {layer!r}"
        raise ValueError(
            f"{name} of {height}x{width} pixels are too small for {where}: expected {name} of "
            f"at least {smallest}x{smallest} pixels"
        )


def outside_share(pixels: torch.Tensor, field: ReceptiveField, row: int, col: int) -> float:
    """The share of a projection's energy (``|pixels|`` summed over colours) that lies outside
    the receptive field of unit ``(row, col)``: 0 for a projection that stays inside.

    Example:
        >>> f = ReceptiveField(size=3, stride=1, top_left=0)
        >>> p = torch.zeros(3, 8, 8); p[:, 1, 1] = 1.0; p[:, 6, 6] = 1.0
        >>> outside_share(p, f, 0, 0)
        0.5
    """
    if pixels.dim() != 3:
        raise ValueError(f"pixels must be one projection (3, H, W), got {tuple(pixels.shape)}")
    energy = pixels.detach().abs().sum(0).double()
    total = float(energy.sum())
    if total == 0:
        return 0.0
    top, left, bottom, right = field.window(row, col, image_size=energy.shape[-1])
    inside = float(energy[top:bottom, left:right].sum())
    return (total - inside) / total


def claim_projections_in_field(
    pixels: torch.Tensor, units: Sequence[tuple[int, int]], field: ReceptiveField, layer: str
) -> Verdict:
    """Sec. 2.1: a projection reconstructs the input structure *that excited the unit*: none of
    its energy lies outside the unit's receptive field, for every projection ``pixels[k]``
    ``(3, H, W)`` of unit ``units[k] = (row, col)``. Only a layer whose field is smaller than
    the image can fail this.

    Its margin is minus the largest share outside (0 when all stay inside).
    """
    if len(pixels) != len(units) or len(units) == 0:
        raise ValueError(f"pixels and units must pair up, got {len(pixels)} and {len(units)}")
    worst = max(outside_share(p, field, r, c) for p, (r, c) in zip(pixels, units, strict=True))
    numbers = {"largest share outside": worst, f"{layer} field (px)": float(field.size)}
    claim = f"a {layer} projection stays inside its unit's receptive field"
    return Verdict(claim, "Sec. 2.1", numbers, worst == 0.0, -worst if worst else 0.0)
