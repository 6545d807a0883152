"""The claims of Sec. 5.2 (Table 4, Fig. 9) as verdicts on probe and from-scratch accuracies.

Scores are mean per-class accuracies over folds (:class:`zfviz.methods.transfer.FoldScores`, or any
sequence of per-fold accuracies). "Beats" means by more than the spread over folds of either,
the paper's Table 4 reading (83.8 +- 0.5 against 22.8 +- 1.5 at 15 images per class);
``tests/test_transfer_claims.py`` checks that the paper's numbers pass and chance-level
scores fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from zfviz.core.claims import Verdict, all_of, at_least
from zfviz.methods.transfer import FoldScores

__all__ = [
    "PAPER_TABLE7_SVM",
    "claim_pretrained_beats_scratch",
    "claim_above_chance",
    "claim_grows_with_data",
    "claim_beats_earlier_method_with_fewer_images",
    "claim_rises_with_depth",
    "claim_best_layer_deep",
]

Scores = FoldScores | Sequence[float] | np.ndarray


def _stats(name: str, scores: Scores) -> tuple[float, float]:
    values = np.asarray(scores.scores if isinstance(scores, FoldScores) else scores, float)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"{name} must hold one accuracy per fold, got shape {values.shape}")
    return float(values.mean()), float(values.std())


def claim_pretrained_beats_scratch(
    pretrained: Scores, scratch: Scores, n: int, layer: int = 7, table: str = "Table 4"
) -> Verdict:
    """With ``n`` training images per class, a softmax on the pretrained network's fixed layer
    ``layer`` beats the same network trained from scratch, by more than either's spread.

    Example:
        >>> claim_pretrained_beats_scratch([0.838, 0.843], [0.228, 0.243], n=15).holds
        True
    """
    (p, p_sd), (s, s_sd) = _stats("pretrained", pretrained), _stats("scratch", scratch)
    return at_least(
        f"{n} per class: pretrained layer {layer} beats from scratch by more than the spread",
        f"Sec. 5.2, {table}",
        f"pretrained minus scratch, {n}/class",
        p - s,
        "larger spread",
        max(p_sd, s_sd),
    )


def claim_above_chance(pretrained: Mapping[int, Scores], chance: float) -> Verdict:
    """At every size of the training set, the pretrained probe is above chance by more than
    its spread over folds (Fig. 9: useful features from a single image per class up)."""
    if not pretrained:
        raise ValueError("pretrained must map at least one shot count to its scores")
    parts = []
    for n, scores in sorted(pretrained.items()):
        mean, sd = _stats(f"pretrained[{n}]", scores)
        parts.append(at_least("", "", f"{n}/class minus chance", mean - chance, "spread", sd))
    return all_of("the pretrained probe is above chance at every size", "Sec. 5.2, Fig. 9", parts)


def claim_grows_with_data(pretrained: Mapping[int, Scores]) -> Verdict:
    """Accuracy grows with the training set: the largest size beats the smallest (Fig. 9)."""
    if len(pretrained) < 2:
        raise ValueError("pretrained must hold at least two shot counts to compare")
    low, high = min(pretrained), max(pretrained)
    return at_least(
        "the pretrained probe improves with more training images",
        "Sec. 5.2, Fig. 9",
        f"accuracy at {high}/class",
        _stats("pretrained", pretrained[high])[0],
        f"accuracy at {low}/class",
        _stats("pretrained", pretrained[low])[0],
    )


# Table 7, Caltech-101 (30 per class), SVM: layer -> accuracy (the paper gives no layer 6).
PAPER_TABLE7_SVM = {1: 0.448, 2: 0.662, 3: 0.723, 4: 0.766, 5: 0.862, 7: 0.855}


def _curve(curve: Mapping[int, float], layers: Sequence[int]) -> dict[int, float]:
    missing = [layer for layer in layers if layer not in curve]
    if missing:
        raise ValueError(f"curve has no accuracy for layers {missing}")
    return {layer: float(curve[layer]) for layer in layers}


def claim_rises_with_depth(
    curve: Mapping[int, float], layers: Sequence[int] = (1, 2, 3), kind: str = ""
) -> Verdict:
    """Table 7: a linear classifier on one layer's features gets better with depth, here from
    each of ``layers`` to the next (the paper's rise; ``curve``: layer -> accuracy).

    Example:
        >>> claim_rises_with_depth(PAPER_TABLE7_SVM).holds
        True
    """
    acc = _curve(curve, layers)
    parts = [
        at_least("", "", f"layer {b}", acc[b], f"layer {a}", acc[a])
        for a, b in zip(layers[:-1], layers[1:], strict=True)
    ]
    which = f" ({kind})" if kind else ""
    words = f"accuracy{which} rises with depth, layer " + " < ".join(map(str, layers))
    return all_of(words, "Sec. 5.2, Table 7", parts)


def claim_best_layer_deep(curve: Mapping[int, float], deep: int = 5, kind: str = "") -> Verdict:
    """Table 7: the most discriminative layer is ``deep`` or above (the paper: 5 on
    Caltech-101, 7 on Caltech-256). The margin is in layers.

    Example:
        >>> claim_best_layer_deep(PAPER_TABLE7_SVM).holds
        True
        >>> claim_best_layer_deep({1: 0.3, 3: 0.5, 7: 0.4}).holds  # a middle layer is best
        False
    """
    if not curve:
        raise ValueError("curve must hold at least one layer's accuracy")
    best = max(curve, key=curve.get)
    which = f" ({kind})" if kind else ""
    return at_least(
        f"the best layer{which} is layer {deep} or above",
        "Sec. 5.2, Table 7",
        f"best layer{which}",
        float(best),
        f"layer {deep - 1}",
        float(deep - 1),
    )


def claim_beats_earlier_method_with_fewer_images(
    pretrained: Mapping[int, Scores], earlier: Mapping[int, Scores], method: str = "HOG + SVM"
) -> Verdict:
    """With fewer training images per class, the pretrained probe beats the earlier method
    trained with the most (Fig. 9: 6 images against the best earlier method's 60).

    ``pretrained`` and ``earlier`` map images per class to fold scores. The numbers are the
    earlier method's largest size and its mean accuracy there, and the smallest size at which
    the pretrained probe's mean is higher (the largest size + 1 if there is none). The margin
    is the pretrained probe's best lead over that accuracy among sizes below the largest:
    positive when the claim holds.
    """
    if not pretrained or not earlier:
        raise ValueError("pretrained and earlier must each map at least one size to scores")
    most = max(earlier)
    target = _stats(f"earlier[{most}]", earlier[most])[0]
    fewer = sorted(n for n in pretrained if n < most)
    if not fewer:
        raise ValueError(f"pretrained has no size below the earlier method's largest, {most}")
    leads = {n: _stats(f"pretrained[{n}]", pretrained[n])[0] - target for n in fewer}
    winning = [n for n in fewer if leads[n] > 0]
    smallest = winning[0] if winning else most + 1
    return Verdict(
        claim=f"with fewer images per class, the pretrained probe beats {method} with {most}",
        paper="Sec. 5.2, Fig. 9",
        numbers={
            f"{method}, {most} per class": target,
            "fewest images per class that beat it": float(smallest),
        },
        holds=bool(winning),
        margin=max(leads.values()),
    )
