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
- ``FINE_NOVEL_CLASSES`` (``classes="fine_novel"``) does the same to the novel classes, two
  siblings each (``NOVEL_SIBLINGS``): 30 classes that play Caltech-256 beside the ten that
  play Caltech-101.
- ``make_scenes`` draws scenes of two to four novel-class objects, smaller, anywhere, possibly
  overlapping, with multi-label ground truth: the PASCAL VOC role (``scenes``).
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
    >>> from zfviz.data.world import make_split
    >>> batch = make_split("train", "source", n_per_class=2, size=64)
    >>> batch.images.shape, batch.labels[:3].tolist()
    ((20, 64, 64, 3), [0, 0, 1])

Layout: ``catalogue`` (the classes, backgrounds, ranges and the returned containers), ``shapes``
(random draws, primitives, rasterising), ``objects`` (one builder per class, and the fine-grained
siblings), ``backgrounds`` (textures and clutter), ``render`` (one image, and the public API
below), ``scenes`` (several objects an image). Each imports only the ones before it.

Adding a class:

1. Write a builder in ``objects.py``, decorated ``@_builder("name")``: it takes the image's
   random draws (``_Draws``; take numbers from it in a fixed order) and returns the object's
   parts, ``_part("part_name", Shape(...), ...)``, in drawing order, in the object's frame
   (units of object size, centred on 0). Part names are the keypoints the chapters use.
2. Add its name to ``SOURCE_CLASSES`` or ``NOVEL_CLASSES`` in ``catalogue.py``.
3. Bump ``WORLD_VERSION`` (trained checkpoints are keyed by it), run ``pytest tests/test_world.py``
   and look at it: ``render_sample("name", size=224)``.
"""

from __future__ import annotations

from zfviz.data.world.catalogue import (
    ANGLE_RANGE,
    BACKGROUNDS,
    BIAS_PROBABILITY,
    BIASED_CLASSES,
    MIN_SIZE,
    NOVEL_CLASSES,
    SCALE_RANGE,
    SOURCE_CLASSES,
    SPLITS,
    WORLD_VERSION,
    Pose,
    WorldBatch,
)
from zfviz.data.world.objects import (
    FINE_NOVEL_CLASSES,
    FINE_SOURCE_CLASSES,
    NOVEL_SIBLINGS,
    SIBLINGS,
    class_parts,
)
from zfviz.data.world.render import aligned_instances, make_split, novel_splits, render_sample
from zfviz.data.world.scenes import SCENE_SCALE_RANGE, SceneBatch, make_scenes

__all__ = [
    "ANGLE_RANGE",
    "BACKGROUNDS",
    "BIAS_PROBABILITY",
    "BIASED_CLASSES",
    "FINE_NOVEL_CLASSES",
    "FINE_SOURCE_CLASSES",
    "MIN_SIZE",
    "NOVEL_CLASSES",
    "SCALE_RANGE",
    "SCENE_SCALE_RANGE",
    "SceneBatch",
    "NOVEL_SIBLINGS",
    "SIBLINGS",
    "SOURCE_CLASSES",
    "SPLITS",
    "WORLD_VERSION",
    "Pose",
    "WorldBatch",
    "aligned_instances",
    "class_parts",
    "make_scenes",
    "make_split",
    "novel_splits",
    "render_sample",
]
