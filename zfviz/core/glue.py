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

import numpy as np
import torch

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
    value = _plain(value)
    if isinstance(value, str):
        from IPython.display import Markdown

        value = Markdown(value)
    myst_glue(name, value, display=False)


def _plain(value: object) -> object:
    """A NumPy or torch scalar as the Python number it holds, anything else as it is.

    myst-nb formats ``{glue:text}`name:.2f``` by parsing the value's repr, and NumPy 2 writes
    ``np.float64(0.47)``, which it cannot parse (the build then warns, and fails under -W).
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.Tensor) and value.dim() == 0:
        return value.item()
    return value
