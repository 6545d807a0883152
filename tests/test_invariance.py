import numpy as np
import pytest
import torch
from tiny import tiny_zfnet

from zfviz.data.preprocess import ImageNetPreprocess, Preprocess
from zfviz.data.world import Pose, render_sample
from zfviz.methods.deconvnet import activations
from zfviz.methods.invariance import (
    BASE_POSE,
    KINDS,
    Curves,
    early_share,
    feature_distances,
    layer_features,
    magnitude,
    measure,
    sweep_images,
    sweep_means,
    true_label_probability,
    warp_images,
    warp_sweep,
)

SIZE = 64


def _inputs(n: int = 3, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))


def _dot(side: int, row: int, col: int) -> np.ndarray:
    image = np.zeros((side, side, 3), np.uint8)
    image[row, col] = 255
    return image


def _bright(image: np.ndarray) -> list[tuple[int, int]]:
    return [(int(r), int(c)) for r, c in np.argwhere(image[..., 0] == 255)]


# --- transformed images -----------------------------------------------------------------------


@pytest.mark.parametrize("kind, identity", [("translation", 0.0), ("scale", 1.0), ("rotation", 0)])
def test_the_identity_transform_redraws_the_original_exactly(kind, identity):
    sweep = sweep_images("car", seed=2, kind=kind, values=[identity], size=SIZE)
    expected = render_sample("car", seed=2, size=SIZE, pose=BASE_POSE).images[0]
    np.testing.assert_array_equal(sweep.images[0], expected)
    np.testing.assert_array_equal(sweep.original, expected)


def test_rotation_by_360_degrees_draws_what_rotation_by_0_draws():
    sweep = sweep_images("face", seed=1, kind="rotation", values=[0.0, 360.0, 720.0], size=SIZE)
    np.testing.assert_array_equal(sweep.images[1], sweep.images[0])
    np.testing.assert_array_equal(sweep.images[2], sweep.images[0])


def test_a_sweep_moves_the_object_and_keeps_background_and_clutter():
    sweep = sweep_images("tree", seed=0, kind="translation", values=[-0.05, 0.05], size=110)
    # The object (scale 0.6, centred) never reaches the corners: they must not change.
    for image in sweep.images:
        np.testing.assert_array_equal(image[:12, :12], sweep.original[:12, :12])
    assert not np.array_equal(sweep.images[0], sweep.images[1])


def test_a_translation_draws_the_object_lower_by_that_fraction_of_the_side():
    base = Pose(0.5, 0.4, 0.5, 0.0)
    sweep = sweep_images("house", 3, "translation", [0.25], size=SIZE, base=base, clutter=False)
    lower = render_sample("house", 3, SIZE, Pose(0.5, 0.65, 0.5, 0.0), clutter=False).images[0]
    np.testing.assert_array_equal(sweep.images[0], lower)


def test_a_scale_multiplies_the_base_scale():
    base = Pose(0.5, 0.5, 0.5, 10.0)
    sweep = sweep_images("fish", 0, "scale", [1.5], size=SIZE, base=base)
    bigger = render_sample("fish", 0, SIZE, Pose(0.5, 0.5, 0.75, 10.0)).images[0]
    np.testing.assert_array_equal(sweep.images[0], bigger)


@pytest.mark.parametrize("kind", KINDS)
def test_warping_by_the_identity_returns_the_image_unchanged(kind):
    image = np.random.default_rng(0).integers(0, 256, (9, 9, 3), dtype=np.uint8)
    identity = {"translation": 0.0, "scale": 1.0, "rotation": 0.0}[kind]
    np.testing.assert_array_equal(warp_images(image, kind, [identity])[0], image)


def test_warping_by_360_degrees_returns_the_image_unchanged():
    image = np.random.default_rng(1).integers(0, 256, (9, 9, 3), dtype=np.uint8)
    np.testing.assert_array_equal(warp_images(image, "rotation", [360.0])[0], image)


def test_a_warped_translation_moves_a_dot_down_by_that_fraction_of_the_side():
    moved = warp_images(_dot(8, row=2, col=5), "translation", [0.25, -0.25], padding="zeros")
    assert _bright(moved[0]) == [(4, 5)] and _bright(moved[1]) == [(0, 5)]


def test_a_warped_rotation_turns_counter_clockwise_about_the_centre():
    # Right of the centre of a 5x5 image; a quarter turn counter-clockwise takes it above the
    # centre, half a turn to the left, three quarters below.
    turned = warp_images(_dot(5, row=2, col=4), "rotation", [90.0, 180.0, 270.0])
    assert [_bright(t) for t in turned] == [[(0, 2)], [(2, 0)], [(4, 2)]]


