"""Correspondence analysis (the paper's Fig. 8 and Table 1): is a part represented consistently?

The paper takes 5 aligned frontal dog faces and masks the same part in every one of them (the
right eye, the left eye, the nose) or, as a control, a random region. For image ``i`` and layer
``l``, the change the mask makes is

    eps_i^l = x_i^l - x~_i^l        (features of the original minus those of the masked image)

and the consistency of those changes over the images is

    Delta_l = sum over pairs i != j of H(sign(eps_i^l), sign(eps_j^l)),  H a Hamming distance.

Lower Delta: masking the part moves the features in the same direction in every image, i.e. the
network represents that part, and where it is, in the same way across instances.

The paper leaves open what the book chooses here (each is a parameter):

* **H is normalised**: the fraction of the ``D`` dimensions whose signs differ (0 to 1), since
  the paper's values are below 1 (:func:`hamming`).
* **Delta is the mean over pairs**, not the sum: with 5 images, the mean of the 10 unordered
  pairs, which equals the mean of the 20 ordered ones since H is symmetric; it stays in 0..1 for
  any number of images and matches the paper's scale (0.07 to 0.11). ``reduction="sum"`` gives
  the paper's literal sum over ordered pairs ``i != j`` (``N (N - 1)`` times the mean).
* **sign(0) is a value of its own**: the sign is -1, 0 or +1, and two zeros agree. ReLU layers
  give many exact zeros (a unit silent on both images, or out of reach of the mask), and by
  default they count as agreement, as the paper's small values suggest. With
  ``count_shared_zeros=False`` a dimension where both changes are 0 is left out, so H is measured
  only over the dimensions that changed in at least one of the two images.
* **The mask** is a square of ``side`` pixels centred on the part's keypoint, the same pixels in
  every image, filled with the data mean (0 after the per-pixel mean subtraction).
* **The +-**: for a part, the spread of Delta over small shifts of its square (``jitter`` pixels
  in each direction, a 3x3 grid of positions); for the random control, over random placements
  of the square (the same position in all images for one placement, a new one for the next).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from zfviz.core.checks import ArgumentTypeError, as_images, check_number, to_model
from zfviz.core.hooks import borrowed
from zfviz.nets.layers import find_layer
from zfviz.nets.models import ConvNet
from zfviz.nets.receptive_field import check_input_size

__all__ = [
    "REDUCTIONS",
    "Correspondence",
    "at_input_size",
    "part_mask",
    "masked",
    "epsilon",
    "zero_share",
    "hamming",
    "pairwise_hamming",
    "delta",
    "random_centres",
    "jittered_centres",
    "square_overlap",
    "mask_delta",
    "correspondence_table",
]

REDUCTIONS = ("mean", "sum")
RANDOM = "random"
RANDOM_ON_OBJECT = "random on the object"


def at_input_size(pixels: int, size: int, reference: int = 96) -> int:
    """A length of ``pixels`` chosen at ``reference``-pixel inputs (the quick profile's 96),
    scaled to inputs of ``size`` pixels, so that a mask covers the same share of the image.

    Example:
        >>> at_input_size(15, 96), at_input_size(15, 224)
        (15, 35)
    """
    for name, value in (("pixels", pixels), ("size", size), ("reference", reference)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return round(pixels * size / reference)


def part_mask(image_size: int, centre_xy: Sequence[float], side: int) -> np.ndarray:
    """A square of ``side`` pixels centred on ``centre_xy = (x, y)``, clipped at the border.

    Pixel ``(row, col)`` covers ``[col, col + 1) x [row, row + 1)`` (the world's convention), so
    it is in the square when its centre ``(col + 0.5, row + 0.5)`` is: a square that fits in the
    image covers exactly ``side x side`` pixels; one that does not is cut at the border.

    Returns:
        ``(image_size, image_size)`` bool array, True on the masked pixels.

    Example:
        >>> part_mask(6, (3.0, 3.0), 2).nonzero()
        (array([2, 2, 3, 3]), array([2, 3, 2, 3]))
        >>> int(part_mask(6, (0.5, 0.5), 3).sum())  # centred on the corner pixel: cut to 2x2
        4
    """
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)):
        raise ValueError(f"image_size must be a positive integer, got {image_size!r}")
    if isinstance(side, bool) or not isinstance(side, (int, np.integer)) or side < 1:
        raise ValueError(f"side must be a positive integer number of pixels, got {side!r}")
    if image_size < 1:
        raise ValueError(f"image_size must be a positive integer, got {image_size!r}")
    if len(centre_xy) != 2 or not np.isfinite(np.asarray(centre_xy, dtype=float)).all():
        raise ValueError(f"centre_xy must be two finite numbers (x, y), got {centre_xy!r}")
    x, y = (float(v) for v in centre_xy)
    # The first pixel whose centre lies in [c - side/2, c + side/2); then exactly `side` pixels.
    left, top = int(np.ceil(x - side / 2 - 0.5)), int(np.ceil(y - side / 2 - 0.5))
    mask = np.zeros((image_size, image_size), dtype=bool)
    mask[max(top, 0) : max(top + side, 0), max(left, 0) : max(left + side, 0)] = True
    return mask


def masked(
    images: torch.Tensor, mask: np.ndarray | torch.Tensor, fill: float = 0.0
) -> torch.Tensor:
    """A copy of ``images`` ``(N, C, H, W)`` with the pixels of ``mask`` ``(H, W)`` set to ``fill``.

    The same pixels in every image and channel. ``fill=0`` is the data mean for images
    preprocessed by :class:`zfviz.data.preprocess.Preprocess` (per-pixel mean subtracted).

    Example:
        >>> out = masked(torch.ones(2, 3, 4, 4), part_mask(4, (1.0, 1.0), 2))
        >>> float(out.sum()), float(out[0, 0, 0, 0]), float(out[1, 2, 3, 3])
        (72.0, 0.0, 1.0)
    """
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or not images.is_floating_point():
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"expected images as a float tensor (N, C, H, W), got {shape}")
    mask_t = torch.as_tensor(np.asarray(mask) if not isinstance(mask, torch.Tensor) else mask)
    if mask_t.dtype != torch.bool or tuple(mask_t.shape) != tuple(images.shape[2:]):
        raise ValueError(
            f"expected a bool mask of shape {tuple(images.shape[2:])} (the images' height and "
            f"width), got {mask_t.dtype} of shape {tuple(mask_t.shape)}"
        )
    fill = check_number(fill, "fill")
    out = images.clone()
    out[:, :, mask_t.to(images.device)] = fill
    return out


def epsilon(
    model: ConvNet, images: torch.Tensor, masked_images: torch.Tensor, layer: str | int
) -> np.ndarray:
    """``eps_i = x_i - x~_i``: the layer's features of each original minus those of its masked
    version, flattened: ``(N, D)`` float64.

    ``layer`` is a module name or a paper layer number (5 is ``pool5``, 7 is ``relu7``). The
    model runs in eval mode (no dropout) and is given back unchanged.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> x = torch.randn(2, 3, 64, 64)
        >>> eps = epsilon(net, x, x.clone(), 7)
        >>> eps.shape, float(abs(eps).max())
        ((2, 32), 0.0)
    """
    images, masked_images = _check_pair(images, masked_images)
    return _epsilons(model, images, masked_images, [layer])[layer]


def zero_share(
    model: ConvNet,
    images: torch.Tensor,
    layer: str | int,
    centres: np.ndarray | Sequence[Sequence[float]],
    side: int,
    fill: float = 0.0,
) -> float:
    """The share of exact zeros in ``eps`` at ``layer``, averaged over square masks of
    ``side`` pixels at each of ``centres`` ``(P, 2)`` (x, y): the dimensions a mask leaves
    unchanged, which count as agreement in :func:`hamming` by default.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> 0.0 <= zero_share(net, torch.randn(2, 3, 64, 64), 5, [(20, 20), (40, 30)], 9) <= 1.0
        True
    """
    centres = np.asarray(centres, dtype=np.float64)
    if centres.ndim != 2 or centres.shape[1] != 2 or len(centres) == 0:
        raise ValueError(f"centres: expected (P, 2) positions (x, y), got shape {centres.shape}")
    size = images.shape[-1]
    shares = [
        np.mean(epsilon(model, images, masked(images, part_mask(size, c, side), fill), layer) == 0)
        for c in centres
    ]
    return float(np.mean(shares))


def _epsilons(
    model: ConvNet, images: torch.Tensor, masked_images: torch.Tensor, layers: Sequence[str | int]
) -> dict[str | int, np.ndarray]:
    """:func:`epsilon` at each of ``layers``, from a single forward pass."""
    if isinstance(layers, str | int) or len(layers) == 0:
        raise ArgumentTypeError(f"layers must be a non-empty sequence of layers, got {layers!r}")
    # find_layer raises LayerError (a KeyError) naming the valid layers
    modules = {layer: find_layer(model, layer)[1] for layer in layers}
    caught: dict[str | int, torch.Tensor] = {}
    check_input_size(model, tuple(images.shape), "images")
    # One batch for originals and masked copies, so that both go through the same kernels; one
    # forward pass serves every layer (a full ZFNet at 224 px is slow on a CPU).
    x = to_model(torch.cat([images, masked_images]), model)  # both checked by _check_pair
    with torch.no_grad(), borrowed(model) as hooks:
        for layer, module in modules.items():
            # clone(): for a float64 model on the CPU, .double().cpu() is a view that a later
            # in-place step (torchvision's ReLU(inplace=True)) would change
            hooks.forward(module, lambda _m, _i, out, layer=layer: caught.__setitem__(
                layer, out.flatten(1).double().cpu().clone()))  # fmt: skip
        model(x)
    n = len(images)
    return {layer: (caught[layer][:n] - caught[layer][n:]).numpy() for layer in layers}


def _check_pair(
    images: torch.Tensor, masked_images: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Both finite float tensors ``(N, C, H, W)`` of one shape (NaN would read as a change)."""
    images = as_images(images, "images", expected="(N, C, H, W)")
    masked_images = as_images(masked_images, "masked_images", expected="(N, C, H, W)")
    if images.shape != masked_images.shape:
        raise ValueError(
            f"expected masked_images of the images' shape {tuple(images.shape)}, "
            f"got {tuple(masked_images.shape)}"
        )
    return images, masked_images


def _signs(x: np.ndarray, name: str = "eps") -> np.ndarray:
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name} must be an array of numbers, got {x!r}") from None
    # NaN has no sign: np.sign(nan).astype(int8) is an arbitrary integer, and Delta a number
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite values")
    return np.sign(array).astype(np.int8)


def hamming(a: np.ndarray, b: np.ndarray, count_shared_zeros: bool = True) -> float:
    """Normalised Hamming distance between the signs of ``a`` and ``b``: the fraction of
    dimensions where ``sign(a) != sign(b)``, with sign -1, 0 or +1 (two zeros agree).

    With ``count_shared_zeros=False`` the dimensions where both are 0 are left out of the
    fraction; if that leaves none (nothing changed in either), the distance is 0.

    Example:
        >>> hamming([1.0, -2.0, 0.0, 3.0], [2.0, 1.0, 0.0, -1.0])
        0.5
        >>> hamming([1.0, -2.0, 0.0, 3.0], [2.0, 1.0, 0.0, -1.0], count_shared_zeros=False)
        0.6666666666666666
    """
    sa, sb = _signs(a, "a"), _signs(b, "b")
    if sa.ndim != 1 or sa.shape != sb.shape or sa.size == 0:
        raise ValueError(
            f"expected two non-empty vectors of the same length, got shapes {sa.shape} and "
            f"{sb.shape}"
        )
    return float(pairwise_hamming(np.stack([sa, sb]), count_shared_zeros)[0, 1])


def pairwise_hamming(eps: np.ndarray, count_shared_zeros: bool = True) -> np.ndarray:
    """:func:`hamming` between the signs of every two rows of ``eps`` ``(N, D)``: ``(N, N)``,
    symmetric, 0 on the diagonal.

    Example:
        >>> pairwise_hamming(np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])).tolist()
        [[0.0, 0.5, 1.0], [0.5, 0.0, 0.5], [1.0, 0.5, 0.0]]
    """
    signs = _signs(eps)
    if signs.ndim != 2 or signs.shape[1] == 0:
        raise ValueError(f"expected eps of shape (N, D) with D >= 1, got {signs.shape}")
    # One-hot signs: the number of agreeing dimensions of two rows is a matrix product.
    onehot = [(signs == s).astype(np.float64) for s in (-1, 0, 1)]
    agree = sum(h @ h.T for h in onehot)
    total = np.full(agree.shape, float(signs.shape[1]))
    if not count_shared_zeros:
        both_zero = onehot[1] @ onehot[1].T
        agree, total = agree - both_zero, total - both_zero
    distance = np.divide(total - agree, total, out=np.zeros_like(agree), where=total > 0)
    np.fill_diagonal(distance, 0.0)
    return distance


def delta(eps: np.ndarray, reduction: str = "mean", count_shared_zeros: bool = True) -> float:
    """The paper's Delta for the changes ``eps`` ``(N, D)`` of N images: how much their signs
    disagree, pair by pair.

    ``reduction="mean"`` (the book's default): the mean of :func:`hamming` over the pairs
    ``i != j`` (ordered or not: the same number). ``"sum"``: the paper's literal sum over the
    ordered pairs ``i != j``, ``N (N - 1)`` times the mean.

    Example:
        >>> eps = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
        >>> delta(eps), delta(eps, reduction="sum")
        (0.6666666666666666, 4.0)
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    distances = pairwise_hamming(eps, count_shared_zeros)
    n = len(distances)
    if n < 2:
        raise ValueError(f"Delta needs the changes of at least 2 images, got {n}")
    total = float(distances.sum())  # ordered pairs; the diagonal is 0
    return total if reduction == "sum" else total / (n * (n - 1))


def _check_side(image_size: int, side: int) -> None:
    if isinstance(side, bool) or not isinstance(side, (int, np.integer)) or side < 1:
        raise ValueError(f"side must be a positive integer number of pixels, got {side!r}")
    if side > image_size:
        raise ValueError(f"a square of side {side} does not fit in an image of {image_size}")


def random_centres(
    image_size: int, side: int, n: int, seed: int = 0, within: np.ndarray | None = None
) -> np.ndarray:
    """``n`` random centres ``(x, y)`` of squares of ``side`` pixels that lie wholly inside the
    image, uniform over whole-pixel positions: ``(n, 2)`` float. The same ``seed`` gives the same
    centres.

    ``within``: an ``(H, H)`` bool map (the object's pixels); each square then lies wholly on it,
    uniform over the positions where it fits (the paper's random regions of the dog's face,
    Fig. 8), drawn with replacement.

    Example:
        >>> c = random_centres(10, 4, n=3, seed=0)
        >>> c.shape, bool(((c >= 2) & (c <= 8)).all())
        ((3, 2), True)
        >>> on = np.zeros((10, 10), bool); on[:5, :5] = True  # the top-left quarter
        >>> bool(random_centres(10, 4, n=2, within=on).max() <= 3.0)
        True
    """
    _check_side(image_size, side)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(seed)
    if within is None:
        corners = rng.integers(0, image_size - side + 1, size=(n, 2))
        return corners + side / 2
    within = np.asarray(within)
    if within.dtype != bool or within.shape != (image_size, image_size):
        raise ValueError(
            f"within must be a bool map of the image's {image_size}x{image_size} pixels, got "
            f"{within.dtype} of shape {within.shape}"
        )
    # A square fits where the count of object pixels under it is side**2 (summed-area table).
    table = np.pad(within.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    inside = (
        table[side:, side:] - table[:-side, side:] - table[side:, :-side] + table[:-side, :-side]
    )
    tops, lefts = np.nonzero(inside == side * side)  # (rows, cols) of fitting top-left corners
    if len(tops) == 0:
        raise ValueError(f"no square of side {side} lies wholly inside within; use a smaller side")
    pick = rng.integers(0, len(tops), size=n)
    return np.stack([lefts[pick], tops[pick]], axis=1) + side / 2


def jittered_centres(centre_xy: Sequence[float], jitter: int) -> np.ndarray:
    """``centre_xy`` and its 8 neighbours ``jitter`` pixels away (a 3x3 grid): ``(9, 2)``, or
    just the centre ``(1, 2)`` when ``jitter`` is 0.

    Example:
        >>> jittered_centres((5.0, 5.0), 2)[:3].tolist()
        [[3.0, 3.0], [3.0, 5.0], [3.0, 7.0]]
    """
    if isinstance(jitter, bool) or not isinstance(jitter, (int, np.integer)) or jitter < 0:
        raise ValueError(f"jitter must be a non-negative integer number of pixels, got {jitter!r}")
    steps = (-jitter, 0, jitter) if jitter else (0,)
    centre = np.asarray(centre_xy, dtype=np.float64)
    return np.array([centre + (dx, dy) for dx in steps for dy in steps])


def square_overlap(centres: np.ndarray, side: int, region: np.ndarray) -> np.ndarray:
    """For each centre ``(x, y)``, the share of its square's pixels that lie in ``region``
    (an ``(H, H)`` bool map, e.g. the object's pixels): ``(P,)`` in 0..1.

    Example:
        >>> region = np.zeros((8, 8), bool); region[:, :4] = True  # the left half
        >>> square_overlap(np.array([[2.0, 4.0], [4.0, 4.0]]), 4, region).tolist()
        [1.0, 0.5]
    """
    region = np.asarray(region)
    if region.dtype != bool or region.ndim != 2 or region.shape[0] != region.shape[1]:
        raise ValueError(
            f"expected a square bool region map (H, H), got {region.dtype} of shape {region.shape}"
        )
    centres = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    shares = []
    for c in centres:
        inside = region[part_mask(len(region), c, side)]
        shares.append(inside.mean() if inside.size else np.nan)  # a square wholly off the image
    return np.array(shares, dtype=np.float64)


def mask_delta(
    model: ConvNet,
    images: torch.Tensor,
    mask: np.ndarray,
    layers: Sequence[str | int] = (5, 7),
    fill: float = 0.0,
    reduction: str = "mean",
    count_shared_zeros: bool = True,
) -> dict[str | int, float]:
    """Delta at each of ``layers`` for ``mask`` applied to every image: ``{layer: Delta}``.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> x = torch.randn(3, 3, 64, 64)
        >>> d = mask_delta(net, x, part_mask(64, (32, 32), 12))
        >>> sorted(d), all(0.0 <= v <= 1.0 for v in d.values())
        ([5, 7], True)
    """
    images, _ = _check_pair(images, images)  # before masking: a NaN image would give a finite Delta
    check_input_size(model, tuple(images.shape), "images")
    hidden = masked(images, mask, fill)
    eps = _epsilons(model, images, hidden, layers)
    return {layer: delta(eps[layer], reduction, count_shared_zeros) for layer in layers}


@dataclass
class Correspondence:
    """Table 1 on one set of aligned images: Delta per masked region, layer and placement.

    Attributes:
        layers: the layers measured.
        side: side of the square mask in pixels.
        centres: region name -> ``(P, 2)`` the centres ``(x, y)`` of its P placements (the part's
            jittered keypoint, or the random positions for ``"random"``).
        deltas: ``(region, layer)`` -> ``(P,)`` Delta of each placement.
        reduction, count_shared_zeros: how Delta was computed (see :func:`delta`).

    The +- of :meth:`rows` is :meth:`std`, the standard deviation over placements (``ddof=0``).

    Example:
        >>> t = Correspondence((5,), side=3, centres={"eye": np.zeros((2, 2)),
        ...                                          "random": np.zeros((4, 2))})
        >>> t.deltas["eye", 5] = np.array([0.25, 0.75])
        >>> t.deltas["random", 5] = np.array([0.25, 0.75, 0.875, 1.0])
        >>> t.mean("eye", 5), t.std("eye", 5), t.random_below("eye", 5)
        (0.5, 0.25, 0.25)
        >>> t.rows()[0]
        {'masked': 'eye', 'layer 5': '0.500 ± 0.250'}
    """

    layers: tuple[str | int, ...]
    side: int
    centres: dict[str, np.ndarray] = field(default_factory=dict)
    deltas: dict[tuple[str, str | int], np.ndarray] = field(default_factory=dict)
    reduction: str = "mean"
    count_shared_zeros: bool = True

    @property
    def regions(self) -> list[str]:
        """The masked regions, parts first, then the random controls."""
        return list(self.centres)

    def mean(self, region: str, layer: str | int) -> float:
        """Mean Delta over the placements of ``region``'s square."""
        return float(self.deltas[region, layer].mean())

    def std(self, region: str, layer: str | int) -> float:
        """Standard deviation of Delta over the placements (0 for a single placement)."""
        return float(self.deltas[region, layer].std())

    def random_below(self, region: str, layer: str | int, control: str = RANDOM) -> float:
        """The share of ``control``'s random placements whose Delta is below ``region``'s mean
        Delta: near 0, the part is more consistent than almost any random square; near 0.5, no
        more than a typical one."""
        return float((self.deltas[control, layer] < self.mean(region, layer)).mean())

    def rows(self) -> list[dict[str, object]]:
        """One row per region, ``"layer l"`` columns as ``"mean +- std"`` text (Table 1)."""
        rows: list[dict[str, object]] = []
        for region in self.regions:
            row: dict[str, object] = {"masked": region.replace("_", " ")}
            for layer in self.layers:
                row[f"layer {layer}"] = (
                    f"{self.mean(region, layer):.3f} ± {self.std(region, layer):.3f}"
                )
            rows.append(row)
        return rows


def correspondence_table(
    model: ConvNet,
    images: torch.Tensor,
    keypoints: Mapping[str, Sequence[float]],
    layers: Sequence[str | int] = (5, 7),
    side: int = 15,
    n_random: int = 30,
    jitter: int = 2,
    seed: int = 0,
    fill: float = 0.0,
    reduction: str = "mean",
    count_shared_zeros: bool = True,
    object_mask: np.ndarray | None = None,
) -> Correspondence:
    """Table 1: Delta at ``layers`` for a square of ``side`` pixels over each part, and over
    ``n_random`` random positions.

    Args:
        model: the network; given back unchanged.
        images: ``(N, C, H, W)`` preprocessed, aligned images (N >= 2): a part's keypoint is at
            the same pixel in all of them.
        keypoints: part name -> ``(x, y)`` of that part in the images' pixels.
        layers: module names or paper layer numbers.
        side: the square's side in pixels.
        n_random: random placements of the control (:func:`random_centres`, ``seed``); each uses
            the same position in every image.
        jitter: each part's square is also shifted by this many pixels (:func:`jittered_centres`)
            and the spread over those 9 placements is the part's +- (0: one placement, no spread).
        fill, reduction, count_shared_zeros: see :func:`masked` and :func:`delta`.
        object_mask: an ``(H, W)`` bool map of the object's pixels, the same in all images
            (aligned): adds the control :data:`RANDOM_ON_OBJECT`, ``n_random`` squares that lie
            wholly on the object (the paper's control, Fig. 8), after :data:`RANDOM`.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> t = correspondence_table(net, torch.randn(3, 3, 64, 64), {"eye": (20, 20)},
        ...                          side=8, n_random=4, jitter=1)
        >>> t.regions, t.deltas["eye", 5].shape, t.deltas["random", 7].shape
        (['eye', 'random'], (9,), (4,))
    """
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or len(images) < 2:
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"expected at least 2 images as a tensor (N, C, H, W), got {shape}")
    if RANDOM in keypoints or RANDOM_ON_OBJECT in keypoints:
        raise ValueError(f"{RANDOM!r} names the random control; give the part another name")
    if not layers:
        raise ValueError("expected at least one layer")
    size = images.shape[-1]
    if images.shape[-2] != size:
        raise ValueError(f"expected square images, got {images.shape[-2]}x{size}")
    _check_side(size, side)
    centres = {name: jittered_centres(xy, jitter) for name, xy in keypoints.items()}
    centres[RANDOM] = random_centres(size, side, n_random, seed)
    if object_mask is not None:
        centres[RANDOM_ON_OBJECT] = random_centres(size, side, n_random, seed, object_mask)
    table = Correspondence(tuple(layers), int(side), centres, {}, reduction, count_shared_zeros)
    for region, where in centres.items():
        found = [
            mask_delta(model, images, part_mask(size, c, side), layers, fill, reduction,
                       count_shared_zeros)
            for c in where
        ]  # fmt: skip
        for layer in layers:
            table.deltas[region, layer] = np.array([d[layer] for d in found])
    return table
