"""The convnet of Zeiler & Fergus (2014, Fig. 3) and the one-tower AlexNet it is compared with.

One plain ``nn.Module``, :class:`ConvNet`, is built from a small frozen description,
:class:`ArchSpec`. Every experiment of the book (ZFNet, variant (b), AlexNet, the ablations of
Table 3, the small CPU versions) is a different spec fed to the same class, so that the
deconvnet, the occlusion maps and the training loop only ever see one kind of network.

Modules are named after the paper's layers (``conv1, relu1, pool1, norm1, ..., fc6, relu6,
drop6, fc7, relu7, drop7, fc8``) and keep those names when layers are removed, so "layer 5"
means the same thing in every ablation.

Choices the paper leaves open (see ``shared/PAPER.md``):

* Padding: conv1 pad 1, conv2 pad 0, conv3-5 pad 1, with ceil-mode 3x3/2 pooling. This
  reproduces every map size of Fig. 3 (110, 55, 26, 13, 13, 13, 6) and gives 62,357,608
  parameters, the count of pytorchcv's ImageNet ZFNet.
* Contrast normalisation: ``nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2)``,
  AlexNet's values; pytorchcv's ZFNet weights were trained with exactly these.
* Initialisation: He-normal by default instead of the paper's N(0, 1e-2); see
  :func:`init_weights`.

Weights are a separate concern: see :mod:`zfviz.nets.weights`.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace

import torch
from torch import nn

from zfviz.core.checks import LayerError

__all__ = [
    "ConvLayer",
    "ArchSpec",
    "ConvNet",
    "zfnet_spec",
    "zfnet",
    "alexnet_spec",
    "alexnet",
    "ablate",
    "feature_sizes",
    "layer_names",
    "resolve_layer_name",
    "count_parameters",
    "init_weights",
    "POOL_KERNEL",
    "POOL_STRIDE",
    "ALEXNET_LRN",
]

# Every pooling layer in both papers is a 3x3 max-pool with stride 2 (overlapping windows).
POOL_KERNEL = 3
POOL_STRIDE = 2

# (size, alpha, beta, k) of AlexNet (Krizhevsky et al., 2012). Zeiler & Fergus only say
# "contrast normalisation". Note that PyTorch, like Caffe, divides alpha by size, so alpha=1e-4
# weighs each squared neighbour by 2e-5; we keep PyTorch's meaning because it is the one the
# public pytorchcv ZFNet/AlexNet weights were trained with.
ALEXNET_LRN = (5, 1e-4, 0.75, 2.0)


@dataclass(frozen=True)
class ConvLayer:
    """One convolutional layer: conv, ReLU, then an optional max-pool and contrast norm.

    Attributes:
        layer: the paper's layer number (1..5). It names the modules (``conv3``, ``relu3``) and
            is kept when other layers are removed, so ablations stay comparable.
        maps: number of output feature maps.
        kernel, stride, padding: of the (square) convolution.
        pool: add a 3x3 stride-2 max-pool after the ReLU.
        norm: add local response normalisation.

    Example:
        >>> ConvLayer(layer=3, maps=384, kernel=3, stride=1, padding=1)
        ConvLayer(layer=3, maps=384, kernel=3, stride=1, padding=1, pool=False, norm=False)
    """

    layer: int
    maps: int
    kernel: int
    stride: int
    padding: int
    pool: bool = False
    norm: bool = False


@dataclass(frozen=True)
class ArchSpec:
    """Everything needed to build a :class:`ConvNet`; immutable so it can be stored and compared.

    Attributes:
        convs: the convolutional layers, in order.
        fc: widths of the hidden fully connected layers (empty = all removed).
        fc_layers: the paper's numbers of those layers, e.g. ``(6,)`` once layer 7 is removed.
        num_classes: outputs of the last layer, always named ``fc8``.
        input_size: side of the square input images; fixes the size of fc6's input.
        in_channels: 3 for RGB.
        ceil_mode: pooling rounds up (as in Caffe, where both papers' nets come from).
        norm_before_pool: ``False`` is the paper's order (conv, ReLU, pool, norm);
            ``True`` is AlexNet's and pytorchcv's (conv, ReLU, norm, pool), needed to run their
            weights unchanged.
        dropout: drop probability after the ReLU of each hidden fully connected layer.
        lrn: ``(size, alpha, beta, k)`` of ``nn.LocalResponseNorm``; see ``ALEXNET_LRN``.

    Example:
        >>> spec = zfnet_spec()
        >>> spec.convs[0]
        ConvLayer(layer=1, maps=96, kernel=7, stride=2, padding=1, pool=True, norm=True)
        >>> spec.fc, spec.fc_layers
        ((4096, 4096), (6, 7))
    """

    convs: tuple[ConvLayer, ...]
    fc: tuple[int, ...] = (4096, 4096)
    fc_layers: tuple[int, ...] = (6, 7)
    num_classes: int = 1000
    input_size: int = 224
    in_channels: int = 3
    ceil_mode: bool = True
    norm_before_pool: bool = False
    dropout: float = 0.5
    lrn: tuple[int, float, float, float] = ALEXNET_LRN

    def __post_init__(self) -> None:
        if not self.convs:
            raise ValueError("an ArchSpec needs at least one convolutional layer")
        if len(self.fc) != len(self.fc_layers):
            raise ValueError(
                f"fc widths {self.fc} and fc_layers {self.fc_layers} must have the same length"
            )
        # Module names come from layer numbers, so two layers with one number would collide.
        numbers = [conv.layer for conv in self.convs] + list(self.fc_layers)
        if len(set(numbers)) != len(numbers) or 8 in numbers:
            raise ValueError(
                f"layer numbers must be distinct and leave 8 for the classifier, got {numbers}"
            )


def _block_kinds(conv: ConvLayer, norm_before_pool: bool) -> list[str]:
    """Module kinds of one conv layer in forward order, e.g. ``["conv", "relu", "pool"]``."""
    tail = [kind for kind in ("pool", "norm") if getattr(conv, kind)]
    if norm_before_pool:
        tail.reverse()
    return ["conv", "relu", *tail]


def _conv_out(size: int, conv: ConvLayer) -> int:
    return (size + 2 * conv.padding - conv.kernel) // conv.stride + 1


def _pool_out(size: int, ceil_mode: bool) -> int:
    # PyTorch's rule: in ceil mode a last, partial window counts if it starts inside the input.
    out = (size - POOL_KERNEL + (POOL_STRIDE - 1 if ceil_mode else 0)) // POOL_STRIDE + 1
    if ceil_mode and (out - 1) * POOL_STRIDE >= size:
        out -= 1
    return out


def _trace(spec: ArchSpec, size: int) -> dict[str, tuple[int, int, int]]:
    """(channels, height, width) after each feature module; stops at the first empty map."""
    sizes: dict[str, tuple[int, int, int]] = {}
    channels = spec.in_channels
    for conv in spec.convs:
        for kind in _block_kinds(conv, spec.norm_before_pool):
            if kind == "conv":
                size, channels = _conv_out(size, conv), conv.maps
            elif kind == "pool":
                size = _pool_out(size, spec.ceil_mode)
            sizes[f"{kind}{conv.layer}"] = (channels, size, size)
            if size < 1:
                return sizes
    return sizes


def _smallest_input(spec: ArchSpec) -> int:
    # Output sizes grow with the input size, so the first size that survives is the minimum.
    return next(
        size
        for size in itertools.count(1)
        if all(height >= 1 for _, height, _ in _trace(spec, size).values())
    )


def feature_sizes(spec: ArchSpec) -> dict[str, tuple[int, int, int]]:
    """Shape ``(channels, height, width)`` after each module of ``features``, by arithmetic.

    Raises ``ValueError`` if ``spec.input_size`` is too small to survive the convolutions and
    pools, naming the smallest size that works.

    Example:
        >>> sizes = feature_sizes(zfnet_spec())
        >>> sizes["conv1"], sizes["pool1"], sizes["conv2"], sizes["pool5"]
        ((96, 110, 110), (96, 55, 55), (256, 26, 26), (256, 6, 6))
    """
    sizes = _trace(spec, spec.input_size)
    for name, (_, height, _) in sizes.items():
        if height < 1:
            raise ValueError(
                f"input_size={spec.input_size} is too small: {name} would have no output pixels; "
                f"the smallest input this architecture accepts is {_smallest_input(spec)}"
            )
    return sizes


class ConvNet(nn.Module):
    """The paper's convnet (and AlexNet, and their ablations), built from an :class:`ArchSpec`.

    ``features`` holds the conv layers and ``classifier`` the fully connected ones, each an
    ``nn.Sequential`` whose children are named after the paper's layers. Every ReLU, pool and
    norm is its own module (no functional calls, no shared instances, no in-place ReLU) so
    that the deconvnet can hook any single step.

    Args:
        spec: the architecture.
        init: ``"kaiming"`` (default), ``"paper"``, or ``None`` to keep PyTorch's default
            initialisation (fine when weights are loaded right after). See :func:`init_weights`.

    Example:
        >>> model = ConvNet(zfnet_spec(num_classes=10, input_size=112, width=0.25, fc_units=256))
        >>> model(torch.zeros(2, 3, 112, 112)).shape
        torch.Size([2, 10])
    """

    def __init__(self, spec: ArchSpec, init: str | None = "kaiming") -> None:
        super().__init__()
        self.spec = spec
        sizes = feature_sizes(spec)  # fails early, and clearly, if the input is too small

        features: OrderedDict[str, nn.Module] = OrderedDict()
        channels = spec.in_channels
        for conv in spec.convs:
            for kind in _block_kinds(conv, spec.norm_before_pool):
                if kind == "conv":
                    module: nn.Module = nn.Conv2d(
                        channels, conv.maps, conv.kernel, conv.stride, conv.padding
                    )
                elif kind == "relu":
                    module = nn.ReLU()
                elif kind == "pool":
                    module = nn.MaxPool2d(POOL_KERNEL, POOL_STRIDE, ceil_mode=spec.ceil_mode)
                else:
                    module = nn.LocalResponseNorm(*spec.lrn)
                features[f"{kind}{conv.layer}"] = module
            channels = conv.maps
        self.features = nn.Sequential(features)

        maps, height, width = list(sizes.values())[-1]
        in_features = maps * height * width
        classifier: OrderedDict[str, nn.Module] = OrderedDict()
        for number, units in zip(spec.fc_layers, spec.fc, strict=True):
            classifier[f"fc{number}"] = nn.Linear(in_features, units)
            classifier[f"relu{number}"] = nn.ReLU()
            classifier[f"drop{number}"] = nn.Dropout(spec.dropout)
            in_features = units
        classifier["fc8"] = nn.Linear(in_features, spec.num_classes)
        self.classifier = nn.Sequential(classifier)

        # He init, not the paper's N(0, 1e-2): with 1e-2 the signal shrinks through 8 layers
        # and training barely starts within the minutes of CPU the quick profile has.
        if init is not None:
            init_weights(self, init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (logits, before the softmax) for a batch of images.

        Example:
            >>> model = zfnet(num_classes=5, input_size=64, width=0.1, fc_units=32)
            >>> model(torch.rand(1, 3, 64, 64)).shape
            torch.Size([1, 5])
        """
        self._check_input(x)
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)

    def _check_input(self, x: torch.Tensor) -> None:
        # The fully connected layers fix the input size; without this check a wrong image size
        # would surface as an obscure matrix-shape error inside fc6.
        size = self.spec.input_size
        expected = f"(N, {self.spec.in_channels}, {size}, {size})"
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"expected a tensor of images of shape {expected}, got {type(x)}")
        if x.dim() != 4 or tuple(x.shape[1:]) != (self.spec.in_channels, size, size):
            raise ValueError(f"expected images of shape {expected}, got {tuple(x.shape)}")
        if not x.is_floating_point():
            raise ValueError(
                f"expected a floating-point tensor of shape {expected}, got dtype {x.dtype}"
            )


