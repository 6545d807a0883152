import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torchvision
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import tiny_zfnet
from torch import nn
from torchvision.models.vgg import cfgs, make_layers

from zfviz.methods.deconvnet import (
    RULES,
    Selection,
    backprop_projection,
    deconv_to_image,
    project,
    project_maps,
    subpixel_conv_transpose,
    unpool,
    walk,
)
from zfviz.nets.receptive_field import receptive_fields


class _WithFeatures(nn.Module):
    """Any model with a `features` Sequential, like torchvision's AlexNet and VGG."""

    def __init__(self, *layers: nn.Module) -> None:
        super().__init__()
        self.features = (
            layers[0] if isinstance(layers[0], nn.Sequential) else nn.Sequential(*layers)
        )


def _vgg_like() -> nn.Module:
    # VGG's layout in small: 3x3 convs, in-place ReLUs, non-overlapping 2x2 pools
    torch.manual_seed(0)
    return _WithFeatures(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
        nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
    )  # fmt: skip


def _images(n: int, size: int = 64) -> torch.Tensor:
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(1))


def _activations(model: nn.Module, images: torch.Tensor, layer: str) -> torch.Tensor:
    """The layer's output computed by the model's own modules."""
    names = [name for name, _ in model.features.named_children()]
    with torch.no_grad():
        return model.eval().features[: names.index(layer) + 1](images.clone())


def _assert_close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    scale = float(expected.abs().max())
    assert scale > 0, "a test of all-zero projections proves nothing"
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-5 * scale)


def _snapshot(model: nn.Module) -> dict:
    return {
        "training": [m.training for m in model.modules()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "grads": [p.grad for p in model.parameters()],
        "weights": {k: v.clone() for k, v in model.state_dict().items()},
        "hooks": [
            (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
            for m in model.modules()
        ],
    }


def _assert_same(before: dict, after: dict) -> None:
    assert before["training"] == after["training"]
    assert before["requires_grad"] == after["requires_grad"]
    assert all(g is None for g in after["grads"])
    assert before["hooks"] == after["hooks"]
    assert all(torch.equal(before["weights"][k], v) for k, v in after["weights"].items())


# --- unpooling ------------------------------------------------------------------------------


def test_unpooling_adds_up_overlapping_windows_that_picked_the_same_pixel():
    x = torch.zeros(1, 1, 5, 5)
    x[0, 0, 0, 2] = 9.0  # in both windows of the top row (columns 0-2 and 2-4)
    x[0, 0, 4, 0], x[0, 0, 4, 4] = 5.0, 6.0  # the maxima of the bottom-left and -right windows
    _, switches = F.max_pool2d(x, 3, 2, return_indices=True)
    signal = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])

    expected = torch.zeros(1, 1, 5, 5)
    expected[0, 0, 0, 2], expected[0, 0, 4, 0], expected[0, 0, 4, 4] = 1.0 + 2.0, 3.0, 4.0
    assert torch.equal(unpool(signal, switches, (5, 5)), expected)


