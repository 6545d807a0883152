"""The deconvnet of Zeiler & Fergus (2014, section 2.1): project one activation back to pixels.

To look at one activation, run the image forward, keep that activation, set every other
activation of its layer to zero and pass the maps down, undoing each layer in turn:

* **unpool**: put each value back where the forward max-pool found its maximum (the
  "switches"). Overlapping 3x3 stride-2 windows can pick the same pixel; their values add up.
* **rectify**: a ReLU on the signal coming down.
* **filter**: the transposed convolution with the same weights (filters flipped), no bias.

Contrast normalisation, dropout and identities are skipped going down. The result is an image
that shows which pixels, and which pattern in them, made the activation large.

The deconvnet is back-propagation with one change: going down a ReLU it rectifies the signal
instead of using the forward mask. Two close relatives differ only in that step, so they are
offered too (``rule``):

========== ======================================= =============================================
rule       signal going down a ReLU                 known as
========== ======================================= =============================================
deconvnet  ``relu(signal)``                         the paper's deconvnet
guided     ``relu(signal) * (forward input > 0)``   guided back-propagation (Springenberg et al.)
gradient   ``signal * (forward input > 0)``         the plain gradient, a saliency map
========== ======================================= =============================================

:func:`project` runs the deconvnet; :func:`backprop_projection` computes the same thing with
autograd, a second and independent route that the tests compare it with.

Only chains of ``Conv2d``, ``ReLU``, ``MaxPool2d``, ``LocalResponseNorm``, ``Dropout`` and
``Identity`` are supported: the ``features`` of zfviz models and of torchvision's AlexNet and
VGG (see :func:`walk`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from zfviz.core.checks import LayerError, as_images, check_int, check_number, to_model
from zfviz.core.hooks import borrowed
from zfviz.nets.layers import find_layer
from zfviz.nets.models import ConvNet
from zfviz.nets.receptive_field import feature_layers, smallest_input

__all__ = [
    "RULES",
    "Selection",
    "Projection",
    "walk",
    "resolve_layer",
    "activations",
    "unpool",
    "subpixel_conv_transpose",
    "project",
    "project_maps",
    "backprop_projection",
    "deconv_to_image",
]

RULES = ("deconvnet", "guided", "gradient")

# Exact types, not isinstance: a subclass may override forward() with something we cannot undo.
_SUPPORTED = (nn.Conv2d, nn.ReLU, nn.MaxPool2d, nn.LocalResponseNorm, nn.Dropout, nn.Identity)


@dataclass(frozen=True)
class Selection:
    """One activation to project: unit ``(row, col)`` of feature map ``channel`` of an image.

    Example:
        >>> Selection(image=0, channel=12, row=3, col=4)
        Selection(image=0, channel=12, row=3, col=4)
    """

    image: int
    channel: int
    row: int
    col: int

    def __post_init__(self) -> None:
        # Refused here, not later as an IndexError or a silently truncated float.
        for field in ("image", "channel", "row", "col"):
            value = check_int(getattr(self, field), f"Selection.{field}", minimum=0)
            object.__setattr__(self, field, value)


@dataclass
class Projection:
    """What :func:`project` returns.

    Attributes:
        pixels: ``(S, C, H, W)`` projections in input space, one per selection.
        selections: the projected activations, in the order of ``pixels``.
        values: ``(S,)`` their values; each projection scales with its value.

    Example:
        >>> p = Projection(torch.zeros(1, 3, 8, 8), [Selection(0, 0, 0, 0)], torch.zeros(1))
        >>> p.pixels.shape, len(p.selections)
        (torch.Size([1, 3, 8, 8]), 1)
    """

    pixels: torch.Tensor
    selections: list[Selection]
    values: torch.Tensor


def walk(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The ``(name, module)`` steps of ``model.features`` (or of ``model``, a Sequential).

    Checks that every step is one the deconvnet can undo: ``Conv2d`` (grouped is fine),
    ``ReLU`` (in-place is fine), ``MaxPool2d``, ``LocalResponseNorm``, ``Dropout``,
    ``Identity``. Raises ``TypeError`` for a model without a ``features`` Sequential or for any
    other kind of module (a residual block, BatchNorm, a custom module calling ``F.relu``), and
    ``ValueError`` for a module object used twice or settings it cannot undo (dilation,
    non-zero padding modes). The message names the module.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> [name for name, _ in walk(zfnet(width=0.1, input_size=64))][:4]
        ['conv1', 'relu1', 'pool1', 'norm1']
    """
    features = feature_layers(model)
    steps: list[tuple[str, nn.Module]] = []
    seen: dict[int, str] = {}
    # _modules, not named_children(): named_children() silently skips a repeated module.
    for name, module in features._modules.items():
        where = f"features[{name!r}] ({type(module).__name__})"
        if type(module) not in _SUPPORTED:
            raise TypeError(
                f"{where} is not supported by the deconvnet: zfviz can only undo "
                f"{', '.join(t.__name__ for t in _SUPPORTED)} modules, one per step, "
                f"as in zfviz ConvNet and torchvision AlexNet/VGG"
            )
        if id(module) in seen:
            raise ValueError(
                f"{where} is the same module object as features[{seen[id(module)]!r}]; "
                f"zfviz needs a distinct module for each step so that layer names are unique"
            )
        seen[id(module)] = name
        _check_settings(where, module)
        steps.append((name, module))
    if not steps:
        raise ValueError("the model's features are empty: there is no layer to project from")
    return steps


