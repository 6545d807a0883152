"""Scenes of several objects: the world's stand-in for PASCAL VOC (the paper's Table 6).

ImageNet photographs, and the world's single-object images, show one object, large and near the
centre. PASCAL's show several, smaller, anywhere, often overlapping, and its classification task
asks which classes appear at all (a multi-label task, scored by average precision per class).
:func:`make_scenes` renders that: ``objects`` objects (2 to 4 by default) of distinct classes,
each at a scene's scale (:data:`SCENE_SCALE_RANGE`, smaller than a single object's
``SCALE_RANGE``), anywhere in the frame, drawn back to front over a random background and the
same clutter as the single-object images. Objects may overlap, but a new object's box covers at
most :data:`MAX_COVER` of an earlier one's (or of its own), so that no object is labelled
present while hidden. ``objects=(1, 1)`` gives single objects at the scenes' scale: the
control that tells "several objects" from "small objects".

Image ``i`` of a split depends only on ``(seed, split, i)`` and the arguments, not on how many
images are asked for; each object has its own random stream, and the scenes' streams are
distinct from every single-object image's.

Example:
    >>> from zfviz.data.world.scenes import make_scenes
    >>> s = make_scenes("train", n=3, size=64)
    >>> s.images.shape, s.labels.shape, s.labels.sum(axis=1).tolist() == [len(o) for o in s.objects]
    ((3, 64, 64, 3), (3, 10), True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zfviz.data.world.backgrounds import _BACKGROUND_FNS, _clutter
from zfviz.data.world.catalogue import _STREAMS, ANGLE_RANGE, BACKGROUNDS, SPLITS
from zfviz.data.world.objects import _BUILDERS
from zfviz.data.world.render import (
    _check_seed,
    _check_size,
    _draw_object,
    _fit_random_pose,
    _resolve_classes,
)
from zfviz.data.world.shapes import _bbox, _Draws, _Frame, _paint, _place

__all__ = ["SCENE_SCALE_RANGE", "MAX_COVER", "SceneBatch", "make_scenes"]

SCENE_SCALE_RANGE: tuple[float, float] = (0.3, 0.5)  # a single object's is (0.45, 0.9)
MAX_COVER = 0.4  # of the smaller of two objects' boxes, at most, may lie in both
_TRIES = 20  # positions tried per object before the least-covering one is kept


@dataclass
class SceneBatch:
    """Scenes with their ground truth.

    Attributes:
        images: ``(N, H, W, 3)`` uint8.
        labels: ``(N, C)`` uint8, 1 where class ``c`` appears in the scene (PASCAL's
            classification labels).
        classes: the ``C`` class names.
        objects: per scene, the class index of each object, back to front.
        boxes: per scene, ``(k, 4)`` float32 boxes ``x0, y0, x1, y1`` in pixels, one per object.
        backgrounds: ``(N,)`` int64 index into ``BACKGROUNDS``.
        masks: ``(N, H, W)`` uint8 object-id maps (0 background or clutter, ``j + 1`` for
            object ``j``, where it is visible), or None when not asked for.
    """

    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    objects: list[np.ndarray]
    boxes: list[np.ndarray]
    backgrounds: np.ndarray
    masks: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.images)


def _cover(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The share of the smaller box that lies in both."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / max(smaller, 1e-9)


def _check_objects(objects: tuple[int, int] | Sequence[int], n_classes: int) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in objects)
    except (TypeError, ValueError):
        raise ValueError(f"objects must be a pair (fewest, most), got {objects!r}") from None
    if not 1 <= lo <= hi:
        raise ValueError(f"objects must satisfy 1 <= fewest <= most, got {objects!r}")
    if hi > n_classes:
        raise ValueError(
            f"objects: a scene holds distinct classes, so at most {n_classes} here, got {hi}"
        )
    return lo, hi


def make_scenes(
    split: str = "train",
    n: int = 100,
    size: int = 112,
    seed: int = 0,
    classes: str | Sequence[str] = "novel",
    objects: tuple[int, int] = (2, 4),
    with_masks: bool = False,
) -> SceneBatch:
    """``n`` scenes of ``objects`` objects of distinct classes each (see the module's text).

    Args:
        split: ``"train"``, ``"val"`` or ``"test"`` (disjoint streams).
        n: scenes (>= 1).
        size: image side in pixels (>= 32).
        seed: the world's seed (>= 0).
        classes: the class set the objects are drawn from, as ``make_split`` names it.
        objects: ``(fewest, most)`` objects per scene, uniformly; ``(1, 1)`` for single small
            objects.
        with_masks: also return the object-id maps.

    Example:
        >>> s = make_scenes("test", n=2, size=48, objects=(1, 1), with_masks=True)
        >>> [len(o) for o in s.objects], int(s.masks.max())
        ([1, 1], 1)
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of: {', '.join(SPLITS)}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    _check_size(size)
    _check_seed(seed)
    names = _resolve_classes(classes)
    lo, hi = _check_objects(objects, len(names))
    images = np.empty((n, size, size, 3), np.uint8)
    labels = np.zeros((n, len(names)), np.uint8)
    masks = np.zeros((n, size, size), np.uint8) if with_masks else None
    kinds, boxes, backgrounds = [], [], np.empty(n, np.int64)
    canvas = np.empty((3, size, size), np.float32)
    image_frame = _Frame(0.0, 0.0, float(size), 1.0, 0.0, 0.0)
    for i in range(n):
        base = [int(seed), _STREAMS["scenes"], SPLITS.index(split), i]
        d = _Draws(np.random.default_rng(np.random.SeedSequence(base)))
        k = lo + d.choice(hi - lo + 1)
        left = list(range(len(names)))
        chosen = [left.pop(d.choice(len(left))) for _ in range(k)]
        backgrounds[i] = d.choice(len(BACKGROUNDS))
        junk = _clutter(d)
        _BACKGROUND_FNS[BACKGROUNDS[backgrounds[i]]](d, size, canvas)
        for shape in junk:
            prim = _place(shape.prim, image_frame)
            _paint(canvas, prim, _bbox(prim), shape, float(size), 0.0)
        placed: list[tuple[float, float, float, float]] = []
        ids = masks[i] if masks is not None else None
        for j, c in enumerate(chosen):
            o = _Draws(np.random.default_rng(np.random.SeedSequence([*base, 1 + j])))
            parts = _BUILDERS[names[c]](o)
            scale, angle = o.u(*SCENE_SCALE_RANGE), o.u(*ANGLE_RANGE)
            best = None
            for _ in range(_TRIES):  # anywhere in the frame, not centred as a photograph
                pose, posed = _fit_random_pose(parts, size, scale, angle, o.u(), o.u())
                x0, y0, x1, y1 = posed.extent
                cx, cy = pose.cx * size, pose.cy * size
                box = (x0 + cx, y0 + cy, x1 + cx, y1 + cy)
                worst = max((_cover(box, b) for b in placed), default=0.0)
                if best is None or worst < best[0]:
                    best = (worst, pose, posed)
                if worst <= MAX_COVER:
                    break
            _, pose, posed = best
            box, _ = _draw_object(parts, posed, pose, size, canvas, ids, lambda _n, _d, j=j: j + 1)
            placed.append(box)
        canvas_hwc = np.moveaxis(canvas, 0, -1) + 0.5
        images[i] = canvas_hwc
        labels[i, chosen] = 1
        kinds.append(np.array(chosen, np.int64))
        boxes.append(np.array(placed, np.float32))
    return SceneBatch(images, labels, names, kinds, boxes, backgrounds, masks)
