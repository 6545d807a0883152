import numpy as np
import pytest
import torch
import torch.nn.functional as F
from tiny import tiny_zfnet
from torch import nn

from zfviz.methods.deconvnet import activations
from zfviz.methods.occlusion import (
    OcclusionMaps,
    drop_inside_box,
    occlude,
    occluder_positions,
    occlusion,
    pixel_drop,
)


def _image(seed: int = 1) -> torch.Tensor:
    return torch.randn(3, 64, 64, generator=torch.Generator().manual_seed(seed))


def _one_at_a_time(model, image, label, size, stride, channel, fill=0.0):
    """The paper's procedure written as plainly as possible: one occluded image at a time."""
    rows = occluder_positions(image.shape[1], size, stride)
    cols = occluder_positions(image.shape[2], size, stride)
    prob, feature, predicted = [], [], []
    with torch.no_grad():
        for r in rows:
            for c in cols:
                x = image.clone()
                x[:, r : r + size, c : c + size] = fill
                p = F.softmax(model(x[None]), dim=1)[0]
                prob.append(float(p[label]))
                predicted.append(int(p.argmax()))
                feature.append(float(activations(model, x[None], "pool5")[0, channel].sum()))
    shape = (len(rows), len(cols))
    return (torch.tensor(prob).view(shape), torch.tensor(feature).view(shape),
            torch.tensor(predicted).view(shape))  # fmt: skip


@pytest.mark.parametrize("batch_size", [1, 7, 64])
def test_batched_maps_equal_a_one_at_a_time_loop(batch_size):
    model, image = tiny_zfnet().eval(), _image()
    maps = occlusion(model, image, label=2, size=16, stride=12, batch_size=batch_size)
    prob, feature, predicted = _one_at_a_time(model, image, 2, 16, 12, maps.channel)
    torch.testing.assert_close(maps.probability, prob, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(maps.feature, feature, rtol=1e-4, atol=1e-4)
    assert torch.equal(maps.predicted, predicted)


def test_the_tracked_map_is_the_strongest_on_the_clean_image():
    model, image = tiny_zfnet().eval(), _image()
    maps = occlusion(model, image, label=0, size=32, stride=32, with_projection=False)
    totals = activations(model, image[None], "pool5")[0].flatten(1).sum(1)
    assert maps.channel == int(totals.argmax())
    assert maps.clean_feature == pytest.approx(float(totals.max()), rel=1e-5)
    with torch.no_grad():
        clean = F.softmax(model(image[None]), dim=1)[0]
    assert maps.clean_probability == pytest.approx(float(clean[0]), rel=1e-5)


def test_a_chosen_channel_is_tracked_instead():
    maps = occlusion(tiny_zfnet().eval(), _image(), label=0, size=32, stride=32, channel=3)
    assert maps.channel == 3


def test_the_projection_is_of_the_tracked_map_on_the_clean_image():
    maps = occlusion(tiny_zfnet().eval(), _image(), label=0, size=32, stride=32)
    assert maps.projection is not None and maps.projection.shape == (3, 64, 64)
    assert maps.projection.abs().sum() > 0


def test_positions_reach_the_far_edge_even_when_the_stride_does_not_land_on_it():
    assert occluder_positions(64, 16, 20) == [0, 20, 40, 48]
    assert occluder_positions(64, 64, 5) == [0]


def test_occlude_sets_only_the_square_to_the_fill_value():
    image = torch.ones(3, 6, 6)
    batch = occlude(image, [(1, 2)], size=3, fill=-0.5)
    inside = torch.zeros(6, 6, dtype=torch.bool)
    inside[1:4, 2:5] = True
    assert (batch[0][:, inside] == -0.5).all() and (batch[0][:, ~inside] == 1).all()
    assert (image == 1).all()  # the caller's image is not touched


def test_any_classifier_and_a_module_name_work_without_projection():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                        nn.Flatten(), nn.Linear(4, 3))  # fmt: skip
    maps = occlusion(net, torch.randn(3, 12, 12), label=1, size=4, stride=4, layer="1",
                     with_projection=False)  # fmt: skip
    assert maps.probability.shape == (3, 3) and maps.projection is None and maps.layer == "1"


