"""Fig. 1 of the paper, drawn by code from the book's own network: a deconvnet layer attached
to a convnet layer, and max unpooling with switches on a small example.

The block diagram reads its numbers (kernel, stride, maps, the maps' sizes) from the
:class:`zfviz.nets.models.ArchSpec` it is given, so the picture is of the network the chapter
studies, not a copy of the paper's. The unpooling panels run the deconvnet's own
:func:`zfviz.methods.deconvnet.unpool` on a 6x6 example: what is drawn is what the code does.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from zfviz.book.plotting import PAGE_WIDTH
from zfviz.core.checks import check_int
from zfviz.methods.deconvnet import unpool
from zfviz.nets.models import POOL_KERNEL, POOL_STRIDE, ArchSpec, feature_sizes

__all__ = ["layer_boxes", "unpooling_example", "deconvnet_diagram"]

CONVNET, DECONVNET = "#dbe8f6", "#f9e3cf"  # the two halves' fills
BOX = 0.38  # a box's width, in fractions of the figure


def _shape(shape: tuple[int, int, int]) -> str:
    return f"{shape[0]} x {shape[1]} x {shape[2]}"


def layer_boxes(spec: ArchSpec, layer: int) -> tuple[list[str], list[str]]:
    """The labels of Fig. 1's boxes for conv layer ``layer`` of ``spec``: the convnet's, bottom
    to top, and the deconvnet's, top to bottom. Each names the operation with its numbers.

    Example:
        >>> from zfviz.nets.models import zfnet_spec
        >>> up, down = layer_boxes(zfnet_spec(), 2)
        >>> up[1], down[1]
        ('filtering {F}: 5x5, stride 2, 256 maps', 'max unpooling (switches)')
    """
    numbers = [conv.layer for conv in spec.convs]
    layer = check_int(layer, "layer")
    if layer not in numbers:
        raise ValueError(f"layer must be one of the spec's conv layers {numbers}, got {layer}")
    conv = spec.convs[numbers.index(layer)]
    if not conv.pool:
        pooled = [c.layer for c in spec.convs if c.pool]
        raise ValueError(f"layer {layer} has no max-pool to unpool; layers with one: {pooled}")
    sizes = feature_sizes(spec)
    i = numbers.index(layer)
    below = (
        (spec.in_channels, spec.input_size, spec.input_size)
        if i == 0
        else sizes[f"pool{numbers[i - 1]}"]
        if spec.convs[i - 1].pool
        else sizes[f"conv{numbers[i - 1]}"]
    )
    conv_out, pooled = sizes[f"conv{layer}"], sizes[f"pool{layer}"]
    window = f"{POOL_KERNEL}x{POOL_KERNEL}, stride {POOL_STRIDE}"
    up = [
        f"layer below: pooled maps {_shape(below)}",
        f"filtering {{F}}: {conv.kernel}x{conv.kernel}, stride {conv.stride}, {conv.maps} maps",
        f"feature maps {_shape(conv_out)}",
        "rectified linear function",
        f"rectified feature maps {_shape(conv_out)}",
        f"max pooling {window}",
        f"pooled maps {_shape(pooled)}",
    ]
    down = [
        f"layer above: reconstruction {_shape(pooled)}",
        "max unpooling (switches)",
        f"unpooled maps {_shape(conv_out)}",
        "rectified linear function",
        f"rectified unpooled maps {_shape(conv_out)}",
        f"filtering {{F^T}}: the {conv.kernel}x{conv.kernel} filters, transposed",
        f"reconstruction {_shape(below)}",
    ]
    return up, down


def unpooling_example(seed: int = 0) -> dict[str, np.ndarray]:
    """A 6x6 map, its 3x3 stride-2 max-pool (ceil mode, as the book's networks pool), the
    switches, and the pooled values unpooled by :func:`zfviz.methods.deconvnet.unpool`.

    Example:
        >>> ex = unpooling_example()
        >>> ex["map"].shape, ex["pooled"].shape, ex["unpooled"].shape
        ((6, 6), (3, 3), (6, 6))
        >>> bool(np.all(ex["unpooled"][ex["unpooled"] > 0] >= ex["pooled"].min()))
        True
    """
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.integers(0, 10, (1, 1, 6, 6)), dtype=torch.float32)
    pooled, switches = F.max_pool2d(
        x, POOL_KERNEL, POOL_STRIDE, ceil_mode=True, return_indices=True
    )
    unpooled = unpool(pooled, switches, (6, 6))
    return {
        "map": x[0, 0].numpy(),
        "pooled": pooled[0, 0].numpy(),
        "switches": switches[0, 0].numpy(),
        "unpooled": unpooled[0, 0].numpy(),
    }


def _column(ax, labels: list[str], x: float, colour: str, downward: bool) -> list[tuple]:
    n = len(labels)
    ys = np.linspace(0.93, 0.07, n) if downward else np.linspace(0.07, 0.93, n)
    centres = []
    for k, (label, y) in enumerate(zip(labels, ys, strict=True)):
        operation = k % 2 == 1  # operations alternate with the maps they produce
        box = FancyBboxPatch(
            (x - BOX / 2, y - 0.04), BOX, 0.08, boxstyle="round,pad=0.005,rounding_size=0.015",
            facecolor="white" if not operation else colour, edgecolor="#555555", lw=0.8,
        )  # fmt: skip
        ax.add_patch(box)
        ax.text(x, y, label, ha="center", va="center", fontsize=7)
        centres.append((x, y))
        if k:  # an arrow from the previous box's edge to this one's
            y0 = centres[k - 1][1]
            half = -0.04 if downward else 0.04
            arrow = FancyArrowPatch((x, y0 + half), (x, y - half), arrowstyle="-|>",
                                    mutation_scale=8, lw=0.8, color="#333333")  # fmt: skip
            ax.add_patch(arrow)
    return centres


def deconvnet_diagram(spec: ArchSpec, layer: int = 2) -> Figure:
    """Fig. 1: the deconvnet layer (left, top to bottom) attached to conv layer ``layer`` of
    ``spec`` (right, bottom to top), the switches passed from pooling to unpooling and the
    filters shared, transposed; below, unpooling on a 6x6 example.

    Example:
        >>> from zfviz.nets.models import zfnet_spec
        >>> fig = deconvnet_diagram(zfnet_spec(), 2)
        >>> len(fig.axes)
        4
        >>> plt.close(fig)
    """
    up, down = layer_boxes(spec, layer)
    example = unpooling_example()
    fig = plt.figure(figsize=(PAGE_WIDTH, 8.4))
    grid = fig.add_gridspec(2, 3, height_ratios=[3.2, 1.6], hspace=0.2, wspace=0.25)
    ax = fig.add_subplot(grid[0, :])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    left = _column(ax, down, 0.2, DECONVNET, downward=True)
    right = _column(ax, up, 0.8, CONVNET, downward=False)
    ax.text(0.2, 1.0, f"deconvnet layer {layer}", ha="center", fontsize=9, weight="bold")
    ax.text(0.8, 1.0, f"convnet layer {layer}", ha="center", fontsize=9, weight="bold")
    # the switches go from the convnet's pooling to the deconvnet's unpooling; the filters
    # from the convnet's filtering to the deconvnet's (transposed)
    for (a, b), colour, label, dy, style in (
        ((5, 1), "#b03030", "switches", 0.05, "-"),
        ((1, 5), "#2f5d8a", "filters {F}, transposed", -0.06, "--"),
    ):
        start, end = (right[a][0] - BOX / 2, right[a][1]), (left[b][0] + BOX / 2, left[b][1])
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9, lw=1.2,
                                     color=colour, linestyle=style))  # fmt: skip
        ax.text(0.5, (start[1] + end[1]) / 2 + dy, label, color=colour, ha="center", fontsize=8)

    panels = [
        ("a feature map (6 x 6)", example["map"]),
        ("pooled, 3x3 stride 2", example["pooled"]),
        ("unpooled with the switches", example["unpooled"]),
    ]
    for k, (title, values) in enumerate(panels):
        sub = fig.add_subplot(grid[1, k])
        top = float(values.max()) or 1.0
        sub.imshow(values, cmap="Greys", vmin=0, vmax=top)
        for (r, c), v in np.ndenumerate(values):
            if k < 2 or v:  # the unpooled map is zero where no switch points
                colour = "white" if v > top / 2 else "black"
                sub.text(c, r, f"{v:g}", ha="center", va="center", fontsize=7, color=colour)
        if k == 0:  # mark the positions the switches point at
            rows, cols = np.unravel_index(example["switches"].ravel(), values.shape)
            sub.scatter(cols, rows, s=150, facecolors="none", edgecolors="#b03030", lw=1.2)
        sub.set_title(title, fontsize=8)
        sub.set_xticks([])
        sub.set_yticks([])
    return fig
