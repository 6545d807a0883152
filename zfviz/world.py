"""The embedded data world: procedurally rendered objects made of parts, on textured backgrounds.

No real image data set can be fetched offline, so the quick profile of the book draws its own
images. Each class is an object assembled from a shared vocabulary of primitive shapes (discs,
ellipses, bars, triangles, rings, with solid, striped or dotted fills); classes differ in how the
parts are arranged, not in one colour or one blob, so that telling them apart needs the
configuration of parts -- the thing depth is good at. Every image comes with ground truth no real
data set gives for free: the object box, a keypoint per part and, on request, a part-id map.

- ``SOURCE_CLASSES`` stand in for ImageNet (pre-training), ``NOVEL_CLASSES`` for Caltech
  (transfer). ``"face"`` is a frontal animal face whose ``right_eye``, ``left_eye`` and ``nose``
  play the paper's aligned dog faces; ``"flower"`` is rotationally symmetric (8 petals).
- ``FINE_SOURCE_CLASSES`` (``classes="fine"``) adds three fine-grained siblings to each source
  class (``SIBLINGS``: the base with one part grown, removed or given a fixed texture), as
  ImageNet's dog breeds differ from each other: a 40-class task whose siblings a network can
  only tell apart by a small part, seen at its own resolution.
- Two source classes are shown mostly on one background (``BIASED_CLASSES``), a deliberate
  context bias so that a network can learn a feature that fires on the background ("grass").
- Nuisances (position, scale, rotation, colour jitter with overlapping class colours, small
  distractor shapes) keep the classes from being linearly separable in pixel space.

Images are deterministic: image ``i`` of class ``c`` in split ``s`` depends only on
``(seed, s, c, i)``, and all geometry is in fractions of the image side, so the same seed gives
the same scene at any resolution.

Conventions: pixel ``(row, col)`` covers ``[col, col + 1) x [row, row + 1)`` in (x, y) pixel
coordinates, x to the right and y down. Angles are degrees, counter-clockwise as seen on screen.
Part names follow the object's own side: ``right_eye`` is the face's right eye, which appears on
the left of the image.

Example:
    >>> from zfviz.world import make_split
    >>> batch = make_split("train", "source", n_per_class=2, size=64)
    >>> batch.images.shape, batch.labels[:3].tolist()
    ((20, 64, 64, 3), [0, 0, 1])
"""

from __future__ import annotations

import colorsys
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np

__all__ = [
    "ANGLE_RANGE",
    "BACKGROUNDS",
    "BIAS_PROBABILITY",
    "BIASED_CLASSES",
    "FINE_SOURCE_CLASSES",
    "NOVEL_CLASSES",
    "SCALE_RANGE",
    "SIBLINGS",
    "SOURCE_CLASSES",
    "SPLITS",
    "Pose",
    "WorldBatch",
    "aligned_instances",
    "class_parts",
    "make_split",
    "novel_splits",
    "render_sample",
]

SOURCE_CLASSES: tuple[str, ...] = (
    "face",
    "flower",
    "car",
    "house",
    "tree",
    "fish",
    "butterfly",
    "traffic_light",
    "mushroom",
    "rocket",
)
NOVEL_CLASSES: tuple[str, ...] = (
    "bicycle",
    "snowman",
    "umbrella",
    "sailboat",
    "dumbbell",
    "windmill",
    "cup",
    "turtle",
    "clock",
    "robot",
)
BACKGROUNDS: tuple[str, ...] = ("grass", "stripes", "checker", "dots", "clouds", "gradient")
BIASED_CLASSES: dict[str, str] = {"mushroom": "grass", "car": "checker"}
BIAS_PROBABILITY: float = 0.8
SPLITS: tuple[str, ...] = ("train", "val", "test")
SCALE_RANGE: tuple[float, float] = (0.45, 0.9)
ANGLE_RANGE: tuple[float, float] = (-25.0, 25.0)
MIN_SIZE = 32
# Bump when a change alters any rendered pixel: trained checkpoints are keyed by it.
WORLD_VERSION = 1

# Fixed pose of `aligned_instances`: centred, upright, large enough for parts to be masked.
_ALIGNED_SCALE = 0.75
# Keeps randomly posed objects this far (fraction of the side) from the image border.
_MARGIN = 0.02
# Seed keys that are not splits; distinct so that no two APIs ever draw the same image.
_STREAMS = {"train": 1, "val": 2, "test": 3, "sample": 4, "aligned": 5}


# --------------------------------------------------------------------------------------------
# Public containers


@dataclass(frozen=True)
class Pose:
    """Where and how an object is drawn.

    Attributes:
        cx, cy: centre of the object's frame, as a fraction of the image side (0..1).
        scale: object size (its frame spans ``[-0.5, 0.5]``) as a fraction of the image side.
        angle: rotation in degrees, counter-clockwise on screen.

    Example:
        >>> render_sample("flower", seed=0, pose=Pose(0.5, 0.5, 0.6, 90.0)).poses[0].angle
        90.0
    """

    cx: float
    cy: float
    scale: float
    angle: float


@dataclass
class WorldBatch:
    """A batch of rendered images with their ground truth.

    Attributes:
        images: ``(N, H, W, 3)`` uint8.
        labels: ``(N,)`` int64 index into ``classes``.
        classes: class names of this batch.
        boxes: ``(N, 4)`` float32 object box ``x0, y0, x1, y1`` in pixels, clipped to the image.
        keypoints: ``(N, K, 2)`` float32 part centres ``(x, y)`` in pixels; NaN where the
            sample's class lacks that part. Not clipped: a part moved off-image by an explicit
            pose keeps its true position.
        keypoint_names: the K part names (union over ``classes``, in class then part order).
        backgrounds: ``(N,)`` int64 index into ``BACKGROUNDS``.
        poses: one `Pose` per image.
        masks: ``(N, H, W)`` uint8 part-id map (0 background or clutter, ``k`` for
            ``part_names[k - 1]``), or None when masks were not asked for.
        part_names: names of part ids ``1..P`` (the same as ``keypoint_names``), or None.

    Example:
        >>> b = make_split("val", ["face", "car"], n_per_class=3, size=48)
        >>> len(b), len(b.subset(b.labels == 1)), b.keypoint_names[:3]
        (6, 3, ('right_ear', 'left_ear', 'head'))
    """

    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    boxes: np.ndarray
    keypoints: np.ndarray
    keypoint_names: tuple[str, ...]
    backgrounds: np.ndarray
    poses: list[Pose]
    masks: np.ndarray | None = None
    part_names: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, idx: Sequence[int] | np.ndarray | slice) -> WorldBatch:
        """The images selected by ``idx`` (indices, boolean mask or slice), with their labels.

        Example:
            >>> make_split("val", "source", n_per_class=2, size=32).subset([0, 5]).labels.tolist()
            [0, 2]
        """
        if isinstance(idx, slice):
            rows = np.arange(len(self))[idx]
        else:
            rows = np.asarray(idx)
            if rows.dtype == bool:
                if rows.shape != (len(self),):
                    raise ValueError(f"boolean index must have shape ({len(self)},)")
                rows = np.flatnonzero(rows)
            rows = rows.astype(np.int64).reshape(-1)
        return WorldBatch(
            images=self.images[rows],
            labels=self.labels[rows],
            classes=self.classes,
            boxes=self.boxes[rows],
            keypoints=self.keypoints[rows],
            keypoint_names=self.keypoint_names,
            backgrounds=self.backgrounds[rows],
            poses=[self.poses[r] for r in rows],
            masks=None if self.masks is None else self.masks[rows],
            part_names=self.part_names,
        )


# --------------------------------------------------------------------------------------------
# Random numbers: one block of uniforms per image, handed out in a fixed order


