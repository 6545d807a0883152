"""Fig. 6: measures of what a first layer's size and stride do to layers 1 and 2.

Zeiler & Fergus looked at AlexNet's layer 1 (11x11 filters, stride 4) and layer 2 and saw three
problems (section 4.1): filters that are "dead" (never respond), a mix of very high and very low
frequencies with little in between, and "aliasing artifacts" in layer 2 caused by the large
stride. With 7x7 filters at stride 2 (and stride 2 in layer 2) all three went away. The paper
shows pictures; this module puts a number on each:

* :func:`dead_filters`: a map of a layer is dead if its ReLU output is almost never positive on
  real images (:func:`active_fraction`): the filter takes no part in what follows.
* :func:`band_energy`: the share of each filter's spectral energy at low, mid and high spatial
  frequencies (cycles per input pixel).
* :func:`aliased_energy`: the share of each filter's energy above the Nyquist frequency of its
  own output grid, ``1 / (2 * stride)``: that part cannot be represented after subsampling and
  folds back onto lower frequencies (aliasing, in the signal-processing sense).
* :func:`shift_aliasing`: how much a layer's responses to a grating change when the grating
  moves by whole pixels. A representation without aliasing responds to a shifted pattern with a
  shifted response, whose total over the map does not change; subsampling without enough
  smoothing makes the total swing with the shift. The measure is that swing relative to the
  mean response.

The paper's claims about the two first layers are judged by ``claim_...`` functions returning
:class:`zfviz.core.claims.Verdict` (one network, or one seed of each first layer; combine seeds with
:func:`zfviz.core.claims.over_seeds`). Each compares what *training* made of the two architectures,
or trained with untrained, since an ordering that random filters already show is the stride's
doing and says nothing about the learned features:

* :func:`claim_training_widens_aliasing`: training makes the AlexNet-style layer alias more than
  ZFNet's by more than it already did untrained;
* :func:`claim_little_mid_frequency`: the AlexNet-style filters cover the mid frequencies less
  than the low and the high ones, and less than ZFNet's;
* :func:`claim_fewer_dead_filters`: the AlexNet-style layer 1 has more dead filters than ZFNet's;
* :func:`claim_zfnet_more_accurate`: ZFNet's validation error is lower (Table 2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from zfviz.core.claims import Verdict, all_of, at_least
from zfviz.core.hooks import borrowed
from zfviz.methods.deconvnet import resolve_layer, walk

__all__ = [
    "active_fraction",
    "dead_filters",
    "spectrum",
    "band_energy",
    "aliased_energy",
    "grating",
    "shift_aliasing",
    "orientation_energy",
    "orientation_selectivity",
    "colour_share",
    "gabor",
    "filter_character",
    "character_change",
    "filter_measures",
    "claim_training_widens_aliasing",
    "claim_little_mid_frequency",
    "claim_fewer_dead_filters",
    "claim_zfnet_more_accurate",
]

BANDS = (0.125, 0.25)  # cycles per pixel: low < 1/8 <= mid < 1/4 <= high
# Below this radial frequency (cycles per pixel) orientation is left out: the few grid points
# near DC lie on the axes, so a smooth blob's low frequencies would read as "horizontal and
# vertical". From 1/16 on, a 32-point grid has points at every angle.
MIN_ORIENTED_FREQUENCY = 1 / 16


def _conv(conv: nn.Module) -> nn.Conv2d:
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"expected an nn.Conv2d (e.g. model.features.conv1), got {type(conv)}")
    return conv


def _upto(model: nn.Module, layer: str | int) -> list[nn.Module]:
    """The feature modules of ``model`` from the input up to and including ``layer``."""
    steps = walk(model)
    name = resolve_layer(model, layer)
    modules = []
    for step_name, module in steps:
        modules.append(module)
        if step_name == name:
            break
    return modules


@torch.no_grad()
def _run(model: nn.Module, layer: str | int, x: torch.Tensor) -> torch.Tensor:
    # Runs the modules directly rather than through zfviz.methods.deconvnet.activations, which
    # checks the input against the model's training size: the measures here may use larger canvases.
    modules = _upto(model, layer)
    with borrowed(model):
        x = x.to(next(model.parameters()).device)
        for module in modules:
            x = module(x)
    return x


def active_fraction(
    model: nn.Module, images: torch.Tensor, layer: str | int = "relu1", batch_size: int = 256
) -> torch.Tensor:
    """For each map of ``layer``, the fraction of (image, position) pairs where it is positive.

    Args:
        model: a zfviz ConvNet (or a Sequential :func:`zfviz.methods.deconvnet.walk`
            accepts); used in eval mode and given back unchanged.
        images: preprocessed ``(N, 3, H, W)`` images.
        layer: a layer after a ReLU, by name or paper layer number.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU())
        >>> with torch.no_grad():
        ...     _ = net[0].weight.fill_(1.0)
        ...     _ = net[0].bias.copy_(torch.tensor([0.0, -10.0]))
        >>> active_fraction(net, torch.rand(4, 1, 5, 5), layer="1")
        tensor([1., 0.])
    """
    if not isinstance(images, torch.Tensor) or images.dim() != 4 or len(images) == 0:
        raise ValueError(f"expected a non-empty (N, C, H, W) tensor of images, got {images!r:.60}")
    positive, total = None, 0
    for i in range(0, len(images), batch_size):
        out = _run(model, layer, images[i : i + batch_size]).cpu()
        counts = (out > 0).sum(dim=(0, 2, 3)).double()
        positive = counts if positive is None else positive + counts
        total += out.shape[0] * out.shape[2] * out.shape[3]
    return (positive / total).float()


def dead_filters(
    model: nn.Module, images: torch.Tensor, layer: str | int = "relu1", min_active: float = 0.01
) -> torch.Tensor:
    """Which maps of ``layer`` are dead: positive at fewer than ``min_active`` of all positions.

    A dead map passes nothing on, so its filter is wasted capacity (the "dead features" of
    Fig. 6b). Returns a bool tensor, one entry per map.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 3, 1), nn.ReLU())
        >>> with torch.no_grad():
        ...     _ = net[0].weight.fill_(1.0)
        ...     _ = net[0].bias.copy_(torch.tensor([0.0, -0.5, -10.0]))
        >>> dead_filters(net, torch.rand(8, 1, 6, 6), layer="1").tolist()
        [False, False, True]
    """
    if not 0 <= min_active < 1:
        raise ValueError(f"min_active must be in [0, 1), got {min_active}")
    return active_fraction(model, images, layer) < min_active


def spectrum(conv: nn.Conv2d, size: int = 32) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Power spectrum of each filter, summed over input channels, on a ``size`` x ``size`` grid.

    Returns ``(power, fy, fx)``: ``power`` is ``(out_channels, size, size)``, ``fy`` and ``fx``
    the frequency of each grid point in cycles per input pixel (-0.5 .. 0.5). The filter is
    zero-padded to ``size`` so the spectrum is sampled finely.

    Example:
        >>> conv = nn.Conv2d(1, 1, 3, bias=False)
        >>> power, fy, fx = spectrum(conv, size=8)
        >>> power.shape, float(fx.max())
        (torch.Size([1, 8, 8]), 0.375)
    """
    conv = _conv(conv)
    w = conv.weight.detach().double().cpu()
    if size < max(w.shape[-2:]):
        raise ValueError(f"size must be at least the kernel size {tuple(w.shape[-2:])}, got {size}")
    power = torch.fft.fft2(w, s=(size, size)).abs().pow(2).sum(dim=1)
    freqs = torch.fft.fftfreq(size, dtype=torch.float64)
    fy, fx = torch.meshgrid(freqs, freqs, indexing="ij")
    return power, fy, fx


