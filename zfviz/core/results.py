"""The book's measured numbers, kept per profile, so that the discussion sets them side by side.

Each chapter ends with a claim check; its last line records the headline numbers it measured::

    record("occlusion", {"pointing_game": 0.83, "drop_inside_box": 0.71})

The numbers go to ``<cache dir>/results/<profile>/<chapter>.json`` (see
:func:`zfviz.core.profiles.cache_dir`), written atomically (a temporary file, then ``os.replace``)
and with a checksum of their content. :func:`read` checks a file before use: a corrupt, foreign or
tampered file raises :class:`ResultsError` with the reason; it is never used as if it were fine.
A value may be ``None``: measured in one profile only (the quick world's boxes, say), so not here.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from zfviz.core.checkpoints import config_key, write_atomically
from zfviz.core.profiles import PROFILES, cache_dir, current_profile

__all__ = ["Recorded", "ResultsError", "record", "read", "read_all", "results_dir"]

FORMAT = 1
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

Value = float | int | bool | str | None


class ResultsError(Exception):
    """A results file that cannot be used: unreadable, of another format, or altered."""


@dataclass(frozen=True)
class Recorded:
    """The numbers one chapter measured in one profile, and when.

    Attributes:
        chapter: the chapter's file name without extension (``"occlusion"``).
        profile: ``"quick"`` or ``"full"``.
        values: name -> number (``None`` for a measure this profile does not make).
        recorded_at: UTC time of the run, ISO 8601.
    """

    chapter: str
    profile: str
    values: dict[str, Value]
    recorded_at: str


def _check_name(kind: str, name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{kind} must be a lower-case identifier like 'occlusion', got {name!r}")
    return name


def _profile_name(profile: str | None) -> str:
    name = current_profile().name if profile is None else profile
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}: choose one of {', '.join(PROFILES)}")
    return name


def _clean(values: Mapping[str, object]) -> dict[str, Value]:
    """Plain JSON values: numpy scalars become Python numbers; anything else is an error."""
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"values must be a non-empty mapping of name -> number, got {values!r}")
    clean: dict[str, Value] = {}
    for key, value in values.items():
        _check_name("a value's name", key)
        if value is None or isinstance(value, (bool, str)):
            clean[key] = value
            continue
        if hasattr(value, "item") and getattr(value, "size", 1) == 1:  # numpy / torch scalars
            value = value.item()
        if isinstance(value, bool):
            clean[key] = value
        elif isinstance(value, int):
            clean[key] = value
        elif isinstance(value, float):
            # NaN is a measure that could not be made (an empty group): say so with None
            clean[key] = None if math.isnan(value) else value
            if clean[key] is not None and math.isinf(value):
                raise ValueError(f"value {key!r} is infinite")
        else:
            raise TypeError(f"value {key!r} must be a number, bool, str or None, got {value!r}")
    return clean


def results_dir(profile: str | None = None, root: str | None = None) -> str:
    """The folder that holds one profile's results (it may not exist yet).

    ``root`` replaces the cache dir (:func:`zfviz.core.profiles.cache_dir`), e.g. in tests.

    Example:
        >>> results_dir("quick", root="/tmp/c")
        '/tmp/c/results/quick'
    """
    return os.path.join(cache_dir() if root is None else root, "results", _profile_name(profile))


def _path(chapter: str, profile: str, root: str | None) -> str:
    return os.path.join(results_dir(profile, root), f"{_check_name('chapter', chapter)}.json")


def _checksum(chapter: str, profile: str, values: dict[str, Value], when: str) -> str:
    return config_key({"chapter": chapter, "profile": profile, "values": values, "at": when})


def record(
    chapter: str,
    values: Mapping[str, object],
    profile: str | None = None,
    root: str | None = None,
) -> str:
    """Record ``chapter``'s measured ``values`` for ``profile`` (default: the current one).

    Returns the path written. A later run of the same chapter replaces the file.

    Example:
        >>> import tempfile
        >>> root = tempfile.mkdtemp()
        >>> _ = record("occlusion", {"pointing_game": 0.83, "boxes": 300}, "quick", root)
        >>> read("occlusion", "quick", root).values
        {'pointing_game': 0.83, 'boxes': 300}
    """
    profile = _profile_name(profile)
    path = _path(chapter, profile, root)
    clean = _clean(values)
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    content = {
        "format": FORMAT,
        "chapter": chapter,
        "profile": profile,
        "recorded_at": when,
        "values": clean,
        "checksum": _checksum(chapter, profile, clean, when),
    }
    text = json.dumps(content, indent=1, allow_nan=False)
    write_atomically(path, lambda f: f.write(text.encode()))
    return path


def read(chapter: str, profile: str | None = None, root: str | None = None) -> Recorded:
    """The values ``chapter`` recorded for ``profile``, checked.

    Raises:
        FileNotFoundError: the chapter has not been run in this profile (with this cache dir).
        ResultsError: the file is corrupt, of another format, for another chapter or profile,
            or its content does not match its checksum.
    """
    profile = _profile_name(profile)
    path = _path(chapter, profile, root)
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    try:
        with open(path) as f:
            content = json.load(f)
    except (OSError, ValueError) as e:  # truncated, garbage bytes, not UTF-8
        raise ResultsError(f"{path} is corrupt and cannot be read ({type(e).__name__}: {e})") from e
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise ResultsError(f"{path} is not a zfviz results file of format {FORMAT}")
    if content.get("chapter") != chapter or content.get("profile") != profile:
        raise ResultsError(f"{path} holds results of another chapter or profile")
    values, when = content.get("values"), content.get("recorded_at")
    if not isinstance(values, dict) or not isinstance(when, str):
        raise ResultsError(f"{path} has no values or no time")
    if content.get("checksum") != _checksum(chapter, profile, values, when):
        raise ResultsError(f"{path} does not match its checksum (edited or damaged)")
    return Recorded(chapter, profile, values, when)


def read_all(
    chapters: Sequence[str], profile: str | None = None, root: str | None = None
) -> dict[str, Recorded | str]:
    """Each chapter's :class:`Recorded`, or a sentence saying why there is none.

    The sentence is ``"not run yet"`` for a missing file and ``"unusable: <reason>"`` for a file
    that fails its checks, so a reader sees which numbers are missing and why.

    Example:
        >>> import tempfile
        >>> root = tempfile.mkdtemp()
        >>> _ = record("training", {"val_top1": 0.9}, "quick", root)
        >>> found = read_all(["training", "occlusion"], "quick", root)
        >>> found["training"].values, found["occlusion"]
        ({'val_top1': 0.9}, 'not run yet')
    """
    found: dict[str, Recorded | str] = {}
    for chapter in chapters:
        try:
            found[chapter] = read(chapter, profile, root)
        except FileNotFoundError:
            found[chapter] = "not run yet"
        except ResultsError as e:
            found[chapter] = f"unusable: {e}"
    return found
