"""Occlusion sensitivity (the paper's Fig. 7): slide a grey square over an image and watch.

For every position of the square the paper records three things, each a map over positions:

* the total activation (summed over space) of the layer-5 feature map that is strongest on the
  unoccluded image: does that feature depend on the covered part?
* the probability of the correct class: does the classifier?
* the most probable class: what does it see instead?

All positions run as batches of occluded copies of the image through one forward pass each; a
forward hook on the chosen layer reads the feature map on the way (and is always removed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from zfviz.core.checks import as_images, check_int, check_number, to_model, too_small_as_value_error
from zfviz.core.hooks import borrowed
from zfviz.methods.deconvnet import Selection, activations, project, resolve_layer
from zfviz.nets.layers import find_layer, last_conv_block
from zfviz.nets.receptive_field import check_input_size

__all__ = [
    "OcclusionMaps",
    "occluder_positions",
    "occlude",
    "occlusion",
    "drop_inside_box",
    "pixel_drop",
]


@dataclass
class OcclusionMaps:
    """What happens as the occluder moves, one value per occluder position.

    Position ``(i, j)`` has the square's top-left corner at ``(rows[i], cols[j])``.

    Attributes:
        feature: ``(R, C)`` total activation of map ``channel`` of ``layer``.
        probability: ``(R, C)`` probability of class ``label``.
        predicted: ``(R, C)`` int64, the most probable class.
        rows, cols: top-left pixel of the square, per grid row and column.
        size, stride, fill: the occluder.
        layer: the layer whose map is tracked.
        channel: the map tracked: the strongest (largest total activation) on the clean image.
        label: the class whose probability is mapped.
        clean_feature, clean_probability: the same numbers without occluder.
        clean_predicted: the most probable class without occluder.
        projection: ``(3, H, W)`` deconvnet projection of the map's strongest unit on the clean
            image (Fig. 7c), or None for models the deconvnet cannot walk.
    """

    feature: torch.Tensor
    probability: torch.Tensor
    predicted: torch.Tensor
    rows: list[int]
    cols: list[int]
    size: int
    stride: int
    fill: float
    layer: str
    channel: int
    label: int
    clean_feature: float
    clean_probability: float
    clean_predicted: int
    projection: torch.Tensor | None = None

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixel ``(y, x)`` of the square's centre for every grid row and column."""
        half = (self.size - 1) / 2
        return np.asarray(self.rows) + half, np.asarray(self.cols) + half


def occluder_positions(length: int, size: int, stride: int) -> list[int]:
    """Top-left positions of a square of ``size`` sliding by ``stride`` along ``length`` pixels.

    The square always lies inside the image; the last position is ``length - size`` even when
    the stride does not land on it, so the far edge is covered too.

    Example:
        >>> occluder_positions(10, 4, 3)
        [0, 3, 6]
        >>> occluder_positions(10, 4, 4)
        [0, 4, 6]
    """
    _check_occluder(length, length, size, stride)
    positions = list(range(0, length - size + 1, stride))
    if positions[-1] != length - size:
        positions.append(length - size)
    return positions


def _check_occluder(height: int, width: int, size: int, stride: int) -> None:
    for name, value in (("size", size), ("stride", stride)):
        # check_int first: a float or bool is a TypeError (that is also a ValueError)
        if check_int(value, name) < 1:
            raise ValueError(f"occluder {name} must be a positive integer, got {value!r}")
    if size > min(height, width):
        raise ValueError(
            f"an occluder of size {size} does not fit in a {height}x{width} image; "
            f"choose a size up to {min(height, width)}"
        )


def occlude(
    image: torch.Tensor, tops: Sequence[tuple[int, int]], size: int, fill: float = 0.0
) -> torch.Tensor:
    """Copies of ``image`` ``(3, H, W)``, one per top-left corner in ``tops``, each with a
    ``size`` x ``size`` square set to ``fill``.

    Example:
        >>> batch = occlude(torch.ones(3, 4, 4), [(0, 0), (2, 2)], size=2)
        >>> batch.shape, batch[1, 0].tolist()[3]
        (torch.Size([2, 3, 4, 4]), [1.0, 1.0, 0.0, 0.0])
    """
    batch = image.unsqueeze(0).repeat(len(tops), 1, 1, 1)
    for k, (top, left) in enumerate(tops):
        batch[k, :, top : top + size, left : left + size] = fill
    return batch


def _check_image(image: torch.Tensor, model: nn.Module) -> torch.Tensor:
    """One finite float image ``(3, H, W)`` (NumPy too), in the model's dtype and device."""
    image = as_images(image, "image", dims=3, expected="(3, H, W)")
    if image.shape[0] != 3:
        raise ValueError(f"expected one preprocessed image of shape (3, H, W), got "
                         f"{tuple(image.shape)}")  # fmt: skip
    return to_model(image, model)