def _shares(power: torch.Tensor, masks: Sequence[torch.Tensor]) -> torch.Tensor:
    total = power.sum(dim=(1, 2)).clamp_min(1e-30)
    return torch.stack([(power * m).sum(dim=(1, 2)) / total for m in masks], dim=1).float()


def band_energy(
    conv: nn.Conv2d, edges: tuple[float, float] = BANDS, size: int = 32
) -> torch.Tensor:
    """Share of each filter's spectral energy in the low, mid and high band: ``(out, 3)``.

    Bands are by radial frequency ``sqrt(fx**2 + fy**2)`` in cycles per pixel: below
    ``edges[0]``, between the edges, and above ``edges[1]`` (default 1/8 and 1/4). Rows sum to 1.

    Example:
        >>> conv = nn.Conv2d(1, 1, 8, bias=False)
        >>> with torch.no_grad():
        ...     _ = conv.weight.fill_(1.0)  # a flat filter: all energy at frequency 0
        >>> band_energy(conv, size=8)
        tensor([[1., 0., 0.]])
    """
    low, high = edges
    if not 0 < low < high:
        raise ValueError(f"edges must be increasing and positive, got {edges}")
    power, fy, fx = spectrum(conv, size)
    radius = (fx**2 + fy**2).sqrt()
    masks = [radius < low, (radius >= low) & (radius < high), radius >= high]
    return _shares(power, [m.double() for m in masks])