def test_a_warped_scale_moves_pixels_away_from_the_centre():
    # Pixel (3, 4) of an 8x8 image has its centre at (-0.5, +0.5) from the image centre (x, y
    # order: +0.5, -0.5); three times as far out is pixel (2, 5).
    grown = warp_images(_dot(8, row=3, col=4), "scale", [3.0])[0]
    assert _bright(grown) == [(2, 5)]


def test_warp_sweep_keeps_the_image_as_its_original():
    image = np.random.default_rng(2).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    sweep = warp_sweep(image, "rotation", [0.0, 45.0])
    np.testing.assert_array_equal(sweep.original, image)
    assert sweep.images.shape == (2, 8, 8, 3) and sweep.values.tolist() == [0.0, 45.0]


@pytest.mark.parametrize("make", [sweep_images, warp_images])
def test_an_unknown_transformation_is_rejected(make):
    args = ("car", 0) if make is sweep_images else (np.zeros((8, 8, 3), np.uint8),)
    with pytest.raises(ValueError, match="unknown transformation 'shear'"):
        make(*args, "shear", [1.0])


@pytest.mark.parametrize("make", [sweep_images, warp_images])
def test_an_empty_sweep_is_rejected(make):
    args = ("car", 0) if make is sweep_images else (np.zeros((8, 8, 3), np.uint8),)
    with pytest.raises(ValueError, match="at least one rotation value"):
        make(*args, "rotation", [])


def test_a_scale_factor_that_is_not_positive_is_rejected():
    with pytest.raises(ValueError, match="scale factors must be positive"):
        sweep_images("car", 0, "scale", [1.0, 0.0])


def test_warping_rejects_an_image_that_is_not_square_uint8():
    with pytest.raises(ValueError, match=r"square uint8 image of shape \(H, H, 3\)"):
        warp_images(np.zeros((8, 6, 3), np.uint8), "rotation", [10.0])


# --- features, distances, probabilities --------------------------------------------------------


def test_layer_1_features_are_the_flattened_maps_of_norm1():
    net, x = tiny_zfnet(), _inputs()
    expected = activations(net, x, "norm1").flatten(1)
    torch.testing.assert_close(layer_features(net, x, 1), expected)


def test_layer_7_features_are_relu7_of_the_classifier_run_by_hand():
    net, x = tiny_zfnet(), _inputs()
    c = net.classifier
    with torch.no_grad():
        h = torch.relu(c.fc6(net.features(x).flatten(1)))
        expected = torch.relu(c.fc7(h))
    torch.testing.assert_close(layer_features(net, x, 7), expected)


def test_layer_7_features_ignore_dropout_of_a_model_in_train_mode():
    net, x = tiny_zfnet().train(), _inputs()
    torch.testing.assert_close(layer_features(net, x, 7), layer_features(net, x, 7))


def test_distances_are_zero_for_the_identity_transform():
    net, x = tiny_zfnet(), _inputs(1)
    for layer in (1, 7):
        d = feature_distances(net, x, x.repeat(3, 1, 1, 1), layer)
        np.testing.assert_array_equal(d, np.zeros(3))


def test_distance_is_the_euclidean_norm_of_the_feature_difference():
    net, x = tiny_zfnet(), _inputs(4)
    f = layer_features(net, x, 7).double()
    expected = (f[1:] - f[0]).norm(dim=1).numpy()
    np.testing.assert_allclose(feature_distances(net, x[0], x[1:], 7), expected, rtol=1e-6)


def test_a_relative_distance_is_the_distance_over_the_norm_of_the_original_features():
    net, x = tiny_zfnet(), _inputs(3)
    raw = feature_distances(net, x[:1], x[1:], 1)
    norm = float(layer_features(net, x[:1], 1).double().norm())
    np.testing.assert_allclose(feature_distances(net, x[:1], x[1:], 1, relative=True), raw / norm)


def test_feature_distances_need_exactly_one_original():
    net, x = tiny_zfnet(), _inputs(2)
    with pytest.raises(ValueError, match="one original image, got 2"):
        feature_distances(net, x, x, 1)


def test_true_label_probabilities_are_one_column_of_the_softmax_of_the_scores():
    net, x = tiny_zfnet(), _inputs(3)
    with torch.no_grad():
        softmax = torch.softmax(net.eval()(x).double(), dim=1).numpy()
    columns = np.stack([true_label_probability(net, x, label) for label in range(5)], axis=1)
    np.testing.assert_allclose(columns, softmax, rtol=1e-5)
    np.testing.assert_allclose(columns.sum(axis=1), 1.0, rtol=1e-9)


