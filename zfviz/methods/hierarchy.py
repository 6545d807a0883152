"""Fig. 2 read in numbers: the hierarchy of the top-9 projections and the grass feature.

The visualization chapter mines each layer's strongest activations
(:func:`zfviz.methods.mining.top_activations`); this module measures what the paper reads off the
panels, with the world's annotations, and judges it:

* :func:`measure_hierarchy`: per layer, how much the top-9 windows sit on the object against
  windows at random positions of random images (:func:`random_positions`), and how many object
  parts each projection spreads over; :func:`claim_windows_on_object`,
  :func:`claim_parts_grow_with_depth`.
* :func:`grass_preference`: a layer-5 map that prefers grass images, selected on one half of
  the images and measured on the other (:func:`claim_grass_map`). Selecting the grassiest map
  and measuring it on the same top 9 would be implied by the selection, so it could not fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from zfviz.core.claims import Verdict, all_of, at_least
from zfviz.methods.deconvnet import activations, resolve_layer
from zfviz.methods.mining import (
    TopActivations,
    patch_coverage,
    project_top,
    projection_parts,
    top_activations,
)
from zfviz.nets.receptive_field import receptive_fields

__all__ = [
    "random_positions",
    "measure_hierarchy",
    "claim_windows_on_object",
    "claim_parts_grow_with_depth",
    "grass_preference",
    "claim_grass_map",
    "grass_maps",
]


def random_positions(
    top: TopActivations, map_shape: tuple[int, int], seed: int = 0
) -> TopActivations:
    """As many activations as ``top`` holds, at random positions of random images (the chance
    level of where a window falls); ``map_shape``: the layer's ``(H, W)``."""
    g = torch.Generator().manual_seed(seed)
    shape = top.images.shape
    return TopActivations(
        top.layer,
        top.values.clone(),
        torch.randint(0, top.n_images, shape, generator=g),
        torch.randint(0, map_shape[0], shape, generator=g),
        torch.randint(0, map_shape[1], shape, generator=g),
        top.input_size,
        top.n_images,
    )


def measure_hierarchy(
    model: nn.Module,
    inputs: torch.Tensor,
    tops: Mapping[int, TopActivations],
    boxes: np.ndarray,
    masks: np.ndarray,
) -> tuple[list[dict[str, float]], dict[int, dict[str, np.ndarray]]]:
    """Window and projection measures of every layer's top activations.

    Returns one row per layer (``layer``, ``receptive field (px)``, ``object box in window``,
    ``window on the object (top-9)``, ``window on the object (random)``, ``parts in the
    projection``, ``projection energy on the object``) and, per layer,
    :func:`zfviz.methods.mining.projection_parts`'s arrays.
    """
    fields = receptive_fields(model)
    rows, parts_of = [], {}
    for layer, top in tops.items():
        name = resolve_layer(model, layer)
        rf = fields[name]
        shape = tuple(activations(model, inputs[:1], layer).shape[-2:])
        window = patch_coverage(top, rf, boxes, masks)
        chance = patch_coverage(random_positions(top, shape), rf, boxes, masks)
        channels = list(range(top.values.shape[0]))
        shares = projection_parts(project_top(model, inputs, top, channels), top, masks)
        parts_of[layer] = shares
        rows.append(
            {
                "layer": layer,
                "receptive field (px)": rf.size,
                "object box in window": window["object_share"],
                "window on the object (top-9)": window["box_share"],
                "window on the object (random)": chance["box_share"],
                "parts in the projection": float(np.nanmean(shares["parts"])),
                "projection energy on the object": float(np.nanmean(shares["on_object"])),
            }
        )
    return rows, parts_of


def _by_layer(rows: Sequence[Mapping[str, float]], key: str) -> dict[int, float]:
    return {int(r["layer"]): float(r[key]) for r in rows}


def claim_windows_on_object(rows: Sequence[Mapping[str, float]]) -> Verdict:
    """At every layer, the top-9 windows sit on the object more than random windows do (the
    strongest activations are about the objects, Fig. 2)."""
    top9 = _by_layer(rows, "window on the object (top-9)")
    chance = _by_layer(rows, "window on the object (random)")
    parts = [
        at_least("", "", f"layer {k} top-9", top9[k], f"layer {k} random", chance[k]) for k in top9
    ]
    return all_of("top-9 windows sit on the object more than random ones", "Sec. 4, Fig. 2", parts)