def _scaled(maps: int, width: float) -> int:
    return max(1, round(maps * width))


def zfnet_spec(
    num_classes: int = 1000,
    input_size: int = 224,
    width: float = 1.0,
    fc_units: int = 4096,
    variant: str = "a",
    norm_before_pool: bool = False,
) -> ArchSpec:
    """The spec of the paper's Fig. 3 net; see :func:`zfnet` for the arguments.

    Example:
        >>> [conv.maps for conv in zfnet_spec(variant="b").convs]
        [96, 256, 512, 1024, 512]
    """
    maps = {"a": (96, 256, 384, 384, 256), "b": (96, 256, 512, 1024, 512)}
    if variant not in maps:
        raise ValueError(f"unknown ZFNet variant {variant!r}; choose 'a' or 'b'")
    if width <= 0 or fc_units < 1:
        raise ValueError(f"width must be > 0 and fc_units >= 1, got {width} and {fc_units}")
    m = [_scaled(n, width) for n in maps[variant]]
    convs = (
        ConvLayer(1, m[0], kernel=7, stride=2, padding=1, pool=True, norm=True),
        ConvLayer(2, m[1], kernel=5, stride=2, padding=0, pool=True, norm=True),
        ConvLayer(3, m[2], kernel=3, stride=1, padding=1),
        ConvLayer(4, m[3], kernel=3, stride=1, padding=1),
        ConvLayer(5, m[4], kernel=3, stride=1, padding=1, pool=True),
    )
    return ArchSpec(
        convs=convs,
        fc=(fc_units, fc_units),
        num_classes=num_classes,
        input_size=input_size,
        norm_before_pool=norm_before_pool,
    )


