"""The claims of Sec. 4 ("Feature invariance", Fig. 5) as verdicts on measured sweeps.

:func:`sweep_stats` condenses the curves of :func:`zfviz.methods.invariance.measure` into two
numbers per image, kind of transformation and layer: the mean relative distance over the sweep and
the early share (:func:`zfviz.methods.invariance.early_share`). The claim functions judge them, and
the probabilities of the true label, the way the paper reads Fig. 5:

* small transformations change layer 1 a lot, layer 7 less (translation and scale);
* the output is stable to translation and scale, not to rotation;
* except for rotationally symmetric objects.

"That the symmetric object's features return to the original every 45 degrees" is *not* a
claim here: the world draws identical pixels at those angles, so it cannot fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from zfviz.core.claims import Verdict, all_of, at_least
from zfviz.methods.invariance import Curves, early_share, magnitude

__all__ = [
    "sweep_stats",
    "claim_layer7_steadier",
    "claim_rotation_costs_more_than_translation",
    "claim_rotation_costs_more_than_scale",
    "claim_symmetric_survives_rotation",
]

Probabilities = Mapping[tuple[str, str], np.ndarray]


def sweep_stats(
    curves: Mapping[tuple[str, str], Curves],
    values: Mapping[str, np.ndarray],
    names: Sequence[str],
    layers: Sequence[int] = (1, 7),
) -> dict[tuple[str, int], np.ndarray]:
    """``(kind, layer)`` -> ``(images, 2)``: per image of ``names`` (in order), the mean
    relative distance over the sweep and its early share at the sweep's smallest step.

    ``curves`` maps ``(kind, name)`` to :func:`~zfviz.methods.invariance.measure`'s result and
    ``values`` each kind to its sweep's values.
    """
    out = {}
    for kind, vals in values.items():
        size = magnitude(kind, vals)
        first = float(np.unique(size)[1])  # the smallest transformation that is not the identity
        for layer in layers:
            out[kind, layer] = np.array(
                [
                    (
                        float(np.nanmean(curves[kind, n].relative[layer])),
                        early_share(size, curves[kind, n].relative[layer], first),
                    )
                    for n in names
                ]
            )
    return out


def claim_layer7_steadier(stats: Mapping[tuple[str, int], np.ndarray], kind: str) -> Verdict:
    """Under ``kind``, layer 7 changes less than layer 1: a lower mean relative distance on
    average over the images and for a majority of them, and a lower early share (a more
    gradual rise) for a majority (Fig. 5, columns 1 and 2)."""
    l1, l7 = np.asarray(stats[kind, 1]), np.asarray(stats[kind, 7])
    if l1.shape != l7.shape or l1.ndim != 2 or len(l1) == 0:
        raise ValueError(f"stats must hold (images, 2) arrays for layers 1 and 7 of {kind!r}")
    half = len(l1) / 2
    parts = [
        at_least("", "", "layer 1 mean change", l1[:, 0].mean(), "layer 7", l7[:, 0].mean()),
        at_least("", "", "images where layer 7 changes less", (l7[:, 0] < l1[:, 0]).sum(),
                 "half", half),
        at_least("", "", "images where layer 7 rises more gradually",
                 (l7[:, 1] < l1[:, 1]).sum(), "half", half),
    ]  # fmt: skip
    return all_of(f"{kind}: layer 7 changes less than layer 1", "Sec. 4, Fig. 5", parts)


def _mean_p(prob: Probabilities, kind: str, name: str) -> float:
    if (kind, name) not in prob:
        raise KeyError(f"no probabilities for {kind} of {name!r}")
    return float(np.mean(prob[kind, name]))


def claim_rotation_costs_more_than_translation(
    prob: Probabilities, names: Sequence[str]
) -> Verdict:
    """For every (non-symmetric) object in ``names``, the true label's mean probability over
    the rotation sweep is below that over the translation sweep (Fig. 5, column 3)."""
    if not names:
        raise ValueError("names must hold at least one object")
    parts = [
        at_least("", "", f"{n}: translation", _mean_p(prob, "translation", n), f"{n}: rotation",
                 _mean_p(prob, "rotation", n))
        for n in names
    ]  # fmt: skip
    claim = "rotation costs more probability than translation, for every object"
    return all_of(claim, "Sec. 4, Fig. 5", parts)


def claim_rotation_costs_more_than_scale(prob: Probabilities, names: Sequence[str]) -> Verdict:
    """On average over the (non-symmetric) objects in ``names``, rotation costs more
    probability of the true label than a change of scale (over the sweeps' ranges)."""
    if not names:
        raise ValueError("names must hold at least one object")
    scale = float(np.mean([_mean_p(prob, "scale", n) for n in names]))
    rotation = float(np.mean([_mean_p(prob, "rotation", n) for n in names]))
    return at_least(
        "rotation costs more probability than scale, on average over the objects",
        "Sec. 4, Fig. 5",
        "mean p, scale",
        scale,
        "mean p, rotation",
        rotation,
    )


def claim_symmetric_survives_rotation(
    prob: Probabilities, symmetric: str, others: Sequence[str]
) -> Verdict:
    """The rotationally symmetric object is the exception: its mean probability under rotation
    is above every other object's, and not below its own under translation."""
    mine = _mean_p(prob, "rotation", symmetric)
    best_other = max(_mean_p(prob, "rotation", n) for n in others)
    parts = [
        at_least("", "", f"{symmetric} under rotation", mine, "best other object", best_other),
        # "not below": a tie holds, so the threshold is lowered by a rounding error's worth
        at_least("", "", f"{symmetric} mean p, rotation", mine,
                 f"{symmetric} mean p, translation", _mean_p(prob, "translation", symmetric),
                 by=-1e-9),
    ]  # fmt: skip
    return all_of(
        f"the symmetric {symmetric} keeps its probability under rotation", "Sec. 4, Fig. 5", parts
    )
