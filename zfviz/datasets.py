"""Real images for the full profile: Imagenette, downloaded on first use.

Imagenette (fast.ai) is ten easy ImageNet classes; its validation images are the full profile's
"validation set" for top-9 mining and occlusion. The quick profile never calls this module.

Images are prepared as the ImageNet models expect (pytorchcv's and torchvision's validation
recipe): the shorter side resized to 256 (bilinear), the centre 224x224 cropped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from zfviz.profiles import cache_dir

__all__ = [
    "IMAGENETTE_WNIDS",
    "ImageSet",
    "imagenet_class_names",
    "imagenette_imagenet_index",
    "load_image",
    "imagenette",
]

# The ten Imagenette classes, as WordNet ids, in the data set's (sorted) order.
IMAGENETTE_WNIDS = (
    "n01440764",  # tench
    "n02102040",  # English springer
    "n02979186",  # cassette player
    "n03000684",  # chain saw
    "n03028079",  # church
    "n03394916",  # French horn
    "n03417042",  # garbage truck
    "n03425413",  # gas pump
    "n03445777",  # golf ball
    "n03888605",  # parachute
)
_IMAGENETTE_NAMES = (
    "tench", "English springer", "cassette player", "chain saw", "church", "French horn",
    "garbage truck", "gas pump", "golf ball", "parachute",
)  # fmt: skip
_FOLDER = "imagenette2-320"  # the 320-pixel release: 341 MB, enough for a 256 resize
_EXTENSIONS = (".jpeg", ".jpg", ".png")


@dataclass
class ImageSet:
    """Images with ImageNet labels.

    Attributes:
        images: ``(N, S, S, 3)`` uint8, resized and centre-cropped to the network input.
        labels: ``(N,)`` int64 ImageNet class index (0..999).
        class_names: the 1000 ImageNet class names, indexed by label.
        paths: the file each image came from.
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: list[str]
    paths: list[str]

    def __len__(self) -> int:
        return len(self.images)


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet class names in the models' output order (shipped with torchvision).

    Example:
        >>> names = imagenet_class_names()
        >>> len(names), names[0]
        (1000, 'tench')
    """
    from torchvision.models import AlexNet_Weights

    return list(AlexNet_Weights.IMAGENET1K_V1.meta["categories"])


def imagenette_imagenet_index() -> dict[str, int]:
    """Imagenette WordNet id -> ImageNet class index of the pretrained models.

    Example:
        >>> imagenette_imagenet_index()["n03888605"]
        701
    """
    names = imagenet_class_names()
    pairs = zip(IMAGENETTE_WNIDS, _IMAGENETTE_NAMES, strict=True)
    return {wnid: names.index(name) for wnid, name in pairs}


def load_image(path: str | os.PathLike, size: int = 224, resize: int = 256) -> np.ndarray:
    """One image file as the ImageNet models expect it: RGB, shorter side resized to ``resize``
    (bilinear), centre ``size`` x ``size`` crop; ``(size, size, 3)`` uint8."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        scale = resize / min(image.size)
        width, height = (max(size, round(d * scale)) for d in image.size)
        image = image.resize((width, height), Image.BILINEAR)
        left, top = (width - size) // 2, (height - size) // 2
        return np.asarray(image.crop((left, top, left + size, top + size)), dtype=np.uint8)


def _download(root: Path) -> None:
    from torchvision.datasets import Imagenette

    try:
        Imagenette(str(root), split="val", size="320px", download=True)
    except Exception as err:  # DNS, HTTP, checksum, a truncated archive: the same advice
        raise RuntimeError(
            f"could not download Imagenette into {root} ({err}). If you have it, extract "
            f"imagenette2-320.tgz so that {root / _FOLDER}/val/<wnid>/*.JPEG exist, or pass "
            f"root= pointing at the folder that holds {_FOLDER}/."
        ) from err


def imagenette(
    split: str = "val",
    n_per_class: int | None = None,
    root: str | os.PathLike | None = None,
    size: int = 224,
    download: bool = True,
    progress: bool = True,
) -> ImageSet:
    """Imagenette images of one split, resized and cropped for the ImageNet models.

    Args:
        split: ``"train"`` or ``"val"``.
        n_per_class: the first images of each class (sorted file names); default all.
        root: the folder holding ``imagenette2-320/`` (default ``<zfviz cache>/imagenette``).
        size: the network input side.
        download: fetch the data set when it is missing (a 341 MB archive).
        progress: show a progress bar while decoding.

    Raises:
        RuntimeError: the data is missing and could not be downloaded, with what to do.
        ValueError: an unknown split, or a folder without the ten classes.
    """
    if split not in ("train", "val"):
        raise ValueError(f"unknown split {split!r}; expected 'train' or 'val'")
    root = Path(root) if root is not None else Path(cache_dir()) / "imagenette"
    folder = root / _FOLDER / split
    if not folder.is_dir():
        if not download:
            raise RuntimeError(
                f"Imagenette is not in {folder}; pass download=True, or root= pointing at the "
                f"folder that holds {_FOLDER}/"
            )
        _download(root)
    index = imagenette_imagenet_index()
    missing = [w for w in IMAGENETTE_WNIDS if not (folder / w).is_dir()]
    if missing:
        raise ValueError(f"{folder} lacks the class folders {', '.join(missing)}")
    paths, labels = [], []
    for wnid in IMAGENETTE_WNIDS:
        files = sorted(p for p in (folder / wnid).iterdir() if p.suffix.lower() in _EXTENSIONS)
        files = files[:n_per_class] if n_per_class is not None else files
        paths += [str(p) for p in files]
        labels += [index[wnid]] * len(files)
    images = np.stack(
        [load_image(p, size) for p in tqdm(paths, desc=f"imagenette {split}", disable=not progress)]
    )
    return ImageSet(images, np.asarray(labels, np.int64), imagenet_class_names(), paths)