def claim_parts_grow_with_depth(
    rows: Sequence[Mapping[str, float]],
    low: Sequence[int] = (1, 2),
    high: Sequence[int] = (3, 4, 5),
) -> Verdict:
    """Projections of higher layers spread over more object parts: each layer in ``high``
    above every layer in ``low`` (the paper's edges, then parts, then objects)."""
    parts = _by_layer(rows, "parts in the projection")
    top_low = max(parts[k] for k in low)
    checks = [at_least("", "", f"parts, layer {k}", parts[k], "most parts in layers "
                       + ", ".join(map(str, low)), top_low) for k in high]  # fmt: skip
    return all_of(
        "projections of layers 3-5 cover more object parts than those of layers 1-2",
        "Sec. 4, Fig. 2",
        checks,
    )


def grass_preference(
    model: nn.Module,
    inputs: torch.Tensor,
    backgrounds: np.ndarray,
    grass: int,
    k: int = 9,
    layer: int = 5,
) -> dict[str, float]:
    """A map of ``layer`` that prefers grass, selected and measured on different images.

    The images are split in two halves (even and odd indices). On the first, every map's top
    ``k`` is mined and the map with the most grass images among them is selected; on the
    second, that map's top ``k`` is mined again and its grass share measured. Returns
    ``{"map", "selected share", "held-out share", "base rate"}`` (base rate: the share of grass
    backgrounds in the held-out half).
    """
    backgrounds = np.asarray(backgrounds)
    if len(backgrounds) != len(inputs):
        raise ValueError(f"backgrounds must have one entry per image, got {len(backgrounds)}")
    halves = [np.arange(0, len(inputs), 2), np.arange(1, len(inputs), 2)]
    shares = []
    for half in halves:
        top = top_activations(model, inputs[half], layer, k=k)
        index = top.images.numpy()
        shares.append((backgrounds[half][index] == grass).mean(axis=1))  # (maps,)
    chosen = int(np.argmax(shares[0]))
    return {
        "map": chosen,
        "selected share": float(shares[0][chosen]),
        "held-out share": float(shares[1][chosen]),
        "base rate": float((backgrounds[halves[1]] == grass).mean()),
    }


def claim_grass_map(found: Mapping[str, float], factor: float = 3.0) -> Verdict:
    """A layer-5 map prefers grass: the map selected as grassiest on one half of the images has
    grass in its top 9 of the other half at least ``factor`` times the base rate (the paper's
    grass feature, as a preference; whether its projections sit on the grass is shown, not
    claimed)."""
    return at_least(
        f"a layer-5 map prefers grass images, held out ({factor:g}x the base rate)",
        "Sec. 4, Fig. 2",
        "held-out grass share",
        found["held-out share"],
        f"{factor:g} x base rate",
        factor * found["base rate"],
        by=-1e-9,
    )


def grass_maps(
    top: TopActivations,
    backgrounds: np.ndarray,
    labels: np.ndarray,
    grass: int,
    biased_class: int,
    on_object: np.ndarray,
    min_share: float = 7 / 9,
) -> dict[str, object]:
    """The layer-5 maps whose top images are mostly on grass, and among them the one whose
    projections sit most on the background (the candidate for the paper's grass feature).

    ``on_object``: :func:`zfviz.methods.mining.projection_parts`'s ``"on_object"`` of ``top`` (M,
    k). Returns the base rate of grass, per map the grass share, the ``biased_class`` share and the
    projections' background share of its top images, the grassy maps and the chosen ``map``
    (None when no map reaches ``min_share``).
    """
    index = top.images.numpy()
    found: dict[str, object] = {
        "base rate": float((np.asarray(backgrounds) == grass).mean()),
        "grass share": (np.asarray(backgrounds)[index] == grass).mean(axis=1),
        "mushroom share": (np.asarray(labels)[index] == biased_class).mean(axis=1),
        "background share": 1 - np.nanmean(on_object, axis=1),
    }
    grassy = np.flatnonzero(found["grass share"] >= min_share - 1e-9)
    found["grassy"] = grassy
    found["map"] = (
        int(grassy[np.argmax(found["background share"][grassy])]) if len(grassy) else None
    )
    return found
