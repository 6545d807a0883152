"""Table 6's claims: a clear drop holds, equal scores or a rise do not."""

import numpy as np
import pytest

from zfviz.methods.multilabel import APScores
from zfviz.methods.multilabel_claims import claim_earlier_method_closer, claim_transfers_less_well

rng = np.random.default_rng(0)
SHARE = np.full(10, 0.1)


def scores(mean, spread=0.02):
    return APScores(np.clip(mean + spread * rng.normal(size=10), 0.11, 1.0), SHARE)


def test_a_clear_drop_on_scenes_holds():
    v = claim_transfers_less_well(scores(0.8), scores(0.5), "single objects", "scenes")
    assert v.holds and v.margin > 0 and v.numbers["2 standard errors"] > 0


def test_equal_scores_do_not_hold():
    same = scores(0.6)
    assert not claim_transfers_less_well(same, same, "single objects", "scenes").holds


def test_a_rise_on_scenes_does_not_hold():
    assert not claim_transfers_less_well(scores(0.5), scores(0.8), "a", "b").holds


def test_a_drop_within_the_noise_of_the_classes_does_not_hold():
    noisy = APScores(np.linspace(0.2, 1.0, 10), SHARE)
    shuffled = APScores(np.linspace(0.2, 1.0, 10)[::-1] - 0.01, SHARE)  # mean 0.01 lower
    assert not claim_transfers_less_well(noisy, shuffled, "a", "b").holds


def test_scores_on_different_classes_are_refused():
    with pytest.raises(ValueError, match="same classes"):
        claim_transfers_less_well(
            scores(0.5), APScores(np.ones(3) * 0.5, np.full(3, 0.1)), "a", "b"
        )


def test_the_paper_s_reading_holds_ahead_on_singles_behind_on_scenes():
    v = claim_earlier_method_closer(scores(0.86), scores(0.81), scores(0.79), scores(0.82))
    assert v.holds
    assert v.numbers["lead, single objects"] > 0 > v.numbers["lead, scenes"]


def test_a_lead_that_grows_on_scenes_does_not_hold():
    v = claim_earlier_method_closer(scores(0.4), scores(0.45), scores(0.15), scores(0.1))
    assert not v.holds and v.margin < 0
