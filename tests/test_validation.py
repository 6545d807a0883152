"""Bad input to the public functions: a clear error naming the argument, before any forward pass,
and the model given back unchanged (issue 16).

Each bad input is checked for the exception's type (``TypeError`` for a value of the wrong kind,
``ValueError`` for a value that cannot be used) and for the argument's name in the message. A
model that counts its forward passes shows that the error came before any expensive work.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import tiny_zfnet
from torch import nn

from zfviz.core.checks import ArgumentTypeError, LayerError
from zfviz.core.hooks import _hook_counts
from zfviz.methods.correspondence import delta, epsilon, hamming, mask_delta, part_mask
from zfviz.methods.deconvnet import (
    Selection,
    activations,
    backprop_projection,
    project,
    project_maps,
    resolve_layer,
)
from zfviz.methods.gradcam import grad_cam
from zfviz.methods.invariance import layer_features
from zfviz.methods.mining import top_activations
from zfviz.methods.occlusion import occlusion
from zfviz.methods.transfer import extract_features
from zfviz.nets.layers import find_layer
from zfviz.nets.receptive_field import smallest_input
from zfviz.nets.weights import WeightsFileError, load_pretrained

SIZE = 64
FEW = settings(max_examples=25, deadline=None)


@pytest.fixture(scope="module")
def alexnet() -> nn.Module:
    torch.manual_seed(0)
    return torchvision.models.alexnet(weights=None, num_classes=6)


@pytest.fixture(scope="module")
def resnet() -> nn.Module:
    torch.manual_seed(0)
    return torchvision.models.resnet18(weights=None, num_classes=4)


class _Counting:
    """Counts the forward passes of a model (a hook removed afterwards)."""

    def __init__(self, model: nn.Module) -> None:
        self.calls = 0
        self._handle = model.register_forward_pre_hook(lambda *_: self._count())

    def _count(self) -> None:
        self.calls += 1

    def remove(self) -> None:
        self._handle.remove()


def _snapshot(model: nn.Module) -> dict:
    return {
        "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "training": [m.training for m in model.modules()],
        "requires_grad": [p.requires_grad for p in model.parameters()],
        "grads": [p.grad is None for p in model.parameters()],
        "hooks": _hook_counts(model),
    }


def _assert_same(before: dict, after: dict) -> None:
    assert before["training"] == after["training"]
    assert before["requires_grad"] == after["requires_grad"]
    assert before["grads"] == after["grads"]
    assert before["hooks"] == after["hooks"]
    assert before["state"].keys() == after["state"].keys()
    for k, v in before["state"].items():
        assert torch.equal(v, after["state"][k]), k


def _refused(model: nn.Module, call, kind: type[Exception], *names: str) -> str:
    """Run ``call()``; it must raise ``kind`` naming each of ``names``, before any forward
    pass, and leave ``model`` as it was."""
    model.train()  # a mode the functions change while they run: it must come back
    before = _snapshot(model)
    counter = _Counting(model)
    try:
        with pytest.raises(kind) as failure:
            call()
    finally:
        counter.remove()
    message = str(failure.value)
    for name in names:
        assert name in message, f"{name!r} not in {message!r}"
    assert counter.calls == 0, f"{counter.calls} forward passes before the error: {message}"
    _assert_same(before, _snapshot(model))
    return message


# --- bad images, every function ----------------------------------------------------------------

_NAN = torch.rand(2, 3, SIZE, SIZE).index_put_((torch.tensor([0]),), torch.tensor(float("nan")))
_BAD_IMAGES = [
    pytest.param([[1.0, 2.0]], TypeError, id="list"),
    pytest.param("image.png", TypeError, id="str"),
    pytest.param(None, TypeError, id="None"),
    pytest.param(torch.zeros(2, 3, SIZE, SIZE, dtype=torch.uint8), ValueError, id="uint8"),
    pytest.param(torch.zeros(2, 3, SIZE, SIZE, dtype=torch.long), ValueError, id="int64"),
    pytest.param(_NAN, ValueError, id="NaN"),
    pytest.param(torch.full((2, 3, SIZE, SIZE), float("inf")), ValueError, id="Inf"),
    pytest.param(torch.full((2, 3, SIZE, SIZE), -float("inf")), ValueError, id="-Inf"),
    pytest.param(torch.rand(3, SIZE, SIZE), ValueError, id="3-D"),
    pytest.param(torch.rand(1, 1, 3, SIZE, SIZE), ValueError, id="5-D"),
    pytest.param(torch.rand(0, 3, SIZE, SIZE), ValueError, id="empty"),
    pytest.param(torch.rand(2, 3, SIZE - 8, SIZE - 8), ValueError, id="wrong size"),
    pytest.param(torch.rand(2, 1, SIZE, SIZE), ValueError, id="1 channel"),
]

_IMAGE_CALLS = {
    "project": (lambda m, x: project(m, x, "conv2"), "images"),
    "project_maps": (lambda m, x: project_maps(m, x, 2, channels=[0]), "images"),
    "backprop_projection": (
        lambda m, x: backprop_projection(m, x, "conv1", [Selection(0, 0, 0, 0)]),
        "images",
    ),
    "activations": (lambda m, x: activations(m, x, 3), "images"),
    "top_activations": (lambda m, x: top_activations(m, [x], 3, progress=False), "images"),
    "grad_cam": (lambda m, x: grad_cam(m, x), "images"),
    "extract_features": (lambda m, x: extract_features(m, x, None, [5], progress=False), "images"),
    "layer_features": (lambda m, x: layer_features(m, x, 5), "inputs"),
    "epsilon (images)": (lambda m, x: epsilon(m, x, torch.zeros(2, 3, SIZE, SIZE), 5), "images"),
    "mask_delta": (lambda m, x: mask_delta(m, x, part_mask(SIZE, (32, 32), 8)), "images"),
}


@pytest.mark.parametrize(("image", "kind"), _BAD_IMAGES)
@pytest.mark.parametrize("function", sorted(_IMAGE_CALLS))
def test_bad_images_are_refused_naming_the_argument_before_any_forward_pass(function, image, kind):
    call, name = _IMAGE_CALLS[function]
    model = tiny_zfnet()
    _refused(model, lambda: call(model, image), kind, name)


@pytest.mark.parametrize(("image", "kind"), _BAD_IMAGES)
def test_occlusion_refuses_bad_images_naming_the_argument(image, kind):
    model = tiny_zfnet()
    # one image (3, H, W): each bad batch loses its first dimension (the 3-D one becomes 2-D)
    one = image
    if isinstance(image, torch.Tensor):
        one = torch.zeros(0, SIZE, SIZE) if len(image) == 0 else image[0]
    _refused(model, lambda: occlusion(model, one, 0, 16, 16), kind, "image")


def test_masked_images_are_checked_too():
    model = tiny_zfnet()
    x = torch.rand(2, 3, SIZE, SIZE)
    _refused(model, lambda: epsilon(model, x, _NAN, 5), ValueError, "masked_images", "finite")


# --- dtype, NumPy: converted to the model's dtype ---------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_images_of_another_float_dtype_are_cast_to_the_models(dtype):
    model = tiny_zfnet()
    x = torch.rand(2, 3, SIZE, SIZE)
    ref = project(model, x, "conv2").pixels
    got = project(model, x.to(dtype), "conv2")
    assert got.pixels.dtype == torch.float32
    if dtype == torch.float64:
        torch.testing.assert_close(got.pixels, ref)
    assert grad_cam(model, x.to(dtype)).maps.dtype == torch.float32
    assert layer_features(model, x.to(dtype), 7).shape == (2, 32)
    maps = occlusion(model, x[0].to(dtype), 1, 16, 16)
    assert maps.probability.dtype == torch.float32


def test_numpy_images_are_accepted_where_the_type_hints_say_so():
    model = tiny_zfnet()
    x = np.random.default_rng(0).random((2, 3, SIZE, SIZE))  # float64
    f = extract_features(model, x, None, [5, 7], progress=False)
    assert f[7].shape == (2, 32)
    assert project(model, x, "conv1").pixels.shape == (2, 3, SIZE, SIZE)
    assert grad_cam(model, x).maps.shape == (2, SIZE, SIZE)


def test_a_double_model_gets_double_images():
    model = tiny_zfnet().double()
    assert project(model, torch.rand(1, 3, SIZE, SIZE), "conv1").pixels.dtype == torch.float64


# --- sizes: too small, with the smallest that works --------------------------------------------


def test_too_small_for_torchvision_alexnet_says_the_smallest_size(alexnet):
    smallest = smallest_input(alexnet)
    assert smallest == 63
    x = torch.rand(1, 3, 20, 20)
    for call, name in [
        (lambda: project(alexnet, x, "12"), "images"),
        (lambda: activations(alexnet, x, "features.12"), "images"),
        (lambda: grad_cam(alexnet, x), "images"),
        (lambda: extract_features(alexnet, x, None, ["features.12"], progress=False), "images"),
        (lambda: layer_features(alexnet, x, "features.12"), "inputs"),
        (lambda: occlusion(alexnet, x[0], 0, 4, 4, layer="features.12"), "image"),
    ]:
        message = _refused(alexnet, call, ValueError, name, "too small")
        assert "63x63" in message, message
    alexnet.eval()
    project(alexnet, torch.rand(1, 3, 63, 63), "12")  # the smallest does work


def test_the_smallest_input_up_to_a_layer_is_the_smallest_that_runs(alexnet):
    for layer in ("2", "5", "12"):
        n = smallest_input(alexnet, layer)
        activations(alexnet, torch.rand(1, 3, n, n), layer)
        with pytest.raises(ValueError, match=f"at least {n}x{n}"):
            activations(alexnet, torch.rand(1, 3, n - 1, n - 1), layer)


# --- integer arguments: bool, float, out of range ---------------------------------------------

_NOT_INTS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@FEW
@given(value=_NOT_INTS)
def test_occlusion_refuses_non_integer_counts(value):
    model = tiny_zfnet()
    image = torch.rand(3, SIZE, SIZE)
    for name in ("label", "size", "stride", "batch_size", "channel"):
        args = {"label": 0, "size": 16, "stride": 16, name: value}
        if name == "channel" and value is None:
            continue  # None is channel's default: the strongest map
        _refused(model, lambda args=args: occlusion(model, image, **args), TypeError, name)


@FEW
@given(value=st.integers(max_value=0))
def test_occlusion_refuses_counts_below_one(value):
    model = tiny_zfnet()
    image = torch.rand(3, SIZE, SIZE)
    for name in ("size", "stride", "batch_size"):
        args = {"label": 0, "size": 16, "stride": 16, name: value}
        _refused(model, lambda args=args: occlusion(model, image, **args), ValueError, name)


@FEW
@given(value=st.integers(max_value=-1) | st.integers(min_value=5, max_value=10**6))
def test_occlusion_refuses_labels_that_are_not_classes(value):
    model = tiny_zfnet()
    _refused(model, lambda: occlusion(model, torch.rand(3, SIZE, SIZE), value, 16, 16),
             ValueError, "label")  # fmt: skip


@FEW
@given(fill=st.sampled_from([None, "grey", float("nan"), float("inf"), [0.0], True]))
def test_occlusion_refuses_a_fill_that_is_not_a_finite_number(fill):
    model = tiny_zfnet()
    kind = ValueError if isinstance(fill, float) else TypeError
    _refused(model, lambda: occlusion(model, torch.rand(3, SIZE, SIZE), 0, 16, 16, fill=fill),
             kind, "fill")  # fmt: skip


@FEW
@given(value=st.floats(allow_nan=False) | st.booleans() | st.integers(max_value=-1))
def test_selection_fields_must_be_non_negative_integers(value):
    for field in ("image", "channel", "row", "col"):
        kwargs = {"image": 0, "channel": 0, "row": 0, "col": 0, field: value}
        kind = ValueError if isinstance(value, int) and not isinstance(value, bool) else TypeError
        with pytest.raises(kind, match=f"Selection.{field}"):
            Selection(**kwargs)


@pytest.mark.parametrize(
    "labels",
    [[1.5, 2.7], [True, False], ["a", "b"], np.array([0.0, 1.0]), torch.tensor([1.0, 2.0])],
    ids=["floats", "bools", "strings", "float array", "float tensor"],
)
def test_grad_cam_refuses_labels_that_are_not_integers(labels):
    model = tiny_zfnet()
    _refused(model, lambda: grad_cam(model, torch.rand(2, 3, SIZE, SIZE), labels=labels),
             TypeError, "labels")  # fmt: skip


def test_grad_cam_refuses_a_wrong_number_of_labels():
    model = tiny_zfnet()
    _refused(model, lambda: grad_cam(model, torch.rand(2, 3, SIZE, SIZE), labels=[1]),
             ValueError, "labels")  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "kind", "name"),
    [
        ({"top": 1.5}, TypeError, "top"),
        ({"top": True}, TypeError, "top"),
        ({"top": 0}, ValueError, "top"),
    ],
)
def test_project_checks_top(kwargs, kind, name):
    model = tiny_zfnet()
    _refused(model, lambda: project(model, torch.rand(1, 3, SIZE, SIZE), 2, **kwargs), kind, name)


@pytest.mark.parametrize("channels", [[1.5], [True], [-1]])
def test_project_maps_checks_channels(channels):
    model = tiny_zfnet()
    kind = ValueError if channels == [-1] else TypeError
    _refused(model, lambda: project_maps(model, torch.rand(1, 3, SIZE, SIZE), 2, channels),
             kind, "channels")  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "kind", "name"),
    [
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 2.0}, TypeError, "batch_size"),
        ({"grid": 0}, ValueError, "grid"),
        ({"grid": 1.5}, TypeError, "grid"),
        ({"layers": []}, ValueError, "layer"),
        ({"layers": "pool5"}, TypeError, "layers"),
    ],
)
def test_extract_features_checks_its_numbers(kwargs, kind, name):
    model = tiny_zfnet()
    args = {"layers": [5], "progress": False, **kwargs}
    _refused(model, lambda: extract_features(model, torch.rand(2, 3, SIZE, SIZE), None, **args),
             kind, name)  # fmt: skip


@pytest.mark.parametrize("k", [0, -3, 1.5, True, "9"])
def test_top_activations_checks_k(k):
    model = tiny_zfnet()
    kind = ValueError if isinstance(k, int) and not isinstance(k, bool) else TypeError
    _refused(model, lambda: top_activations(model, torch.rand(2, 3, SIZE, SIZE), 3, k=k,
                                            progress=False), kind, "k")  # fmt: skip


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, True])
def test_layer_features_checks_batch_size(batch_size):
    model = tiny_zfnet()
    kind = ValueError if isinstance(batch_size, int) and not isinstance(batch_size, bool) else (
        TypeError)  # fmt: skip
    _refused(model, lambda: layer_features(model, torch.rand(2, 3, SIZE, SIZE), 5, batch_size),
             kind, "batch_size")  # fmt: skip


# --- NaN in, no number out ----------------------------------------------------------------------


@FEW
@given(
    bad=st.sampled_from([float("nan"), float("inf"), -float("inf")]),
    where=st.integers(0, 5),
)
def test_delta_and_hamming_refuse_non_finite_changes(bad, where):
    eps = np.ones((2, 3))
    eps.flat[where] = bad
    with pytest.raises(ValueError, match="eps must be finite"):
        delta(eps)
    with pytest.raises(ValueError, match="a must be finite"):
        hamming(eps.ravel(), np.ones(6))


def test_mask_delta_of_a_nan_image_is_refused():
    model = tiny_zfnet()
    _refused(model, lambda: mask_delta(model, _NAN, part_mask(SIZE, (32, 32), 8)), ValueError,
             "images", "finite")  # fmt: skip


# --- layers: one addressing, errors list the names ----------------------------------------------


@pytest.mark.parametrize("layer", ["conv9", 9, "features.conv9", "", 3.0, None, True])
def test_unknown_layers_list_the_valid_names(layer):
    model = tiny_zfnet()
    kind = TypeError if isinstance(layer, float | bool) or layer is None else LayerError
    x = torch.rand(1, 3, SIZE, SIZE)
    calls = [
        lambda: project(model, x, layer),
        lambda: grad_cam(model, x, layer=layer),
        lambda: layer_features(model, x, layer),
        lambda: extract_features(model, x, None, [layer], progress=False),
    ]
    if layer is not None:  # None is the default layer of occlusion and grad_cam
        calls.append(lambda: occlusion(model, x[0], 0, 16, 16, layer=layer))
    else:
        calls.remove(calls[1])
    for call in calls:
        message = _refused(model, call, kind)
        assert "conv1" in message and "pool5" in message, message


def test_a_layer_error_is_a_key_error_and_a_value_error():
    with pytest.raises(KeyError):
        find_layer(tiny_zfnet(), "conv9")
    with pytest.raises(ValueError):
        find_layer(tiny_zfnet(), "conv9")


def test_one_name_for_a_layer_on_torchvision_models(alexnet):
    assert find_layer(alexnet, "features.12")[1] is alexnet.features[12]
    assert find_layer(alexnet, "12")[1] is alexnet.features[12]
    assert find_layer(alexnet, 12)[1] is alexnet.features[12]
    assert resolve_layer(alexnet, "features.12") == resolve_layer(alexnet, 12) == "12"
    message = str(pytest.raises(LayerError, find_layer, alexnet, "features.99").value)
    assert "features.12" in message and "classifier.6" in message


def test_on_a_convnet_paper_numbers_and_module_names_agree():
    model = tiny_zfnet()
    assert find_layer(model, 5) == find_layer(model, "pool5") == find_layer(model, "features.pool5")
    assert resolve_layer(model, 5) == resolve_layer(model, "features.pool5") == "pool5"


def test_the_documented_occlusion_call_works(alexnet):
    maps = occlusion(alexnet, torch.rand(3, 112, 112), 3, 112, 112, layer="features.12")
    assert maps.layer == "features.12" and maps.projection.shape == (3, 112, 112)


# --- any CNN: ResNet, BatchNorm, torchvision names ----------------------------------------------


def test_grad_cam_and_occlusion_on_a_resnet(resnet):
    resnet.train()
    before = _snapshot(resnet)
    x = torch.rand(2, 3, 64, 64)
    cam = grad_cam(resnet, x, labels=[0, 3])
    assert cam.layer == "layer4" and cam.maps.shape == (2, 64, 64)
    assert grad_cam(resnet, x, layer="layer3.1").coarse.shape == (2, 4, 4)
    maps = occlusion(resnet, x[0], 1, 32, 32, layer="layer2")
    assert maps.feature.shape == (2, 2) and maps.projection is None
    _assert_same(before, _snapshot(resnet))


def test_grad_cam_on_a_batchnorm_vgg():
    torch.manual_seed(0)
    vgg = torchvision.models.vgg11_bn(weights=None, num_classes=3)
    assert grad_cam(vgg, torch.rand(1, 3, 64, 64)).maps.shape == (1, 64, 64)


def test_feature_extraction_on_torchvision_alexnet(alexnet):
    alexnet.train()
    before = _snapshot(alexnet)
    x = torch.rand(2, 3, 64, 64)
    f = extract_features(alexnet, x, None, ["features.12", "classifier.4"], progress=False)
    assert f["features.12"].shape == (2, 256) and f["classifier.4"].shape == (2, 4096)
    assert layer_features(alexnet, x, "classifier.6").shape == (2, 6)
    _assert_same(before, _snapshot(alexnet))


def test_the_deconvnet_refuses_a_resnet_clearly(resnet):
    message = _refused(resnet, lambda: project(resnet, torch.rand(1, 3, 64, 64), "layer4"),
                       TypeError)  # fmt: skip
    assert "not supported by the deconvnet" in message or "features" in message


# --- weights files ------------------------------------------------------------------------------


def _truncated(path):
    torch.save(torchvision.models.alexnet(weights=None).state_dict(), path)
    with open(path, "r+b") as f:
        f.truncate(4096)


@pytest.mark.parametrize(
    "write",
    [
        lambda p: p.write_bytes(b"garbage " * 100),
        lambda p: p.write_bytes(b""),
        _truncated,
        lambda p: torch.save(nn.Linear(2, 2), p),  # a whole model: objects, not tensors
        lambda p: torch.save([torch.zeros(2)], p),  # tensors, but not a state dict
        lambda p: torch.save(nn.Linear(2, 2).state_dict(), p),  # another model's state dict
    ],
    ids=["garbage", "empty", "truncated", "pickled model", "list", "other model"],
)
def test_a_bad_weights_file_is_a_clear_zfviz_error_that_never_advises_unsafe_loading(
    write, tmp_path
):
    import traceback

    path = tmp_path / "weights.pth"
    write(path)
    with pytest.raises(WeightsFileError) as failure:
        load_pretrained("torchvision_alexnet", weights_path=path)
    assert isinstance(failure.value, ValueError)
    assert "weights_path" in str(failure.value)
    shown = "".join(traceback.format_exception(failure.value))
    assert "weights_only=False" not in shown


def test_a_missing_weights_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="weights_path"):
        load_pretrained("torchvision_alexnet", weights_path=tmp_path / "nothing.pth")


def test_a_corrupt_checkpoint_never_advises_unsafe_loading(tmp_path):
    import traceback

    from zfviz.core.checkpoints import CheckpointError, load_checkpoint

    path = tmp_path / "c.pt"
    torch.save(nn.Linear(2, 2), path)
    with pytest.raises(CheckpointError, match="corrupt") as failure:
        load_checkpoint(str(path), {})
    assert "weights_only=False" not in "".join(traceback.format_exception(failure.value))


def test_argument_type_errors_are_still_value_errors():
    # existing callers catch ValueError for a wrong kind of input: they keep working
    with pytest.raises(ValueError):
        project(tiny_zfnet(), [[0.0]], 1)
    assert issubclass(ArgumentTypeError, TypeError)


def test_inside_box_refuses_nan_maps():
    from zfviz.methods.gradcam import inside_box

    with pytest.raises(ValueError, match="maps and boxes must be finite"):
        inside_box(torch.full((1, 4, 4), float("nan")), [[0, 0, 2, 2]])


@pytest.mark.parametrize("label", [1.5, True, "2"])
def test_true_label_probability_refuses_a_label_that_is_not_an_integer(label):
    from zfviz.methods.invariance import true_label_probability

    model = tiny_zfnet()
    _refused(model, lambda: true_label_probability(model, torch.rand(1, 3, SIZE, SIZE), label),
             TypeError, "label")  # fmt: skip


def test_layers_followed_by_an_in_place_step_give_their_own_output(alexnet):
    # torchvision's AlexNet runs ReLU(inplace=True) after each conv: the conv's output must be
    # read before the ReLU overwrites it
    import copy

    alexnet.eval()
    x = torch.rand(2, 3, 64, 64)
    plain = copy.deepcopy(alexnet)
    for m in plain.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False
    with torch.no_grad():
        conv = plain.features[:11](x)
    assert (conv < 0).any()
    torch.testing.assert_close(layer_features(alexnet, x, "features.10"), conv.flatten(1))
    ours, theirs = grad_cam(alexnet, x, labels=[0, 1], layer="10"), grad_cam(plain, x, [0, 1], "10")
    torch.testing.assert_close(ours.coarse, theirs.coarse)
    eps = epsilon(alexnet.double(), x.double(), torch.zeros_like(x).double(), "features.10")
    alexnet.float()
    with torch.no_grad():
        zero = plain.double().features[:11](torch.zeros_like(x).double())
    torch.testing.assert_close(torch.from_numpy(eps), (conv.double() - zero).flatten(1),
                               atol=1e-4, rtol=1e-4)  # fmt: skip


@pytest.mark.parametrize("model", [None, "alexnet", lambda x: x])
def test_something_that_is_not_a_model_is_refused(model):
    x = torch.rand(1, 3, SIZE, SIZE)
    for call in (
        lambda: project(model, x, 1),
        lambda: occlusion(model, x[0], 0, 16, 16),
        lambda: grad_cam(model, x),
        lambda: extract_features(model, x, None, [5], progress=False),
        lambda: layer_features(model, x, 5),
        lambda: epsilon(model, x, x, 5),
    ):
        with pytest.raises(TypeError, match="model"):
            call()
