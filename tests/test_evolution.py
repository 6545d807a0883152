import numpy as np
import pytest
import torch
from torch import nn

from zfviz.evolution import evolution, projection_change, strongest
from zfviz.mining import project_top, top_activations


def _net(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 5, 3))


def _images() -> torch.Tensor:
    return torch.randn(6, 3, 12, 12, generator=torch.Generator().manual_seed(0))


def test_projection_change_is_zero_for_the_same_picture_at_another_brightness():
    p = torch.rand(3, 3, 5, 5)
    np.testing.assert_allclose(projection_change(p, 0.5 * p), 0.0, atol=1e-12)


def test_projection_change_is_one_for_pictures_with_nothing_in_common():
    a, b = torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4)
    a[0, 0, 0, 0], b[0, 0, 3, 3] = 1.0, 1.0
    assert projection_change(a, b).tolist() == [1.0]


def test_projection_change_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"same shape \(C, 3, H, W\)"):
        projection_change(torch.zeros(2, 3, 4, 4), torch.zeros(3, 3, 4, 4))


def test_strongest_projects_the_top_one_activation_of_every_map():
    net, x = _net(0), _images()
    found = strongest(net, x, "3")
    top = top_activations(net, x, "3", k=1, progress=False)
    torch.testing.assert_close(found.top.values, top.values)
    torch.testing.assert_close(found.projections, project_top(net, x, top, range(5))[:, 0])


def test_identical_snapshots_show_no_change_and_the_same_images():
    evo = evolution({1: _net(0), 2: _net(0)}, _images(), ["1", "3"], progress=False)
    for layer in ["1", "3"]:
        np.testing.assert_allclose(evo.change[layer], 0.0, atol=1e-9)
        assert evo.same_image[layer].all()


def test_change_has_one_row_per_interval_between_snapshots_in_epoch_order():
    nets = {5: _net(2), 1: _net(0), 2: _net(1)}
    evo = evolution(nets, _images(), ["3"], progress=False)
    assert evo.epochs == [1, 2, 5] and evo.change["3"].shape == (2, 5)
    expected = projection_change(
        evo.strongest[2, "3"].projections, evo.strongest[5, "3"].projections
    )
    np.testing.assert_allclose(evo.change["3"][1], expected)


def test_a_single_snapshot_is_rejected():
    with pytest.raises(ValueError, match="at least two snapshots"):
        evolution({1: _net(0)}, _images(), ["1"], progress=False)
