"""Methods without a convnet: a linear classifier on raw pixels, and hand-made features.

If a linear classifier on the pixels did as well as the trained network, the data would be too
easy to say anything about what depth buys. The book reports this baseline next to the net.

Fig. 9 of the paper compares the pretrained features with the best earlier method on
Caltech-256 (Bo et al.'s hand-designed, learned-dictionary features with a linear SVM); the
book's earlier-style method is :func:`hog_features` (histograms of oriented gradients, the
hand-made features of the years before convnets) under the same linear SVM and the same folds.
"""

from __future__ import annotations

import numpy as np
from skimage.feature import hog
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from zfviz.core.checks import check_int

HOG_CELLS = 12  # cells per image side, whatever the image size: the same geometry at 107 or 224 px


def downsample(images: np.ndarray, side: int) -> np.ndarray:
    """Average-pool uint8 images (N, S, S, 3) to (N, side, side, 3) float32; S a multiple of side.

    Example:
        >>> import numpy as np
        >>> downsample(np.ones((2, 8, 8, 3), np.uint8), 4).shape
        (2, 4, 4, 3)
    """
    n, s = images.shape[0], images.shape[1]
    if s % side:
        raise ValueError(f"image side {s} is not a multiple of {side}")
    f = s // side
    return images.reshape(n, side, f, side, f, 3).mean(axis=(2, 4), dtype=np.float32)


def pixel_linear_accuracy(
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    side: int = 32,
    C: float = 3e-4,
) -> float:
    """Test accuracy of a logistic-regression classifier on standardised raw pixels.

    Images are average-pooled to ``side`` x ``side`` first, which helps a linear model (fewer,
    less noisy inputs) and keeps the fit to seconds. The default regularisation ``C`` was chosen
    on a validation split of the embedded world (``bench/bench_world.py``): a strong baseline
    makes a fair comparison.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> x = rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8)
        >>> y = np.arange(40) % 2
        >>> 0.0 <= pixel_linear_accuracy(x[:30], y[:30], x[30:], y[30:], side=8) <= 1.0
        True
    """
    xtr = downsample(train_images, side).reshape(len(train_images), -1)
    xte = downsample(test_images, side).reshape(len(test_images), -1)
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=1000))
    clf.fit(xtr, train_labels)
    return float(clf.score(xte, test_labels))


def hog_features(
    images: np.ndarray, cells: int = HOG_CELLS, orientations: int = 9, block: int = 2
) -> np.ndarray:
    """Histograms of oriented gradients (Dalal and Triggs, 2005) of uint8 images ``(N, S, S, 3)``:
    ``(N, D)`` float32, one row per image (scikit-image's ``hog``, L2-Hys block norms).

    Each image is cut into ``cells`` x ``cells`` cells; each cell's gradients vote into
    ``orientations`` bins; ``block`` x ``block`` cells are normalised together.

    Example:
        >>> x = np.random.default_rng(0).integers(0, 256, (2, 48, 48, 3), dtype=np.uint8)
        >>> hog_features(x, cells=6).shape
        (2, 900)
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
        raise ValueError(f"images must be a non-empty (N, S, S, 3) array, got {images.shape}")
    cells = check_int(cells, "cells", minimum=block)
    side = min(images.shape[1:3]) // cells
    if side < 2:
        raise ValueError(f"images of {images.shape[1]} px are too small for {cells} cells a side")
    rows = [
        hog(im, orientations=orientations, pixels_per_cell=(side, side),
            cells_per_block=(block, block), block_norm="L2-Hys", channel_axis=-1)
        for im in images
    ]  # fmt: skip
    return np.stack(rows).astype(np.float32)