def aliased_energy(conv: nn.Conv2d, size: int = 32) -> torch.Tensor:
    """Share of each filter's energy above its output's Nyquist frequency, ``1 / (2 stride)``.

    A response sampled every ``stride`` pixels can only represent frequencies up to
    ``1 / (2 stride)`` along each axis; filter energy beyond that folds back (aliases) onto
    lower frequencies. Stride 1 never aliases (0 for every filter).

    Example:
        >>> conv = nn.Conv2d(1, 1, 4, stride=2, bias=False)
        >>> with torch.no_grad():
        ...     _ = conv.weight.copy_(torch.tensor([1.0, -1.0] * 8).view(1, 1, 4, 4))
        >>> aliased_energy(conv, size=4)  # stripes at 0.5 cycles/pixel, Nyquist 0.25
        tensor([1.])
    """
    conv = _conv(conv)
    power, fy, fx = spectrum(conv, size)
    sy, sx = conv.stride
    over = (fy.abs() > 0.5 / sy + 1e-9) | (fx.abs() > 0.5 / sx + 1e-9)
    return _shares(power, [over.double()])[:, 0]


def grating(
    size: int, period: int, shift: int = 0, orientation: str = "vertical", amplitude: float = 1.0
) -> torch.Tensor:
    """A grey sinusoidal grating ``(3, size, size)``, moved by ``shift`` pixels.

    ``"vertical"`` stripes vary along x and move right; ``"horizontal"`` ones vary along y and
    move down; ``"diagonal"`` ones vary along x + y and move right. Values in
    ``[-amplitude, amplitude]`` (a preprocessed input is about -1..1).

    Example:
        >>> g = grating(4, period=2)
        >>> g[0, 0].tolist()
        [1.0, -1.0, 1.0, -1.0]
        >>> bool(torch.equal(grating(8, 4, shift=1)[:, :, 1:], grating(8, 4)[:, :, :-1]))
        True
    """
    if period < 2 or size < 1:
        raise ValueError(f"expected period >= 2 and size >= 1, got period={period}, size={size}")
    y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    coordinate = {"vertical": x, "horizontal": y, "diagonal": x + y}
    if orientation not in coordinate:
        raise ValueError(
            f"unknown orientation {orientation!r}; choose 'vertical', 'horizontal' or 'diagonal'"
        )
    phase = 2 * np.pi * (coordinate[orientation] - shift).double() / period
    image = (amplitude * torch.cos(phase)).float()
    return torch.where(image.abs() < 1e-6, torch.zeros_like(image), image).expand(3, -1, -1)


