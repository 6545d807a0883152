"""zfviz.book.diagrams: Fig. 1 drawn from the model spec, unpooling checked against a loop."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from zfviz.book.diagrams import deconvnet_diagram, layer_boxes, unpooling_example  # noqa: E402
from zfviz.book.plotting import MIN_PANEL, panel_widths  # noqa: E402
from zfviz.nets.models import feature_sizes, zfnet_spec  # noqa: E402


def test_the_boxes_carry_the_specs_kernel_stride_maps_and_sizes():
    spec = zfnet_spec(input_size=96, width=0.25)
    up, down = layer_boxes(spec, 1)
    sizes = feature_sizes(spec)
    assert up[0] == "layer below: pooled maps 3 x 96 x 96"
    assert "7x7, stride 2, 24 maps" in up[1]
    assert up[-1] == "pooled maps {} x {} x {}".format(*sizes["pool1"])
    assert down[-1] == "reconstruction 3 x 96 x 96"


def test_a_layer_without_a_pool_is_refused_naming_the_layers_that_have_one():
    with pytest.raises(ValueError, match=r"no max-pool.*\[1, 2, 5\]"):
        layer_boxes(zfnet_spec(), 3)


def test_an_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="layer must be one of"):
        layer_boxes(zfnet_spec(), 9)


def test_the_unpooling_example_matches_a_plain_loop_over_the_windows():
    ex = unpooling_example(seed=3)
    expected = np.zeros((6, 6))
    for i in range(3):
        for j in range(3):
            window = ex["map"][2 * i : 2 * i + 3, 2 * j : 2 * j + 3]  # ceil mode: last is 2x2
            r, c = np.unravel_index(np.argmax(window), window.shape)  # first maximum, as torch
            assert window[r, c] == ex["pooled"][i, j]
            expected[2 * i + r, 2 * j + c] += ex["pooled"][i, j]
    assert np.array_equal(ex["unpooled"], expected)


def test_every_panel_of_the_figure_is_wide_enough_to_read():
    fig = deconvnet_diagram(zfnet_spec(), 2)
    try:
        assert len(fig.axes) == 4
        assert min(panel_widths(fig)) >= MIN_PANEL * fig.dpi
    finally:
        plt.close(fig)