@settings(max_examples=30, deadline=None)
@given(
    kernel=st.integers(1, 4), stride=st.integers(1, 3), pad=st.integers(0, 2),
    ceil_mode=st.booleans(), size=st.integers(4, 11), seed=st.integers(0, 2**16),
)  # fmt: skip
def test_unpooling_equals_the_gradient_of_max_pooling(kernel, stride, pad, ceil_mode, size, seed):
    pad = min(pad, kernel // 2)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 3, size, size, generator=gen, requires_grad=True)
    y, switches = F.max_pool2d(x, kernel, stride, pad, ceil_mode=ceil_mode, return_indices=True)
    signal = torch.randn(y.shape, generator=gen)
    (y * signal).sum().backward()
    torch.testing.assert_close(unpool(signal, switches, (size, size)), x.grad)


# --- the deconvnet equals a modified back-propagation ---------------------------------------

LAYERS = [
    (tiny_zfnet, "pool1"),
    (tiny_zfnet, "conv2"),
    (tiny_zfnet, "norm2"),
    (tiny_zfnet, "relu4"),
    (tiny_zfnet, "pool5"),
    (_vgg_like, "3"),  # conv, relu and pool: an unnamed Sequential's children are "0", "1", ...
    (_vgg_like, "4"),
    (_vgg_like, "8"),
]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    kernel=st.integers(1, 11),
    stride=st.integers(1, 4),
    pad=st.integers(0, 5),
    height=st.integers(1, 9),
    width=st.integers(1, 9),
    extra=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_subpixel_transposed_convolution_equals_conv_transpose2d(
    kernel, stride, pad, height, width, extra, seed
):
    extra = extra % stride  # output_padding must be smaller than the stride
    out_h = (height - 1) * stride - 2 * pad + kernel + extra
    out_w = (width - 1) * stride - 2 * pad + kernel + extra
    if out_h < 1 or out_w < 1:
        return
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 5, height, width, generator=generator, dtype=torch.float64)
    weight = torch.randn(5, 3, kernel, kernel, generator=generator, dtype=torch.float64)
    expected = F.conv_transpose2d(x, weight, None, stride, pad, extra)
    got = subpixel_conv_transpose(x, weight, stride, (pad, pad), (out_h, out_w))
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize(
    "make, layer", LAYERS, ids=[f"{make.__name__[1:]}-{layer}" for make, layer in LAYERS]
)
def test_projection_is_the_activation_times_the_backprop_projection(make, layer, rule):
    model, x = make(), _images(2)
    p = project(model, x, layer, top=3, rule=rule)
    assert (p.values > 0).all()  # rectifying a negative seed would break the proportionality
    g = backprop_projection(model, x, layer, p.selections, rule=rule)
    _assert_close(p.pixels, p.values.view(-1, 1, 1, 1) * g)


def test_deconvnet_rectifies_the_signal_where_the_gradient_uses_the_forward_mask():
    # conv0 makes every unit negative, so relu1 is off everywhere going up
    net = nn.Sequential(nn.Conv2d(3, 1, 1, bias=False), nn.ReLU(), nn.Conv2d(1, 1, 1))
    with torch.no_grad():
        net[0].weight.fill_(-1.0)
        net[2].weight.fill_(1.0)
        net[2].bias.fill_(1.0)
    x, unit = torch.ones(1, 3, 4, 4), [Selection(image=0, channel=0, row=1, col=2)]

    deconv = project(net, x, "2", unit, rule="deconvnet").pixels
    expected = torch.zeros(1, 3, 4, 4)
    expected[0, :, 1, 2] = -1.0  # seed 1, through relu(1) = 1, then the flipped filter -1
    assert torch.equal(deconv, expected)
    for rule in ("guided", "gradient"):
        assert not project(net, x, "2", unit, rule=rule).pixels.any()


# --- selections -----------------------------------------------------------------------------


def test_values_are_the_models_own_activations():
    model, x = tiny_zfnet(), _images(2)
    p = project(model, x, "relu3", top=4)
    maps = _activations(model, x, "relu3")
    expected = torch.stack([maps[s.image, s.channel, s.row, s.col] for s in p.selections])
    torch.testing.assert_close(p.values, expected)


def test_many_selections_in_one_call_equal_one_call_per_selection():
    model, x = tiny_zfnet(), _images(3)
    selections = [
        Selection(0, 1, 2, 2), Selection(2, 3, 0, 1), Selection(0, 7, 1, 1),
        Selection(1, 1, 2, 0), Selection(2, 3, 0, 1),
    ]  # fmt: skip
    together = project(model, x, "conv3", selections, rule="guided")  # one downward pass
    for i, s in enumerate(selections):
        one_image = x[s.image : s.image + 1]
        alone = project(
            model, one_image, "conv3", [Selection(0, s.channel, s.row, s.col)], rule="guided"
        )
        torch.testing.assert_close(together.pixels[i : i + 1], alone.pixels)
        torch.testing.assert_close(together.values[i : i + 1], alone.values)


