import pytest
import torch
from torch import nn

from zfviz.methods.architecture import (
    active_fraction,
    aliased_energy,
    band_energy,
    character_change,
    colour_share,
    dead_filters,
    filter_character,
    gabor,
    grating,
    orientation_energy,
    orientation_selectivity,
    shift_aliasing,
    spectrum,
)
from zfviz.nets.models import zfnet


def _conv_with(weight, stride=1):
    conv = nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[-1], stride=stride)
    with torch.no_grad():
        conv.weight.copy_(weight)
    return conv


def _stripes(period, size=8):
    # One output filter, one input channel: cos(2 pi x / period), an exact DFT frequency.
    return grating(size, period)[:1].unsqueeze(0)


def _pointwise(stride):
    net = nn.Sequential(nn.Conv2d(3, 1, 1, stride=stride, bias=False), nn.ReLU())
    with torch.no_grad():
        net[0].weight.fill_(1 / 3)
    return net


@pytest.fixture
def tiny():
    torch.manual_seed(0)
    return zfnet(num_classes=3, input_size=48, width=0.125, fc_units=16)


def test_flat_filter_has_all_its_energy_in_the_low_band():
    conv = _conv_with(torch.ones(1, 3, 8, 8))
    assert torch.allclose(band_energy(conv, size=8), torch.tensor([[1.0, 0.0, 0.0]]))


def test_stripes_fall_in_the_band_of_their_frequency():
    fine, medium = _conv_with(_stripes(4)), _conv_with(_stripes(8))  # 0.25 and 0.125 cycles/px
    assert torch.allclose(band_energy(fine, size=8), torch.tensor([[0.0, 0.0, 1.0]]), atol=1e-6)
    assert torch.allclose(band_energy(medium, size=8), torch.tensor([[0.0, 1.0, 0.0]]), atol=1e-6)


def test_band_shares_sum_to_one_for_every_filter():
    torch.manual_seed(1)
    conv = nn.Conv2d(3, 6, 7)
    assert torch.allclose(band_energy(conv).sum(1), torch.ones(6), atol=1e-5)


def test_stride_one_never_aliases():
    torch.manual_seed(2)
    assert torch.all(aliased_energy(nn.Conv2d(3, 4, 5, stride=1)) == 0)


def test_stripes_alias_exactly_when_finer_than_the_output_nyquist():
    stripes = _stripes(4)  # 0.25 cycles/pixel
    assert float(aliased_energy(_conv_with(stripes, stride=2), size=8)[0]) == pytest.approx(0.0)
    assert float(aliased_energy(_conv_with(stripes, stride=4), size=8)[0]) == pytest.approx(1.0)


def test_spectrum_rejects_a_grid_smaller_than_the_kernel_and_non_convs():
    with pytest.raises(ValueError, match="at least the kernel size"):
        spectrum(nn.Conv2d(1, 1, 7), size=4)
    with pytest.raises(TypeError, match="nn.Conv2d"):
        aliased_energy(nn.Linear(2, 2))


def test_a_map_with_a_large_negative_bias_is_dead():
    net = nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU())
    with torch.no_grad():
        net[0].weight.fill_(1.0)
        net[0].bias.copy_(torch.tensor([0.0, -5.0]))
    images = torch.rand(4, 1, 6, 6)
    assert active_fraction(net, images, "1").tolist() == [1.0, 0.0]
    assert dead_filters(net, images, "1").tolist() == [False, True]


def test_dead_filters_of_an_unknown_layer_is_a_clear_error(tiny):
    with pytest.raises(KeyError, match="unknown layer"):
        dead_filters(tiny, torch.zeros(1, 3, 48, 48), layer="relu9")


def test_grating_moves_by_whole_pixels():
    g = grating(12, period=6, orientation="horizontal")
    assert torch.allclose(grating(12, 6, shift=2, orientation="horizontal")[:, 2:], g[:, :-2])
    with pytest.raises(ValueError, match="orientation"):
        grating(8, 4, orientation="sideways")


def test_a_stride_one_pointwise_layer_does_not_alias():
    net = _pointwise(stride=1)
    assert shift_aliasing(net, "1", size=24, periods=(3, 4, 6), margin=0) == pytest.approx(
        0, abs=1e-9
    )


def test_subsampling_without_smoothing_aliases():
    # Stride 2 on stripes of period 2: every other shift sees only the dark columns.
    net = _pointwise(stride=2)
    assert shift_aliasing(net, "1", size=8, periods=(2,), orientations=("vertical",), margin=0) == 1


def test_measures_give_the_model_back_unchanged(tiny):
    tiny.train()
    before = {k: v.clone() for k, v in tiny.state_dict().items()}
    active_fraction(tiny, torch.randn(2, 3, 48, 48))
    shift_aliasing(tiny, "relu2", size=64, periods=(4,))
    assert tiny.training and all(m.training for m in tiny.modules())
    assert all(torch.equal(before[k], v) for k, v in tiny.state_dict().items())


