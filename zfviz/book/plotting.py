"""Figures in one consistent style: image grids, filter mosaics, training curves.

Every function returns the matplotlib ``Figure`` so a chapter can add a caption or save it.
Importing this module applies :data:`STYLE`, the book's figure style (small type, no top or
right spines, light grids, white backgrounds), so every chapter that plots through zfviz draws
its own matplotlib figures in the same style too; :func:`use_style` applies it again (e.g.
after ``plt.style.use`` elsewhere).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from zfviz.methods.deconvnet import deconv_to_image
from zfviz.methods.mining import TopActivations, project_top, projection_crops, top_patches
from zfviz.methods.occlusion import OcclusionMaps
from zfviz.nets.receptive_field import ReceptiveField

STYLE: dict[str, object] = {
    "figure.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.alpha": 0.3,
    "image.interpolation": "nearest",  # pixels stay pixels: these are small images
    "lines.markersize": 4,
}


def use_style() -> None:
    """Apply the book's figure style, :data:`STYLE`, to matplotlib; in a notebook, also record
    each displayed figure's panel widths in its PNG (:func:`panel_widths`, :data:`PANELS_KEY`).

    Example:
        >>> use_style()
        >>> plt.rcParams["axes.spines.top"]
        False
    """
    plt.rcParams.update(STYLE)
    _record_panels_in_notebook_figures()


# The PNG text key under which a notebook figure carries its panels' widths in pixels (JSON):
# the browser test reads it to check that every panel is legible at the width the page shows.
PANELS_KEY = "zfviz:panel-widths"


def panel_widths(fig: Figure) -> list[float]:
    """Width in pixels, at the figure's dpi, of each panel of ``fig`` that shows something.

    A panel is an axes with an image, a line, a collection, a patch or a text in it; colour
    bars and empty grid cells are not panels.

    Example:
        >>> fig, axes = plt.subplots(1, 3, figsize=(6, 2), dpi=100)
        >>> _ = axes[0].plot([0, 1]); _ = axes[1].imshow(np.zeros((2, 2)))
        >>> [round(w) for w in panel_widths(fig)]  # the third cell is empty
        [137, 137]
        >>> plt.close(fig)
    """
    widths = []
    for ax in fig.axes:
        if hasattr(ax, "_colorbar") or not ax.get_visible():
            continue
        if ax.images or ax.lines or ax.collections or ax.patches or ax.texts:
            widths.append(ax.get_position().width * fig.get_figwidth() * fig.dpi)
    return widths


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def with_panel_widths(png: bytes, fig: Figure) -> bytes:
    """``png`` with a text chunk (:data:`PANELS_KEY`) holding :func:`panel_widths` of ``fig``.

    Example:
        >>> import io
        >>> from PIL import Image
        >>> fig, ax = plt.subplots(figsize=(2, 1), dpi=100)
        >>> _ = ax.plot([0, 1])
        >>> buffer = io.BytesIO(); fig.savefig(buffer, format="png"); plt.close(fig)
        >>> Image.open(io.BytesIO(with_panel_widths(buffer.getvalue(), fig))).text[PANELS_KEY]
        '[155.0]'
    """
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("png must be the bytes of a PNG file")
    widths = json.dumps([round(w, 1) for w in panel_widths(fig)])
    end_of_header = 8 + 4 + 4 + 13 + 4  # signature, then the IHDR chunk (13 bytes of data)
    chunk = _png_chunk(b"tEXt", PANELS_KEY.encode("latin-1") + b"\0" + widths.encode("latin-1"))
    return png[:end_of_header] + chunk + png[end_of_header:]


def _record_panels_in_notebook_figures() -> None:
    """In IPython, wrap the PNG formatter of figures so that each PNG carries its panel widths.

    The inline backend (re)registers its formatter when it is first loaded, so the backend is
    loaded first, and the wrapper checks itself back in before every cell.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    plt.close(plt.figure())  # load the backend now: its formatter is the one to wrap

    def wrap(*_: object) -> None:
        formatter = shell.display_formatter.formatters["image/png"]
        try:
            inner = formatter.lookup_by_type(Figure)
        except KeyError:
            return
        if getattr(inner, "_zfviz_panels", False):
            return

        def png(fig: Figure) -> str | bytes | None:
            data = inner(fig)
            if data is None:
                return None
            raw = base64.b64decode(data) if isinstance(data, str) else data
            out = with_panel_widths(raw, fig)
            return base64.b64encode(out).decode("ascii") if isinstance(data, str) else out

        png._zfviz_panels = True  # type: ignore[attr-defined]
        formatter.for_type(Figure, png)

    wrap()
    if not getattr(shell, "_zfviz_panels_hook", False):
        shell.events.register("pre_run_cell", wrap)
        shell._zfviz_panels_hook = True


