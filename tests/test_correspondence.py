import numpy as np
import pytest
import torch
from tiny import tiny_zfnet

from zfviz.methods.correspondence import (
    at_input_size,
    correspondence_table,
    delta,
    epsilon,
    hamming,
    jittered_centres,
    mask_delta,
    masked,
    pairwise_hamming,
    part_mask,
    random_centres,
    square_overlap,
    zero_share,
)
from zfviz.methods.deconvnet import activations
from zfviz.nets.models import zfnet

SIZE = 64


def _images(n: int = 3, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))


# --- the normalised Hamming distance ----------------------------------------------------------


def test_hamming_of_identical_signs_is_zero():
    assert hamming([1.0, -2.0, 0.0, 5.0], [3.0, -0.1, 0.0, 1.0]) == 0.0


def test_hamming_of_opposite_signs_is_one():
    assert hamming([1.0, -2.0, 3.0], [-1.0, 2.0, -3.0]) == 1.0


def test_hamming_of_half_differing_signs_is_one_half():
    assert hamming([1.0, 1.0, -1.0, -1.0], [1.0, -1.0, -1.0, 1.0]) == 0.5


def test_zero_is_a_sign_of_its_own():
    assert hamming([0.0, 1.0], [0.0, 1.0]) == 0.0  # two zeros agree
    assert hamming([0.0, 1.0], [1.0, 1.0]) == 0.5  # zero and plus differ
    assert hamming([0.0, 1.0], [-1.0, 1.0]) == 0.5  # zero and minus differ


def test_shared_zeros_can_be_left_out_of_the_fraction():
    a, b = [0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, -1.0]
    assert hamming(a, b) == 0.25
    assert hamming(a, b, count_shared_zeros=False) == 0.5


def test_two_all_zero_changes_are_at_distance_zero_when_shared_zeros_are_left_out():
    assert hamming([0.0, 0.0], [0.0, 0.0], count_shared_zeros=False) == 0.0


def test_hamming_rejects_vectors_of_different_lengths():
    with pytest.raises(ValueError, match="same length"):
        hamming([1.0, 2.0], [1.0, 2.0, 3.0])


def test_pairwise_hamming_is_symmetric_with_a_zero_diagonal():
    eps = np.random.default_rng(0).normal(size=(4, 7))
    d = pairwise_hamming(eps)
    np.testing.assert_array_equal(d, d.T)
    np.testing.assert_array_equal(np.diag(d), 0.0)
    assert d[1, 3] == hamming(eps[1], eps[3])


# --- Delta ------------------------------------------------------------------------------------


def test_delta_is_zero_when_all_changes_agree():
    eps = np.array([[1.0, -2.0, 0.0], [3.0, -1.0, 0.0], [0.5, -9.0, 0.0]])
    assert delta(eps) == 0.0


def test_delta_of_three_images_equals_the_hand_computed_mean_over_pairs():
    eps = np.array(
        [
            [1.0, 1.0, 1.0, 1.0],
            [1.0, 1.0, -1.0, -1.0],  # differs from row 0 in 2 of 4: 0.5
            [-1.0, 1.0, -1.0, 0.0],  # from row 0 in 3 of 4: 0.75; from row 1 in 2 of 4: 0.5
        ]
    )
    assert delta(eps) == pytest.approx((0.5 + 0.75 + 0.5) / 3)


def test_delta_summed_over_ordered_pairs_is_n_times_n_minus_one_times_the_mean():
    eps = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, -1.0, -1.0], [-1.0, 1.0, -1.0, 0.0]])
    assert delta(eps, reduction="sum") == pytest.approx(2 * (0.5 + 0.75 + 0.5))
    assert delta(eps, reduction="sum") == pytest.approx(3 * 2 * delta(eps))


def test_delta_depends_only_on_the_signs_of_the_changes():
    eps = np.random.default_rng(1).normal(size=(5, 20))
    scales = np.random.default_rng(2).uniform(0.1, 10.0, size=eps.shape)
    assert delta(eps * scales) == delta(eps)


def test_delta_needs_at_least_two_images():
    with pytest.raises(ValueError, match="at least 2 images"):
        delta(np.ones((1, 4)))


def test_delta_rejects_an_unknown_reduction():
    with pytest.raises(ValueError, match="reduction"):
        delta(np.ones((2, 4)), reduction="median")


# --- masks ------------------------------------------------------------------------------------


def test_an_odd_square_on_a_pixel_centre_covers_that_pixel_and_its_neighbours():
    mask = part_mask(8, (3.5, 2.5), 3)  # the centre of pixel row 2, column 3
    expected = np.zeros((8, 8), bool)
    expected[1:4, 2:5] = True
    np.testing.assert_array_equal(mask, expected)


def test_an_even_square_on_a_pixel_corner_covers_the_four_pixels_around_it():
    expected = np.zeros((8, 8), bool)
    expected[2:6, 3:7] = True
    np.testing.assert_array_equal(part_mask(8, (5.0, 4.0), 4), expected)


