"""Feature invariance (the paper's Fig. 5): how features and outputs change as an object moves.

The paper takes 5 images, translates them vertically, scales and rotates them, and plots three
things against the size of the transformation: the Euclidean distance between the feature
vectors of the original and the transformed image at layer 1 and at layer 7, and the
probability of the true label.

Two ways to transform an image, both returning a :class:`Sweep`:

* :func:`sweep_images` (preferred, the quick profile): the embedded world draws the **same object
  instance in another pose**, on the same background with the same clutter. Only the object
  moves, exactly (no interpolation, no border to fill), as when an object moves in front of a
  fixed camera.
* :func:`warp_sweep` (any image, e.g. the full profile's Imagenette photographs): the pixels are
  warped about the image centre with bilinear interpolation. The whole picture moves,
  background included, and the border has to be filled (``padding``), which adds artefacts of
  its own.

Units, the same for both: a vertical translation is a fraction of the image side (positive is
down), a scale is a factor on the object's size (warped: the picture's), a rotation is in degrees,
counter-clockwise on screen. The identity transform (0, 1, 0) gives back the original exactly.

:func:`feature_distances` measures the distance at one layer, raw (as the paper plots it) or
relative to the norm of the original's feature vector: layers differ in their number of units
and in the scale of their values, and only the relative distance puts two layers on one axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from zfviz.core.checks import as_images, check_int, to_model, too_small_as_value_error
from zfviz.core.hooks import borrowed
from zfviz.data.preprocess import ImageNetPreprocess, Preprocess
from zfviz.data.world import Pose, render_sample
from zfviz.nets.layers import find_layer
from zfviz.nets.models import ConvNet
from zfviz.nets.predict import outputs
from zfviz.nets.receptive_field import check_input_size

__all__ = [
    "KINDS",
    "IDENTITY",
    "BASE_POSE",
    "Sweep",
    "Curves",
    "transformed_pose",
    "sweep_images",
    "warp_images",
    "warp_sweep",
    "layer_features",
    "feature_distances",
    "true_label_probability",
    "measure",
    "magnitude",
    "sweep_means",
    "early_share",
]

KINDS: tuple[str, ...] = ("translation", "scale", "rotation")
# Centred, upright, and 0.6 of the image side: inside the world's training range of scales
# (world.SCALE_RANGE), with room to grow and to move before the object leaves the picture.
BASE_POSE = Pose(0.5, 0.5, 0.6, 0.0)
# The value of each kind that leaves the image unchanged.
IDENTITY: dict[str, float] = {"translation": 0.0, "scale": 1.0, "rotation": 0.0}


@dataclass
class Sweep:
    """One image under a range of transformations of one kind.

    Attributes:
        kind: ``"translation"``, ``"scale"`` or ``"rotation"``.
        values: ``(T,)`` the transformations, in the units of the module docstring.
        images: ``(T, H, W, 3)`` uint8, ``images[i]`` transformed by ``values[i]``.
        original: ``(H, W, 3)`` uint8, the image under the identity transform.

    Example:
        >>> s = sweep_images("flower", seed=0, kind="rotation", values=[0, 90], size=48)
        >>> s.images.shape, bool((s.images[0] == s.original).all())
        ((2, 48, 48, 3), True)
    """

    kind: str
    values: np.ndarray
    images: np.ndarray
    original: np.ndarray


def _check_sweep(kind: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    if kind not in KINDS:
        raise ValueError(f"unknown transformation {kind!r}; expected one of: {', '.join(KINDS)}")
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0:
        raise ValueError(f"expected at least one {kind} value, got none")
    if not np.isfinite(array).all():
        raise ValueError(f"expected finite {kind} values, got {array.tolist()}")
    if kind == "scale" and not (array > 0).all():
        raise ValueError(f"scale factors must be positive, got {array.tolist()}")
    return array


def transformed_pose(base: Pose, kind: str, value: float) -> Pose:
    """``base`` moved down by ``value`` (translation), scaled by it, or turned by it.

    Angles are reduced to [0, 360), so that 360 degrees draws exactly what 0 degrees draws.

    Example:
        >>> base = Pose(0.5, 0.5, 0.5, 10.0)
        >>> transformed_pose(base, "translation", 0.25).cy
        0.75
        >>> transformed_pose(base, "scale", 1.5).scale
        0.75
        >>> transformed_pose(base, "rotation", 355.0).angle
        5.0
    """
    _check_sweep(kind, [value])
    if kind == "translation":
        return Pose(base.cx, base.cy + float(value), base.scale, base.angle)
    if kind == "scale":
        return Pose(base.cx, base.cy, base.scale * float(value), base.angle)
    return Pose(base.cx, base.cy, base.scale, (base.angle + float(value)) % 360.0)


def sweep_images(
    class_name: str,
    seed: int,
    kind: str,
    values: Sequence[float] | np.ndarray,
    size: int = 112,
    base: Pose = BASE_POSE,
    background: str | None = None,
    clutter: bool = True,
) -> Sweep:
    """One object instance of the world, re-drawn in ``base`` transformed by each value.

    The instance (shape, colours), its background and the clutter depend only on
    ``(class_name, seed)`` (and ``background``, if given), so they stay fixed across the sweep and
    only the object moves. Translations are fractions of ``size``; scales multiply
    ``base.scale``; rotations turn the object about its centre, counter-clockwise.

    Example:
        >>> s = sweep_images("car", seed=1, kind="translation", values=[-0.1, 0.0, 0.1], size=48)
        >>> s.values.tolist(), bool((s.images[1] == s.original).all())
        ([-0.1, 0.0, 0.1], True)
    """
    array = _check_sweep(kind, values)
    if not isinstance(base, Pose):
        raise ValueError(f"base must be a Pose, got {type(base).__name__}")

    def draw(pose: Pose) -> np.ndarray:
        return render_sample(class_name, seed, size, pose, background, clutter).images[0]

    images = np.stack([draw(transformed_pose(base, kind, v)) for v in array])
    return Sweep(kind, array, images, draw(transformed_pose(base, kind, IDENTITY[kind])))


def warp_images(
    image: np.ndarray,
    kind: str,
    values: Sequence[float] | np.ndarray,
    padding: str = "border",
) -> np.ndarray:
    """``image`` (H, W, 3) uint8 warped about its centre by each value: (T, H, W, 3) uint8.

    Bilinear interpolation; pixels that come from outside the image are filled as
    ``torch.nn.functional.grid_sample`` does with ``padding`` (``"zeros"``, ``"border"`` or
    ``"reflection"``). The identity value returns the image unchanged.

    Example:
        >>> img = np.zeros((5, 5, 3), np.uint8); img[2, 4] = 255  # a dot right of the centre
        >>> turned = warp_images(img, "rotation", [90.0])[0]  # counter-clockwise: now above it
        >>> [tuple(int(v) for v in p) for p in np.argwhere(turned[..., 0] == 255)]
        [(0, 2)]
    """
    array = _check_sweep(kind, values)
    if padding not in ("zeros", "border", "reflection"):
        raise ValueError(f"padding must be 'zeros', 'border' or 'reflection', got {padding!r}")
    if (
        not isinstance(image, np.ndarray)
        or image.dtype != np.uint8
        or image.ndim != 3
        or image.shape[2] != 3
        or image.shape[0] != image.shape[1]
    ):
        shape = getattr(image, "shape", type(image).__name__)
        raise ValueError(f"expected one square uint8 image of shape (H, H, 3), got {shape}")
    # affine_grid maps each output position to the input position it reads from, so every
    # theta below is the inverse of the transformation. Coordinates are normalised to
    # [-1, 1] (x right, y down): a translation by a fraction t of the side is 2t.
    thetas = []
    for v in array:
        if kind == "translation":
            theta = [[1.0, 0.0, 0.0], [0.0, 1.0, -2.0 * v]]
        elif kind == "scale":
            theta = [[1.0 / v, 0.0, 0.0], [0.0, 1.0 / v, 0.0]]
        else:  # counter-clockwise on screen, with y pointing down
            a = np.radians(v % 360.0)
            c, s = np.cos(a), np.sin(a)
            theta = [[c, -s, 0.0], [s, c, 0.0]]
        thetas.append(theta)
    theta_t = torch.tensor(thetas, dtype=torch.float64)
    n, side = len(array), image.shape[0]
    source = torch.from_numpy(image).permute(2, 0, 1).to(torch.float64)
    source = source.unsqueeze(0).expand(n, -1, -1, -1)
    grid = F.affine_grid(theta_t, [n, 3, side, side], align_corners=False)
    out = F.grid_sample(source, grid, mode="bilinear", padding_mode=padding, align_corners=False)
    out = np.clip(np.rint(out.permute(0, 2, 3, 1).numpy()), 0, 255).astype(np.uint8)
    # Exact identity: interpolation at the pixel centres is exact only up to rounding error.
    out[magnitude(kind, array) == 0] = image
    return out


def warp_sweep(
    image: np.ndarray, kind: str, values: Sequence[float] | np.ndarray, padding: str = "border"
) -> Sweep:
    """A :class:`Sweep` of ``image`` warped by each value (see :func:`warp_images`).

    Example:
        >>> img = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
        >>> s = warp_sweep(img, "scale", [1.0, 1.5])
        >>> bool((s.images[0] == img).all()), s.images.shape
        (True, (2, 16, 16, 3))
    """
    array = _check_sweep(kind, values)
    images = warp_images(image, kind, array, padding)
    return Sweep(kind, array, images, image.copy())


def _check_inputs(model: nn.Module, inputs: torch.Tensor, what: str) -> torch.Tensor:
    """``inputs`` (N, 3, H, W) checked (finite, large enough) and cast for ``model``."""
    if isinstance(inputs, torch.Tensor) and inputs.dim() == 4 and len(inputs) == 0:
        raise ValueError(f"expected at least one image in {what}, got none")
    inputs = as_images(inputs, what, expected="(N, 3, H, W)")
    check_input_size(model, tuple(inputs.shape), what)
    return to_model(inputs, model)


def layer_features(
    model: nn.Module, inputs: torch.Tensor, layer: str | int, batch_size: int = 64
) -> torch.Tensor:
    """The output of ``layer`` (a module name or a paper layer number) for each input,
    flattened: ``(N, D)`` float32 on the CPU.

    Paper layer ``n`` is the output the next layer sees (see
    ``zfviz.nets.models.resolve_layer_name``): for ZFNet layer 1 is ``norm1`` and layer 7 is
    ``relu7``. The model runs in eval mode (dropout off) and is given back unchanged.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> layer_features(net, torch.zeros(2, 3, 64, 64), 7).shape
        torch.Size([2, 32])

        Any model, by module name (random weights, offline):

        >>> import torchvision
        >>> alexnet = torchvision.models.alexnet(weights=None)
        >>> layer_features(alexnet, torch.zeros(1, 3, 64, 64), "features.12").shape
        torch.Size([1, 256])
    """
    inputs = _check_inputs(model, inputs, "inputs")
    _, module = find_layer(model, layer)  # LayerError (a KeyError) naming the valid layers
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    caught: list[torch.Tensor] = []
    with (
        torch.no_grad(),
        borrowed(model) as hooks,
        too_small_as_value_error("inputs", inputs.shape),
    ):

        def keep(_module: nn.Module, _inputs: tuple, out: torch.Tensor) -> None:
            # clone(): a later in-place step (torchvision's ReLU(inplace=True)) would change a
            # view of the output (float() and cpu() copy only when they must)
            caught.append(out.flatten(1).float().cpu().clone())

        # A hook rather than a partial forward: fc layers are reached only by the full forward.
        hooks.forward(module, keep)
        for start in range(0, len(inputs), batch_size):
            model(inputs[start : start + batch_size])
    return torch.cat(caught)


def feature_distances(
    model: ConvNet,
    original: torch.Tensor,
    transformed: torch.Tensor,
    layer: str | int,
    relative: bool = False,
) -> np.ndarray:
    """Euclidean distance between the ``layer`` features of ``original`` and of each transformed
    input: ``(T,)``.

    Args:
        model: the network; given back unchanged.
        original: one preprocessed image, ``(3, H, W)`` or ``(1, 3, H, W)``.
        transformed: ``(T, 3, H, W)`` preprocessed images.
        layer: a module name or a paper layer number.
        relative: divide by the norm of the original's feature vector (0 = unchanged, 1 = a
            change as large as the vector itself), so that layers of different sizes and scales
            can be compared.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> _ = torch.manual_seed(0)
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> x = torch.randn(1, 3, 64, 64)
        >>> d = feature_distances(net, x, torch.cat([x, -x]), 1, relative=True)
        >>> float(d[0]), bool(d[1] > 0)
        (0.0, True)
    """
    if isinstance(original, torch.Tensor) and original.dim() == 3:
        original = original.unsqueeze(0)
    original = _check_inputs(model, original, "original")
    if len(original) != 1:
        raise ValueError(f"expected one original image, got {len(original)}")
    transformed = _check_inputs(model, transformed, "transformed")
    features = layer_features(model, torch.cat([original, transformed]), layer).double()
    distances = (features[1:] - features[:1]).norm(dim=1).numpy()
    if relative:
        norm = float(features[0].norm())
        if norm == 0.0:
            raise ValueError(f"the original's layer-{layer} features are all zero: no relative")
        distances = distances / norm
    return distances


def true_label_probability(model: ConvNet, inputs: torch.Tensor, label: int) -> np.ndarray:
    """The softmax probability of class ``label`` for each input: ``(N,)``.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> p = true_label_probability(net, torch.zeros(3, 3, 64, 64), 2)
        >>> p.shape, bool(((p > 0) & (p < 1)).all())
        ((3,), True)
    """
    inputs = _check_inputs(model, inputs, "inputs")
    classes = model.spec.num_classes
    label = check_int(label, "label")  # a float or bool: a TypeError (also a ValueError)
    if not 0 <= label < classes:
        raise ValueError(f"label must be in 0..{classes - 1}, got {label}")
    scores = outputs(model, inputs).double()
    return torch.softmax(scores, dim=1)[:, label].numpy()


@dataclass
class Curves:
    """What Fig. 5 plots for one sweep of one image.

    Attributes:
        sweep: the transformed images.
        label: the true class index.
        distance: layer -> ``(T,)`` raw Euclidean distances to the original's features.
        relative: layer -> ``(T,)`` the same divided by the norm of the original's features
            (NaN where that norm is 0: a layer that is silent on the original).
        probability: ``(T,)`` probability of the true label.
        original_probability: that probability for the original image.
    """

    sweep: Sweep
    label: int
    distance: dict[int | str, np.ndarray] = field(default_factory=dict)
    relative: dict[int | str, np.ndarray] = field(default_factory=dict)
    probability: np.ndarray = field(default_factory=lambda: np.zeros(0))
    original_probability: float = 0.0


def measure(
    model: ConvNet,
    pre: Preprocess | ImageNetPreprocess,
    sweep: Sweep,
    label: int,
    layers: Sequence[int | str] = (1, 7),
) -> Curves:
    """Fig. 5's three curves for one sweep: distances at ``layers`` and the true-label probability.

    Images go through ``pre`` (the world's mean subtraction and centre crop, or the ImageNet
    models' normalisation), as for any other input.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> pre = Preprocess(np.zeros((73, 73, 3), np.float32), image_size=64)
        >>> s = sweep_images("flower", seed=0, kind="scale", values=[1.0, 1.2], size=73)
        >>> c = measure(net, pre, s, label=1)
        >>> float(c.distance[1][0]), c.probability.shape
        (0.0, (2,))
    """
    if not layers:
        raise ValueError("expected at least one layer")
    original, transformed = pre(sweep.original[None]), pre(sweep.images)
    curves = Curves(sweep, int(label))
    for layer in layers:
        raw = feature_distances(model, original, transformed, layer)
        norm = float(layer_features(model, original, layer).double().norm())
        curves.distance[layer] = raw
        curves.relative[layer] = raw / norm if norm > 0 else np.full_like(raw, np.nan)
    curves.probability = true_label_probability(model, transformed, label)
    curves.original_probability = float(true_label_probability(model, original, label)[0])
    return curves


def sweep_means(
    curves: Mapping[tuple[str, str], Curves],
    kind: str,
    names: Sequence[str],
    symmetric: str | None = None,
    layers: Sequence[int | str] = (1, 7),
) -> dict[str, float]:
    """One row of a summary table: the means over the sweeps of ``kind`` of ``names``.

    ``curves`` maps ``(kind, name)`` to :func:`measure`'s result. The row holds the mean
    relative distance at each of ``layers``, the mean true-label probability of the objects
    other than ``symmetric``, and (when ``symmetric`` is given) that object's own.

    Example:
        >>> c = Curves(None, 0, relative={7: np.array([0.0, 0.5])},
        ...            probability=np.array([0.9, 0.7]))
        >>> sweep_means({("scale", "car"): c}, "scale", ["car"], layers=(7,))
        {'mean rel. layer 7': 0.25, 'mean p (non-symmetric)': 0.8}
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    others = [n for n in names if n != symmetric]
    if not others:
        raise ValueError(f"names: expected at least one object other than {symmetric!r}")
    row = {
        f"mean rel. layer {layer}": float(
            np.mean([np.nanmean(curves[kind, n].relative[layer]) for n in names])
        )
        for layer in layers
    }
    row["mean p (non-symmetric)"] = float(
        np.mean([curves[kind, n].probability.mean() for n in others])
    )
    if symmetric is not None:
        row[f"mean p ({symmetric})"] = float(curves[kind, symmetric].probability.mean())
    return row


def magnitude(kind: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    """How far each transformation is from the identity: ``|shift|`` for a translation,
    ``|log(factor)|`` for a scale (so that x2 and x0.5 are equally far), and the angle to 0
    degrees the short way round for a rotation (350 degrees is 10 away).

    Example:
        >>> magnitude("translation", [-0.2, 0.1]).tolist()
        [0.2, 0.1]
        >>> magnitude("rotation", [350, 90]).tolist()
        [10.0, 90.0]
        >>> bool(np.isclose(*magnitude("scale", [0.5, 2.0])))
        True
    """
    array = _check_sweep(kind, values)
    if kind == "translation":
        return np.abs(array)
    if kind == "scale":
        return np.abs(np.log(array))
    turned = array % 360.0
    return np.minimum(turned, 360.0 - turned)


def early_share(
    magnitudes: Sequence[float] | np.ndarray, distances: np.ndarray, within: float
) -> float:
    """How much of its largest value a distance curve already reaches for the transformations
    within ``within`` of the identity: ``max(d[magnitude <= within]) / max(d)``, with the
    magnitudes of :func:`magnitude`.

    Near 1: small transformations change the features about as much as large ones (the paper's
    layer 1). Near ``within / largest magnitude``: the distance grows steadily, in proportion to
    the transformation (the paper's quasi-linear layer 7).

    Example:
        >>> m = magnitude("translation", [-0.2, -0.1, 0.0, 0.1, 0.2])
        >>> early_share(m, np.array([2.0, 1.8, 0.0, 1.9, 2.0]), within=0.1)
        0.95
        >>> early_share(m, np.array([2.0, 1.0, 0.0, 1.0, 2.0]), within=0.1)
        0.5
    """
    magnitudes = np.asarray(magnitudes, dtype=np.float64)
    distances = np.asarray(distances, dtype=np.float64)
    if magnitudes.shape != distances.shape or magnitudes.ndim != 1:
        raise ValueError(
            f"expected magnitudes and distances of the same shape (T,), got {magnitudes.shape} "
            f"and {distances.shape}"
        )
    if not distances.max() > 0:
        raise ValueError("the distances are all zero: the curve has no largest value")
    near = magnitudes <= within + 1e-12
    if not near.any():
        raise ValueError(f"no transformation lies within {within} of the identity")
    return float(distances[near].max() / distances.max())
