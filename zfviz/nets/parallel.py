"""Train many small networks at once, one process per core (the ablations' variants, the zoo)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from zfviz.nets import shipped
from zfviz.nets import train as training
from zfviz.nets.models import count_parameters
from zfviz.nets.train import TrainConfig
from zfviz.nets.variants import IMAGENETTE


def _train_in_worker(config: TrainConfig) -> None:
    # One process per core, one thread per process: these networks are too small for two
    # threads to keep two cores busy (bench/bench_variants.py measures the gain).
    torch.set_num_threads(1)
    shipped.trained_model(config, cache=True, progress=False)


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
        >>> cfg = TrainConfig.tiny()
        >>> import os, tempfile
        >>> from unittest import mock
        >>> with mock.patch.dict(os.environ, {"ZFVIZ_CACHE_DIR": tempfile.mkdtemp()}):
        ...     first = train_many([cfg, cfg.replace(seed=1)], workers=1, progress=False)
        ...     again = train_many([cfg], workers=1, progress=False)  # now in the cache
        >>> [c.seed for c in first], again
        ([0, 1], [])
    """

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
            shipped.trained_model(c, cache=True, progress=False)
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
