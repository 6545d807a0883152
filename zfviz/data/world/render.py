"""One image (an object posed, rasterised over its background and clutter) and the public API:
samples, splits, aligned instances and the novel classes' splits."""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from zfviz.data.world.backgrounds import _BACKGROUND_FNS, _choose_background, _clutter
from zfviz.data.world.catalogue import (
    _ALIGNED_SCALE,
    _MARGIN,
    _STREAMS,
    ANGLE_RANGE,
    BACKGROUNDS,
    MIN_SIZE,
    NOVEL_CLASSES,
    SCALE_RANGE,
    SOURCE_CLASSES,
    SPLITS,
    Pose,
    WorldBatch,
)
from zfviz.data.world.objects import (
    _BUILDERS,
    FINE_NOVEL_CLASSES,
    FINE_SOURCE_CLASSES,
    _check_class,
    class_parts,
)
from zfviz.data.world.shapes import (
    Part,
    Polygon,
    Prim,
    _bbox,
    _centre,
    _Draws,
    _Frame,
    _paint,
    _place,
)

# One image


class _Rendered(NamedTuple):
    box: tuple[float, float, float, float]
    keypoints: dict[str, tuple[float, float]]
    background: int
    pose: Pose


class _Posed(NamedTuple):
    """The object's shapes turned and scaled into pixels, around the origin (before the shift
    to the pose's centre), with their boxes: computed once, for both the fit and the drawing."""

    prims: list[list[Prim]]
    boxes: list[list[tuple[float, float, float, float]]]
    extent: tuple[float, float, float, float]


def _pose_parts(parts: list[Part], scale_px: float, angle: float) -> _Posed:
    a = math.radians(angle)
    f = _Frame(0.0, 0.0, scale_px, math.cos(a), math.sin(a), angle)
    prims = [[_place(s.prim, f) for s in part.shapes] for part in parts]
    boxes = [[_bbox(q) for q in row] for row in prims]
    flat = [b for row in boxes for b in row]
    extent = (
        min(b[0] for b in flat),
        min(b[1] for b in flat),
        max(b[2] for b in flat),
        max(b[3] for b in flat),
    )
    return _Posed(prims, boxes, extent)


def _shift(prim: Prim, dx: float, dy: float) -> Prim:
    if isinstance(prim, Polygon):
        return Polygon(tuple((x + dx, y + dy) for x, y in prim.points))
    return prim._replace(x=prim.x + dx, y=prim.y + dy)


def _fit_random_pose(
    parts: list[Part], size: int, scale: float, angle: float, ux: float, uy: float
) -> tuple[Pose, _Posed]:
    """A pose with the whole object in view, from uniform draws ``ux, uy`` for the position;
    the object is shrunk first if, turned, it would not fit."""
    posed = _pose_parts(parts, scale * size, angle)
    x0, y0, x1, y1 = (v / size for v in posed.extent)
    room = 1.0 - 2 * _MARGIN
    shrink = min(1.0, room / (x1 - x0), room / (y1 - y0))
    if shrink < 1.0:
        scale *= shrink
        posed = _pose_parts(parts, scale * size, angle)
        x0, y0, x1, y1 = (v / size for v in posed.extent)
    cx = (_MARGIN - x0) + ux * max(0.0, room - (x1 - x0))
    cy = (_MARGIN - y0) + uy * max(0.0, room - (y1 - y0))
    return Pose(cx, cy, scale, angle), posed