def test_shift_aliasing_runs_on_canvases_larger_than_the_training_size(tiny):
    assert shift_aliasing(tiny, 2, size=96, periods=(4, 8)) >= 0


@pytest.mark.parametrize(
    ("orientation", "band"), [("vertical", 0), ("diagonal", 2), ("horizontal", 4)]
)
def test_stripes_put_their_energy_in_the_band_of_their_orientation(orientation, band):
    # grating(): "vertical" varies along x (angle 0), "horizontal" along y (90 degrees),
    # "diagonal" along x + y (45 degrees, band 2 of 8). A real filter's spectrum also holds the
    # mirrored frequency (-fy, -fx): modulo 180 degrees, the same orientation.
    weight = grating(8, 4, orientation=orientation)[:1].unsqueeze(0)
    shares = orientation_energy(_conv_with(weight), bands=8, size=8)[0]
    assert float(shares[band]) > 0.99


def test_orientation_shares_sum_to_one_for_every_filter():
    torch.manual_seed(0)
    shares = orientation_energy(nn.Conv2d(3, 16, 7), bands=6)
    assert torch.allclose(shares.sum(1), torch.ones(16), atol=1e-5)


def test_an_isotropic_blob_is_less_orientation_selective_than_random_noise():
    y, x = torch.meshgrid(torch.arange(7.0), torch.arange(7.0), indexing="ij")
    blob = torch.exp(-((x - 3) ** 2 + (y - 3) ** 2) / 4).expand(1, 3, 7, 7)
    torch.manual_seed(0)
    noise = orientation_selectivity(nn.Conv2d(3, 64, 7)).mean()
    assert float(orientation_selectivity(_conv_with(blob))[0]) < float(noise)


@pytest.mark.parametrize("angle", [0.0, 30.0, 45.0, 90.0, 150.0])
def test_a_gabor_edge_is_far_more_orientation_selective_than_random_noise(angle):
    torch.manual_seed(0)
    noise = float(orientation_selectivity(nn.Conv2d(3, 64, 7)).mean())
    assert float(orientation_selectivity(gabor(7, angle=angle))[0]) > 2 * noise


@pytest.mark.parametrize("angle", [0.0, 45.0, 90.0, 135.0])
def test_a_gabor_puts_most_energy_in_the_band_of_its_angle(angle):
    shares = orientation_energy(gabor(7, angle=angle), bands=8)[0]
    assert int(shares.argmax()) == round(angle / 22.5) % 8


def test_filter_character_of_a_grey_gabor_is_oriented_and_colourless():
    character = filter_character(gabor(7))
    assert character["colour share"] < 1e-6
    assert character["orientation selectivity"] > 0.4


def test_orientation_energy_refuses_fewer_than_two_bands():
    with pytest.raises(ValueError, match="bands"):
        orientation_energy(nn.Conv2d(3, 1, 3), bands=1)


def test_colour_share_matches_a_projection_on_the_grey_axis():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 5, 3)
    grey_axis = torch.ones(3) / 3**0.5
    for k, w in enumerate(conv.weight.detach()):
        pixels = w.reshape(3, -1).T  # (positions, RGB)
        grey = (pixels @ grey_axis).pow(2).sum()
        expected = 1 - grey / pixels.pow(2).sum()
        assert float(colour_share(conv)[k]) == pytest.approx(float(expected), rel=1e-5)


def test_grey_filters_have_no_colour_and_noise_about_two_thirds():
    torch.manual_seed(0)
    grey = _conv_with(torch.randn(4, 1, 5, 5).expand(4, 3, 5, 5))
    assert torch.allclose(colour_share(grey), torch.zeros(4), atol=1e-6)
    assert float(colour_share(nn.Conv2d(3, 512, 7)).mean()) == pytest.approx(2 / 3, abs=0.02)


def test_colour_share_needs_three_input_channels():
    with pytest.raises(ValueError, match="3 input channels"):
        colour_share(nn.Conv2d(1, 2, 3))


@pytest.mark.parametrize(
    ("selectivity", "colour", "words"),
    [(0.3, 0.5, "towards oriented, greyer ones"),
     (0.3, 0.7, "towards oriented ones, but not greyer"),
     (0.1, 0.5, "towards greyer ones, but not oriented"),
     (0.2, 0.6, "neither towards oriented nor greyer ones")],
)  # fmt: skip
def test_character_change_names_the_direction_training_moved(selectivity, colour, words):
    initial = {"orientation selectivity": 0.2, "colour share": 0.6}
    trained = {"orientation selectivity": selectivity, "colour share": colour}
    assert character_change(trained, initial) == words


# ---- the claims of Sec. 4.1 (Fig. 6) and Table 2 ------------------------------------------

