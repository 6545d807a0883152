"""The architecture table of Fig. 3, computed from a model rather than typed in.

One row per layer of the model's ``features`` and ``classifier`` sequences: what it is, the shape
of its output, how many parameters it holds, and (for the convolutional part) the receptive field
of one of its units in input pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from zfviz.core.claims import Verdict
from zfviz.core.hooks import borrowed, model_device
from zfviz.nets.receptive_field import receptive_fields


@dataclass(frozen=True)
class LayerRow:
    """One layer of the table.

    Attributes:
        name: the layer's name in the model (``conv1``, ``pool1``, ``fc6``...).
        op: a short description (``conv 7x7/2 pad 1``, ``max-pool 3x3/2``...).
        maps: output channels (feature maps) or units.
        size: spatial side of the output (``None`` for fully connected layers).
        params: parameters held by this layer.
        rf: receptive field side in input pixels (``None`` for fully connected layers).
        rf_stride: input pixels between neighbouring units (``None`` for fully connected).
    """

    name: str
    op: str
    maps: int
    size: int | None
    params: int
    rf: int | None
    rf_stride: int | None


def _describe(m: nn.Module) -> str:
    def one(v):
        return v[0] if isinstance(v, tuple) else v

    if isinstance(m, nn.Conv2d):
        k, s, p = one(m.kernel_size), one(m.stride), one(m.padding)
        return f"conv {k}x{k}/{s} pad {p}"
    if isinstance(m, nn.MaxPool2d):
        k, s = one(m.kernel_size), one(m.stride)
        return f"max-pool {k}x{k}/{s}" + (" ceil" if m.ceil_mode else "")
    if isinstance(m, nn.LocalResponseNorm):
        return f"contrast norm (LRN, {m.size} maps)"
    if isinstance(m, nn.ReLU):
        return "ReLU"
    if isinstance(m, nn.Dropout):
        return f"dropout {m.p}"
    if isinstance(m, nn.Linear):
        return f"fully connected {m.in_features}->{m.out_features}"
    return type(m).__name__


def layer_table(model: nn.Module, input_size: int | None = None) -> list[LayerRow]:
    """Rows of the architecture table of ``model`` for a square input of ``input_size`` pixels.

    ``input_size`` defaults to ``model.spec.input_size`` for zfviz models.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> rows = layer_table(zfnet())
        >>> [r.size for r in rows if r.name.startswith("pool")]
        [55, 13, 6]
    """
    if input_size is None:
        spec = getattr(model, "spec", None)
        if spec is None:
            raise ValueError("pass input_size: the model has no zfviz spec to read it from")
        input_size = spec.input_size
    fields = receptive_fields(model)
    parts = [("features", model.features), ("classifier", getattr(model, "classifier", None))]
    shapes: dict[str, tuple[int, ...]] = {}
    with borrowed(model) as hooks:
        for _, seq in parts:
            for name, m in seq.named_children() if seq is not None else []:
                hooks.forward(m, lambda mod, i, o, name=name: shapes.__setitem__(name, o.shape))
        x = torch.zeros(1, 3, input_size, input_size, device=model_device(model))
        with torch.no_grad():
            model(x)
    rows = []
    for _, seq in parts:
        for name, m in seq.named_children() if seq is not None else []:
            shape = shapes[name]
            rf = fields.get(name)
            rows.append(
                LayerRow(
                    name=name,
                    op=_describe(m),
                    maps=int(shape[1]),
                    size=int(shape[-1]) if len(shape) == 4 else None,
                    params=sum(p.numel() for p in m.parameters()),
                    rf=rf.size if rf else None,
                    rf_stride=rf.stride if rf else None,
                )
            )
    return rows


def to_markdown(rows: list[LayerRow]) -> str:
    """The table as Markdown, for ``IPython.display.Markdown`` in a chapter."""
    head = "| layer | operation | maps | size | parameters | receptive field | stride |"
    lines = [head, "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        size = f"{r.size}x{r.size}" if r.size else ""
        rf = f"{r.rf}x{r.rf}" if r.rf else ""
        lines.append(
            f"| {r.name} | {r.op} | {r.maps} | {size} | {r.params:,} | {rf} | {r.rf_stride or ''} |"
        )
    return "\n".join(lines)


def markdown_table(rows: list[dict[str, object]], digits: int = 3, align: str = "right") -> str:
    """Rows of equal keys as a Markdown table; floats rounded to ``digits`` decimals.

    ``align``: ``"right"`` (numbers) or ``"left"`` (sentences) for every column.

    Example:
        >>> print(markdown_table([{"layer": 1, "share": 0.12345}]))
        | layer | share |
        |---:|---:|
        | 1 | 0.123 |
    """
    if not rows:
        raise ValueError("markdown_table needs at least one row")
    keys = list(rows[0])

    def cell(value: object) -> str:
        if isinstance(value, float | np.floating):
            return f"{value:.{digits}f}"
        return str(value)

    if align not in ("right", "left"):
        raise ValueError(f"align must be 'right' or 'left', got {align!r}")
    rule = "---:|" if align == "right" else "---|"
    lines = ["| " + " | ".join(keys) + " |", "|" + rule * len(keys)]
    lines += ["| " + " | ".join(cell(row[k]) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def plus_minus(mean: float, spread: float, digits: int = 3, scale: float = 1.0) -> str:
    """``mean ± spread`` for a table cell, both multiplied by ``scale`` (100: points).

    Example:
        >>> plus_minus(0.2345, 0.0123, digits=1, scale=100)
        '23.4 ± 1.2'
    """
    return f"{scale * mean:.{digits}f} ± {scale * spread:.{digits}f}"


def mean_sd(values: Sequence[float] | np.ndarray, digits: int = 3, scale: float = 1.0) -> str:
    """The mean of ``values`` ± their sample standard deviation (over seeds, say).

    Example:
        >>> mean_sd([0.1, 0.2, 0.3])
        '0.200 ± 0.100'
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) < 2:
        raise ValueError(f"values: expected at least two numbers, got {values.tolist()!r}")
    return plus_minus(float(values.mean()), float(values.std(ddof=1)), digits, scale)


# Fig. 3's map sides, after each layer the figure draws (224-px input).
FIG3_SIZES = {"conv1": 110, "pool1": 55, "conv2": 26, "pool2": 13, "conv3": 13, "conv4": 13,
              "conv5": 13, "pool5": 6}  # fmt: skip


def claim_fig3_sizes(rows: list[LayerRow]) -> Verdict:
    """Fig. 3's map sizes, checked on ``rows`` (:func:`layer_table` of a 224-px model).

    Its margin is minus the number of layers whose size differs (0 when all agree: a claim of
    equality has no positive margin).

    Example:
        >>> from zfviz.nets.models import alexnet, zfnet
        >>> claim_fig3_sizes(layer_table(zfnet())).holds
        True
        >>> claim_fig3_sizes(layer_table(alexnet())).holds  # its 11x11 stride-4 layer 1: 54 px
        False
    """
    sizes = {r.name: r.size for r in rows}
    missing = [n for n in FIG3_SIZES if n not in sizes]
    if missing:
        raise ValueError(f"rows lack the layers {missing} that Fig. 3 draws")
    wrong = [n for n, s in FIG3_SIZES.items() if sizes[n] != s]
    numbers = {f"{n} side": float(sizes[n]) for n in FIG3_SIZES}
    claim = "every map has Fig. 3's size (conv1 110 ... pool5 6)"
    return Verdict(
        claim, "Sec. 3, Fig. 3", numbers, not wrong, -float(len(wrong)) if wrong else 0.0
    )