def _render_one(
    class_name: str,
    entropy: Sequence[int],
    size: int,
    canvas: np.ndarray,
    ids: np.ndarray | None,
    part_ids: dict[str, int],
    pose: Pose | None = None,
    background: int | None = None,
    clutter: bool = True,
    jitter: bool = True,
) -> _Rendered:
    """Renders one image into ``canvas`` (and ``ids``). The draws happen in a fixed order
    (object, pose, background choice, clutter, texture), so that overriding the pose or the
    background leaves the object's shape and colours, and the clutter, unchanged."""
    d = _Draws(np.random.default_rng(np.random.SeedSequence(list(entropy))), jitter)
    parts = _BUILDERS[class_name](d)
    scale, angle = d.u(*SCALE_RANGE), d.u(*ANGLE_RANGE)
    # Photographers centre their subjects: a triangular spread, denser in the middle.
    ux, uy = (d.u() + d.u()) / 2, (d.u() + d.u()) / 2
    bg = _choose_background(d, class_name)
    bg = bg if background is None else background
    junk = _clutter(d)
    _BACKGROUND_FNS[BACKGROUNDS[bg]](d, size, canvas)

    if clutter:
        image_frame = _Frame(0.0, 0.0, float(size), 1.0, 0.0, 0.0)
        for shape in junk:
            prim = _place(shape.prim, image_frame)
            _paint(canvas, prim, _bbox(prim), shape, float(size), 0.0)
    if pose is None:
        pose, posed = _fit_random_pose(parts, size, scale, angle, ux, uy)
    else:
        posed = _pose_parts(parts, pose.scale * size, pose.angle)
    box, keypoints = _draw_object(parts, posed, pose, size, canvas, ids, part_ids.get)
    return _Rendered(box, keypoints, bg, pose)


def _draw_object(
    parts: list[Part],
    posed: _Posed,
    pose: Pose,
    size: int,
    canvas: np.ndarray,
    ids: np.ndarray | None,
    part_id: Callable[[str, int], int],
) -> tuple[tuple[float, float, float, float], dict[str, tuple[float, float]]]:
    """Paints a posed object over ``canvas`` (and its part ids, ``part_id(name, 0)``, into
    ``ids``); returns its box, clipped to the image, and its part centres in pixels."""
    cx, cy = pose.cx * size, pose.cy * size
    keypoints = {}
    for part, prims, boxes in zip(parts, posed.prims, posed.boxes, strict=True):
        pid = part_id(part.name, 0)
        for shape, prim, b in zip(part.shapes, prims, boxes, strict=True):
            box = (b[0] + cx, b[1] + cy, b[2] + cx, b[3] + cy)
            _paint(
                canvas, _shift(prim, cx, cy), box, shape, pose.scale * size, pose.angle, ids, pid
            )
        kx, ky = _centre(prims[0])
        keypoints[part.name] = (kx + cx, ky + cy)
    x0, y0, x1, y1 = posed.extent
    box = (
        min(max(x0 + cx, 0.0), size),
        min(max(y0 + cy, 0.0), size),
        max(min(x1 + cx, size), 0.0),
        max(min(y1 + cy, size), 0.0),
    )
    return box, keypoints


# --------------------------------------------------------------------------------------------
# Public API


def _check_size(size: int) -> None:
    if not isinstance(size, (int, np.integer)) or size < MIN_SIZE:
        raise ValueError(f"size must be an integer >= {MIN_SIZE}, got {size!r}")