class _Draws:
    """Uniform numbers handed out one by one, drawn from the generator in blocks.

    One generator call per block instead of one per number keeps the per-image cost low; the
    fixed order of use makes every image a pure function of its seed. ``jitter=False`` makes the
    shape jitter return nominal values (aligned instances) while still using up the same numbers.
    """

    def __init__(self, rng: np.random.Generator, jitter: bool = True, block: int = 96):
        self.rng = rng
        self.jitter = jitter
        self._block = block
        self._next = iter(()).__next__

    def u(self, lo: float = 0.0, hi: float = 1.0) -> float:
        try:
            x = self._next()
        except StopIteration:
            self._next = iter(self.rng.random(self._block).tolist()).__next__
            x = self._next()
        return lo + (hi - lo) * x

    def jit(self, x: float, rel: float = 0.08) -> float:
        """``x`` varied by up to ``rel`` of itself: the shape differences between instances."""
        r = self.u(-rel, rel)
        return x * (1.0 + r) if self.jitter else x

    def vary(self, lo: float, hi: float, nominal: float) -> float:
        """A shape choice in [lo, hi], or ``nominal`` when shape jitter is off."""
        x = self.u(lo, hi)
        return x if self.jitter else nominal

    def choice(self, n: int) -> int:
        return min(int(self.u() * n), n - 1)

    def colour(self, *families: str) -> tuple[float, float, float]:
        """An RGB colour (0..255) from one of the named families, picked at random."""
        fam = _FAMILIES[families[self.choice(len(families))]]
        h = self.u(*fam[0]) % 1.0
        s = self.u(*fam[1])
        v = self.u(*fam[2])
        return _hsv(h, s, v)


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return (255.0 * r, 255.0 * g, 255.0 * b)


# Hue, saturation, value ranges. Classes draw from several overlapping families, so that no
# colour identifies a class on its own.
_FAMILIES: dict[str, tuple[tuple[float, float], ...]] = {
    "any": ((0.0, 1.0), (0.35, 0.95), (0.35, 1.0)),
    "warm": ((-0.04, 0.15), (0.5, 0.95), (0.55, 1.0)),
    "earth": ((0.02, 0.12), (0.35, 0.8), (0.25, 0.65)),
    "green": ((0.2, 0.42), (0.4, 0.9), (0.3, 0.85)),
    "cool": ((0.5, 0.75), (0.35, 0.9), (0.35, 0.95)),
    "dark": ((0.0, 1.0), (0.0, 0.5), (0.04, 0.22)),
    "light": ((0.0, 1.0), (0.0, 0.2), (0.82, 1.0)),
    "grey": ((0.0, 1.0), (0.0, 0.08), (0.3, 0.75)),
}


# --------------------------------------------------------------------------------------------
# Primitives. Built in the object's frame (units of object size), then placed in pixels.


class Ellipse(NamedTuple):
    x: float
    y: float
    rx: float
    ry: float
    angle: float = 0.0  # degrees, counter-clockwise
    half: bool = False  # keep only the half on the ellipse's own "up" side (a dome)


class Ring(NamedTuple):
    x: float
    y: float
    r: float  # radius of the ring's mid-line
    width: float
    angle: float = 0.0
    half: bool = False


class Polygon(NamedTuple):
    points: tuple[tuple[float, float], ...]  # convex, either winding


class Fill(NamedTuple):
    """A second colour laid over a shape in stripes or dots that turn with the shape."""

    kind: str  # "stripes" or "dots"
    colour: tuple[float, float, float]
    period: float  # in object units
    angle: float  # degrees, relative to the object
    radius: float = 0.3  # dot radius as a fraction of the period


class Shape(NamedTuple):
    prim: Ellipse | Ring | Polygon
    colour: tuple[float, float, float]
    fill: Fill | None = None


class Part(NamedTuple):
    """A named part: one or more shapes; its keypoint is the centre of the first shape."""

    name: str
    shapes: tuple[Shape, ...]


Prim = Ellipse | Ring | Polygon


