"""The networks of the architecture and ablations chapters: Table 3's variants of the book
network, each a :class:`zfviz.nets.train.TrainConfig` derived from one reduced training *budget*
(smaller input, fewer images and epochs than the main network, so that a dozen networks and
several seeds train in minutes on a CPU), and the registry of every such network by label.
"""

from __future__ import annotations

from collections.abc import Callable

from zfviz.core.profiles import REHEARSAL_SIZES, Profile
from zfviz.nets.train import TrainConfig

IMAGENETTE = "imagenette"  # ``TrainConfig.classes`` of the full profile's budget


# Each variant as a function of the budget's baseline; names follow Table 3's rows. The removed
# layers are AlexNet rows in the paper (its ZFNet rows only resize); we remove them from ZFNet,
# the net the rest of the book studies. "half" and "double" are the paper's 2048 and 8192 units
# next to its 4096; "conv3-5 widened" is variant (b), layers 3, 4, 5 at 512, 1024, 512 maps.
VARIANTS: dict[str, Callable[[TrainConfig], TrainConfig]] = {
    "baseline": lambda c: c,
    "removed 3,4": lambda c: c.replace(remove=(3, 4)),
    "removed 7": lambda c: c.replace(remove=(7,)),
    "removed 6,7": lambda c: c.replace(remove=(6, 7)),
    "removed 3,4,6,7": lambda c: c.replace(remove=(3, 4, 6, 7)),
    "fc6,7 half": lambda c: c.replace(fc_units=c.fc_units // 2),
    "fc6,7 double": lambda c: c.replace(fc_units=c.fc_units * 2),
    "conv3-5 widened": lambda c: c.replace(variant="b"),
    "both widened": lambda c: c.replace(variant="b", fc_units=c.fc_units * 2),
}


def budget(profile: Profile, seed: int = 0) -> TrainConfig:
    """The reduced training budget every variant of this chapter (and Fig. 6's) trains with.

    Quick profile: 48-pixel inputs, a quarter of the paper's maps, 512 units in fc6/fc7, 300
    training images per class and 40 epochs (about 3,800 steps of 32 images: the training
    curves flatten after the second learning-rate drop), 100 validation images per class.
    That is about two minutes per network on one CPU core, forty CPU-minutes for the book's
    22 networks, so the book ships them trained (:mod:`zfviz.nets.shipped`) and CI retrains one to
    check them.
    Full profile: Imagenette at 112 px, half the maps, 1024 units, 300 training images per
    class, 15 epochs, on a GPU (not timed here: no GPU was available when this was written).

    Example:
        >>> from zfviz.core.profiles import get_profile
        >>> cfg = budget(get_profile("quick"), seed=1)
        >>> cfg.image_size, cfg.train_per_class, cfg.epochs, cfg.seed
        (48, 300, 40, 1)
    """
    # The main network's configuration, with a smaller input, fewer images and more epochs:
    # everything else (maps, units, validation images, the recipe) is the profile's own.
    if profile.pretrained is None:
        return TrainConfig.from_profile(
            profile, image_size=48, train_per_class=300, epochs=40, lr_drops=(28, 36),
            snapshot_epochs=(), seed=seed,
        )  # fmt: skip
    config = TrainConfig(
        image_size=112,
        width=0.5,
        fc_units=1024,
        classes=IMAGENETTE,
        train_per_class=300,
        val_per_class=50,
        epochs=15,
        snapshot_epochs=(),
        seed=seed,
        data_seed=profile.seed,
    )
    if profile.rehearsal:  # fake data: the same code path, on a few images for one epoch
        config = config.replace(**REHEARSAL_SIZES, lr_drops=())
    return config


SEEDS = (0, 1)  # initialisations per Table 3 variant


ARCH_SEEDS = (0, 1, 2)  # per first layer (Fig. 6); also the members of Table 2's ensemble


def book_configs(profile: Profile) -> dict[str, TrainConfig]:
    """Every network the architecture and ablations chapters use, by label, at ``profile``'s budget.

    Each Table 3 variant for :data:`SEEDS`, and both first layers for :data:`ARCH_SEEDS`: the
    ZFNet ones are the baseline variant (shared), the AlexNet-style ones its ``alexnet`` twin.

    Example:
        >>> from zfviz.core.profiles import get_profile
        >>> configs = book_configs(get_profile("quick"))
        >>> len(configs), configs["alexnet first layer, seed 2"].arch
        (22, 'alexnet')
    """
    configs = {
        f"{n}, seed {s}": variant_config(n, budget(profile, s)) for s in SEEDS for n in VARIANTS
    }
    for seed in ARCH_SEEDS:
        configs.setdefault(f"baseline, seed {seed}", budget(profile, seed))
        configs[f"alexnet first layer, seed {seed}"] = budget(profile, seed).replace(arch="alexnet")
    return configs


def variant_config(name: str, base: TrainConfig) -> TrainConfig:
    """The configuration of Table 3's variant ``name``, derived from the budget ``base``.

    Example:
        >>> variant_config("removed 6,7", TrainConfig()).remove
        (6, 7)
        >>> variant_config("removed 5", TrainConfig())
        Traceback (most recent call last):
        ...
        ValueError: unknown variant 'removed 5'; choose one of 'baseline', 'removed 3,4', \
'removed 7', 'removed 6,7', 'removed 3,4,6,7', 'fc6,7 half', 'fc6,7 double', \
'conv3-5 widened', 'both widened'
    """
    if name not in VARIANTS:
        choices = ", ".join(repr(k) for k in VARIANTS)
        raise ValueError(f"unknown variant {name!r}; choose one of {choices}")
    return VARIANTS[name](base)
