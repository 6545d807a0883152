"""Check functions for the book's "implement it" exercises.

Each ``check_*`` runs a student's function on small cases, the tricky ones included, and
compares it with the zfviz reference:

================================ ============================================ ==================
checker                          the student writes                           reference
================================ ============================================ ==================
:func:`check_receptive_field`    ``fn(layers) -> [(size, stride, top_left)]`` ``receptive_field``
:func:`check_unpool`             ``fn(signal, switches, size) -> tensor``     ``deconvnet.unpool``
:func:`check_occlusion`          ``fn(model, image, label, size, stride)``    ``occlusion``
:func:`check_delta`              ``fn(eps) -> float``                         ``correspondence``
:func:`check_probe`              ``fn(train_x, train_y, test_x) -> labels``   ``transfer``
:func:`check_pool_grid`          ``fn(maps, grid) -> (N, D)``                 ``transfer``
================================ ============================================ ==================

A checker returns a :class:`Report` when every case passes, and also when the function still
raises ``NotImplementedError`` (the student edition's stubs do): then the report says "not
implemented yet" and is falsy, so a notebook runs to its end before the student has written
anything. Any other failure raises :class:`ExerciseFailed`, whose message says in plain words
which case failed, what was expected and what came back, and gives a hint; an exception raised
inside the student's function is reported the same way (its type, message and line), never as
a bare traceback.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "ExerciseFailed",
    "Report",
    "check_receptive_field",
    "check_unpool",
    "check_occlusion",
    "check_delta",
    "check_probe",
    "check_pool_grid",
]


class ExerciseFailed(AssertionError):
    """A student's function gave a wrong answer (or crashed) on a named case."""


@dataclass(frozen=True)
class Report:
    """The outcome of a check: ``passed`` is True, or None while the function is a stub.

    Example:
        >>> r = Report("unpooling", None, 0, "not implemented yet")
        >>> bool(r), r
        (False, unpooling: not implemented yet)
    """

    exercise: str
    passed: bool | None
    cases: int
    message: str

    def __bool__(self) -> bool:
        return bool(self.passed)

    def __repr__(self) -> str:
        return f"{self.exercise}: {self.message}"


class _NotImplemented(Exception):
    pass


def _where(error: BaseException) -> str:
    """`` (line N of your code)``: the innermost frame of the student's call, if any."""
    frames = traceback.extract_tb(error.__traceback__)[1:]  # frame 0 is _call itself
    return f" (line {frames[-1].lineno} of {frames[-1].name})" if frames else ""


def _call(exercise: str, case: str, fn: Callable, *args: Any) -> Any:
    try:
        return fn(*args)
    except NotImplementedError:
        raise _NotImplemented from None
    except Exception as error:  # anything the student's code raised: report it in words
        raise ExerciseFailed(
            f"{exercise}, case '{case}': your function raised {type(error).__name__}: "
            f"{error}{_where(error)}"
        ) from None


def _fail(exercise: str, case: str, expected: Any, got: Any, hint: str) -> ExerciseFailed:
    return ExerciseFailed(
        f"{exercise}, case '{case}':\n  expected {expected}\n  got      {got}\n  hint: {hint}"
    )


def _run(exercise: str, cases: list[Callable[[], None]]) -> Report:
    """Run the cases in order; the first failure raises, a stub gives a "not yet" report."""
    try:
        for case in cases:
            case()
    except _NotImplemented:
        message = "not implemented yet (your function raises NotImplementedError); fill it in"
        return Report(exercise, None, 0, message + " and run this again")
    return Report(exercise, True, len(cases), f"all {len(cases)} cases pass")


