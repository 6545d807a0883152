"""The transfer chapters' from-scratch baselines ("non-pretrained", Tables 4 and 5): what the
quick profile trains, and shipping it with the book.

Each baseline is the book network's architecture trained on one n-shot draw of the novel
classes for a fixed number of SGD steps. Trained during the book build, they were its largest
cost (minutes each on a CPU, where every other chapter loads its networks); so, like the zoo's
networks, they are trained once and ship in ``zfviz/nets/zoo/`` as ``scratch-<cache name>.pt``,
checked by SHA-256 and by their key (:func:`zfviz.methods.transfer.scratch_key`) before use.

``python -m zfviz.methods.scratch_zoo`` trains what is missing and ships it (``--check`` only
verifies); the chapters read their plans from :data:`PLANS`, so that what ships is what they ask
for (``tests/test_scratch_zoo.py`` fails when one is missing).
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import dataclass

import numpy as np
import torch

from zfviz.core.checkpoints import load_checkpoint
from zfviz.core.profiles import Profile, cache_dir, get_profile
from zfviz.data import world
from zfviz.data.preprocess import crop_source_size
from zfviz.methods.transfer import (
    SHIPPED_PREFIX,
    model_accuracy,
    nshot_indices,
    scratch_file,
    scratch_key,
    scratch_model,
)
from zfviz.nets import shipped
from zfviz.nets.train import TrainConfig

__all__ = ["ScratchPlan", "ScratchRun", "PLANS", "runs", "scratch_scores", "quick_runs", "main"]


@dataclass(frozen=True)
class ScratchPlan:
    """A chapter's from-scratch baselines: for each of ``shots`` images per class, ``folds``
    draws (fold ``f`` draws with seed ``f``), each trained for about ``steps`` SGD steps."""

    classes: str  # the world's class set (quick profile)
    shots: tuple[int, ...]
    folds: int
    steps: int
    pool: int = 60  # training images per class in the quick profile's pool


PLANS: dict[str, ScratchPlan] = {
    "transfer": ScratchPlan("novel", shots=(5, 15, 30), folds=2, steps=600),
    "caltech256": ScratchPlan("fine_novel", shots=(15, 60), folds=1, steps=600),
}


@dataclass(frozen=True)
class ScratchRun:
    """One baseline: ``n`` images per class drawn by ``fold``, trained for ``epochs`` epochs."""

    n: int
    fold: int
    indices: np.ndarray
    epochs: int


def runs(
    plan: ScratchPlan,
    pool_labels: np.ndarray,
    batch_size: int,
    shots: tuple[int, ...] | None = None,
    class_names: list[str] | None = None,
) -> list[ScratchRun]:
    """The baselines of ``plan`` on a pool: which images each trains on, for how many epochs
    (``ceil(steps / steps per epoch)``, so that every n gets about ``plan.steps`` steps).
    ``shots`` replaces the plan's sizes (a smaller pool, a rehearsal).

    Example:
        >>> labels = np.repeat(np.arange(3), 10)
        >>> [(r.n, r.fold, len(r.indices), r.epochs) for r in runs(PLANS["transfer"], labels, 8,
        ...                                                        shots=(5,))]
        [(5, 0, 15, 300), (5, 1, 15, 300)]
    """
    out = []
    for n in plan.shots if shots is None else shots:
        per_epoch = math.ceil(n * len(np.unique(pool_labels)) / batch_size)
        for fold in range(plan.folds):
            idx = nshot_indices(pool_labels, n, seed=fold, class_names=class_names)
            out.append(ScratchRun(n, fold, idx, math.ceil(plan.steps / per_epoch)))
    return out


def scratch_scores(
    plan: ScratchPlan,
    pool_images: np.ndarray,
    pool_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    config: TrainConfig,
    shots: tuple[int, ...] | None = None,
    class_names: list[str] | None = None,
    device: str = "cpu",
) -> dict[int, np.ndarray]:
    """The non-pretrained rows of Tables 4 and 5: each baseline of ``plan`` (:func:`runs`)
    from :func:`zfviz.methods.transfer.scratch_model` (the cache, the zoo, else trained), scored
    by the mean per-class accuracy of its own output on the test set. Returns images per class
    -> one score per fold.

    Example:
        >>> from zfviz.nets.train import TrainConfig
        >>> cfg = TrainConfig(image_size=64, width=0.125, fc_units=32)
        >>> imgs, labels = np.zeros((4, 73, 73, 3), np.uint8), np.array([0, 1, 0, 1])
        >>> plan = ScratchPlan("novel", shots=(1,), folds=1, steps=1)
        >>> scores = scratch_scores(plan, imgs, labels, imgs, labels, cfg)  # doctest: +SKIP
        >>> scores[1].shape  # doctest: +SKIP
        (1,)
    """
    num_classes = len(class_names) if class_names is not None else len(np.unique(pool_labels))
    scores: dict[int, list[float]] = {}
    for run in runs(plan, pool_labels, config.batch_size, shots, class_names):
        net, pre = scratch_model(pool_images[run.indices], pool_labels[run.indices], config,
                                 num_classes=num_classes, epochs=run.epochs,
                                 device=device)  # fmt: skip
        accuracy = model_accuracy(net.to(device), test_images, test_labels, pre)
        scores.setdefault(run.n, []).append(accuracy)
    return {n: np.array(s) for n, s in scores.items()}


def quick_runs(
    chapter: str, profile: Profile | None = None
) -> tuple[TrainConfig, np.ndarray, np.ndarray, list[ScratchRun]]:
    """A chapter's baselines in the quick profile: the configuration, the pool's images and
    labels, and the runs (what the chapter trains, rebuilt here to ship or check them)."""
    profile = profile or get_profile("quick")
    plan = PLANS[chapter]
    config = TrainConfig.from_profile(profile)
    side = crop_source_size(config.image_size)
    pool, _ = world.novel_splits(plan.pool, 1, size=side, classes=plan.classes)
    return config, pool.images, pool.labels, runs(plan, pool.labels, config.batch_size)


def _key(config, images, labels, run) -> dict:
    num_classes = len(np.unique(labels))
    return scratch_key(images[run.indices], labels[run.indices], config, run.epochs, num_classes)


def main(argv: list[str] | None = None) -> int:
    """``python -m zfviz.methods.scratch_zoo``: train the quick profile's from-scratch
    baselines that are missing and ship them (``--check``: only verify what ships)."""
    parser = argparse.ArgumentParser(prog="python -m zfviz.methods.scratch_zoo")
    parser.add_argument("--check", action="store_true", help="only verify what ships")
    args = parser.parse_args(argv)
    missing, shipped_now = [], 0
    for chapter in PLANS:
        config, images, labels, chapter_runs = quick_runs(chapter)
        for run in chapter_runs:
            key = _key(config, images, labels, run)
            name = SHIPPED_PREFIX + scratch_file(key)
            if shipped.load_payload(name, key) is not None:
                continue
            if args.check:
                missing.append(f"{chapter}: {run.n} per class, fold {run.fold} ({name})")
                continue
            scratch_model(images[run.indices], labels[run.indices], config,
                          num_classes=len(np.unique(labels)), epochs=run.epochs)  # fmt: skip
            cached = load_checkpoint(os.path.join(cache_dir(), "scratch", scratch_file(key)), key)
            shipped.ship_payload(name, key, cached, f"scratch {chapter} "
                                 f"{run.n}/class fold {run.fold}",
                                 threads=torch.get_num_threads())  # fmt: skip
            shipped_now += 1
    if args.check:
        print("\n".join(missing) or "every from-scratch baseline ships and verifies")
        return 1 if missing else 0
    print(f"{shipped_now} from-scratch baselines shipped in {shipped.SHIPPED_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