def _box(x: float, y: float, hw: float, hh: float, angle: float = 0.0) -> Polygon:
    """A rectangle centred at (x, y) with half sizes hw, hh, turned by ``angle``."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    corners = ((-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh))
    return Polygon(tuple((x + u * c + v * s, y - u * s + v * c) for u, v in corners))


def _bar(p: tuple[float, float], q: tuple[float, float], width: float) -> Polygon:
    """A straight bar of the given width from point p to point q."""
    dx, dy = q[0] - p[0], q[1] - p[1]
    n = math.hypot(dx, dy) or 1.0
    ox, oy = -dy / n * width / 2, dx / n * width / 2
    return Polygon(
        (
            (p[0] + ox, p[1] + oy),
            (q[0] + ox, q[1] + oy),
            (q[0] - ox, q[1] - oy),
            (p[0] - ox, p[1] - oy),
        )
    )


def _tri(*pts: tuple[float, float]) -> Polygon:
    return Polygon(tuple(pts))


def _centre(prim: Prim) -> tuple[float, float]:
    if isinstance(prim, Polygon):
        n = len(prim.points)
        return (sum(p[0] for p in prim.points) / n, sum(p[1] for p in prim.points) / n)
    if isinstance(prim, Ellipse) and prim.half:
        # Area centroid of a half ellipse: 4 ry / (3 pi) towards the dome.
        off = 4.0 * prim.ry / (3.0 * math.pi)
        a = math.radians(prim.angle)
        return (prim.x - off * math.sin(a), prim.y - off * math.cos(a))
    return (prim.x, prim.y)


class _Frame(NamedTuple):
    """Object frame -> pixels: x = cx + s (u cos a + v sin a), y = cy + s (-u sin a + v cos a)."""

    cx: float
    cy: float
    s: float
    cos: float
    sin: float
    angle: float

    def point(self, u: float, v: float) -> tuple[float, float]:
        return (
            self.cx + self.s * (u * self.cos + v * self.sin),
            self.cy + self.s * (-u * self.sin + v * self.cos),
        )


def _place(prim: Prim, f: _Frame) -> Prim:
    if isinstance(prim, Polygon):
        return Polygon(tuple(f.point(u, v) for u, v in prim.points))
    x, y = f.point(prim.x, prim.y)
    if isinstance(prim, Ellipse):
        return Ellipse(x, y, prim.rx * f.s, prim.ry * f.s, prim.angle + f.angle, prim.half)
    return Ring(x, y, prim.r * f.s, prim.width * f.s, prim.angle + f.angle, prim.half)


def _arc_bbox(
    x: float, y: float, rx: float, ry: float, angle: float, half: bool
) -> tuple[float, float, float, float]:
    """Exact box of an ellipse outline, or of its upper half and chord when ``half``."""
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    if not half:
        hx = math.hypot(rx * c, ry * s)
        hy = math.hypot(rx * s, ry * c)
        return (x - hx, y - hy, x + hx, y + hy)
    # Point at parameter t: u = rx cos t, v = ry sin t (kept where v <= 0). The extremes in x
    # and y are at the zeros of the derivatives, or at the ends of the chord (t = 0, pi).
    tx = math.atan2(ry * s, rx * c)
    ty = math.atan2(-ry * c, rx * s)
    ts = [0.0, math.pi] + [t for t in (tx, tx + math.pi, ty, ty + math.pi) if math.sin(t) <= 1e-9]
    xs = [x + rx * math.cos(t) * c + ry * math.sin(t) * s for t in ts]
    ys = [y - rx * math.cos(t) * s + ry * math.sin(t) * c for t in ts]
    return (min(xs), min(ys), max(xs), max(ys))


def _bbox(prim: Prim) -> tuple[float, float, float, float]:
    if isinstance(prim, Polygon):
        xs = [p[0] for p in prim.points]
        ys = [p[1] for p in prim.points]
        return (min(xs), min(ys), max(xs), max(ys))
    if isinstance(prim, Ellipse):
        return _arc_bbox(prim.x, prim.y, prim.rx, prim.ry, prim.angle, prim.half)
    outer = prim.r + prim.width / 2
    return _arc_bbox(prim.x, prim.y, outer, outer, prim.angle, prim.half)


# --------------------------------------------------------------------------------------------
# Rasterising: each shape only inside its box; distances are in pixels, so clipping
# ``0.5 - distance`` to [0, 1] gives a one-pixel soft edge (cheap anti-aliasing), and a pixel is
# inside exactly when its coverage exceeds 0.5.


@lru_cache(maxsize=16)
def _grid(size: int) -> dict[str, np.ndarray]:
    """Coordinate vectors and upsampling matrices shared by every image of one size."""
    c = (np.arange(size, dtype=np.float32) + 0.5).astype(np.float32)
    g: dict[str, np.ndarray] = {"px": c, "X": (c / size)[None, :], "Y": (c / size)[:, None]}
    for n in (4, 7):
        # Bilinear interpolation from an n x n grid of random values to the image.
        pos = (c / size) * (n - 1)
        lo = np.minimum(pos.astype(np.int64), n - 2)
        w = pos - lo
        m = np.zeros((size, n), np.float32)
        m[np.arange(size), lo] = 1 - w
        m[np.arange(size), lo + 1] = w
        g[f"up{n}"] = m
    return g


def _clip01(a: np.ndarray) -> np.ndarray:
    np.maximum(a, 0.0, out=a)
    return np.minimum(a, 1.0, out=a)


def _ellipse_cover(e: Ellipse, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    a = math.radians(e.angle)
    c, s = math.cos(a), math.sin(a)
    dx, dy = xs - e.x, ys - e.y
    u = (dx * (c / e.rx))[None, :] - (dy * (s / e.rx))[:, None]
    v = (dx * (s / e.ry))[None, :] + (dy * (c / e.ry))[:, None]
    # Near the outline 1 - u^2 - v^2 ~ 2 d / r: scaled by the geometric mean radius this is a
    # signed distance in pixels, good enough for a soft edge.
    k = 0.5 * math.sqrt(e.rx * e.ry)
    cov = u * u
    cov += v * v
    cov *= -k
    cov += k + 0.5
    if e.half:
        np.minimum(cov, 0.5 - v * e.ry, out=cov)
    return _clip01(cov)


def _ring_cover(r: Ring, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    dx, dy = xs - r.x, ys - r.y
    d = np.sqrt((dx * dx)[None, :] + (dy * dy)[:, None])
    d -= r.r
    cov = r.width / 2 + 0.5 - np.abs(d, out=d)
    if r.half:
        a = math.radians(r.angle)
        v = (dx * math.sin(a))[None, :] + (dy * math.cos(a))[:, None]
        np.minimum(cov, 0.5 - v, out=cov)
    return _clip01(cov)


def _polygon_cover(p: Polygon, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    pts = p.points
    # Twice the signed area (shoelace); its sign gives the winding, hence the inner side.
    area2 = sum(pts[i - 1][0] * pts[i][1] - pts[i][0] * pts[i - 1][1] for i in range(len(pts)))
    sign = 1.0 if area2 > 0 else -1.0
    edges = []  # inward unit normal (a, b) and offset of each edge's line
    for i in range(len(pts)):
        (x0, y0), (x1, y1) = pts[i - 1], pts[i]
        n = math.hypot(x1 - x0, y1 - y0)
        if n > 0:
            a, b = -sign * (y1 - y0) / n, sign * (x1 - x0) / n
            edges.append((a, b, 0.5 - a * x0 - b * y0))
    coef = np.array(edges, np.float32)
    # Inward distance to every edge's line at once, (edges, h, w), in pixels plus half a pixel;
    # the polygon's soft coverage is the smallest of them.
    across = coef[:, 0:1] * xs
    across += coef[:, 2:3]
    dist = across[:, None, :] + coef[:, 1:2, None] * ys[:, None]
    return _clip01(np.minimum.reduce(dist, axis=0))


def _fill_cover(
    fill: Fill, prim: Prim, scale: float, angle: float, xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    """Where the fill's second colour shows, 0..1, in pattern coordinates tied to the shape."""
    cx, cy = _centre(prim)
    period = max(fill.period * scale, 2.0)
    a = math.radians(fill.angle + angle)
    c, s = math.cos(a) / period, math.sin(a) / period
    dx, dy = xs - cx, ys - cy
    w = (dx * c)[None, :] - (dy * s)[:, None]
    w -= np.floor(w)
    w -= 0.5
    if fill.kind == "stripes":
        cov = np.abs(w, out=w)
        cov -= 0.25
        cov *= period
        cov += 0.5
        return _clip01(cov)
    z = (dx * s)[None, :] + (dy * c)[:, None]
    z -= np.floor(z)
    z -= 0.5
    w *= w
    z *= z
    w += z
    cov = np.sqrt(w, out=w)
    cov *= -period
    cov += fill.radius * period + 0.5
    return _clip01(cov)


