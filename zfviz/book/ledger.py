"""The ledger: every claim the chapters judge, with its verdict in each profile.

A chapter passes its verdicts to :func:`verdict_values` and records the result with
:func:`zfviz.core.results.record` (a verdict is stored as four plain values: the claim's words, the
paper's reference, the verdict, its margin). The discussion chapter reads every chapter's
record back and :func:`ledger` lays the claims out side by side: the paper's reference, then
what each profile found (``"reproduces (3 of 3 seeds)"``, ``"does not reproduce (1 of 3
seeds)"``), or why there is nothing (``"not run yet"``; ``"not judged in this profile"``).
The ledger says no more than the chapters assert, since it holds nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from zfviz.core.claims import SeedVerdicts, Verdict
from zfviz.core.results import Recorded

__all__ = ["verdict_values", "recorded_verdicts", "ledger"]

_NAMES = (("claim", ""), ("paper", "_paper"), ("verdict", "_verdict"), ("margin", "_margin"))


def verdict_values(verdicts: Sequence[Verdict | SeedVerdicts]) -> dict[str, object]:
    """``verdicts`` as values for :func:`zfviz.core.results.record`: ``claim1`` (the words),
    ``claim1_paper``, ``claim1_verdict``, ``claim1_margin``, then ``claim2``... in order.

    Example:
        >>> from zfviz.core.claims import at_least
        >>> verdict_values([at_least("a beats b", "Table 1", "a", 2, "b", 1)])["claim1_verdict"]
        'holds'
    """
    words = [getattr(v, "claim", None) for v in verdicts]
    repeated = sorted({w for w in words if words.count(w) > 1 and w is not None})
    if repeated:
        raise ValueError(f"each verdict must state a different claim; repeated: {repeated}")
    values: dict[str, object] = {}
    for i, v in enumerate(verdicts, start=1):
        if not isinstance(v, Verdict | SeedVerdicts):
            raise TypeError(f"verdicts must be Verdicts or SeedVerdicts, got {type(v).__name__}")
        values.update(
            {f"claim{i}": v.claim, f"claim{i}_paper": v.paper,
             f"claim{i}_verdict": v.status, f"claim{i}_margin": float(v.margin)}
        )  # fmt: skip
    return values


def recorded_verdicts(found: Recorded) -> list[dict[str, object]]:
    """The verdicts a chapter recorded (:func:`verdict_values`), in order: ``claim``,
    ``paper``, ``verdict``, ``margin``."""
    out = []
    i = 1
    while f"claim{i}" in found.values:
        out.append({name: found.values.get(f"claim{i}{k}") for name, k in _NAMES})
        i += 1
    return out


def ledger(
    records: Mapping[str, Mapping[str, Recorded | str]], chapters: Sequence[str]
) -> list[dict[str, str]]:
    """One row per claim any profile judged, in chapter order: ``chapter``, ``claim``,
    ``paper`` and one column per profile of ``records`` (profile -> chapter -> record, as
    :func:`zfviz.core.results.read_all` returns them).

    Example:
        >>> from zfviz.core.claims import at_least
        >>> v = verdict_values([at_least("a beats b", "Table 1", "a", 2, "b", 1)])
        >>> rows = ledger({"quick": {"x": Recorded("x", "quick", v, "now")}, "full": {}}, ["x"])
        >>> rows[0]["quick"], rows[0]["full"]
        ('holds', 'not run yet')
    """
    rows: list[dict[str, str]] = []
    for chapter in chapters:
        judged: dict[str, dict[str, str]] = {}  # claim -> profile -> verdict
        papers: dict[str, str] = {}
        for profile, found in records.items():
            got = found.get(chapter)
            if isinstance(got, Recorded):
                for v in recorded_verdicts(got):
                    judged.setdefault(str(v["claim"]), {})[profile] = str(v["verdict"])
                    papers[str(v["claim"])] = str(v["paper"])
        for claim, verdicts in judged.items():
            row = {"chapter": chapter, "claim": claim, "paper": papers[claim]}
            for profile, found in records.items():
                got = found.get(chapter)
                if profile in verdicts:
                    row[profile] = verdicts[profile]
                elif isinstance(got, Recorded):
                    row[profile] = "not judged in this profile"
                else:
                    row[profile] = got or "not run yet"
            rows.append(row)
    return rows
