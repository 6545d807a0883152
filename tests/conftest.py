"""Shared test helpers."""

import numpy as np
from PIL import Image

from zfviz.datasets import IMAGENETTE_WNIDS


def fake_imagenette(root, split="val", per_class=3, classes=IMAGENETTE_WNIDS):
    """Random JPEGs in Imagenette's on-disk layout, of varied sizes and modes."""
    rng = np.random.default_rng(0)
    for k, wnid in enumerate(classes):
        folder = root / "imagenette2-320" / split / wnid
        folder.mkdir(parents=True)
        for i in range(per_class):
            h, w = 240 + 40 * i, 320 - 30 * i
            pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            image = Image.fromarray(pixels).convert("L" if (k + i) % 4 == 0 else "RGB")
            image.save(folder / f"{wnid}_{i:04d}.JPEG")
    return root
