"""Benchmark: mining the top-9 activations of each feature map (Fig. 2) and projecting them.

Targets, measured in one run on the same data and model (the quick profile's network shape,
randomly initialised; 3,000 world images at 96 px, preprocessed once before timing):

1. Mining a layer (relu2, relu5, pool5) costs at most 1.3x a plain forward pass of the whole
   model over the same data with the same batch size.
2. Projecting all top-9 activations of every map of relu5 (64 maps x 9) with ``project_top`` is
   at least 5x faster than one ``project`` call per selection. The one-at-a-time baseline is
   timed on every 4th selection and scaled up to all of them.

Every time is the best of 3 rounds after one warm-up, with 2 torch threads. The rounds are
interleaved (each round runs every timed step once, in turn), so a machine whose speed drifts
during the run (a shared or throttled CPU) slows every step alike instead of the ones that
happened to run last.

    python bench/bench_mining.py            # under two minutes; exits 1 if a target is missed
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import torch
from timing import interleaved_best

from zfviz.data.preprocess import Preprocess, crop_source_size
from zfviz.data.world import make_split
from zfviz.methods.deconvnet import Selection, project
from zfviz.methods.mining import project_top, top_activations
from zfviz.nets.models import zfnet

MINING_MAX_RATIO, PROJECTION_MIN_SPEEDUP = 1.3, 5.0
IMAGES_PER_CLASS, BATCH, IMAGE_SIZE = 300, 128, 96
MINED_LAYERS = ("relu2", "relu5", "pool5")
PROJECTED_LAYER, K, PROJECT_BATCH, BASELINE_EVERY = "relu5", 9, 64, 4


def main() -> int:
    torch.set_num_threads(2)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    world = make_split("val", "source", IMAGES_PER_CLASS, size=crop_source_size(IMAGE_SIZE))
    x = Preprocess.fit(world.images, IMAGE_SIZE)(world.images)
    torch.manual_seed(0)
    model = zfnet(num_classes=10, input_size=IMAGE_SIZE, width=0.25, fc_units=512).eval()
    threads = torch.get_num_threads()
    print(f"{len(x)} world images at {IMAGE_SIZE} px, zfnet width 0.25 (random init), batch "
          f"{BATCH}, {threads} threads, load average {load:.2f} at start")  # fmt: skip

    def forward() -> None:
        with torch.no_grad():
            for batch in x.split(BATCH):
                model(batch)

    rows, ok = [], True
    tops = {}

    def miner(layer: str) -> Callable[[], None]:
        def mine() -> None:
            tops[layer] = top_activations(model, x.split(BATCH), layer, k=K, progress=False)

        return mine

    times = interleaved_best({"forward": forward} | {name: miner(name) for name in MINED_LAYERS})
    forward_s = times["forward"]
    rows.append(("plain forward, whole model", forward_s, "1.00x", ""))
    for layer in MINED_LAYERS:
        seconds = times[layer]
        ratio = seconds / forward_s
        ok &= ratio <= MINING_MAX_RATIO
        rows.append((f"mine top-{K} of {layer}", seconds, f"{ratio:.2f}x of forward",
                     f"<= {MINING_MAX_RATIO}x"))  # fmt: skip

    top = tops[PROJECTED_LAYER]
    channels = list(range(len(top.values)))
    entries = [(c, rank) for c in channels for rank in range(K)]
    subset = entries[::BASELINE_EVERY]
    distinct = len(set(top.images.flatten().tolist()))
    batched = {}

    def together() -> None:
        batched["pixels"] = project_top(model, x, top, channels, batch_size=PROJECT_BATCH)

    def one_at_a_time() -> None:
        for c, rank in subset:
            image = int(top.images[c, rank])
            unit = Selection(0, c, int(top.rows[c, rank]), int(top.cols[c, rank]))
            batched[(c, rank)] = project(model, x[image : image + 1], PROJECTED_LAYER, [unit])

    times = interleaved_best({"together": together, "alone": one_at_a_time})
    together_s, subset_s = times["together"], times["alone"]
    alone_s = subset_s * len(entries) / len(subset)
    for c, rank in subset:  # the two routes must agree, or the comparison means nothing
        torch.testing.assert_close(batched["pixels"][c, rank], batched[(c, rank)].pixels[0])
    speedup = alone_s / together_s
    ok &= speedup >= PROJECTION_MIN_SPEEDUP
    what = f"{len(channels)} maps x {K} of {PROJECTED_LAYER} = {len(entries)} selections"
    rows.append((f"project_top, batch_size {PROJECT_BATCH}", together_s, "", ""))
    rows.append(("one project call per selection (*)", alone_s,
                 f"{speedup:.2f}x slower", f">= {PROJECTION_MIN_SPEEDUP}x"))  # fmt: skip

    print(f"\n{'step':<42} {'seconds':>8}  {'ratio':<20} target")
    for name, seconds, ratio, target in rows:
        if name.startswith("project_top"):
            print(f"projection: {what} ({distinct} distinct images)")
        print(f"{name:<42} {seconds:8.3f}  {ratio:<20} {target}")
    print(f"(*) timed on every {BASELINE_EVERY}th selection ({len(subset)} of {len(entries)}: "
          f"{subset_s:.3f} s) and scaled by {len(entries) / len(subset):.0f}")  # fmt: skip
    print("TARGETS MET" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
