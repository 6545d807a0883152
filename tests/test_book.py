"""The rendered book: it builds with warnings as errors, and every chapter in the table of contents
becomes a page. (Each notebook is also run cell by cell by nbval: see pyproject.toml.)"""

import os
import shutil
import subprocess
import sys

import yaml

# the console script installed beside this Python (the same environment as the tests)
JUPYTER_BOOK = shutil.which("jupyter-book", path=os.path.dirname(sys.executable)) or "jupyter-book"
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


def test_book_builds_with_warnings_as_errors(tmp_path):
    proc = subprocess.run(
        [JUPYTER_BOOK, "build", ROOT, "--path-output", str(tmp_path),
         "-W", "--keep-going"],
        capture_output=True, text=True, env={**os.environ, "ZFVIZ_PROFILE": "quick"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]
    html = tmp_path / "_build" / "html"
    assert (html / "index.html").exists()
    for f in _toc_files():
        assert (html / (f + ".html")).exists(), f
