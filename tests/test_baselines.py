"""zfviz.methods.baselines: the pixel baseline's pooling and the HOG features."""

import numpy as np
import pytest
from skimage.feature import hog

from zfviz.methods.baselines import downsample, hog_features


def test_hog_features_are_scikit_images_hog_with_cells_fixed_per_side():
    images = np.random.default_rng(0).integers(0, 256, (3, 60, 60, 3), dtype=np.uint8)
    expected = hog(images[1], pixels_per_cell=(10, 10), cells_per_block=(2, 2),
                   block_norm="L2-Hys", channel_axis=-1)  # fmt: skip
    assert np.allclose(hog_features(images, cells=6)[1], expected, atol=1e-6)


def test_hog_has_the_same_length_at_any_image_size_for_the_same_cells():
    small = np.zeros((1, 48, 48, 3), np.uint8)
    large = np.zeros((1, 96, 96, 3), np.uint8)
    assert hog_features(small, cells=8).shape == hog_features(large, cells=8).shape


def test_hog_of_images_too_small_for_the_cells_is_refused():
    with pytest.raises(ValueError, match="too small"):
        hog_features(np.zeros((1, 16, 16, 3), np.uint8), cells=12)


def test_downsample_averages_blocks():
    x = np.arange(16, dtype=np.uint8).reshape(1, 4, 4, 1).repeat(3, axis=3)
    assert downsample(x, 2)[0, 0, 0, 0] == pytest.approx((0 + 1 + 4 + 5) / 4)