def _cover(prim: Prim, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    if isinstance(prim, Polygon):
        return _polygon_cover(prim, xs, ys)
    if isinstance(prim, Ellipse):
        return _ellipse_cover(prim, xs, ys)
    return _ring_cover(prim, xs, ys)


def _paint(
    canvas: np.ndarray,
    prim: Prim,
    box: tuple[float, float, float, float],
    shape: Shape,
    scale: float,
    angle: float,
    ids: np.ndarray | None = None,
    part_id: int = 0,
) -> None:
    """Draws ``shape``, already placed as ``prim`` (pixels) with box ``box``, into ``canvas``
    ((3, H, W) float32, 0..255). ``scale`` and ``angle`` are the frame's, for the fill pattern.

    The canvas is channel-first so that each blend runs over long contiguous rows rather than
    over runs of three channels, which is several times faster in numpy.
    """
    size = canvas.shape[1]
    c0, r0 = max(0, math.floor(box[0]) - 1), max(0, math.floor(box[1]) - 1)
    c1, r1 = min(size, math.ceil(box[2]) + 1), min(size, math.ceil(box[3]) + 1)
    if c1 <= c0 or r1 <= r0:
        return
    px = _grid(size)["px"]
    xs, ys = px[c0:c1], px[r0:r1]
    cov = _cover(prim, xs, ys)
    region = canvas[:, r0:r1, c0:c1]
    _blend(region, cov, shape.colour)
    if shape.fill is not None:
        fc = _fill_cover(shape.fill, prim, scale, angle + _prim_angle(shape.prim), xs, ys)
        fc *= cov
        _blend(region, fc, shape.fill.colour)
    if ids is not None:
        ids[r0:r1, c0:c1][cov > 0.5] = part_id


def _blend(region: np.ndarray, alpha: np.ndarray, colour: tuple[float, float, float]) -> None:
    """region <- region + alpha (colour - region), in place, for a (3, h, w) region."""
    delta = np.asarray(colour, np.float32)[:, None, None] - region
    delta *= alpha
    region += delta


def _prim_angle(prim: Prim) -> float:
    return 0.0 if isinstance(prim, Polygon) else prim.angle


# --------------------------------------------------------------------------------------------
# The classes. Each builder returns the object's parts in drawing order, in the object frame
# (x right, y down, the object within [-0.5, 0.5]); ``d`` supplies shape jitter and colours.
# Every builder uses the same part names whatever the draws, so names are known up front.

_BUILDERS: dict[str, Callable[[_Draws], list[Part]]] = {}


def _builder(name: str):
    def register(fn: Callable[[_Draws], list[Part]]) -> Callable[[_Draws], list[Part]]:
        _BUILDERS[name] = fn
        return fn

    return register


def _maybe_fill(
    d: _Draws, p_stripes: float, p_dots: float, period: float = 0.09, angle: float | None = None
) -> Fill | None:
    """A random fill (or none): stripes and dots are shared part textures, not class cues."""
    r = d.u()
    colour = d.colour("any", "light", "dark")
    per = d.jit(period, 0.3)
    random_angle = d.u(0.0, 180.0)
    angle = random_angle if angle is None else angle
    if r < p_stripes:
        return Fill("stripes", colour, per, angle)
    if r < p_stripes + p_dots:
        return Fill("dots", colour, per, angle, d.u(0.2, 0.35))
    return None


def _part(name: str, *shapes: Shape) -> Part:
    return Part(name, shapes)


@_builder("face")
def _face(d: _Draws) -> list[Part]:
    """A frontal animal face: ears, head, muzzle, two eyes, nose, mouth."""
    skin = d.colour("earth", "earth", "warm", "grey", "light")
    ear = d.colour("earth", "dark", "grey", "any")
    muzzle = d.colour("light", "earth", "warm")
    white = d.colour("light")
    dark = d.colour("dark")
    hw, hh = d.jit(0.34), d.jit(0.37)
    ex, ey, er = d.jit(0.14), d.jit(-0.03, 0.5), d.jit(0.07)
    tip_x, tip_y = d.jit(0.37), d.jit(-0.49, 0.03)
    nose_w, nose_y = d.jit(0.075), d.jit(0.13)
    head_fill = _maybe_fill(d, 0.1, 0.1, 0.12)
    parts = [
        _part("right_ear", Shape(_tri((-0.33, -0.02), (-0.08, -0.28), (-tip_x, tip_y)), ear)),
        _part("left_ear", Shape(_tri((0.33, -0.02), (0.08, -0.28), (tip_x, tip_y)), ear)),
        _part("head", Shape(Ellipse(0.0, 0.06, hw, hh), skin, head_fill)),
        _part("muzzle", Shape(Ellipse(0.0, 0.23, 0.17, 0.13), muzzle)),
    ]
    for name, sx in (("right_eye", -1.0), ("left_eye", 1.0)):
        eye = Shape(Ellipse(sx * ex, ey, er, er * 0.8), white)
        pupil = Shape(Ellipse(sx * ex, ey, er * 0.55, er * 0.55), dark)
        parts.append(_part(name, eye, pupil))
    nose = _tri((-nose_w, nose_y - 0.04), (nose_w, nose_y - 0.04), (0.0, nose_y + 0.06))
    parts.append(_part("nose", Shape(nose, dark)))
    parts.append(_part("mouth", Shape(_bar((-0.08, 0.31), (0.08, 0.31), 0.025), dark)))
    return parts


@_builder("flower")
def _flower(d: _Draws) -> list[Part]:
    """Eight petals around a disc: the rotationally symmetric class."""
    petal = d.colour("any", "warm", "light")
    heart = d.colour("warm", "dark", "earth")
    r, length, width = d.jit(0.3), d.jit(0.17), d.jit(0.085, 0.15)
    fill = _maybe_fill(d, 0.0, 0.4, 0.07)
    parts = []
    for k in range(8):
        a = 45.0 * k
        x, y = r * math.cos(math.radians(a)), -r * math.sin(math.radians(a))
        parts.append(_part(f"petal_{k + 1}", Shape(Ellipse(x, y, length, width, a), petal)))
    parts.append(_part("centre", Shape(Ellipse(0.0, 0.0, 0.14, 0.14), heart, fill)))
    return parts


@_builder("car")
def _car(d: _Draws) -> list[Part]:
    """A side view: cabin on a long body, a window, two wheels."""
    paint = d.colour("any", "warm", "cool")
    glass = d.colour("light", "cool", "grey")
    tyre = d.colour("dark", "grey")
    hub = d.colour("light", "grey")
    hh, wx, wr = d.jit(0.13), d.jit(0.27), d.jit(0.12)
    roof = d.jit(-0.27, 0.1)
    fill = _maybe_fill(d, 0.2, 0.15)
    cabin = Polygon(((-0.28, -0.04), (0.22, -0.04), (0.1, roof), (-0.18, roof)))
    window = Polygon(((-0.22, -0.06), (0.15, -0.06), (0.07, roof + 0.05), (-0.14, roof + 0.05)))
    parts = [
        _part("cabin", Shape(cabin, paint)),
        _part("body", Shape(_box(0.0, 0.08, 0.48, hh), paint, fill)),
        _part("window", Shape(window, glass)),
    ]
    for name, sx in (("rear_wheel", -1.0), ("front_wheel", 1.0)):
        tyre_shape = Shape(Ellipse(sx * wx, 0.21, wr, wr), tyre)
        hub_shape = Shape(Ellipse(sx * wx, 0.21, wr * 0.4, wr * 0.4), hub)
        parts.append(_part(name, tyre_shape, hub_shape))
    return parts


@_builder("house")
def _house(d: _Draws) -> list[Part]:
    """A gabled house: chimney, roof, walls, door and a window with a cross."""
    wall = d.colour("light", "earth", "light", "any")
    roof_c = d.colour("warm", "earth", "dark", "any")
    door_c = d.colour("earth", "dark", "any")
    glass = d.colour("light", "cool")
    frame_c = d.colour("dark", "light")
    hw, roof_y = d.jit(0.35), d.jit(-0.12, 0.2)
    door_x = d.vary(0.08, 0.18, 0.13)
    fill = _maybe_fill(d, 0.2, 0.1)
    wx, wy, wr = -0.16, 0.1, 0.09
    return [
        _part("chimney", Shape(_box(0.22, -0.33, 0.045, 0.11), roof_c)),
        _part("roof", Shape(_tri((-0.47, roof_y), (0.47, roof_y), (0.0, -0.48)), roof_c)),
        _part("walls", Shape(_box(0.0, 0.17, hw, 0.29), wall, fill)),
        _part("door", Shape(_box(door_x, 0.31, 0.07, 0.15), door_c)),
        _part(
            "window",
            Shape(_box(wx, wy, wr, wr), glass),
            Shape(_box(wx, wy, wr, 0.012), frame_c),
            Shape(_box(wx, wy, 0.012, wr), frame_c),
        ),
    ]


@_builder("tree")
def _tree(d: _Draws) -> list[Part]:
    """A pine: a trunk under three stacked triangles."""
    bark = d.colour("earth", "dark", "grey")
    crown = d.colour("green", "green", "green", "any")
    w = d.jit(0.38)
    fill = _maybe_fill(d, 0.1, 0.3, 0.1)
    return [
        _part("trunk", Shape(_box(0.0, 0.38, d.jit(0.06), 0.12), bark)),
        _part("lower_crown", Shape(_tri((-w, 0.28), (w, 0.28), (0.0, -0.08)), crown, fill)),
        _part(
            "middle_crown",
            Shape(_tri((-0.8 * w, 0.08), (0.8 * w, 0.08), (0.0, -0.3)), crown, fill),
        ),
        _part(
            "top_crown",
            Shape(_tri((-0.6 * w, -0.12), (0.6 * w, -0.12), (0.0, -0.5)), crown, fill),
        ),
    ]


@_builder("fish")
def _fish(d: _Draws) -> list[Part]:
    """A fish in profile: tail, dorsal fin, body, eye."""
    scales = d.colour("cool", "cool", "any", "warm")
    fin = d.colour("any", "warm", "cool")
    white = d.colour("light")
    dark = d.colour("dark")
    rx, ry = d.jit(0.34), d.jit(0.19, 0.15)
    tail = d.jit(0.2, 0.2)
    fill = _maybe_fill(d, 0.45, 0.15, 0.1, angle=0.0)  # stripes across the body
    return [
        _part("tail", Shape(_tri((-0.22, 0.0), (-0.48, -tail), (-0.48, tail)), fin)),
        _part("dorsal_fin", Shape(_tri((-0.12, -0.1), (0.14, -0.12), (-0.14, -0.32)), fin)),
        _part("body", Shape(Ellipse(0.05, 0.0, rx, ry), scales, fill)),
        _part(
            "eye",
            Shape(Ellipse(0.25, -0.05, 0.045, 0.045), white),
            Shape(Ellipse(0.25, -0.05, 0.025, 0.025), dark),
        ),
    ]


@_builder("butterfly")
def _butterfly(d: _Draws) -> list[Part]:
    """Four wings in two mirrored pairs around a slim body, with antennae."""
    wing = d.colour("any", "warm", "cool")
    hind = d.colour("any", "warm", "cool")
    dark = d.colour("dark", "earth")
    fw, fh, hw = d.jit(0.22), d.jit(0.15), d.jit(0.15)
    fill = _maybe_fill(d, 0.1, 0.5, 0.08)
    parts = []
    for side, sx in (("right", -1.0), ("left", 1.0)):
        forewing = Ellipse(sx * 0.2, -0.14, fw, fh, 35.0 * sx)
        parts.append(_part(f"{side}_forewing", Shape(forewing, wing, fill)))
    for side, sx in (("right", -1.0), ("left", 1.0)):
        hindwing = Ellipse(sx * 0.15, 0.17, hw, 0.11, -40.0 * sx)
        parts.append(_part(f"{side}_hindwing", Shape(hindwing, hind, fill)))
    parts.append(_part("body", Shape(Ellipse(0.0, 0.02, 0.035, 0.3), dark)))
    parts.append(
        _part(
            "antennae",
            Shape(_bar((0.0, -0.25), (-0.12, -0.45), 0.02), dark),
            Shape(_bar((0.0, -0.25), (0.12, -0.45), 0.02), dark),
        )
    )
    return parts


@_builder("traffic_light")
def _traffic_light(d: _Draws) -> list[Part]:
    """A tall housing on a pole with three round lamps in a column."""
    housing = d.colour("dark", "dark", "grey", "any")
    pole = d.colour("grey", "dark")
    lamps = (d.colour("warm", "any"), d.colour("warm", "any"), d.colour("green", "cool", "any"))
    hw, lr = d.jit(0.16), d.jit(0.1)
    parts = [
        _part("pole", Shape(_box(0.0, 0.42, 0.035, 0.08), pole)),
        _part("housing", Shape(_box(0.0, -0.06, hw, 0.38), housing)),
    ]
    names = ("top_lamp", "middle_lamp", "bottom_lamp")
    for name, y, colour in zip(names, (-0.3, -0.06, 0.18), lamps, strict=True):
        parts.append(_part(name, Shape(Ellipse(0.0, y, lr, lr), colour)))
    return parts


@_builder("mushroom")
def _mushroom(d: _Draws) -> list[Part]:
    """A dome cap over a thick stem."""
    cap = d.colour("warm", "warm", "earth", "any")
    stem = d.colour("light", "earth", "grey")
    gill = d.colour("dark", "earth")
    rx, ry, sw = d.jit(0.45, 0.05), d.jit(0.4), d.jit(0.11)
    fill = _maybe_fill(d, 0.05, 0.55, 0.12)
    return [
        _part("stem", Shape(_box(0.0, 0.2, sw, 0.24), stem)),
        _part("cap", Shape(Ellipse(0.0, 0.02, rx, ry, 0.0, half=True), cap, fill)),
        _part("gills", Shape(Ellipse(0.0, 0.02, rx * 0.85, 0.035), gill)),
    ]


@_builder("rocket")
def _rocket(d: _Draws) -> list[Part]:
    """A body with a nose cone, two fins, a round window and a flame."""
    hull = d.colour("light", "light", "grey", "any")
    trim = d.colour("warm", "any", "dark")
    flame = d.colour("warm")
    glass = d.colour("cool", "dark", "light")
    hw, fin = d.jit(0.12), d.jit(0.3)
    fill = _maybe_fill(d, 0.15, 0.1)
    parts = [_part("flame", Shape(_tri((-0.08, 0.3), (0.08, 0.3), (0.0, 0.5)), flame))]
    for name, sx in (("right_fin", -1.0), ("left_fin", 1.0)):
        parts.append(
            _part(name, Shape(_tri((sx * hw, 0.04), (sx * hw, 0.32), (sx * fin, 0.4)), trim))
        )
    parts += [
        _part("body", Shape(_box(0.0, 0.02, hw, 0.3), hull, fill)),
        _part("nose_cone", Shape(_tri((-hw, -0.28), (hw, -0.28), (0.0, -0.5)), trim)),
        _part(
            "window",
            Shape(Ellipse(0.0, -0.08, 0.07, 0.07), trim),
            Shape(Ellipse(0.0, -0.08, 0.048, 0.048), glass),
        ),
    ]
    return parts


@_builder("bicycle")
def _bicycle(d: _Draws) -> list[Part]:
    """Two ring wheels joined by a frame of bars, a saddle and a handlebar."""
    frame_c = d.colour("any", "warm", "cool")
    tyre = d.colour("dark", "grey")
    r = d.jit(0.19)
    rear, front, crank = (-0.3, 0.15), (0.3, 0.15), (0.0, 0.15)
    seat, head = (-0.06, -0.12), (0.22, -0.12)
    tubes = ((rear, seat), (seat, crank), (crank, rear), (seat, head), (head, crank), (head, front))
    return [
        _part("rear_wheel", Shape(Ring(*rear, r, 0.04), tyre)),
        _part("front_wheel", Shape(Ring(*front, r, 0.04), tyre)),
        _part("frame", *(Shape(_bar(p, q, 0.035), frame_c) for p, q in tubes)),
        _part("saddle", Shape(_box(-0.08, -0.15, 0.07, 0.022), tyre)),
        _part(
            "handlebar",
            Shape(_bar(head, (0.18, -0.24), 0.03), frame_c),
            Shape(_bar((0.12, -0.24), (0.26, -0.24), 0.03), tyre),
        ),
    ]


@_builder("snowman")
def _snowman(d: _Draws) -> list[Part]:
    """Three stacked discs with a hat, a carrot nose and buttons."""
    snow = d.colour("light", "light", "grey", "cool")
    dark = d.colour("dark")
    carrot = d.colour("warm")
    r0, r1, r2 = d.jit(0.21), d.jit(0.16), d.jit(0.11)
    return [
        _part("base", Shape(Ellipse(0.0, 0.27, r0, r0), snow)),
        _part("torso", Shape(Ellipse(0.0, -0.04, r1, r1), snow)),
        _part("head", Shape(Ellipse(0.0, -0.26, r2, r2), snow)),
        _part(
            "hat",
            Shape(_box(0.0, -0.41, 0.09, 0.06), dark),
            Shape(_box(0.0, -0.35, 0.14, 0.015), dark),
        ),
        _part("nose", Shape(_tri((0.0, -0.28), (0.0, -0.24), (0.11, -0.26)), carrot)),
        _part(
            "buttons",
            Shape(Ellipse(0.0, -0.08, 0.022, 0.022), dark),
            Shape(Ellipse(0.0, 0.02, 0.022, 0.022), dark),
        ),
    ]


@_builder("umbrella")
def _umbrella(d: _Draws) -> list[Part]:
    """A dome canopy on a thin shaft ending in a hook."""
    cloth = d.colour("any", "warm", "cool")
    shaft = d.colour("dark", "grey", "earth")
    fill = _maybe_fill(d, 0.5, 0.2, 0.12)
    canopy = Ellipse(0.0, -0.02, d.jit(0.48, 0.04), d.jit(0.4), 0.0, half=True)
    return [
        _part("canopy", Shape(canopy, cloth, fill)),
        _part("shaft", Shape(_box(0.0, 0.2, 0.018, 0.22), shaft)),
        # The lower half of a ring: a half turned by 180 degrees.
        _part("handle", Shape(Ring(-0.06, 0.42, 0.06, 0.03, 180.0, half=True), shaft)),
    ]


@_builder("sailboat")
def _sailboat(d: _Draws) -> list[Part]:
    """A hull, a mast and two triangular sails."""
    hull = d.colour("earth", "dark", "any")
    sail = d.colour("light", "any", "warm")
    mast = d.colour("dark", "earth")
    top = d.jit(-0.45, 0.05)
    main_x, jib_x = d.jit(0.4), d.jit(0.3)
    return [
        _part(
            "hull", Shape(Polygon(((-0.46, 0.22), (0.46, 0.22), (0.32, 0.4), (-0.3, 0.4))), hull)
        ),
        _part("mast", Shape(_box(0.0, (top + 0.22) / 2, 0.015, (0.22 - top) / 2), mast)),
        _part("mainsail", Shape(_tri((0.03, top), (0.03, 0.17), (main_x, 0.17)), sail)),
        _part("jib", Shape(_tri((-0.03, top + 0.1), (-0.03, 0.17), (-jib_x, 0.17)), sail)),
    ]


@_builder("dumbbell")
def _dumbbell(d: _Draws) -> list[Part]:
    """A handle bar with two stacks of plates."""
    metal = d.colour("grey", "dark", "any")
    plate = d.colour("any", "dark", "grey")
    ph = d.jit(0.22)
    parts = [_part("handle", Shape(_box(0.0, 0.0, 0.37, 0.04), metal))]
    for name, sx in (("right_weight", -1.0), ("left_weight", 1.0)):
        inner = Shape(_box(sx * 0.28, 0.0, 0.06, ph), plate)
        outer = Shape(_box(sx * 0.38, 0.0, 0.04, ph * 0.7), plate)
        parts.append(_part(name, inner, outer))
    return parts


@_builder("windmill")
def _windmill(d: _Draws) -> list[Part]:
    """A tapered tower with four sails around a hub, at a random phase."""
    tower = d.colour("light", "earth", "grey", "any")
    sail = d.colour("any", "light", "dark")
    hub_c = d.colour("dark")
    phase = d.vary(0.0, 90.0, 45.0)
    hub = (0.0, -0.08)
    sails = []
    for k in range(4):
        a = math.radians(phase + 90.0 * k)
        tip = (hub[0] + 0.4 * math.cos(a), hub[1] - 0.4 * math.sin(a))
        sails.append(Shape(_bar(hub, tip, 0.08), sail))
    body = Polygon(((-0.14, 0.48), (0.14, 0.48), (0.06, -0.04), (-0.06, -0.04)))
    return [
        _part("tower", Shape(body, tower)),
        _part("sails", *sails),
        _part("hub", Shape(Ellipse(*hub, 0.045, 0.045), hub_c)),
    ]


@_builder("cup")
def _cup(d: _Draws) -> list[Part]:
    """A tapered cup with a ring handle, on a saucer."""
    china = d.colour("any", "light", "warm")
    saucer = d.colour("light", "any", "grey")
    drink = d.colour("earth", "dark")
    fill = _maybe_fill(d, 0.3, 0.2)
    body = Polygon(((-0.26, -0.26), (0.26, -0.26), (0.2, 0.34), (-0.2, 0.34)))
    return [
        _part("saucer", Shape(Ellipse(0.0, 0.35, d.jit(0.42, 0.1), 0.07), saucer)),
        # The right half of a ring: a half turned by -90 degrees.
        _part("handle", Shape(Ring(0.22, 0.02, 0.13, 0.045, -90.0, half=True), china)),
        _part("cup_body", Shape(body, china, fill)),
        _part("drink", Shape(Ellipse(0.0, -0.26, 0.26, 0.05), drink)),
    ]


@_builder("turtle")
def _turtle(d: _Draws) -> list[Part]:
    """A dome shell over two legs, with head and tail."""
    shell = d.colour("green", "earth", "any")
    skin = d.colour("green", "earth", "grey")
    dark = d.colour("dark")
    fill = _maybe_fill(d, 0.05, 0.6, 0.1)
    dome = Ellipse(0.0, 0.1, d.jit(0.36, 0.05), d.jit(0.3), 0.0, half=True)
    return [
        _part("back_leg", Shape(Ellipse(-0.22, 0.14, 0.06, 0.1), skin)),
        _part("front_leg", Shape(Ellipse(0.2, 0.14, 0.06, 0.1), skin)),
        _part("tail", Shape(_tri((-0.33, 0.04), (-0.47, 0.1), (-0.33, 0.12)), skin)),
        _part(
            "head",
            Shape(Ellipse(0.38, 0.02, 0.1, 0.075), skin),
            Shape(Ellipse(0.42, 0.0, 0.018, 0.018), dark),
        ),
        _part("shell", Shape(dome, shell, fill)),
    ]


@_builder("clock")
def _clock(d: _Draws) -> list[Part]:
    """A round face with a rim, four ticks and two hands at a random time."""
    face_c = d.colour("light", "light", "any")
    rim_c = d.colour("any", "dark", "warm")
    dark = d.colour("dark")
    hour, minute = d.vary(0.0, 360.0, 300.0), d.vary(0.0, 360.0, 60.0)

    def hand(angle: float, length: float, width: float) -> Polygon:
        a = math.radians(angle)  # clockwise from 12 o'clock, as clocks go
        return _bar((0.0, 0.0), (length * math.sin(a), -length * math.cos(a)), width)

    ticks = []
    for k in range(4):
        a = math.radians(90.0 * k)
        ticks.append(
            Shape(_box(0.34 * math.sin(a), -0.34 * math.cos(a), 0.02, 0.045, -90.0 * k), dark)
        )
    return [
        _part("dial", Shape(Ellipse(0.0, 0.0, 0.43, 0.43), face_c)),
        _part("rim", Shape(Ring(0.0, 0.0, 0.45, 0.07), rim_c)),
        _part("ticks", *ticks),
        _part("hour_hand", Shape(hand(hour, 0.2, 0.045), dark)),
        _part("minute_hand", Shape(hand(minute, 0.32, 0.03), dark)),
        _part("pin", Shape(Ellipse(0.0, 0.0, 0.04, 0.04), rim_c)),
    ]


@_builder("robot")
def _robot(d: _Draws) -> list[Part]:
    """A boxy robot: antenna, head with two eyes, body, arms and legs."""
    metal = d.colour("grey", "any", "cool")
    trim = d.colour("dark", "any")
    eye = d.colour("warm", "light", "cool")
    return [
        _part(
            "antenna",
            Shape(_bar((0.0, -0.34), (0.0, -0.45), 0.025), trim),
            Shape(Ellipse(0.0, -0.46, 0.035, 0.035), eye),
        ),
        _part(
            "arms",
            Shape(_bar((-0.2, -0.06), (-0.36, 0.16), 0.06), trim),
            Shape(_bar((0.2, -0.06), (0.36, 0.16), 0.06), trim),
        ),
        _part(
            "legs",
            Shape(_box(-0.09, 0.38, 0.05, 0.1), trim),
            Shape(_box(0.09, 0.38, 0.05, 0.1), trim),
        ),
        _part("head", Shape(_box(0.0, -0.23, d.jit(0.15), 0.11), metal)),
        _part("body", Shape(_box(0.0, 0.08, d.jit(0.2), 0.2), metal)),
        _part("right_eye", Shape(Ellipse(-0.06, -0.24, 0.035, 0.035), eye)),
        _part("left_eye", Shape(Ellipse(0.06, -0.24, 0.035, 0.035), eye)),
    ]


# --------------------------------------------------------------------------------------------
# Fine-grained siblings: a source class with one part changed (grown, removed or given a fixed
# texture), as ImageNet's dog breeds differ from each other. Telling a sibling from its base
# needs that one part at its own resolution, so a network cannot solve the task with the
# coarse layout alone. Each sibling draws its base's shapes with the base's draws, then changes
# them; the base class itself renders exactly as before.

_GROW = 1.45  # a grown part's size, relative to the base's
_TEXTURE_PERIOD = 0.055  # object units: about 3 to 6 pixels at 112 px


def _scale_prim(prim: Prim, k: float, cx: float, cy: float) -> Prim:
    if isinstance(prim, Polygon):
        return Polygon(tuple((cx + k * (u - cx), cy + k * (v - cy)) for u, v in prim.points))
    x, y = cx + k * (prim.x - cx), cy + k * (prim.y - cy)
    if isinstance(prim, Ellipse):
        return prim._replace(x=x, y=y, rx=prim.rx * k, ry=prim.ry * k)
    return prim._replace(x=x, y=y, r=prim.r * k, width=prim.width * k)


def _contrast(colour: tuple[float, float, float]) -> tuple[float, float, float]:
    return (0.08, 0.08, 0.1) if sum(colour) > 1.5 else (0.95, 0.93, 0.88)


def _change(parts: list[Part], op: str, names: tuple[str, ...]) -> list[Part]:
    """``parts`` with the named ones grown, dropped, striped or dotted."""
    if op == "drop":
        return [p for p in parts if p.name not in names]
    out = []
    for part in parts:
        if part.name in names and op == "grow":
            cx, cy = _centre(part.shapes[0].prim)
            grown = tuple(s._replace(prim=_scale_prim(s.prim, _GROW, cx, cy)) for s in part.shapes)
            part = part._replace(shapes=grown)
        elif part.name in names:  # "stripes" or "dots": a fixed fine texture, contrasting
            fills = tuple(
                s._replace(fill=Fill(op, _contrast(s.colour), _TEXTURE_PERIOD, 90.0, 0.32))
                for s in part.shapes
            )
            part = part._replace(shapes=fills)
        out.append(part)
    return out


# sibling -> (base class, change, parts changed). Textures go on parts the base never textures.
SIBLINGS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "face_big_ears": ("face", "grow", ("right_ear", "left_ear")),
    "face_no_nose": ("face", "drop", ("nose",)),
    "face_dotted_muzzle": ("face", "dots", ("muzzle",)),
    "flower_big_centre": ("flower", "grow", ("centre",)),
    "flower_four_petals": ("flower", "drop", ("petal_2", "petal_4", "petal_6", "petal_8")),
    "flower_striped_petals": ("flower", "stripes", tuple(f"petal_{k}" for k in range(1, 9))),
    "car_big_wheels": ("car", "grow", ("rear_wheel", "front_wheel")),
    "car_no_window": ("car", "drop", ("window",)),
    "car_striped_cabin": ("car", "stripes", ("cabin",)),
    "house_no_chimney": ("house", "drop", ("chimney",)),
    "house_big_door": ("house", "grow", ("door",)),
    "house_dotted_roof": ("house", "dots", ("roof",)),
    "tree_no_top": ("tree", "drop", ("top_crown",)),
    "tree_big_trunk": ("tree", "grow", ("trunk",)),
    "tree_striped_trunk": ("tree", "stripes", ("trunk",)),
    "fish_big_tail": ("fish", "grow", ("tail",)),
    "fish_no_fin": ("fish", "drop", ("dorsal_fin",)),
    "fish_big_eye": ("fish", "grow", ("eye",)),
    "butterfly_big_hindwings": ("butterfly", "grow", ("right_hindwing", "left_hindwing")),
    "butterfly_no_antennae": ("butterfly", "drop", ("antennae",)),
    "butterfly_striped_body": ("butterfly", "stripes", ("body",)),
    "traffic_light_two_lamps": ("traffic_light", "drop", ("middle_lamp",)),
    "traffic_light_big_lamps": (
        "traffic_light",
        "grow",
        ("top_lamp", "middle_lamp", "bottom_lamp"),
    ),
    "traffic_light_striped_pole": ("traffic_light", "stripes", ("pole",)),
    "mushroom_big_cap": ("mushroom", "grow", ("cap",)),
    "mushroom_no_gills": ("mushroom", "drop", ("gills",)),
    "mushroom_dotted_stem": ("mushroom", "dots", ("stem",)),
    "rocket_no_window": ("rocket", "drop", ("window",)),
    "rocket_big_fins": ("rocket", "grow", ("right_fin", "left_fin")),
    "rocket_striped_nose": ("rocket", "stripes", ("nose_cone",)),
}
# The 40-class source task: the ten source classes and their thirty siblings, family by family.
FINE_SOURCE_CLASSES: tuple[str, ...] = tuple(
    name
    for base in SOURCE_CLASSES
    for name in (base, *(s for s, (b, _, _) in SIBLINGS.items() if b == base))
)


