"""The README's quickstart is a promise: three commands, and CI runs the same set-up and tests."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _quickstart() -> list[str]:
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split("## Quickstart", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_quickstart_is_three_commands_set_up_build_test():
    setup, build, test = _quickstart()
    assert setup == "pip install -r requirements.txt"
    assert build.startswith("jupyter-book build")
    assert test == "pytest"


def test_ci_runs_the_quickstart_set_up_and_test_commands_word_for_word():
    ci = [line.strip() for line in open(os.path.join(ROOT, ".ci", "run")).read().splitlines()]
    setup, _, test = _quickstart()
    assert setup in ci and test in ci


def test_quickstart_book_build_writes_the_rendered_book_to_build_html():
    # jupyter-book writes <source>/_build/html; the config makes the book's root page the index
    _, build, _ = _quickstart()
    assert build.split()[-1] == "."
    assert "root: book/intro" in open(os.path.join(ROOT, "_toc.yml")).read()
