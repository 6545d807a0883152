"""Verdicts and their combination over seeds (zfviz.core.claims)."""

import math

import pytest

from zfviz.core import claims
from zfviz.core.claims import ClaimError, all_of, at_least, expect, over_seeds, verdict_table


def _v(value: float, threshold: float = 0.5) -> claims.Verdict:
    return at_least("a beats b", "Table 1", "a", value, "b", threshold)


def test_a_larger_value_holds_with_the_difference_as_margin():
    v = _v(0.8)
    assert v.holds and v.margin == pytest.approx(0.3)
    assert v.numbers == {"a": 0.8, "b": 0.5}


def test_a_smaller_value_does_not_hold_and_its_margin_is_negative():
    v = _v(0.2)
    assert not v.holds and v.margin == pytest.approx(-0.3)


def test_a_tie_does_not_hold():
    assert not _v(0.5).holds


def test_a_required_lead_moves_the_threshold():
    v = at_least("a beats b by 0.2", "Table 1", "a", 0.6, "b", 0.5, by=0.2)
    assert not v.holds and v.margin == pytest.approx(-0.1)


def test_a_missing_measurement_is_an_error_not_a_verdict():
    with pytest.raises(ValueError, match="NaN"):
        _v(math.nan)
    with pytest.raises(TypeError, match="a must be a number"):
        at_least("c", "p", "a", "high", "b", 1.0)


def test_all_of_holds_only_when_every_part_does_and_keeps_the_smallest_margin():
    both = all_of("both", "Fig. 5", [_v(0.9), _v(0.6)])
    assert both.holds and both.margin == pytest.approx(0.1)
    one = all_of("both", "Fig. 5", [_v(0.9), _v(0.4)])
    assert not one.holds and one.margin == pytest.approx(-0.1)


def test_a_claim_reproduces_only_when_it_holds_on_every_seed():
    assert over_seeds([_v(0.9), _v(0.8), _v(0.7)]).reproduces
    two_of_three = over_seeds([_v(0.9), _v(0.1), _v(0.7)])
    assert not two_of_three.reproduces and two_of_three.k == 2 and two_of_three.total == 3
    assert two_of_three.status == "does not reproduce (2 of 3 seeds)"
    assert two_of_three.margin == pytest.approx(-0.4)


def test_expect_passes_a_verdict_that_matches_and_raises_on_one_that_does_not():
    assert expect(_v(0.9)).holds
    assert not expect(_v(0.1), reproduces=False).holds
    with pytest.raises(ClaimError, match="reproduces"):
        expect(_v(0.1))
    with pytest.raises(ClaimError, match="does not reproduce"):
        expect(over_seeds([_v(0.9), _v(0.9)]), reproduces=False)


def test_the_table_shows_each_seed_s_numbers_and_escapes_pipes():
    table = verdict_table([over_seeds([_v(0.9), _v(0.1)]), _v(0.7)])
    lines = table.splitlines()
    assert len(lines) == 4
    assert "does not reproduce (1 of 2 seeds)" in lines[2] and "seed 1: a 0.1" in lines[2]
    row = verdict_table([at_least("x|y", "p", "a", 1, "b", 0)]).splitlines()[2]
    assert row.count("|") == 6 and "x/y" in row


def test_expect_asserts_nothing_in_a_rehearsal_on_fake_data(monkeypatch):
    monkeypatch.setenv("ZFVIZ_REHEARSAL", "1")
    assert expect(_v(0.0), reproduces=True).holds is False