def _sibling_builder(base: str, op: str, names: tuple[str, ...]):
    def build(d: _Draws) -> list[Part]:
        return _change(_BUILDERS[base](d), op, names)

    build.__doc__ = f"A {base} with {', '.join(names)} changed ({op})."
    return build


for _name, (_base, _op, _names) in SIBLINGS.items():
    _BUILDERS[_name] = _sibling_builder(_base, _op, _names)


@cache
def class_parts(class_name: str) -> tuple[str, ...]:
    """The part (keypoint) names of a class, in drawing order.

    Example:
        >>> class_parts("face")[4:7]
        ('right_eye', 'left_eye', 'nose')
    """
    _check_class(class_name)
    parts = _BUILDERS[class_name](_Draws(np.random.default_rng(0)))
    return tuple(p.name for p in parts)


# --------------------------------------------------------------------------------------------
# Backgrounds: a scalar field t in [0, 1] over the image (vectorised, in fractions of the side,
# so that a texture looks the same at any resolution) mixes two random colours.


def _mix(out: np.ndarray, t: np.ndarray, c0: tuple, c1: tuple) -> None:
    """out (3, H, W) <- c0 + t (c1 - c0)."""
    a = np.asarray(c0, np.float32)[:, None, None]
    b = np.asarray(c1, np.float32)[:, None, None] - a
    np.multiply(t, b, out=out)
    out += a


