"""Shared test helpers, and the book built once per test session."""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from zfviz.data.datasets import IMAGENETTE_WNIDS

ROOT = Path(__file__).resolve().parent.parent
# the console script installed beside this Python (the same environment as the tests)
JUPYTER_BOOK = shutil.which("jupyter-book", path=os.path.dirname(sys.executable)) or "jupyter-book"
REUSE_ENV_VAR = "ZFVIZ_BUILT_BOOK"
# The checkpoint cache the session started with (read at collection, before any test ran): CI
# points it at an empty folder so that the book build trains from scratch; a test that leaves
# it changed would let the build use a cache from an earlier run instead.
CACHE_AT_START = os.environ.get("ZFVIZ_CACHE_DIR")


@dataclass(frozen=True)
class BuiltBook:
    """The rendered book: its ``_build/html`` folder and how the build went."""

    html: Path
    returncode: int
    log: str
    reused: bool = False


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> BuiltBook:
    """``jupyter-book build -W --keep-going`` of this checkout, once per session.

    The build executes every chapter (minutes), so the book tests and the browser tests share
    it. While developing, ``ZFVIZ_BUILT_BOOK=<a _build/html folder>`` reuses a build made
    before; the test of the build itself then skips, since it did not watch that build.
    """
    reuse = os.environ.get(REUSE_ENV_VAR)
    if reuse:
        html = Path(reuse)
        if not (html / "index.html").exists():
            pytest.fail(f"{REUSE_ENV_VAR}={reuse} has no index.html: point it at a _build/html")
        return BuiltBook(html, 0, f"(reused {reuse})", reused=True)
    if os.environ.get("ZFVIZ_CACHE_DIR") != CACHE_AT_START:
        pytest.fail(f"a test changed ZFVIZ_CACHE_DIR from {CACHE_AT_START!r} to "
                    f"{os.environ.get('ZFVIZ_CACHE_DIR')!r} and did not restore it")  # fmt: skip
    out = tmp_path_factory.mktemp("book")
    proc = subprocess.run(
        [JUPYTER_BOOK, "build", str(ROOT), "--path-output", str(out), "-W", "--keep-going"],
        capture_output=True, text=True, env={**os.environ, "ZFVIZ_PROFILE": "quick"},
    )  # fmt: skip
    return BuiltBook(out / "_build" / "html", proc.returncode,
                     proc.stdout[-6000:] + proc.stderr[-6000:])  # fmt: skip


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


def fake_caltech(root, name="caltech101", classes=None, per_class=None):
    """Tiny JPEGs in torchvision's Caltech layout; class k holds ``per_class`` images (default
    2 + k % 3), some grey."""
    rng = np.random.default_rng(0)
    if name == "caltech101":
        classes = CALTECH101_FAKE_CLASSES if classes is None else classes
        folder = root / "caltech101" / "101_ObjectCategories"
    else:
        classes = CALTECH256_FAKE_CLASSES if classes is None else classes
        folder = root / "caltech256" / "256_ObjectCategories"
    for k, cls in enumerate(classes):
        (folder / cls).mkdir(parents=True)
        for i in range(1, (2 + k % 3 if per_class is None else per_class) + 1):
            j = (i - 1) % 4 + 1  # four sizes, over and over: any per_class works
            h, w = 24 + 8 * j, 40 - 6 * j
            pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            image = Image.fromarray(pixels).convert("L" if (k + i) % 3 == 0 else "RGB")
            file = f"image_{i:04d}.jpg" if name == "caltech101" else f"{cls[:3]}_{i:04d}.jpg"
            image.save(folder / cls / file)
    return root


def fake_voc(root, lists=None):
    """Tiny JPEGs and annotation files in torchvision's VOC 2012 layout
    (``VOCdevkit/VOC2012/{JPEGImages,Annotations,ImageSets/Main}``). ``lists`` maps a list
    name to its images' class names; default: ``train`` and ``val`` with every class alone in
    two images and beside another class in four (some grey, some objects difficult)."""
    from zfviz.data.voc import VOC_CLASSES

    if lists is None:
        alone = [[c] for c in VOC_CLASSES]
        pairs = [[c, VOC_CLASSES[(k + 7) % 20]] for k, c in enumerate(VOC_CLASSES)]
        lists = {"train": (alone + pairs) * 2, "val": (alone + pairs) * 2}
    base = root / "VOCdevkit" / "VOC2012"
    for sub in ("JPEGImages", "Annotations", "ImageSets/Main"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name, images in lists.items():
        ids = []
        for i, classes in enumerate(images):
            stem = f"2012_{name}_{i:06d}"
            h, w = 30 + 4 * (i % 5), 44 - 3 * (i % 4)
            pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            Image.fromarray(pixels).convert("L" if i % 7 == 0 else "RGB").save(
                base / "JPEGImages" / f"{stem}.jpg"
            )
            objects = "".join(
                f"<object><name>{c}</name><difficult>{int(i % 5 == 0)}</difficult></object>"
                for c in classes
            )
            (base / "Annotations" / f"{stem}.xml").write_text(
                f"<annotation><filename>{stem}.jpg</filename>{objects}</annotation>"
            )
            ids.append(stem)
        (base / "ImageSets" / "Main" / f"{name}.txt").write_text("\n".join(ids) + "\n")
    return root
