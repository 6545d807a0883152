"""One way to name a layer, for every zfviz function.

A layer is named

* on the book's models (:class:`zfviz.nets.models.ConvNet`) by the paper's layer number (``5`` is
  the output of layer 5, ``"pool5"`` for ZFNet) or by module name (``"conv5"``, or in full,
  ``"features.conv5"``);
* on any other model by its module name, as ``model.named_modules()`` spells it
  (``"features.12"``, ``"layer4.1.conv2"``). For a model whose convolutions sit in a
  ``features`` Sequential (torchvision AlexNet, VGG) the name inside it works too (``"12"`` or
  ``12``), as zfviz's deconvnet always accepted.

An unknown name raises :class:`zfviz.core.checks.LayerError` (a ``KeyError`` and a ``ValueError``)
listing the names the model has.
"""

from __future__ import annotations

from torch import nn

from zfviz.core.checks import ArgumentTypeError, LayerError, check_model
from zfviz.nets.models import ConvNet, layer_names, resolve_layer_name

__all__ = ["layer_choices", "find_layer", "get_layer", "last_conv_block"]


def _features(model: nn.Module) -> nn.Sequential | None:
    features = getattr(model, "features", None)
    return features if isinstance(features, nn.Sequential) else None


def layer_choices(model: nn.Module) -> dict[str, nn.Module]:
    """Every name :func:`find_layer` accepts for ``model`` (numbers aside), with its module.

    Example:
        >>> import torchvision
        >>> names = layer_choices(torchvision.models.alexnet(weights=None))
        >>> names["12"] is names["features.12"]
        True
    """
    choices = {name: module for name, module in model.named_modules() if name}
    if isinstance(model, ConvNet):
        children = dict(model.features.named_children()) | dict(model.classifier.named_children())
        return children | choices
    features = _features(model)
    if features is not None:
        # the short names of the feature steps, unless a top-level module is called the same
        short = {name: m for name, m in features.named_children() if name not in choices}
        return short | choices
    return choices


def _listing(model: nn.Module) -> str:
    if isinstance(model, ConvNet):
        numbers = sorted(set(_paper_numbers(model)))
        return f"{', '.join(layer_names(model))}, or a paper layer number in {numbers}"
    names = [name for name, _ in model.named_modules() if name]
    return ", ".join(names) if names else "(the model has no submodules)"


def _paper_numbers(model: ConvNet) -> list[int]:
    return [conv.layer for conv in model.spec.convs] + list(model.spec.fc_layers) + [8]


def find_layer(model: nn.Module, layer: str | int) -> tuple[str, nn.Module]:
    """``(name, module)`` for ``layer``; ``name`` is the book's short name on a ConvNet, the
    name as given otherwise.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> find_layer(zfnet(width=0.1, input_size=64), 5)[0]
        'pool5'
        >>> import torchvision
        >>> find_layer(torchvision.models.resnet18(weights=None), "layer4")[0]
        'layer4'
    """
    check_model(model)
    if isinstance(layer, bool) or not isinstance(layer, int | str):
        raise ArgumentTypeError(
            f"layer must be a layer name (str) or number (int), got {layer!r} "
            f"({type(layer).__name__}); this model's layers are {_listing(model)}"
        )
    if isinstance(model, ConvNet):
        if isinstance(layer, str) and layer.startswith(("features.", "classifier.")):
            short = layer.split(".", 1)[1]
            if short in layer_names(model):
                layer = short
        try:
            name = resolve_layer_name(model, layer)
        except KeyError as err:
            raise LayerError(str(err.args[0])) from None
        return name, layer_choices(model)[name]
    choices = layer_choices(model)
    if str(layer) in choices:
        return str(layer), choices[str(layer)]
    raise LayerError(f"unknown layer {layer!r}; valid names are {_listing(model)}")


def last_conv_block(model: nn.Module) -> str:
    """The name of the highest layer that still has a spatial layout, the default of
    :func:`zfviz.methods.occlusion.occlusion`: the paper's last conv layer on a ConvNet
    (``"pool5"``), the last step of ``features`` (torchvision AlexNet, VGG), otherwise the last
    top-level block holding a convolution (``"layer4"`` of a ResNet).

    Example:
        >>> import torchvision
        >>> last_conv_block(torchvision.models.resnet18(weights=None))
        'layer4'
        >>> last_conv_block(torchvision.models.alexnet(weights=None))
        '12'
    """
    check_model(model)
    if isinstance(model, ConvNet):
        return resolve_layer_name(model, model.spec.convs[-1].layer)
    features = _features(model)
    if features is not None and len(features) > 0:
        return list(features._modules)[-1]
    blocks = [
        name
        for name, child in model.named_children()
        if any(isinstance(m, nn.Conv2d) for m in child.modules())
    ]
    if not blocks:
        raise LayerError(
            f"{type(model).__name__} has no top-level block with a convolution; name a layer: "
            f"{_listing(model)}"
        )
    return blocks[-1]


def get_layer(model: ConvNet, layer: str | int) -> nn.Module:
    """The module for ``layer`` (a name or a paper layer number, see :func:`resolve_layer_name`;
    any model's module names work too, see :func:`zfviz.nets.layers.find_layer`).

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> model = zfnet()
        >>> get_layer(model, "conv1")
        Conv2d(3, 96, kernel_size=(7, 7), stride=(2, 2), padding=(1, 1))
        >>> get_layer(model, 1) is get_layer(model, "norm1")
        True
    """
    return find_layer(model, layer)[1]
