"""What a chapter studies: a trained network, its preprocessing, and a validation set.

The same chapter code runs in both profiles because it asks this module for its subject:

* ``quick``: the network trained here (``zfviz.nets.shipped.trained_model``) and validation
  images of the embedded world, with the world's object boxes, part masks and backgrounds;
* ``full``: ZFNet with ImageNet weights (``zfviz.nets.weights.load_pretrained``) and Imagenette
  validation images (``zfviz.data.datasets.imagenette``), which have no boxes or masks: chapter
  sections that need them say so and are skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from torch import nn

from zfviz.core.profiles import Profile, current_profile
from zfviz.data import world
from zfviz.data.datasets import imagenette
from zfviz.data.preprocess import ImageNetPreprocess, crop_source_size
from zfviz.nets.shipped import BOOK_SEEDS, trained_model
from zfviz.nets.train import TrainConfig
from zfviz.nets.weights import load_pretrained

__all__ = ["Subject", "load_subject", "pretrained_network", "WEIGHTS_ENV_VAR"]

# A local weights file of the full profile's network, used instead of the download.
WEIGHTS_ENV_VAR = "ZFVIZ_WEIGHTS"


@dataclass
class Subject:
    """A network and the validation images a chapter looks at it with.

    Attributes:
        model: the network, in eval mode, on the profile's device.
        preprocess: turns ``images`` into network inputs (``preprocess(images)``) and back
            (``preprocess.to_pixels``).
        images: ``(N, S, S, 3)`` uint8 at the network's input size, as the network sees them.
        labels: ``(N,)`` int64 class index of the network's output.
        class_names: the network's class names, indexed by label.
        source: ``"world"`` or ``"imagenette"``.
        boxes: ``(N, 4)`` object boxes ``x0, y0, x1, y1`` in the same pixels, or None.
        masks: ``(N, S, S)`` part-id maps (0 = background), or None.
        backgrounds: ``(N,)`` index into ``zfviz.data.world.BACKGROUNDS``, or None.
    """

    model: nn.Module
    preprocess: object
    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    source: str
    boxes: np.ndarray | None = None
    masks: np.ndarray | None = None
    backgrounds: np.ndarray | None = None

    @property
    def annotated(self) -> bool:
        """Whether boxes and part masks are known (the embedded world's images)."""
        return self.boxes is not None and self.masks is not None

    def __len__(self) -> int:
        return len(self.images)


def load_subject(
    profile: Profile | None = None,
    n_per_class: int | None = None,
    with_masks: bool = True,
    data_root: str | os.PathLike | None = None,
    weights_path: str | os.PathLike | None = None,
    progress: bool = True,
    seed: int = 0,
) -> Subject:
    """The network and validation set of ``profile`` (default: the current profile).

    Args:
        profile: from :func:`zfviz.core.profiles.get_profile`.
        n_per_class: validation images per class (default: the profile's ``val_per_class``).
        with_masks: quick profile: also render the part masks.
        data_root: full profile: the folder holding Imagenette (see ``zfviz.data.datasets``).
        weights_path: full profile: a local weights file instead of the download (see
            ``zfviz.nets.weights.load_pretrained``); default ``$ZFVIZ_WEIGHTS`` when set.
        progress: show progress bars (training on a cache miss, decoding images).
        seed: quick profile: which of the book network's trainings
        (``zfviz.nets.shipped.BOOK_SEEDS``;
            the images are the same for every seed). The full profile has one network: 0.

    Example:
        >>> subject = load_subject(n_per_class=2)  # doctest: +SKIP
        >>> subject.images.shape  # doctest: +SKIP
        (20, 96, 96, 3)
    """

    profile = profile or current_profile()
    n = n_per_class or profile.val_per_class
    seeds = BOOK_SEEDS if profile.pretrained is None else (0,)
    if seed not in seeds:
        raise ValueError(f"seed must be one of {seeds} in the {profile.name} profile, got {seed!r}")
    if profile.pretrained is None:
        return _world_subject(profile, n, with_masks, progress, seed)

    model = pretrained_network(profile, weights_path)
    data = imagenette("val", n, root=data_root, size=profile.image_size, progress=progress)
    return Subject(
        model=model,
        preprocess=ImageNetPreprocess(profile.image_size),
        images=data.images,
        labels=data.labels,
        class_names=data.class_names,
        source="imagenette",
    )


def _world_subject(
    profile: Profile, n: int, with_masks: bool, progress: bool, seed: int
) -> Subject:
    result = trained_model(TrainConfig.from_profile(profile, seed=seed), device=profile.device,
                           progress=progress)  # fmt: skip
    size = result.preprocess.image_size
    val = world.make_split("val", "source", n_per_class=n, size=crop_source_size(size),
                           with_masks=with_masks)  # fmt: skip
    o = (val.images.shape[1] - size) // 2  # the centre crop the network sees
    crop = np.s_[:, o : o + size, o : o + size]
    return Subject(
        model=result.model.eval(),
        preprocess=result.preprocess,
        images=np.ascontiguousarray(val.images[crop]),
        labels=val.labels,
        class_names=list(result.classes),
        source="world",
        boxes=np.clip(val.boxes - o, 0, size),
        masks=np.ascontiguousarray(val.masks[crop]) if val.masks is not None else None,
        backgrounds=val.backgrounds,
    )


def pretrained_network(
    profile: Profile | None = None, weights_path: str | os.PathLike | None = None
) -> nn.Module:
    """The full profile's ImageNet network, in eval mode, on the profile's device.

    ``weights_path`` (default ``$ZFVIZ_WEIGHTS`` when set) is a local weights file used
    instead of the download (see :func:`zfviz.nets.weights.load_pretrained`). Every chapter that
    needs the network asks for it here, so that the setting reaches all of them.

    Example:
        >>> from zfviz.core.profiles import get_profile
        >>> pretrained_network(get_profile("quick"))
        Traceback (most recent call last):
        ...
        ValueError: the quick profile has no pretrained network (it trains its own)
    """

    profile = profile or current_profile()
    if profile.pretrained is None:
        raise ValueError(
            f"the {profile.name} profile has no pretrained network (it trains its own)"
        )
    weights_path = weights_path or os.environ.get(WEIGHTS_ENV_VAR) or None
    model = load_pretrained(profile.pretrained, weights_path=weights_path)
    return model.to(profile.device).eval()