@pytest.mark.parametrize(
    "make, layer", [(tiny_zfnet, "relu3"), (tiny_zfnet, "pool2"), (_vgg_like, "4")]
)
def test_projection_stays_inside_the_receptive_field_of_the_unit(make, layer):
    model, x = make(), _images(2)
    p = project(model, x, layer, top=5)
    field = receptive_fields(model)[layer]
    for s, pixels in zip(p.selections, p.pixels, strict=True):
        top, left, bottom, right = field.window(s.row, s.col, image_size=64)
        inside = torch.zeros(64, 64, dtype=torch.bool)
        inside[top:bottom, left:right] = True
        assert pixels[:, inside].any()
        assert not pixels[:, ~inside].any()


def test_only_the_selected_activation_is_seeded_so_a_silent_one_projects_to_zero():
    model, x = tiny_zfnet(), _images(1)
    maps = _activations(model, x, "relu2")
    channel, row, col = (maps[0] == 0).nonzero()[0].tolist()
    p = project(model, x, "relu2", [Selection(0, channel, row, col)])
    assert p.values.tolist() == [0.0]
    assert not p.pixels.any()


def test_default_selection_is_the_strongest_activation_of_each_image():
    model, x = tiny_zfnet(), _images(2)
    p = project(model, x, "conv3")
    maps = _activations(model, x, "conv3")
    assert [s.image for s in p.selections] == [0, 1]
    for s, value in zip(p.selections, p.values, strict=True):
        assert value == maps[s.image].max() == maps[s.image, s.channel, s.row, s.col]


def test_top_k_gives_k_distinct_selections_per_image_strongest_first():
    model, x = tiny_zfnet(), _images(2)
    p = project(model, x, "conv3", top=4)
    maps = _activations(model, x, "conv3")
    for image in range(2):
        mine = [i for i, s in enumerate(p.selections) if s.image == image]
        assert len(mine) == 4 and len({p.selections[i] for i in mine}) == 4
        torch.testing.assert_close(p.values[mine], maps[image].flatten().topk(4).values)


def test_project_maps_projects_the_strongest_unit_of_each_map_of_each_image():
    model, x = tiny_zfnet(), _images(2)
    p = project_maps(model, x, "relu4", channels=[5, 0, 9])
    maps = _activations(model, x, "relu4")
    assert [(s.image, s.channel) for s in p.selections] == [
        (0, 5), (0, 0), (0, 9), (1, 5), (1, 0), (1, 9),
    ]  # fmt: skip
    for s, value in zip(p.selections, p.values, strict=True):
        assert value == maps[s.image, s.channel].max() == maps[s.image, s.channel, s.row, s.col]
    single = project(model, x, "relu4", p.selections[4:5])
    torch.testing.assert_close(p.pixels[4:5], single.pixels)


def test_a_paper_layer_number_means_that_layers_output():
    model, x = tiny_zfnet(), _images(1)
    torch.testing.assert_close(
        project(model, x, 2, top=2).pixels, project(model, x, "norm2", top=2).pixels
    )


def test_deconv_to_image_stretches_each_projection_around_grey():
    pixels = torch.zeros(3, 3, 4, 4)
    pixels[0, 0, 0, 0], pixels[0, 1, 1, 1] = 2.0, -1.0
    pixels[1, 2, 3, 3] = -1e-3
    img = deconv_to_image(pixels)
    assert img.shape == (3, 4, 4, 3) and img.min() >= 0.0 and img.max() <= 1.0
    assert img[0, 0, 0, 0] == 1.0 and img[0, 1, 1, 1] == 0.25 and img[0, 2, 2, 2] == 0.5
    assert img[1, 3, 3, 2] == 0.0  # a faint projection is stretched on its own
    assert np.all(img[2] == 0.5)  # all zero: plain grey


