"""The two profiles of the book, chosen in one place.

``quick`` (the default) runs offline on a CPU in minutes: the embedded world (`zfviz.data.world`)
and a scaled ZFNet trained here. ``full`` runs on a GPU with the real thing: ImageNet weights and
real data sets, downloaded on first use. The same functions serve both; only sizes, data and weights
differ. Every chapter starts with::

    from zfviz.core.profiles import current_profile
    profile = current_profile()
    print(profile.describe())
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import torch

ENV_VAR = "ZFVIZ_PROFILE"
CACHE_ENV_VAR = "ZFVIZ_CACHE_DIR"
# Set (to anything but "" or "0") to rehearse the full profile: its code paths on fake data in
# the real on-disk layouts and random weights in the real file formats, at reduced sizes
# (tests/test_full_rehearsal.py). Verdicts are then shown, never asserted
# (zfviz.core.claims.expect).
REHEARSAL_ENV_VAR = "ZFVIZ_REHEARSAL"
# What a rehearsal reduces: validation images per class, and the training budget of the
# networks a full-profile chapter trains (zfviz.nets.variants.budget).
REHEARSAL_SIZES = {"val_per_class": 2, "train_per_class": 4, "epochs": 1}


@dataclass(frozen=True)
class Profile:
    """Sizes, data and weights of one way of running the book.

    Attributes:
        name: ``"quick"`` or ``"full"``.
        image_size: side of the square network input, in pixels.
        width: multiplier on the paper's conv maps (96, 256, 384, 384, 256).
        fc_units: width of fc6 and fc7 (the paper: 4096).
        num_classes: classes of the pre-training task.
        train_per_class / val_per_class: images per class of the pre-training split.
        epochs: training epochs of the main model.
        snapshot_epochs: epochs at which the feature-evolution chapter looks (Fig. 4).
        pretrained: ``None`` to train here, else the name of the ImageNet weights to load.
        device: where tensors live (``"cuda"`` when a GPU is present, else ``"cpu"``).
        seed: the seed every random choice in the book derives from.
        rehearsal: a rehearsal of the full profile on fake data (``$ZFVIZ_REHEARSAL``): the
            numbers mean nothing and no verdict is asserted.

    Example:
        >>> p = get_profile("quick")
        >>> p.image_size, p.pretrained
        (96, None)
    """

    name: str
    image_size: int
    width: float
    fc_units: int
    num_classes: int
    train_per_class: int
    val_per_class: int
    epochs: int
    snapshot_epochs: tuple[int, ...]
    pretrained: str | None
    device: str = field(default_factory=lambda: default_device())
    seed: int = 0
    rehearsal: bool = False

    def describe(self) -> str:
        """One line for a chapter's first cell: which profile, on which device."""
        source = f"pretrained {self.pretrained}" if self.pretrained else "trained here"
        line = (
            f"profile={self.name} device={self.device} image={self.image_size}px "
            f"width={self.width} fc={self.fc_units} classes={self.num_classes} ({source})"
        )
        if self.rehearsal:
            line += (
                "\nREHEARSAL: fake data and random weights, at reduced sizes; every number "
                "below is meaningless and no claim verdict is asserted"
            )
        return line


def default_device() -> str:
    """``"cuda"`` when a GPU is visible, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


PROFILES: dict[str, Profile] = {
    "quick": Profile(
        name="quick",
        image_size=96,
        width=0.25,
        fc_units=512,
        num_classes=10,
        train_per_class=1000,
        val_per_class=100,
        epochs=10,
        snapshot_epochs=(1, 2, 3, 5, 7, 10),
        pretrained=None,
    ),
    "full": Profile(
        name="full",
        image_size=224,
        width=1.0,
        fc_units=4096,
        num_classes=1000,
        train_per_class=0,  # ImageNet weights are loaded, not trained here
        val_per_class=50,
        epochs=70,
        snapshot_epochs=(1, 2, 5, 10, 20, 30, 40, 64),
        pretrained="zfnet",
    ),
}


def get_profile(name: str | None = None, **overrides: object) -> Profile:
    """Return the profile called ``name`` (default: ``$ZFVIZ_PROFILE``, else ``"quick"``).

    Keyword overrides replace single fields, e.g. ``get_profile("quick", epochs=2)``.

    Example:
        >>> get_profile("quick", epochs=1).epochs
        1
        >>> get_profile("slow")
        Traceback (most recent call last):
        ...
        ValueError: unknown profile 'slow': choose one of 'quick', 'full' (set ZFVIZ_PROFILE)
    """
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip() or "quick"
    if name not in PROFILES:
        choices = ", ".join(repr(k) for k in PROFILES)
        raise ValueError(f"unknown profile {name!r}: choose one of {choices} (set {ENV_VAR})")
    profile = PROFILES[name]
    if name == "full" and rehearsing():
        profile = replace(profile, val_per_class=REHEARSAL_SIZES["val_per_class"], rehearsal=True)
    return replace(profile, **overrides) if overrides else profile


def rehearsing() -> bool:
    """Whether ``$ZFVIZ_REHEARSAL`` asks for a rehearsal of the full profile on fake data."""
    return os.environ.get(REHEARSAL_ENV_VAR, "").strip() not in ("", "0")


def current_profile() -> Profile:
    """The profile this process runs in, read from ``$ZFVIZ_PROFILE`` (default ``quick``)."""
    return get_profile()


def cache_dir() -> str:
    """Where trained checkpoints and downloads are kept.

    ``$ZFVIZ_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/zfviz``, else ``~/.cache/zfviz``.
    """
    if os.environ.get(CACHE_ENV_VAR):
        return os.environ[CACHE_ENV_VAR]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "zfviz")
