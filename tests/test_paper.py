"""The paper's side of the discussion: every chapter it names records, and the tables say why a
number is missing instead of inventing one."""

import json
import re
from pathlib import Path

import yaml

from zfviz.core.paper import CHAPTERS, FINDINGS, MEASURES, findings_table, side_by_side
from zfviz.core.results import Recorded

ROOT = Path(__file__).resolve().parent.parent


def test_every_chapter_named_records_its_numbers_in_its_claim_check():
    toc = [c["file"] for c in yaml.safe_load(open(ROOT / "_toc.yml"))["chapters"]]
    for chapter in CHAPTERS:
        assert f"book/{chapter}" in toc, chapter
        cells = json.load(open(ROOT / "book" / f"{chapter}.ipynb"))["cells"]
        # the claim check is the last code cell of the chapter proper, before its exercises
        heads = [i for i, c in enumerate(cells) if "".join(c["source"]).startswith("## Exercises")]
        chapter_cells = cells[: heads[0]] if heads else cells
        last = [c for c in chapter_cells if c["cell_type"] == "code"][-1]
        # (formatted code may break the call after its parenthesis)
        assert re.search(rf'record\(\s*"{chapter}"', "".join(last["source"])), chapter


def test_every_chapter_records_its_verdicts_for_the_ledger():
    for chapter in CHAPTERS:
        cells = json.load(open(ROOT / "book" / f"{chapter}.ipynb"))["cells"]
        code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert "verdict_values(" in code, chapter


def test_measures_and_findings_belong_to_named_chapters():
    assert {m.chapter for m in MEASURES} <= set(CHAPTERS)
    assert [f.chapter for f in FINDINGS] == list(CHAPTERS)
    assert len({(m.chapter, m.key) for m in MEASURES}) == len(MEASURES)


def test_missing_unusable_and_unrecorded_numbers_are_named():
    quick = {"training": Recorded("training", "quick", {"val_top1": 0.9}, "t"),
             "convnet": "unusable: damaged"}  # fmt: skip
    rows = side_by_side({"quick": quick})
    by = {(r["chapter"], r["measure"]): r["quick"] for r in rows}
    assert by["training", "validation top-1 accuracy (paper: ImageNet, 1000 classes)"] == "90.0%"
    assert by["training", "linear classifier on raw pixels"] == "not recorded"
    assert by["convnet", "parameters of ZFNet, 1000 classes (Fig. 3)"] == "unusable: damaged"
    assert by["analysis", "softmax on layer 7"] == "not run yet"


def test_a_finding_reads_held_only_for_a_recorded_chapter():
    quick = {"training": Recorded("training", "quick", {"val_top1": 0.9}, "t")}
    rows = {r["chapter"]: r["quick"] for r in findings_table({"quick": quick})}
    assert rows["training"].startswith("as expected: ")
    assert rows["occlusion"] == "not run yet"
