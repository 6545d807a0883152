"""How hard is the task without a convnet? A linear classifier on raw pixels.

If a linear classifier on the pixels did as well as the trained network, the data would be too
easy to say anything about what depth buys. The book reports this baseline next to the net.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


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