def shift_aliasing(
    model: nn.Module,
    layer: str | int = "relu2",
    size: int = 96,
    periods: Sequence[int] = (4, 8, 16),
    orientations: Sequence[str] = ("vertical", "horizontal"),
    amplitude: float = 1.0,
    margin: float = 0.25,
) -> float:
    """How much ``layer``'s total response swings as gratings move pixel by pixel (0 = none).

    For each grating (every period and orientation), the grating is moved by 0, 1, ...,
    ``period - 1`` pixels (one full cycle), and each map's mean response over the central part
    of the map (``margin`` of its side dropped at each edge, away from the zero padding) is
    recorded. A shift-equivariant representation gives the same mean at every shift; aliasing
    makes it swing. The measure is the sum over maps of the standard deviation over shifts,
    divided by the sum over maps of the mean, averaged over the gratings.

    Args:
        model: a zfviz ConvNet or a Sequential :func:`zfviz.methods.deconvnet.walk` accepts; run on
            ``size`` x ``size`` canvases (any size: only the conv layers run); given back
            unchanged.
        layer: where to measure (default: layer 2's ReLU, before its pooling).

    Example:
        >>> net = nn.Sequential(nn.Conv2d(3, 1, 1, stride=2, bias=False), nn.ReLU())
        >>> with torch.no_grad():
        ...     _ = net[0].weight.fill_(1 / 3)
        >>> shift_aliasing(net, "1", size=8, periods=[2], orientations=["vertical"], margin=0)
        1.0
    """
    if not 0 <= margin < 0.5:
        raise ValueError(f"margin must be in [0, 0.5), got {margin}")
    if not periods or not orientations:
        raise ValueError("need at least one period and one orientation")
    scores = []
    for period in periods:
        for orientation in orientations:
            batch = torch.stack(
                [grating(size, period, t, orientation, amplitude) for t in range(period)]
            )
            maps = _run(model, layer, batch).double().cpu()
            h, w = maps.shape[-2:]
            top, left = int(h * margin), int(w * margin)
            centre = maps[:, :, top : h - top, left : w - left].mean(dim=(2, 3))  # (shift, map)
            mean = centre.mean(0).sum()
            spread = centre.std(0, unbiased=False).sum()
            scores.append(float(spread / mean) if mean > 0 else 0.0)
    return float(np.mean(scores))


def orientation_energy(conv: nn.Conv2d, bands: int = 8, size: int = 32) -> torch.Tensor:
    """Share of each filter's energy in ``bands`` orientation bands: ``(out, bands)``.

    The orientation of a frequency ``(fy, fx)`` is its angle modulo 180 degrees (a grating and
    its mirror image are the same stripes); band ``b`` holds the angles within half a band of
    ``b * 180 / bands`` degrees, band 0 centred on stripes that vary along x.
    Frequencies below :data:`MIN_ORIENTED_FREQUENCY` (the DC term, a filter's mean, and the
    smoothest variations) have no usable orientation and are left out. Rows sum to 1 (0 for a
    filter with no energy there).

    Example:
        >>> conv = nn.Conv2d(1, 1, 8, bias=False)
        >>> with torch.no_grad():  # stripes that vary along x: all energy at angle 0
        ...     _ = conv.weight.copy_(torch.tensor([1.0, -1.0] * 4).expand(8, 8).view(1, 1, 8, 8))
        >>> orientation_energy(conv, bands=4, size=8)
        tensor([[1., 0., 0., 0.]])
    """
    if not isinstance(bands, int) or bands < 2:
        raise ValueError(f"bands must be an integer >= 2, got {bands!r}")
    power, fy, fx = spectrum(conv, size)
    width = np.pi / bands
    angle = torch.remainder(torch.atan2(fy, fx) + width / 2, np.pi)  # bands centred on b * width
    band = torch.clamp((angle / width).floor().long(), max=bands - 1)
    oriented = (fx**2 + fy**2).sqrt() >= MIN_ORIENTED_FREQUENCY
    masks = [((band == b) & oriented).double() for b in range(bands)]
    shares = torch.stack([(power * m).sum(dim=(1, 2)) for m in masks], dim=1)
    return (shares / shares.sum(dim=1, keepdim=True).clamp_min(1e-30)).float()