@pytest.mark.parametrize("label", [-1, 5, 1.0])
def test_a_label_that_is_not_a_class_index_is_rejected(label):
    with pytest.raises(ValueError, match="label must be"):
        true_label_probability(tiny_zfnet(), _inputs(1), label)


def test_measure_gives_zero_distances_and_the_original_probability_at_the_identity():
    net = tiny_zfnet()
    pre = Preprocess(np.full((73, 73, 3), 128, np.float32), image_size=SIZE)
    sweep = sweep_images("flower", 0, "rotation", [0.0, 20.0], size=73)
    curves = measure(net, pre, sweep, label=1)
    for layer in (1, 7):
        assert curves.distance[layer][0] == 0.0 and curves.relative[layer][0] == 0.0
        assert curves.distance[layer][1] > 0.0
    assert curves.probability[0] == pytest.approx(curves.original_probability)


def test_measure_of_a_warped_photograph_is_zero_at_the_identity_and_at_a_full_turn():
    # The full profile's path: a photograph, warped, normalised as the ImageNet models expect.
    net = tiny_zfnet()
    photo = np.random.default_rng(3).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    sweep = warp_sweep(photo, "rotation", [0.0, 45.0, 360.0])
    curves = measure(net, ImageNetPreprocess(SIZE), sweep, label=4)
    for layer in (1, 7):
        assert curves.distance[layer][0] == 0.0 and curves.distance[layer][2] == 0.0
        assert curves.distance[layer][1] > 0.0
    assert curves.probability[2] == pytest.approx(curves.original_probability, rel=1e-4)


# --- the model is given back unchanged ----------------------------------------------------------


def _state(net):
    return (
        [m.training for m in net.modules()],
        [p.requires_grad for p in net.parameters()],
        {k: v.clone() for k, v in net.state_dict().items()},
        sum(len(m._forward_hooks) for m in net.modules()),
    )


def _assert_same(before, after):
    assert before[0] == after[0] and before[1] == after[1] and before[3] == after[3]
    for key, value in before[2].items():
        torch.testing.assert_close(after[2][key], value, rtol=0, atol=0)


def test_the_model_is_given_back_unchanged():
    net = tiny_zfnet().train()
    net.features.conv1.weight.requires_grad_(False)
    net.classifier.fc7.register_forward_hook(lambda *_: None)
    before, x = _state(net), _inputs(3)
    feature_distances(net, x[0], x[1:], 7, relative=True)
    true_label_probability(net, x, 2)
    _assert_same(before, _state(net))


def test_the_model_is_given_back_unchanged_when_a_call_fails():
    net = tiny_zfnet().train()
    before = _state(net)
    with pytest.raises(ValueError, match="expected images of shape"):
        layer_features(net, torch.zeros(1, 3, SIZE + 1, SIZE + 1), 7)  # fails inside forward
    _assert_same(before, _state(net))


# --- summaries ------------------------------------------------------------------------------------


def test_magnitude_treats_a_scale_and_its_inverse_as_equally_far():
    m = magnitude("scale", [0.5, 1.0, 2.0])
    assert m[0] == pytest.approx(m[2]) and m[1] == 0.0


def test_early_share_is_one_when_the_first_step_reaches_the_largest_distance():
    m = magnitude("rotation", [0, 15, 30, 345])
    assert early_share(m, np.array([0.0, 3.0, 2.0, 1.0]), within=15.0) == 1.0


def test_early_share_rejects_a_curve_of_zeros():
    with pytest.raises(ValueError, match="all zero"):
        early_share(np.array([0.0, 1.0]), np.zeros(2), within=1.0)


def _curves(relative: float, probability: list[float]) -> Curves:
    return Curves(
        None, 0, relative={1: np.array([0.0, relative]), 7: np.array([relative, relative])},
        probability=np.array(probability),
    )  # fmt: skip


def test_sweep_means_average_each_object_and_keep_the_symmetric_one_apart():
    curves = {
        ("rotation", "car"): _curves(0.2, [0.9, 0.5]),
        ("rotation", "house"): _curves(0.4, [0.6, 0.2]),
        ("rotation", "flower"): _curves(0.6, [1.0, 1.0]),
    }
    row = sweep_means(curves, "rotation", ["car", "house", "flower"], symmetric="flower")
    assert row["mean rel. layer 1"] == pytest.approx(np.mean([0.1, 0.2, 0.3]))
    assert row["mean rel. layer 7"] == pytest.approx(0.4)
    assert row["mean p (non-symmetric)"] == pytest.approx(np.mean([0.7, 0.4]))
    assert row["mean p (flower)"] == 1.0


def test_sweep_means_rejects_an_unknown_kind_naming_the_kinds():
    with pytest.raises(ValueError, match="kind must be one of translation, scale, rotation"):
        sweep_means({}, "shear", ["car"])
