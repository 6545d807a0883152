"""The claims of Sec. 5.1 (Tables 2 and 3), as verdicts on measured error rates.

Each Table 3 claim compares variants trained from the same seed (paired), so the chapter judges
it once per seed and combines the verdicts with :func:`zfviz.core.claims.over_seeds`. The
thresholds are set so that the paper's own numbers pass them (``tests/test_ablation_claims.py``
checks that on :data:`paper_errors`): a claim fails here only when our networks disagree with
the paper, not because the words were read more strictly than the paper's numbers.

``errors`` below is one seed's measurements, ``{variant: {"val_top1": ..., "gap": ...}}``
(fractions, not %), as :func:`by_seed` builds them from
:func:`zfviz.methods.ablations.run_variants`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from zfviz.core.claims import Verdict, all_of, at_least
from zfviz.core.paper import PAPER_TABLE2, PAPER_TABLE3

__all__ = [
    "PAPER_ALEXNET_REPLICATION",
    "by_seed",
    "paper_errors",
    "claim_fc_layers_cost_little",
    "claim_depth_matters",
    "claim_wider_conv_helps",
    "claim_widening_all_overfits",
    "claim_ensemble_helps",
    "paper_ensemble",
]

Errors = Mapping[str, Mapping[str, float]]

# Table 3's first row (train, val top-1, val top-5 %): the AlexNet the "removed" rows come from.
PAPER_ALEXNET_REPLICATION = (35.1, 40.5, 18.1)
_REMOVED = ("removed 3,4", "removed 7", "removed 6,7", "removed 3,4,6,7")


def by_seed(rows: Sequence[Mapping[str, object]]) -> dict[int, dict[str, dict[str, float]]]:
    """``run_variants``'s rows regrouped as ``{seed: {variant: {measure: value}}}``.

    Example:
        >>> by_seed([{"variant": "baseline", "seed": 0, "val_top1": 0.3}])
        {0: {'baseline': {'val_top1': 0.3}}}
    """
    out: dict[int, dict[str, dict[str, float]]] = {}
    for r in rows:
        values = {k: float(v) for k, v in r.items() if k not in ("variant", "seed")}
        out.setdefault(int(r["seed"]), {})[str(r["variant"])] = values
    return out


def paper_errors(baseline: str = "zfnet") -> dict[str, dict[str, float]]:
    """The paper's Table 3 as one seed's ``errors`` (fractions), for the claims' positive control.

    ``baseline="alexnet"`` puts the AlexNet replication in the baseline row: the row the paper's
    "removed" networks were cut from.
    """
    table = dict(PAPER_TABLE3)
    if baseline == "alexnet":
        table["baseline"] = PAPER_ALEXNET_REPLICATION
    elif baseline != "zfnet":
        raise ValueError(f"baseline must be 'zfnet' or 'alexnet', got {baseline!r}")
    return {
        name: {"train_top1": t / 100, "val_top1": v / 100, "gap": (v - t) / 100}
        for name, (t, v, _) in table.items()
    }


def _val(errors: Errors, name: str) -> float:
    if name not in errors or "val_top1" not in errors[name]:
        raise KeyError(f"errors has no validation top-1 error for the variant {name!r}")
    return float(errors[name]["val_top1"])


def claim_fc_layers_cost_little(errors: Errors, by: float = 0.05) -> Verdict:
    """Removing the fully connected layer 7, or 6 and 7, raises the error by less than ``by``.

    The paper: -0.5 and +4.3 points against its AlexNet replication.
    """
    base = _val(errors, "baseline")
    parts = [
        at_least("", "", f"baseline + {by:.2f}", base + by, name, _val(errors, name))
        for name in ("removed 7", "removed 6,7")
    ]
    words = f"removing fc7, or fc6 and fc7, costs under {100 * by:.0f} points of top-1 error"
    return all_of(words, "Sec. 5.1, Table 3", parts)


def claim_depth_matters(errors: Errors, by: float = 0.10) -> Verdict:
    """The 4-layer network (layers 3, 4, 6, 7 removed) is worse than the baseline by over ``by``.

    The paper: 71.3% against 40.5%, "dramatically worse"; its reading is that depth matters
    more than any one part.
    """
    deep, shallow = _val(errors, "baseline"), _val(errors, "removed 3,4,6,7")
    return at_least(
        f"the 4-layer network is worse than the baseline by over {100 * by:.0f} points",
        "Sec. 5.1, Table 3",
        "4-layer top-1 error",
        shallow,
        "baseline top-1 error",
        deep,
        by=by,
    )


def claim_wider_conv_helps(errors: Errors) -> Verdict:
    """Widening layers 3, 4, 5 (variant (b)) lowers the validation error (paper: 37.5 vs 38.4)."""
    return at_least(
        "widening layers 3-5 lowers the top-1 error",
        "Sec. 5.1, Table 3",
        "baseline top-1 error",
        _val(errors, "baseline"),
        "widened top-1 error",
        _val(errors, "conv3-5 widened"),
    )


def claim_widening_all_overfits(errors: Errors, widest: str = "both widened") -> Verdict:
    """Enlarging conv and fc layers together overfits: its train/validation gap is the largest.

    The paper: a 28.3-point gap, against at most 18.7 for any other row.
    """
    if widest not in errors:
        raise KeyError(f"errors has no row for the variant {widest!r}")
    others = {n: float(e["gap"]) for n, e in errors.items() if n != widest}
    if not others:
        raise ValueError("errors must hold other variants to compare the gap with")
    worst = max(others, key=others.get)
    return at_least(
        "widening everything overfits most (largest train/validation gap)",
        "Sec. 5.1, Table 3",
        f"{widest} gap",
        float(errors[widest]["gap"]),
        f"largest other gap ({worst})",
        others[worst],
    )


def claim_ensemble_helps(member_errors: Sequence[float], ensemble_error: float) -> Verdict:
    """Averaging several networks' softmax lowers the top-1 error below the members' mean.

    The paper (Table 2): 36.7% for five ZFNets against 38.4% for one.

    Example:
        >>> claim_ensemble_helps([0.30, 0.32], 0.28).holds
        True
    """
    if len(member_errors) < 2:
        raise ValueError(f"an ensemble needs at least 2 members, got {len(member_errors)}")
    mean = sum(float(e) for e in member_errors) / len(member_errors)
    return at_least(
        "an ensemble is more accurate than its members on average",
        "Sec. 5.1, Table 2",
        "members' mean top-1 error",
        mean,
        "ensemble top-1 error",
        float(ensemble_error),
    )


def paper_ensemble() -> tuple[list[float], float]:
    """Table 2's one-network and five-network top-1 errors (fractions)."""
    one, five = PAPER_TABLE2["1 convnet (a)"][0], PAPER_TABLE2["5 convnets (a)"][0]
    return [one / 100] * 5, five / 100