def test_a_square_over_the_border_is_clipped_to_the_image():
    mask = part_mask(8, (7.5, 0.5), 5)  # on the top-right pixel
    expected = np.zeros((8, 8), bool)
    expected[0:3, 5:8] = True
    np.testing.assert_array_equal(mask, expected)


def test_a_square_wholly_off_the_image_masks_nothing():
    assert not part_mask(8, (-10.0, 4.0), 3).any()


def test_masked_sets_exactly_the_mask_pixels_in_every_image_and_channel():
    images = _images(2)
    mask = part_mask(SIZE, (10.5, 20.5), 5)
    out = masked(images, mask, fill=7.0)
    assert (out[:, :, mask] == 7.0).all()
    torch.testing.assert_close(out[:, :, ~mask], images[:, :, ~mask])


def test_masked_leaves_the_callers_images_unchanged():
    images = _images(2)
    before = images.clone()
    masked(images, part_mask(SIZE, (32.0, 32.0), 10))
    torch.testing.assert_close(images, before)


def test_a_mask_of_the_wrong_shape_is_rejected_saying_what_was_expected():
    with pytest.raises(ValueError, match=r"\(64, 64\)"):
        masked(_images(2), np.ones((32, 32), bool))


def test_a_mask_that_is_not_boolean_is_rejected():
    with pytest.raises(ValueError, match="bool mask"):
        masked(_images(2), np.ones((SIZE, SIZE), np.float32))


@pytest.mark.parametrize("side", [0, -3, 2.5])
def test_part_mask_rejects_a_side_that_is_not_a_positive_integer(side):
    with pytest.raises(ValueError, match="side"):
        part_mask(8, (4.0, 4.0), side)


def test_square_overlap_counts_the_share_of_the_square_inside_the_region():
    region = np.zeros((8, 8), bool)
    region[:2, :] = True  # the two top rows
    assert square_overlap(np.array([[4.0, 2.0]]), 4, region).tolist() == [0.5]


# --- placements -------------------------------------------------------------------------------


def test_random_placements_are_reproducible_by_seed():
    np.testing.assert_array_equal(random_centres(96, 15, 20, seed=3), random_centres(96, 15, 20, 3))
    assert not np.array_equal(random_centres(96, 15, 20, seed=3), random_centres(96, 15, 20, 4))


def test_random_squares_lie_wholly_inside_the_image():
    for centre in random_centres(20, 7, 200, seed=0):
        assert part_mask(20, centre, 7).sum() == 49


def test_a_square_larger_than_the_image_cannot_be_placed():
    with pytest.raises(ValueError, match="does not fit"):
        random_centres(10, 11, 3)


def test_jitter_gives_the_centre_and_its_eight_neighbours():
    centres = jittered_centres((10.0, 20.0), 3)
    assert len(centres) == 9
    assert {tuple(c) for c in centres} == {
        (10.0 + dx, 20.0 + dy) for dx in (-3, 0, 3) for dy in (-3, 0, 3)
    }
    assert jittered_centres((10.0, 20.0), 0).tolist() == [[10.0, 20.0]]


# --- the model --------------------------------------------------------------------------------


def test_epsilon_is_zero_for_an_unmasked_copy():
    images = _images(2)
    eps = epsilon(tiny_zfnet(), images, images.clone(), 5)
    assert eps.shape == (2, 32)  # pool5 of this net: 32 maps of 1x1
    assert not eps.any()


def test_epsilon_at_layer_5_matches_the_deconvnet_forward_pass():
    net, images = tiny_zfnet(), _images(2)
    hidden = masked(images, part_mask(SIZE, (20.0, 30.0), 16))
    expected = activations(net, images, 5) - activations(net, hidden, 5)
    np.testing.assert_allclose(epsilon(net, images, hidden, 5), expected.flatten(1), atol=1e-6)


def test_epsilon_is_the_original_features_minus_the_masked_ones():
    net, images = tiny_zfnet(), _images(2)
    hidden = masked(images, part_mask(SIZE, (32.0, 32.0), 20))
    eps = epsilon(net, images, hidden, 7)
    net.eval()
    with torch.no_grad():
        x = net.classifier.relu7(net.classifier.fc7(net.classifier.relu6(net.classifier.fc6(
            net.features(torch.cat([images, hidden])).flatten(1)))))  # fmt: skip
    np.testing.assert_allclose(eps, (x[:2] - x[2:]).double().numpy(), atol=1e-6)


def test_mask_delta_at_two_layers_equals_delta_of_each_layers_epsilon():
    net, images = tiny_zfnet(), _images(3)
    mask = part_mask(SIZE, (24.0, 30.0), 12)
    hidden = masked(images, mask)
    found = mask_delta(net, images, mask, (5, 7), count_shared_zeros=False)
    for layer in (5, 7):
        expected = delta(epsilon(net, images, hidden, layer), count_shared_zeros=False)
        assert found[layer] == expected