def _can_project(model: nn.Module, layer: str) -> bool:
    """Whether :func:`zfviz.methods.deconvnet.project` can walk ``model`` down from ``layer``."""
    try:
        resolve_layer(model, layer)
    except (TypeError, ValueError, KeyError):  # not a plain chain, or a layer above it
        return False
    return True


def occlusion(
    model: nn.Module,
    image: torch.Tensor,
    label: int,
    size: int,
    stride: int,
    fill: float = 0.0,
    layer: str | int | None = None,
    channel: int | None = None,
    batch_size: int = 64,
    with_projection: bool = True,
    progress: bool = False,
) -> OcclusionMaps:
    """The paper's occlusion maps for one image (Fig. 7 b, c, d, e).

    Args:
        model: any classifier returning logits ``(N, classes)``; given back unchanged.
        image: one preprocessed image ``(3, H, W)``.
        label: the correct class, whose probability is mapped.
        size, stride: the square's side and step in pixels (the last row and column of positions
            touch the image's far edges).
        fill: the value the square is set to, in the model's input space. The default 0 is the
            data mean after mean subtraction: a grey square, as in the paper.
        layer: the layer of the tracked feature map, named as :mod:`zfviz.nets.layers` says: a
            paper layer number or name for zfviz models, a module name (``"features.12"``,
            ``"layer4"``) on any model. Default: the paper's last conv layer (layer 5) on zfviz
            models, else :func:`zfviz.nets.layers.last_conv_block`.
        channel: the map to track; default the strongest on the clean image.
        batch_size: occluded images per forward pass.
        with_projection: also project the map's strongest unit on the clean image (Fig. 7c).
            Only where :func:`zfviz.methods.deconvnet.project` can walk the model down from
            ``layer`` (a plain chain such as AlexNet's ``features``); elsewhere ``projection`` is
            None.
        progress: show a progress bar.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> _ = torch.manual_seed(0)
        >>> net = zfnet(num_classes=4, input_size=64, width=0.1, fc_units=16)
        >>> maps = occlusion(net, torch.randn(3, 64, 64), label=1, size=16, stride=16)
        >>> maps.probability.shape, maps.layer
        (torch.Size([4, 4]), 'pool5')

        Any CNN, by module name (random weights, offline):

        >>> import torchvision
        >>> resnet = torchvision.models.resnet18(weights=None, num_classes=3)
        >>> maps = occlusion(resnet, torch.randn(3, 32, 32), 1, 16, 16, layer="layer3")
        >>> maps.feature.shape, maps.projection is None
        (torch.Size([2, 2]), True)
    """
    # Every argument is checked before the first forward pass.
    image = _check_image(image, model)
    height, width = image.shape[1:]
    _check_occluder(height, width, size, stride)
    label = check_int(label, "label", minimum=0)
    channel = None if channel is None else check_int(channel, "channel", minimum=0)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    fill = check_number(fill, "fill")
    classes = getattr(getattr(model, "spec", None), "num_classes", None)
    if isinstance(classes, int) and label >= classes:  # known without a forward pass
        raise ValueError(f"label {label!r} is not a class of this model ({classes} classes)")
    name, module = find_layer(model, last_conv_block(model) if layer is None else layer)
    check_input_size(model, (1, *image.shape), "image")
    with_projection = with_projection and _can_project(model, name)
    rows = occluder_positions(height, size, stride)
    cols = occluder_positions(width, size, stride)
    tops = [(r, c) for r in rows for c in cols]
    totals: list[torch.Tensor] = []
    with (
        torch.no_grad(),
        borrowed(model) as hooks,
        too_small_as_value_error("image", (3, height, width)),
    ):

        def keep_totals(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
            if output.dim() < 2:
                raise ValueError(f"layer {name!r} gives outputs of shape {tuple(output.shape)}")
            # per map, summed over space (an fc layer's units are maps of one position)
            totals.append(output.flatten(2).sum(dim=2) if output.dim() > 2 else output.clone())

        hooks.forward(module, keep_totals)
        clean_logits = model(image.unsqueeze(0))
        _check_logits(clean_logits, label)
        clean_totals = totals.pop()[0]
        if channel is None:
            channel = int(clean_totals.argmax())
        elif not 0 <= channel < len(clean_totals):
            raise ValueError(f"channel {channel} does not exist: layer {name!r} has "
                             f"{len(clean_totals)} maps")  # fmt: skip
        probabilities, predicted, features = [], [], []
        starts = range(0, len(tops), batch_size)
        for start in tqdm(starts, desc="occlusion", disable=not progress):
            batch = occlude(image, tops[start : start + batch_size], size, fill)
            p = F.softmax(model(batch), dim=1)
            probabilities.append(p[:, label])
            predicted.append(p.argmax(dim=1))
            features.append(totals.pop()[:, channel])
    clean_p = F.softmax(clean_logits, dim=1)[0]
    shape = (len(rows), len(cols))
    projection = None
    if with_projection:
        projection = _projection(model, image, name, channel)
    return OcclusionMaps(
        feature=torch.cat(features).view(shape).cpu(),
        probability=torch.cat(probabilities).view(shape).cpu(),
        predicted=torch.cat(predicted).view(shape).cpu(),
        rows=rows,
        cols=cols,
        size=size,
        stride=stride,
        fill=float(fill),
        layer=name,
        channel=channel,
        label=label,
        clean_feature=float(clean_totals[channel]),
        clean_probability=float(clean_p[label]),
        clean_predicted=int(clean_p.argmax()),
        projection=projection,
    )


def _check_logits(logits: torch.Tensor, label: int) -> None:
    if logits.dim() != 2:
        raise ValueError(f"the model must return logits (N, classes), got {tuple(logits.shape)}")
    if isinstance(label, bool) or not 0 <= int(label) < logits.shape[1]:
        raise ValueError(
            f"label {label!r} is not a class of this model ({logits.shape[1]} classes)"
        )


def _projection(model: nn.Module, image: torch.Tensor, layer: str, channel: int) -> torch.Tensor:
    """The deconvnet projection of the map's strongest unit on the clean image."""

    def strongest_of_channel(maps: torch.Tensor) -> list:

        where = int(maps[0, channel].flatten().argmax())
        return [Selection(0, channel, where // maps.shape[3], where % maps.shape[3])]

    # project() picks the strongest unit of the image over all maps; here the unit must be in
    # the tracked map, so ask for that map's strongest position explicitly.

    maps = activations(model, image.unsqueeze(0), layer)
    return project(model, image.unsqueeze(0), layer, strongest_of_channel(maps)).pixels[0].cpu()


def drop_inside_box(maps: OcclusionMaps, box: Sequence[float]) -> dict[str, float]:
    """Where the probability drop falls relative to the object box ``(x0, y0, x1, y1)``.

    The drop at a position is ``clean_probability - probability`` (only decreases count). A
    position is inside the box when the occluder's centre is.

    Returns:
        ``{"pointing": 1.0 if the largest drop is inside the box else 0.0, "inside_share":
        share of the total drop at positions inside the box, "chance_share": share of positions
        inside the box (what ``inside_share`` would be if the drop ignored the object),
        "largest_drop": the largest drop}``. With no drop anywhere, the shares are NaN.

    Example:
        >>> m = OcclusionMaps(torch.zeros(2, 2), torch.tensor([[0.25, 1.0], [1.0, 1.0]]),
        ...                   torch.zeros(2, 2, dtype=torch.long), [0, 2], [0, 2], 2, 2, 0.0,
        ...                   "pool5", 0, 0, 0.0, 1.0, 0)
        >>> drop_inside_box(m, (0, 0, 2, 2))
        {'pointing': 1.0, 'inside_share': 1.0, 'chance_share': 0.25, 'largest_drop': 0.75}
    """
    x0, y0, x1, y1 = (float(v) for v in box)
    cy, cx = maps.centres()
    inside = ((cy >= y0) & (cy <= y1))[:, None] & ((cx >= x0) & (cx <= x1))[None, :]
    drop = (maps.clean_probability - maps.probability.double().numpy()).clip(min=0.0)
    total = drop.sum()
    largest = np.unravel_index(int(drop.argmax()), drop.shape)
    return {
        "pointing": float(inside[largest]) if total > 0 else float("nan"),
        "inside_share": float(drop[inside].sum() / total) if total > 0 else float("nan"),
        "chance_share": float(inside.mean()),
        "largest_drop": float(drop.max()),
    }


def pixel_drop(maps: OcclusionMaps, height: int, width: int) -> torch.Tensor:
    """Per pixel, the mean probability drop over all occluder positions that cover it.

    The same attribution as ``captum.attr.Occlusion`` with a softmax probability as output
    (it too averages the drop over the windows covering each pixel), computed from the maps.

    Example:
        >>> m = OcclusionMaps(torch.zeros(1, 2), torch.tensor([[0.5, 1.0]]),
        ...                   torch.zeros(1, 2, dtype=torch.long), [0], [0, 1], 2, 1, 0.0,
        ...                   "pool5", 0, 0, 0.0, 1.0, 0)
        >>> pixel_drop(m, 2, 3)[0].tolist()
        [0.5, 0.25, 0.0]
    """
    total = torch.zeros(height, width, dtype=torch.float64)
    count = torch.zeros(height, width, dtype=torch.float64)
    drop = maps.clean_probability - maps.probability.double()
    for i, top in enumerate(maps.rows):
        for j, left in enumerate(maps.cols):
            total[top : top + maps.size, left : left + maps.size] += drop[i, j]
            count[top : top + maps.size, left : left + maps.size] += 1
    return torch.where(count > 0, total / count.clamp(min=1), 0.0)
