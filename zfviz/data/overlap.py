"""Near-duplicate images between two sets, found by normalised correlation (section 5.2).

Before the Caltech experiments the paper removed the images of its ImageNet training set that
were also in Caltech (44 of Caltech-101, 243 of Caltech-256), "identified using the normalized
correlation" of the images. :func:`near_duplicates` does the same: each image is shrunk to a
small thumbnail (area averaging, so that resizing, slight blur and noise do not hide a copy),
its pixels are centred and scaled to unit length, and the correlation of two images is the dot
product of their thumbnails, between -1 and 1. A pair at or above ``threshold`` is a
near-duplicate. In the quick profile the book checks that the novel classes (Caltech's role)
share no image with the source set (ImageNet's); in the full profile, Caltech against
Imagenette.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from zfviz.core.checks import check_int
from zfviz.core.claims import Verdict

__all__ = [
    "THUMBNAIL_SIDE",
    "Overlap",
    "thumbnails",
    "near_duplicates",
    "with_planted_copy",
    "claim_sets_do_not_overlap",
]

THUMBNAIL_SIDE = 32  # pixels: at 16, two different world images on one smooth background
# correlated 0.949, a hair under the 0.95 threshold; at 32 the closest pair is 0.909 and a
# planted resized, noisy copy 0.982 (transfer chapter, quick profile)


def _check_images(images: object, name: str) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
        raise ValueError(f"{name} must be a non-empty (N, H, W, 3) array, got shape {images.shape}")
    return images


def thumbnails(images: np.ndarray, side: int = THUMBNAIL_SIDE) -> np.ndarray:
    """Each image as a ``side`` x ``side`` colour thumbnail, centred and of unit length:
    ``(N, 3 * side * side)`` float64. A flat image (no variation) becomes all zeros, so it
    correlates 0 with everything.

    Example:
        >>> t = thumbnails(np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3)), side=8)
        >>> t.shape, np.allclose(np.linalg.norm(t, axis=1), 1.0)
        ((2, 192), True)
    """
    images = _check_images(images, "images")
    side = check_int(side, "side", minimum=2)
    if min(images.shape[1:3]) < side:
        raise ValueError(f"side must be at most the images' side {min(images.shape[1:3])}")
    x = torch.as_tensor(images, dtype=torch.float64).permute(0, 3, 1, 2)  # (N, 3, H, W)
    small = F.adaptive_avg_pool2d(x, side).flatten(1).numpy()  # area average: (N, 3*side*side)
    small = small - small.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(small, axis=1, keepdims=True)
    return np.divide(small, norm, out=np.zeros_like(small), where=norm > 1e-9)


@dataclass(frozen=True)
class Overlap:
    """The near-duplicates between a reference set ``a`` and a query set ``b``.

    Attributes:
        pairs: ``(k, 2)`` indices ``(i in a, j in b)`` of every pair at or above ``threshold``.
        correlations: ``(k,)`` the pairs' normalised correlations.
        best: ``(len(b),)`` each query image's highest correlation with any image of ``a``.
        threshold: the correlation at which a pair counts as a near-duplicate.
    """

    pairs: np.ndarray
    correlations: np.ndarray
    best: np.ndarray
    threshold: float

    @property
    def duplicated(self) -> np.ndarray:
        """Indices into ``b`` of the query images with a near-duplicate in ``a`` (sorted)."""
        return np.unique(self.pairs[:, 1])

    def __len__(self) -> int:
        return len(self.pairs)


def near_duplicates(
    a: np.ndarray,
    b: np.ndarray,
    threshold: float = 0.95,
    side: int = THUMBNAIL_SIDE,
    batch_size: int = 4096,
) -> Overlap:
    """Every pair of images of ``a`` and ``b`` whose thumbnails correlate at ``threshold`` or more.

    Args:
        a, b: uint8 images ``(N, H, W, 3)``; sides may differ between the sets.
        threshold: in ``(0, 1]``; 0.95 keeps resized, re-compressed or slightly noisy copies
            and drops mere look-alikes (two renderings of one class correlate far less).
        side: the thumbnails' side in pixels.
        batch_size: images of ``a`` compared at once (memory: ``batch_size * len(b)`` floats).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> a = rng.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
        >>> b = np.concatenate([rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8), a[2:3]])
        >>> found = near_duplicates(a, b)
        >>> found.pairs.tolist(), found.duplicated.tolist()
        ([[2, 3]], [3])
    """
    a, b = _check_images(a, "a"), _check_images(b, "b")
    if not 0.0 < float(threshold) <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    tb = thumbnails(b, side)
    pairs, corrs, best = [], [], np.full(len(b), -1.0)
    for start in range(0, len(a), batch_size):
        ta = thumbnails(a[start : start + batch_size], side)
        c = ta @ tb.T  # (batch, len(b)): normalised correlations
        best = np.maximum(best, c.max(axis=0))
        i, j = np.nonzero(c >= threshold - 1e-12)
        pairs.append(np.stack([i + start, j], axis=1))
        corrs.append(c[i, j])
    return Overlap(
        pairs=np.concatenate(pairs).astype(np.int64),
        correlations=np.concatenate(corrs),
        best=best,
        threshold=float(threshold),
    )


def with_planted_copy(
    reference: np.ndarray, query: np.ndarray, index: int = 0, noise: int = 10, seed: int = 0
) -> np.ndarray:
    """``query`` with one more image: ``reference[index]`` resized to the query's side
    (nearest neighbour) with uniform noise of +-``noise`` grey levels. The negative control of
    :func:`claim_sets_do_not_overlap`: :func:`near_duplicates` must find it.

    Example:
        >>> from zfviz.data import world
        >>> ref = world.make_split("val", "source", n_per_class=1, size=64).images
        >>> q = with_planted_copy(ref, world.make_split("val", "novel", 2, size=96).images, 3)
        >>> q.shape, near_duplicates(ref, q).pairs.tolist()
        ((21, 96, 96, 3), [[3, 20]])
    """
    reference, query = _check_images(reference, "reference"), _check_images(query, "query")
    index = check_int(index, "index", minimum=0, maximum=len(reference) - 1)
    rows = np.arange(query.shape[1]) * reference.shape[1] // query.shape[1]
    cols = np.arange(query.shape[2]) * reference.shape[2] // query.shape[2]
    copy = reference[index][rows][:, cols].astype(np.int16)
    copy += np.random.default_rng(seed).integers(-noise, noise + 1, copy.shape, dtype=np.int16)
    return np.concatenate([query, np.clip(copy, 0, 255).astype(np.uint8)[None]])


def claim_sets_do_not_overlap(overlap: Overlap, query: str = "the novel set") -> Verdict:
    """No image of the query set is a near-duplicate of one in the reference set.

    The paper's transfer results are only meaningful if the test images were not seen in
    pre-training; it found and removed such images. The margin is the threshold minus the
    highest correlation found (positive: even the closest pair is not a copy). A set with a
    planted copy fails it.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> a = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
        >>> claim_sets_do_not_overlap(near_duplicates(a, a[:1])).holds
        False
    """
    highest = float(overlap.best.max())
    numbers = {
        "near-duplicates": float(len(overlap.duplicated)),
        "highest correlation": highest,
        "threshold": overlap.threshold,
    }
    return Verdict(
        claim=f"{query} shares no image with the pre-training set (normalised correlation)",
        paper="Sec. 5.2",
        numbers=numbers,
        holds=len(overlap) == 0,
        margin=overlap.threshold - highest,
    )
