"""The rendered book: it builds with warnings as errors, and every chapter in the table of contents
becomes a page. The build executes every chapter (a failing cell or claim check fails it); it
is the session fixture ``built_book`` (tests/conftest.py), shared with test_browser.py."""

import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _toc_files() -> list[str]:
    toc = yaml.safe_load(open(os.path.join(ROOT, "_toc.yml")))
    return [toc["root"]] + [c["file"] for c in toc["chapters"]]


def test_every_toc_entry_exists():
    for f in _toc_files():
        assert any(os.path.exists(os.path.join(ROOT, f + ext)) for ext in (".ipynb", ".md")), f


def test_notebooks_are_committed_without_outputs():
    import nbformat

    for f in _toc_files():
        path = os.path.join(ROOT, f + ".ipynb")
        if os.path.exists(path):
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    assert not cell.outputs and cell.execution_count is None, path


def test_every_notebook_cell_has_a_unique_id():
    # nbformat 4.5 requires ids; a cell added without one draws a warning in every run, and
    # future nbformat versions refuse the file
    import json

    for f in _toc_files():
        path = os.path.join(ROOT, f + ".ipynb")
        if os.path.exists(path):
            ids = [c.get("id") for c in json.load(open(path))["cells"]]
            assert None not in ids, f"{path}: cell {ids.index(None)} has no id"
            assert len(set(ids)) == len(ids), f"{path}: two cells share an id"


def test_book_builds_with_warnings_as_errors(built_book):
    if built_book.reused:
        pytest.skip(f"reusing a build made before ({built_book.log}): not watched here")
    assert built_book.returncode == 0, built_book.log
    html = built_book.html
    assert (html / "index.html").exists()
    for f in _toc_files():
        assert (html / (f + ".html")).exists(), f
