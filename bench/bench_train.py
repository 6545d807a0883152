"""Benchmark: train the quick profile's ZFNet from scratch and check the foundation's target.

Target (issue: foundation): at least 85% top-1 on held-out source-class images, trained from
scratch on 2 CPU cores in at most 5 minutes of wall time. Also prints the accuracy of a linear
classifier on raw pixels, to show the task needs the network's depth.

    python bench/bench_train.py            # exits 1 if the target is missed
"""

from __future__ import annotations

import sys
import time

import torch

from zfviz.core.profiles import get_profile
from zfviz.data import world
from zfviz.methods.baselines import pixel_linear_accuracy
from zfviz.nets.train import TrainConfig, evaluate, train

TARGET_ACC, TARGET_SECONDS = 0.85, 300.0


def main() -> int:
    torch.set_num_threads(2)
    profile = get_profile("quick")
    config = TrainConfig.from_profile(profile)
    print(f"training {config.arch} at {config.image_size}px, width {config.width}, "
          f"{config.train_per_class}/class x {config.epochs} epochs on {torch.get_num_threads()} "
          "threads (no cache)")  # fmt: skip
    start = time.perf_counter()
    result = train(config, progress=True)
    seconds = time.perf_counter() - start

    test = world.make_split("test", "source", 200, size=result.preprocess.source_size)
    test_acc = evaluate(result.model, result.preprocess(test.images), torch.from_numpy(test.labels))

    base_train = world.make_split("train", "source", 300, size=64)
    base_test = world.make_split("test", "source", 200, size=64)
    linear = pixel_linear_accuracy(base_train.images, base_train.labels, base_test.images,
                                   base_test.labels, side=32)  # fmt: skip

    ok = test_acc >= TARGET_ACC and seconds <= TARGET_SECONDS
    print(
        f"wall time (data, training, validation): {seconds:6.1f} s   "
        f"target <= {TARGET_SECONDS:.0f} s"
    )
    print(f"validation top-1:                       {result.val_accuracy:6.3f}")
    print(f"test top-1 (2,000 held-out images):     {test_acc:6.3f}   target >= {TARGET_ACC}")
    print(f"linear classifier on raw pixels (test): {linear:6.3f}")
    print(f"net / pixels accuracy ratio:            {test_acc / linear:6.2f}x")
    print("TARGET MET" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
