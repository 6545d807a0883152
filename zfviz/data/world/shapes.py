"""The shapes objects are made of: random draws handed out in a fixed order, colours, the
primitives (ellipses, rings, polygons, fills) in an object's frame, their placement in pixels,
and their rasterising with anti-aliased edges."""

from __future__ import annotations

import colorsys
import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

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
