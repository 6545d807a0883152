import numpy as np
import pytest
import torch
from torch import nn

from zfviz.methods.evolution import evolution, projection_change, strongest
from zfviz.methods.mining import project_top, top_activations


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


# ---- the claims of Sec. 4.1 ---------------------------------------------------------------

from zfviz.methods.evolution import (  # noqa: E402
    Evolution,
    claim_layer1_changes_least,
    claim_lower_layers_settle_first,
)
from zfviz.nets.models import zfnet  # noqa: E402


def _evolution_with(change_per_layer: dict[int, list[float]]) -> Evolution:
    change = {k: np.array(v)[:, None].repeat(4, axis=1) for k, v in change_per_layer.items()}
    same = {k: np.zeros_like(v, dtype=bool) for k, v in change.items()}
    epochs = list(range(1, len(next(iter(change_per_layer.values()))) + 2))
    return Evolution(epochs, list(change), {}, change, same)


def test_changes_that_grow_with_depth_satisfy_both_claims():
    evo = _evolution_with({k: [0.9, 0.1 * k] for k in range(1, 6)})
    assert claim_layer1_changes_least(evo).holds
    lower = claim_lower_layers_settle_first(evo)
    assert lower.holds and lower.margin == pytest.approx(0.1)


def test_upper_layers_that_settle_first_fail_both_claims():
    evo = _evolution_with({k: [0.9, 0.6 - 0.1 * k] for k in range(1, 6)})
    assert not claim_layer1_changes_least(evo).holds
    assert not claim_lower_layers_settle_first(evo).holds


def test_a_network_that_never_trains_shows_no_ordering():
    # Negative control: every snapshot is the same random-initialised network, so no layer
    # changes and neither claim can hold (a tie is not a lead).
    torch.manual_seed(0)
    net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=16).eval()
    evo = evolution({1: net, 2: net, 3: net}, torch.randn(6, 3, 64, 64), [1, 2, 3, 4, 5], False)
    assert not claim_layer1_changes_least(evo).holds
    assert not claim_lower_layers_settle_first(evo).holds


def test_a_claim_on_layers_that_were_not_measured_is_a_clear_error():
    evo = _evolution_with({1: [0.5], 2: [0.6]})
    with pytest.raises(ValueError, match=r"lacks \[3, 4, 5\]"):
        claim_lower_layers_settle_first(evo)
