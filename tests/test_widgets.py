import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from zfviz.book.plotting import mosaic, top_panel
from zfviz.book.widgets import encode_image, static_slider


def _frames(*sizes: int) -> dict:
    grid = np.indices(sizes).reshape(len(sizes), -1).T
    return {tuple(int(i) for i in k): f"data:,{'-'.join(map(str, k))}" for k in grid}


def test_static_slider_embeds_every_frame_and_one_range_input_per_axis():
    page = static_slider({"size": [8, 16, 32], "stride": [2, 4]}, _frames(3, 2))
    assert page.count('type="range"') == 2
    assert all(f'"{a},{b}": "data:,{a}-{b}"' in page for a in range(3) for b in range(2))
    assert 'max="2"' in page and 'max="1"' in page


def test_static_slider_labels_show_the_axis_values():
    page = static_slider({"layer": ["conv1", "conv5"]}, _frames(2))
    assert '"layer = conv1", "layer = conv5"' in page


def test_static_slider_is_the_same_page_for_the_same_content():
    first = static_slider({"n": [1, 2]}, _frames(2))
    assert first == static_slider({"n": [1, 2]}, _frames(2))
    ids = re.findall(r'id="(zfviz-[0-9a-f]+)"', first)
    assert (
        len(ids) == 1
        and ids[0]
        != re.findall(r'id="(zfviz-[0-9a-f]+)"', static_slider({"n": [1, 3]}, _frames(2)))[0]
    )


def test_static_slider_rejects_a_missing_frame_naming_it():
    frames = _frames(2, 2)
    del frames[(1, 0)]
    with pytest.raises(ValueError, match=r"missing for 1 combinations, e.g. \(1, 0\)"):
        static_slider({"a": [0, 1], "b": [0, 1]}, frames)


def test_encode_image_accepts_floats_uint8_and_figures():
    assert encode_image(np.ones((3, 3, 3))).startswith("data:image/jpeg;base64,")
    assert encode_image(np.zeros((3, 3, 3), np.uint8)).startswith("data:image/jpeg;base64,")
    fig = plt.figure(figsize=(1, 1))
    assert encode_image(fig).startswith("data:image/png;base64,")
    plt.close(fig)


def test_encode_image_rejects_a_grey_image_saying_what_was_expected():
    with pytest.raises(ValueError, match=r"expected an image of shape \(H, W, 3\)"):
        encode_image(np.zeros((4, 4)))


def test_mosaic_places_images_row_by_row_with_gaps():
    images = np.arange(4, dtype=np.float32).reshape(4, 1, 1, 1) * np.ones((4, 2, 2, 3))
    tiled = mosaic(images, ncols=2, gap=1, fill=-1.0)
    assert tiled.shape == (5, 5, 3)
    assert tiled[0, 0, 0] == 0 and tiled[0, 3, 0] == 1 and tiled[3, 0, 0] == 2
    assert tiled[4, 4, 0] == 3 and tiled[2, 2, 0] == -1


def test_top_panel_puts_projections_left_and_patches_right():
    panel = top_panel(np.zeros((9, 4, 4, 3)), np.full((9, 4, 4, 3), 255, np.uint8))
    assert panel[0, 0, 0] == 0.0 and panel[0, -1, 0] == 1.0
