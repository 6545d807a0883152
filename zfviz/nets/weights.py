"""ImageNet weights for :class:`zfviz.nets.models.ConvNet`, converted from public model zoos.

Zeiler & Fergus never released their weights. Two packages publish comparable ones:

* pytorchcv: ``zfnet`` (Fig. 3, 17.27 % top-5 error), ``zfnetb`` (variant (b), 14.90 %) and the
  one-tower ``alexnet`` (version "a"), trained with the module order conv, ReLU, LRN, pool;
* torchvision: another ``alexnet`` (64, 192, 384, 256, 256 maps, no LRN, floor-mode pools).

Each uses its own module layout. The functions below build the ConvNet with the same
arithmetic and copy the tensors across one by one, so that in eval mode the converted net
gives the same outputs as the original. The source model is only read, never changed.

Only :func:`load_pretrained` touches the network, and only when no ``weights_path`` is given.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import torch
from torch import nn

from zfviz.core.checkpoints import unreadable
from zfviz.nets.models import ArchSpec, ConvLayer, ConvNet, alexnet_spec, zfnet_spec

__all__ = [
    "WeightsFileError",
    "PRETRAINED",
    "from_pytorchcv",
    "from_torchvision_alexnet",
    "load_pretrained",
    "imagenet_preprocessing",
]


class WeightsFileError(ValueError):
    """A ``weights_path`` that :func:`load_pretrained` cannot use: unreadable, truncated, not
    a state dict, or the state dict of another model."""


# The names load_pretrained accepts; the first three are pytorchcv's model names.
PRETRAINED = ("zfnet", "zfnetb", "alexnet", "torchvision_alexnet")

# Where each ConvNet layer's weight and bias live in the source models.
_PYTORCHCV_KEYS = {
    "features.conv1": "features.stage1.unit1.conv",
    "features.conv2": "features.stage2.unit1.conv",
    "features.conv3": "features.stage3.unit1.conv",
    "features.conv4": "features.stage3.unit2.conv",
    "features.conv5": "features.stage3.unit3.conv",
    "classifier.fc6": "output.fc1.fc",
    "classifier.fc7": "output.fc2.fc",
    "classifier.fc8": "output.fc3",
}
_TORCHVISION_KEYS = {
    "features.conv1": "features.0",
    "features.conv2": "features.3",
    "features.conv3": "features.6",
    "features.conv4": "features.8",
    "features.conv5": "features.10",
    "classifier.fc6": "classifier.1",
    "classifier.fc7": "classifier.4",
    "classifier.fc8": "classifier.6",
}


def _layout(convs: list[nn.Conv2d]) -> list[tuple[int, int, int, int]]:
    """(maps, kernel, stride, padding) of each source convolution."""
    return [(c.out_channels, c.kernel_size[0], c.stride[0], c.padding[0]) for c in convs]


def _spec_layout(spec: ArchSpec) -> list[tuple[int, int, int, int]]:
    return [(c.maps, c.kernel, c.stride, c.padding) for c in spec.convs]


def _source_convs(src: nn.Module, keys: Mapping[str, str], kind: str) -> list[nn.Conv2d]:
    names = [theirs for ours, theirs in keys.items() if ours.startswith("features.")]
    try:
        convs = [src.get_submodule(name) for name in names]
    except AttributeError as err:
        raise ValueError(f"{type(src).__name__} is not {kind}: it lacks {err}") from None
    if not all(isinstance(conv, nn.Conv2d) for conv in convs):
        raise ValueError(f"{type(src).__name__} is not {kind}: {names} must all be Conv2d")
    return convs


def _convert(src: nn.Module, spec: ArchSpec, keys: Mapping[str, str]) -> ConvNet:
    """Build ``ConvNet(spec)`` and copy the source tensors named by ``keys`` into it."""
    # A private copy: the source's tensors are only read, never shared with the new model.
    state = {name: tensor.detach().clone() for name, tensor in src.state_dict().items()}
    model = ConvNet(spec, init=None)  # every tensor is overwritten below
    ours = model.state_dict()
    converted = {}
    for our_layer, their_layer in keys.items():
        for suffix in ("weight", "bias"):
            tensor = state[f"{their_layer}.{suffix}"]
            expected = ours[f"{our_layer}.{suffix}"].shape
            if tensor.shape != expected:
                raise ValueError(
                    f"{their_layer}.{suffix} has shape {tuple(tensor.shape)}, but {our_layer} "
                    f"of the matching ConvNet needs {tuple(expected)}"
                )
            converted[f"{our_layer}.{suffix}"] = tensor
    model.load_state_dict(converted)  # strict: fails if any ConvNet tensor was left out
    model.train(src.training)
    return model


def from_pytorchcv(src: nn.Module) -> ConvNet:
    """Convert a pytorchcv ``zfnet``, ``zfnetb`` or ``alexnet`` (version "a") to a ConvNet.

    The architecture is recognised from the source's convolutions; the result has the matching
    spec with ``norm_before_pool=True`` (pytorchcv's order) and the same training mode as
    ``src``. pytorchcv's LRN is ``F.local_response_norm(size=5, k=2)`` with PyTorch's default
    alpha 1e-4 and beta 0.75, which is ``zfviz.nets.models.ALEXNET_LRN``.

    Raises ``ValueError`` for any other network.

    Example:
        >>> from pytorchcv.models.zfnet import zfnet as pytorchcv_zfnet
        >>> model = from_pytorchcv(pytorchcv_zfnet())
        >>> model.spec == zfnet_spec(norm_before_pool=True)
        True
    """
    kind = "a pytorchcv ZFNet/AlexNet"
    convs = _source_convs(src, _PYTORCHCV_KEYS, kind)
    try:
        num_classes = src.get_submodule("output.fc3").out_features
        uses_lrn = [src.get_submodule(f"features.stage{i}.unit1").use_lrn for i in (1, 2)]
    except AttributeError as err:
        raise ValueError(f"{type(src).__name__} is not {kind}: it lacks {err}") from None
    height, width = getattr(src, "in_size", (224, 224))
    candidates = {
        "zfnet": zfnet_spec(num_classes, height, variant="a", norm_before_pool=True),
        "zfnetb": zfnet_spec(num_classes, height, variant="b", norm_before_pool=True),
        "alexnet": alexnet_spec(num_classes, height, norm_before_pool=True),
    }
    found = _layout(convs)
    matches = [spec for spec in candidates.values() if _spec_layout(spec) == found]
    if not matches or uses_lrn != [True, True] or height != width:
        raise ValueError(
            f"unrecognised pytorchcv model: conv layers (maps, kernel, stride, padding) "
            f"{found}, LRN in layers 1-2 {uses_lrn}, in_size {(height, width)}; supported are "
            f"{', '.join(candidates)} (AlexNet version 'a'), which have LRN and square inputs"
        )
    return _convert(src, matches[0], _PYTORCHCV_KEYS)


def _torchvision_alexnet_spec(num_classes: int) -> ArchSpec:
    # No LRN and floor-mode pools. torchvision's AdaptiveAvgPool2d(6) has nothing to do at 224,
    # where pool5 is already 6x6, so the ConvNet (which only takes 224) needs no such layer.
    return ArchSpec(
        convs=(
            ConvLayer(1, 64, kernel=11, stride=4, padding=2, pool=True),
            ConvLayer(2, 192, kernel=5, stride=1, padding=2, pool=True),
            ConvLayer(3, 384, kernel=3, stride=1, padding=1),
            ConvLayer(4, 256, kernel=3, stride=1, padding=1),
            ConvLayer(5, 256, kernel=3, stride=1, padding=1, pool=True),
        ),
        num_classes=num_classes,
        ceil_mode=False,
    )


def from_torchvision_alexnet(src: nn.Module) -> ConvNet:
    """Convert torchvision's ``AlexNet`` to a ConvNet for 224x224 inputs.

    torchvision puts dropout before fc6 and fc7 and the ConvNet after relu6 and relu7; the two
    agree in eval mode (dropout is then the identity). The result has ``src``'s training mode.

    Raises ``ValueError`` for any other network.

    Example:
        >>> import torchvision
        >>> model = from_torchvision_alexnet(torchvision.models.alexnet(weights=None))
        >>> [conv.maps for conv in model.spec.convs]
        [64, 192, 384, 256, 256]
    """
    kind = "torchvision's AlexNet"
    convs = _source_convs(src, _TORCHVISION_KEYS, kind)
    try:
        last = src.get_submodule("classifier.6")
    except AttributeError as err:
        raise ValueError(f"{type(src).__name__} is not {kind}: it lacks {err}") from None
    if not isinstance(last, nn.Linear):
        raise ValueError(f"{type(src).__name__} is not {kind}: classifier.6 is not a Linear")
    spec = _torchvision_alexnet_spec(last.out_features)
    found = _layout(convs)
    if found != _spec_layout(spec):
        raise ValueError(
            f"not {kind}: its conv layers (maps, kernel, stride, padding) are {found}, "
            f"expected {_spec_layout(spec)}"
        )
    return _convert(src, spec, _TORCHVISION_KEYS)


def _builder(name: str) -> Callable[..., nn.Module]:
    """The source package's constructor for ``name``; called without arguments it builds a
    randomly initialised model and touches no network."""
    if name == "torchvision_alexnet":
        import torchvision

        return torchvision.models.alexnet
    try:
        from pytorchcv.models import alexnet, zfnet
    except ImportError as err:
        raise ImportError(f"the {name!r} weights need pytorchcv: pip install pytorchcv") from err
    return {"zfnet": zfnet.zfnet, "zfnetb": zfnet.zfnetb, "alexnet": alexnet.alexnet}[name]


def _download(name: str, build: Callable[..., nn.Module], cache_dir: str | None) -> nn.Module:
    """The source model with its ImageNet weights, downloaded (or taken from the cache)."""
    if name == "torchvision_alexnet":
        import torchvision

        src = build()
        weights = torchvision.models.AlexNet_Weights.IMAGENET1K_V1
        # get_state_dict rather than alexnet(weights=...) so that cache_dir can be honoured.
        src.load_state_dict(weights.get_state_dict(progress=True, model_dir=cache_dir))
        return src
    return build(pretrained=True, **({} if cache_dir is None else {"root": cache_dir}))


def _check_name(name: str) -> None:
    if name not in PRETRAINED:
        raise ValueError(
            f"unknown pretrained model {name!r}; choose one of {', '.join(PRETRAINED)}"
        )


def _read_state_dict(path: str | os.PathLike, name: str) -> dict[str, torch.Tensor]:
    """The state dict in ``path``, or a :class:`WeightsFileError` that says what is wrong."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"weights_path must be a path (str or os.PathLike), got {path!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"weights_path {os.fspath(path)!r}: no such file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # garbage bytes, a truncated zip, a pickle of objects
        # from None: torch's message (in the chained traceback) advises weights_only=False
        raise WeightsFileError(f"weights_path: {unreadable(path, err)}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsFileError(
            f"weights_path {os.fspath(path)!r} holds a {type(state).__name__}, not a state dict "
            f"(names to tensors) of the source model of {name!r}"
        )
    return state


def load_pretrained(
    name: str, cache_dir: str | None = None, weights_path: str | os.PathLike | None = None
) -> ConvNet:
    """An ImageNet-trained ConvNet, in eval mode.

    Args:
        name: ``"zfnet"``, ``"zfnetb"``, ``"alexnet"`` (all from pytorchcv) or
            ``"torchvision_alexnet"``.
        cache_dir: where downloads are kept (default: pytorchcv's ``~/.torch/models`` or
            torch hub's checkpoint folder).
        weights_path: a state-dict file of the *source* model (as saved by
            ``torch.save(src.state_dict(), path)``, or the ``.pth`` files pytorchcv and
            torchvision download). When given, nothing is downloaded. Loaded with
            ``weights_only=True``, so a file can carry tensors but no code.

    Raises:
        ValueError: unknown ``name``.
        FileNotFoundError: no file at ``weights_path``.
        WeightsFileError: (a ``ValueError``) ``weights_path`` is unreadable, truncated, not a
            state dict, or the state dict of another model.
        RuntimeError: the download failed (for instance, no internet).

    Example:
        >>> model = load_pretrained("zfnet")  # doctest: +SKIP
        >>> model = load_pretrained("zfnet", weights_path="zfnet.pth")  # doctest: +SKIP
    """
    _check_name(name)
    build = _builder(name)
    if weights_path is not None:
        src = build()
        state = _read_state_dict(weights_path, name)
        try:
            src.load_state_dict(state)
        except RuntimeError as err:  # missing or unexpected keys, or shapes of another model
            raise WeightsFileError(
                f"weights_path {os.fspath(weights_path)!r} is not a state dict of the source "
                f"model of {name!r}: {err}"
            ) from None
    else:
        try:
            src = _download(name, build, cache_dir)
        # Many things can fail in a download (DNS, HTTP, TLS, hash check, a truncated zip);
        # all of them leave the user in the same place, so they get the same advice.
        except Exception as err:
            raise RuntimeError(
                f"could not download the ImageNet weights for {name!r} ({err}). The quick "
                f"profile of the book needs no pretrained weights. If you have the weights file "
                f"(a state dict of the source model), pass it as "
                f"load_pretrained({name!r}, weights_path=...)."
            ) from err
    convert = from_torchvision_alexnet if name == "torchvision_alexnet" else from_pytorchcv
    return convert(src).eval()


def imagenet_preprocessing(name: str) -> dict:
    """How images must be prepared for the pretrained model ``name``.

    pytorchcv (imgclsmob's ImageNet-1K validation transform) and torchvision use the same
    recipe: RGB in [0, 1], resize the shorter side to 256 (bilinear), centre crop 224,
    subtract ``mean`` and divide by ``std`` per channel.

    Example:
        >>> imagenet_preprocessing("zfnet")["mean"]
        (0.485, 0.456, 0.406)
    """
    _check_name(name)
    return {
        "mean": (0.485, 0.456, 0.406),
        "std": (0.229, 0.224, 0.225),
        "value_range": (0.0, 1.0),
        "channels": "RGB",
        "resize": 256,
        "crop": 224,
        "interpolation": "bilinear",
    }
