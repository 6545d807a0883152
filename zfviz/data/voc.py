"""PASCAL VOC 2012's classification task for the full profile (the paper's Table 6).

Each image is labelled with every one of VOC's 20 classes that has an object in it (the
annotation files' object names), a multi-label target scored by average precision per class
(:mod:`zfviz.methods.multilabel`). torchvision's ``VOCDetection`` finds and downloads the data
(2 GB, the ``train`` and ``val`` lists of ``ImageSets/Main``); the paper trains on ``train``
and reports ``val``-style numbers against the challenge's test server, which is not public.

Unlike Imagenette's and Caltech's single objects, a VOC image is **resized whole** to the
network input (squashed, not centre-cropped): a centre crop would cut objects near the border
out of the picture while their labels stay.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from zfviz.core.profiles import cache_dir

__all__ = ["VOC_CLASSES", "MultiLabelSet", "voc_labels", "voc"]

VOC_CLASSES: tuple[str, ...] = (
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
    "train", "tvmonitor",
)  # fmt: skip


@dataclass
class MultiLabelSet:
    """Images with several labels each.

    Attributes:
        images: ``(N, S, S, 3)`` uint8, resized to the network input.
        labels: ``(N, C)`` uint8, 1 where class ``c`` appears in the image.
        objects: ``(N,)`` int64 number of annotated objects in each image (1: a single-object
            image, as Caltech's are).
        class_names: the ``C`` class names.
        paths: the file each image came from.
    """

    images: np.ndarray
    labels: np.ndarray
    objects: np.ndarray
    class_names: list[str]
    paths: list[str]

    def __len__(self) -> int:
        return len(self.images)


def voc_labels(annotation: str | os.PathLike) -> np.ndarray:
    """The ``(20,)`` uint8 presence vector of one VOC annotation file (``difficult`` objects
    count: the class is in the picture).

    Example:
        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "a.xml"
        >>> _ = f.write_text("<annotation><object><name>dog</name></object>"
        ...                  "<object><name>person</name></object></annotation>")
        >>> [VOC_CLASSES[c] for c in np.flatnonzero(voc_labels(f))]
        ['dog', 'person']
    """
    out = np.zeros(len(VOC_CLASSES), np.uint8)
    for name in _object_names(annotation):
        out[VOC_CLASSES.index(name)] = 1
    return out


def _object_names(annotation: str | os.PathLike) -> list[str]:
    names = []
    for obj in ET.parse(annotation).getroot().iter("object"):
        name = (obj.findtext("name") or "").strip()
        if name not in VOC_CLASSES:
            raise ValueError(f"{annotation}: unknown VOC class {name!r}")
        names.append(name)
    return names


def _load_whole(path: str, size: int) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB").resize((size, size), Image.BILINEAR), np.uint8)


def voc(
    image_set: str = "train",
    root: str | os.PathLike | None = None,
    size: int = 224,
    max_images: int | None = None,
    download: bool = True,
    progress: bool = True,
) -> MultiLabelSet:
    """PASCAL VOC 2012 images of one list (``"train"`` or ``"val"``) with their labels.

    Args:
        image_set: the ``ImageSets/Main`` list: ``"train"``, ``"val"`` or ``"trainval"``.
        root: the folder holding ``VOCdevkit/VOC2012`` (torchvision's layout; default
            ``<zfviz cache>/voc``).
        size: the network input side (each image is resized whole, see the module's text).
        max_images: at most the list's first this many images; default all.
        download: fetch VOC 2012 with torchvision when it is missing.
        progress: show a progress bar while decoding.

    Raises:
        RuntimeError: the data is missing and could not be downloaded, with what to do.
        ValueError: a bad ``image_set`` or ``max_images``, or an empty list.

    Example:
        >>> import tempfile
        >>> voc("val", root=tempfile.mkdtemp(), download=False)
        Traceback (most recent call last):
        ...
        RuntimeError: PASCAL VOC 2012 is not in .../VOCdevkit/VOC2012; ...
    """
    from torchvision.datasets import VOCDetection

    if image_set not in ("train", "val", "trainval"):
        raise ValueError(f"image_set must be 'train', 'val' or 'trainval', got {image_set!r}")
    if max_images is not None and max_images < 1:
        raise ValueError(f"max_images must be None or at least 1, got {max_images}")
    root = Path(root) if root is not None else Path(cache_dir()) / "voc"
    folder = root / "VOCdevkit" / "VOC2012"
    if not folder.is_dir() and not download:
        raise RuntimeError(
            f"PASCAL VOC 2012 is not in {folder}; pass download=True, or root= pointing at the "
            f"folder that holds VOCdevkit/VOC2012/"
        )
    try:
        found = VOCDetection(str(root), "2012", image_set, download=not folder.is_dir())
    except Exception as err:  # DNS, HTTP, checksum, a truncated archive: the same advice
        raise RuntimeError(
            f"could not read PASCAL VOC 2012 from {root} ({err}). If you have it, extract it so "
            f"that {folder}/JPEGImages, Annotations and ImageSets/Main/{image_set}.txt exist"
        ) from err
    pairs = list(zip(found.images, found.annotations, strict=True))[:max_images]
    if not pairs:
        raise ValueError(f"{folder}/ImageSets/Main/{image_set}.txt lists no images")
    images = np.empty((len(pairs), size, size, 3), np.uint8)
    labels = np.zeros((len(pairs), len(VOC_CLASSES)), np.uint8)
    objects = np.empty(len(pairs), np.int64)
    for i, (image, annotation) in enumerate(
        tqdm(pairs, desc=f"VOC {image_set}", disable=not progress)
    ):
        images[i] = _load_whole(image, size)
        names = _object_names(annotation)
        labels[i, [VOC_CLASSES.index(n) for n in names]] = 1
        objects[i] = len(names)
    return MultiLabelSet(images, labels, objects, list(VOC_CLASSES), [p for p, _ in pairs])
