"""The embedded data world (`zfviz.data.world`): what the book relies on, stated as tests."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zfviz.data import world
from zfviz.data.world import (
    BACKGROUNDS,
    BIAS_PROBABILITY,
    BIASED_CLASSES,
    NOVEL_CLASSES,
    SOURCE_CLASSES,
    Pose,
    WorldBatch,
    aligned_instances,
    catalogue,
    make_split,
    novel_splits,
    objects,
    render_sample,
    shapes,
)

ALL_CLASSES = SOURCE_CLASSES + NOVEL_CLASSES


def digests(batch: WorldBatch) -> set[str]:
    return {hashlib.sha1(img.tobytes()).hexdigest() for img in batch.images}


@pytest.fixture(scope="module")
def source_batch() -> WorldBatch:
    return make_split("train", "source", n_per_class=6, size=64, with_masks=True)


@pytest.fixture(scope="module")
def novel_batch() -> WorldBatch:
    return make_split("train", "novel", n_per_class=6, size=64, with_masks=True)


# --- determinism and independence -----------------------------------------------------------


def test_same_seed_gives_identical_bytes():
    a = make_split("val", "source", n_per_class=2, size=48, seed=7, with_masks=True)
    b = make_split("val", "source", n_per_class=2, size=48, seed=7, with_masks=True)
    assert a.images.tobytes() == b.images.tobytes()
    assert a.masks.tobytes() == b.masks.tobytes()
    np.testing.assert_array_equal(a.boxes, b.boxes)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)


def test_different_seeds_give_different_images():
    a = make_split("val", "source", n_per_class=2, size=48, seed=0)
    b = make_split("val", "source", n_per_class=2, size=48, seed=1)
    assert digests(a).isdisjoint(digests(b))


def test_images_within_a_batch_are_all_different():
    b = make_split("train", "source", n_per_class=10, size=32)
    assert len(digests(b)) == len(b)


def test_image_does_not_depend_on_n_per_class():
    small = make_split("train", "source", n_per_class=2, size=48)
    large = make_split("train", "source", n_per_class=5, size=48)
    for label in range(len(SOURCE_CLASSES)):
        a = small.images[small.labels == label]
        b = large.images[large.labels == label][:2]
        np.testing.assert_array_equal(a, b)


def test_image_does_not_depend_on_the_other_classes_asked_for():
    alone = make_split("test", ["house"], n_per_class=3, size=48)
    mixed = make_split("test", ["fish", "house", "face"], n_per_class=3, size=48)
    np.testing.assert_array_equal(alone.images, mixed.images[mixed.labels == 1])


def test_splits_are_disjoint():
    seen = [digests(make_split(s, "source", n_per_class=5, size=32)) for s in world.SPLITS]
    assert seen[0].isdisjoint(seen[1])
    assert seen[0].isdisjoint(seen[2])
    assert seen[1].isdisjoint(seen[2])


def test_same_scene_at_any_resolution():
    small = make_split("val", ["car", "face"], n_per_class=2, size=56)
    large = make_split("val", ["car", "face"], n_per_class=2, size=112)
    np.testing.assert_allclose(small.keypoints * 2, large.keypoints, atol=1e-3)
    np.testing.assert_allclose(small.boxes * 2, large.boxes, atol=1e-3)


# --- shapes and annotations -------------------------------------------------------------------


def test_shapes_and_dtypes(source_batch):
    b = source_batch
    n, k = 60, len(b.keypoint_names)
    assert len(b) == n
    assert b.images.shape == (n, 64, 64, 3) and b.images.dtype == np.uint8
    assert b.labels.shape == (n,) and b.labels.dtype == np.int64
    assert b.classes == SOURCE_CLASSES
    assert b.boxes.shape == (n, 4) and b.boxes.dtype == np.float32
    assert b.keypoints.shape == (n, k, 2) and b.keypoints.dtype == np.float32
    assert b.backgrounds.shape == (n,) and b.backgrounds.dtype == np.int64
    assert len(b.poses) == n and all(isinstance(p, Pose) for p in b.poses)
    assert b.masks.shape == (n, 64, 64) and b.masks.dtype == np.uint8
    assert b.part_names == b.keypoint_names
    assert len(set(b.keypoint_names)) == k


def test_masks_are_absent_unless_asked_for():
    b = make_split("val", "source", n_per_class=1, size=32)
    assert b.masks is None and b.part_names is None


def test_labels_run_class_by_class():
    b = make_split("val", ["tree", "fish"], n_per_class=3, size=32)
    assert b.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert b.classes == ("tree", "fish")


def test_keypoints_are_nan_exactly_for_parts_the_class_lacks(source_batch):
    b = source_batch
    for i in range(len(b)):
        has = set(world.class_parts(b.classes[b.labels[i]]))
        present = {
            name for j, name in enumerate(b.keypoint_names) if not np.isnan(b.keypoints[i, j, 0])
        }
        assert present == has


@pytest.mark.parametrize("batch_name", ["source_batch", "novel_batch"])
def test_boxes_lie_in_the_image_and_contain_all_keypoints(batch_name, request):
    b = request.getfixturevalue(batch_name)
    size = b.images.shape[1]
    x0, y0, x1, y1 = b.boxes.T
    assert np.all((0 <= x0) & (x0 < x1) & (x1 <= size))
    assert np.all((0 <= y0) & (y0 < y1) & (y1 <= size))
    kx, ky = b.keypoints[..., 0], b.keypoints[..., 1]
    ok = np.isnan(kx) | ((kx >= x0[:, None]) & (kx <= x1[:, None]))
    ok &= np.isnan(ky) | ((ky >= y0[:, None]) & (ky <= y1[:, None]))
    assert ok.all()


@pytest.mark.parametrize("batch_name", ["source_batch", "novel_batch"])
def test_mask_part_pixels_lie_inside_the_box(batch_name, request):
    b = request.getfixturevalue(batch_name)
    for i in range(len(b)):
        rows, cols = np.nonzero(b.masks[i])
        assert len(rows) > 0
        x0, y0, x1, y1 = b.boxes[i]
        assert np.all(cols + 0.5 >= x0 - 1e-3) and np.all(cols + 0.5 <= x1 + 1e-3)
        assert np.all(rows + 0.5 >= y0 - 1e-3) and np.all(rows + 0.5 <= y1 + 1e-3)


def test_mask_uses_only_the_ids_of_the_sample_s_own_parts(source_batch):
    b = source_batch
    for i in range(len(b)):
        own = {b.part_names.index(p) + 1 for p in world.class_parts(b.classes[b.labels[i]])}
        assert set(np.unique(b.masks[i]).tolist()) <= own | {0}


def test_face_has_right_eye_left_eye_and_nose_keypoints():
    b = make_split("val", ["face"], n_per_class=4, size=64)
    for name in ("right_eye", "left_eye", "nose"):
        assert name in b.keypoint_names
        assert not np.isnan(b.keypoints[:, b.keypoint_names.index(name)]).any()


def test_face_right_eye_is_on_the_image_left_when_upright():
    b = render_sample("face", seed=0, pose=Pose(0.5, 0.5, 0.7, 0.0))
    kp = dict(zip(b.keypoint_names, b.keypoints[0], strict=True))
    assert kp["right_eye"][0] < kp["nose"][0] < kp["left_eye"][0]
    assert kp["nose"][1] > kp["right_eye"][1]


def test_keypoint_of_a_part_lies_on_that_part_in_the_mask():
    b = aligned_instances("face", n=3, size=112, with_masks=True)
    for name in ("right_eye", "left_eye", "nose", "head"):
        x, y = b.keypoints[:, b.part_names.index(name)].T
        ids = b.masks[np.arange(3), y.astype(int), x.astype(int)]
        assert (ids == b.part_names.index(name) + 1).all()


# --- aligned instances ------------------------------------------------------------------------


def test_aligned_instances_share_keypoints_but_differ_in_pixels():
    b = aligned_instances("face", n=5, size=112)
    assert len(b) == 5 and b.masks is not None
    spread = np.nanmax(b.keypoints, axis=0) - np.nanmin(b.keypoints, axis=0)
    assert np.nanmax(spread) < 1.0
    assert len(digests(b)) == 5
    assert all(p == Pose(0.5, 0.5, catalogue._ALIGNED_SCALE, 0.0) for p in b.poses)


@pytest.mark.parametrize("name", ["clock", "windmill", "house"])
def test_aligned_instances_of_classes_with_random_layouts_also_align(name):
    b = aligned_instances(name, n=4, size=64, with_masks=False)
    spread = np.nanmax(b.keypoints, axis=0) - np.nanmin(b.keypoints, axis=0)
    assert np.nanmax(spread) < 1.0


# --- context bias -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BIASED_CLASSES))
def test_biased_classes_appear_mostly_on_their_background(name):
    b = make_split("train", [name], n_per_class=400, size=32)
    share = np.mean(b.backgrounds == BACKGROUNDS.index(BIASED_CLASSES[name]))
    assert abs(share - BIAS_PROBABILITY) < 0.07  # about 3.5 standard errors
    assert len(set(b.backgrounds.tolist())) == len(BACKGROUNDS)  # the others still occur


@pytest.mark.parametrize("name", ["face", "flower", "tree"])
def test_unbiased_classes_spread_evenly_over_backgrounds(name):
    b = make_split("train", [name], n_per_class=400, size=32)
    shares = np.bincount(b.backgrounds, minlength=len(BACKGROUNDS)) / len(b)
    assert np.all(np.abs(shares - 1 / len(BACKGROUNDS)) < 0.07)


# --- novel classes and n-shot splits ---------------------------------------------------------


def test_novel_and_source_classes_are_disjoint():
    assert len(SOURCE_CLASSES) == 10 and len(NOVEL_CLASSES) == 10
    assert not set(SOURCE_CLASSES) & set(NOVEL_CLASSES)


def test_there_is_a_rotationally_symmetric_class_and_an_asymmetric_one():
    def silhouette(name: str, angle: float) -> np.ndarray:
        b = render_sample(name, seed=1, size=96, pose=Pose(0.5, 0.5, 0.8, angle), with_mask=True)
        return b.masks[0] > 0

    def iou(a: np.ndarray, b: np.ndarray) -> float:
        return (a & b).sum() / (a | b).sum()

    assert iou(silhouette("flower", 0.0), silhouette("flower", 45.0)) > 0.9
    assert iou(silhouette("car", 0.0), silhouette("car", 45.0)) < 0.7


def test_novel_folds_draw_different_train_images():
    a, _ = novel_splits(n_train=3, n_test=2, fold=0, size=32)
    b, _ = novel_splits(n_train=3, n_test=2, fold=1, size=32)
    assert a.classes == b.classes == NOVEL_CLASSES
    assert len(a) == len(b) == 30
    assert digests(a).isdisjoint(digests(b))


def test_novel_test_set_never_overlaps_any_train_set():
    train0, test0 = novel_splits(n_train=4, n_test=5, fold=0, size=32)
    train1, test1 = novel_splits(n_train=4, n_test=5, fold=1, size=32)
    assert len(test0) == 50
    np.testing.assert_array_equal(test0.images, test1.images)
    assert digests(test0).isdisjoint(digests(train0) | digests(train1))


# --- single samples and overrides ------------------------------------------------------------


def test_render_sample_returns_a_batch_of_one():
    b = render_sample("tree", seed=5, size=48, with_mask=True)
    assert len(b) == 1 and b.classes == ("tree",) and b.labels.tolist() == [0]
    assert b.masks.shape == (1, 48, 48)


def test_background_override_is_respected():
    for name in BACKGROUNDS:
        b = render_sample("fish", seed=2, size=32, background=name)
        assert BACKGROUNDS[b.backgrounds[0]] == name


def test_changing_the_pose_moves_the_same_instance_over_the_same_background():
    left = render_sample("rocket", seed=4, size=64, pose=Pose(0.25, 0.5, 0.4, 0.0), clutter=False)
    right = render_sample("rocket", seed=4, size=64, pose=Pose(0.75, 0.5, 0.4, 0.0), clutter=False)
    assert left.backgrounds[0] == right.backgrounds[0]
    # Where neither object is, both images show the same background.
    free = np.ones((64, 64), bool)
    for b in (left, right):
        x0, y0, x1, y1 = b.boxes[0]
        free[int(y0) - 1 : int(y1) + 2, int(x0) - 1 : int(x1) + 2] = False
    assert free.sum() > 500
    np.testing.assert_array_equal(left.images[0][free], right.images[0][free])
    # And it is the same object, moved by half the image width.
    shift = right.keypoints[0] - left.keypoints[0]
    np.testing.assert_allclose(shift, np.broadcast_to([32.0, 0.0], shift.shape), atol=1e-3)


def test_clutter_can_be_switched_off():
    with_clutter = render_sample("face", seed=3, size=64, pose=Pose(0.5, 0.5, 0.5, 0.0))
    without = render_sample("face", seed=3, size=64, pose=Pose(0.5, 0.5, 0.5, 0.0), clutter=False)
    assert not np.array_equal(with_clutter.images, without.images)


def test_subset_selects_images_with_their_annotations(source_batch):
    b = source_batch
    s = b.subset(b.labels == 3)
    assert len(s) == 6 and set(s.labels.tolist()) == {3}
    np.testing.assert_array_equal(s.images, b.images[b.labels == 3])
    np.testing.assert_array_equal(s.masks, b.masks[b.labels == 3])
    assert s.poses == [b.poses[i] for i in np.flatnonzero(b.labels == 3)]
    assert len(b.subset(slice(0, 4))) == 4
    assert b.subset([5, 0]).labels.tolist() == [b.labels[5], b.labels[0]]


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: make_split("train", ["face", "dragon"], n_per_class=1), "unknown class 'dragon'"),
        (lambda: make_split("training"), "unknown split 'training'"),
        (lambda: make_split(classes="imagenet"), "classes must be 'source', 'fine', 'novel'"),
        (lambda: make_split(classes=[]), "at least one class"),
        (lambda: make_split(classes=["face", "face"]), "must not repeat"),
        (lambda: make_split(n_per_class=0), "n_per_class must be an integer >= 1"),
        (lambda: make_split(size=16), "size must be an integer >= 32"),
        (lambda: make_split(seed=-1), "seed must be a non-negative integer"),
        (lambda: render_sample("face", 0, background="lava"), "unknown background 'lava'"),
        (lambda: render_sample("face", 0, pose=Pose(0.5, 0.5, 0.0, 0.0)), "scale must be positive"),
        (lambda: render_sample("Face", 0), "unknown class 'Face'"),
        (lambda: aligned_instances("face", n=0), "n must be an integer >= 1"),
        (lambda: novel_splits(0, 5), "n_train must be an integer >= 1"),
        (lambda: novel_splits(5, 5, fold=-1), "fold must be a non-negative integer"),
    ],
)
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_unknown_class_error_lists_the_valid_classes():
    with pytest.raises(ValueError) as err:
        render_sample("dragon", 0)
    assert all(name in str(err.value) for name in ALL_CLASSES)


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(ALL_CLASSES), seed=st.integers(0, 2**32 - 1))
def test_random_poses_keep_the_whole_object_in_view(name, seed):
    b = render_sample(name, seed=seed, size=48)
    pose = b.poses[0]
    assert 0 < pose.scale <= world.SCALE_RANGE[1]  # shrunk below the range only to fit
    assert world.ANGLE_RANGE[0] <= pose.angle <= world.ANGLE_RANGE[1]
    # Strictly inside: a box clipped at the border would touch 0 or 48.
    x0, y0, x1, y1 = b.boxes[0]
    assert 0 < x0 < x1 < 48 and 0 < y0 < y1 < 48
    kp = b.keypoints[0]
    assert np.all((kp[:, 0] >= x0) & (kp[:, 0] <= x1) & (kp[:, 1] >= y0) & (kp[:, 1] <= y1))


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(ALL_CLASSES),
    angle=st.floats(-720.0, 720.0, allow_nan=False),
    scale=st.floats(0.2, 0.65),
    cx=st.floats(0.4, 0.6),
    cy=st.floats(0.4, 0.6),
)
def test_any_angle_in_view_keeps_keypoints_in_the_box_and_the_box_in_the_image(
    name, angle, scale, cx, cy
):
    b = render_sample(name, seed=0, size=40, pose=Pose(cx, cy, scale, angle), with_mask=True)
    assert b.poses[0] == Pose(cx, cy, scale, angle)
    x0, y0, x1, y1 = b.boxes[0]
    assert 0 <= x0 < x1 <= 40 and 0 <= y0 < y1 <= 40
    kp = b.keypoints[0][~np.isnan(b.keypoints[0, :, 0])]
    assert np.all((kp[:, 0] >= x0) & (kp[:, 0] <= x1) & (kp[:, 1] >= y0) & (kp[:, 1] <= y1))
    rows, cols = np.nonzero(b.masks[0])
    assert np.all((cols + 0.5 >= x0 - 1e-3) & (cols + 0.5 <= x1 + 1e-3))


@settings(max_examples=20, deadline=None)
@given(cx=st.floats(-0.5, 1.5), cy=st.floats(-0.5, 1.5), angle=st.floats(-180.0, 180.0))
def test_objects_pushed_off_the_image_still_render_with_a_clipped_box(cx, cy, angle):
    b = render_sample("house", seed=1, size=32, pose=Pose(cx, cy, 0.6, angle))
    x0, y0, x1, y1 = b.boxes[0]
    assert 0 <= x0 <= x1 <= 32 and 0 <= y0 <= y1 <= 32
    assert b.images.shape == (1, 32, 32, 3)


# ---- fine-grained siblings --------------------------------------------------------------


def _parts_of(name: str, seed: int = 3) -> dict:
    parts = objects._BUILDERS[name](shapes._Draws(np.random.default_rng(seed)))
    return {p.name: p for p in parts}


ALL_SIBLINGS = world.SIBLINGS | world.NOVEL_SIBLINGS


def test_the_fine_world_has_forty_distinct_classes_in_families_of_four():
    assert len(world.FINE_SOURCE_CLASSES) == len(set(world.FINE_SOURCE_CLASSES)) == 40
    assert set(world.SOURCE_CLASSES) <= set(world.FINE_SOURCE_CLASSES)
    for base in world.SOURCE_CLASSES:
        assert sum(b == base for b, _, _ in world.SIBLINGS.values()) == 3, base
    assert not set(world.FINE_SOURCE_CLASSES) & set(world.NOVEL_CLASSES)


def test_the_fine_novel_world_has_thirty_classes_in_families_of_three_none_a_source_class():
    assert len(world.FINE_NOVEL_CLASSES) == len(set(world.FINE_NOVEL_CLASSES)) == 30
    assert world.FINE_NOVEL_CLASSES[::3] == world.NOVEL_CLASSES
    for base in world.NOVEL_CLASSES:
        assert sum(b == base for b, _, _ in world.NOVEL_SIBLINGS.values()) == 2, base
    assert not set(world.FINE_NOVEL_CLASSES) & set(world.FINE_SOURCE_CLASSES)


@pytest.mark.parametrize("sibling", sorted(ALL_SIBLINGS))
def test_a_sibling_differs_from_its_base_in_the_named_parts_only(sibling):
    base_name, op, changed = ALL_SIBLINGS[sibling]
    base, child = _parts_of(base_name), _parts_of(sibling)
    assert set(changed) <= set(base)
    for name, part in base.items():
        if name not in changed:
            assert child[name] == part, name
        elif op == "drop":
            assert name not in child
        elif op == "grow":
            before = shapes._bbox(part.shapes[0].prim)
            after = shapes._bbox(child[name].shapes[0].prim)
            ratio = (after[2] - after[0]) / (before[2] - before[0])
            assert ratio == pytest.approx(objects._GROW, rel=1e-6), name
        else:
            assert all(s.fill is not None and s.fill.kind == op for s in child[name].shapes)


@pytest.mark.parametrize("sibling", [s for s, (_, op, _) in ALL_SIBLINGS.items() if op != "drop"])
def test_a_textured_or_grown_part_is_one_the_base_never_textures(sibling):
    # Otherwise the base would sometimes look like its sibling (label noise).
    base_name, op, changed = ALL_SIBLINGS[sibling]
    if op == "grow":
        return
    for seed in range(40):
        base = _parts_of(base_name, seed)
        assert all(s.fill is None for name in changed for s in base[name].shapes), (seed, sibling)


def test_base_classes_render_the_same_in_the_fine_world_as_in_the_source_world():
    fine = world.make_split("train", "fine", n_per_class=2, size=48)
    source = world.make_split("train", "source", n_per_class=2, size=48)
    for k, name in enumerate(world.SOURCE_CLASSES):
        j = world.FINE_SOURCE_CLASSES.index(name)
        assert (fine.images[fine.labels == j] == source.images[source.labels == k]).all(), name


def test_novel_classes_render_the_same_in_the_thirty_class_world_as_in_the_ten_class_one():
    ten = world.novel_splits(2, 1, size=48)[0]
    thirty = world.novel_splits(2, 1, size=48, classes="fine_novel")[0]
    for k, name in enumerate(world.NOVEL_CLASSES):
        j = world.FINE_NOVEL_CLASSES.index(name)
        assert (thirty.images[thirty.labels == j] == ten.images[ten.labels == k]).all(), name


def test_a_sibling_image_differs_from_its_base_image():
    for sibling, (base, _, _) in ALL_SIBLINGS.items():
        a = world.make_split("train", [base], n_per_class=1, size=64).images[0]
        b = world.make_split("train", [sibling], n_per_class=1, size=64).images[0]
        assert (a != b).any(), sibling
