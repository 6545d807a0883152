"""Verdicts: what the book says about each of the paper's claims, as data that can be wrong.

A claim function (in the module of the method it is about: ``occlusion.claim_...``) takes the
measurements and returns a :class:`Verdict`: the claim in words, where the paper makes it, the
numbers measured, whether it holds, and its margin (how far from the threshold, in the claim's
own units; positive when it holds). A network-dependent claim is judged once per seed of the
book network and the verdicts are combined by :func:`over_seeds`: a claim *reproduces* when it
holds on all K seeds, and *does not reproduce* otherwise (shown as k of K, with the numbers).

A chapter shows its verdicts (:func:`verdict_table`) and then states what it expects with
:func:`expect`: that raises :class:`ClaimError` when a verdict disagrees, so that a chapter
that says "the paper's claim does not reproduce here" fails the build the day it starts to.

Example:
    >>> v = at_least("the pointing game beats chance", "Sec. 4.2", "hit rate", 0.8, "chance", 0.3)
    >>> v.holds, round(v.margin, 2)
    (True, 0.5)
    >>> over_seeds([v, at_least("x", "Sec. 4.2", "hit rate", 0.2, "chance", 0.3)]).status
    'does not reproduce (1 of 2 seeds)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zfviz.core.profiles import rehearsing

__all__ = [
    "ClaimError",
    "Verdict",
    "SeedVerdicts",
    "at_least",
    "all_of",
    "over_seeds",
    "expect",
    "verdict_table",
]


class ClaimError(AssertionError):
    """A verdict that is not what the chapter says it is."""


def _number(name: str, value: object) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(x):
        raise ValueError(f"{name} is NaN: a claim cannot be judged on a missing measurement")
    return x


@dataclass(frozen=True)
class Verdict:
    """One claim judged once (on one network).

    Attributes:
        claim: the paper's claim, in words, as the book tests it.
        paper: where the paper makes it (``"Table 3"``, ``"Sec. 4.2, Fig. 7"``).
        numbers: the measurements the judgement used, by name.
        holds: whether the claim holds on these numbers.
        margin: distance from the threshold in the claim's units, positive when it holds.
    """

    claim: str
    paper: str
    numbers: Mapping[str, float] = field(default_factory=dict)
    holds: bool = False
    margin: float = 0.0

    @property
    def status(self) -> str:
        """The verdict in words, as the tables show it: ``"holds"`` or ``"does not hold"``."""
        return "holds" if self.holds else "does not hold"

    def _repr_markdown_(self) -> str:
        return verdict_table([self])


def at_least(
    claim: str, paper: str, name: str, value: float, than: str, threshold: float, by: float = 0.0
) -> Verdict:
    """The verdict on "``name`` exceeds ``than`` by more than ``by``".

    Its margin is ``value - threshold - by``.

    Ties do not hold: a claim that something is larger is not shown by equality.
    """
    v, t, b = _number(name, value), _number(than, threshold), _number("by", by)
    margin = v - t - b
    return Verdict(claim, paper, {name: v, than: t}, margin > 0, margin)


def all_of(claim: str, paper: str, parts: Sequence[Verdict]) -> Verdict:
    """A claim made of several conditions: it holds when all do; its margin is the smallest."""
    if not parts:
        raise ValueError("parts must hold at least one verdict")
    numbers: dict[str, float] = {}
    for p in parts:
        numbers.update(p.numbers)
    margin = min(p.margin for p in parts)
    return Verdict(claim, paper, numbers, all(p.holds for p in parts), margin)


@dataclass(frozen=True)
class SeedVerdicts:
    """One claim judged on each seed of the book network.

    Attributes:
        claim, paper: as in :class:`Verdict`.
        verdicts: one per seed, in seed order.
    """

    claim: str
    paper: str
    verdicts: tuple[Verdict, ...]

    @property
    def k(self) -> int:
        """On how many seeds the claim holds."""
        return sum(v.holds for v in self.verdicts)

    @property
    def total(self) -> int:
        return len(self.verdicts)

    @property
    def reproduces(self) -> bool:
        """Holds on every seed."""
        return self.k == self.total

    @property
    def holds(self) -> bool:
        return self.reproduces

    @property
    def margin(self) -> float:
        return min(v.margin for v in self.verdicts)

    @property
    def status(self) -> str:
        """The verdict in words: ``"reproduces (k of K seeds)"`` or ``"does not reproduce ..."``."""
        if self.reproduces:
            return f"reproduces ({self.k} of {self.total} seeds)"
        return f"does not reproduce ({self.k} of {self.total} seeds)"

    def _repr_markdown_(self) -> str:
        return verdict_table([self])


def over_seeds(verdicts: Sequence[Verdict]) -> SeedVerdicts:
    """Combine one claim's verdicts on the seeds of the book network (all must hold).

    The claim and reference are the first verdict's; all must agree on the claim's words.
    """
    if not verdicts:
        raise ValueError("verdicts must hold one verdict per seed, got none")
    first = verdicts[0]
    for v in verdicts:
        if not isinstance(v, Verdict):
            raise TypeError(f"verdicts must be Verdicts, got {type(v).__name__}")
    return SeedVerdicts(first.claim, first.paper, tuple(verdicts))


def expect(verdict: Verdict | SeedVerdicts, reproduces: bool = True) -> Verdict | SeedVerdicts:
    """Check that ``verdict`` is what the chapter says; raise :class:`ClaimError` if not.

    ``reproduces=False`` asserts an expected non-reproduction: the chapter's text says the claim
    does not hold here, and the build fails if it starts to.

    In a rehearsal of the full profile (``$ZFVIZ_REHEARSAL``: fake data, random weights) the
    verdict means nothing: it is returned unchecked.
    """
    if rehearsing():
        return verdict
    if bool(verdict.holds) != bool(reproduces):
        said = "reproduces" if reproduces else "does not reproduce"
        raise ClaimError(
            f"the chapter says {verdict.claim!r} {said}, but the verdict is "
            f"{verdict.status} (margin {verdict.margin:+.3g}): {_numbers(verdict)}"
        )
    return verdict


def _fmt(x: float) -> str:
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _numbers(v: Verdict | SeedVerdicts) -> str:
    if isinstance(v, SeedVerdicts):
        per_seed = []
        for s, one in enumerate(v.verdicts):
            per_seed.append(
                f"seed {s}: " + ", ".join(f"{k} {_fmt(x)}" for k, x in one.numbers.items())
            )
        return "; ".join(per_seed)
    return ", ".join(f"{k} {_fmt(x)}" for k, x in v.numbers.items())


def verdict_table(verdicts: Sequence[Verdict | SeedVerdicts]) -> str:
    """A Markdown table of verdicts: claim, paper, verdict, margin, numbers.

    Example:
        >>> print(verdict_table([at_least("a beats b", "Table 1", "a", 2, "b", 1)]))
        | claim | paper | verdict | margin | numbers |
        |---|---|---|---|---|
        | a beats b | Table 1 | holds | +1 | a 2, b 1 |
    """
    rows = ["| claim | paper | verdict | margin | numbers |", "|---|---|---|---|---|"]
    for v in verdicts:
        cells = (v.claim, v.paper, v.status, f"{v.margin:+.3g}", _numbers(v))
        rows.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(rows)