def _as_array(exercise: str, case: str, value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseFailed(
            f"{exercise}, case '{case}': expected a tensor or array, got {type(value).__name__}"
        ) from None


# ---------------------------------------------------------------------------------------------
# Receptive fields


def _reference_fields(layers: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    from zfviz.nets.receptive_field import receptive_fields

    # a pooling layer has the receptive-field arithmetic of a convolution of the same shape
    net = nn.Sequential(*[nn.Conv2d(1, 1, k, s, p) for k, s, p in layers])
    return [(f.size, f.stride, f.top_left) for f in receptive_fields(net).values()]


def _zfnet_layers() -> list[tuple[int, int, int]]:
    from zfviz.nets.models import zfnet

    features = zfnet(num_classes=2, input_size=224, width=0.05, fc_units=4).features
    return [(m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0],
             m.stride if isinstance(m.stride, int) else m.stride[0],
             m.padding if isinstance(m.padding, int) else m.padding[0])
            for m in features if isinstance(m, nn.Conv2d | nn.MaxPool2d)]  # fmt: skip


def check_receptive_field(fn: Callable[[list[tuple[int, int, int]]], Any]) -> Report:
    """Check ``fn(layers)``: for a chain of layers given as ``(kernel, stride, padding)``, the
    receptive field ``(size, stride, top_left)`` of each layer's output, in input pixels.

    Example:
        >>> def mine(layers):
        ...     size, stride, top_left, out = 1, 1, 0, []
        ...     for k, s, p in layers:
        ...         size, top_left = size + (k - 1) * stride, top_left - p * stride
        ...         stride *= s
        ...         out.append((size, stride, top_left))
        ...     return out
        >>> check_receptive_field(mine)
        receptive fields: all 5 cases pass
    """
    exercise = "receptive fields"
    cases = {
        "one 7x7 convolution, stride 2, padding 1 (ZFNet's conv1)": [(7, 2, 1)],
        "a 1x1 convolution (sees one pixel)": [(1, 1, 0)],
        "conv1 then a 3x3 stride-2 pool (strides multiply)": [(7, 2, 1), (3, 2, 0)],
        "AlexNet's first layers (11x11 stride 4, padding 2; 3x3/2 pool; 5x5 padding 2)": [
            (11, 4, 2), (3, 2, 0), (5, 1, 2)],
        "all of ZFNet's convolutions and poolings (conv1 to pool5)": _zfnet_layers(),
    }  # fmt: skip

    def run(name: str, layers: list[tuple[int, int, int]]) -> Callable[[], None]:
        def case() -> None:
            expected = _reference_fields(layers)
            got = _call(exercise, name, fn, list(layers))
            try:
                got = [tuple(int(v) for v in row) for row in got]
            except (TypeError, ValueError):
                raise _fail(
                    exercise,
                    name,
                    "a list of (size, stride, top_left) per layer",
                    repr(got)[:200],
                    "return one 3-tuple of integers per layer",
                ) from None
            if len(got) != len(expected):
                raise _fail(
                    exercise,
                    name,
                    f"{len(expected)} fields (one per layer)",
                    f"{len(got)}",
                    "append one (size, stride, top_left) per layer",
                )
            for i, ((k, s, p), want, have) in enumerate(zip(layers, expected, got, strict=True)):
                if want == have:
                    continue
                hints = []
                if want[0] != have[0]:
                    hints.append("the size grows by (kernel - 1) times the stride so far (in "
                                 "input pixels), not by kernel - 1")  # fmt: skip
                if want[1] != have[1]:
                    hints.append("the stride so far is the product of all strides up to here")
                if want[2] != have[2]:
                    hints.append(
                        "padding moves the top-left corner up and left by padding "
                        "times the stride so far (use the stride before this layer)"
                    )
                raise _fail(exercise, f"{name}, layer {i + 1} (kernel {k}, stride {s}, padding "
                            f"{p})", f"(size, stride, top_left) = {want}", f"{have}",
                            "; ".join(hints))  # fmt: skip

        return case

    return _run(exercise, [run(name, layers) for name, layers in cases.items()])


# ---------------------------------------------------------------------------------------------
# Unpooling with switches


def _unpool_cases() -> dict[str, tuple[torch.Tensor, int, int, str]]:
    """Name: (pool input, kernel, stride, hint)."""
    g = torch.Generator().manual_seed(0)
    peak = torch.zeros(1, 1, 5, 5)
    peak[0, 0, 2, 2] = 1.0
    overlap_hint = ("overlapping windows that picked the same input position must add their "
                    "values up (scatter_add_ or +=); F.max_unpool2d and plain assignment keep "
                    "only one of them")  # fmt: skip
    return {
        "2x2 windows, stride 2, 4x4 input (no overlap)": (
            torch.randn(1, 1, 4, 4, generator=g), 2, 2,
            "put each value at the flat index (row * width + col) its switch names, in its "
            "own image and channel; every other position is 0"),
        "3x3 windows, stride 2, 5x5 input with one peak: all four windows pick the centre": (
            peak, 3, 2, overlap_hint),
        "3x3 windows, stride 2, 7x7 input, 2 images x 3 channels (some windows share maxima)": (
            torch.randn(2, 3, 7, 7, generator=g).round(), 3, 2, overlap_hint),
        "3x3 windows, stride 2, 8x8 input (the stride does not divide: row and column 7 are "
        "in no window)": (
            torch.randn(1, 2, 8, 8, generator=g), 3, 2,
            "the output has the pool input's size, given as `size`, not one computed from the "
            "signal; positions no window reached stay 0"),
        "3x3 windows, stride 2, non-square 6x9 input": (
            torch.randn(1, 1, 6, 9, generator=g), 3, 2,
            "a switch is a flat index row * width + col with the input's width, not its height"),
    }  # fmt: skip


def check_unpool(fn: Callable[[torch.Tensor, torch.Tensor, tuple[int, int]], Any]) -> Report:
    """Check ``fn(signal, switches, size)``: undo a max-pool, sending each value of ``signal``
    ``(N, C, h, w)`` back to the position of the pool input ``size = (H, W)`` that its switch
    (``F.max_pool2d(..., return_indices=True)``) names; values of overlapping windows that picked
    the same position add up.

    Example:
        >>> from zfviz.methods.deconvnet import unpool
        >>> check_unpool(unpool)
        unpooling with switches: all 5 cases pass
        >>> check_unpool(lambda s, w, size: F.max_unpool2d(s, w, 3, 2, output_size=size))
        Traceback (most recent call last):
        ...
        zfviz.book.exercises.ExerciseFailed: unpooling with switches, case '3x3 windows, stride 2,
        ...
    """
    from zfviz.methods.deconvnet import unpool

    exercise = "unpooling with switches"

    def run(name: str, x: torch.Tensor, k: int, s: int, hint: str) -> Callable[[], None]:
        def case() -> None:
            _, switches = F.max_pool2d(x, k, s, return_indices=True)
            signal = torch.randn(switches.shape, generator=torch.Generator().manual_seed(1))
            size = tuple(x.shape[-2:])
            expected = unpool(signal, switches, size).numpy()
            got = _as_array(exercise, name, _call(exercise, name, fn, signal.clone(),
                                                  switches.clone(), size))  # fmt: skip
            if got.shape != expected.shape:
                raise _fail(exercise, name, f"shape {expected.shape}", f"shape {got.shape}",
                            "the output has the shape of the pool's input: (N, C) of the "
                            "signal and the `size` (H, W) given")  # fmt: skip
            if not np.allclose(got, expected, atol=1e-6):
                where = np.unravel_index(np.abs(got - expected).argmax(), got.shape)
                raise _fail(
                    exercise,
                    name,
                    f"{expected[where]:.4f} at (n, c, row, col) = {tuple(int(i) for i in where)}",
                    f"{got[where]:.4f}",
                    hint,
                )

        return case

    return _run(exercise, [run(name, *c) for name, c in _unpool_cases().items()])


# ---------------------------------------------------------------------------------------------
# The occlusion loop


def _tiny_classifier(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(3, 6, 5, stride=2), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                        nn.Flatten(), nn.Linear(24, 4))  # fmt: skip
    return net.eval()


def check_occlusion(fn: Callable[..., Any]) -> Report:
    """Check ``fn(model, image, label, size, stride)``: the probability of class ``label`` with a
    ``size`` x ``size`` square set to 0 at every position, as an ``(R, C)`` grid. The square's
    top-left corners step by ``stride`` from 0, and one more row or column is added where the
    stride does not land on the far edge (:func:`zfviz.methods.occlusion.occluder_positions`).

    Example:
        >>> from zfviz.methods.occlusion import occlusion
        >>> check_occlusion(lambda m, x, y, size, stride: occlusion(
        ...     m, x, y, size, stride, layer="0", with_projection=False).probability)
        the occlusion loop: all 4 cases pass
    """
    from zfviz.methods.occlusion import occluder_positions, occlusion

    exercise = "the occlusion loop"
    cases = {
        "32x32 image, 8-pixel square, stride 8 (the stride divides the side)": (32, 32, 8, 8),
        "30x30 image, 8-pixel square, stride 6 (the last step does not reach the far edge)": (
            30, 30, 8, 6),
        "24x40 image (not square), 10-pixel square, stride 7": (24, 40, 10, 7),
        "20x20 image, 5-pixel square, stride 8 (gaps between positions)": (20, 20, 5, 8),
    }  # fmt: skip

    def run(name: str, h: int, w: int, size: int, stride: int) -> Callable[[], None]:
        def case() -> None:
            model = _tiny_classifier()
            image = torch.randn(3, h, w, generator=torch.Generator().manual_seed(h + w))
            label = 2
            expected = occlusion(model, image, label, size, stride, layer="0",
                                 with_projection=False).probability.numpy()  # fmt: skip
            got = _as_array(exercise, name, _call(exercise, name, fn, model, image.clone(),
                                                  label, size, stride))  # fmt: skip
            rows, cols = occluder_positions(h, size, stride), occluder_positions(w, size, stride)
            if got.shape != expected.shape:
                raise _fail(exercise, name, f"a {expected.shape} grid (top-left rows {rows}, "
                            f"columns {cols})", f"shape {got.shape}",
                            "positions run 0, stride, 2 * stride, ... while the square fits, "
                            "plus the far edge (side - size) if the stride missed it")  # fmt: skip
            if not np.allclose(got, expected, atol=1e-5):
                i, j = np.unravel_index(np.abs(got - expected).argmax(), got.shape)
                raise _fail(exercise, name, f"probability {expected[i, j]:.4f} with the square's "
                            f"top-left at (row, col) = ({rows[i]}, {cols[j]})", f"{got[i, j]:.4f}",
                            "set all 3 channels of the square to 0 on a copy of the image, run "
                            "the model in eval mode, take the softmax (not the logits) of the "
                            "label; rows of the grid are image rows")  # fmt: skip

        return case

    return _run(exercise, [run(name, *c) for name, c in cases.items()])


# ---------------------------------------------------------------------------------------------
# Delta (correspondence)


def check_delta(fn: Callable[[np.ndarray], Any]) -> Report:
    """Check ``fn(eps)``: the book's Delta of changes ``eps`` ``(N, D)``, the mean over pairs
    ``i != j`` of the fraction of dimensions where ``sign(eps_i) != sign(eps_j)``, the sign
    being -1, 0 or +1 (two zeros agree). Reference: :func:`zfviz.methods.correspondence.delta`.

    Example:
        >>> from zfviz.methods.correspondence import delta
        >>> check_delta(delta)
        Delta: all 5 cases pass
    """
    from zfviz.methods.correspondence import delta

    exercise = "Delta"
    rng = np.random.default_rng(0)
    sparse = rng.normal(size=(5, 200)) * (rng.random((5, 200)) < 0.4)
    cases = {
        "two images whose changes have the same signs (Delta 0)": np.array(
            [[1.0, -2.0, 3.0], [0.5, -0.1, 9.0]]),
        "three images, two dimensions": np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]),
        "two images with exact zeros (two zeros agree; a zero and a non-zero differ)": np.array(
            [[0.0, 0.0, 1.0, -1.0], [0.0, 2.0, 1.0, 1.0]]),
        "five images, 200 dimensions, 60% exact zeros (as after a ReLU)": sparse,
        "four images, 7 dimensions, integer changes": rng.integers(-2, 3, size=(4, 7)).astype(
            float),
    }  # fmt: skip

    def run(name: str, eps: np.ndarray) -> Callable[[], None]:
        def case() -> None:
            expected = delta(eps)
            got = _call(exercise, name, fn, eps.copy())
            try:
                got = float(got)
            except (TypeError, ValueError):
                raise _fail(
                    exercise,
                    name,
                    "one number",
                    repr(got)[:200],
                    "return a float: the mean over pairs",
                ) from None
            if np.isclose(got, expected, atol=1e-9):
                return
            hint = (
                "H is the fraction of the D dimensions whose signs differ; Delta its mean "
                "over the pairs i != j"
            )
            if np.isclose(got, delta(eps, reduction="sum")):
                hint = "that is the sum over ordered pairs; the book's Delta is the mean"
            elif np.isclose(got, delta(eps, count_shared_zeros=False)):
                hint = "two zeros agree and count in the fraction: divide by all D dimensions"
            elif np.isclose(got, expected * len(eps) / (len(eps) - 1)):
                hint = "the pairs are i != j: leave out the zero distance of an image to itself"
            raise _fail(
                exercise, f"{name}, eps of shape {eps.shape}", f"{expected:.6f}", f"{got:.6f}", hint
            )

        return case

    return _run(exercise, [run(name, eps) for name, eps in cases.items()])


