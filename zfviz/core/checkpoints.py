"""A checkpoint cache keyed by the full training configuration.

Training the quick model takes minutes; every chapter needs it. So the trained weights are kept
on disk under a name derived from a hash of *everything* that determines them (the training
configuration and the versions of the data world and of the training code). A file is:

- written atomically (a temporary file in the same folder, then ``os.replace``), so a crash never
  leaves half a checkpoint under the real name;
- loaded with ``torch.load(weights_only=True)``, so a cache file cannot run code;
- checked before use: its format, its key and its configuration must match what was asked for.
  A corrupt or stale file raises :class:`CheckpointError` with the reason; callers retrain.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from typing import IO, Any

import torch

FORMAT = 1


class CheckpointError(Exception):
    """A cache file that cannot be used: unreadable, truncated, or for another configuration."""


def config_key(config: dict[str, Any]) -> str:
    """A stable hash of a JSON-able configuration (key order does not matter).

    Example:
        >>> config_key({"a": 1, "b": [2, 3]}) == config_key({"b": [2, 3], "a": 1})
        True
    """
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def write_atomically(path: str, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``.

    A crash or an exception in ``write`` leaves the old file (or none) under the real name,
    never a half-written one.

    Example:
        >>> import tempfile
        >>> target = os.path.join(tempfile.mkdtemp(), "note.txt")
        >>> write_atomically(target, lambda f: f.write(b"hello"))
        >>> open(target).read()
        'hello'
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def unreadable(path: str | os.PathLike, err: BaseException) -> str:
    """Why ``torch.load(path, weights_only=True)`` failed, in words that are safe to follow.

    torch's own message for a file it will not load as weights advises ``weights_only=False``,
    which lets the file run code; zfviz never repeats it and names only the error's type.

    Example:
        >>> msg = unreadable("w.pth", RuntimeError("... set weights_only=False ..."))
        >>> "weights_only=False" in msg, "RuntimeError" in msg
        (False, True)
    """
    return (
        f"{os.fspath(path)} cannot be read as a file of tensors ({type(err).__name__}): it is "
        f"truncated, corrupt, not written by torch.save, or holds Python objects other than "
        f"tensors (a whole model rather than its state_dict()). zfviz reads such files as "
        f"tensors only, never as code: download the file again, or re-save it from code you "
        f"trust with torch.save(model.state_dict(), path)"
    )


def save_checkpoint(path: str, config: dict[str, Any], payload: dict[str, Any]) -> None:
    """Write ``payload`` (tensors, numbers, strings, lists, dicts) for ``config`` atomically."""
    record = {"format": FORMAT, "key": config_key(config), "config": config, "payload": payload}
    write_atomically(path, lambda f: torch.save(record, f))


def load_checkpoint(path: str, config: dict[str, Any]) -> dict[str, Any]:
    """Read the payload saved for ``config`` at ``path``.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file is corrupt, of another format, or for another configuration.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated zip, garbage bytes, a pickle that is not weights-only...
        # from None: torch's message (in the chained traceback) advises weights_only=False
        raise CheckpointError(
            f"{path} is corrupt and cannot be read: {unreadable(path, e)}"
        ) from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a zfviz checkpoint of format {FORMAT}")
    if record.get("key") != config_key(config) or record.get("config") != config:
        raise CheckpointError(f"{path} was saved for another configuration (stale)")
    payload = record.get("payload")
    if not isinstance(payload, dict):
        raise CheckpointError(f"{path} has no payload")
    return payload
