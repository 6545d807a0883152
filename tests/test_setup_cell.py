"""The set-up cell: one source (zfviz.book.setup_cell) in every chapter, pinned to this release."""

import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from zfviz import __version__
from zfviz.book import setup_cell

ROOT = Path(__file__).resolve().parent.parent


def test_every_chapter_starts_with_the_one_set_up_cell():
    assert setup_cell.BOOK == ROOT / "book"  # the check looks at the book's own chapters
    assert setup_cell.chapters_out_of_date() == []


def test_a_folder_without_chapters_is_an_error_not_a_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="no chapters"):
        setup_cell.chapters_out_of_date(tmp_path)


def test_the_cell_installs_the_tag_of_this_version_not_main():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^version = "(.+)"$', pyproject, re.M).group(1) == __version__
    assert f"@{setup_cell.release_tag()}" in setup_cell.SOURCE
    assert "@main" not in setup_cell.SOURCE


def test_a_chapter_whose_cell_differs_is_reported_and_rewritten(tmp_path):
    book = tmp_path / "book"
    shutil.copytree(ROOT / "book", book, ignore=shutil.ignore_patterns("_build"))
    path = book / "occlusion.ipynb"
    notebook = nbformat.read(path, as_version=4)
    first = next(c for c in notebook.cells if "first-cell" in c.metadata.get("tags", []))
    first.source = first.source.replace("zfviz-cache", "somewhere-else")
    nbformat.write(notebook, path)
    assert setup_cell.chapters_out_of_date(book) == ["occlusion.ipynb"]
    assert setup_cell.main(["--check", "--book", str(book)]) == 1
    assert setup_cell.write(book) == ["occlusion.ipynb"]
    assert setup_cell.chapters_out_of_date(book) == []


def _run_cell(monkeypatch, source: str) -> dict:
    namespace: dict = {}
    exec(compile(source, "setup-cell", "exec"), namespace)
    return namespace


def test_outside_colab_the_cell_installs_nothing_and_shows_the_profile(monkeypatch, capsys):
    monkeypatch.setenv("ZFVIZ_PROFILE", "quick")
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    ran = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: ran.append(a))
    namespace = _run_cell(monkeypatch, setup_cell.SOURCE)
    assert ran == [] and namespace["profile"].name == "quick"
    assert "profile=quick" in capsys.readouterr().out


def _fake_colab(monkeypatch) -> list:
    mounted = []
    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=mounted.append)
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    return mounted


@pytest.mark.parametrize(("profile", "extra"), [("quick", ""), ("full", "[full]")])
def test_on_colab_the_cell_installs_the_pinned_release_for_the_chosen_profile(
    monkeypatch, profile, extra
):
    _fake_colab(monkeypatch)
    commands = []
    monkeypatch.setattr(subprocess, "run", lambda command, **k: commands.append(command))
    monkeypatch.setenv("ZFVIZ_PROFILE", "quick")  # the form field wins on Colab
    source = setup_cell.SOURCE.replace('PROFILE = "quick"', f'PROFILE = "{profile}"')
    namespace = _run_cell(monkeypatch, source)
    tag = setup_cell.release_tag()
    assert commands[0][-1] == f"zfviz{extra} @ git+{setup_cell.REPOSITORY}@{tag}"
    assert namespace["os"].environ["ZFVIZ_PROFILE"] == profile


def test_on_colab_the_cache_can_live_on_drive(monkeypatch):
    mounted = _fake_colab(monkeypatch)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: None)
    monkeypatch.setenv("ZFVIZ_PROFILE", "quick")
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", "/somewhere")  # restored by monkeypatch afterwards
    source = setup_cell.SOURCE.replace("KEEP_CACHE_ON_DRIVE = False", "KEEP_CACHE_ON_DRIVE = True")
    namespace = _run_cell(monkeypatch, source)
    assert mounted == ["/content/drive"]
    assert namespace["os"].environ["ZFVIZ_CACHE_DIR"].startswith("/content/drive/")


def test_the_citation_and_the_changelog_name_this_version():
    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(r"^version: (.+)$", citation, re.M).group(1) == __version__
    assert f"## {__version__}" in (ROOT / "CHANGELOG.md").read_text()