def _check_seed(seed: int) -> None:
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _resolve_classes(classes: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(classes, str):
        if classes == "source":
            return SOURCE_CLASSES
        if classes == "novel":
            return NOVEL_CLASSES
        if classes == "fine":
            return FINE_SOURCE_CLASSES
        if classes == "fine_novel":
            return FINE_NOVEL_CLASSES
        if classes in _BUILDERS:
            return (classes,)
        raise ValueError(
            f"classes must be 'source', 'fine', 'novel', 'fine_novel' or a list of class names, "
            f"got {classes!r}; valid class names: "
            f"{', '.join(FINE_SOURCE_CLASSES + FINE_NOVEL_CLASSES)}"
        )
    names = tuple(classes)
    if not names:
        raise ValueError("classes must name at least one class")
    for name in names:
        _check_class(name)
    if len(set(names)) != len(names):
        raise ValueError(f"classes must not repeat, got {names}")
    return names


def _class_key(name: str) -> int:
    # A stable hash of the name (not its position), so that an image does not depend on which
    # other classes were asked for.
    return zlib.crc32(name.encode("utf-8"))


def _render_batch(
    classes: tuple[str, ...],
    items: Sequence[tuple[int, Sequence[int]]],
    size: int,
    with_masks: bool,
    pose: Pose | None = None,
    background: int | None = None,
    clutter: bool = True,
    jitter: bool = True,
) -> WorldBatch:
    """Renders ``(label, seed entropy)`` items into one batch."""
    names: list[str] = []
    for c in classes:
        names += [p for p in class_parts(c) if p not in names]
    part_ids = {name: k + 1 for k, name in enumerate(names)}
    n = len(items)
    images = np.empty((n, size, size, 3), np.uint8)
    masks = np.zeros((n, size, size), np.uint8) if with_masks else None
    boxes = np.empty((n, 4), np.float32)
    keypoints = np.full((n, len(names), 2), np.nan, np.float32)
    backgrounds = np.empty(n, np.int64)
    poses = []
    canvas = np.empty((3, size, size), np.float32)
    interleaved = np.empty((size, size, 3), np.float32)
    for i, (label, entropy) in enumerate(items):
        ids = masks[i] if masks is not None else None
        out = _render_one(
            classes[label], entropy, size, canvas, ids, part_ids, pose, background, clutter, jitter
        )
        # Interleave plane by plane (a transposing copy is three times slower), then round.
        for ch in range(3):
            interleaved[:, :, ch] = canvas[ch]
        interleaved += 0.5
        images[i] = interleaved
        boxes[i] = out.box
        for name, xy in out.keypoints.items():
            keypoints[i, part_ids[name] - 1] = xy
        backgrounds[i] = out.background
        poses.append(out.pose)
    return WorldBatch(
        images=images,
        labels=np.array([label for label, _ in items], np.int64),
        classes=classes,
        boxes=boxes,
        keypoints=keypoints,
        keypoint_names=tuple(names),
        backgrounds=backgrounds,
        poses=poses,
        masks=masks,
        part_names=tuple(names) if with_masks else None,
    )


def render_sample(
    class_name: str,
    seed: int,
    size: int = 112,
    pose: Pose | None = None,
    background: str | None = None,
    clutter: bool = True,
    with_mask: bool = False,
) -> WorldBatch:
    """One image of ``class_name`` (a batch of one), optionally in a given pose or background.

    The object's shape and colours and the clutter depend only on ``(class_name, seed)``:
    changing ``pose`` or ``background`` moves or re-dresses the same instance, which is what the
    invariance chapter needs (turn one object through 360 degrees, say).

    Example:
        >>> b = render_sample("face", seed=3, pose=Pose(0.5, 0.5, 0.7, 0.0), with_mask=True)
        >>> b.images.shape, b.masks.shape, "nose" in b.part_names
        ((1, 112, 112, 3), (1, 112, 112), True)
    """
    _check_class(class_name)
    _check_seed(seed)
    _check_size(size)
    bg = None
    if background is not None:
        if background not in BACKGROUNDS:
            raise ValueError(
                f"unknown background {background!r}; expected one of: {', '.join(BACKGROUNDS)}"
            )
        bg = BACKGROUNDS.index(background)
    if pose is not None and not isinstance(pose, Pose):
        raise ValueError(f"pose must be a Pose or None, got {type(pose).__name__}")
    if pose is not None and not pose.scale > 0:
        raise ValueError(f"pose.scale must be positive, got {pose.scale}")
    entropy = (int(seed), _STREAMS["sample"], _class_key(class_name), 0)
    return _render_batch((class_name,), [(0, entropy)], size, with_mask, pose, bg, clutter)


def make_split(
    split: str = "train",
    classes: str | Sequence[str] = "source",
    n_per_class: int = 100,
    size: int = 112,
    seed: int = 0,
    with_masks: bool = False,
) -> WorldBatch:
    """``n_per_class`` images of each class, class by class, for one split.

    Image ``i`` of class ``c`` in split ``split`` depends only on ``(seed, split, c, i)``: asking
    for more images or other classes never changes it, and the splits are disjoint by
    construction (each split has its own seed stream).

    Args:
        split: ``"train"``, ``"val"`` or ``"test"``.
        classes: ``"source"``, ``"fine"``, ``"novel"``, ``"fine_novel"``, or a list of class
            names (labels follow its order).
        n_per_class: images per class (>= 1).
        size: image side in pixels (>= 32).
        seed: the world's seed (>= 0).
        with_masks: also return the part-id maps.

    Example:
        >>> b = make_split("test", "novel", n_per_class=4, size=64)
        >>> len(b), b.classes[b.labels[-1]]
        (40, 'robot')
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of: {', '.join(SPLITS)}")
    names = _resolve_classes(classes)
    if not isinstance(n_per_class, (int, np.integer)) or n_per_class < 1:
        raise ValueError(f"n_per_class must be an integer >= 1, got {n_per_class!r}")
    _check_size(size)
    _check_seed(seed)
    return _split_images(split, names, range(n_per_class), size, seed, with_masks)


def _split_images(
    split: str, names: tuple[str, ...], indices: range, size: int, seed: int, with_masks: bool
) -> WorldBatch:
    items = [
        (label, (int(seed), _STREAMS[split], _class_key(name), i))
        for label, name in enumerate(names)
        for i in indices
    ]
    return _render_batch(names, items, size, with_masks)


def aligned_instances(
    class_name: str = "face", n: int = 5, size: int = 112, seed: int = 0, with_masks: bool = True
) -> WorldBatch:
    """``n`` instances of one class in the same pose (centred, upright, fixed scale, no shape
    jitter), differing only in colours, background and clutter: the book's stand-in for the
    paper's five aligned dog faces. Their keypoints coincide, so masking "the same part" in every
    image means masking the same pixels.

    Example:
        >>> b = aligned_instances("face", n=5)
        >>> bool(b.keypoints[:, b.keypoint_names.index("nose")].std(axis=0).max() < 1e-3)
        True
    """
    _check_class(class_name)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    _check_size(size)
    _check_seed(seed)
    pose = Pose(0.5, 0.5, _ALIGNED_SCALE, 0.0)
    items = [(0, (int(seed), _STREAMS["aligned"], _class_key(class_name), i)) for i in range(n)]
    return _render_batch((class_name,), items, size, with_masks, pose=pose, jitter=False)


def novel_splits(
    n_train: int,
    n_test: int,
    fold: int = 0,
    size: int = 112,
    seed: int = 0,
    classes: str | Sequence[str] = "novel",
) -> tuple[WorldBatch, WorldBatch]:
    """An n-shot training set and a test set over the novel classes (the paper's Caltech runs):
    ``classes="novel"``, the ten that play Caltech-101, or ``"fine_novel"``, those ten and
    their twenty siblings, the thirty that play Caltech-256 (or any list of class names).

    Fold ``f`` trains on images ``f * n_train .. (f + 1) * n_train - 1`` of the novel classes'
    train stream, so different folds see different images; the test set is the same for every
    fold and comes from the test stream, so it never overlaps any training set.

    Example:
        >>> train, test = novel_splits(n_train=5, n_test=10, fold=1, size=48)
        >>> len(train), len(test), train.classes == test.classes
        (50, 100, True)
        >>> len(novel_splits(1, 1, size=48, classes="fine_novel")[1])
        30
    """
    for label, value in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    if not isinstance(fold, (int, np.integer)) or fold < 0:
        raise ValueError(f"fold must be a non-negative integer, got {fold!r}")
    _check_size(size)
    _check_seed(seed)
    names = _resolve_classes(classes)
    start = int(fold) * int(n_train)
    train = _split_images("train", names, range(start, start + n_train), size, seed, False)
    test = _split_images("test", names, range(n_test), size, seed, False)
    return train, test
