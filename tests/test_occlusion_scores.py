"""Occlusion against ground truth, and its claims (zfviz.methods.occlusion_scores)."""

import numpy as np
import pytest
import torch
from torch import nn

from zfviz.data import world
from zfviz.methods.occlusion_scores import (
    claim_context_bias,
    claim_drop_on_object,
    claim_feature_drops_over_projection,
    claim_feature_not_always_evidence,
    feature_validation,
    score_images,
    score_table,
    summarise,
    summarise_groups,
)

BOX = (10.0, 10.0, 22.0, 22.0)


class Looker(nn.Module):
    """Class 0's logit is twice the mean pixel under ``mask``: it sees only there (and far from
    saturating the softmax, so that every covered pixel under the mask lowers p)."""

    def __init__(self, mask: torch.Tensor):
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 1, bias=False)
        nn.init.constant_(self.conv.weight, 1 / 3)
        self.register_buffer("mask", mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = 2 * (self.conv(x) * self.mask).sum(dim=(1, 2, 3)) / self.mask.sum()
        return torch.stack([s, -s], dim=1)


def _mask(on_object: bool) -> torch.Tensor:
    inside = torch.zeros(32, 32)
    inside[10:22, 10:22] = 1.0
    return inside if on_object else 1.0 - inside


def _scores(on_object: bool) -> dict:
    inputs = torch.ones(3, 3, 32, 32)
    boxes = np.array([BOX] * 3)
    rows = score_images(Looker(_mask(on_object)), inputs, [0, 0, 0], boxes, 6, 2, False)
    return summarise(rows)


def test_a_model_that_looks_at_the_object_satisfies_the_claim():
    verdict = claim_drop_on_object(_scores(on_object=True))
    assert verdict.holds and verdict.numbers["pointing game"] == 1.0


def test_a_model_that_looks_only_at_the_context_fails_the_claim():
    # Negative control: covering the object changes nothing, covering the border does.
    verdict = claim_drop_on_object(_scores(on_object=False))
    assert not verdict.holds and verdict.numbers["drop inside box"] < 0.05


def test_scores_need_one_box_and_label_per_image():
    with pytest.raises(ValueError, match="one entry per image"):
        score_images(Looker(_mask(True)), torch.ones(2, 3, 32, 32), [0], np.array([BOX]), 6, 2)


def test_summarise_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="at least one"):
        summarise([])


def _context(mushroom_grass: float, face_grass: float) -> dict:
    def row(grass: float) -> dict:
        return {b: (grass if b == "grass" else 0.5) for b in world.BACKGROUNDS}

    return {"mushroom": row(mushroom_grass), "face": row(face_grass)}


def test_a_class_that_gains_on_its_background_while_the_control_does_not_is_biased():
    verdict = claim_context_bias(_context(0.9, 0.52))
    assert verdict.holds and verdict.margin == pytest.approx(0.08)


@pytest.mark.parametrize(
    "mushroom_grass, face_grass", [(0.55, 0.5), (0.9, 0.9), (0.4, 0.5)], ids=str
)
def test_no_gain_or_a_gain_for_every_class_is_not_a_context_bias(mushroom_grass, face_grass):
    assert not claim_context_bias(_context(mushroom_grass, face_grass)).holds


def test_groups_split_the_images_into_unbiased_and_each_biased_class():
    rows = [
        {"label": c, "pointing": p, "inside_share": 0.5, "chance_share": 0.4, "largest_drop": 0.1}
        for c, p in [(0, 1.0), (1, 0.0), (2, 1.0), (2, 1.0)]
    ]
    groups = summarise_groups(rows, ["face", "mushroom", "car"], biased=["mushroom", "car"])
    assert list(groups) == ["all", "unbiased classes", "car (biased)", "mushroom (biased)"]
    assert groups["all"]["pointing"] == 0.75 and groups["all"]["count"] == 4
    assert groups["unbiased classes"]["count"] == 1
    assert (
        groups["car (biased)"]["pointing"] == 1.0 and groups["mushroom (biased)"]["pointing"] == 0
    )
    assert score_table(groups)[0]["pointing game"] == 0.75


def test_the_claim_names_the_images_it_was_judged_on():
    verdict = claim_drop_on_object(_scores(on_object=True), images="unbiased classes")
    assert verdict.claim.endswith("(unbiased classes)")


def _fig7_maps(feature_follows_projection: bool, evidence_on_projection: bool):
    """Constructed Fig. 7 maps on a 32-px image: the projection fills the top-left 8x8 corner;
    an 8-px square moves by 4 px (7 x 7 positions)."""
    from zfviz.methods.occlusion import OcclusionMaps

    positions = list(range(0, 25, 4))
    projection = torch.zeros(3, 32, 32)
    projection[:, :8, :8] = 1.0
    near = torch.zeros(7, 7, dtype=torch.bool)
    near[:2, :2] = True  # the squares that hold at least half of the projection
    if feature_follows_projection:
        feature = torch.where(near, 2.0, 9.5)
    else:
        feature = torch.full((7, 7), 5.0)
    probability = torch.ones(7, 7)
    probability[(0, 0) if evidence_on_projection else (6, 6)] = 0.2
    predicted = torch.zeros(7, 7, dtype=torch.long)
    return OcclusionMaps(feature, probability, predicted, positions, positions, 8, 4, 0.0,
                         "pool5", 0, 0, 10.0, 1.0, 0, projection)  # fmt: skip


def test_a_feature_that_drops_over_its_projection_passes_fig7_validation():
    scores = feature_validation(_fig7_maps(True, False))
    assert scores["drop_over"] == pytest.approx(0.8)
    assert scores["drop_elsewhere"] == pytest.approx(0.05)
    assert claim_feature_drops_over_projection(scores).holds


def test_a_feature_that_drops_everywhere_alike_fails_fig7_validation():
    # Negative control: the projection says nothing about where the feature's input is.
    scores = feature_validation(_fig7_maps(False, False))
    assert not claim_feature_drops_over_projection(scores).holds


def test_evidence_on_the_projection_in_every_image_fails_the_not_always_claim():
    on = feature_validation(_fig7_maps(True, True))
    off = feature_validation(_fig7_maps(True, False))
    assert on["evidence_over"] == 1.0 and off["evidence_over"] == 0.0
    assert not claim_feature_not_always_evidence(on).holds
    assert claim_feature_not_always_evidence(off).holds


def test_fig7_validation_needs_the_projection():
    maps = _fig7_maps(True, True)
    maps.projection = None
    with pytest.raises(ValueError, match="with_projection=True"):
        feature_validation(maps)