def orientation_selectivity(conv: nn.Conv2d, bands: int = 8, size: int = 32) -> torch.Tensor:
    """Each filter's largest orientation-band share (:func:`orientation_energy`): ``(out,)``.

    1 for a filter whose energy lies in one orientation band (an edge or stripe detector, as
    the paper's layer 1 shows); near ``1 / bands`` for a blob or for white noise. How far a
    layer's mean rises above a random-initialised layer's mean is the number a caption such as
    "oriented edges" can stand on.

    Example:
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> noise = nn.Conv2d(3, 64, 7)
        >>> 0.15 < float(orientation_selectivity(noise, bands=8).mean()) < 0.25
        True
    """
    return orientation_energy(conv, bands, size).max(dim=1).values


def colour_share(conv: nn.Conv2d) -> torch.Tensor:
    """Share of each filter's energy in colour (the part that is not the same in R, G and B).

    A filter's weights ``w[c, y, x]`` split into a grey part (the mean over the three colour
    channels, repeated) and a colour part (the rest); the share is the colour part's energy over
    the whole energy, ``(out,)``. 0 for a grey edge, 2/3 on average for white noise, near 1 for
    a colour-opponent blob (red against green). Needs three input channels.

    Example:
        >>> conv = nn.Conv2d(3, 2, 1, bias=False)
        >>> with torch.no_grad():
        ...     _ = conv.weight.copy_(torch.tensor([[1.0, 1, 1], [1, -1, 0]]).view(2, 3, 1, 1))
        >>> colour_share(conv)
        tensor([0., 1.])
    """
    conv = _conv(conv)
    w = conv.weight.detach().double().cpu()
    if w.shape[1] != 3:
        raise ValueError(f"colour_share needs a layer with 3 input channels, got {w.shape[1]}")
    grey = w.mean(dim=1, keepdim=True).expand_as(w)
    total = w.pow(2).sum(dim=(1, 2, 3)).clamp_min(1e-30)
    return ((w - grey).pow(2).sum(dim=(1, 2, 3)) / total).float()


def gabor(size: int = 7, period: float = 4.0, angle: float = 0.0, sigma: float = 1.5) -> nn.Conv2d:
    """A grey Gabor edge detector as a one-filter layer ``(1, 3, size, size)``: the reference
    against which a learnt first layer's orientation selectivity can be read.

    Stripes of ``period`` pixels whose intensity varies along ``angle`` degrees (0: along x),
    under a Gaussian window of ``sigma`` pixels; odd phase (an edge, not a bar).

    Example:
        >>> round(float(orientation_selectivity(gabor(7, angle=0.0))[0]), 2)
        0.45
    """
    if size < 3 or period <= 0 or sigma <= 0:
        raise ValueError(
            f"expected size >= 3, period > 0, sigma > 0; got {size}, {period}, {sigma}"
        )
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    y, x = torch.meshgrid(r, r, indexing="ij")
    theta = np.deg2rad(angle)
    along = x * np.cos(theta) + y * np.sin(theta)
    w = torch.exp(-(x**2 + y**2) / (2 * sigma**2)) * torch.sin(2 * np.pi * along / period)
    conv = nn.Conv2d(3, 1, size, bias=False)
    with torch.no_grad():
        conv.weight.copy_(w.float().expand(1, 3, size, size))
    return conv


def filter_character(conv: nn.Conv2d) -> dict[str, float]:
    """A first layer's filters in two numbers, means over its filters: how oriented they are
    (:func:`orientation_selectivity`, 8 bands: 1/8 for none, 0.45 for a 7x7 Gabor edge,
    :func:`gabor`) and how coloured (:func:`colour_share`: 0 for grey, 2/3 for white noise).
    The paper's layer 1 shows oriented grey edges and colour-opponent blobs; set beside the
    same layer at initialisation, the two numbers say whether training moved filters that way.

    Example:
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> sorted(filter_character(nn.Conv2d(3, 16, 7)))
        ['colour share', 'orientation selectivity']
    """
    return {
        "orientation selectivity": float(orientation_selectivity(conv).mean()),
        "colour share": float(colour_share(conv).mean()),
    }


