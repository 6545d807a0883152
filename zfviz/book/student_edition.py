"""The student edition: a copy of the book with the exercises' solutions taken out.

    python -m zfviz.book.student_edition OUTDIR          # from the repository root
    jupyter-book build OUTDIR                       # the student edition's rendered book

The copy has the book's configuration, table of contents, notebooks and pages, with:

* every ``{solution}`` directive (a markdown cell in a notebook, a block in a page) removed;
* every gated solution, the cells from ``{solution-start}`` to ``{solution-end}``, replaced by
  one code cell per solution code cell: a stub that keeps each function's signature and
  docstring and raises ``NotImplementedError`` ("your code here");
* the instructor guide (``book/instructors.md``) left out, along with its table-of-contents
  entry.

The exercise statements and the check cells stay. A check of a stub says "not implemented
yet" without failing (see :mod:`zfviz.book.exercises`), so every student notebook runs to its end.
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import sys
from pathlib import Path

import nbformat
import yaml

__all__ = ["INSTRUCTOR_ONLY", "stub_for", "strip_notebook", "strip_markdown", "write_edition"]

INSTRUCTOR_ONLY = ("book/instructors",)  # toc entries (paths without suffix) left out
_SOLUTION = re.compile(r"^(`{3,}|:{3,})\{solution\}")
_START = re.compile(r"^(`{3,}|:{3,})\{solution-start\}")
_END = re.compile(r"^(`{3,}|:{3,})\{solution-end\}")
STUB_LINE = 'raise NotImplementedError("your code here")'


def stub_for(code: str) -> str:
    """A stub of a solution cell: each top-level function keeps its signature and docstring,
    its body becomes "your code here"; everything else in the cell is dropped.

    Example:
        >>> print(stub_for('import numpy as np\\n\\ndef f(x):\\n    "Twice x."\\n    return 2 * x'))
        def f(x):
            "Twice x."
            # your code here
            raise NotImplementedError("your code here")
    """
    tree = ast.parse(code)
    lines = code.splitlines()
    stubs = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        first = node.body[0]
        has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
            isinstance(first.value.value, str)  # fmt: skip
        start = (node.decorator_list[0] if node.decorator_list else node).lineno - 1
        keep_to = first.end_lineno if has_doc else first.lineno - 1  # header (+ docstring)
        indent = " " * first.col_offset
        head = lines[start:keep_to]
        stubs.append("\n".join([*head, f"{indent}# your code here", f"{indent}{STUB_LINE}"]))
    return "\n\n\n".join(stubs) if stubs else "# your code here"


def strip_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version of one notebook (a new object; outputs cleared)."""
    cells, in_solution = [], False
    for cell in nb.cells:
        source = cell.source.lstrip()
        if cell.cell_type == "markdown" and _START.match(source):
            if in_solution:
                raise ValueError("a {solution-start} inside another gated solution")
            in_solution = True
            continue
        if cell.cell_type == "markdown" and _END.match(source):
            if not in_solution:
                raise ValueError("a {solution-end} without a {solution-start}")
            in_solution = False
            continue
        if in_solution:
            if cell.cell_type == "code":
                cells.append(nbformat.v4.new_code_cell(stub_for(cell.source)))
            continue  # markdown inside a gated solution is solution text
        if cell.cell_type == "markdown" and _SOLUTION.match(source):
            continue
        if cell.cell_type == "markdown" and "{solution" in cell.source:
            raise ValueError(f"a solution directive that is not its own cell: {cell.source[:80]!r}")
        copy = nbformat.from_dict(dict(cell))
        if copy.cell_type == "code":
            copy.outputs, copy.execution_count = [], None
        cells.append(copy)
    if in_solution:
        raise ValueError("a {solution-start} without a {solution-end}")
    out = nbformat.from_dict(dict(nb))
    out.cells = cells
    return out