def zfnet(
    num_classes: int = 1000,
    input_size: int = 224,
    width: float = 1.0,
    fc_units: int = 4096,
    variant: str = "a",
    norm_before_pool: bool = False,
) -> ConvNet:
    """Zeiler & Fergus's convnet (Fig. 3): 62,357,608 parameters at the defaults.

    Args:
        num_classes: outputs of fc8.
        input_size: side of the square input; smaller inputs give a smaller fc6.
        width: multiplies every conv layer's number of maps (rounded, at least 1).
        fc_units: width of fc6 and fc7.
        variant: ``"a"`` (Fig. 3) or ``"b"`` (layers 3, 4, 5 with 512, 1024, 512 maps).
        norm_before_pool: see :class:`ArchSpec`; ``True`` to match pytorchcv's weights.

    Example:
        >>> count_parameters(zfnet())
        62357608
        >>> small = zfnet(num_classes=10, input_size=112, width=0.25, fc_units=256)
    """
    return ConvNet(zfnet_spec(num_classes, input_size, width, fc_units, variant, norm_before_pool))


def alexnet_spec(
    num_classes: int = 1000,
    input_size: int = 224,
    width: float = 1.0,
    fc_units: int = 4096,
    norm_before_pool: bool = False,
) -> ArchSpec:
    """The spec of the one-tower AlexNet; see :func:`alexnet` for the arguments.

    Example:
        >>> alexnet_spec().convs[0]
        ConvLayer(layer=1, maps=96, kernel=11, stride=4, padding=0, pool=True, norm=True)
    """
    if width <= 0 or fc_units < 1:
        raise ValueError(f"width must be > 0 and fc_units >= 1, got {width} and {fc_units}")
    m = [_scaled(n, width) for n in (96, 256, 384, 384, 256)]
    # conv1 pad 0: at 224 it gives 54x54, and ceil-mode pooling brings that to 27, the size of
    # the original AlexNet from there on (27, 13, 6). It is also pytorchcv's layout, so its
    # ImageNet AlexNet loads unchanged.
    convs = (
        ConvLayer(1, m[0], kernel=11, stride=4, padding=0, pool=True, norm=True),
        ConvLayer(2, m[1], kernel=5, stride=1, padding=2, pool=True, norm=True),
        ConvLayer(3, m[2], kernel=3, stride=1, padding=1),
        ConvLayer(4, m[3], kernel=3, stride=1, padding=1),
        ConvLayer(5, m[4], kernel=3, stride=1, padding=1, pool=True),
    )
    return ArchSpec(
        convs=convs,
        fc=(fc_units, fc_units),
        num_classes=num_classes,
        input_size=input_size,
        norm_before_pool=norm_before_pool,
    )