# --- the caller's model ---------------------------------------------------------------------


def _used_model() -> nn.Module:
    model = tiny_zfnet().train()
    model.features.conv1.weight.requires_grad_(False)
    model.features.relu2.register_forward_hook(lambda m, i, o: None)
    return model


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: project(m, x, "pool2", top=2, rule="guided"),
        lambda m, x: backprop_projection(m, x, "pool2", [Selection(0, 1, 1, 1)], rule="guided"),
    ],
    ids=["project", "backprop_projection"],
)
def test_the_model_comes_back_unchanged(call):
    model = _used_model()
    before = _snapshot(model)
    call(model, _images(1))
    _assert_same(before, _snapshot(model))


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: project(m, x, "pool2"),
        lambda m, x: backprop_projection(m, x, "pool2", [Selection(0, 1, 1, 1)]),
    ],
    ids=["project", "backprop_projection"],
)
def test_the_model_comes_back_unchanged_when_the_call_raises(call):
    model = _used_model()
    before = _snapshot(model)
    with pytest.raises(ValueError, match="expected images"):
        call(model, _images(1, size=48))
    _assert_same(before, _snapshot(model))


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "images",
    [torch.rand(3, 64, 64), torch.rand(1, 1, 64, 64), torch.rand(1, 3, 32, 32)],
    ids=["3-D", "1 channel", "wrong size"],
)
def test_images_of_the_wrong_shape_are_rejected_saying_what_was_expected(images):
    with pytest.raises(ValueError, match=r"expected images of shape \(N, 3, 64, 64\), got"):
        project(tiny_zfnet(), images, "conv1")


def test_integer_images_are_rejected():
    with pytest.raises(ValueError, match="expected a float tensor"):
        project(tiny_zfnet(), torch.zeros(1, 3, 64, 64, dtype=torch.uint8), "conv1")


def test_an_unknown_layer_is_rejected_with_the_valid_names():
    with pytest.raises(KeyError, match="conv1, relu1, pool1, norm1, conv2.*pool5.*paper layer"):
        project(tiny_zfnet(), _images(1), "conv9")


def test_a_classifier_layer_is_rejected():
    with pytest.raises(KeyError, match="unknown layer 7"):
        project(tiny_zfnet(), _images(1), 7)


def test_top_must_be_a_positive_integer_and_not_given_with_selections():
    with pytest.raises(ValueError, match="positive integer"):
        project(tiny_zfnet(), _images(1), "conv1", top=0)
    with pytest.raises(ValueError, match="either selections or top"):
        project(tiny_zfnet(), _images(1), "conv1", [Selection(0, 0, 0, 0)], top=2)


def test_an_unknown_rule_is_rejected():
    with pytest.raises(ValueError, match="deconvnet, guided, gradient"):
        project(tiny_zfnet(), _images(1), "conv1", rule="zeiler")


def test_a_selection_outside_the_layer_is_rejected():
    with pytest.raises(ValueError, match="outside layer 'conv3'"):
        project(tiny_zfnet(), _images(1), "conv3", [Selection(0, 0, 3, 0)])
    with pytest.raises(ValueError, match="there are 1 images"):
        backprop_projection(tiny_zfnet(), _images(1), "conv3", [Selection(1, 0, 0, 0)])


class _Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x)


class _MyRelu(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x)


@pytest.mark.parametrize(
    "module", [_Residual(), _MyRelu(), nn.BatchNorm2d(4), nn.Sequential(nn.ReLU())]
)
def test_modules_the_deconvnet_cannot_undo_are_rejected_by_name(module):
    model = _WithFeatures(nn.Conv2d(3, 4, 3), module, nn.ReLU())
    with pytest.raises(TypeError, match=rf"features\['1'\] \({type(module).__name__}\).*Conv2d"):
        walk(model)


