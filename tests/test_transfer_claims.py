"""Table 4 and Fig. 9's claims as verdicts (zfviz.methods.transfer_claims)."""

import numpy as np
import pytest

from zfviz.methods.transfer import FoldScores
from zfviz.methods.transfer_claims import (
    claim_above_chance,
    claim_beats_earlier_method_with_fewer_images,
    claim_grows_with_data,
    claim_pretrained_beats_scratch,
)


def _folds(mean: float, sd: float) -> np.ndarray:
    return np.array([mean - sd, mean + sd])  # population std = sd


def test_the_papers_table4_passes_at_15_and_30_images_per_class():
    assert claim_pretrained_beats_scratch(_folds(0.838, 0.005), _folds(0.228, 0.015), 15).holds
    assert claim_pretrained_beats_scratch(_folds(0.865, 0.005), _folds(0.465, 0.017), 30).holds


def test_a_lead_within_the_spread_fails():
    verdict = claim_pretrained_beats_scratch(_folds(0.60, 0.05), _folds(0.58, 0.02), 15)
    assert not verdict.holds and verdict.margin == pytest.approx(0.02 - 0.05)


def test_a_probe_at_chance_fails_the_chance_claim():
    # Negative control: what a probe on features unrelated to the labels scores.
    scores = {1: FoldScores(1, _folds(0.31, 0.05)), 5: FoldScores(5, _folds(0.11, 0.02))}
    assert not claim_above_chance(scores, chance=0.1).holds


def test_a_probe_well_above_chance_passes():
    scores = {1: _folds(0.31, 0.05), 5: _folds(0.6, 0.02)}
    assert claim_above_chance(scores, chance=0.1).holds


def test_growth_compares_the_largest_with_the_smallest_training_set():
    assert claim_grows_with_data({1: [0.3], 5: [0.2], 30: [0.5]}).holds
    assert not claim_grows_with_data({1: [0.5], 30: [0.5]}).holds


def test_scores_must_hold_one_accuracy_per_fold():
    with pytest.raises(ValueError, match="one accuracy per fold"):
        claim_pretrained_beats_scratch([], [0.5], 5)


def test_cross_validation_rejects_a_penalty_so_strong_the_probe_cannot_learn():
    from zfviz.methods.transfer import choose_c

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 20)
    x = rng.normal(size=(60, 5)) + 3.0 * np.eye(5)[y]
    chosen, accuracy = choose_c(x, y, grid=(1e-6, 1.0))
    assert chosen == 1.0 and accuracy[1e-6] < accuracy[1.0]


def test_the_papers_table7_rises_and_peaks_at_layer_5_or_above():
    from zfviz.methods.transfer_claims import (
        PAPER_TABLE7_SVM,
        claim_best_layer_deep,
        claim_rises_with_depth,
    )

    assert claim_rises_with_depth(PAPER_TABLE7_SVM).holds
    assert claim_best_layer_deep(PAPER_TABLE7_SVM).holds


def test_a_curve_that_peaks_at_layer_3_fails_the_best_layer_claim():
    from zfviz.methods.transfer_claims import claim_best_layer_deep

    verdict = claim_best_layer_deep({1: 0.3, 2: 0.4, 3: 0.6, 4: 0.5, 5: 0.45})
    assert not verdict.holds and verdict.margin == pytest.approx(-1.0)


def test_a_curve_that_falls_from_layer_1_fails_the_rise_claim():
    from zfviz.methods.transfer_claims import claim_rises_with_depth

    assert not claim_rises_with_depth({1: 0.5, 2: 0.6, 3: 0.55}).holds
    with pytest.raises(ValueError, match="layers \\[3\\]"):
        claim_rises_with_depth({1: 0.5, 2: 0.6})


def test_the_earlier_method_claim_holds_on_the_papers_caltech256_numbers():
    # Fig. 9 / Sec. 5.2: pretrained 65.7 at 15 per class; best earlier method 55.2 at 60
    pretrained = {15: [0.657], 30: [0.706], 45: [0.727], 60: [0.742]}
    earlier = {15: [0.405], 30: [0.48], 45: [0.519], 60: [0.552]}
    verdict = claim_beats_earlier_method_with_fewer_images(pretrained, earlier)
    assert verdict.holds
    assert verdict.numbers["fewest images per class that beat it"] == 15


def test_the_earlier_method_claim_fails_when_the_probe_never_catches_up():
    pretrained = {1: [0.2], 10: [0.3], 45: [0.42]}
    earlier = {1: [0.15], 10: [0.38], 45: [0.47]}
    verdict = claim_beats_earlier_method_with_fewer_images(pretrained, earlier)
    assert not verdict.holds and verdict.margin < 0
    assert verdict.numbers["fewest images per class that beat it"] == 46


def test_the_earlier_method_claim_ignores_a_win_at_the_same_size():
    verdict = claim_beats_earlier_method_with_fewer_images({5: [0.1], 30: [0.9]}, {30: [0.5]})
    assert not verdict.holds  # beating it with as many images is not the claim
