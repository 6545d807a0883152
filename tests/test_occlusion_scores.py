"""Occlusion against ground truth, and its claims (zfviz.occlusion_scores)."""

import numpy as np
import pytest
import torch
from torch import nn

from zfviz import world
from zfviz.occlusion_scores import (
    claim_context_bias,
    claim_drop_on_object,
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
