"""Tests for zfviz.nets.weights, offline: conversions are checked on randomly initialised
sources."""

import pytest
import torch
import torchvision
from pytorchcv.models import alexnet as pytorchcv_alexnet
from pytorchcv.models import zfnet as pytorchcv_zfnet
from torch import nn

from zfviz.nets.models import alexnet_spec, zfnet_spec
from zfviz.nets.weights import (
    PRETRAINED,
    from_pytorchcv,
    from_torchvision_alexnet,
    imagenet_preprocessing,
    load_pretrained,
)

PYTORCHCV = {
    "zfnet": pytorchcv_zfnet.zfnet,
    "zfnetb": pytorchcv_zfnet.zfnetb,
    "alexnet": pytorchcv_alexnet.alexnet,
}
EXPECTED_SPECS = {
    "zfnet": zfnet_spec(norm_before_pool=True),
    "zfnetb": zfnet_spec(variant="b", norm_before_pool=True),
    "alexnet": alexnet_spec(norm_before_pool=True),
}


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    return torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))


def assert_same_outputs(src: nn.Module, model: nn.Module, images: torch.Tensor) -> None:
    src.eval()
    model.eval()
    with torch.no_grad():
        expected, got = src(images), model(images)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def snapshot(module: nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in module.state_dict().items()}


def count_hooks(module: nn.Module) -> int:
    return sum(
        len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks)
        for m in module.modules()
    )


@pytest.mark.parametrize("name", list(PYTORCHCV))
def test_from_pytorchcv_gives_identical_outputs(name, images):
    src = PYTORCHCV[name]().eval()
    model = from_pytorchcv(src)
    assert model.spec == EXPECTED_SPECS[name]
    assert_same_outputs(src, model, images)


def test_from_torchvision_alexnet_gives_identical_outputs(images):
    src = torchvision.models.alexnet(weights=None).eval()
    assert_same_outputs(src, from_torchvision_alexnet(src), images)


def test_from_torchvision_alexnet_spec_has_no_norm_and_floor_pools():
    spec = from_torchvision_alexnet(torchvision.models.alexnet(weights=None)).spec
    assert [conv.maps for conv in spec.convs] == [64, 192, 384, 256, 256]
    assert not any(conv.norm for conv in spec.convs)
    assert spec.ceil_mode is False


@pytest.mark.parametrize(
    ("build", "convert"),
    [
        (pytorchcv_zfnet.zfnet, from_pytorchcv),
        (lambda: torchvision.models.alexnet(weights=None), from_torchvision_alexnet),
    ],
    ids=["pytorchcv", "torchvision"],
)
def test_conversion_leaves_source_unchanged(build, convert):
    src = build()  # in training mode, as the constructors leave it
    before, hooks = snapshot(src), count_hooks(src)
    model = convert(src)
    with torch.no_grad():  # the copy must own its tensors
        for parameter in model.parameters():
            parameter.add_(1.0)
    assert src.training
    assert count_hooks(src) == hooks
    after = snapshot(src)
    assert after.keys() == before.keys()
    assert all(torch.equal(after[key], before[key]) for key in before)


def test_conversion_keeps_training_mode_of_source():
    assert from_pytorchcv(pytorchcv_zfnet.zfnet()).training
    assert not from_pytorchcv(pytorchcv_zfnet.zfnet().eval()).training


def test_from_pytorchcv_rejects_other_pytorchcv_alexnet():
    with pytest.raises(ValueError, match="unrecognised pytorchcv model"):
        from_pytorchcv(pytorchcv_alexnet.alexnetb())  # 64 maps, no LRN


def test_from_pytorchcv_rejects_torchvision_model():
    with pytest.raises(ValueError, match="not a pytorchcv ZFNet/AlexNet"):
        from_pytorchcv(torchvision.models.alexnet(weights=None))


def test_from_torchvision_alexnet_rejects_pytorchcv_model():
    with pytest.raises(ValueError, match="not torchvision's AlexNet"):
        from_torchvision_alexnet(pytorchcv_alexnet.alexnet())


def test_from_torchvision_alexnet_rejects_changed_layers():
    src = torchvision.models.alexnet(weights=None)
    src.features[0] = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=1)
    with pytest.raises(ValueError, match="conv layers"):
        from_torchvision_alexnet(src)


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("zfnet", pytorchcv_zfnet.zfnet),
        ("torchvision_alexnet", lambda: torchvision.models.alexnet(weights=None)),
    ],
    ids=["zfnet", "torchvision_alexnet"],
)
def test_load_pretrained_from_weights_path_works_offline(name, build, tmp_path, images):
    src = build().eval()
    path = tmp_path / f"{name}.pth"
    torch.save(src.state_dict(), path)
    model = load_pretrained(name, weights_path=path)
    assert not model.training
    with torch.no_grad():
        torch.testing.assert_close(model(images[:1]), src(images[:1]), atol=1e-5, rtol=1e-5)


def test_load_pretrained_unknown_name_lists_choices():
    with pytest.raises(ValueError, match="vgg16.*zfnet, zfnetb, alexnet, torchvision_alexnet"):
        load_pretrained("vgg16")


def test_load_pretrained_download_failure_explains_offline_options(monkeypatch, tmp_path):
    from pytorchcv.models.common import model_store

    roots = []

    def no_network(net, model_name, local_model_store_dir_path, **kwargs):
        roots.append(local_model_store_dir_path)
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(model_store, "download_model", no_network)
    with pytest.raises(RuntimeError, match="could not download") as failure:
        load_pretrained("zfnet", cache_dir=str(tmp_path))
    message = str(failure.value)
    assert "quick profile" in message and "weights_path=" in message
    assert isinstance(failure.value.__cause__, ConnectionError)
    assert roots == [str(tmp_path)]


def test_load_pretrained_torchvision_download_failure_is_runtime_error(monkeypatch, tmp_path):
    import torchvision.models._api as torchvision_api

    model_dirs = []

    def no_network(url, *args, model_dir=None, **kwargs):
        model_dirs.append(model_dir)
        raise OSError("Network is unreachable")

    monkeypatch.setattr(torchvision_api, "load_state_dict_from_url", no_network)
    with pytest.raises(RuntimeError, match="could not download.*torchvision_alexnet"):
        load_pretrained("torchvision_alexnet", cache_dir=str(tmp_path))
    assert model_dirs == [str(tmp_path)]


@pytest.mark.parametrize("name", PRETRAINED)
def test_imagenet_preprocessing_is_standard_imagenet_normalisation(name):
    recipe = imagenet_preprocessing(name)
    assert recipe["mean"] == (0.485, 0.456, 0.406)
    assert recipe["std"] == (0.229, 0.224, 0.225)
    assert (recipe["resize"], recipe["crop"]) == (256, 224)
    assert recipe["value_range"] == (0.0, 1.0)


def test_imagenet_preprocessing_unknown_name_raises():
    with pytest.raises(ValueError, match="unknown pretrained model"):
        imagenet_preprocessing("resnet50")
