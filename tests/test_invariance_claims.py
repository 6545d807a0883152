"""Fig. 5's claims as verdicts (zfviz.methods.invariance_claims), on constructed measurements."""

import numpy as np
import pytest

from zfviz.methods.invariance_claims import (
    claim_layer7_steadier,
    claim_rotation_costs_more_than_scale,
    claim_rotation_costs_more_than_translation,
    claim_symmetric_survives_rotation,
)


def _stats(l1: list, l7: list) -> dict:
    return {("translation", 1): np.array(l1), ("translation", 7): np.array(l7)}


def test_a_layer_7_that_changes_less_on_most_images_is_steadier():
    stats = _stats([(0.5, 0.8), (0.6, 0.9), (0.4, 0.7)], [(0.2, 0.3), (0.3, 0.4), (0.5, 0.9)])
    assert claim_layer7_steadier(stats, "translation").holds


def test_a_layer_7_that_changes_as_much_as_layer_1_is_not_steadier():
    # Negative control: what a network whose top layer copies its bottom layer would give.
    same = [(0.5, 0.8), (0.6, 0.9), (0.4, 0.7)]
    assert not claim_layer7_steadier(_stats(same, same), "translation").holds


def test_a_lower_mean_carried_by_one_image_is_not_a_majority():
    stats = _stats([(0.9, 0.8), (0.3, 0.5), (0.3, 0.5)], [(0.1, 0.1), (0.4, 0.6), (0.4, 0.6)])
    verdict = claim_layer7_steadier(stats, "translation")
    assert not verdict.holds and verdict.numbers["layer 1 mean change"] > verdict.numbers["layer 7"]


def _prob(rotation: float, translation: float = 0.9, scale: float = 0.8, sym: float = 0.95):
    p = {}
    for n in ("car", "house"):
        p["rotation", n] = np.array([1.0, rotation])
        p["translation", n] = np.array([1.0, translation])
        p["scale", n] = np.array([1.0, scale])
    p["rotation", "flower"] = np.array([sym, sym])
    p["translation", "flower"] = np.array([sym, sym])
    return p


def test_rotation_that_costs_most_passes_both_rotation_claims():
    p = _prob(rotation=0.2)
    assert claim_rotation_costs_more_than_translation(p, ["car", "house"]).holds
    assert claim_rotation_costs_more_than_scale(p, ["car", "house"]).holds


def test_a_network_invariant_to_rotation_fails_both_rotation_claims():
    p = _prob(rotation=0.95)
    assert not claim_rotation_costs_more_than_translation(p, ["car", "house"]).holds
    assert not claim_rotation_costs_more_than_scale(p, ["car", "house"]).holds


def test_a_symmetric_object_that_loses_its_class_when_turned_fails_the_exception():
    assert claim_symmetric_survives_rotation(_prob(0.2), "flower", ["car", "house"]).holds
    p = _prob(0.2)
    p["rotation", "flower"] = np.array([0.95, 0.1])
    assert not claim_symmetric_survives_rotation(p, "flower", ["car", "house"]).holds


def test_a_missing_sweep_is_named():
    with pytest.raises(KeyError, match="scale of 'tree'"):
        claim_rotation_costs_more_than_scale(_prob(0.2), ["tree"])