def character_change(trained: dict[str, float], initial: dict[str, float]) -> str:
    """In words, which way training moved a first layer's :func:`filter_character`: towards
    oriented filters (selectivity up), towards grey ones (colour share down), both or neither.

    Example:
        >>> character_change({"orientation selectivity": 0.3, "colour share": 0.5},
        ...                  {"orientation selectivity": 0.2, "colour share": 0.6})
        'towards oriented, greyer ones'
    """
    oriented = trained["orientation selectivity"] > initial["orientation selectivity"]
    greyer = trained["colour share"] < initial["colour share"]
    return {
        (True, True): "towards oriented, greyer ones",
        (True, False): "towards oriented ones, but not greyer",
        (False, True): "towards greyer ones, but not oriented",
        (False, False): "neither towards oriented nor greyer ones",
    }[oriented, greyer]


# ---- the claims of Sec. 4.1, Fig. 6 and Table 2 ------------------------------------------

FIG6 = "Sec. 4.1, Fig. 6"


def filter_measures(model: nn.Module, images: torch.Tensor) -> dict[str, float]:
    """The measures Fig. 6 reads off a network's first layers, in one dictionary.

    Args:
        model: a zfviz ConvNet (its first layer is ``model.features.conv1``); used in eval
            mode and given back unchanged.
        images: preprocessed ``(N, 3, H, W)`` validation images (for the dead-filter count).

    Returns:
        ``"dead layer-1 filters"`` (:func:`dead_filters` at 1%), the mean shares of the
        ``"low band"``, ``"mid band"`` and ``"high band"`` (:func:`band_energy`), the mean
        ``"aliased energy"`` (:func:`aliased_energy`), and ``"shift aliasing, layer 2"`` and
        ``"shift aliasing, layer 1"`` (:func:`shift_aliasing` at relu2 and relu1).

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> _ = torch.manual_seed(0)
        >>> net = zfnet(num_classes=3, input_size=64, width=0.125, fc_units=16)
        >>> sorted(filter_measures(net, torch.randn(2, 3, 64, 64)))[:3]
        ['aliased energy', 'dead layer-1 filters', 'high band']
    """
    conv1 = model.features.conv1
    bands = band_energy(conv1).mean(0)
    return {
        "dead layer-1 filters": int(dead_filters(model, images).sum()),
        "low band": float(bands[0]),
        "mid band": float(bands[1]),
        "high band": float(bands[2]),
        "aliased energy": float(aliased_energy(conv1).mean()),
        "shift aliasing, layer 2": shift_aliasing(model, "relu2"),
        "shift aliasing, layer 1": shift_aliasing(model, "relu1"),
    }


def claim_training_widens_aliasing(
    alexnet_trained: float,
    alexnet_untrained: float,
    zfnet_trained: float,
    zfnet_untrained: float,
    layer: str = "layer 2",
) -> Verdict:
    """Sec. 4.1, Fig. 6 d, e: the trained AlexNet-style layer aliases more than ZFNet's, and by
    more than the same two architectures do untrained.

    The arguments are one aliasing measure (:func:`shift_aliasing`) of each network, trained and
    at initialisation (same seed). That a stride-4 layer aliases more than a stride-2 one is
    already true of random filters, since the Nyquist limit depends only on the stride; what
    can fail is that the *learned* features make it worse: the trained gap (AlexNet-style minus
    ZFNet) exceeds the untrained gap. The margin is the smaller of the trained gap and its
    growth.

    Example:
        >>> claim_training_widens_aliasing(0.9, 0.5, 0.5, 0.4).holds  # gap 0.1 -> 0.4
        True
        >>> claim_training_widens_aliasing(0.6, 0.5, 0.5, 0.4).holds  # gap 0.1 -> 0.1
        False
    """
    trained_gap = alexnet_trained - zfnet_trained
    untrained_gap = alexnet_untrained - zfnet_untrained
    parts = [
        at_least(
            "",
            "",
            f"AlexNet-style {layer} trained",
            alexnet_trained,
            f"ZFNet {layer} trained",
            zfnet_trained,
        ),
        at_least("", "", "trained gap", trained_gap, "untrained gap", untrained_gap),
    ]
    claim = f"training makes the AlexNet-style {layer} alias more than ZFNet's (shift swing)"
    return all_of(claim, FIG6 + " d, e", parts)