from zfviz.core.claims import over_seeds  # noqa: E402
from zfviz.methods.architecture import (  # noqa: E402
    claim_fewer_dead_filters,
    claim_little_mid_frequency,
    claim_training_widens_aliasing,
    claim_zfnet_more_accurate,
)
from zfviz.nets.models import alexnet  # noqa: E402


def _swing(net):
    return shift_aliasing(net, "1", size=8, periods=(2,), orientations=("vertical",), margin=0)


def _tiny_pair(seed=0):
    torch.manual_seed(seed)
    a = alexnet(num_classes=3, input_size=64, width=0.125, fc_units=16)
    z = zfnet(num_classes=3, input_size=64, width=0.125, fc_units=16)
    return a.eval(), z.eval()


def test_a_layer_that_aliases_only_after_training_widens_the_aliasing_gap():
    # Positive control: the "trained" AlexNet-style layer subsamples without smoothing (swing
    # 1 on stripes of period 2); the other three do not subsample (swing 0).
    smooth = _swing(_pointwise(stride=1))
    verdict = claim_training_widens_aliasing(_swing(_pointwise(stride=2)), smooth, smooth, smooth)
    assert verdict.holds and verdict.margin == pytest.approx(1.0)


def test_a_network_that_never_trains_does_not_widen_the_aliasing_gap():
    # Negative control: random-initialised networks measured as both trained and untrained.
    # Stride 4 already aliases more than stride 2 here, but training added nothing.
    a, z = _tiny_pair()
    alias_a, alias_z = shift_aliasing(a, "relu2", size=96), shift_aliasing(z, "relu2", size=96)
    assert alias_a > alias_z
    assert not claim_training_widens_aliasing(alias_a, alias_a, alias_z, alias_z).holds


def test_a_trained_alexnet_layer_that_aliases_less_than_zfnets_fails_the_aliasing_claim():
    assert not claim_training_widens_aliasing(0.4, 0.1, 0.5, 0.3).holds


def test_flat_and_checkerboard_filters_cover_the_mid_frequencies_little():
    # Positive control: AlexNet-style filters that are flat (low) or checkerboards (high),
    # ZFNet filters that are stripes of period 6 (1/6 cycle per pixel: mid band).
    flat = torch.ones(11, 11)
    checker = (-1.0) ** (torch.arange(11)[:, None] + torch.arange(11)[None, :])
    alex = _conv_with(torch.stack([flat, checker]).unsqueeze(1).expand(2, 3, 11, 11), stride=4)
    stripes = grating(7, 6)[:1].unsqueeze(0).expand(1, 3, 7, 7)
    verdict = claim_little_mid_frequency(alex, _conv_with(stripes, stride=2))
    assert verdict.holds, verdict


def test_random_first_layers_do_not_show_little_mid_frequency_coverage():
    # Negative control: white-noise filters put more energy in the mid band than in the low.
    a, z = _tiny_pair()
    assert not claim_little_mid_frequency(a.features.conv1, z.features.conv1).holds


def test_an_alexnet_layer_with_a_switched_off_map_has_more_dead_filters():
    a, z = _tiny_pair()
    with torch.no_grad():
        a.features.conv1.bias[:2] = -1e3  # two maps can never be positive
    images = torch.randn(4, 3, 64, 64)
    dead_a, dead_z = int(dead_filters(a, images).sum()), int(dead_filters(z, images).sum())
    verdict = claim_fewer_dead_filters(dead_a, dead_z)
    assert (dead_a, dead_z) == (2, 0) and verdict.holds and verdict.margin == 2


def test_two_random_first_layers_without_dead_filters_do_not_show_fewer_dead_filters():
    a, z = _tiny_pair()
    images = torch.randn(4, 3, 64, 64)
    dead_a, dead_z = int(dead_filters(a, images).sum()), int(dead_filters(z, images).sum())
    assert not claim_fewer_dead_filters(dead_a, dead_z).holds


def test_a_dead_filter_count_that_is_not_a_count_is_refused():
    with pytest.raises(ValueError, match="count of filters"):
        claim_fewer_dead_filters(1.5, 0)


def test_the_papers_table_2_errors_show_zfnet_more_accurate_by_two_points():
    verdict = claim_zfnet_more_accurate(0.405, 0.384)
    assert verdict.holds and verdict.margin == pytest.approx(2.1)


def test_zfnet_behind_on_one_seed_does_not_reproduce_the_accuracy_claim():
    errors = [(0.20, 0.18), (0.17, 0.18), (0.19, 0.17)]
    verdict = over_seeds([claim_zfnet_more_accurate(a, z) for a, z in errors])
    assert not verdict.reproduces and verdict.k == 2


def test_equal_errors_do_not_show_zfnet_more_accurate():
    assert not claim_zfnet_more_accurate(0.2, 0.2).holds


def test_an_error_rate_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="error rate"):
        claim_zfnet_more_accurate(17.3, 16.2)
