import pytest
import torch
from torch import nn

from zfviz.architecture import (
    active_fraction,
    aliased_energy,
    band_energy,
    dead_filters,
    grating,
    shift_aliasing,
    spectrum,
)
from zfviz.models import zfnet


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
