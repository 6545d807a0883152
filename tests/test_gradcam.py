"""Grad-CAM: the class's gradient-weighted maps, checked by hand; the model comes back unchanged."""

from collections import OrderedDict

import numpy as np
import pytest
import torch
from tiny import tiny_zfnet
from torch import nn

from zfviz.methods.gradcam import grad_cam, inside_box


class Tiny(nn.Module):
    """A 1x1 convolution (2 maps), a ReLU and a linear classifier over a 2x2 image."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict(conv1=nn.Conv2d(1, 2, 1), relu1=nn.ReLU()))
        self.classifier = nn.Linear(8, 3)
        with torch.no_grad():
            self.features.conv1.weight.copy_(torch.tensor([1.0, -2.0]).view(2, 1, 1, 1))
            self.features.conv1.bias.copy_(torch.tensor([0.0, 1.0]))
            self.classifier.weight.copy_(torch.arange(24.0).view(3, 8) - 10.0)
            self.classifier.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


def test_equals_the_hand_computed_map():
    model = Tiny()
    x = torch.tensor([[[[1.0, -1.0], [0.5, 2.0]]]])
    # by hand: A_0 = relu(x), A_1 = relu(1 - 2x); dy_c/dA = classifier row c as (2, 2, 2)
    a = torch.stack([x[0, 0].clamp(min=0), (1 - 2 * x[0, 0]).clamp(min=0)])
    c = 1
    alpha = (torch.arange(24.0).view(3, 8) - 10.0)[c].view(2, 2, 2).mean(dim=(1, 2))
    expected = (alpha[0] * a[0] + alpha[1] * a[1]).clamp(min=0)
    cam = grad_cam(model, x, labels=[c])
    assert cam.layer == "relu1"
    assert torch.allclose(cam.weights[0], alpha)
    assert torch.allclose(cam.coarse[0], expected)
    assert torch.allclose(cam.maps[0], expected)  # same size: upsampling changes nothing
    assert torch.allclose(cam.scores, model(x)[:, c])


def test_the_relu_drops_places_that_argue_against_the_class():
    model = Tiny()
    x = torch.tensor([[[[1.0, -1.0], [0.5, 2.0]]]])
    cam = grad_cam(model, x, labels=[0])  # class 0's weights are all negative
    assert float(cam.coarse.max()) == 0.0 and float(cam.normalised().max()) == 0.0


def test_default_label_is_the_predicted_class():
    torch.manual_seed(0)
    model = tiny_zfnet().eval()
    x = torch.randn(3, 3, 64, 64)
    cam = grad_cam(model, x)
    assert cam.labels.tolist() == model(x).argmax(1).tolist()


def test_maps_depend_on_the_class_asked_for():
    torch.manual_seed(0)
    model = tiny_zfnet()
    x = torch.randn(1, 3, 64, 64)
    a, b = grad_cam(model, x, labels=[0]), grad_cam(model, x, labels=[1])
    assert not torch.allclose(a.weights, b.weights)


def test_maps_have_the_image_size_and_normalise_to_one():
    torch.manual_seed(0)
    model = tiny_zfnet()
    cam = grad_cam(model, torch.randn(2, 3, 64, 64), labels=[0, 0], layer=3)
    assert cam.layer == "relu3" and cam.maps.shape == (2, 64, 64)
    assert (cam.maps >= 0).all()
    peaks = cam.normalised().flatten(1).amax(1)
    assert all(float(p) in (0.0, 1.0) for p in peaks)


def _snapshot(model):
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    return (
        weights,
        [m.training for m in model.modules()],
        [p.requires_grad for p in model.parameters()],
    )


def _hooks(model):
    return sum(len(m._forward_hooks) + len(m._backward_hooks) for m in model.modules())


@pytest.mark.parametrize("labels", [[0, 1], [0, 9]])  # fine, and out of range (it raises)
def test_model_comes_back_unchanged(labels):
    torch.manual_seed(0)
    model = tiny_zfnet().train()
    model.classifier.fc8.weight.requires_grad_(False)  # a flag the caller set must survive
    before, hooks = _snapshot(model), _hooks(model)
    if labels == [0, 9]:
        with pytest.raises(ValueError):
            grad_cam(model, torch.randn(2, 3, 64, 64), labels=labels)
    else:
        grad_cam(model, torch.randn(2, 3, 64, 64), labels=labels)
    after = _snapshot(model)
    assert all(torch.equal(before[0][k], after[0][k]) for k in before[0])
    assert before[1:] == after[1:] and _hooks(model) == hooks
    assert all(p.grad is None for p in model.parameters())


def test_bad_input_says_what_was_expected():
    model = Tiny()
    x = torch.zeros(1, 1, 2, 2)
    with pytest.raises(ValueError, match="expected 1 labels"):
        grad_cam(model, x, labels=[0, 1])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        grad_cam(model, x, labels=[3])
    with pytest.raises(ValueError, match="shape"):
        grad_cam(model, torch.zeros(2, 2))
    with pytest.raises(ValueError, match="floating-point"):
        grad_cam(model, torch.zeros(1, 1, 2, 2, dtype=torch.long))
    with pytest.raises(KeyError, match="unknown layer"):
        grad_cam(model, x, layer="conv9")


def test_inside_box_scores_peak_share_and_chance():
    maps = torch.zeros(2, 4, 4)
    maps[0, 0, 0], maps[0, 3, 3] = 1.0, 3.0  # peak outside the box [0, 2) x [0, 2)
    scores = inside_box(maps, [[0, 0, 2, 2], [0, 0, 4, 4]])
    assert scores["pointing"][0] == 0.0 and scores["inside_share"][0] == 0.25
    assert scores["box_share"].tolist() == [0.25, 1.0]
    assert np.isnan(scores["pointing"][1]) and np.isnan(scores["inside_share"][1])  # all zero


def test_inside_box_refuses_signed_maps_and_mismatched_boxes():
    with pytest.raises(ValueError, match=">= 0"):
        inside_box(-torch.ones(1, 2, 2), [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="boxes"):
        inside_box(torch.ones(2, 2, 2), [[0, 0, 1, 1]])
