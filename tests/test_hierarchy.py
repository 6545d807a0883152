"""Fig. 2's hierarchy and grass feature as verdicts (zfviz.methods.hierarchy)."""

import numpy as np
import torch
from tiny import tiny_zfnet

from zfviz.methods.hierarchy import (
    claim_grass_map,
    claim_parts_grow_with_depth,
    claim_windows_on_object,
    grass_preference,
)


def _rows(top9: list, random: list, parts: list) -> list[dict]:
    return [
        {"layer": k + 1, "window on the object (top-9)": t, "window on the object (random)": r,
         "parts in the projection": p}
        for k, (t, r, p) in enumerate(zip(top9, random, parts, strict=True))
    ]  # fmt: skip


def test_windows_chosen_like_random_ones_fail_the_window_claim():
    rows = _rows([0.6] * 5, [0.6] * 5, [1, 2, 3, 3, 3])
    assert not claim_windows_on_object(rows).holds
    rows[0]["window on the object (top-9)"] = 0.7
    assert not claim_windows_on_object(rows).holds  # one layer is not every layer
    assert claim_windows_on_object(_rows([0.7] * 5, [0.6] * 5, [1] * 5)).holds


def test_parts_that_do_not_grow_past_layer_2_fail_the_hierarchy_claim():
    assert claim_parts_grow_with_depth(_rows([1] * 5, [0] * 5, [1.0, 1.5, 2.0, 2.5, 2.4])).holds
    assert not claim_parts_grow_with_depth(_rows([1] * 5, [0] * 5, [1.0, 2.5, 2.0, 2.6, 2.7])).holds


def _images(n: int = 40, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = 0.1 * torch.randn(n, 3, 64, 64, generator=g)
    grass = np.arange(n) % 5 == 0  # a fifth of the images
    return x, grass


def test_a_map_that_fires_on_the_grass_images_passes_held_out():
    torch.manual_seed(0)
    net = tiny_zfnet().eval()
    x, grass = _images()
    x[grass] += 3.0  # the "grass" images are the bright ones: some layer-5 map follows
    found = grass_preference(net, x, grass.astype(int), grass=1, k=3)
    assert found["held-out share"] == 1.0 and claim_grass_map(found).holds


def test_backgrounds_unrelated_to_the_images_fail_held_out():
    # Negative control: the labels are shuffled relative to what the network sees.
    torch.manual_seed(0)
    net = tiny_zfnet().eval()
    x, grass = _images()
    x[grass] += 3.0
    shuffled = np.random.default_rng(1).permutation(grass.astype(int))
    found = grass_preference(net, x, shuffled, grass=1, k=3)
    assert not claim_grass_map(found).holds
