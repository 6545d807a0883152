"""The classes: one builder per class returns its parts in drawing order, and the fine-grained
siblings are built from a source class with one part changed."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import numpy as np

from zfviz.data.world.catalogue import NOVEL_CLASSES, SOURCE_CLASSES
from zfviz.data.world.shapes import (
    Ellipse,
    Fill,
    Part,
    Polygon,
    Prim,
    Ring,
    Shape,
    _bar,
    _box,
    _centre,
    _Draws,
    _tri,
)

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


# The same construction on the novel classes: two siblings each, thirty classes in all, the
# book's Caltech-256 (more classes than the ten that play Caltech-101, and finer differences).
NOVEL_SIBLINGS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "bicycle_big_wheels": ("bicycle", "grow", ("rear_wheel", "front_wheel")),
    "bicycle_no_saddle": ("bicycle", "drop", ("saddle",)),
    "snowman_no_hat": ("snowman", "drop", ("hat",)),
    "snowman_big_head": ("snowman", "grow", ("head",)),
    "umbrella_no_handle": ("umbrella", "drop", ("handle",)),
    "umbrella_big_handle": ("umbrella", "grow", ("handle",)),
    "sailboat_no_jib": ("sailboat", "drop", ("jib",)),
    "sailboat_striped_hull": ("sailboat", "stripes", ("hull",)),
    "dumbbell_big_weights": ("dumbbell", "grow", ("right_weight", "left_weight")),
    "dumbbell_dotted_weights": ("dumbbell", "dots", ("right_weight", "left_weight")),
    "windmill_big_hub": ("windmill", "grow", ("hub",)),
    "windmill_striped_tower": ("windmill", "stripes", ("tower",)),
    "cup_no_saucer": ("cup", "drop", ("saucer",)),
    "cup_big_handle": ("cup", "grow", ("handle",)),
    "turtle_big_head": ("turtle", "grow", ("head",)),
    "turtle_no_tail": ("turtle", "drop", ("tail",)),
    "clock_no_ticks": ("clock", "drop", ("ticks",)),
    "clock_dotted_dial": ("clock", "dots", ("dial",)),
    "robot_no_antenna": ("robot", "drop", ("antenna",)),
    "robot_striped_body": ("robot", "stripes", ("body",)),
}
# The 30-class novel task: the ten novel classes and their twenty siblings, family by family.
FINE_NOVEL_CLASSES: tuple[str, ...] = tuple(
    name
    for base in NOVEL_CLASSES
    for name in (base, *(s for s, (b, _, _) in NOVEL_SIBLINGS.items() if b == base))
)


def _sibling_builder(base: str, op: str, names: tuple[str, ...]):
    def build(d: _Draws) -> list[Part]:
        return _change(_BUILDERS[base](d), op, names)

    build.__doc__ = f"A {base} with {', '.join(names)} changed ({op})."
    return build


for _name, (_base, _op, _names) in (SIBLINGS | NOVEL_SIBLINGS).items():
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


def _check_class(name: str) -> None:
    if name not in _BUILDERS:
        valid = ", ".join(FINE_SOURCE_CLASSES + FINE_NOVEL_CLASSES)
        raise ValueError(f"unknown class {name!r}; expected one of: {valid}")
