"""Tests for zfviz.nets.models: the paper's architecture, its variants and its layer names."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from zfviz.nets.layers import get_layer
from zfviz.nets.models import (
    ArchSpec,
    ConvLayer,
    ConvNet,
    ablate,
    alexnet,
    alexnet_spec,
    count_parameters,
    feature_sizes,
    init_weights,
    layer_names,
    resolve_layer_name,
    zfnet,
    zfnet_spec,
)

# Fig. 3 of the paper: spatial size after conv1, pool1, conv2, pool2, conv3, conv4, conv5, pool5.
PAPER_SIZES = {
    "conv1": 110,
    "pool1": 55,
    "conv2": 26,
    "pool2": 13,
    "conv3": 13,
    "conv4": 13,
    "conv5": 13,
    "pool5": 6,
}
ALEXNET_SIZES = {
    "conv1": 54,
    "pool1": 27,
    "conv2": 27,
    "pool2": 13,
    "conv3": 13,
    "conv4": 13,
    "conv5": 13,
    "pool5": 6,
}
ZFNET_NAMES = [
    "conv1", "relu1", "pool1", "norm1",
    "conv2", "relu2", "pool2", "norm2",
    "conv3", "relu3",
    "conv4", "relu4",
    "conv5", "relu5", "pool5",
    "fc6", "relu6", "drop6",
    "fc7", "relu7", "drop7",
    "fc8",
]  # fmt: skip
# The ablations of Table 3 (removed paper layers).
TABLE3_REMOVALS = [(3, 4), (7,), (6, 7), (3, 4, 6, 7)]


def small_spec(**kwargs) -> ArchSpec:
    """A ZFNet small enough for many quick forward passes."""
    return zfnet_spec(num_classes=10, input_size=112, width=0.25, fc_units=64, **kwargs)


def sizes_seen_in_forward(model: ConvNet, input_size: int) -> dict[str, tuple[int, ...]]:
    seen = {}
    hooks = [
        module.register_forward_hook(
            lambda _module, _inputs, output, name=name: seen.update({name: tuple(output.shape[1:])})
        )
        for name, module in model.features.named_children()
    ]
    with torch.no_grad():
        model(torch.zeros(1, 3, input_size, input_size))
    for hook in hooks:
        hook.remove()
    return seen


def test_zfnet_feature_sizes_match_paper_fig3():
    sizes = feature_sizes(zfnet_spec())
    assert {name: sizes[name][1] for name in PAPER_SIZES} == PAPER_SIZES
    assert sizes["pool5"] == (256, 6, 6)


def test_zfnet_forward_sizes_match_paper_fig3():
    seen = sizes_seen_in_forward(zfnet().eval(), 224)
    assert {name: seen[name][1] for name in PAPER_SIZES} == PAPER_SIZES
    assert seen == feature_sizes(zfnet_spec())


def test_zfnet_parameter_count_matches_paper_net():
    assert count_parameters(zfnet()) == 62_357_608


def test_zfnet_variant_b_parameter_count():
    assert count_parameters(zfnet(variant="b")) == 107_627_624


def test_alexnet_feature_sizes():
    sizes = feature_sizes(alexnet_spec())
    assert {name: sizes[name][1] for name in ALEXNET_SIZES} == ALEXNET_SIZES


def test_alexnet_forward_and_parameter_count():
    model = alexnet().eval()
    assert count_parameters(model) == 62_378_344  # pytorchcv's one-tower AlexNet
    assert sizes_seen_in_forward(model, 224) == feature_sizes(alexnet_spec())


def test_zfnet_logits_shape_at_224():
    with torch.no_grad():
        logits = zfnet().eval()(torch.randn(2, 3, 224, 224))
    assert logits.shape == (2, 1000)


@pytest.mark.parametrize("factory", [zfnet, alexnet])
def test_scaled_net_runs_and_gives_logits(factory):
    model = factory(num_classes=10, input_size=112, width=0.25, fc_units=128)
    logits = model(torch.randn(3, 3, 112, 112))
    assert logits.shape == (3, 10)
    assert torch.isfinite(logits).all()


def test_width_scales_maps_with_rounding_and_at_least_one():
    assert [c.maps for c in zfnet_spec(width=0.25).convs] == [24, 64, 96, 96, 64]
    assert [c.maps for c in zfnet_spec(width=0.001).convs] == [1, 1, 1, 1, 1]


def test_fc_units_sets_fc6_and_fc7():
    model = zfnet(num_classes=10, input_size=112, width=0.25, fc_units=100)
    assert model.classifier.fc6.out_features == 100
    assert model.classifier.fc7.out_features == 100
    assert model.classifier.fc8.in_features == 100


def test_input_size_too_small_raises_with_smallest_size():
    with pytest.raises(ValueError, match="too small.*smallest input .* is 47"):
        zfnet(input_size=46)
    zfnet(input_size=47, width=0.1, fc_units=8)  # the smallest size works


@settings(max_examples=15, deadline=None)
@given(input_size=st.integers(min_value=47, max_value=260), norm_before_pool=st.booleans())
def test_feature_sizes_arithmetic_matches_pytorch(input_size, norm_before_pool):
    spec = zfnet_spec(
        input_size=input_size, width=1 / 32, fc_units=4, norm_before_pool=norm_before_pool
    )
    assert sizes_seen_in_forward(ConvNet(spec), input_size) == feature_sizes(spec)


def test_layer_names_follow_paper_order():
    assert layer_names(zfnet()) == ZFNET_NAMES


def test_norm_before_pool_swaps_norm_and_pool():
    names = layer_names(ConvNet(small_spec(norm_before_pool=True)))
    assert names[:8] == ["conv1", "relu1", "norm1", "pool1", "conv2", "relu2", "norm2", "pool2"]


def test_modules_are_distinct_and_relus_not_inplace():
    model = zfnet()
    modules = [get_layer(model, name) for name in layer_names(model)]
    assert len({id(module) for module in modules}) == len(modules)
    relus = [module for module in modules if isinstance(module, nn.ReLU)]
    assert len(relus) == 7
    assert not any(relu.inplace for relu in relus)
    lrns = [module for module in modules if isinstance(module, nn.LocalResponseNorm)]
    assert [(n.size, n.alpha, n.beta, n.k) for n in lrns] == [(5, 1e-4, 0.75, 2.0)] * 2


def test_spec_is_stored_on_model():
    spec = small_spec()
    assert ConvNet(spec).spec is spec


@pytest.mark.parametrize(
    ("layer", "name"),
    [(1, "norm1"), (2, "norm2"), (3, "relu3"), (4, "relu4"), (5, "pool5"), (6, "relu6"),
     (7, "relu7"), (8, "fc8")],
)  # fmt: skip
def test_get_layer_by_paper_number_is_block_output(layer, name):
    model = ConvNet(small_spec())
    assert resolve_layer_name(model, layer) == name
    assert get_layer(model, layer) is get_layer(model, name)


def test_get_layer_by_number_follows_norm_before_pool():
    model = ConvNet(small_spec(norm_before_pool=True))
    assert resolve_layer_name(model, 1) == "pool1"
    assert resolve_layer_name(model, 2) == "pool2"


def test_get_layer_by_name_returns_module():
    model = ConvNet(small_spec())
    assert get_layer(model, "conv5") is model.features.conv5
    assert get_layer(model, "relu5") is model.features.relu5
    assert get_layer(model, "pool5") is model.features.pool5
    assert get_layer(model, "fc7") is model.classifier.fc7
    assert isinstance(get_layer(model, "conv1"), nn.Conv2d)


def test_unknown_layer_name_lists_valid_names():
    with pytest.raises(KeyError, match="conv9.*conv1, relu1, pool1"):
        get_layer(ConvNet(small_spec()), "conv9")


def test_removed_paper_layer_number_raises():
    model = ConvNet(ablate(small_spec(), remove=(3, 4)))
    with pytest.raises(KeyError, match="no paper layer 3.*\\[1, 2, 5, 6, 7, 8\\]"):
        get_layer(model, 3)


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [
        ((3, 112, 112), torch.float32),  # no batch dimension
        ((1, 1, 112, 112), torch.float32),  # grey image
        ((1, 3, 100, 100), torch.float32),  # wrong size
        ((1, 112, 112, 3), torch.float32),  # channels last
        ((1, 3, 112, 112), torch.uint8),  # raw pixels
    ],
)
def test_wrong_input_raises_with_expected_shape(shape, dtype):
    with pytest.raises(ValueError, match=r"expected .*\(N, 3, 112, 112\)"):
        ConvNet(small_spec())(torch.zeros(shape, dtype=dtype))


def test_wrong_input_message_shows_what_it_got():
    with pytest.raises(ValueError, match=r"got \(3, 112, 112\)"):
        ConvNet(small_spec())(torch.zeros(3, 112, 112))


@pytest.mark.parametrize("remove", TABLE3_REMOVALS)
def test_ablated_net_keeps_paper_names_and_runs(remove):
    model = ConvNet(ablate(small_spec(), remove=remove))
    names = layer_names(model)
    for layer in remove:
        assert not any(name.endswith(str(layer)) for name in names)
    kept_convs = [n for n in (1, 2, 3, 4, 5) if n not in remove]
    assert [name for name in names if name.startswith("conv")] == [f"conv{n}" for n in kept_convs]
    assert names[-1] == "fc8"
    assert model(torch.randn(2, 3, 112, 112)).shape == (2, 10)


def test_ablate_removing_layers_6_and_7_feeds_pool5_to_fc8():
    spec = ablate(small_spec(), remove=(6, 7))
    model = ConvNet(spec)
    assert [name for name, _ in model.classifier.named_children()] == ["fc8"]
    maps, height, width = feature_sizes(spec)["pool5"]
    assert model.classifier.fc8.in_features == maps * height * width


def test_ablate_resizes_fc_layers():
    spec = ablate(zfnet_spec(), fc_units=2048)
    assert spec.fc == (2048, 2048)
    assert spec.fc_layers == (6, 7)


def test_ablate_conv_maps_gives_variant_b():
    assert ablate(zfnet_spec(), conv_maps={3: 512, 4: 1024, 5: 512}) == zfnet_spec(variant="b")


def test_ablate_rejects_unknown_layers():
    with pytest.raises(ValueError, match="cannot remove layers \\[8\\]"):
        ablate(zfnet_spec(), remove=(8,))
    with pytest.raises(ValueError, match="lacks"):
        ablate(zfnet_spec(), remove=(3,), conv_maps={3: 10})


def test_ablate_cannot_remove_every_conv_layer():
    with pytest.raises(ValueError, match="at least one convolutional layer"):
        ablate(zfnet_spec(), remove=(1, 2, 3, 4, 5))


def test_spec_rejects_mismatched_fc_layers():
    with pytest.raises(ValueError, match="same length"):
        ArchSpec(convs=(ConvLayer(1, 8, 3, 1, 1),), fc=(16,), fc_layers=(6, 7))


def test_zfnet_rejects_unknown_variant():
    with pytest.raises(ValueError, match="variant"):
        zfnet_spec(variant="c")


def test_paper_init_has_std_1e_2_and_zero_biases():
    model = init_weights(ConvNet(small_spec()), "paper")
    weight = model.classifier.fc6.weight
    assert weight.std().item() == pytest.approx(1e-2, rel=0.05)
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert all(bool((m.bias == 0).all()) for m in layers)


def test_default_init_is_kaiming():
    model = ConvNet(small_spec())
    fc6 = model.classifier.fc6
    expected_std = (2 / fc6.in_features) ** 0.5
    assert fc6.weight.std().item() == pytest.approx(expected_std, rel=0.05)
    assert bool((fc6.bias == 0).all())


def test_init_rejects_unknown_scheme():
    with pytest.raises(ValueError, match="paper.*kaiming"):
        init_weights(ConvNet(small_spec()), "xavier")
