"""The results registry: what a chapter records is what the discussion reads, or a clear reason."""

import json
import os

import numpy as np
import pytest

from zfviz.core.results import ResultsError, read, read_all, record, results_dir


def test_recorded_values_read_back_per_profile(tmp_path):
    record("occlusion", {"pointing_game": 0.8}, "quick", str(tmp_path))
    record("occlusion", {"pointing_game": 0.6}, "full", str(tmp_path))
    assert read("occlusion", "quick", str(tmp_path)).values == {"pointing_game": 0.8}
    assert read("occlusion", "full", str(tmp_path)).values == {"pointing_game": 0.6}


def test_numpy_scalars_become_plain_numbers_and_nan_becomes_none(tmp_path):
    record("x", {"a": np.float32(0.5), "b": np.int64(3), "c": np.nan, "d": None}, "quick",
           str(tmp_path))  # fmt: skip
    values = read("x", "quick", str(tmp_path)).values
    assert values == {"a": 0.5, "b": 3, "c": None, "d": None}
    assert type(values["a"]) is float and type(values["b"]) is int


def test_a_later_run_replaces_the_earlier_one(tmp_path):
    record("training", {"val_top1": 0.5}, "quick", str(tmp_path))
    record("training", {"val_top1": 0.9}, "quick", str(tmp_path))
    assert read("training", "quick", str(tmp_path)).values == {"val_top1": 0.9}


def test_the_default_folder_is_the_cache_dir_of_the_current_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("ZFVIZ_PROFILE", "full")
    path = record("analysis", {"svm_layer1": 0.4})
    assert path == os.path.join(str(tmp_path), "results", "full", "analysis.json")
    assert results_dir() == os.path.dirname(path)


def test_writing_leaves_no_temporary_file(tmp_path):
    record("x", {"a": 1}, "quick", str(tmp_path))
    assert os.listdir(results_dir("quick", str(tmp_path))) == ["x.json"]


def test_a_missing_chapter_is_named_as_not_run(tmp_path):
    with pytest.raises(FileNotFoundError):
        read("transfer", "quick", str(tmp_path))
    assert read_all(["transfer"], "quick", str(tmp_path)) == {"transfer": "not run yet"}


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "\xff\xfe garbage",
        lambda text: text.replace('"pointing_game": 0.8', '"pointing_game": 0.99'),  # edited
        lambda text: text.replace('"format": 1', '"format": 7'),
        lambda text: text.replace('"chapter": "occlusion"', '"chapter": "training"'),
        lambda text: "[1, 2]",
    ],
    ids=["truncated", "garbage", "edited", "format", "other-chapter", "not-a-dict"],
)
def test_a_damaged_file_is_reported_not_used(tmp_path, damage):
    path = record("occlusion", {"pointing_game": 0.8}, "quick", str(tmp_path))
    text = open(path).read()
    assert '"pointing_game": 0.8' in text and '"format": 1' in text
    with open(path, "w", encoding="latin-1") as f:
        f.write(damage(text))
    with pytest.raises(ResultsError):
        read("occlusion", "quick", str(tmp_path))
    reason = read_all(["occlusion"], "quick", str(tmp_path))["occlusion"]
    assert isinstance(reason, str) and reason.startswith("unusable: ")


def test_a_file_moved_to_another_profile_is_rejected(tmp_path):
    path = record("occlusion", {"pointing_game": 0.8}, "quick", str(tmp_path))
    os.makedirs(results_dir("full", str(tmp_path)))
    os.replace(path, os.path.join(results_dir("full", str(tmp_path)), "occlusion.json"))
    with pytest.raises(ResultsError, match="another chapter or profile"):
        read("occlusion", "full", str(tmp_path))


@pytest.mark.parametrize(
    "values, error",
    [
        ({}, ValueError),
        ({"Bad Name": 1.0}, ValueError),
        ({"a": float("inf")}, ValueError),
        ({"a": [1, 2]}, TypeError),
        ({"a": np.zeros(3)}, TypeError),
    ],
)
def test_bad_values_are_refused_with_a_clear_error(tmp_path, values, error):
    with pytest.raises(error):
        record("x", values, "quick", str(tmp_path))


def test_bad_chapter_or_profile_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match="lower-case identifier"):
        record("../escape", {"a": 1}, "quick", str(tmp_path))
    with pytest.raises(ValueError, match="unknown profile"):
        record("x", {"a": 1}, "slow", str(tmp_path))


def test_the_file_is_plain_json_a_reader_can_open(tmp_path):
    path = record("x", {"a": 0.25, "b": True, "c": "text"}, "quick", str(tmp_path))
    content = json.load(open(path))
    assert content["values"] == {"a": 0.25, "b": True, "c": "text"}
    assert content["profile"] == "quick" and content["chapter"] == "x"