def _two_colours(d: _Draws) -> tuple[tuple, tuple]:
    c0 = d.colour("any", "dark", "light", "grey", "earth")
    c1 = d.colour("any", "dark", "light", "grey", "earth")
    return c0, c1


def _bg_grass(d: _Draws, size: int, out: np.ndarray) -> None:
    """Many thin, slanted, roughly vertical blades in greens, brighter towards their tips."""
    hue = d.u(0.2, 0.4)
    dark = _hsv(hue + d.u(-0.03, 0.03), d.u(0.5, 0.95), d.u(0.08, 0.25))
    light = _hsv(hue + d.u(-0.05, 0.05), d.u(0.4, 0.85), d.u(0.55, 0.95))
    n = int(d.u(45.0, 80.0))
    slant = d.u(-0.3, 0.3)
    bend = d.u(-0.2, 0.2)
    inv_len = 1.0 / d.rng.uniform(0.12, 0.35, n).astype(np.float32)
    phase = d.rng.random(n).astype(np.float32)
    bright = d.rng.uniform(0.35, 1.0, n).astype(np.float32)
    g = _grid(size)
    up = 1.0 - g["Y"]
    shift = (slant + bend * up) * up
    col = ((g["X"] + shift + 1.0) * n).astype(np.intp) % n
    s = g["Y"] * inv_len[col] + phase[col]
    s -= np.floor(s)
    s *= bright[col]
    _mix(out, s, dark, light)


