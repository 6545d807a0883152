"""The world's catalogue: its classes, backgrounds and nuisance ranges, and the containers it
returns (a pose, a batch of images with their ground truth)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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
_STREAMS = {"train": 1, "val": 2, "test": 3, "sample": 4, "aligned": 5, "scenes": 6}


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
        >>> from zfviz.data.world import render_sample
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
        >>> from zfviz.data.world import make_split
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
            >>> from zfviz.data.world import make_split
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