# ---------------------------------------------------------------------------------------------
# A linear probe


def _blobs(rng: np.random.Generator, centres: np.ndarray, labels: list[int], counts: list[int],
           dims: int, informative_scale: float = 1.0, noise_scale: float = 1.0):  # fmt: skip
    """Gaussian classes around ``centres`` in ``dims`` dimensions; the first 5 carry the class."""
    xs, ys = [], []
    for label, centre, count in zip(labels, centres, counts, strict=True):
        informative = (centre + rng.normal(size=(count, 5))) * informative_scale
        noise = rng.normal(scale=noise_scale, size=(count, dims - 5))
        xs.append(np.hstack([informative, noise]))
        ys.append(np.full(count, label))
    return np.vstack(xs), np.concatenate(ys)


def check_probe(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], Any]) -> Report:
    """Check ``fn(train_x, train_y, test_x)``: a linear classifier fit on the training features
    that returns one predicted label per test row. Its mean per-class accuracy must come within
    0.1 of the reference (:func:`zfviz.methods.transfer.fit_probe`, a standardised softmax) on each
    case, and its predictions must be labels of the training set.

    Example:
        >>> from zfviz.methods.transfer import fit_probe
        >>> check_probe(lambda x, y, t: fit_probe(x, y).predict(t))
        a linear probe: all 4 cases pass
    """
    from zfviz.methods.transfer import fit_probe, mean_class_accuracy

    exercise = "a linear probe"
    rng = np.random.default_rng(0)
    cases = {
        "three classes labelled 0, 1, 2, 20 features": ([0, 1, 2], [20, 20, 20], 20, 1.0, 1.0),
        "labels that are not 0..K-1 (classes 2, 5 and 7)": ([2, 5, 7], [15, 15, 15], 20, 1.0, 1.0),
        "unequal classes (40, 10 and 5 training images)": ([0, 1, 2], [40, 10, 5], 20, 1.0, 1.0),
        "features on very different scales (informative ones 1000x smaller)": (
            [0, 1, 2, 3], [20, 20, 20, 20], 60, 1e-3, 1.0),
    }  # fmt: skip

    def run(name: str, labels, counts, dims, informative, noise) -> Callable[[], None]:
        def case() -> None:
            centres = rng.normal(scale=1.5, size=(len(labels), 5))
            train_x, train_y = _blobs(rng, centres, labels, counts, dims, informative, noise)
            test_x, test_y = _blobs(rng, centres, labels, [20] * len(labels), dims, informative,
                                    noise)  # fmt: skip
            reference = mean_class_accuracy(test_y, fit_probe(train_x, train_y).predict(test_x))
            got = _as_array(exercise, name, _call(exercise, name, fn, train_x.copy(),
                                                  train_y.copy(), test_x.copy()))  # fmt: skip
            if got.shape != test_y.shape:
                raise _fail(exercise, name, f"{len(test_y)} labels, one per test row",
                            f"an array of shape {got.shape}", "return predict(test_x): one "
                            "label per test row (not probabilities)")  # fmt: skip
            unknown = sorted(set(got.astype(int).tolist()) - set(labels))
            if unknown:
                raise _fail(exercise, name, f"labels among the training labels {labels}",
                            f"labels {unknown}", "predict the labels themselves, not the index "
                            "of the winning class")  # fmt: skip
            accuracy = mean_class_accuracy(test_y, got.astype(int))
            if accuracy < reference - 0.1:
                raise _fail(exercise, name, f"a mean per-class accuracy near the reference's "
                            f"{reference:.2f}", f"{accuracy:.2f}",
                            "standardise each feature on the training set (mean 0, variance 1) "
                            "before fitting, so that the penalty treats the features alike; "
                            "fit on the training features only")  # fmt: skip

        return case

    return _run(exercise, [run(name, *c) for name, c in cases.items()])