def _bg_stripes(d: _Draws, size: int, out: np.ndarray) -> None:
    """Straight stripes at a random angle and frequency."""
    c0, c1 = _two_colours(d)
    a = math.radians(d.u(0.0, 180.0))
    freq = d.u(4.0, 14.0)
    duty = d.u(0.3, 0.7)
    g = _grid(size)
    w = (g["X"] * (math.cos(a) * freq) + d.u()) + g["Y"] * (math.sin(a) * freq)
    w -= np.floor(w)
    w -= duty
    w *= size / freq  # pixels, for a one-pixel soft edge
    w += 0.5
    _mix(out, _clip01(w), c0, c1)


def _bg_checker(d: _Draws, size: int, out: np.ndarray) -> None:
    """A checkerboard, turned and scaled at random."""
    c0, c1 = _two_colours(d)
    a = math.radians(d.u(0.0, 90.0))
    freq = d.u(3.0, 10.0)
    c, s = math.cos(a) * freq, math.sin(a) * freq
    g = _grid(size)
    u = np.floor(g["X"] * c + g["Y"] * s + d.u())
    u += np.floor(g["Y"] * c - g["X"] * s + d.u())
    t = (u.astype(np.intp) & 1).astype(np.float32)
    _mix(out, t, c0, c1)