def test_layers_5_and_7_are_found_in_the_imagenet_layout_of_zfnet():
    # The converted ImageNet weights put the norm before the pool (pytorchcv's order).
    torch.manual_seed(0)
    net = zfnet(num_classes=5, input_size=SIZE, width=0.125, fc_units=32, norm_before_pool=True)
    eps = {layer: epsilon(net, _images(2), _images(2, seed=1), layer) for layer in (5, 7)}
    assert eps[5].shape == (2, 32) and eps[7].shape == (2, 32)
    assert eps[5].any() and eps[7].any()


def test_epsilon_rejects_masked_images_of_another_shape():
    with pytest.raises(ValueError, match="the images' shape"):
        epsilon(tiny_zfnet(), _images(2), _images(3), 5)


def _state(net):
    return (
        [m.training for m in net.modules()],
        [p.requires_grad for p in net.parameters()],
        [p.detach().clone() for p in net.parameters()],
        [len(m._forward_hooks) + len(m._forward_pre_hooks) for m in net.modules()],
    )


def _assert_same_state(before, after):
    assert before[0] == after[0] and before[1] == after[1] and before[3] == after[3]
    for a, b in zip(before[2], after[2], strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_the_model_is_given_back_unchanged():
    net = tiny_zfnet().train()
    net.features.conv1.weight.requires_grad_(False)
    before = _state(net)
    correspondence_table(net, _images(3), {"eye": (20.0, 20.0)}, side=8, n_random=2, jitter=1)
    _assert_same_state(before, _state(net))


def test_the_model_is_given_back_unchanged_after_an_exception():
    net = tiny_zfnet().train()
    before = _state(net)
    wrong = torch.randn(2, 4, SIZE, SIZE)  # 4 channels: the model's own forward pass raises
    with pytest.raises(ValueError, match="expected images"):
        epsilon(net, wrong, wrong.clone(), 7)
    _assert_same_state(before, _state(net))


# --- Table 1 ----------------------------------------------------------------------------------


def test_the_table_has_one_delta_per_placement_and_layer():
    t = correspondence_table(
        tiny_zfnet(), _images(3), {"eye": (20.0, 20.0), "nose": (32.0, 40.0)}, side=8, n_random=5,
        jitter=2,
    )  # fmt: skip
    assert t.regions == ["eye", "nose", "random"]
    assert {k: v.shape for k, v in t.deltas.items()} == {
        ("eye", 5): (9,), ("eye", 7): (9,), ("nose", 5): (9,), ("nose", 7): (9,),
        ("random", 5): (5,), ("random", 7): (5,),
    }  # fmt: skip


def test_a_part_without_jitter_is_one_placement_with_no_spread():
    net, images = tiny_zfnet(), _images(3)
    t = correspondence_table(net, images, {"eye": (20.0, 20.0)}, side=8, n_random=2, jitter=0)
    assert t.std("eye", 5) == 0.0
    expected = mask_delta(net, images, part_mask(SIZE, (20.0, 20.0), 8))
    assert t.mean("eye", 5) == expected[5] and t.mean("eye", 7) == expected[7]


def test_the_random_control_is_reproducible_by_seed():
    net, images = tiny_zfnet(), _images(3)
    a = correspondence_table(net, images, {}, side=8, n_random=3, seed=5)
    b = correspondence_table(net, images, {}, side=8, n_random=3, seed=5)
    np.testing.assert_array_equal(a.deltas["random", 5], b.deltas["random", 5])
    np.testing.assert_array_equal(a.centres["random"], random_centres(SIZE, 8, 3, seed=5))


def test_a_part_cannot_be_called_random():
    with pytest.raises(ValueError, match="random"):
        correspondence_table(tiny_zfnet(), _images(2), {"random": (3.0, 3.0)}, side=4)


def test_a_mask_over_pixels_already_at_the_fill_leaves_every_dimension_unchanged():
    net, x = tiny_zfnet(), _images()
    x[:, :, 10:30, 10:30] = 0.0  # the square the mask will cover, already at fill 0
    assert zero_share(net, x, 5, [(20, 20)], side=9) == 1.0


def test_zero_share_is_the_mean_over_placements_of_the_share_of_zero_changes():
    net, x = tiny_zfnet(), _images()
    centres = [(20.0, 20.0), (40.0, 33.0)]
    each = [
        float((epsilon(net, x, masked(x, part_mask(x.shape[-1], c, 9)), 7) == 0).mean())
        for c in centres
    ]
    assert zero_share(net, x, 7, centres, side=9) == pytest.approx(np.mean(each))


def test_zero_share_rejects_centres_that_are_not_xy_pairs():
    with pytest.raises(ValueError, match=r"centres: expected \(P, 2\)"):
        zero_share(tiny_zfnet(), _images(), 5, [20, 20], side=9)


def test_a_length_chosen_at_96_pixels_scales_with_the_input():
    assert at_input_size(15, 224) == 35 and at_input_size(2, 224) == 5
    with pytest.raises(ValueError, match="size must be a positive integer"):
        at_input_size(15, 0)
