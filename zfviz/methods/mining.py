"""The strongest activations of each feature map over a data set (the paper's Fig. 2).

Fig. 2 shows, for a feature map of layers 2 to 5, the 9 images of the validation set on which
that map responds most strongly, each activation projected down to pixels by the deconvnet and
shown beside the image patch that produced it. This module finds those activations and turns
them into projections, patches and simple coverage measures:

* :func:`top_activations` streams over a data set once and keeps, for every map of a layer, the
  ``k`` strongest activations. Each image counts once per map, at its strongest position, so
  the ``k`` entries of a map are ``k`` different images (as in the paper).
* :func:`project_top` projects them with :func:`zfviz.methods.deconvnet.project`, many at a time.
* :func:`top_patches` crops the image patch each of them sees (its receptive field), and
  :func:`projection_crops` turns the projections into images cropped to the same windows.
* :func:`patch_coverage` measures how much of an object, and how many of its parts, those
  patches cover.

Missing entries (a data set with fewer than ``k`` images) have value ``-inf`` and image, row and
column ``-1``; the functions below skip them (zero projections, grey patches).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from zfviz.core.checks import check_int
from zfviz.core.hooks import borrowed
from zfviz.methods.deconvnet import Selection, activations, deconv_to_image, project, resolve_layer
from zfviz.nets.receptive_field import ReceptiveField

__all__ = [
    "TopActivations",
    "top_activations",
    "project_top",
    "top_patches",
    "crop_projections",
    "projection_crops",
    "patch_coverage",
    "projection_parts",
    "GREY",
]

GREY = 128  # fill of patch pixels outside the image: the mid-grey of uint8 images

# A bare tensor given as `batches` is mined in chunks of this many images: iterating a tensor
# would yield single (3, H, W) images, and one chunk for everything would hold all activations.
_TENSOR_CHUNK = 128


@dataclass
class TopActivations:
    """The ``k`` strongest activations of every feature map of one layer, over a data set.

    Row ``c`` of each tensor describes map ``c``, strongest first. Entry ``(c, j)`` is the
    activation ``values[c, j]`` of map ``c`` at ``(rows[c, j], cols[c, j])`` of data-set image
    ``images[c, j]``; a map's ``k`` images are distinct. Entries beyond the number of images
    seen have value ``-inf`` and index ``-1``.

    Attributes:
        layer: the layer's name in ``features`` (a paper layer number is resolved).
        values: ``(C, k)`` float, decreasing along each row.
        images: ``(C, k)`` int64 index of the image in the data set (order of the batches).
        rows, cols: ``(C, k)`` int64 position of the activation in the map.
        input_size: ``(H, W)`` of the network inputs it was mined on, if known.
        n_images: how many images were seen.

    Example:
        >>> top = TopActivations("relu1", torch.tensor([[3.0, 1.0]]), torch.tensor([[4, 0]]),
        ...                      torch.tensor([[2, 0]]), torch.tensor([[5, 1]]))
        >>> top.k, top.selections(0)[0]
        (2, (4, Selection(image=0, channel=0, row=2, col=5)))
    """

    layer: str
    values: torch.Tensor
    images: torch.Tensor
    rows: torch.Tensor
    cols: torch.Tensor
    input_size: tuple[int, int] | None = None
    n_images: int = 0

    @property
    def k(self) -> int:
        """How many activations are kept per map."""
        return int(self.values.shape[1])

    def _check_channel(self, channel: int) -> int:
        count = int(self.values.shape[0])
        if isinstance(channel, bool) or not 0 <= int(channel) < count:
            raise ValueError(
                f"channel {channel!r} does not exist: layer {self.layer!r} has {count} maps"
            )
        return int(channel)

    def selections(self, channel: int) -> list[tuple[int, Selection]]:
        """Map ``channel``'s activations as ``(data-set image index, Selection)`` pairs.

        The selections number their images 0, 1, 2, ... in the order of the pairs, so they fit
        a batch made of the listed images in that order (a map's images are distinct)::

            pairs = top.selections(c)
            batch = dataset[[i for i, _ in pairs]]
            project(model, batch, top.layer, [s for _, s in pairs])

        Missing entries (``-inf``) are left out.
        """
        c = self._check_channel(channel)
        pairs = []
        for j, (image, row, col) in enumerate(
            zip(self.images[c].tolist(), self.rows[c].tolist(), self.cols[c].tolist(), strict=True)
        ):
            if image < 0:
                break  # missing entries only come last
            pairs.append((image, Selection(image=j, channel=c, row=row, col=col)))
        return pairs


def _check_k(k: int) -> None:
    if check_int(k, "k") < 1:  # a float or bool: a TypeError (that is also a ValueError)
        raise ValueError(f"k must be a positive integer, got {k!r}")


def _as_batches(batches: Iterable[torch.Tensor] | torch.Tensor) -> Iterable[torch.Tensor]:
    if isinstance(batches, torch.Tensor):
        if batches.dim() != 4:
            raise ValueError(
                f"expected batches of images (N, 3, H, W), got a tensor of shape "
                f"{tuple(batches.shape)}"
            )
        return batches.split(_TENSOR_CHUNK)
    return batches


def top_activations(
    model: nn.Module,
    batches: Iterable[torch.Tensor] | torch.Tensor,
    layer: str | int,
    k: int = 9,
    progress: bool = True,
) -> TopActivations:
    """The ``k`` strongest activations of each feature map of ``layer`` over a data set.

    One pass over the data, running ``features`` only up to the layer. Per image and map only
    the image's strongest position counts (the first in row-major order on a tie), so each map
    gets ``k`` different images. Memory does not grow with the data set: only a running top-``k``
    per map is kept. Equal values are ranked by lower image index, so the result does not depend
    on how the data is cut into batches.

    Args:
        model: a zfviz ConvNet, torchvision AlexNet/VGG, or a Sequential that
            :func:`zfviz.methods.deconvnet.walk` accepts; used in eval mode and given back
            unchanged.
        batches: preprocessed image batches ``(N, 3, H, W)`` in data-set order (items of a
            ``DataLoader`` yielding ``(images, labels)`` work too); a single ``(N, 3, H, W)``
            tensor is mined in chunks of 128 images.
        layer: a name in ``features`` or, for zfviz models, a paper layer number.
        k: how many activations to keep per map.
        progress: show a progress bar.

    Returns:
        A :class:`TopActivations`, on the CPU.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
        >>> images = torch.randn(10, 3, 8, 8)
        >>> top = top_activations(net, images.split(4), "1", k=3, progress=False)
        >>> top.values.shape, bool((top.values[:, :-1] >= top.values[:, 1:]).all())
        (torch.Size([4, 3]), True)
    """
    _check_k(k)
    name = resolve_layer(model, layer)
    batches = _as_batches(batches)
    total = len(batches) if hasattr(batches, "__len__") else None
    values = images = positions = None
    seen = 0
    input_size = None
    width = 0
    with torch.no_grad(), borrowed(model):
        for batch in tqdm(batches, total=total, desc=f"mining {name}", disable=not progress):
            if isinstance(batch, tuple | list):
                batch = batch[0]
            if isinstance(batch, torch.Tensor) and batch.dim() == 4 and len(batch) == 0:
                continue
            maps = activations(model, batch, name)
            n, channels, _, width = maps.shape
            if input_size is None:
                input_size = (int(batch.shape[2]), int(batch.shape[3]))
                values = maps.new_full((channels, k), -float("inf"))
                images = torch.full((channels, k), -1, dtype=torch.long, device=maps.device)
                positions = torch.full_like(images, -1)
            elif (batch.shape[2], batch.shape[3]) != input_size:
                raise ValueError(
                    f"all batches must have the same image size: {input_size} "
                    f"before, {tuple(batch.shape[2:])} now"
                )
            best, where = maps.flatten(2).max(dim=2)  # (n, C): first maximum on a tie
            if torch.isnan(best).any():
                raise ValueError(
                    f"layer {name!r} gives NaN activations on images {seen}..{seen + n - 1}"
                )
            index = torch.arange(seen, seen + n, device=maps.device).expand(channels, n)
            # The running top-k holds only earlier images, so a stable sort of [running, batch]
            # ranks ties by image index; torch.topk's order among ties is unspecified.
            cand_values = torch.cat([values, best.T], dim=1)
            order = cand_values.sort(dim=1, descending=True, stable=True).indices[:, :k]
            values = cand_values.gather(1, order)
            images = torch.cat([images, index], dim=1).gather(1, order)
            positions = torch.cat([positions, where.T], dim=1).gather(1, order)
            seen += n
    if seen == 0:
        raise ValueError("no images: the batches are empty")
    missing = images < 0
    rows = torch.where(missing, -1, positions // width)
    cols = torch.where(missing, -1, positions % width)
    return TopActivations(
        layer=name,
        values=values.cpu(),
        images=images.cpu(),
        rows=rows.cpu(),
        cols=cols.cpu(),
        input_size=input_size,
        n_images=seen,
    )


def _channels(top: TopActivations, channels: Sequence[int] | None) -> list[int]:
    if channels is None:
        return list(range(int(top.values.shape[0])))
    channels = [top._check_channel(c) for c in channels]
    if not channels:
        raise ValueError("channels is empty: name at least one feature map")
    return channels


def _gather(
    dataset: torch.Tensor | Callable[[np.ndarray], torch.Tensor], index: np.ndarray
) -> torch.Tensor:
    if isinstance(dataset, torch.Tensor):
        if index.max() >= len(dataset):
            raise ValueError(
                f"the top activations name image {int(index.max())}, but the data "
                f"set has {len(dataset)} images"
            )
        return dataset[torch.from_numpy(index)]
    images = dataset(index)
    if not isinstance(images, torch.Tensor) or len(images) != len(index):
        got = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(
            f"dataset_images({len(index)} indices) must return a tensor of "
            f"{len(index)} images, got {got}"
        )
    return images


def project_top(
    model: nn.Module,
    dataset_images: torch.Tensor | Callable[[np.ndarray], torch.Tensor],
    top: TopActivations,
    channels: Sequence[int],
    rule: str = "deconvnet",
    batch_size: int = 64,
) -> torch.Tensor:
    """Deconvnet projections of the top activations of each map in ``channels``.

    The selections are sorted by image and projected ``batch_size`` at a time with
    :func:`zfviz.methods.deconvnet.project`, so an image that is among the strongest of several maps
    runs forward once per chunk rather than once per map. Each projected activation is checked
    against ``top.values``: a mismatch means the images are not the ones mined (another order,
    preprocessing or model) and raises ``ValueError``.

    Args:
        model: the model ``top`` was mined on; given back unchanged.
        dataset_images: the data set mined: preprocessed images ``(N, 3, H, W)`` indexed by
            image index, or a function that takes an int64 array of image indices and returns
            those images preprocessed (e.g. ``lambda i: preprocess(world.images[i])``), which
            then never has to hold the whole data set.
        top: from :func:`top_activations`.
        channels: the maps to project.
        rule: the deconvnet's rule (see :data:`zfviz.methods.deconvnet.RULES`).
        batch_size: selections per call of ``project``; bounds the memory used.

    Returns:
        ``(len(channels), k, 3, H, W)`` projections on the CPU, in the order of ``top``;
        missing entries are zero.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
        >>> images = torch.randn(6, 3, 10, 10)
        >>> top = top_activations(net, images, "2", k=2, progress=False)
        >>> project_top(net, images, top, channels=[0, 3]).shape
        torch.Size([2, 2, 3, 10, 10])
    """
    channels = _channels(top, channels)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    resolve_layer(model, top.layer)  # fail before loading any image
    # (image, output channel slot, rank, map, row, col) of every entry to project
    entries = [
        (image, slot, rank, c, row, col)
        for slot, c in enumerate(channels)
        for rank, image, row, col in zip(
            range(top.k),
            top.images[c].tolist(),
            top.rows[c].tolist(),
            top.cols[c].tolist(),
            strict=True,
        )
        if image >= 0
    ]
    if not entries:
        if top.input_size is None:
            raise ValueError("nothing to project: all entries of these channels are missing")
        return torch.zeros(len(channels), top.k, 3, *top.input_size)
    # Maps often share their strongest images: in image order, each chunk runs fewer images
    # forward (project's forward pass is per image, its way down per selection).
    entries.sort(key=lambda e: e[0])
    out = None
    with borrowed(model):
        for start in range(0, len(entries), batch_size):
            chunk = entries[start : start + batch_size]
            needed = sorted({e[0] for e in chunk})
            local = {image: i for i, image in enumerate(needed)}
            batch = _gather(dataset_images, np.asarray(needed, dtype=np.int64))
            selections = [Selection(local[e[0]], e[3], e[4], e[5]) for e in chunk]
            projection = project(model, batch, top.layer, selections, rule=rule)
            slots = torch.tensor([e[1] for e in chunk])
            ranks = torch.tensor([e[2] for e in chunk])
            _check_values(projection.values.cpu(), top.values[channels][slots, ranks], chunk)
            if out is None:
                shape = projection.pixels.shape[1:]
                out = torch.zeros(len(channels), top.k, *shape, dtype=projection.pixels.dtype)
            out[slots, ranks] = projection.pixels.cpu()
    return out


def _check_values(got: torch.Tensor, expected: torch.Tensor, chunk: list[tuple]) -> None:
    # Loose: the same images in other batches may round differently (and TF32 on a GPU);
    # other images, or other preprocessing, give values that differ by far more.
    scale = float(expected.abs().max()) if len(expected) else 0.0
    bad = ~torch.isclose(got, expected.to(got.dtype), rtol=1e-2, atol=1e-3 * max(scale, 1e-6))
    if bad.any():
        i = int(bad.nonzero()[0])
        raise ValueError(
            f"image {chunk[i][0]} gives {float(got[i]):.6g} at map {chunk[i][3]}, unit "
            f"({chunk[i][4]}, {chunk[i][5]}), but {float(expected[i]):.6g} was mined there: "
            f"dataset_images must be the images mined, in the same order and preprocessing"
        )


def _patch_side(rf: ReceptiveField, height: int, width: int) -> int:
    return min(rf.size, height, width)


def _window(rf: ReceptiveField, row: int, col: int, side: int) -> tuple[int, int]:
    """Top-left of the square of ``side`` centred on the unit's receptive field."""
    shift = (rf.size - side) // 2
    return rf.top_left + row * rf.stride + shift, rf.top_left + col * rf.stride + shift


def _check_uint8_images(images: np.ndarray, top: TopActivations) -> None:
    if not isinstance(images, np.ndarray) or images.ndim != 4 or images.shape[-1] != 3:
        shape = getattr(images, "shape", type(images).__name__)
        raise ValueError(f"expected images of shape (N, H, W, 3) as a numpy array, got {shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images, got {images.dtype}")
    if top.input_size is not None and tuple(images.shape[1:3]) != tuple(top.input_size):
        raise ValueError(
            f"the activations were mined on {top.input_size[0]}x{top.input_size[1]} inputs, but "
            f"these images are {images.shape[1]}x{images.shape[2]}: pass the images as the "
            f"network saw them (cropped to its input size)"
        )
    used = int(top.images.max())
    if used >= len(images):
        raise ValueError(
            f"the top activations name image {used}, but there are only {len(images)} images"
        )


def top_patches(
    images_uint8: np.ndarray,
    top: TopActivations,
    channels: Sequence[int],
    rf: ReceptiveField,
) -> np.ndarray:
    """The image patch behind each top activation: its receptive field, cropped.

    Each patch is the square of side ``P = min(rf.size, H, W)`` centred on the unit's receptive
    field (for ``rf.size <= H, W`` exactly the field, ``rf.window(row, col)``). Parts of it
    outside the image are mid-grey (:data:`GREY`), so every patch has the same size and the
    unit's centre is always at the patch centre. High layers of a small network can see more
    than the whole image; their patches are image-sized, which keeps them comparable.

    Args:
        images_uint8: ``(N, H, W, 3)`` uint8, the data set as the network saw it (at its input
            size, cropped the same way; e.g. ``preprocess.to_pixels(inputs)``).
        top: from :func:`top_activations`.
        channels: the maps whose patches to crop.
        rf: the receptive field of ``top.layer``
            (``zfviz.nets.receptive_field.receptive_fields(model)[top.layer]``).

    Returns:
        ``(len(channels), k, P, P, 3)`` uint8; missing entries are all grey.

    Example:
        >>> from zfviz.nets.receptive_field import receptive_fields
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
        >>> top = top_activations(net, torch.randn(6, 3, 10, 10), "2", k=2, progress=False)
        >>> pixels = np.zeros((6, 10, 10, 3), np.uint8)
        >>> top_patches(pixels, top, [0, 1], receptive_fields(net)["2"]).shape
        (2, 2, 4, 4, 3)
    """
    _check_uint8_images(images_uint8, top)
    channels = _channels(top, channels)
    height, width = images_uint8.shape[1:3]
    side = _patch_side(rf, height, width)
    out = np.full((len(channels), top.k, side, side, 3), GREY, dtype=np.uint8)
    for slot, c in enumerate(channels):
        for rank in range(top.k):
            image = int(top.images[c, rank])
            if image >= 0:
                _crop_into(out[slot, rank], images_uint8[image], rf, top, c, rank)
    return out


def _crop_into(
    out: np.ndarray, image: np.ndarray, rf: ReceptiveField, top: TopActivations, c: int, rank: int
) -> None:
    """Copy the part of ``image`` under entry ``(c, rank)``'s square window into ``out``."""
    height, width = image.shape[:2]
    side = out.shape[0]
    y0, x0 = _window(rf, int(top.rows[c, rank]), int(top.cols[c, rank]), side)
    # the part of the square inside the image, in image and in patch coordinates
    t, left = max(y0, 0), max(x0, 0)
    b, r = min(y0 + side, height), min(x0 + side, width)
    if b > t and r > left:
        out[t - y0 : b - y0, left - x0 : r - x0] = image[t:b, left:r]


def crop_projections(
    projections: np.ndarray,
    top: TopActivations,
    channels: Sequence[int],
    rf: ReceptiveField,
    fill: float = 0.5,
) -> np.ndarray:
    """Projections cropped to the same windows as :func:`top_patches`, to show side by side.

    Args:
        projections: ``(len(channels), k, H, W, C)`` images of the projections, in the order of
            ``channels`` and ranks (e.g. :func:`project_top`'s output passed through
            :func:`zfviz.methods.deconvnet.deconv_to_image`).
        top, channels, rf: as for :func:`top_patches`.
        fill: the value outside the image (0.5: the grey that :func:`deconv_to_image` gives 0).

    Returns:
        ``(len(channels), k, P, P, C)`` with ``P = min(rf.size, H, W)``, same dtype.

    Example:
        >>> from zfviz.nets.receptive_field import receptive_fields
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
        >>> top = top_activations(net, torch.randn(6, 3, 10, 10), "2", k=2, progress=False)
        >>> crop_projections(np.zeros((1, 2, 10, 10, 3)), top, [1],
        ...                  receptive_fields(net)["2"]).shape
        (1, 2, 4, 4, 3)
    """
    channels = _channels(top, channels)
    projections = np.asarray(projections)
    if projections.ndim != 5 or projections.shape[:2] != (len(channels), top.k):
        raise ValueError(
            f"expected projections of shape ({len(channels)}, {top.k}, H, W, C) for "
            f"{len(channels)} maps, got {projections.shape}"
        )
    height, width = projections.shape[2:4]
    side = _patch_side(rf, height, width)
    shape = (len(channels), top.k, side, side, projections.shape[-1])
    out = np.full(shape, fill, dtype=projections.dtype)
    for slot, c in enumerate(channels):
        for rank in range(top.k):
            if int(top.images[c, rank]) >= 0:
                _crop_into(out[slot, rank], projections[slot, rank], rf, top, c, rank)
    return out


def projection_crops(
    projections: torch.Tensor,
    top: TopActivations,
    channels: Sequence[int],
    rf: ReceptiveField,
    percentile: float = 99.5,
) -> np.ndarray:
    """Raw projections as the pictures Fig. 2 shows: each stretched on its own around zero
    (:func:`zfviz.methods.deconvnet.deconv_to_image`) and cropped to its unit's window
    (:func:`crop_projections`), ready to stand beside :func:`top_patches`.

    Args:
        projections: ``(len(channels), k, C, H, W)`` from :func:`project_top`.
        top, channels, rf: as for :func:`top_patches`.
        percentile: passed to :func:`zfviz.methods.deconvnet.deconv_to_image` (99.5: a few extreme
            pixels do not make the rest of a projection faint).

    Returns:
        ``(len(channels), k, P, P, C)`` floats in [0, 1], ``P = min(rf.size, H, W)``.

    Example:
        >>> from zfviz.nets.receptive_field import receptive_fields
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
        >>> images = torch.randn(6, 3, 10, 10)
        >>> top = top_activations(net, images, "2", k=2, progress=False)
        >>> raw = project_top(net, images, top, channels=[1])
        >>> projection_crops(raw, top, [1], receptive_fields(net)["2"]).shape
        (1, 2, 4, 4, 3)
    """
    if not isinstance(projections, torch.Tensor) or projections.dim() != 5:
        shape = tuple(projections.shape) if hasattr(projections, "shape") else type(projections)
        raise ValueError(
            f"expected projections of shape (len(channels), k, C, H, W) from project_top, "
            f"got {shape}"
        )
    maps, k = projections.shape[:2]
    images = deconv_to_image(projections.flatten(0, 1), percentile=percentile)
    return crop_projections(images.reshape(maps, k, *images.shape[1:]), top, channels, rf)


def patch_coverage(
    top: TopActivations,
    rf: ReceptiveField,
    boxes: np.ndarray,
    masks: np.ndarray | None = None,
    image_size: int | tuple[int, int] | None = None,
    channels: Sequence[int] | None = None,
) -> dict[str, float | int | str]:
    """How much of the object, and how many of its parts, the top activations' windows cover.

    For each top activation (of the maps in ``channels``, default all), take its window: the
    receptive field ``rf.window(row, col)`` clipped to the image. Then

    * ``box_share``: the share of the window's area inside the object box (1: all object box);
    * ``object_share``: the share of the object box's area inside the window (1: the window
      sees the whole object);
    * ``parts``: the number of distinct object parts (non-zero ids of ``masks``) with at least
      one pixel in the window.

    Each is averaged over all activations; a higher layer whose patches show object parts and
    whole objects should score higher on ``object_share`` and ``parts`` than a lower one.
    Missing entries are skipped, and so are boxes of zero area for ``object_share``.

    Args:
        top: from :func:`top_activations`.
        rf: the receptive field of ``top.layer``.
        boxes: ``(N, 4)`` object boxes ``x0, y0, x1, y1`` in pixels of the network input, for
            every image of the data set (as ``WorldBatch.boxes``; subtract the crop offset if the
            inputs were cropped from larger images).
        masks: ``(N, H, W)`` part-id maps in the same pixels (0 = no part), or None (then
            ``parts`` is NaN).
        image_size: ``H`` or ``(H, W)`` of the network input; default ``top.input_size``, else
            the size of ``masks``.
        channels: the maps to measure; default all.

    Returns:
        ``{"layer", "count", "box_share", "object_share", "parts"}``: ``count`` activations
        measured, the three means (NaN when nothing could be measured).

    Example:
        >>> top = TopActivations("x", torch.tensor([[1.0]]), torch.tensor([[0]]),
        ...                      torch.tensor([[0]]), torch.tensor([[0]]))
        >>> rf = ReceptiveField(size=4, stride=1, top_left=0)
        >>> masks = np.zeros((1, 8, 8), np.uint8); masks[0, 1, 1], masks[0, 6, 6] = 1, 2
        >>> boxes = np.array([[2.0, 0.0, 6.0, 8.0]])  # x 2..6, y 0..8
        >>> patch_coverage(top, rf, boxes, masks, image_size=8)
        {'layer': 'x', 'count': 1, 'box_share': 0.5, 'object_share': 0.25, 'parts': 1.0}
    """
    channels = _channels(top, channels)
    if image_size is None:
        image_size = top.input_size
        if image_size is None and masks is not None:
            image_size = tuple(masks.shape[1:3])
        if image_size is None:
            raise ValueError("image_size is unknown: pass image_size=(H, W)")
    height, width = (image_size, image_size) if isinstance(image_size, int) else image_size
    boxes = np.asarray(boxes, dtype=np.float64)
    n_used = int(top.images.max()) + 1
    if boxes.ndim != 2 or boxes.shape[1] != 4 or len(boxes) < n_used:
        raise ValueError(f"expected boxes of shape (N, 4) with N >= {n_used}, got {boxes.shape}")
    if masks is not None and (
        masks.ndim != 3 or masks.shape[1:] != (height, width) or len(masks) < n_used
    ):
        raise ValueError(
            f"expected masks of shape (N >= {n_used}, {height}, {width}), got {masks.shape}"
        )
    box_share, object_share, parts = [], [], []
    for c in channels:
        for rank in range(top.k):
            image = int(top.images[c, rank])
            if image < 0:
                continue
            t, left, b, r = rf.window(int(top.rows[c, rank]), int(top.cols[c, rank]))
            t, left, b, r = max(t, 0), max(left, 0), min(b, height), min(r, width)
            area = max(b - t, 0) * max(r - left, 0)
            if area == 0:
                continue  # a unit that sees only padding: nothing to measure
            x0, y0, x1, y1 = boxes[image]
            inside = max(min(r, x1) - max(left, x0), 0.0) * max(min(b, y1) - max(t, y0), 0.0)
            box_share.append(inside / area)
            box_area = max(x1 - x0, 0.0) * max(y1 - y0, 0.0)
            if box_area > 0:
                object_share.append(inside / box_area)
            if masks is not None:
                ids = np.unique(masks[image, t:b, left:r])
                parts.append(int((ids != 0).sum()))

    def mean(xs: list) -> float:
        return float(np.mean(xs)) if xs else float("nan")

    return {
        "layer": top.layer,
        "count": len(box_share),
        "box_share": mean(box_share),
        "object_share": mean(object_share),
        "parts": mean(parts),
    }


def projection_parts(
    projections: torch.Tensor,
    top: TopActivations,
    masks: np.ndarray,
    channels: Sequence[int] | None = None,
    min_share: float = 0.05,
) -> dict[str, np.ndarray]:
    """Where each top activation's projection puts its energy: on the object, on how many parts.

    The projection says which pixels of its window drive a unit; the window alone only says
    what it could see. The energy of a projection is ``|pixels|`` summed over colour channels.

    Args:
        projections: ``(len(channels), k, C, H, W)`` from :func:`project_top`.
        top: the activations they project.
        masks: ``(N, H, W)`` part-id maps of the data set (0 = background), at network input
            size.
        channels: the maps ``projections`` holds, in order; default all.
        min_share: a part counts when it holds at least this share of the energy.

    Returns:
        ``{"on_object": (M, k), "parts": (M, k)}``: the share of energy on object pixels (any
        part) and the number of parts holding at least ``min_share`` of it; NaN for missing
        entries and all-zero projections.

    Example:
        >>> top = TopActivations("x", torch.tensor([[1.0]]), torch.tensor([[0]]),
        ...                      torch.tensor([[0]]), torch.tensor([[0]]))
        >>> masks = np.array([[[1, 2], [0, 0]]], np.uint8)
        >>> pixels = torch.tensor([[1.0, 1.0], [2.0, 0.0]]).expand(1, 1, 3, 2, 2)
        >>> shares = projection_parts(pixels, top, masks)
        >>> float(shares["on_object"][0, 0]), float(shares["parts"][0, 0])
        (0.5, 2.0)
    """
    channels = _channels(top, channels)
    if projections.dim() != 5 or tuple(projections.shape[:2]) != (len(channels), top.k):
        raise ValueError(
            f"expected projections of shape ({len(channels)}, {top.k}, C, H, W), "
            f"got {tuple(projections.shape)}"
        )
    masks = np.asarray(masks)
    if masks.ndim != 3 or masks.shape[1:] != tuple(projections.shape[-2:]):
        raise ValueError(
            f"expected masks of shape (N, {projections.shape[-2]}, {projections.shape[-1]}), "
            f"got {masks.shape}"
        )
    energy = projections.abs().sum(dim=2).double().numpy()  # (M, k, H, W)
    index = top.images[channels].numpy()
    on_object = np.full(index.shape, np.nan)
    parts = np.full(index.shape, np.nan)
    for slot in range(len(channels)):
        for rank in range(top.k):
            image, e = index[slot, rank], energy[slot, rank]
            total = e.sum()
            if image < 0 or total <= 0:
                continue
            ids = masks[image].astype(np.int64)
            per_part = np.bincount(ids.ravel(), weights=e.ravel()) / total
            on_object[slot, rank] = 1.0 - per_part[0]
            parts[slot, rank] = float((per_part[1:] >= min_share).sum())
    return {"on_object": on_object, "parts": parts}
