"""Where the probes' fixed regularisation (zfviz.methods.transfer.DEFAULT_C) comes from.

Cross-validates C for the softmax and SVM probes on the quick profile's transfer pool (60
training images per novel class, layers 3 and 7 of the book network), never on the test set,
and prints the accuracy of every C and the one chosen. Run:

    python bench/choose_probe_c.py
"""

from __future__ import annotations

from zfviz.core.profiles import get_profile
from zfviz.data import world
from zfviz.data.preprocess import crop_source_size
from zfviz.methods.transfer import DEFAULT_C, PROBES, choose_c, extract_features
from zfviz.nets.shipped import trained_model
from zfviz.nets.train import TrainConfig


def main() -> None:
    profile = get_profile("quick")
    result = trained_model(TrainConfig.from_profile(profile), progress=False)
    pool, _ = world.novel_splits(60, 50, size=crop_source_size(result.preprocess.image_size))
    features = extract_features(result.model, pool.images, result.preprocess, [3, 7])
    for kind in PROBES:
        for layer, x in features.items():
            chosen, accuracy = choose_c(x, pool.labels, kind=kind)
            table = ", ".join(f"C={c:g}: {a:.3f}" for c, a in accuracy.items())
            print(f"{kind:7s} layer {layer}: {table} -> {chosen:g} (DEFAULT_C {DEFAULT_C[kind]:g})")


if __name__ == "__main__":
    main()
