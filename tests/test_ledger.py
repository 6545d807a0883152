"""The ledger of claims across chapters and profiles (zfviz.book.ledger)."""

import pytest

from zfviz.book.ledger import ledger, recorded_verdicts, verdict_values
from zfviz.core.claims import at_least, over_seeds
from zfviz.core.results import Recorded, read, record


def _verdicts():
    holds = at_least("a beats b", "Table 1", "a", 2, "b", 1)
    fails = at_least("c beats d", "Table 2", "c", 0, "d", 1)
    return [over_seeds([holds, holds]), over_seeds([fails, holds])]


def test_verdicts_survive_the_results_registry(tmp_path):
    record("occlusion", {"x": 1.0, **verdict_values(_verdicts())}, "quick", str(tmp_path))
    back = recorded_verdicts(read("occlusion", "quick", str(tmp_path)))
    assert [v["claim"] for v in back] == ["a beats b", "c beats d"]
    assert back[0]["verdict"] == "reproduces (2 of 2 seeds)"
    assert back[1]["verdict"] == "does not reproduce (1 of 2 seeds)"
    assert back[1]["margin"] == pytest.approx(-1.0)


def test_the_ledger_names_what_each_profile_did_not_run_or_judge():
    values = verdict_values(_verdicts())
    quick = {"occlusion": Recorded("occlusion", "quick", values, "now")}
    full = {"occlusion": Recorded("occlusion", "full", {"x": 1.0}, "now")}
    rows = ledger({"quick": quick, "full": full, "other": {}}, ["occlusion", "ablations"])
    assert [r["claim"] for r in rows] == ["a beats b", "c beats d"]
    assert rows[1]["quick"] == "does not reproduce (1 of 2 seeds)"
    assert rows[0]["full"] == "not judged in this profile"
    assert rows[0]["other"] == "not run yet"


def test_only_verdicts_can_be_recorded_as_claims():
    with pytest.raises(TypeError, match="Verdicts"):
        verdict_values([0.5])


def test_two_verdicts_with_the_same_words_are_refused():
    # The ledger joins profiles by the claim's words: two claims must not share them.
    v = at_least("a beats b", "Table 1", "a", 2, "b", 1)
    with pytest.raises(ValueError, match="repeated"):
        verdict_values([v, v])
