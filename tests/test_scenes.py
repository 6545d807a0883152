"""The world's multi-object scenes (the PASCAL stand-in)."""

import numpy as np
import pytest

from zfviz.data import world
from zfviz.data.world.scenes import MAX_COVER, SCENE_SCALE_RANGE, _cover, make_scenes


@pytest.fixture(scope="module")
def scenes():
    return make_scenes("train", n=40, size=64, with_masks=True)


def test_same_arguments_give_identical_bytes():
    a, b = make_scenes("test", n=4, size=48), make_scenes("test", n=4, size=48)
    np.testing.assert_array_equal(a.images, b.images)


def test_a_scene_does_not_depend_on_how_many_are_asked_for():
    few, many = make_scenes("val", n=3, size=48), make_scenes("val", n=8, size=48)
    np.testing.assert_array_equal(few.images, many.images[:3])
    np.testing.assert_array_equal(few.labels, many.labels[:3])


def test_splits_are_disjoint():
    a, b = make_scenes("train", n=10, size=32), make_scenes("test", n=10, size=32)
    assert not any((x == y).all() for x in a.images for y in b.images)


def test_scenes_are_not_single_object_images():
    scene = make_scenes("train", n=5, size=48, objects=(1, 1)).images
    single = world.make_split("train", "novel", n_per_class=5, size=48).images
    assert not any((x == y).all() for x in scene for y in single)


def test_labels_mark_exactly_the_classes_of_the_objects(scenes):
    for row, objects in zip(scenes.labels, scenes.objects, strict=True):
        assert set(np.flatnonzero(row)) == set(objects.tolist())
        assert len(set(objects.tolist())) == len(objects)  # distinct classes


def test_object_counts_cover_the_range_asked_for(scenes):
    counts = {len(o) for o in scenes.objects}
    assert counts == {2, 3, 4}
    assert {len(o) for o in make_scenes("train", n=10, size=32, objects=(1, 1)).objects} == {1}


def test_every_class_appears_with_a_similar_share(scenes):
    share = make_scenes("train", n=300, size=32).labels.mean(axis=0)
    assert share.min() > 0.15 and share.max() < 0.45  # 3 of 10 classes a scene on average


def test_objects_are_smaller_than_single_objects(scenes):
    sides = np.concatenate([np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) for b in scenes.boxes])
    single = world.make_split("train", "novel", n_per_class=4, size=64).boxes
    single_sides = np.maximum(single[:, 2] - single[:, 0], single[:, 3] - single[:, 1])
    assert np.median(sides) < np.median(single_sides)
    assert SCENE_SCALE_RANGE[1] <= world.SCALE_RANGE[1]


def test_boxes_lie_in_the_image(scenes):
    for b in scenes.boxes:
        assert (b[:, :2] >= 0).all() and (b[:, 2:] <= 64).all() and (b[:, 2:] > b[:, :2]).all()


def test_every_object_is_visible_inside_its_box(scenes):
    for mask, boxes in zip(scenes.masks, scenes.boxes, strict=True):
        for j, (x0, y0, x1, y1) in enumerate(boxes):
            rows, cols = np.nonzero(mask == j + 1)
            assert len(rows) > 0, "an object labelled present is hidden"
            assert cols.min() >= np.floor(x0) - 1 and cols.max() <= np.ceil(x1)
            assert rows.min() >= np.floor(y0) - 1 and rows.max() <= np.ceil(y1)


def test_objects_rarely_cover_each_other_beyond_the_limit(scenes):
    pairs = [
        _cover(tuple(b[i]), tuple(b[j]))
        for b in scenes.boxes
        for i in range(len(b))
        for j in range(i)
    ]
    assert max(pairs) > 0  # objects may overlap
    assert np.mean(np.array(pairs) > MAX_COVER) < 0.1


def test_cover_is_the_share_of_the_smaller_box_in_both():
    assert _cover((0, 0, 2, 2), (1, 1, 5, 5)) == pytest.approx(0.25)
    assert _cover((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
    assert _cover((0, 0, 4, 4), (1, 1, 2, 2)) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"split": "holdout"}, "split"),
        ({"n": 0}, "n must"),
        ({"objects": (3, 2)}, "objects"),
        ({"objects": (1, 11)}, "distinct classes"),
        ({"objects": 2}, "pair"),
        ({"size": 16}, "size"),
        ({"classes": "animals"}, "classes"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_scenes(**kwargs)
