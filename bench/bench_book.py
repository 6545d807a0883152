"""Benchmark: how long each chapter of the book takes to execute (quick profile by default).

Runs every notebook of the table of contents top to bottom with nbclient, in order, in a fresh
kernel each, and prints seconds per chapter and in total. The trained network comes from the
checkpoint cache; when the cache is empty, the first chapter that needs the network trains it
(about three minutes on 2 CPU cores) and the table says so.

Target (issue: full profile and benchmark suite): the whole quick book within 10 minutes on
2 CPU cores.

    python bench/bench_book.py              # exits 1 if the target is missed
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

TARGET_SECONDS = 600.0
ROOT = Path(__file__).resolve().parent.parent


def chapters() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for c in toc["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def main() -> int:
    profile = os.environ.get("ZFVIZ_PROFILE", "quick")
    rows = []
    for path in chapters():
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(notebook, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()  # fmt: skip
        rows.append((path.stem, time.perf_counter() - start))
        print(f"{path.stem:<16} {rows[-1][1]:7.1f} s", flush=True)
    total = sum(seconds for _, seconds in rows)
    print(f"{'total':<16} {total:7.1f} s  (profile {profile}; target <= {TARGET_SECONDS:.0f} s)")
    ok = total <= TARGET_SECONDS
    print("TARGET MET" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
