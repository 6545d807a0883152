"""The claims of Sec. 4.3 (Table 1) as verdicts on a
:class:`~zfviz.methods.correspondence.Correspondence`.

The paper reads Table 1 in two sentences: at layer 5 the parts score lower than random regions
(the model establishes some correspondence of parts), and at layer 7 the scores are close
together. "Close" is read as the paper's own numbers show it: each part's mean lies within one
standard deviation of the random control's mean (0.068 against 0.073 ± 0.014 at layer 7; at
layer 5, 0.079 against 0.107 ± 0.017 is not). Both functions pass the paper's own table
(:func:`paper_table`; ``tests/test_correspondence_claims.py``).

The control is :data:`~zfviz.methods.correspondence.RANDOM_ON_OBJECT` by default, random squares
wholly on the object, as the paper's Fig. 8 places its random masks on the dogs' faces; squares
anywhere in the image (:data:`~zfviz.methods.correspondence.RANDOM`) are an easier control, since a
square on the background hides five different textures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from zfviz.core.claims import Verdict, all_of, at_least
from zfviz.methods.correspondence import RANDOM, RANDOM_ON_OBJECT, Correspondence

__all__ = [
    "PAPER_TABLE1",
    "paper_table",
    "claim_parts_consistent",
    "claim_parts_level",
    "controls",
]

# Table 1 of the paper: region -> ((mean, std) at layer 5, (mean, std) at layer 7).
PAPER_TABLE1 = {
    "right_eye": ((0.067, 0.007), (0.069, 0.015)),
    "left_eye": ((0.069, 0.007), (0.068, 0.013)),
    "nose": ((0.079, 0.017), (0.069, 0.011)),
    RANDOM_ON_OBJECT: ((0.107, 0.017), (0.073, 0.014)),
}


def paper_table() -> Correspondence:
    """Table 1 as a :class:`Correspondence` whose means and standard deviations are the paper's
    (two placements per region, at mean - std and mean + std).

    Example:
        >>> round(paper_table().mean("nose", 5), 3), round(paper_table().std("nose", 5), 3)
        (0.079, 0.017)
    """
    table = Correspondence((5, 7), side=0, centres={r: np.zeros((2, 2)) for r in PAPER_TABLE1})
    for region, stats in PAPER_TABLE1.items():
        for layer, (mean, std) in zip((5, 7), stats, strict=True):
            table.deltas[region, layer] = np.array([mean - std, mean + std])
    return table


def _parts(table: Correspondence, control: str) -> list[str]:
    if control not in table.regions:
        raise ValueError(f"table has no control {control!r}; its regions are {table.regions}")
    parts = [r for r in table.regions if r not in (RANDOM, RANDOM_ON_OBJECT)]
    if not parts:
        raise ValueError("table has no parts to judge, only random controls")
    return parts


def _layer(table: Correspondence, layer: str | int) -> None:
    if layer not in table.layers:
        raise ValueError(f"layer must be one of the table's layers {table.layers}, got {layer!r}")


def claim_parts_consistent(
    table: Correspondence, layer: str | int = 5, control: str = RANDOM_ON_OBJECT
) -> Verdict:
    """Masking a part changes layer ``layer`` more consistently than random squares: every
    part's mean Delta is below ``control``'s (Table 1, layer 5)."""
    _layer(table, layer)
    names = _parts(table, control)
    ctrl = table.mean(control, layer)
    parts = [
        at_least("", "", f"{control} Δ", ctrl, f"{p.replace('_', ' ')} Δ", table.mean(p, layer))
        for p in names
    ]
    words = f"layer {layer}: each part is more consistent than {control} squares"
    return all_of(words, "Sec. 4.3, Table 1", parts)


def claim_parts_level(
    table: Correspondence, layer: str | int = 7, control: str = RANDOM_ON_OBJECT
) -> Verdict:
    """At layer ``layer`` the parts are level with random squares: every part's mean Delta is
    within one standard deviation of ``control``'s mean (Table 1, layer 7)."""
    _layer(table, layer)
    names = _parts(table, control)
    ctrl, spread = table.mean(control, layer), table.std(control, layer)
    parts = [
        at_least(
            "",
            "",
            f"{control} spread",
            spread,
            f"{p.replace('_', ' ')} distance",
            abs(ctrl - table.mean(p, layer)),
        )
        for p in names
    ]
    words = f"layer {layer}: the parts are level with {control} squares (within its ±)"
    return all_of(words, "Sec. 4.3, Table 1", parts)


def controls(table: Correspondence) -> Sequence[str]:
    """The random controls the table holds, the paper's (on the object) first."""
    return [c for c in (RANDOM_ON_OBJECT, RANDOM) if c in table.regions]