def alexnet(
    num_classes: int = 1000,
    input_size: int = 224,
    width: float = 1.0,
    fc_units: int = 4096,
    norm_before_pool: bool = False,
) -> ConvNet:
    """The one-tower AlexNet that Zeiler & Fergus compare against (62,378,344 parameters).

    conv1 11x11 stride 4 pad 0; conv2 5x5 stride 1 pad 2; conv3-5 as in ZFNet; LRN after
    layers 1 and 2; ceil-mode pools. Maps at 224: 54, 27, 27, 13, 13, 13, 13, 6. The paper's
    change to get ZFNet is only in layers 1 and 2 (7x7 stride 2, then stride 2).

    Krizhevsky et al. normalised before pooling; the default here (``False``) keeps ZFNet's
    order so that a comparison of the two nets changes only what the paper changed.

    Args:
        num_classes, input_size, width, fc_units, norm_before_pool: as for :func:`zfnet`.

    Example:
        >>> count_parameters(alexnet())
        62378344
    """
    return ConvNet(alexnet_spec(num_classes, input_size, width, fc_units, norm_before_pool))


def ablate(
    spec: ArchSpec,
    remove: Iterable[int] = (),
    fc_units: int | None = None,
    conv_maps: dict[int, int] | None = None,
) -> ArchSpec:
    """A copy of ``spec`` with paper layers removed and/or resized (Table 3 of the paper).

    Removed layers take their pool and norm with them; the remaining layers keep their paper
    numbers and so their module names. Layer 8 (the classifier) cannot be removed.

    Args:
        spec: the architecture to change.
        remove: paper layer numbers to drop, e.g. ``(3, 4)``, ``(7,)``, ``(6, 7)``.
        fc_units: new width of every remaining hidden fully connected layer.
        conv_maps: new number of maps per conv layer, e.g. ``{3: 512, 4: 1024, 5: 512}``.

    Example:
        >>> spec = ablate(zfnet_spec(), remove=(3, 4, 6, 7))
        >>> [conv.layer for conv in spec.convs], spec.fc_layers
        ([1, 2, 5], ())
        >>> ablate(zfnet_spec(), conv_maps={3: 512, 4: 1024, 5: 512}) == zfnet_spec(variant="b")
        True
    """
    remove = set(remove)
    conv_numbers = {conv.layer for conv in spec.convs}
    unknown = remove - conv_numbers - set(spec.fc_layers)
    if unknown:
        raise ValueError(
            f"cannot remove layers {sorted(unknown)}: removable layers are "
            f"{sorted(conv_numbers | set(spec.fc_layers))}"
        )
    conv_maps = dict(conv_maps or {})
    unknown = set(conv_maps) - (conv_numbers - remove)
    if unknown:
        raise ValueError(f"conv_maps names layers {sorted(unknown)} that the ablated net lacks")

    convs = tuple(
        replace(conv, maps=conv_maps.get(conv.layer, conv.maps))
        for conv in spec.convs
        if conv.layer not in remove
    )
    kept = [(n, units) for n, units in zip(spec.fc_layers, spec.fc, strict=True) if n not in remove]
    return replace(
        spec,
        convs=convs,
        fc=tuple(units if fc_units is None else fc_units for _, units in kept),
        fc_layers=tuple(n for n, _ in kept),
    )


