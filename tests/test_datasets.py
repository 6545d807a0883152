import numpy as np
import pytest
from conftest import fake_imagenette
from PIL import Image

from zfviz.datasets import (
    IMAGENETTE_WNIDS,
    imagenet_class_names,
    imagenette,
    imagenette_imagenet_index,
    load_image,
)


def test_imagenette_classes_map_to_their_imagenet_indices():
    index = imagenette_imagenet_index()
    assert [index[w] for w in IMAGENETTE_WNIDS] == [0, 217, 482, 491, 497, 566, 569, 571, 574, 701]
    assert imagenet_class_names()[217] == "English springer"


def test_a_fake_folder_in_imagenettes_layout_loads_with_imagenet_labels(tmp_path):
    data = imagenette("val", root=fake_imagenette(tmp_path), download=False, progress=False)
    assert data.images.shape == (30, 224, 224, 3) and data.images.dtype == np.uint8
    assert data.labels.tolist() == sorted(data.labels.tolist())  # class by class
    assert set(data.labels.tolist()) == set(imagenette_imagenet_index().values())
    assert data.paths[0].endswith("n01440764_0000.JPEG")


def test_n_per_class_takes_the_first_files_of_each_class(tmp_path):
    data = imagenette("val", 2, root=fake_imagenette(tmp_path), download=False, progress=False)
    assert len(data) == 20 and all(not p.endswith("_0002.JPEG") for p in data.paths)


def test_a_missing_data_set_without_download_says_where_it_looked(tmp_path):
    with pytest.raises(RuntimeError, match="Imagenette is not in .*imagenette2-320/val"):
        imagenette("val", root=tmp_path, download=False)


def test_a_folder_without_all_ten_classes_is_rejected_naming_them(tmp_path):
    fake_imagenette(tmp_path, classes=IMAGENETTE_WNIDS[:9])
    with pytest.raises(ValueError, match="lacks the class folders n03888605"):
        imagenette("val", root=tmp_path, download=False)


def test_an_unknown_split_is_rejected():
    with pytest.raises(ValueError, match="expected 'train' or 'val'"):
        imagenette("test")


def test_load_image_resizes_the_shorter_side_and_crops_the_centre(tmp_path):
    pixels = np.zeros((300, 600, 3), np.uint8)
    pixels[:, 290:310] = 255  # a white bar in the middle of a wide image
    Image.fromarray(pixels).save(tmp_path / "wide.png")
    image = load_image(tmp_path / "wide.png", size=224, resize=256)
    assert image.shape == (224, 224, 3)
    # 600 x 300 -> 512 x 256; the bar (20 px -> about 17 px) stays in the centre
    centre = image[112, :, 0]
    assert centre[112] == 255 and centre[0] == 0 and centre[-1] == 0
    assert 14 <= int((centre > 128).sum()) <= 19