def test_pixel_drop_equals_captum_occlusion_with_probabilities():
    captum = pytest.importorskip("captum.attr")
    model, image = tiny_zfnet().eval(), _image()
    maps = occlusion(model, image, label=3, size=16, stride=8, with_projection=False)

    def probability(x):
        return F.softmax(model(x), dim=1)

    expected = captum.Occlusion(probability).attribute(
        image[None], sliding_window_shapes=(3, 16, 16), strides=(3, 8, 8), target=3,
        baselines=0.0,
    )[0]  # fmt: skip
    got = pixel_drop(maps, 64, 64)
    torch.testing.assert_close(got.float(), expected[0], rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(expected[0], expected[2])  # the same for every colour channel


def test_drop_inside_box_on_a_hand_made_case():
    prob = torch.tensor([[1.0, 0.6], [0.9, 1.0]])  # drops 0.4 (inside) and 0.1 (outside)
    maps = OcclusionMaps(torch.zeros(2, 2), prob, torch.zeros(2, 2, dtype=torch.long),
                         [0, 4], [0, 4], 4, 4, 0.0, "pool5", 0, 0, 0.0, 1.0, 0)  # fmt: skip
    scores = drop_inside_box(maps, (4, 0, 8, 4))  # x 4..8, y 0..4: the top-right position
    assert scores == {"pointing": 1.0, "inside_share": pytest.approx(0.8),
                      "chance_share": 0.25, "largest_drop": pytest.approx(0.4)}  # fmt: skip


def test_no_drop_anywhere_gives_nan_shares():
    maps = OcclusionMaps(torch.zeros(1, 1), torch.ones(1, 1), torch.zeros(1, 1, dtype=torch.long),
                         [0], [0], 4, 4, 0.0, "pool5", 0, 0, 0.0, 1.0, 0)  # fmt: skip
    scores = drop_inside_box(maps, (0, 0, 4, 4))
    assert np.isnan(scores["pointing"]) and np.isnan(scores["inside_share"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": 65, "stride": 8}, "does not fit in a 64x64 image"),
        ({"size": 8, "stride": 0}, "stride must be a positive integer"),
        ({"size": 0, "stride": 8}, "size must be a positive integer"),
        ({"size": 8, "stride": 8, "label": 5}, "label 5 is not a class"),
        ({"size": 8, "stride": 8, "layer": "conv9"}, "unknown layer"),
        ({"size": 8, "stride": 8, "channel": 999}, "channel 999 does not exist"),
    ],
)
def test_bad_occluders_labels_and_layers_are_clear_errors(kwargs, message):
    args = {"label": 0, **kwargs}
    with pytest.raises((ValueError, KeyError), match=message):
        occlusion(tiny_zfnet().eval(), _image(), **args)


@pytest.mark.parametrize("image", [torch.zeros(64, 64), torch.zeros(1, 3, 64, 64),
                                   torch.zeros(3, 64, 64, dtype=torch.uint8)])  # fmt: skip
def test_images_of_the_wrong_shape_or_type_are_rejected(image):
    with pytest.raises(ValueError, match="expected"):
        occlusion(tiny_zfnet().eval(), image, label=0, size=8, stride=8)


def test_the_model_comes_back_unchanged_even_after_an_error():
    model = tiny_zfnet().eval().train()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    occlusion(model, _image(), label=0, size=32, stride=32)
    with pytest.raises(ValueError):
        occlusion(model, _image(), label=99, size=32, stride=32)
    assert all(m.training for m in model.modules())
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    assert all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())


def test_the_figure_has_the_papers_five_panels_and_names_the_classes_it_shows():
    import matplotlib.pyplot as plt

    from zfviz.book.plotting import occlusion_figure

    maps = occlusion(tiny_zfnet().eval(), _image(), label=1, size=16, stride=16)
    names = ["a", "b", "c", "d", "e"]
    fig = occlusion_figure(maps, np.zeros((64, 64, 3), np.uint8), names)
    titles = [ax.get_title() for ax in fig.axes]
    assert [t[:3] for t in titles if t.startswith("(")] == ["(a)", "(b)", "(c)", "(d)", "(e)"]
    shown = {names[c] for c in maps.predicted.flatten().tolist()}
    labels = {t.get_text() for t in fig.axes[-1].get_yticklabels()}
    assert shown == labels
    plt.close(fig)
