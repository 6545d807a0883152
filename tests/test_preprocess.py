import numpy as np
import pytest
import torch

from zfviz.data.preprocess import Preprocess, crop_source_size, ten_crop_offsets


def _images(n=3, side=128, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, side, side, 3), dtype=np.uint8)


def test_crops_come_from_an_image_256_over_224_larger():
    assert crop_source_size(224) == 256 and crop_source_size(112) == 128


def test_ten_crops_are_corners_and_centre_with_and_without_flip():
    crops = ten_crop_offsets(256, 224)
    assert len(crops) == 10 and len(set(crops)) == 10
    assert {(t, left) for t, left, _ in crops} == {(0, 0), (0, 32), (32, 0), (32, 32), (16, 16)}
    assert sum(flip for *_, flip in crops) == 5


def test_mean_is_the_per_pixel_mean_of_the_training_images():
    imgs = _images()
    pre = Preprocess.fit(imgs, image_size=112)
    assert np.allclose(pre.mean_image, imgs.astype(np.float64).mean(0))


def test_inputs_are_mean_subtracted_scaled_and_centre_cropped():
    imgs = _images()
    pre = Preprocess.fit(imgs, image_size=112, scale=128.0)
    x = pre(imgs)
    want = (imgs[:, 8:120, 8:120].astype(np.float32) - pre.mean_image[8:120, 8:120]) / 128.0
    assert x.shape == (3, 3, 112, 112)
    assert torch.allclose(x, torch.from_numpy(want.transpose(0, 3, 1, 2)))


def test_training_inputs_average_to_zero():
    imgs = _images(n=8)
    x = Preprocess.fit(imgs, image_size=112)(imgs)
    assert float(x.mean(0).abs().max()) < 1e-5


def test_flip_mirrors_left_and_right():
    imgs = _images()
    pre = Preprocess.fit(imgs, image_size=112)
    assert torch.equal(pre(imgs, 0, 16, flip=True), pre(imgs, 0, 16).flip(-1))


def test_network_sized_images_use_the_centre_of_the_mean():
    imgs = _images()
    pre = Preprocess.fit(imgs, image_size=112)
    assert torch.allclose(pre(imgs[:, 8:120, 8:120]), pre(imgs))


def test_to_pixels_undoes_preprocessing():
    imgs = _images()
    pre = Preprocess.fit(imgs, image_size=112)
    assert np.array_equal(pre.to_pixels(pre(imgs)), imgs[:, 8:120, 8:120])


@pytest.mark.parametrize("bad", [np.zeros((128, 128, 3), np.uint8), np.zeros((2, 3, 128, 128))])
def test_wrong_image_layout_is_an_error_naming_the_expected_shape(bad):
    pre = Preprocess.fit(_images(), image_size=112)
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        pre(bad)


def test_wrong_image_size_is_an_error_naming_both_sizes():
    pre = Preprocess.fit(_images(), image_size=112)
    with pytest.raises(ValueError, match="128.*112.*got 100"):
        pre(_images(side=100))


def test_imagenet_preprocessing_normalises_per_channel_and_round_trips():
    from zfviz.data.preprocess import ImageNetPreprocess

    pre = ImageNetPreprocess(image_size=8)
    images = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 3), dtype=np.uint8)
    x = pre(images)
    expected = (images[0, 3, 5, 1] / 255.0 - 0.456) / 0.224
    assert float(x[0, 1, 3, 5]) == pytest.approx(expected, rel=1e-5)
    np.testing.assert_array_equal(pre.to_pixels(x), images)


def test_imagenet_preprocessing_rejects_images_not_yet_cropped_to_size():
    from zfviz.data.preprocess import ImageNetPreprocess

    with pytest.raises(ValueError, match="expected images of 224x224"):
        ImageNetPreprocess()(np.zeros((1, 256, 256, 3), np.uint8))
