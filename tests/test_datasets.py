import numpy as np
import pytest
from conftest import fake_caltech, fake_imagenette
from PIL import Image

from zfviz.data.datasets import (
    CALTECH_EXCLUDED,
    IMAGENETTE_WNIDS,
    caltech,
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


def test_caltech101_loads_its_object_classes_in_sorted_folder_order(tmp_path):
    data = caltech("caltech101", root=fake_caltech(tmp_path), size=32, progress=False)
    # Python's sort puts upper case first, as torchvision's does; the background is left out
    assert data.class_names == ["Faces", "Faces_easy", "accordion", "airplanes"]
    # fake class k (BACKGROUND_Google is k=0) holds 2 + k % 3 images: 3, 4, 2, 3
    assert data.labels.tolist() == [0] * 3 + [1] * 4 + [2] * 2 + [3] * 3
    assert data.labels.dtype == np.int64
    assert data.images.shape == (12, 32, 32, 3) and data.images.dtype == np.uint8


def test_caltech101_labels_follow_the_folder_each_image_came_from(tmp_path):
    data = caltech("caltech101", root=fake_caltech(tmp_path), size=32, progress=False)
    folders = [p.split("/")[-2] for p in data.paths]
    assert folders == [data.class_names[k] for k in data.labels]
    assert data.paths[0].endswith("Faces/image_0001.jpg")


def test_caltech101_leaves_out_the_background_class(tmp_path):
    data = caltech("caltech101", root=fake_caltech(tmp_path), size=32, progress=False)
    assert CALTECH_EXCLUDED["caltech101"] == ("BACKGROUND_Google",)
    assert "BACKGROUND_Google" not in data.class_names
    assert not any("BACKGROUND_Google" in p for p in data.paths)


def test_caltech256_leaves_out_clutter_and_drops_the_folder_number_from_names(tmp_path):
    data = caltech("caltech256", root=fake_caltech(tmp_path, "caltech256"), size=32, progress=False)
    assert data.class_names == ["ak47", "american-flag", "beer-mug"]
    assert data.labels.tolist() == [0] * 2 + [1] * 3 + [2] * 4
    assert not any("257.clutter" in p for p in data.paths)
    assert data.paths[2].endswith("002.american-flag/002_0001.jpg")


def test_caltech_turns_greyscale_images_into_rgb(tmp_path):
    data = caltech("caltech101", root=fake_caltech(tmp_path), size=32, progress=False)
    grey = [i for i, p in enumerate(data.paths) if Image.open(p).mode == "L"]
    assert grey and data.images.shape[-1] == 3
    image = data.images[grey[0]]
    assert np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(
        image[..., 0], image[..., 2]
    )


def test_caltech_max_per_class_keeps_the_first_files_of_each_class(tmp_path):
    data = caltech(
        "caltech101", root=fake_caltech(tmp_path), size=32, max_per_class=2, progress=False
    )
    assert data.labels.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert all(p.endswith(("image_0001.jpg", "image_0002.jpg")) for p in data.paths)


def test_caltech_skips_files_and_folders_that_are_not_images(tmp_path):
    folder = fake_caltech(tmp_path, "caltech256") / "caltech256" / "256_ObjectCategories"
    (folder / "001.ak47" / "RENAME2").write_text("not an image")
    (folder / "001.ak47" / "greg").mkdir()
    data = caltech("caltech256", root=tmp_path, size=32, progress=False)
    assert len(data) == 9 and data.class_names[0] == "ak47"


def test_caltech_missing_without_download_says_where_it_looked(tmp_path):
    with pytest.raises(
        RuntimeError, match="Caltech-256 is not in .*caltech256/256_ObjectCategories"
    ):
        caltech("caltech256", root=tmp_path, download=False)


def test_caltech_download_failure_says_where_to_put_the_folders(tmp_path, monkeypatch):
    import torchvision.datasets.caltech

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(torchvision.datasets.caltech, "download_and_extract_archive", offline)
    with pytest.raises(RuntimeError, match="could not download Caltech-101 .*no network") as err:
        caltech("caltech101", root=tmp_path, progress=False)
    assert "caltech101/101_ObjectCategories/<class>/*.jpg" in str(err.value)
    assert "pass root=" in str(err.value)


def test_caltech_rejects_an_unknown_name_listing_the_choices():
    with pytest.raises(ValueError, match="expected one of caltech101, caltech256"):
        caltech("caltech102")


def test_caltech_rejects_a_max_per_class_below_one(tmp_path):
    with pytest.raises(ValueError, match="max_per_class"):
        caltech("caltech101", root=fake_caltech(tmp_path), max_per_class=0)


def test_caltech_folder_without_images_is_rejected(tmp_path):
    (tmp_path / "caltech101" / "101_ObjectCategories" / "accordion").mkdir(parents=True)
    with pytest.raises(ValueError, match="no images in"):
        caltech("caltech101", root=tmp_path, progress=False)