def test_a_dilated_convolution_is_rejected():
    with pytest.raises(ValueError, match=r"features\['0'\].*dilation"):
        walk(_WithFeatures(nn.Conv2d(3, 4, 3, dilation=2)))


def test_a_module_used_twice_is_rejected():
    relu = nn.ReLU()
    model = _WithFeatures(nn.Conv2d(3, 4, 3), relu, nn.Conv2d(4, 4, 3), relu)
    with pytest.raises(ValueError, match=r"features\['3'\].*same module object as features\['1'\]"):
        project(model, _images(1, size=16), "3")


def test_a_model_without_features_is_rejected():
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)

    with pytest.raises(TypeError, match="`features` nn.Sequential.*got Net"):
        project(Net(), _images(1), "conv")


# --- torchvision layouts --------------------------------------------------------------------


@pytest.fixture(scope="module")
def tv_alexnet() -> nn.Module:
    torch.manual_seed(0)
    return torchvision.models.alexnet(weights=None)


@pytest.mark.parametrize("layer", ["12", 7])  # pool5, and relu3 given as an int
def test_torchvision_alexnet_projection_matches_backprop(tv_alexnet, layer):
    x = _images(1, size=224)
    p = project(tv_alexnet, x, layer)
    g = backprop_projection(tv_alexnet, x, layer, p.selections)
    _assert_close(p.pixels, p.values.view(-1, 1, 1, 1) * g)


@pytest.mark.parametrize("rule", RULES)
def test_torchvision_vgg11_layout_projection_matches_backprop(rule):
    torch.manual_seed(0)
    model = _WithFeatures(make_layers(cfgs["A"]))  # exactly vgg11().features
    x = _images(2, size=32)
    before = model.features(x.clone())  # in-place ReLUs: the model must still compute this
    p = project(model, x, "15", top=2, rule=rule)
    g = backprop_projection(model, x, "15", p.selections, rule=rule)
    _assert_close(p.pixels, p.values.view(-1, 1, 1, 1) * g)
    torch.testing.assert_close(model.features(x.clone()), before)


def test_deconv_to_image_percentile_clips_the_extremes_and_brightens_the_rest():
    pixels = torch.cat([torch.full((99,), 1.0), torch.tensor([100.0])]).view(1, 1, 1, 100)
    faint = deconv_to_image(pixels)[0, 0, :99, 0]
    bright = deconv_to_image(pixels, percentile=98.0)[0, 0, :, 0]
    assert np.allclose(faint, 0.505) and np.allclose(bright[:99], 1.0) and bright[99] == 1.0


def test_deconv_to_image_rejects_a_percentile_outside_0_to_100():
    with pytest.raises(ValueError, match="percentile must be in"):
        deconv_to_image(torch.ones(1, 3, 2, 2), percentile=0.0)


def test_deconv_to_image_percentile_ignores_the_zeros_around_a_small_projection():
    small = torch.zeros(1, 1, 10, 10)
    small[0, 0, 0, :4] = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert deconv_to_image(small, percentile=99.0)[0, 0, 3, 0] == 1.0
    assert deconv_to_image(small, percentile=99.0)[0, 0, 0, 0] == pytest.approx(0.625)


def test_projection_equals_captum_neuron_deconvolution_without_contrast_normalisation():
    captum = pytest.importorskip("captum.attr")
    model = tiny_zfnet().eval()
    for name, module in list(model.features.named_children()):
        if isinstance(module, nn.LocalResponseNorm):  # Captum differentiates through it
            setattr(model.features, name, nn.Identity())
    x = torch.randn(3, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    unit = (1, 1, 1)
    ours = project(model, x, "relu5", [Selection(i, *unit) for i in range(3)])
    theirs = captum.NeuronDeconvolution(model, model.features.relu5).attribute(
        x, neuron_selector=unit
    )
    torch.testing.assert_close(ours.pixels, ours.values.view(-1, 1, 1, 1) * theirs,
                               rtol=1e-4, atol=1e-6)  # fmt: skip
