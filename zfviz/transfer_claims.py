"""The claims of Sec. 5.2 (Table 4, Fig. 9) as verdicts on probe and from-scratch accuracies.

Scores are mean per-class accuracies over folds (:class:`zfviz.transfer.FoldScores`, or any
sequence of per-fold accuracies). "Beats" means by more than the spread over folds of either,
the paper's Table 4 reading (83.8 +- 0.5 against 22.8 +- 1.5 at 15 images per class);
``tests/test_transfer_claims.py`` checks that the paper's numbers pass and chance-level
scores fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from zfviz.claims import Verdict, all_of, at_least
from zfviz.transfer import FoldScores

__all__ = ["claim_pretrained_beats_scratch", "claim_above_chance", "claim_grows_with_data"]

Scores = FoldScores | Sequence[float] | np.ndarray


def _stats(name: str, scores: Scores) -> tuple[float, float]:
    values = np.asarray(scores.scores if isinstance(scores, FoldScores) else scores, float)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"{name} must hold one accuracy per fold, got shape {values.shape}")
    return float(values.mean()), float(values.std())


def claim_pretrained_beats_scratch(
    pretrained: Scores, scratch: Scores, n: int, layer: int = 7
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
        "Sec. 5.2, Table 4",
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
