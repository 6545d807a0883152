"""The one timing helper of the benchmarks: best-of-n wall time, after a warm-up.

Benchmarks compare ratios measured in the same run (never absolute times against a number
typed elsewhere); the fastest of a few runs is the least disturbed by the other core's work.
Scripts run as ``python bench/<name>.py``, so this folder is on ``sys.path``.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], runs: int = 3) -> float:
    """Seconds of the fastest of ``runs`` calls of ``fn``, after one warm-up call."""
    return interleaved_best({"fn": fn}, rounds=runs)["fn"]


def interleaved_best(fns: dict[str, Callable[[], object]], rounds: int = 3) -> dict[str, float]:
    """Seconds of the fastest call of each function, after one warm-up each; every round calls
    all of them once, in turn (so that a slow spell of the machine hits them alike)."""
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best
