"""Table 3 (and the ensemble of Table 2): retrain variants of the network and compare their errors.

The paper removes or resizes layers of its ImageNet network, retrains each variant and reports
train top-1, validation top-1 and validation top-5 error. Here every variant is a
:class:`zfviz.train.TrainConfig` derived from one reduced *budget* (smaller input, fewer images,
fewer epochs than the main network, so that a dozen networks and several seeds train in minutes
on a CPU), trained through the checkpoint cache and evaluated the same way:

* train top-1 error on the training images themselves (centre view, dropout off), so that the
  gap to validation error measures overfitting, not the noise of dropout and random crops;
* validation top-1 and top-5 error on held-out images;
* the spread of each over seeds (the paper reports one run per variant).

In the full profile the same variants train from scratch on Imagenette (on a GPU) through
:func:`zfviz.transfer.scratch_model`, which caches them keyed by configuration and data.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from zfviz import train as training
from zfviz.hooks import borrowed
from zfviz.models import ConvNet, count_parameters
from zfviz.preprocess import Preprocess, crop_source_size
from zfviz.profiles import REHEARSAL_SIZES, Profile
from zfviz.train import TrainConfig

IMAGENETTE = "imagenette"  # ``TrainConfig.classes`` of the full profile's budget

__all__ = [
    "VARIANTS",
    "PAPER_TABLE3",
    "PAPER_TABLE2",
    "SEEDS",
    "ARCH_SEEDS",
    "budget",
    "book_configs",
    "variant_key",
    "variant_config",
    "Split",
    "Trained",
    "load_data",
    "train_many",
    "train_config",
    "predict_proba",
    "topk_error",
    "ensemble_proba",
    "evaluate",
    "run_variants",
    "summarise",
    "points_worse",
]

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

# Table 3 of the paper, error % (train top-1, val top-1, val top-5), for the row that each
# variant stands for: the "removed" rows are the paper's AlexNet replication, the others ZFNet.
PAPER_TABLE3: dict[str, tuple[float, float, float]] = {
    "baseline": (33.1, 38.4, 16.5),
    "removed 3,4": (41.8, 45.4, 22.1),
    "removed 7": (27.4, 40.0, 18.4),
    "removed 6,7": (27.4, 44.8, 22.4),
    "removed 3,4,6,7": (71.1, 71.3, 50.1),
    "fc6,7 half": (38.2, 40.2, 17.6),
    "fc6,7 double": (22.0, 38.8, 17.0),
    "conv3-5 widened": (18.8, 37.5, 16.0),
    "both widened": (10.0, 38.3, 16.9),
}

# Table 2 of the paper, validation error % (top-1, top-5): one ZFNet against five averaged.
PAPER_TABLE2: dict[str, tuple[float, float]] = {
    "1 convnet (a)": (38.4, 16.5),
    "5 convnets (a)": (36.7, 15.3),
}


def budget(profile: Profile, seed: int = 0) -> TrainConfig:
    """The reduced training budget every variant of this chapter (and Fig. 6's) trains with.

    Quick profile: 48-pixel inputs, a quarter of the paper's maps, 512 units in fc6/fc7, 300
    training images per class and 40 epochs (about 3,800 steps of 32 images: the training
    curves flatten after the second learning-rate drop), 100 validation images per class.
    That is about two minutes per network on one CPU core, forty CPU-minutes for the book's
    22 networks, so the book ships them trained (:mod:`zfviz.shipped`) and CI retrains one to
    check them.
    Full profile: Imagenette at 112 px, half the maps, 1024 units, 300 training images per
    class, 15 epochs, on a GPU (not timed here: no GPU was available when this was written).

    Example:
        >>> from zfviz.profiles import get_profile
        >>> cfg = budget(get_profile("quick"), seed=1)
        >>> cfg.image_size, cfg.train_per_class, cfg.epochs, cfg.seed
        (48, 300, 40, 1)
    """
    if profile.pretrained is None:
        return TrainConfig(
            image_size=48,
            width=0.25,
            fc_units=512,
            train_per_class=300,
            val_per_class=100,
            epochs=40,
            lr_drops=(28, 36),
            snapshot_epochs=(),
            seed=seed,
            data_seed=profile.seed,
        )
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
        >>> from zfviz.profiles import get_profile
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


def variant_key(name: str) -> str:
    """A variant's name as a key of recorded numbers: lower case, words joined by ``_``.

    Example:
        >>> variant_key("removed 3,4,6,7"), variant_key("fc6,7 double")
        ('removed_3_4_6_7', 'fc6_7_double')
    """
    return "_".join(re.findall(r"[a-z0-9]+", name.lower()))


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


@dataclass
class Split:
    """Labelled training or validation images: ``(N, S, S, 3)`` uint8 and ``(N,)`` labels.

    Example:
        >>> len(Split(np.zeros((3, 8, 8, 3), np.uint8), np.array([0, 1, 2])))
        3
    """

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


@dataclass
class Trained:
    """One trained variant.

    Attributes:
        name: the variant (a key of :data:`VARIANTS`, or any label the caller chose).
        config: what was trained.
        model: the network, in eval mode, on the CPU.
        preprocess: its input preprocessing (mean image, centre crop, scale).
        seconds: wall time of this call: training, or loading from the cache.
        from_cache: whether the weights came from the checkpoint cache (``None`` for
            Imagenette, whose cache does not report it).
        history: per-epoch records of :class:`zfviz.train.TrainResult` (world runs only; e.g.
            ``clipped``, how many filters the renormalisation scaled back).
        shipped: whether it is one of the networks that ship with the book
            (:mod:`zfviz.shipped`).
    """

    name: str
    config: TrainConfig
    model: ConvNet
    preprocess: Preprocess
    seconds: float
    from_cache: bool | None
    history: list[dict] | None = None
    shipped: bool = False


def _resized(images: np.ndarray, side: int) -> np.ndarray:
    from PIL import Image

    return np.stack(
        [np.asarray(Image.fromarray(im).resize((side, side), Image.BILINEAR)) for im in images]
    )


def load_data(
    base: TrainConfig, data_root: str | None = None, progress: bool = True
) -> tuple[Split, Split]:
    """The training and validation images that ``base`` (a :func:`budget`) trains and tests on.

    The embedded world's splits (exactly those :func:`zfviz.train.train` uses) or, when
    ``base.classes == "imagenette"``, Imagenette's train and val folders (``data_root``: the
    folder holding ``imagenette2-320/``), resized to the crop source size with labels 0..9.

    Example:
        >>> train, val = load_data(TrainConfig(image_size=48, train_per_class=2, val_per_class=1))
        >>> train.images.shape, len(val)
        ((20, 55, 55, 3), 10)
    """
    if base.classes != IMAGENETTE:
        train_set, val_set = training._load_data(base)
        return Split(train_set.images, train_set.labels), Split(val_set.images, val_set.labels)
    from zfviz.datasets import imagenette

    side = crop_source_size(base.image_size)
    splits = []
    for split, n in (("train", base.train_per_class), ("val", base.val_per_class)):
        data = imagenette(split, n or None, root=data_root, progress=progress)
        # ImageNet indices (0..999) to 0..9, in Imagenette's class order.
        labels = np.unique(data.labels, return_inverse=True)[1].astype(np.int64)
        splits.append(Split(_resized(data.images, side), labels))
    return splits[0], splits[1]


def _train_in_worker(config: TrainConfig) -> None:
    # One process per core, one thread per process: these networks are too small for two
    # threads to keep two cores busy (bench/bench_variants.py measures the gain).
    torch.set_num_threads(1)
    training.trained_model(config, cache=True, progress=False)


def train_many(
    configs: Sequence[TrainConfig],
    workers: int = 2,
    progress: bool = True,
    device: str = "cpu",
) -> list[TrainConfig]:
    """Train every world configuration of ``configs`` that is neither cached nor shipped.

    With ``workers > 1`` they train in that many processes (one thread each) at once; each
    writes its checkpoint to the cache (atomically), where :func:`train_config` then finds it.
    Returns the configurations that were trained in this call. The slowest go first, so that
    the processes finish together. Imagenette configurations, and any on a ``device`` other
    than the CPU (one network keeps a GPU busy), are left to :func:`train_config`, which
    trains them one at a time.

    Example:
        >>> cfg = TrainConfig(image_size=48, width=0.125, fc_units=16, train_per_class=1,
        ...                   val_per_class=1, epochs=1, lr_drops=(), snapshot_epochs=())
        >>> import os, tempfile
        >>> from unittest import mock
        >>> with mock.patch.dict(os.environ, {"ZFVIZ_CACHE_DIR": tempfile.mkdtemp()}):
        ...     first = train_many([cfg, cfg.replace(seed=1)], workers=1, progress=False)
        ...     again = train_many([cfg], workers=1, progress=False)  # now in the cache
        >>> [c.seed for c in first], again
        ([0, 1], [])
    """
    import os

    from zfviz import shipped

    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if device != "cpu":
        return []

    def available(c: TrainConfig) -> bool:
        return os.path.exists(training.checkpoint_path(c)) or shipped.load(c) is not None

    world = [c for c in dict.fromkeys(configs) if c.classes != IMAGENETTE]
    todo = [c for c in world if not available(c)]
    cost = {c: count_parameters(training.build_model(c, 10)) * c.epochs for c in todo}
    todo.sort(key=cost.get, reverse=True)
    bar = tqdm(total=len(todo), desc="training", disable=not progress or not todo)
    if workers == 1 or len(todo) <= 1:
        for c in todo:
            training.trained_model(c, cache=True, progress=False)
            bar.update()
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # "spawn": a forked copy of a process that already runs torch threads can deadlock.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(workers, len(todo)), mp_context=context) as pool:
            for job in as_completed([pool.submit(_train_in_worker, c) for c in todo]):
                job.result()  # a worker's exception is raised here
                bar.update()
    bar.close()
    return todo


def train_config(
    name: str,
    config: TrainConfig,
    data: Split | None = None,
    progress: bool = True,
    device: str = "cpu",
    cache: bool = True,
) -> Trained:
    """Train ``config`` (or load it from the checkpoint cache) and label it ``name``.

    World configurations go through :func:`zfviz.train.trained_model`; Imagenette ones through
    :func:`zfviz.transfer.scratch_model` on ``data`` (the training split of :func:`load_data`),
    both cached under a key derived from the whole configuration.

    Example:
        >>> cfg = TrainConfig(image_size=48, width=0.125, fc_units=16, train_per_class=1,
        ...                   val_per_class=1, epochs=1, lr_drops=(), snapshot_epochs=())
        >>> net = train_config("baseline", cfg, progress=False, cache=False)
        >>> net.name, net.from_cache, net.model.training
        ('baseline', False, False)
    """
    start = time.perf_counter()
    if config.classes != IMAGENETTE:
        result = training.trained_model(config, cache=cache, progress=progress, device=device)
        model, pre, from_cache = result.model, result.preprocess, result.from_cache
        history, shipped = result.history, result.shipped
    else:
        if data is None:
            raise ValueError("an Imagenette configuration needs data=, the training Split")
        from zfviz.transfer import scratch_model

        model, pre = scratch_model(
            data.images, data.labels, config, epochs=config.epochs, cache=cache,
            progress=progress, device=device,
        )  # fmt: skip
        from_cache, history = None, None  # scratch_model keeps no history; ``seconds`` tells
        shipped = False
    seconds = time.perf_counter() - start
    return Trained(name, config, model.eval(), pre, seconds, from_cache, history, shipped)


@torch.no_grad()
def predict_proba(
    model: nn.Module,
    preprocess: Callable[[np.ndarray], torch.Tensor],
    images: np.ndarray,
    batch_size: int = 256,
) -> torch.Tensor:
    """Softmax class probabilities ``(N, C)`` of ``model`` on uint8 ``images`` (centre view).

    The model runs in eval mode (dropout off) and is given back as it was.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
        >>> p = predict_proba(net, lambda x: torch.zeros(len(x), 12), np.zeros((5, 2, 2, 3)))
        >>> p.shape, bool(torch.allclose(p.sum(1), torch.ones(5)))
        (torch.Size([5, 3]), True)
    """
    device = next(model.parameters()).device
    out = []
    with borrowed(model):
        for i in range(0, len(images), batch_size):
            x = preprocess(images[i : i + batch_size]).to(device)
            out.append(torch.softmax(model(x), dim=1).cpu())
    return torch.cat(out)


def topk_error(proba: torch.Tensor, labels: np.ndarray | torch.Tensor, k: int = 1) -> float:
    """Fraction of images whose true label is not among the ``k`` most probable classes.

    Example:
        >>> proba = torch.tensor([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]])
        >>> topk_error(proba, [0, 2], k=1), topk_error(proba, [0, 2], k=2)
        (0.5, 0.5)
    """
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    if proba.dim() != 2 or len(proba) != len(labels):
        raise ValueError(
            f"expected (N, C) probabilities and N labels, got {tuple(proba.shape)} and "
            f"{len(labels)}"
        )
    if not 1 <= k <= proba.shape[1]:
        raise ValueError(f"k must be between 1 and the {proba.shape[1]} classes, got {k}")
    top = proba.topk(k, dim=1).indices
    return float((top != labels[:, None]).all(dim=1).float().mean())


def ensemble_proba(probas: Sequence[torch.Tensor]) -> torch.Tensor:
    """Table 2's ensemble: the average of several models' softmax outputs.

    Example:
        >>> a, b = torch.tensor([[0.9, 0.1]]), torch.tensor([[0.3, 0.7]])
        >>> ensemble_proba([a, b])
        tensor([[0.6000, 0.4000]])
    """
    if not probas:
        raise ValueError("an ensemble needs at least one model's probabilities")
    shapes = {tuple(p.shape) for p in probas}
    if len(shapes) != 1:
        raise ValueError(f"all models must score the same images and classes, got {shapes}")
    return torch.stack(list(probas)).mean(0)


def evaluate(
    trained: Trained, train: Split, val: Split, max_train: int | None = 500
) -> dict[str, float]:
    """Table 3's three errors of one trained variant, plus its parameter count.

    Returns ``train_top1``, ``val_top1``, ``val_top5`` (fractions), ``gap`` (validation minus
    train top-1: overfitting) and ``params``. The train error is measured on ``max_train``
    evenly spaced training images (all of them if ``None``): enough to see a gap, and it keeps
    the evaluation of a dozen networks quick.

    Example:
        >>> cfg = TrainConfig(image_size=48, width=0.125, fc_units=16, train_per_class=1,
        ...                   val_per_class=1, epochs=1, lr_drops=(), snapshot_epochs=())
        >>> net = train_config("baseline", cfg, progress=False, cache=False)
        >>> scores = evaluate(net, *load_data(cfg))
        >>> sorted(scores), 0 <= scores["val_top5"] <= scores["val_top1"] <= 1
        (['gap', 'params', 'train_top1', 'val_top1', 'val_top5'], True)
    """
    k = min(5, int(trained.model.spec.num_classes))
    if max_train is not None and len(train) > max_train:
        pick = np.linspace(0, len(train) - 1, max_train).round().astype(int)
        train = Split(train.images[pick], train.labels[pick])
    p_train = predict_proba(trained.model, trained.preprocess, train.images)
    p_val = predict_proba(trained.model, trained.preprocess, val.images)
    train_top1, val_top1 = topk_error(p_train, train.labels), topk_error(p_val, val.labels)
    return {
        "train_top1": train_top1,
        "val_top1": val_top1,
        "val_top5": topk_error(p_val, val.labels, k),
        "gap": val_top1 - train_top1,
        "params": float(count_parameters(trained.model)),
    }


def run_variants(
    names: Sequence[str],
    seeds: Sequence[int],
    base: Callable[[int], TrainConfig],
    data: tuple[Split, Split],
    progress: bool = True,
    device: str = "cpu",
    cache: bool = True,
    workers: int = 1,
) -> tuple[list[dict[str, object]], dict[tuple[str, int], Trained]]:
    """Train (or load) every variant in ``names`` for every seed, and evaluate each.

    Args:
        names: keys of :data:`VARIANTS`.
        seeds: initialisation seeds; ``base(seed)`` is the budget for that seed.
        data: ``(train, val)`` from :func:`load_data`.
        workers: with more than one (and the cache), the networks neither cached nor shipped
            train in that many processes first (:func:`train_many`).

    Returns:
        One row per (variant, seed) (``variant``, ``seed``, the errors of :func:`evaluate`,
        ``seconds`` of training in this call) and the trained networks by (variant, seed).

    Example:
        >>> cfg = TrainConfig(image_size=48, width=0.125, fc_units=16, train_per_class=1,
        ...                   val_per_class=1, epochs=1, lr_drops=(), snapshot_epochs=())
        >>> rows, nets = run_variants(["baseline", "removed 6,7"], [0], lambda s: cfg,
        ...                           load_data(cfg), progress=False, cache=False)
        >>> [(r["variant"], r["seed"]) for r in rows]
        [('baseline', 0), ('removed 6,7', 0)]
    """
    for name in names:
        variant_config(name, base(seeds[0]))  # unknown names fail before any training
    jobs = [(name, seed, variant_config(name, base(seed))) for seed in seeds for name in names]
    if workers > 1 and cache:
        train_many([c for *_, c in jobs], workers=workers, progress=progress, device=device)
    rows: list[dict[str, object]] = []
    nets: dict[tuple[str, int], Trained] = {}
    for name, seed, config in tqdm(jobs, desc="variants", disable=not progress):
        net = train_config(name, config, data[0], progress=False, device=device, cache=cache)
        nets[name, seed] = net
        rows.append({"variant": name, "seed": seed, **evaluate(net, *data), "seconds": net.seconds})
    return rows, nets


def summarise(
    rows: Sequence[dict[str, object]], keys: Sequence[str] = ("train_top1", "val_top1", "val_top5")
) -> dict[str, dict[str, tuple[float, float]]]:
    """Mean and standard deviation over seeds of each error, per variant (in row order).

    Example:
        >>> rows = [{"variant": "a", "val_top1": 0.2}, {"variant": "a", "val_top1": 0.4}]
        >>> mean, spread = summarise(rows, keys=("val_top1",))["a"]["val_top1"]
        >>> round(mean, 3), round(spread, 3)
        (0.3, 0.141)
    """
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for name in dict.fromkeys(str(r["variant"]) for r in rows):
        mine = [r for r in rows if r["variant"] == name]
        out[name] = {}
        for key in keys:
            values = np.array([float(r[key]) for r in mine])
            spread = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            out[name][key] = (float(values.mean()), spread)
    return out


def points_worse(
    table: dict[str, dict[str, tuple[float, float]]],
    variant: str,
    against: str = "baseline",
    key: str = "val_top1",
) -> float:
    """How many points ``variant``'s mean error is above ``against``'s (negative: better).

    ``table`` is :func:`summarise`'s output; the means are over seeds.

    Example:
        >>> table = {"baseline": {"val_top1": (0.30, 0.01)}, "wide": {"val_top1": (0.25, 0.02)}}
        >>> round(points_worse(table, "wide"), 6)
        -5.0
    """
    for name in (variant, against):
        if name not in table:
            raise KeyError(f"no variant {name!r} in the table; it has {', '.join(table)}")
    return 100 * (table[variant][key][0] - table[against][key][0])
