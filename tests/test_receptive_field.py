import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tiny import tiny_zfnet
from torch import nn

from zfviz.nets.receptive_field import ReceptiveField, receptive_fields


def _support(net: nn.Module, size: int, row: int, col: int, channels: int = 2):
    """Input pixels that unit (row, col) depends on, found by brute force (its gradient)."""
    x = torch.ones(1, channels, size, size, requires_grad=True)
    y = net(x)
    y[0, 0, row, col].backward()
    rows, cols = torch.nonzero(x.grad.abs().sum(dim=(0, 1)), as_tuple=True)
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1


def _positive(net: nn.Module) -> nn.Module:
    # positive weights and no ReLU dead zones: every pixel in the field gets a non-zero gradient
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.constant_(m.weight, 0.1)
            nn.init.constant_(m.bias, 1.0)
    return net


def test_a_single_convolution_sees_its_kernel():
    rf = receptive_fields(nn.Sequential(nn.Conv2d(3, 4, 7, stride=2, padding=1)))["0"]
    assert rf == ReceptiveField(size=7, stride=2, top_left=-1)


def test_elementwise_layers_keep_the_field():
    net = nn.Sequential(nn.Conv2d(3, 4, 5), nn.ReLU(), nn.LocalResponseNorm(5))
    fields = receptive_fields(net)
    assert fields["0"] == fields["1"] == fields["2"]


def test_fields_grow_with_depth_in_a_zfnet_like_stack():
    net = nn.Sequential(
        nn.Conv2d(3, 4, 7, 2, 1), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True),
        nn.Conv2d(4, 4, 5, 2, 0), nn.ReLU(), nn.MaxPool2d(3, 2, ceil_mode=True),
        nn.Conv2d(4, 4, 3, 1, 1),
    )  # fmt: skip
    sizes = [rf.size for rf in receptive_fields(net).values()]
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    layers=st.lists(
        st.tuples(st.sampled_from(["conv", "pool"]), st.integers(1, 5), st.integers(1, 3),
                  st.integers(0, 2)),
        min_size=1, max_size=4,
    ),
    data=st.data(),
)  # fmt: skip
def test_field_equals_the_support_of_the_gradient(layers, data):
    mods, ch = [], 2
    for kind, k, s, p in layers:
        p = min(p, k // 2)  # PyTorch requires padding <= kernel/2
        # average pooling has max pooling's geometry, and a gradient at every input it sees
        mods.append(nn.Conv2d(ch, 2, k, s, p) if kind == "conv" else nn.AvgPool2d(k, s, p))
        if kind == "conv":
            mods.append(nn.ReLU())
    net = _positive(nn.Sequential(*mods))
    size = 48
    try:
        out = net(torch.zeros(1, 2, size, size)).shape[-1]
    except RuntimeError:  # the stack shrinks the image to nothing: not a network
        assume(False)
    assume(out > 0)
    row = data.draw(st.integers(0, out - 1))
    col = data.draw(st.integers(0, out - 1))
    rf = list(receptive_fields(net).values())[-1]
    got = _support(net, size, row, col)
    want = rf.window(row, col, image_size=size)
    # The far edge can fall short of the field: a strided layer that does not fit the map exactly
    # drops its last rows and columns, so pixels there reach no unit above. The near edge is exact.
    assert got[:2] == want[:2] and got[2] <= want[2] and got[3] <= want[3]


def test_max_and_average_pooling_have_the_same_field():
    a = receptive_fields(nn.Sequential(nn.Conv2d(3, 2, 3), nn.MaxPool2d(3, 2, 1)))
    b = receptive_fields(nn.Sequential(nn.Conv2d(3, 2, 3), nn.AvgPool2d(3, 2, 1)))
    assert a == b


def test_conv_only_field_is_exact_on_a_zfnet_like_stack():
    net = _positive(nn.Sequential(nn.Conv2d(1, 2, 7, 2, 1), nn.ReLU(), nn.Conv2d(2, 2, 5, 2, 0)))
    rf = receptive_fields(net)["2"]
    assert _support(net, 64, 3, 5, channels=1) == rf.window(3, 5, image_size=64)


def test_unsupported_layer_is_named_in_the_error():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten())
    with pytest.raises(TypeError, match="'1' \\(Flatten\\)"):
        receptive_fields(net)


def test_model_without_features_sequence_is_an_error():
    with pytest.raises(TypeError, match="features"):
        receptive_fields(nn.Linear(2, 2))


def test_deconvnet_projections_at_layer_2_stay_inside_their_fields():
    from zfviz.methods.deconvnet import project
    from zfviz.nets.receptive_field import claim_projections_in_field, receptive_fields

    torch.manual_seed(0)
    net = tiny_zfnet().eval()
    p = project(net, torch.randn(3, 3, 64, 64), "relu2", top=2)
    field = receptive_fields(net)["relu2"]
    assert field.size < 64  # a field smaller than the image: the claim can fail
    units = [(s.row, s.col) for s in p.selections]
    assert claim_projections_in_field(p.pixels, units, field, "relu2").holds


def test_a_projection_with_energy_outside_the_field_fails_the_claim():
    from zfviz.nets.receptive_field import ReceptiveField, claim_projections_in_field

    field = ReceptiveField(size=7, stride=2, top_left=-1)
    pixels = torch.zeros(1, 3, 32, 32)
    pixels[0, :, 2, 2] = 1.0
    pixels[0, :, 30, 30] = 1.0  # far outside unit (0, 0)'s window
    verdict = claim_projections_in_field(pixels, [(0, 0)], field, "relu1")
    assert not verdict.holds and verdict.margin == pytest.approx(-0.5)