def strip_markdown(text: str) -> str:
    """A markdown page without its ``{solution}`` blocks (fenced with backticks or colons).

    Example:
        >>> strip_markdown("a\\n```{solution} ex\\n:class: dropdown\\nsecret\\n```\\nb\\n")
        'a\\nb\\n'
    """
    out, lines, i = [], text.splitlines(keepends=True), 0
    while i < len(lines):
        match = _SOLUTION.match(lines[i]) or _START.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        fence = match.group(1)
        i += 1
        while i < len(lines) and lines[i].rstrip() != fence:
            i += 1
        i += 1  # the closing fence
    return "".join(out)


def _toc_without(toc: dict, dropped: tuple[str, ...]) -> dict:
    def keep(entries: list) -> list:
        kept = []
        for entry in entries:
            if entry.get("file") in dropped:
                continue
            entry = dict(entry)
            for key in ("sections", "chapters"):
                if key in entry:
                    entry[key] = keep(entry[key])
            kept.append(entry)
        return kept

    toc = dict(toc)
    for key in ("chapters", "parts", "sections"):
        if key in toc:
            toc[key] = keep(toc[key])
    return toc


def write_edition(root: str | Path, out: str | Path, execute: bool = True) -> list[Path]:
    """Write the student edition of the book at ``root`` into ``out`` (created; it must not
    exist or be empty). Returns the files written. ``execute=False`` switches execution off in
    the copy's ``_config.yml`` (a build then only checks the pages, quickly).
    """
    root, out = Path(root), Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty; choose a new folder")
    if out.resolve() == root.resolve() or (root / "book").resolve() in out.resolve().parents:
        raise ValueError("the student edition must be written outside the book's own files")
    config = yaml.safe_load((root / "_config.yml").read_text())
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    config["title"] = f"{config.get('title', 'The book')} (student edition)"
    if not execute:
        config.setdefault("execute", {})["execute_notebooks"] = "off"
        # unexecuted, the notebooks hold no glued numbers for the prose to cite
        sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx_config["suppress_warnings"] = [*sphinx_config.get("suppress_warnings", []),
                                              "mystnb.glue"]  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "_config.yml", out / "_toc.yml"]
    written[0].write_text(yaml.safe_dump(config, sort_keys=False))
    written[1].write_text(yaml.safe_dump(_toc_without(toc, INSTRUCTOR_ONLY), sort_keys=False))
    # the local Sphinx extensions (e.g. ``_ext``) and the static files (the page's CSS) that
    # the configuration names travel with the book
    sphinx = config.get("sphinx") or {}
    local = sphinx.get("local_extensions") or {}
    static = (sphinx.get("config") or {}).get("html_static_path") or []
    files = [
        p for folder in sorted(set(local.values())) for p in sorted((root / folder).glob("*.py"))
    ]
    files += [p for folder in static for p in sorted((root / folder).rglob("*")) if p.is_file()]
    for path in files:
        target = out / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        written.append(target)
    book = root / "book"
    for path in sorted(book.rglob("*")):
        relative = path.relative_to(root)
        if path.is_dir() or "_build" in relative.parts or relative.name.startswith("."):
            continue
        if str(relative.with_suffix("")) in INSTRUCTOR_ONLY:
            continue
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            nb = strip_notebook(nbformat.read(path, as_version=4))
            target.write_text(nbformat.writes(nb) + "\n")
        elif path.suffix == ".md":
            target.write_text(strip_markdown(path.read_text()))
        else:
            shutil.copy2(path, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zfviz.book.student_edition",
        description="Write the student edition of the book: solutions stripped, exercises and "
        "their checks kept.",
    )
    parser.add_argument("outdir", help="where to write it (a new or empty folder)")
    parser.add_argument("--book", default=".", help="the book's root (default: here)")
    parser.add_argument("--no-execute", action="store_true",
                        help="switch notebook execution off in the copy's _config.yml")  # fmt: skip
    args = parser.parse_args(argv)
    if not (Path(args.book) / "_toc.yml").exists():
        print(f"error: {args.book!r} is not the book's root (no _toc.yml there); run this from "
              f"the repository root or pass --book", file=sys.stderr)  # fmt: skip
        return 2
    try:
        files = write_edition(args.book, args.outdir, execute=not args.no_execute)
    except (FileExistsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"student edition: {len(files)} files in {args.outdir}; build it with "
          f"`jupyter-book build {args.outdir}`")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
