"""Backgrounds (textured fields, one class biased to one of them) and clutter (small distractor
shapes from the parts' vocabulary)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from zfviz.data.world.catalogue import BACKGROUNDS, BIAS_PROBABILITY, BIASED_CLASSES
from zfviz.data.world.shapes import (
    Ellipse,
    Polygon,
    Prim,
    Ring,
    Shape,
    _box,
    _clip01,
    _Draws,
    _grid,
    _hsv,
)

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
