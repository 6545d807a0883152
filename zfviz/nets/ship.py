"""``python -m zfviz.nets.ship``: train the chapters' networks and ship them in ``zoo/`` (or check).

The book networks train alone with every thread (as a reader's machine trains them); the
architecture and ablation networks train in parallel processes, one thread each.
"""

from __future__ import annotations

import argparse
import warnings

import torch

from zfviz.nets.parallel import train_many
from zfviz.nets.shipped import (
    BOOK_SEEDS,
    SHIPPED_DIR,
    _write_manifest,
    book_label,
    load,
    read_manifest,
    ship,
    shipped_configs,
    shipped_path,
    trained_model,
)


def main(argv: list[str] | None = None) -> int:
    """``python -m zfviz.nets.ship``: train the chapters' networks and ship them (or check)."""
    parser = argparse.ArgumentParser(prog="python -m zfviz.nets.ship", description=main.__doc__)
    parser.add_argument("--workers", type=int, default=2, help="training processes (default 2)")
    parser.add_argument("--check", action="store_true", help="only verify what ships")
    args = parser.parse_args(argv)

    configs = shipped_configs()
    if args.check:
        bad = []
        for label, config in configs.items():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ok = load(config) is not None
            if not ok:
                bad.append(f"{label}: {caught[0].message if caught else 'missing'}")
        print("\n".join(bad) or f"all {len(configs)} shipped networks verify")
        return 1 if bad else 0

    # Train into the ordinary cache (in parallel), then copy each network to the shipped folder.
    # The book networks train alone with every thread (as a reader's machine trains them).
    book = [configs[book_label(s)] for s in BOOK_SEEDS]
    for config in book:
        trained_model(config, progress=True)
    train_many([c for c in configs.values() if c not in book], workers=args.workers)
    wanted = set()
    for label, config in configs.items():
        result = trained_model(config, cache=True, progress=False)
        if result.shipped:  # already shipped and verified: keep the file
            wanted.add(shipped_path(config).name)
            continue
        # train_many's processes train with one thread each
        threads = 1 if args.workers > 1 and config not in book else torch.get_num_threads()
        wanted.add(ship(result, label, threads=threads).name)
    manifest = read_manifest()
    # networks no chapter uses any more (the from-scratch baselines are
    # zfviz.methods.scratch_zoo's to keep)
    for name in {n for n in manifest if not n.startswith("scratch-")} - wanted:
        (SHIPPED_DIR / name).unlink(missing_ok=True)
        del manifest[name]
    _write_manifest(manifest, SHIPPED_DIR)
    print(f"{len(wanted)} networks ship in {SHIPPED_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
