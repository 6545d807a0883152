"""The set-up cell every chapter starts with, kept in one place.

On Colab it installs this release of zfviz (a pinned tag, so the book a reader opened and the
package it runs agree), lets the reader choose the profile in a form field, and can keep the
checkpoint cache and the results registry on Google Drive, so that they survive between
chapters (each Colab notebook runs on a fresh machine). Anywhere else it does nothing but show
the profile: ``ZFVIZ_PROFILE`` chooses it there (:mod:`zfviz.core.profiles`).

``python -m zfviz.book.setup_cell`` writes :data:`SOURCE` into the first cell of every chapter
(tagged ``first-cell``, and ``hide-input`` so the rendered page shows only its output);
``python -m zfviz.book.setup_cell --check`` (and ``tests/test_setup_cell.py``) fails when a
chapter's copy differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zfviz import __version__

__all__ = ["SOURCE", "TAGS", "REPOSITORY", "release_tag", "chapters_out_of_date", "write", "main"]

REPOSITORY = "https://github.com/zfviz/zfviz"
TAGS = ["first-cell", "hide-input"]
BOOK = Path(__file__).resolve().parents[2] / "book"  # zfviz/book/ -> the repository's book/


def release_tag(version: str = __version__) -> str:
    """The git tag of a release: ``v`` and the package version.

    Example:
        >>> release_tag("0.2.0")
        'v0.2.0'
    """
    return f"v{version}"


SOURCE = f"""# Set-up. On Colab, this installs zfviz {release_tag()} and applies the two choices
# below; the full profile needs a GPU and downloads ImageNet weights and data sets on
# first use (its run time on Colab is not measured yet). Elsewhere, the environment
# variable ZFVIZ_PROFILE chooses the profile.
import os
import sys

PROFILE = "quick"  # @param ["quick", "full"]
KEEP_CACHE_ON_DRIVE = False  # @param {{type:"boolean"}}

if "google.colab" in sys.modules:
    import subprocess

    extra = "[full]" if PROFILE == "full" else ""
    package = f"zfviz{{extra}} @ git+{REPOSITORY}@{release_tag()}"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)
    if KEEP_CACHE_ON_DRIVE:  # trained networks and measured numbers outlive the session
        from google.colab import drive

        drive.mount("/content/drive")
        os.environ["ZFVIZ_CACHE_DIR"] = "/content/drive/MyDrive/zfviz-cache"
    os.environ["ZFVIZ_PROFILE"] = PROFILE

from zfviz.core.profiles import current_profile  # noqa: E402 (on Colab: after the install)

profile = current_profile()
print(profile.describe())"""


def _chapters(book: Path) -> list[Path]:
    chapters = sorted(book.glob("*.ipynb"))
    if not chapters:  # a wrong folder must not pass the check with nothing checked
        raise FileNotFoundError(f"no chapters (*.ipynb) in {book}")
    return chapters


def _first_cell(notebook):  # the tagged cell, else None
    for cell in notebook.cells:
        if cell.cell_type == "code" and "first-cell" in cell.metadata.get("tags", []):
            return cell
    return None


def chapters_out_of_date(book: Path = BOOK) -> list[str]:
    """Chapters whose first cell is missing or differs from :data:`SOURCE` (or its tags).

    Example:
        >>> chapters_out_of_date()  # doctest: +SKIP
        []
    """
    import nbformat

    stale = []
    for path in _chapters(book):
        cell = _first_cell(nbformat.read(path, as_version=4))
        if cell is None or cell.source != SOURCE or cell.metadata.get("tags") != TAGS:
            stale.append(path.name)
    return stale


def write(book: Path = BOOK) -> list[str]:
    """Put :data:`SOURCE` into every chapter's first cell; returns the chapters it changed."""
    import nbformat

    changed = []
    for path in _chapters(book):
        notebook = nbformat.read(path, as_version=4)
        cell = _first_cell(notebook)
        if cell is None:
            raise ValueError(f"{path.name} has no code cell tagged 'first-cell'")
        if cell.source != SOURCE or cell.metadata.get("tags") != TAGS:
            cell.source, cell.metadata["tags"] = SOURCE, list(TAGS)
            nbformat.write(notebook, path)
            changed.append(path.name)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report chapters that differ")
    parser.add_argument("--book", type=Path, default=BOOK, help="folder of the chapters")
    args = parser.parse_args(argv)
    if args.check:
        stale = chapters_out_of_date(args.book)
        for name in stale:
            print(f"{name}: the set-up cell differs; run python -m zfviz.book.setup_cell")
        return 1 if stale else 0
    for name in write(args.book):
        print(f"{name}: set-up cell written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
