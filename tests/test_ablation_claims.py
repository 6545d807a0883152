"""Table 2 and 3's claims as verdicts (zfviz.methods.ablation_claims), on the paper's own numbers
and on constructed counterexamples."""

import pytest

from zfviz.methods.ablation_claims import (
    by_seed,
    claim_depth_matters,
    claim_ensemble_helps,
    claim_fc_layers_cost_little,
    claim_widening_all_overfits,
    claim_wider_conv_helps,
    paper_ensemble,
    paper_errors,
)


def _flat(val: float = 0.3, gap: float = 0.05) -> dict:
    """Every variant equally good and equally overfit: no claim about differences holds."""
    names = ["baseline", "removed 7", "removed 6,7", "removed 3,4,6,7"]
    names += ["conv3-5 widened", "both widened"]
    return {n: {"val_top1": val, "gap": gap} for n in names}


def test_the_papers_own_numbers_pass_every_table3_claim():
    alexnet, zfnet = paper_errors("alexnet"), paper_errors("zfnet")
    assert claim_fc_layers_cost_little(alexnet).holds
    assert claim_depth_matters(alexnet).holds
    assert claim_wider_conv_helps(zfnet).holds
    assert claim_widening_all_overfits(zfnet).holds


def test_the_papers_own_numbers_pass_the_ensemble_claim():
    assert claim_ensemble_helps(*paper_ensemble()).holds


def test_a_net_that_loses_ten_points_without_its_fc_layers_fails_the_fc_claim():
    errors = _flat()
    errors["removed 6,7"]["val_top1"] = 0.40
    verdict = claim_fc_layers_cost_little(errors)
    assert not verdict.holds and verdict.margin == pytest.approx(-0.05)


def test_a_4_layer_net_as_good_as_the_baseline_fails_the_depth_claim():
    verdict = claim_depth_matters(_flat())
    assert not verdict.holds and verdict.margin == pytest.approx(-0.10)


def test_a_widened_net_no_better_than_the_baseline_fails_the_widening_claim():
    assert not claim_wider_conv_helps(_flat()).holds


def test_a_widest_net_that_overfits_less_than_another_fails_the_overfitting_claim():
    errors = _flat()
    errors["removed 7"]["gap"] = 0.10
    verdict = claim_widening_all_overfits(errors)
    assert not verdict.holds and "largest other gap (removed 7)" in verdict.numbers


def test_an_ensemble_of_identical_members_fails_the_ensemble_claim():
    # Identical members average to themselves: equality is not an improvement.
    assert not claim_ensemble_helps([0.3, 0.3, 0.3], 0.3).holds


def test_a_missing_variant_is_named_in_the_error():
    with pytest.raises(KeyError, match="conv3-5 widened"):
        claim_wider_conv_helps({"baseline": {"val_top1": 0.3}})


def test_by_seed_groups_rows_by_seed_then_variant():
    rows = [
        {"variant": "baseline", "seed": 0, "val_top1": 0.3},
        {"variant": "baseline", "seed": 1, "val_top1": 0.4},
        {"variant": "removed 7", "seed": 0, "val_top1": 0.2},
    ]
    grouped = by_seed(rows)
    assert sorted(grouped) == [0, 1] and grouped[0]["removed 7"] == {"val_top1": 0.2}