def _check_settings(where: str, module: nn.Module) -> None:
    if isinstance(module, nn.Conv2d | nn.MaxPool2d):
        dilation = module.dilation if isinstance(module.dilation, tuple) else (module.dilation,)
        if set(dilation) != {1}:
            raise ValueError(f"{where}: dilation {module.dilation} is not supported (only 1)")
    if isinstance(module, nn.Conv2d):
        if module.padding_mode != "zeros" or isinstance(module.padding, str):
            raise ValueError(
                f"{where}: only zero padding given as numbers is supported, got "
                f"padding={module.padding!r}, padding_mode={module.padding_mode!r}"
            )


def _run(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """One step forward, computed from the module's settings: never in place, no hooks."""
    if isinstance(module, nn.Conv2d):
        return F.conv2d(
            x, module.weight, module.bias, module.stride, module.padding, module.dilation,
            module.groups,
        )  # fmt: skip
    if isinstance(module, nn.ReLU):
        return F.relu(x)  # not in place: the layer below may still need its output
    if isinstance(module, nn.MaxPool2d):  # no switches wanted: the faster kernel without indices
        return F.max_pool2d(
            x, module.kernel_size, module.stride, module.padding, module.dilation,
            module.ceil_mode,
        )  # fmt: skip
    if isinstance(module, nn.LocalResponseNorm):
        return F.local_response_norm(x, module.size, module.alpha, module.beta, module.k)
    return x  # Dropout (always in eval mode here) and Identity


def _pool(pool: nn.MaxPool2d, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return F.max_pool2d(
        x, pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode,
        return_indices=True,
    )  # fmt: skip


def unpool(signal: torch.Tensor, switches: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Undo a max-pool: each value goes back to the input position its window picked.

    ``switches`` are the indices returned by ``F.max_pool2d(..., return_indices=True)`` and
    ``size`` is the ``(height, width)`` of the pool's input. When overlapping windows picked
    the same position their values are added, as back-propagation would; ``F.max_unpool2d``
    would keep only one of them.

    Example:
        >>> x = torch.zeros(1, 1, 5, 5)
        >>> x[0, 0, 2, 2] = 1.0  # the maximum of all four overlapping 3x3 windows
        >>> _, switches = F.max_pool2d(x, 3, 2, return_indices=True)
        >>> unpool(torch.ones(1, 1, 2, 2), switches, (5, 5))[0, 0, 2, 2]
        tensor(4.)
    """
    n, c = signal.shape[:2]
    height, width = size[-2:]
    out = signal.new_zeros(n, c, height * width)
    out.scatter_add_(2, switches.flatten(2), signal.flatten(2))
    return out.view(n, c, height, width)


def _rectify(signal: torch.Tensor, opened: torch.Tensor | None, rule: str) -> torch.Tensor:
    """The step down a ReLU; ``opened`` is where its forward input was positive."""
    if rule == "deconvnet":
        return F.relu(signal)
    if rule == "guided":
        return F.relu(signal) * opened
    return signal * opened


def _transposed_conv(signal: torch.Tensor, conv: nn.Conv2d, size: Sequence[int]) -> torch.Tensor:
    """The convolution's filters applied transposed, giving back its input's exact ``size``."""
    stride, padding = conv.stride, conv.padding
    if conv.groups == 1 and conv.dilation == (1, 1) and stride[0] == stride[1]:
        return subpixel_conv_transpose(signal, conv.weight, stride[0], padding, size)
    # A strided convolution drops the last rows/columns its windows do not reach, so the
    # transposed convolution needs output_padding to give back the forward input's exact size.
    extra = tuple(
        size[i] - ((signal.shape[2 + i] - 1) * stride[i] - 2 * padding[i]
                   + conv.dilation[i] * (conv.kernel_size[i] - 1) + 1)
        for i in range(2)
    )  # fmt: skip
    return F.conv_transpose2d(
        signal, conv.weight, None, stride, padding, extra, conv.groups, conv.dilation
    )


def subpixel_conv_transpose(
    signal: torch.Tensor,
    weight: torch.Tensor,
    stride: int,
    padding: Sequence[int],
    size: Sequence[int],
) -> torch.Tensor:
    """``F.conv_transpose2d`` (no bias, groups 1, dilation 1) computed as one plain convolution.

    A transposed convolution with stride ``s`` writes output pixel ``q * s + r`` from the filter
    taps ``r, r + s, r + 2s, ...`` only. So each of the ``s * s`` output phases ``(r_h, r_w)``
    is an ordinary (flipped, fully padded) convolution of the input with its own sub-filter;
    running all phases as the output channels of one ``conv2d`` and interleaving them with
    ``pixel_shuffle`` gives the same numbers. On the CPU this is several times faster than
    ``conv_transpose2d``, which matters because the way down is mostly transposed convolutions.

    Args:
        signal: ``(N, C_out_of_conv, h, w)``, the convolution's output side.
        weight: the convolution's weight ``(C_out_of_conv, C_in_of_conv, k_h, k_w)``.
        stride, padding: the convolution's (one stride for both axes).
        size: ``(H, W)`` of the convolution's input, which is returned.

    Example:
        >>> w, x = torch.randn(4, 3, 7, 7), torch.randn(2, 4, 12, 12)
        >>> y = subpixel_conv_transpose(x, w, 2, (1, 1), (28, 28))
        >>> torch.allclose(y, F.conv_transpose2d(x, w, None, 2, 1, 1), atol=1e-4)
        True
    """
    s = stride
    c_top, c_bottom, kh, kw = weight.shape
    mh, mw = -(-kh // s), -(-kw // s)  # taps per phase, the last ones padded with zeros
    w = F.pad(weight, (0, mw * s - kw, 0, mh * s - kh))
    # tap m of phase r is filter row r + m * s; flipped, because conv2d correlates
    w = w.view(c_top, c_bottom, mh, s, mw, s).flip(2, 4)
    phases = w.permute(1, 3, 5, 0, 2, 4).reshape(c_bottom * s * s, c_top, mh, mw)
    full = F.pixel_shuffle(F.conv2d(signal, phases, padding=(mh - 1, mw - 1)), s)
    (ph, pw), (height, width) = padding, size[-2:]
    # rows past the last filter tap get no contribution: they are zero, and may be needed
    short_h, short_w = ph + height - full.shape[2], pw + width - full.shape[3]
    if short_h > 0 or short_w > 0:
        full = F.pad(full, (0, max(short_w, 0), 0, max(short_h, 0)))
    return full[:, :, ph : ph + height, pw : pw + width]


@dataclass
class _Step:
    """What one forward step leaves behind for the way down."""

    module: nn.Module
    size: tuple[int, int]  # (height, width) of its input
    switches: torch.Tensor | None = None  # max-pool
    opened: torch.Tensor | None = None  # ReLU: forward input > 0


def _forward(
    steps: list[tuple[str, nn.Module]], images: torch.Tensor, layer: str, rule: str
) -> tuple[list[_Step], torch.Tensor]:
    """Run the images up to ``layer``; return what the way down needs, and that layer's maps."""
    trail = []
    x = images
    for name, module in steps:
        step = _Step(module, (x.shape[2], x.shape[3]))
        if isinstance(module, nn.MaxPool2d):
            x, step.switches = _pool(module, x)
        else:
            x = _run(module, x)
        if isinstance(module, nn.ReLU) and rule != "deconvnet":
            step.opened = x > 0  # the same as input > 0, and safe from in-place ReLUs
        trail.append(step)
        if name == layer:
            break
    return trail, x


def _down(trail: list[_Step], signal: torch.Tensor, rows: torch.Tensor, rule: str) -> torch.Tensor:
    """Pass the seeded maps down to pixels; ``rows[i]`` is the image of seed ``i``."""
    for step in reversed(trail):
        module = step.module
        if isinstance(module, nn.Conv2d):
            signal = _transposed_conv(signal, module, step.size)
        elif isinstance(module, nn.ReLU):
            opened = None if step.opened is None else step.opened.index_select(0, rows)
            signal = _rectify(signal, opened, rule)
        elif isinstance(module, nn.MaxPool2d):
            signal = unpool(signal, step.switches.index_select(0, rows), step.size)
        # LocalResponseNorm, Dropout, Identity: nothing to undo going down
    return signal


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")


def _resolve_layer(model: nn.Module, steps: list[tuple[str, nn.Module]], layer: str | int) -> str:
    """The step name of ``layer`` (see :mod:`zfviz.nets.layers`: ``"features.12"`` is ``"12"``)."""
    names = [name for name, _ in steps]
    hint = ""
    if isinstance(model, ConvNet):
        hint = f", or a paper layer number in {[conv.layer for conv in model.spec.convs]}"
    message = (
        f"unknown layer {layer!r}; the deconvnet projects from a layer of `features`: "
        f"{', '.join(names)}{hint}"
    )
    try:
        _, module = find_layer(model, layer)
    except LayerError:
        raise LayerError(message) from None
    for name, step in steps:  # by identity: the same module under any of its names
        if step is module:
            return name
    raise LayerError(message)


def resolve_layer(model: nn.Module, layer: str | int) -> str:
    """The name in ``model.features`` that ``layer`` means, as :func:`project` reads it.

    Raises :class:`zfviz.core.checks.LayerError` (a ``KeyError`` and a ``ValueError``) listing the
    choices for an unknown layer.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> resolve_layer(zfnet(width=0.1, input_size=64), 5)
        'pool5'
        >>> import torchvision
        >>> resolve_layer(torchvision.models.alexnet(weights=None), "features.12")
        '12'
    """
    return _resolve_layer(model, walk(model), layer)


def activations(model: nn.Module, images: torch.Tensor, layer: str | int) -> torch.Tensor:
    """The maps of ``layer`` for ``images``: ``features`` run forward up to that layer only.

    The same forward pass as :func:`project` (no hooks fire, no in-place step), in eval mode and
    without gradients; the model is given back unchanged.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
        >>> activations(net, torch.zeros(2, 3, 8, 8), "1").shape
        torch.Size([2, 4, 6, 6])
    """
    steps = walk(model)
    name = _resolve_layer(model, steps, layer)
    with torch.no_grad(), borrowed(model):
        x = _checked_images(model, steps, images, name)
        for step_name, module in steps:
            x = _run(module, x)
            if step_name == name:
                break
    return x


def _checked_images(
    model: nn.Module, steps: list[tuple[str, nn.Module]], images: torch.Tensor, layer: str
) -> torch.Tensor:
    """``images`` checked and converted to the model's dtype and device (see
    :func:`zfviz.core.checks.as_images`), large enough for the chain up to ``layer``."""
    convs = [m for _, m in steps if isinstance(m, nn.Conv2d)]
    channels = convs[0].in_channels if convs else 3
    size = model.spec.input_size if isinstance(model, ConvNet) else None
    expected = f"(N, {channels}, {size or 'H'}, {size or 'W'})"
    images = as_images(images, "images", expected=expected)
    shape = tuple(images.shape)
    if shape[1] != channels or (size is not None and shape[2:] != (size, size)):
        raise ValueError(f"expected images of shape {expected}, got {shape}")
    if size is None:
        smallest = smallest_input(model, layer)
        if min(shape[2:]) < smallest:
            raise ValueError(
                f"images of {shape[2]}x{shape[3]} pixels are too small for layer {layer!r}: "
                f"expected images of at least {smallest}x{smallest} pixels"
            )
    return to_model(images, model)


def _image_rows(selections: Sequence[Selection], n_images: int) -> torch.Tensor:
    if not selections:
        raise ValueError("no selections: give at least one Selection")
    for s in selections:
        if not isinstance(s, Selection):
            raise TypeError(f"expected Selection objects, got {s!r}")
        if not 0 <= s.image < n_images:
            raise ValueError(f"{s} names image {s.image}, but there are {n_images} images")
    return torch.tensor([s.image for s in selections])


def _check_positions(selections: Sequence[Selection], maps: torch.Tensor, layer: str) -> None:
    channels, height, width = maps.shape[1:]
    for s in selections:
        if not (0 <= s.channel < channels and 0 <= s.row < height and 0 <= s.col < width):
            raise ValueError(
                f"{s} is outside layer {layer!r}, whose maps are {channels} x {height} x {width}"
            )


def _project(
    model: nn.Module,
    images: torch.Tensor,
    layer: str | int,
    rule: str,
    choose: Callable[[torch.Tensor], list[Selection]],
) -> Projection:
    """The deconvnet for the activations that ``choose`` picks from the layer's maps."""
    _check_rule(rule)
    steps = walk(model)
    name = _resolve_layer(model, steps, layer)
    with torch.no_grad(), borrowed(model):
        images = _checked_images(model, steps, images, name)
        trail, maps = _forward(steps, images, name, rule)
        selections = list(choose(maps))
        rows = _image_rows(selections, len(images))
        _check_positions(selections, maps, name)
        index = (
            torch.arange(len(selections)),
            torch.tensor([s.channel for s in selections]),
            torch.tensor([s.row for s in selections]),
            torch.tensor([s.col for s in selections]),
        )
        values = maps[(rows, *index[1:])]
        # One seed per selection: its own value (so the projection scales with it), all else 0.
        seeds = maps.new_zeros((len(selections), *maps.shape[1:]))
        seeds[index] = values
        pixels = _down(trail, seeds, rows.to(maps.device), rule)
    return Projection(pixels=pixels, selections=selections, values=values)


def project(
    model: nn.Module,
    images: torch.Tensor,
    layer: str | int,
    selections: Sequence[Selection] | None = None,
    *,
    top: int = 1,
    rule: str = "deconvnet",
) -> Projection:
    """Project activations of ``layer`` back to input space with the deconvnet.

    Args:
        model: a zfviz ConvNet, a torchvision AlexNet/VGG, or any model whose ``features``
            :func:`walk` accepts. It is used in eval mode and given back unchanged.
        images: ``(N, 3, H, W)`` preprocessed images (``H = W = spec.input_size`` for zfviz,
            at least :func:`zfviz.nets.receptive_field.smallest_input` otherwise), a tensor or a
            NumPy float array, cast to the model's dtype and device; NaN and Inf are refused.
        layer: a name in ``features`` (``"conv5"``, ``"relu5"``, ``"pool5"``; ``"11"``, ``11``
            or ``"features.11"`` for torchvision) or, for zfviz models, a paper layer number
            (``5`` is ``"pool5"``, the layer's output); see :mod:`zfviz.nets.layers`.
        selections: the activations to project, any number per image, all in one pass. By
            default, the ``top`` strongest activations of each image, over all maps and
            positions, strongest first.
        top: how many activations per image when ``selections`` is ``None``.
        rule: how the signal passes a ReLU going down, one of :data:`RULES`.

    Returns:
        A :class:`Projection`: ``pixels`` of shape ``(S, 3, H, W)``, one per selection.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> _ = torch.manual_seed(0)
        >>> model = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> p = project(model, torch.randn(2, 3, 64, 64), "conv2", top=3)
        >>> p.pixels.shape, len(p.selections), bool(p.values[0] >= p.values[1])
        (torch.Size([6, 3, 64, 64]), 6, True)
    """
    if check_int(top, "top") < 1:
        raise ValueError(f"top must be a positive integer, got {top!r}")
    if selections is not None:
        if top != 1:
            raise ValueError("give either selections or top, not both")
        return _project(model, images, layer, rule, lambda maps: list(selections))

    def strongest(maps: torch.Tensor) -> list[Selection]:
        n, channels, height, width = maps.shape
        if top > channels * height * width:
            raise ValueError(f"top={top} but the layer has only {channels * height * width} units")
        flat = maps.flatten(1).topk(top, dim=1).indices  # sorted, strongest first
        return [
            Selection(image, i // (height * width), i % (height * width) // width, i % width)
            for image in range(n)
            for i in flat[image].tolist()
        ]

    return _project(model, images, layer, rule, strongest)


def project_maps(
    model: nn.Module,
    images: torch.Tensor,
    layer: str | int,
    channels: Sequence[int],
    rule: str = "deconvnet",
) -> Projection:
    """For each image and each feature map in ``channels``, project the map's strongest unit.

    This is the use of the paper's Fig. 2 and Fig. 7c: what one feature map responds to in an
    image. Selections come image by image, in the order of ``channels``; one pass for all.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> _ = torch.manual_seed(0)
        >>> model = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> p = project_maps(model, torch.randn(2, 3, 64, 64), 3, channels=[0, 5])
        >>> [(s.image, s.channel) for s in p.selections]
        [(0, 0), (0, 5), (1, 0), (1, 5)]
    """
    channels = [check_int(c, "channels[]", minimum=0) for c in channels]
    if not channels:
        raise ValueError("channels is empty: name at least one feature map")

    def each_maps_strongest(maps: torch.Tensor) -> list[Selection]:
        n, count, height, width = maps.shape
        bad = [c for c in channels if not 0 <= c < count]
        if bad:
            raise ValueError(f"channels {bad} do not exist: layer {layer!r} has {count} maps")
        best = maps[:, channels].flatten(2).argmax(dim=2)  # (n, len(channels))
        return [
            Selection(image, c, i // width, i % width)
            for image in range(n)
            for c, i in zip(channels, best[image].tolist(), strict=True)
        ]

    return _project(model, images, layer, rule, each_maps_strongest)


class _ReluWithRule(torch.autograd.Function):
    """A ReLU going up; going down, the gradient is replaced by ``rule``'s signal."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, rule: str) -> torch.Tensor:
        ctx.rule = rule
        ctx.save_for_backward(x > 0)
        return F.relu(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (opened,) = ctx.saved_tensors
        return _rectify(grad, opened, ctx.rule), None


class _SeeThrough(torch.autograd.Function):
    """A layer going up; going down, the gradient passes unchanged (as the deconvnet's LRN)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, module: nn.Module) -> torch.Tensor:
        return _run(module, x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad, None


def backprop_projection(
    model: nn.Module,
    images: torch.Tensor,
    layer: str | int,
    selections: Sequence[Selection],
    rule: str = "deconvnet",
) -> torch.Tensor:
    """The deconvnet projection computed by autograd instead: a check of :func:`project`.

    Each selected activation is back-propagated to the pixels with a seed of 1, through
    autograd's own gradients of convolution and max-pooling, with two changes: at each ReLU the
    gradient is replaced as ``rule`` says, and contrast normalisation passes it unchanged. For
    positive activations, ``project(...).pixels == values * backprop_projection(...)``.

    Returns:
        ``(S, 3, H, W)``, one row per selection.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> _ = torch.manual_seed(0)
        >>> model = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> x = torch.randn(1, 3, 64, 64)
        >>> p = project(model, x, "relu3")
        >>> g = backprop_projection(model, x, "relu3", p.selections)
        >>> torch.allclose(p.pixels, p.values[0] * g, atol=1e-5)
        True
    """
    _check_rule(rule)
    steps = walk(model)
    name = _resolve_layer(model, steps, layer)
    selections = list(selections)
    # Autograd only for the input: torch.autograd.grad never writes the weights' .grad.
    with torch.enable_grad(), borrowed(model):
        images = _checked_images(model, steps, images, name)
        rows = _image_rows(selections, len(images)).to(images.device)
        x = images.detach().index_select(0, rows).requires_grad_(True)  # one copy per selection
        maps = x
        for step_name, module in steps:
            if isinstance(module, nn.ReLU):
                maps = _ReluWithRule.apply(maps, rule)
            elif isinstance(module, nn.LocalResponseNorm):
                maps = _SeeThrough.apply(maps, module)
            else:
                maps = _run(module, maps)
            if step_name == name:
                break
        _check_positions(selections, maps, name)
        picked = maps[
            torch.arange(len(selections)),
            torch.tensor([s.channel for s in selections]),
            torch.tensor([s.row for s in selections]),
            torch.tensor([s.col for s in selections]),
        ]
        (pixels,) = torch.autograd.grad(picked.sum(), x)
    return pixels


def deconv_to_image(pixels: torch.Tensor, percentile: float = 100.0) -> np.ndarray:
    """Projections ``(S, C, H, W)`` as images ``(S, H, W, C)`` in [0, 1], ready to plot.

    Each projection is stretched on its own, symmetrically around zero: 0.5 is zero, and the
    ``percentile``-th percentile of its non-zero absolute values (nearest rank) reaches 0 or 1;
    larger values are clipped. The default, 100, maps the largest value to the ends; a lower
    one such as 99.5 keeps a few extreme pixels from making the rest of a projection look
    faint. Zeros do not count, so a projection confined to a small receptive field is
    stretched like a large one. An all-zero projection is plain grey.

    Example:
        >>> img = deconv_to_image(torch.tensor([[[[-2.0, 0.0, 1.0]]]]))
        >>> img.shape, img.ravel().tolist()
        ((1, 1, 3, 1), [0.0, 0.5, 0.75])
    """
    if not isinstance(pixels, torch.Tensor) or pixels.dim() != 4:
        shape = tuple(pixels.shape) if isinstance(pixels, torch.Tensor) else type(pixels)
        raise ValueError(f"expected projections of shape (S, C, H, W), got {shape}")
    if not 0.0 < check_number(percentile, "percentile") <= 100.0:
        raise ValueError(f"percentile must be in (0, 100], got {percentile!r}")
    x = pixels.detach().float().cpu()
    magnitude = x.abs().flatten(1)
    if percentile == 100.0:
        scale = magnitude.amax(dim=1)
    else:
        ordered = magnitude.sort(dim=1, descending=True).values
        nonzero = (magnitude > 0).sum(dim=1)
        rank = ((1.0 - percentile / 100.0) * (nonzero - 1).clamp(min=0)).floor().long()
        scale = ordered.gather(1, rank[:, None])[:, 0]
    scale = scale.clamp(min=torch.finfo(x.dtype).tiny).view(-1, 1, 1, 1)
    return (0.5 + 0.5 * x / scale).clamp(0.0, 1.0).permute(0, 2, 3, 1).numpy()