use_style()


# The page: the rendered book's output column is 768 px wide at a 1280-px window (measured in
# Chromium with _static/zfviz.css); figures are drawn at 100 dpi, so up to 7.6 inches show at
# full size. A panel narrower than MIN_PANEL inches is hard to read on the page.
PAGE_WIDTH = 7.6
MIN_PANEL = 1.6


def _grid_shape(n: int, ncols: int | None, size: float = MIN_PANEL) -> tuple[int, int]:
    ncols = ncols or min(n, max(1, int(PAGE_WIDTH // size)))
    return (n + ncols - 1) // ncols, ncols


def fold(ncols: int, size: float, page_width: float = PAGE_WIDTH) -> tuple[int, int]:
    """How a row of ``ncols`` panels of ``size`` inches fits the page: ``(lines, per_line)``.

    A row that fits stays one line; a wider one is folded into as few lines as fit, with the
    panels shared out evenly (six panels that do not fit become two lines of three, not four
    and two).

    Example:
        >>> fold(4, 1.7), fold(6, 1.7), fold(9, 1.7)
        ((1, 4), (2, 3), (3, 3))
    """
    if ncols < 1 or size <= 0:
        raise ValueError(f"expected ncols >= 1 and size > 0, got ncols={ncols}, size={size}")
    fits = max(1, int(page_width // size))
    lines = -(-ncols // fits)
    return lines, -(-ncols // lines)


def image_grid(
    images: np.ndarray | Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    size: float = 1.85,
    suptitle: str | None = None,
    page_width: float = PAGE_WIDTH,
) -> Figure:
    """Show images (N, H, W, 3), uint8 or floats in [0, 1], in rows of ``ncols``, with titles.

    Each cell is ``size`` inches wide (100 px per inch at the book's 100 dpi; the default
    leaves a panel of about 165 px once titles and margins are set). A row wider than
    ``page_width`` is folded onto several lines (:func:`fold`), and rows are set apart by a
    gap, so a figure whose rows mean something (an image, then its projections at layers 1-5)
    stays readable at the page's width instead of being shrunk.

    Example:
        >>> import numpy as np
        >>> fig = image_grid(np.zeros((4, 8, 8, 3), np.uint8), titles=list("abcd"), ncols=2)
        >>> len(fig.axes)
        4
        >>> fig = image_grid(np.zeros((12, 8, 8, 3), np.uint8), ncols=6)  # 2 rows, folded
        >>> round(float(fig.get_figwidth()), 2)  # 6 cells of 1.85 in: two lines of 3 per row
        5.55
    """
    n = len(images)
    rows, cols = _grid_shape(n, ncols, size)
    lines, per_line = fold(cols, size, page_width)
    aspect = images[0].shape[0] / images[0].shape[1]  # cells as tall as the images, no gaps
    title_h = 0.3 if titles is not None else 0.0
    gap = 0.25 if lines > 1 else 0.0  # between rows, when a row spans several lines
    height = rows * lines * (size * aspect + title_h) + (rows - 1) * gap + 0.2
    fig = plt.figure(figsize=(per_line * size, height))
    ratios = []
    for r in range(rows):
        ratios += [size * aspect + title_h] * lines + ([gap] if gap and r < rows - 1 else [])
    grid = fig.add_gridspec(len(ratios), per_line, height_ratios=ratios)
    for i in range(n):
        r, q = divmod(i, cols)
        line, col = divmod(q, per_line)
        ax = fig.add_subplot(grid[r * (lines + (1 if gap else 0)) + line, col])
        ax.axis("off")
        ax.imshow(images[i], interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout(pad=0.3, h_pad=0.3, w_pad=0.3)
    return fig


def normalise_each(x: np.ndarray) -> np.ndarray:
    """Stretch every image of a batch (N, H, W, C) to [0, 1] on its own, as the paper's figures
    show filters and projections (contrast is per image, not comparable across images)."""
    x = x.astype(np.float32)
    lo = x.min(axis=(1, 2, 3), keepdims=True)
    hi = x.max(axis=(1, 2, 3), keepdims=True)
    return (x - lo) / np.maximum(hi - lo, 1e-12)


def filter_mosaic(
    weight: torch.Tensor, ncols: int = 16, size: float = 0.45, title: str | None = None
) -> Figure:
    """Layer-1 filters (out, 3, k, k) as one mosaic of small colour images, each stretched on
    its own (as the paper's Fig. 6 shows them), ``size`` inches per filter.

    One picture rather than a panel per filter: the mosaic is read as a whole, and on the page
    it is a single panel as wide as ``ncols * size`` inches.

    Example:
        >>> import torch
        >>> fig = filter_mosaic(torch.randn(8, 3, 7, 7), ncols=4)
        >>> len(fig.axes), fig.axes[0].images[0].get_array().shape  # 2 rows of 4, 1-px gaps
        (1, (15, 31, 3))
    """
    w = weight.detach().float().cpu().numpy().transpose(0, 2, 3, 1)
    w = normalise_each(w)
    rows, cols = _grid_shape(len(w), ncols)
    picture = mosaic(w, ncols=cols, gap=1, fill=1.0)
    fig, ax = plt.subplots(figsize=(cols * size, rows * size + (0.35 if title else 0.05)))
    ax.imshow(picture, interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout(pad=0.1)
    return fig


def training_curves(history: Sequence[dict], label: str = "", fig: Figure | None = None) -> Figure:
    """Loss and accuracy per epoch from a training history (``zfviz.nets.train.TrainResult``)."""
    if fig is None:
        fig, _ = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 3.0))
    ax_loss, ax_acc = fig.axes[:2]
    epochs = [h["epoch"] for h in history]
    ax_loss.plot(epochs, [h["train_loss"] for h in history], marker="o", label=label or None)
    ax_loss.set(xlabel="epoch", ylabel="training loss")
    ax_acc.plot(epochs, [h["train_acc"] for h in history], marker="o", ls="--",
                label=f"train {label}".strip())  # fmt: skip
    ax_acc.plot(epochs, [h["val_acc"] for h in history], marker="o",
                label=f"validation {label}".strip())  # fmt: skip
    ax_acc.set(xlabel="epoch", ylabel="top-1 accuracy", ylim=(0, 1))
    ax_acc.legend(fontsize=8)
    if label:
        ax_loss.legend(fontsize=8)
    fig.tight_layout()
    return fig


def mosaic(images: np.ndarray, ncols: int = 3, gap: int = 1, fill: float = 1.0) -> np.ndarray:
    """Tile images ``(N, H, W, C)`` into one image, ``ncols`` per row, ``gap`` pixels apart.

    Example:
        >>> mosaic(np.zeros((9, 4, 4, 3)), ncols=3).shape
        (14, 14, 3)
    """
    images = np.asarray(images)
    n, h, w, c = images.shape
    rows = (n + ncols - 1) // ncols
    out = np.full((rows * (h + gap) - gap, ncols * (w + gap) - gap, c), fill, images.dtype)
    for i, image in enumerate(images):
        r, q = divmod(i, ncols)
        out[r * (h + gap) : r * (h + gap) + h, q * (w + gap) : q * (w + gap) + w] = image
    return out


def top_panel(projections: np.ndarray, patches: np.ndarray, ncols: int = 3) -> np.ndarray:
    """One feature map as the paper's Fig. 2 shows it: its top-k projections (left) beside the
    image patches that produced them (right), as one float image in [0, 1].

    Args:
        projections: ``(k, P, P, 3)`` floats in [0, 1] (see
        ``zfviz.methods.mining.crop_projections``). patches: ``(k, P, P, 3)`` uint8 (see
        ``zfviz.methods.mining.top_patches``).

    Example:
        >>> top_panel(np.zeros((9, 5, 5, 3)), np.zeros((9, 5, 5, 3), np.uint8)).shape
        (17, 36, 3)
    """
    left = mosaic(np.asarray(projections, np.float32), ncols)
    right = mosaic(np.asarray(patches, np.float32) / 255.0, ncols)
    spacer = np.ones((left.shape[0], max(2, left.shape[1] // 20), 3), np.float32)
    return np.concatenate([left, spacer, right], axis=1)


def fig2_panels(
    model: torch.nn.Module,
    inputs: torch.Tensor,
    pixels: np.ndarray,
    top: TopActivations,
    channels: Sequence[int],
    rf: ReceptiveField,
) -> np.ndarray:
    """Fig. 2's panels for some maps of one layer: each map's top-k projections beside the
    image patches that produced them (:func:`top_panel`).

    Args:
        model: the network ``top`` was mined on.
        inputs: ``(N, 3, H, W)`` the network inputs ``top`` was mined from.
        pixels: ``(N, H, W, 3)`` uint8, the same images as shown to a reader.
        top: from :func:`zfviz.methods.mining.top_activations`.
        channels: the maps to draw.
        rf: the receptive field of ``top``'s layer.

    Returns:
        ``(len(channels), H', W', 3)`` floats in [0, 1], one panel per map.

    Example:
        >>> from zfviz.methods.mining import top_activations
        >>> from zfviz.nets.receptive_field import receptive_fields
        >>> _ = torch.manual_seed(0)
        >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
        >>> x = torch.rand(9, 3, 8, 8)
        >>> top = top_activations(net, x, "1", k=9, progress=False)
        >>> rgb = (x.permute(0, 2, 3, 1) * 255).byte().numpy()
        >>> fig2_panels(net, x, rgb, top, [0, 2], receptive_fields(net)["1"]).shape
        (2, 11, 24, 3)
    """
    crops = projection_crops(project_top(model, inputs, top, channels), top, channels, rf)
    patches = top_patches(pixels, top, channels, rf)
    return np.stack([top_panel(c, p) for c, p in zip(crops, patches, strict=True)])


def occlusion_figure(
    maps: OcclusionMaps,
    image: np.ndarray,
    class_names: Sequence[str],
    title: str | None = None,
) -> Figure:
    """The paper's Fig. 7 for one image: (a) the image with the occluder where it hurts most,
    (b) the tracked layer-5 map's total activation, (c) its projection, (d) the probability of
    the correct class and (e) the most probable class, each as a map over occluder positions.

    Args:
        maps: from :func:`zfviz.methods.occlusion.occlusion`.
        image: the image as the network saw it, ``(H, W, 3)`` uint8.
        class_names: names of the model's classes.
        title: a title for the whole figure.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Rectangle

    height, width = image.shape[:2]
    extent = _occlusion_extent(maps)
    panels = 5 if maps.projection is not None else 4
    # two lines of panels: five side by side would be about 100 px each on the page
    ncols = 3 if panels == 5 else 2
    fig, grid = plt.subplots(2, ncols, figsize=(2.5 * ncols, 5.0), squeeze=False)
    axes = grid.flat[:panels]
    for spare in grid.flat[panels:]:
        spare.remove()
    ax = axes[0]
    ax.imshow(image)
    drop = maps.clean_probability - maps.probability.numpy()
    i, j = np.unravel_index(int(drop.argmax()), drop.shape)
    ax.add_patch(Rectangle((maps.cols[j] - 0.5, maps.rows[i] - 0.5), maps.size, maps.size,
                           facecolor="grey", edgecolor="white", lw=1))  # fmt: skip
    ax.set_title(f"(a) {class_names[maps.label]}, p={maps.clean_probability:.2f}", fontsize=8)
    ax = axes[1]
    shown = ax.imshow(maps.feature.numpy(), extent=extent, cmap="viridis")
    ax.set_title(f"(b) total of {maps.layer} map {maps.channel}", fontsize=8)
    fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.03)
    k = 2
    if maps.projection is not None:
        axes[k].imshow(deconv_to_image(maps.projection[None], percentile=99.5)[0])
        axes[k].set_title(f"(c) map {maps.channel} projected", fontsize=8)
        k += 1
    ax = axes[k]
    shown = ax.imshow(maps.probability.numpy(), extent=extent, cmap="magma", vmin=0, vmax=1)
    ax.set_title(f"(d) p({class_names[maps.label]})", fontsize=8)
    fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.03)
    ax = axes[k + 1]
    n = len(class_names)
    cmap = ListedColormap(plt.get_cmap("tab20")(np.arange(n) % 20))
    shown = ax.imshow(maps.predicted.numpy(), extent=extent, cmap=cmap,
                      norm=BoundaryNorm(np.arange(n + 1) - 0.5, n))  # fmt: skip
    ax.set_title("(e) most probable class", fontsize=8)
    used = sorted(set(maps.predicted.flatten().tolist()))
    bar = fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.03, ticks=used)
    bar.ax.set_yticklabels([class_names[c] for c in used], fontsize=8)
    for ax in axes:
        ax.set(xlim=(-0.5, width - 0.5), ylim=(height - 0.5, -0.5), xticks=[], yticks=[])
        for spine in ax.spines.values():  # the maps end before the image's edge: no frame
            spine.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def _occlusion_extent(maps: OcclusionMaps) -> tuple[float, float, float, float]:
    """Place each map value at its occluder's centre, in image pixels (left, right, bottom, top)."""
    cy, cx = maps.centres()
    step_x = (cx[1] - cx[0]) if len(cx) > 1 else maps.size
    step_y = (cy[1] - cy[0]) if len(cy) > 1 else maps.size
    return (cx[0] - step_x / 2, cx[-1] + step_x / 2, cy[-1] + step_y / 2, cy[0] - step_y / 2)
