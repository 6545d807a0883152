"""Real images for the full profile: Imagenette and Caltech-101/256, downloaded on first use.

Imagenette (fast.ai) is ten easy ImageNet classes; its validation images are the full profile's
"validation set" for top-9 mining and occlusion. Caltech-101 and Caltech-256 are the paper's
transfer targets (Section 5.1). The quick profile never calls this module.

Images are prepared as the ImageNet models expect (pytorchcv's and torchvision's validation
recipe): the shorter side resized to 256 (bilinear), the centre 224x224 cropped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from zfviz.core.profiles import cache_dir

__all__ = [
    "IMAGENETTE_WNIDS",
    "ImageSet",
    "imagenet_class_names",
    "imagenette_imagenet_index",
    "load_image",
    "imagenette",
    "CALTECH_EXCLUDED",
    "caltech",
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
    """Labelled images, ready for the network.

    Attributes:
        images: ``(N, S, S, 3)`` uint8, resized and centre-cropped to the network input.
        labels: ``(N,)`` int64 class index: the ImageNet index (0..999) for `imagenette`, the
            data set's own class index (0..C-1) for `caltech`.
        class_names: the class names, indexed by label (the 1000 ImageNet names for
            `imagenette`, the C Caltech classes for `caltech`).
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


# Caltech, in torchvision's on-disk layout (``torchvision.datasets.Caltech101/256``):
#   <root>/caltech101/101_ObjectCategories/<class>/image_0001.jpg
#   <root>/caltech256/256_ObjectCategories/<NNN.class>/<NNN>_0001.jpg
# Each entry: the folder under root, the images folder inside it, the torchvision class, the
# name a reader knows it by.
_CALTECH = {
    "caltech101": ("caltech101", "101_ObjectCategories", "Caltech101", "Caltech-101"),
    "caltech256": ("caltech256", "256_ObjectCategories", "Caltech256", "Caltech-256"),
}
# Folders that are not object classes. Caltech-101's "BACKGROUND_Google" is dropped as
# torchvision drops it, leaving the paper's 101 classes ("Faces" and "Faces_easy", two croppings of
# the same faces, both stay, as in torchvision's list). Caltech-256's "257.clutter" is its
# background class; the paper's 256 categories leave it out (torchvision keeps it: 257 classes).
CALTECH_EXCLUDED = {"caltech101": ("BACKGROUND_Google",), "caltech256": ("257.clutter",)}


def _download_caltech(name: str, root: Path) -> None:
    import torchvision.datasets

    folder, images, tv_class, title = _CALTECH[name]
    try:
        getattr(torchvision.datasets, tv_class)(str(root), download=True)
    except Exception as err:  # DNS, HTTP, checksum, a truncated archive: the same advice
        raise RuntimeError(
            f"could not download {title} into {root} ({err}). If you have it, extract it so that "
            f"{root / folder / images}/<class>/*.jpg exist, or pass root= pointing at the folder "
            f"that holds {folder}/."
        ) from err


def _class_name(name: str, folder: str) -> str:
    # Caltech-256 folders are "001.ak47": the number only repeats the (sorted) class index.
    number, dot, rest = folder.partition(".")
    return rest if name == "caltech256" and dot and number.isdigit() else folder


def caltech(
    name: str,
    root: str | os.PathLike | None = None,
    size: int = 224,
    max_per_class: int | None = None,
    download: bool = True,
    progress: bool = True,
) -> ImageSet:
    """Caltech-101 or Caltech-256 images, resized and cropped for the ImageNet models.

    Labels are class indices ``0..C-1`` in the sorted order of the class folders (the order
    torchvision uses), without the background folders of `CALTECH_EXCLUDED`: 101 classes for
    Caltech-101, 256 for Caltech-256, as in the paper. Caltech-256's class names drop the
    folder's number (``"001.ak47"`` -> ``"ak47"``). Greyscale images come out as RGB.

    All of Caltech-256 at 224 pixels is about 4.6 GB of uint8; ``max_per_class`` keeps the first
    images of each class (sorted file names), enough for the paper's protocol (15/30/45/60
    training images and up to 50 test images per class, drawn from them later).

    Args:
        name: ``"caltech101"`` or ``"caltech256"``.
        root: the folder holding ``caltech101/`` or ``caltech256/`` (torchvision's layout;
            default ``<zfviz cache>/caltech``).
        size: the network input side.
        max_per_class: at most this many images of each class; default all.
        download: fetch the data set with torchvision when it is missing (131 MB for
            Caltech-101, 1.2 GB for Caltech-256).
        progress: show a progress bar while decoding.

    Raises:
        RuntimeError: the data is missing and could not be downloaded, with what to do.
        ValueError: an unknown name, a bad ``max_per_class``, or a folder without images.

    Example:
        >>> import tempfile
        >>> caltech("caltech101", root=tempfile.mkdtemp(), download=False)
        Traceback (most recent call last):
        ...
        RuntimeError: Caltech-101 is not in .../caltech101/101_ObjectCategories; ...
        >>> data = caltech("caltech101", max_per_class=30)  # doctest: +SKIP
        >>> data.images.shape, len(data.class_names)  # doctest: +SKIP
        ((3030, 224, 224, 3), 101)
    """
    if name not in _CALTECH:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(_CALTECH)}")
    if max_per_class is not None and max_per_class < 1:
        raise ValueError(f"max_per_class must be None or at least 1, got {max_per_class}")
    folder_name, images_name, _, title = _CALTECH[name]
    root = Path(root) if root is not None else Path(cache_dir()) / "caltech"
    folder = root / folder_name / images_name
    if not folder.is_dir():
        if not download:
            raise RuntimeError(
                f"{title} is not in {folder}; pass download=True, or root= pointing at the "
                f"folder that holds {folder_name}/{images_name}/"
            )
        _download_caltech(name, root)
    excluded = CALTECH_EXCLUDED[name]
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in excluded)
    paths, labels = [], []
    for label, cls in enumerate(classes):
        # Only image files: Caltech-256 has a few stray non-image entries in its class folders.
        files = sorted(
            p for p in (folder / cls).iterdir() if p.is_file() and p.suffix.lower() in _EXTENSIONS
        )
        files = files[:max_per_class] if max_per_class is not None else files
        paths += [str(p) for p in files]
        labels += [label] * len(files)
    if not paths:
        raise ValueError(f"no images in {folder}/<class>/ (expected *.jpg files)")
    # Filled in place: stacking a list would hold every image twice (gigabytes for Caltech-256).
    images = np.empty((len(paths), size, size, 3), np.uint8)
    for i, path in enumerate(tqdm(paths, desc=name, disable=not progress)):
        images[i] = load_image(path, size)
    class_names = [_class_name(name, c) for c in classes]
    return ImageSet(images, np.asarray(labels, np.int64), class_names, paths)
