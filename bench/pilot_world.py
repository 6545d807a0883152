"""Pilot trainings that choose the world: is the source task hard enough for the depth claim?

The paper's Table 3 says that removing layers hurts: the 4-layer network ("removed 3,4,6,7") is
much worse than the full one. On an easy task it is not. For each candidate world (the 10
source classes, or the 40 classes with fine-grained siblings, ``world.FINE_SOURCE_CLASSES``) and
each network (the baseline, the 4-layer net, the net without fc6 and fc7), this trains once at a
pilot budget and prints a table: train and validation top-1 error, the gap, minutes.

Each finished row is appended to ``--out`` (JSON lines), so a stopped run resumes where it was;
a row whose configuration is already there is skipped.

    python bench/pilot_world.py --out bench/results/pilot_world.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch

from zfviz.core.checkpoints import config_key
from zfviz.nets.train import TrainConfig, train
from zfviz.nets.variants import variant_config

NETWORKS = ("baseline", "removed 3,4,6,7", "removed 6,7")


def pilot_config(world: str, size: int, width: float, per_class: int, epochs: int) -> TrainConfig:
    """The pilot budget: the ablation chapter's recipe, scaled to ``epochs``."""
    return TrainConfig(
        classes=world,
        image_size=size,
        width=width,
        fc_units=512,
        train_per_class=per_class,
        val_per_class=50,
        epochs=epochs,
        lr_drops=(round(epochs * 0.7), round(epochs * 0.9)),
        snapshot_epochs=(),
    )


def _done(path: str) -> dict[str, dict]:
    if not os.path.exists(path):
        return {}
    rows = [json.loads(line) for line in open(path) if line.strip()]
    return {r["key"]: r for r in rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", nargs="+", default=["source", "fine"])
    ap.add_argument("--networks", nargs="+", default=list(NETWORKS))
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--width", type=float, default=0.25)
    ap.add_argument("--per-class", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="bench/results/pilot_world.jsonl")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    for world in args.worlds:
        for name in args.networks:
            base = pilot_config(world, args.size, args.width, args.per_class, args.epochs)
            config = variant_config(name, base)
            key = config_key(config.as_dict())
            if key in _done(args.out):
                continue
            start = time.perf_counter()
            state = os.path.join(os.path.dirname(args.out) or ".", f".pilot-{key}.state")
            result = train(config, progress=True, precision="auto", state_path=state)
            last = result.history[-1]
            row = {
                "key": key,
                "world": world,
                "network": name,
                "size": args.size,
                "width": args.width,
                "per_class": args.per_class,
                "epochs": args.epochs,
                "train_err": round(1 - float(last["train_acc"]), 4),
                "val_err": round(1 - float(last["val_acc"]), 4),
                "best_val_err": round(1 - max(float(h["val_acc"]) for h in result.history), 4),
                "minutes": round((time.perf_counter() - start) / 60, 2),
                "threads": args.threads,
            }
            with open(args.out, "a") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
    rows = list(_done(args.out).values())
    print(f"{'world':8} {'network':16} {'train err':>9} {'val err':>8} {'gap':>6} {'min':>6}")
    for r in rows:
        gap = r["val_err"] - r["train_err"]
        print(
            f"{r['world']:8} {r['network']:16} {r['train_err']:9.3f} {r['val_err']:8.3f} "
            f"{gap:6.3f} {r['minutes']:6.1f}"
        )


if __name__ == "__main__":
    main()
