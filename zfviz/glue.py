"""Numbers measured by a cell and inserted into the chapter's prose (myst-nb's glue).

A chapter's text never types a measured number: a cell computes it and calls
``glue("name", value)``, and the Markdown cites it with ``{glue:text}`name:.2f```. A phrase
that depends on a measurement (``glue("moved", "towards oriented ones")``) is cited with
``{glue:md}`moved``` (glued as Markdown, so it shows without quotes). In the book
build (and in Jupyter with myst-nb installed) this is myst-nb's own ``glue``; where myst-nb is
missing (a Colab reader who installed only ``zfviz``) the value is simply not shown, since the
prose that cites it is not rendered there either.
"""

from __future__ import annotations

__all__ = ["glue"]


def glue(name: str, value: object) -> None:
    """Make ``value`` citable in the chapter's Markdown as ``name``, without showing it here.

    Example:
        >>> glue("selectivity", 0.42)  # outside a notebook: nothing to show, no error
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    try:
        from IPython import get_ipython
        from myst_nb import glue as myst_glue
    except ImportError:
        return
    if get_ipython() is None:
        return
    if isinstance(value, str):
        from IPython.display import Markdown

        value = Markdown(value)
    myst_glue(name, value, display=False)
