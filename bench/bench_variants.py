"""Benchmark: training the ablation chapters' small networks in parallel processes.

`zfviz.nets.parallel.train_many` trains the networks missing from the cache in two processes of one
thread each. These networks are too small for two threads of one process to keep two cores
busy; this script measures what the processes gain, on six networks of the ablation budget
shortened to 4 epochs: one process with two threads, one after the other (the baseline), then
`train_many(workers=2)`. Each into its own empty cache, in this process.

    python bench/bench_variants.py         # prints the ratio; exits 1 below the target
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import torch

from zfviz.core.profiles import get_profile
from zfviz.nets.parallel import train_many
from zfviz.nets.train import train
from zfviz.nets.variants import VARIANTS, budget, variant_config

TARGET = 1.2  # speed-up of 2 processes over 1 process with 2 threads, on 2 cores: a clear gain


def main() -> int:
    base = budget(get_profile("quick")).replace(epochs=4, lr_drops=())
    configs = [variant_config(n, base) for n in list(VARIANTS)[:6]]
    torch.set_num_threads(2)
    start = time.perf_counter()
    for config in configs:
        train(config, progress=False)
    sequential = time.perf_counter() - start

    os.environ["ZFVIZ_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-variants-")
    start = time.perf_counter()
    train_many(configs, workers=2, progress=False)
    parallel = time.perf_counter() - start

    ratio = sequential / parallel
    print(f"{len(configs)} networks, {base.epochs} epochs each, {os.cpu_count()} CPUs")
    print(f"one process, two threads, in turn: {sequential:6.1f} s")
    print(f"train_many, two processes:         {parallel:6.1f} s")
    print(f"speed-up: {ratio:.2f}x   target >= {TARGET}x")
    print("TARGET MET" if ratio >= TARGET else "TARGET MISSED")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