# ---------------------------------------------------------------------------------------------
# Max-pooling feature maps over a grid (feature analysis)


def check_pool_grid(fn: Callable[[torch.Tensor, int], Any]) -> Report:
    """Check ``fn(maps, grid)``: maps ``(N, C, H, W)`` max-pooled over a ``grid x grid`` grid of
    cells and flattened to ``(N, C * grid * grid)``, map by map (channel-major). Cell ``i`` of
    ``grid`` along a side of ``H`` spans rows ``floor(i * H / grid)`` to ``ceil((i + 1) * H /
    grid)`` (end-exclusive), as adaptive max pooling cuts it, so with an odd side neighbouring
    cells share the middle row; a side shorter than ``grid`` keeps its own positions. Reference:
    :func:`zfviz.methods.transfer.pool_features`.

    Example:
        >>> from zfviz.methods.transfer import pool_features
        >>> check_pool_grid(pool_features)
        pooling over a grid: all 5 cases pass
    """
    from zfviz.methods.transfer import pool_features

    exercise = "pooling over a grid"
    cases = {
        "4x4 maps, a 2x2 grid": ((2, 3, 4, 4), 2),
        "5x5 maps, a 2x2 grid (odd side: the cells share the middle row and column)": (
            (1, 2, 5, 5), 2),
        "7x3 maps (not square), a 2x2 grid": ((2, 2, 7, 3), 2),
        "8x8 maps, a 3x3 grid (8 is not a multiple of 3)": ((1, 2, 8, 8), 3),
        "1x1 maps, a 2x2 grid (fewer positions than cells: keep the one there is)": (
            (3, 4, 1, 1), 2),
    }  # fmt: skip

    def run(name: str, shape: tuple[int, ...], grid: int) -> Callable[[], None]:
        def case() -> None:
            maps = torch.randn(shape, generator=torch.Generator().manual_seed(sum(shape)))
            expected = pool_features(maps, grid).numpy()
            got = _as_array(exercise, name, _call(exercise, name, fn, maps.clone(), grid))
            if got.shape != expected.shape:
                raise _fail(exercise, name, f"shape {expected.shape}", f"shape {got.shape}",
                            "one value per map and cell, flattened per image; a side shorter "
                            "than the grid has as many cells as positions")  # fmt: skip
            if not np.allclose(got, expected, atol=1e-6):
                k = int(np.abs(got - expected).max(axis=0).argmax())
                raise _fail(exercise, f"{name}, feature {k}", f"{expected[0, k]:.4f}",
                            f"{got[0, k]:.4f}", "cell i covers floor(i*H/grid) up to "
                            "ceil((i+1)*H/grid); flatten map by map, then cell row, then cell "
                            "column")  # fmt: skip

        return case

    return _run(exercise, [run(name, *c) for name, c in cases.items()])