def claim_little_mid_frequency(
    alexnet_conv1: nn.Conv2d, zfnet_conv1: nn.Conv2d, edges: tuple[float, float] = BANDS
) -> Verdict:
    """Sec. 4.1, Fig. 6 b, c: the AlexNet-style layer-1 filters are "a mix of extremely high and
    low frequency information, with little coverage of the mid frequencies"; ZFNet's cover
    them more.

    Judged on the mean :func:`band_energy` of each layer's filters: the AlexNet-style mid-band
    share is below its low- and its high-band share, and below ZFNet's mid-band share. Random
    filters fail it (white noise puts more energy in the mid band than in the small low band).
    The margin is the smallest of the three leads.

    Example:
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> claim_little_mid_frequency(nn.Conv2d(3, 96, 11, 4), nn.Conv2d(3, 96, 7, 2)).holds
        False
    """
    a = band_energy(alexnet_conv1, edges).mean(0).tolist()
    z = band_energy(zfnet_conv1, edges).mean(0).tolist()
    parts = [
        at_least("", "", "AlexNet-style low band", a[0], "AlexNet-style mid band", a[1]),
        at_least("", "", "AlexNet-style high band", a[2], "AlexNet-style mid band", a[1]),
        at_least("", "", "ZFNet mid band", z[1], "AlexNet-style mid band", a[1]),
    ]
    claim = "the AlexNet-style layer 1 covers the mid frequencies little, ZFNet's more"
    return all_of(claim, FIG6 + " b, c", parts)


def claim_fewer_dead_filters(alexnet_dead: int, zfnet_dead: int) -> Verdict:
    """Sec. 4.1, Fig. 6 b, c: the AlexNet-style layer 1 has dead filters, ZFNet's fewer.

    The arguments are the numbers of dead layer-1 maps (:func:`dead_filters`) of one network of
    each. Holds when the AlexNet-style layer has more; two layers without dead filters do not
    show the claim (a tie is not "fewer"). The margin is the difference in filters.

    Example:
        >>> claim_fewer_dead_filters(3, 0).holds, claim_fewer_dead_filters(0, 0).holds
        (True, False)
    """
    for name, n in (("alexnet_dead", alexnet_dead), ("zfnet_dead", zfnet_dead)):
        if int(n) != n or n < 0:
            raise ValueError(f"{name} must be a count of filters, got {n!r}")
    return at_least(
        "the AlexNet-style layer 1 has more dead filters than ZFNet's",
        FIG6 + " b, c",
        "AlexNet-style dead filters",
        int(alexnet_dead),
        "ZFNet dead filters",
        int(zfnet_dead),
    )


def claim_zfnet_more_accurate(alexnet_error: float, zfnet_error: float) -> Verdict:
    """Table 2: ZFNet's first layer gives a lower top-1 error than the AlexNet-style one.

    The arguments are the validation top-1 errors (fractions) of one network of each, trained
    with the same budget and seed; judge every seed (:func:`zfviz.core.claims.over_seeds`), so
    that the claim reproduces only when ZFNet is ahead on each. The margin is AlexNet-style
    minus ZFNet error, in points of error (percent).

    Example:
        >>> v = claim_zfnet_more_accurate(0.405, 0.384)  # the paper's Table 2
        >>> v.holds, round(v.margin, 1)
        (True, 2.1)
    """
    for name, e in (("alexnet_error", alexnet_error), ("zfnet_error", zfnet_error)):
        if not 0 <= e <= 1:
            raise ValueError(f"{name} must be an error rate in [0, 1], got {e!r}")
    return at_least(
        "ZFNet's top-1 error is lower than the AlexNet-style one's",
        "Table 2",
        "AlexNet-style top-1 error (%)",
        100 * alexnet_error,
        "ZFNet top-1 error (%)",
        100 * zfnet_error,
    )
