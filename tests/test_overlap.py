"""zfviz.data.overlap: near-duplicates by normalised correlation, checked against np.corrcoef."""

import numpy as np
import pytest

from zfviz.data import world
from zfviz.data.overlap import claim_sets_do_not_overlap, near_duplicates, thumbnails


def _random(n, side=32, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, side, side, 3), dtype=np.uint8)


def test_thumbnail_correlation_equals_numpys_corrcoef_of_the_thumbnails():
    images = _random(4)
    t = thumbnails(images, side=8)
    raw = images.reshape(4, 8, 4, 8, 4, 3).mean(axis=(2, 4)).transpose(0, 3, 1, 2).reshape(4, -1)
    assert np.allclose(t @ t.T, np.corrcoef(raw))


def test_a_flat_image_correlates_zero_with_everything():
    flat = np.full((1, 16, 16, 3), 128, np.uint8)
    assert np.all(thumbnails(flat, side=8) == 0)


def test_a_planted_copy_is_found_even_resized_and_noisy():
    a = world.make_split("val", "source", n_per_class=3, size=64).images
    copy = a[7].repeat(2, axis=0).repeat(2, axis=1).astype(np.int16)  # 128 px, nearest-neighbour
    copy = np.clip(copy + np.random.default_rng(0).integers(-8, 9, copy.shape), 0, 255)
    b = np.concatenate([world.make_split("val", "novel", n_per_class=1, size=128).images,
                        copy[None].astype(np.uint8)])  # fmt: skip
    found = near_duplicates(a, b)
    assert found.pairs.tolist() == [[7, len(b) - 1]]
    assert not claim_sets_do_not_overlap(found).holds


def test_the_novel_classes_do_not_overlap_the_source_set():
    a = world.make_split("train", "source", n_per_class=20, size=64).images
    b = world.make_split("test", "novel", n_per_class=5, size=64).images
    verdict = claim_sets_do_not_overlap(near_duplicates(a, b))
    assert verdict.holds and verdict.margin > 0


def test_the_batch_size_does_not_change_the_result():
    a, b = _random(7), np.concatenate([_random(3, seed=1), _random(7)[[1, 5]]])
    one, many = near_duplicates(a, b, batch_size=2), near_duplicates(a, b, batch_size=100)
    assert one.pairs.tolist() == many.pairs.tolist() == [[1, 3], [5, 4]]
    assert np.allclose(one.best, many.best)


@pytest.mark.parametrize("threshold", [0.0, 1.5, -1])
def test_a_threshold_outside_0_1_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        near_duplicates(_random(2), _random(2), threshold=threshold)


def test_images_that_are_not_nhw3_are_refused_naming_the_argument():
    with pytest.raises(ValueError, match="b must be"):
        near_duplicates(_random(2), np.zeros((2, 32, 32)))