def layer_names(model: ConvNet) -> list[str]:
    """Names of all modules of ``model``, in forward order.

    Example:
        >>> layer_names(zfnet())[:8]
        ['conv1', 'relu1', 'pool1', 'norm1', 'conv2', 'relu2', 'pool2', 'norm2']
    """
    return [name for name, _ in model.features.named_children()] + [
        name for name, _ in model.classifier.named_children()
    ]


def _paper_layer_outputs(spec: ArchSpec) -> dict[int, str]:
    # A layer's output is what the next layer sees: the last module of a conv block, the ReLU
    # of a hidden fully connected layer, and the scores of fc8.
    outputs = {
        conv.layer: f"{_block_kinds(conv, spec.norm_before_pool)[-1]}{conv.layer}"
        for conv in spec.convs
    }
    outputs.update({n: f"relu{n}" for n in spec.fc_layers})
    outputs[8] = "fc8"
    return outputs


def resolve_layer_name(model: ConvNet, layer: str | int) -> str:
    """The module name for ``layer``: a name such as ``"conv5"``, or a paper layer number.

    A number ``n`` means the output of the paper's layer ``n``: the last module of a conv
    layer's block (``norm1``, ``norm2``, ``relu3``, ``relu4``, ``pool5`` for ZFNet), ``relu6``,
    ``relu7``, or ``fc8``. Raises :class:`zfviz.core.checks.LayerError` (a ``KeyError``) listing the
    valid choices; :func:`zfviz.nets.layers.find_layer` also takes module names of any model.

    Example:
        >>> model = zfnet()
        >>> resolve_layer_name(model, 5), resolve_layer_name(model, 7)
        ('pool5', 'relu7')
    """
    names = layer_names(model)
    outputs = _paper_layer_outputs(model.spec)
    if isinstance(layer, int) and not isinstance(layer, bool):
        if layer not in outputs:
            raise LayerError(
                f"this model has no paper layer {layer}; its layers are {sorted(outputs)}, "
                f"or give a module name: {', '.join(names)}"
            )
        return outputs[layer]
    if not isinstance(layer, str) or layer not in names:
        raise LayerError(
            f"unknown layer {layer!r}; valid names are {', '.join(names)}, "
            f"or a paper layer number in {sorted(outputs)}"
        )
    return layer


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (weights and biases) of ``model``.

    Example:
        >>> count_parameters(zfnet(variant="b"))
        107627624
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def init_weights(model: nn.Module, scheme: str = "kaiming", std: float = 1e-2) -> nn.Module:
    """Re-initialise every conv and linear layer of ``model`` in place; returns ``model``.

    Schemes (biases are 0 in both):

    * ``"paper"``: weights from N(0, ``std``), ``std = 1e-2`` as in section 3 of the paper.
      The paper trained for 12 days on raw pixels in [-128, 128]; on normalised inputs such
      small weights make the signal fade through 8 layers and learning start very slowly.
    * ``"kaiming"``: He-normal for ReLU networks (std = sqrt(2 / fan_in)), which keeps the
      activations' scale from layer to layer, so a short CPU run makes progress. The default.

    Example:
        >>> model = init_weights(zfnet(num_classes=10, input_size=64, width=0.1), "paper")
        >>> bool((model.features.conv1.bias == 0).all())
        True
    """
    if scheme not in ("paper", "kaiming"):
        raise ValueError(f"unknown init scheme {scheme!r}; choose 'paper' or 'kaiming'")
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            if scheme == "paper":
                nn.init.normal_(module.weight, mean=0.0, std=std)
            else:
                nn.init.kaiming_normal_(module.weight, mode="fan_in", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    return model
