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


CALTECH101_FAKE_CLASSES = ("BACKGROUND_Google", "Faces", "Faces_easy", "accordion", "airplanes")
CALTECH256_FAKE_CLASSES = ("001.ak47", "002.american-flag", "010.beer-mug", "257.clutter")


def fake_caltech(root, name="caltech101", classes=None):
    """Tiny JPEGs in torchvision's Caltech layout; class k holds 2 + k % 3 images, some grey."""
    rng = np.random.default_rng(0)
    if name == "caltech101":
        classes = CALTECH101_FAKE_CLASSES if classes is None else classes
        folder = root / "caltech101" / "101_ObjectCategories"
    else:
        classes = CALTECH256_FAKE_CLASSES if classes is None else classes
        folder = root / "caltech256" / "256_ObjectCategories"
    for k, cls in enumerate(classes):
        (folder / cls).mkdir(parents=True)
        for i in range(1, 2 + k % 3 + 1):
            h, w = 24 + 8 * i, 40 - 6 * i
            pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            image = Image.fromarray(pixels).convert("L" if (k + i) % 3 == 0 else "RGB")
            file = f"image_{i:04d}.jpg" if name == "caltech101" else f"{cls[:3]}_{i:04d}.jpg"
            image.save(folder / cls / file)
    return root