def _bg_dots(d: _Draws, size: int, out: np.ndarray) -> None:
    """A turned grid of round dots."""
    c0, c1 = _two_colours(d)
    a = math.radians(d.u(0.0, 90.0))
    freq = d.u(5.0, 14.0)
    radius = d.u(0.15, 0.4)
    c, s = math.cos(a) * freq, math.sin(a) * freq
    g = _grid(size)
    u = g["X"] * c + g["Y"] * s + d.u()
    v = g["Y"] * c - g["X"] * s + d.u()
    u -= np.floor(u)
    u -= 0.5
    v -= np.floor(v)
    v -= 0.5
    u *= u
    v *= v
    u += v
    t = np.sqrt(u, out=u)
    t *= -size / freq
    t += radius * size / freq + 0.5
    _mix(out, _clip01(t), c0, c1)


def _bg_clouds(d: _Draws, size: int, out: np.ndarray) -> None:
    """Smooth blotches: two octaves of interpolated random values."""
    c0, c1 = _two_colours(d)
    g = _grid(size)
    coarse = d.rng.random((4, 4)).astype(np.float32)
    fine = d.rng.random((7, 7)).astype(np.float32) * 0.5
    t = g["up4"] @ coarse @ g["up4"].T
    t += g["up7"] @ fine @ g["up7"].T
    t -= t.min()
    t *= 1.0 / max(float(t.max()), 1e-6)
    _mix(out, t, c0, c1)


def _bg_gradient(d: _Draws, size: int, out: np.ndarray) -> None:
    """A linear ramp between two colours in a random direction."""
    c0, c1 = _two_colours(d)
    a = math.radians(d.u(0.0, 360.0))
    c, s = math.cos(a), math.sin(a)
    g = _grid(size)
    t = (g["X"] - 0.5) * c + (g["Y"] - 0.5) * s
    t *= 1.0 / (abs(c) + abs(s))
    t += 0.5
    _mix(out, t, c0, c1)


_BACKGROUND_FNS: dict[str, Callable[[_Draws, int, np.ndarray], None]] = {
    "grass": _bg_grass,
    "stripes": _bg_stripes,
    "checker": _bg_checker,
    "dots": _bg_dots,
    "clouds": _bg_clouds,
    "gradient": _bg_gradient,
}


def _choose_background(d: _Draws, class_name: str) -> int:
    """Biased classes sit on their background with probability BIAS_PROBABILITY, else on one
    of the others; every other class gets a uniformly random background."""
    r, k = d.u(), d.choice(len(BACKGROUNDS) - 1)
    favourite = BIASED_CLASSES.get(class_name)
    if favourite is None:
        return min(int(r * len(BACKGROUNDS)), len(BACKGROUNDS) - 1)
    fav = BACKGROUNDS.index(favourite)
    if r < BIAS_PROBABILITY:
        return fav
    return k if k < fav else k + 1


# --------------------------------------------------------------------------------------------
# Clutter: small shapes from the same vocabulary as the parts, scattered on the background.


def _clutter(d: _Draws) -> list[Shape]:
    """2 to 5 small distractor shapes, in image fractions (a frame of scale 1 at the origin)."""
    shapes = []
    for _ in range(2 + d.choice(4)):
        kind, x, y = d.choice(5), d.u(0.0, 1.0), d.u(0.0, 1.0)
        r, angle, aspect = d.u(0.025, 0.07), d.u(0.0, 180.0), d.u(0.3, 1.0)
        colour = d.colour("any", "dark", "light", "warm", "green")
        if kind == 0:
            prim: Prim = Ellipse(x, y, r, r * aspect, angle)
        elif kind == 1:
            prim = _box(x, y, r, r * aspect * 0.5, angle)
        elif kind == 2:
            turns = [math.radians(angle) + k * 2.0 * math.pi / 3.0 for k in range(3)]
            prim = Polygon(tuple((x + r * math.cos(t), y - r * math.sin(t)) for t in turns))
        elif kind == 3:
            prim = Ring(x, y, r * 0.8, r * 0.35)
        else:
            prim = _box(x, y, r * 0.8, r * 0.8, angle)
        shapes.append(Shape(prim, colour))
    return shapes


# --------------------------------------------------------------------------------------------
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
    cx, cy = pose.cx * size, pose.cy * size
    keypoints = {}
    for part, prims, boxes in zip(parts, posed.prims, posed.boxes, strict=True):
        pid = part_ids.get(part.name, 0)
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
    return _Rendered(box, keypoints, bg, pose)


# --------------------------------------------------------------------------------------------
# Public API


def _check_class(name: str) -> None:
    if name not in _BUILDERS:
        valid = ", ".join(FINE_SOURCE_CLASSES + NOVEL_CLASSES)
        raise ValueError(f"unknown class {name!r}; expected one of: {valid}")


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
        if classes in _BUILDERS:
            return (classes,)
        raise ValueError(
            f"classes must be 'source', 'fine', 'novel' or a list of class names, got "
            f"{classes!r}; valid class names: {', '.join(FINE_SOURCE_CLASSES + NOVEL_CLASSES)}"
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
        classes: ``"source"``, ``"novel"``, or a list of class names (labels follow its order).
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
    n_train: int, n_test: int, fold: int = 0, size: int = 112, seed: int = 0
) -> tuple[WorldBatch, WorldBatch]:
    """An n-shot training set and a test set over the novel classes (the paper's Caltech runs).

    Fold ``f`` trains on images ``f * n_train .. (f + 1) * n_train - 1`` of the novel classes'
    train stream, so different folds see different images; the test set is the same for every
    fold and comes from the test stream, so it never overlaps any training set.

    Example:
        >>> train, test = novel_splits(n_train=5, n_test=10, fold=1, size=48)
        >>> len(train), len(test), train.classes == test.classes
        (50, 100, True)
    """
    for label, value in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    if not isinstance(fold, (int, np.integer)) or fold < 0:
        raise ValueError(f"fold must be a non-negative integer, got {fold!r}")
    _check_size(size)
    _check_seed(seed)
    start = int(fold) * int(n_train)
    train = _split_images("train", NOVEL_CLASSES, range(start, start + n_train), size, seed, False)
    test = _split_images("test", NOVEL_CLASSES, range(n_test), size, seed, False)
    return train, test
