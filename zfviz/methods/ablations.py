"""Table 3 (and the ensemble of Table 2): retrain variants of the network and compare their errors.

The paper removes or resizes layers of its ImageNet network, retrains each variant and reports
train top-1, validation top-1 and validation top-5 error. Here every variant is a
:class:`zfviz.nets.train.TrainConfig` derived from one reduced *budget* (smaller input, fewer
images, fewer epochs than the main network, so that a dozen networks and several seeds train in
minutes on a CPU), trained through the checkpoint cache and evaluated the same way:

* train top-1 error on the training images themselves (centre view, dropout off), so that the
  gap to validation error measures overfitting, not the noise of dropout and random crops;
* validation top-1 and top-5 error on held-out images;
* the spread of each over seeds (the paper reports one run per variant).

In the full profile the same variants train from scratch on Imagenette (on a GPU) through
:func:`zfviz.methods.transfer.scratch_model`, which caches them keyed by configuration and data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from zfviz.data.datasets import imagenette
from zfviz.data.preprocess import Preprocess, crop_source_size
from zfviz.methods.transfer import scratch_model
from zfviz.nets import train as training
from zfviz.nets.models import ConvNet, count_parameters
from zfviz.nets.parallel import train_many
from zfviz.nets.predict import outputs
from zfviz.nets.shipped import trained_model
from zfviz.nets.train import TrainConfig
from zfviz.nets.variants import IMAGENETTE, variant_config

__all__ = [
    "Split",
    "Trained",
    "load_data",
    "train_config",
    "predict_proba",
    "topk_error",
    "ensemble_proba",
    "evaluate",
    "run_variants",
    "summarise",
    "points_worse",
]


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
        history: per-epoch records of :class:`zfviz.nets.train.TrainResult` (world runs only; e.g.
            ``clipped``, how many filters the renormalisation scaled back).
        shipped: whether it is one of the networks that ship with the book
            (:mod:`zfviz.nets.shipped`).
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

    The embedded world's splits (exactly those :func:`zfviz.nets.train.train` uses) or, when
    ``base.classes == "imagenette"``, Imagenette's train and val folders (``data_root``: the
    folder holding ``imagenette2-320/``), resized to the crop source size with labels 0..9.

    Example:
        >>> train, val = load_data(TrainConfig(image_size=48, train_per_class=2, val_per_class=1))
        >>> train.images.shape, len(val)
        ((20, 55, 55, 3), 10)
    """
    if base.classes != IMAGENETTE:
        train_set, val_set = training.load_data(base)
        return Split(train_set.images, train_set.labels), Split(val_set.images, val_set.labels)

    side = crop_source_size(base.image_size)
    splits = []
    for split, n in (("train", base.train_per_class), ("val", base.val_per_class)):
        data = imagenette(split, n or None, root=data_root, progress=progress)
        # ImageNet indices (0..999) to 0..9, in Imagenette's class order.
        labels = np.unique(data.labels, return_inverse=True)[1].astype(np.int64)
        splits.append(Split(_resized(data.images, side), labels))
    return splits[0], splits[1]


def train_config(
    name: str,
    config: TrainConfig,
    data: Split | None = None,
    progress: bool = True,
    device: str = "cpu",
    cache: bool = True,
) -> Trained:
    """Train ``config`` (or load it from the checkpoint cache) and label it ``name``.

    World configurations go through :func:`zfviz.nets.shipped.trained_model`; Imagenette ones
    through :func:`zfviz.methods.transfer.scratch_model` on ``data`` (the training split of
    :func:`load_data`), both cached under a key derived from the whole configuration.

    Example:
        >>> cfg = TrainConfig.tiny()
        >>> net = train_config("baseline", cfg, progress=False, cache=False)
        >>> net.name, net.from_cache, net.model.training
        ('baseline', False, False)
    """
    start = time.perf_counter()
    if config.classes != IMAGENETTE:
        result = trained_model(config, cache=cache, progress=progress, device=device)
        model, pre, from_cache = result.model, result.preprocess, result.from_cache
        history, shipped = result.history, result.shipped
    else:
        if data is None:
            raise ValueError("an Imagenette configuration needs data=, the training Split")

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
    return torch.softmax(outputs(model, images, preprocess, batch_size), dim=1)


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
        >>> cfg = TrainConfig.tiny()
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
        >>> cfg = TrainConfig.tiny()
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
