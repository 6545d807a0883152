"""Table 1's claims as verdicts (zfviz.methods.correspondence_claims) and the on-object control."""

import numpy as np
import pytest
import torch
from tiny import tiny_zfnet

from zfviz.methods.correspondence import (
    RANDOM,
    RANDOM_ON_OBJECT,
    Correspondence,
    correspondence_table,
    random_centres,
    square_overlap,
)
from zfviz.methods.correspondence_claims import (
    claim_parts_consistent,
    claim_parts_level,
    paper_table,
)


def _table(part: float, control: float, spread: float = 0.01) -> Correspondence:
    t = Correspondence((5, 7), side=3, centres={"eye": np.zeros((1, 2)), RANDOM_ON_OBJECT: None})
    for layer in (5, 7):
        t.deltas["eye", layer] = np.array([part])
        t.deltas[RANDOM_ON_OBJECT, layer] = np.array([control - spread, control + spread])
    return t


def test_the_papers_table_passes_both_claims_at_their_layers():
    assert claim_parts_consistent(paper_table(), layer=5).holds
    assert claim_parts_level(paper_table(), layer=7).holds


def test_the_papers_layer_5_is_not_level_and_its_layer_7_is_not_clearly_consistent():
    # The two claims are not the same statement: each fails on the other layer of the paper's
    # table (at layer 7 the parts are lower, but within the spread).
    assert not claim_parts_level(paper_table(), layer=5).holds
    assert claim_parts_consistent(paper_table(), layer=7).holds


def test_parts_no_more_consistent_than_random_fail_the_consistency_claim():
    assert not claim_parts_consistent(_table(part=0.2, control=0.2), layer=5).holds


def test_parts_far_below_random_fail_the_level_claim():
    verdict = claim_parts_level(_table(part=0.1, control=0.2, spread=0.01), layer=7)
    assert not verdict.holds and verdict.margin == pytest.approx(0.01 - 0.1)


def test_a_missing_control_is_named():
    t = _table(0.1, 0.2)
    with pytest.raises(ValueError, match="no control 'random'"):
        claim_parts_consistent(t, control=RANDOM)


def test_random_squares_within_an_object_lie_wholly_on_it():
    on = np.zeros((48, 48), bool)
    on[10:40, 5:30] = True
    centres = random_centres(48, 9, n=100, seed=1, within=on)
    assert (square_overlap(centres, 9, on) == 1.0).all()


def test_random_squares_within_an_object_cover_every_position_that_fits():
    on = np.zeros((12, 12), bool)
    on[2:6, 3:6] = True  # 4 rows x 3 cols: a 3-px square fits at 2 x 1 positions
    centres = random_centres(12, 3, n=200, seed=0, within=on)
    assert {tuple(c) for c in centres.tolist()} == {(4.5, 3.5), (4.5, 4.5)}


def test_an_object_too_small_for_the_square_is_an_error():
    on = np.zeros((12, 12), bool)
    on[2:4, 2:4] = True
    with pytest.raises(ValueError, match="no square of side 3"):
        random_centres(12, 3, n=1, within=on)


def test_the_table_adds_the_on_object_control_after_the_random_one():
    net = tiny_zfnet()
    on = np.zeros((64, 64), bool)
    on[16:48, 16:48] = True
    t = correspondence_table(
        net, torch.randn(3, 3, 64, 64), {"eye": (20, 20)}, side=8, n_random=4, jitter=0,
        object_mask=on,
    )  # fmt: skip
    assert t.regions == ["eye", RANDOM, RANDOM_ON_OBJECT]
    assert (square_overlap(t.centres[RANDOM_ON_OBJECT], 8, on) == 1.0).all()
    assert t.deltas[RANDOM_ON_OBJECT, 7].shape == (4,)
