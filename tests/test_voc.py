"""The PASCAL VOC 2012 loader on fake data in torchvision's layout (offline)."""

import numpy as np
import pytest
from conftest import fake_voc

from zfviz.data.voc import VOC_CLASSES, voc, voc_labels


def test_every_image_is_labelled_with_the_classes_of_its_objects(tmp_path):
    fake_voc(tmp_path, {"train": [["dog", "person"], ["car"], ["dog", "dog"]]})
    data = voc("train", root=tmp_path, size=32, download=False, progress=False)
    named = [[data.class_names[c] for c in np.flatnonzero(row)] for row in data.labels]
    assert named == [["dog", "person"], ["car"], ["dog"]]


def test_images_are_resized_whole_to_the_input_size(tmp_path):
    fake_voc(tmp_path, {"val": [["cat"], ["bird"]]})
    data = voc("val", root=tmp_path, size=40, download=False, progress=False)
    assert data.images.shape == (2, 40, 40, 3) and data.images.dtype == np.uint8
    assert data.labels.shape == (2, 20) and data.class_names == list(VOC_CLASSES)


def test_max_images_keeps_the_first_images_of_the_list(tmp_path):
    fake_voc(tmp_path)
    every = voc("train", root=tmp_path, size=32, download=False, progress=False)
    first = voc("train", root=tmp_path, size=32, max_images=5, download=False, progress=False)
    assert first.paths == every.paths[:5]
    np.testing.assert_array_equal(first.labels, every.labels[:5])


def test_a_missing_data_set_says_where_it_was_looked_for(tmp_path):
    with pytest.raises(RuntimeError, match="VOCdevkit/VOC2012"):
        voc("train", root=tmp_path, download=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"image_set": "test"}, "image_set"), ({"max_images": 0}, "max_images")],
)
def test_bad_arguments_are_refused_before_any_file_is_read(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        voc(root=tmp_path, download=False, **{"image_set": "train", **kwargs})


def test_an_unknown_class_name_in_an_annotation_is_an_error(tmp_path):
    f = tmp_path / "a.xml"
    f.write_text("<annotation><object><name>unicorn</name></object></annotation>")
    with pytest.raises(ValueError, match="unicorn"):
        voc_labels(f)


def test_objects_counts_every_annotated_object_even_of_one_class(tmp_path):
    fake_voc(tmp_path, {"train": [["dog", "person"], ["car"], ["dog", "dog"]]})
    data = voc("train", root=tmp_path, size=32, download=False, progress=False)
    assert data.objects.tolist() == [2, 1, 2]
