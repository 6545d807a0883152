"""The claim of Sec. 5.2's PASCAL result (Table 6) as verdicts on per-class average precision.

The paper: its ImageNet features reach 79.0 % mean AP on PASCAL VOC 2012 against 82.2 % for the
best earlier method, where on Caltech they beat every earlier method; "the PASCAL images can
contain multiple objects ... quite different from ImageNet", so the features transfer less well.

Scores are :class:`zfviz.methods.multilabel.APScores` on the same classes, compared on the
chance-corrected scale (0 at chance, 1 perfect: image sets with different shares of positives
compare fairly). "Lower" means by more than twice the standard error of the per-class
differences (the classes are the paired samples); ``tests/test_multilabel_claims.py`` checks
a clear drop passes and equal scores, or a rise, fail.
"""

from __future__ import annotations

import numpy as np

from zfviz.core.claims import Verdict
from zfviz.methods.multilabel import APScores

__all__ = ["PAPER_TABLE6", "claim_transfers_less_well", "claim_earlier_method_closer"]

# Table 6 and Sec. 5.2: mean AP on PASCAL VOC 2012, ours and the best earlier method, and the
# Caltech-101 lead (30 per class) they compare it with.
PAPER_TABLE6 = {"pretrained": 0.790, "earlier": 0.822, "caltech101_lead": 0.865 - 0.814}


def _paired(name: str, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """The mean of ``a - b`` over classes and twice its standard error."""
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(
            f"{name}: both scores must hold one value per class, the same classes (at least "
            f"two), got shapes {a.shape} and {b.shape}"
        )
    d = a - b
    return float(d.mean()), float(2 * d.std(ddof=1) / np.sqrt(len(d)))


def claim_transfers_less_well(
    easier: APScores, harder: APScores, easier_name: str, harder_name: str
) -> Verdict:
    """The probe's chance-corrected AP is lower on ``harder`` than on ``easier`` (the same
    classes), by more than twice the standard error of the per-class differences.

    Example:
        >>> from zfviz.methods.multilabel import APScores
        >>> single = APScores(np.array([0.9, 0.8, 0.85]), np.full(3, 0.1))
        >>> scenes = APScores(np.array([0.5, 0.45, 0.55]), np.full(3, 0.3))
        >>> claim_transfers_less_well(single, scenes, "single objects", "scenes").holds
        True
    """
    drop, twice_se = _paired("claim_transfers_less_well", easier.corrected, harder.corrected)
    return Verdict(
        claim=f"the pretrained features transfer less well to {harder_name} than to {easier_name}",
        paper="Sec. 5.2, Table 6",
        numbers={
            f"corrected mAP, {easier_name}": float(easier.corrected.mean()),
            f"corrected mAP, {harder_name}": float(harder.corrected.mean()),
            "2 standard errors": twice_se,
        },
        holds=drop - twice_se > 0,
        margin=drop - twice_se,
    )


def claim_earlier_method_closer(
    pretrained_single: APScores,
    earlier_single: APScores,
    pretrained_scenes: APScores,
    earlier_scenes: APScores,
    method: str = "HOG + SVM",
) -> Verdict:
    """The pretrained probe's lead over the earlier method shrinks from single objects to
    scenes (the paper's reading of Table 6: ahead on Caltech, behind on PASCAL), by more than
    twice the standard error of the per-class differences of the leads.

    Example:
        >>> from zfviz.methods.multilabel import APScores
        >>> s = lambda *ap: APScores(np.array(ap), np.full(len(ap), 0.2))
        >>> single, scenes = (s(.9, .8, .9), s(.6, .5, .6)), (s(.5, .4, .5), s(.5, .5, .5))
        >>> claim_earlier_method_closer(*single, *scenes).holds
        True
    """
    lead_single = pretrained_single.corrected - earlier_single.corrected
    lead_scenes = pretrained_scenes.corrected - earlier_scenes.corrected
    shrink, twice_se = _paired("claim_earlier_method_closer", lead_single, lead_scenes)
    return Verdict(
        claim=f"the pretrained probe's lead over {method} shrinks from single objects to scenes",
        paper="Sec. 5.2, Table 6",
        numbers={
            "lead, single objects": float(lead_single.mean()),
            "lead, scenes": float(lead_scenes.mean()),
            "2 standard errors": twice_se,
        },
        holds=shrink - twice_se > 0,
        margin=shrink - twice_se,
    )
