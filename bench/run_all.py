"""Run every benchmark in one go and print what each measured.

Each script prints its own table of ratios measured in one run and exits 1 when a target is
missed; this runner shows them one after the other, then a summary line per script.

    python bench/run_all.py                 # a few minutes on 2 CPU cores
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = ["bench_world.py", "bench_mining.py", "bench_deconvnet.py", "bench_occlusion.py",
           "bench_variants.py", "bench_train.py", "bench_precision.py",
           "bench_book.py"]  # fmt: skip


def main() -> int:
    here = Path(__file__).parent
    summary = []
    for name in SCRIPTS:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(here / name)]).returncode
        seconds = time.perf_counter() - start
        summary.append((name, "targets met" if code == 0 else "TARGET MISSED", seconds))
    print(f"\n{'benchmark':<22} {'result':<14} {'seconds':>8}")
    for name, result, seconds in summary:
        print(f"{name:<22} {result:<14} {seconds:8.1f}")
    return 0 if all(result == "targets met" for _, result, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
