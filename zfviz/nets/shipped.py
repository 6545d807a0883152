"""Trained networks that ship with the book, in ``zfviz/nets/zoo/`` (package data, so an install
from a release has them, offline).

The book network (most chapters study it; it ships with the evolution chapter's snapshots, so
that every machine shows the same figures and verdicts) and the 22 networks the architecture
and ablation chapters compare (about 3,800 SGD steps each, forty CPU-minutes in all: more than
CI's budget and a reader's patience) are trained once, with ``python -m zfviz.nets.ship``, and
committed. Each file is a checkpoint of the cache's own format, under the cache's own name
(:mod:`zfviz.core.checkpoints`: the key hashes the whole training configuration and the versions
of the training code and of the world), with its weights stored as float16 to halve the
download. Before use a file is checked twice: its SHA-256 against ``MANIFEST.json`` (it is the
file that was shipped) and its key against the configuration asked for (it is the network that
configuration trains). A file that fails either check is ignored with a warning and the
network is retrained.

It also holds :func:`trained_model`, how every chapter gets a network: from the checkpoint
cache, else from the zoo, else trained now.

Shipped weights are a promise that the code in this repository produced them; two tests keep
it (``tests/test_shipped.py``): every network the chapters need ships and verifies, and one of
them, retrained from scratch in CI, ends where the shipped one did.

Example:
    >>> from zfviz.nets.variants import budget
    >>> from zfviz.core.profiles import get_profile
    >>> load(budget(get_profile("quick")).replace(epochs=1)) is None  # never shipped
    True
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import warnings
from pathlib import Path
from typing import Any

import torch

from zfviz.core import checkpoints
from zfviz.core.profiles import get_profile
from zfviz.nets import train as training
from zfviz.nets.train import (
    TrainConfig,
    TrainResult,
    cache_key,
    checkpoint_path,
    from_payload,
    resolve_precision,
    to_payload,
    train,
)
from zfviz.nets.variants import book_configs

__all__ = [
    "SHIPPED_DIR",
    "BOOK_NETWORK",
    "BOOK_SEEDS",
    "book_label",
    "MANIFEST",
    "shipped_configs",
    "shipped_path",
    "read_manifest",
    "load",
    "ship",
    "load_payload",
    "ship_payload",
    "trained_model",
]

SHIPPED_DIR = Path(__file__).resolve().parent / "zoo"
MANIFEST = "MANIFEST.json"


BOOK_SEEDS: tuple[int, ...] = (0, 1, 2)  # the book network's trainings; claims are judged on each


def book_label(seed: int) -> str:
    """The manifest label of the book network trained from ``seed``."""
    return f"book network (quick profile), seed {seed}"


BOOK_NETWORK = book_label(0)


def shipped_configs() -> dict[str, TrainConfig]:
    """Every network that ships, by label: the book network that most chapters study (with the
    snapshots of the evolution chapter), and the architecture and ablation chapters' networks.

    Example:
        >>> configs = shipped_configs()
        >>> len(configs), configs[BOOK_NETWORK].image_size
        (25, 96)
    """
    quick = get_profile("quick")
    book = {book_label(s): TrainConfig.from_profile(quick, seed=s) for s in BOOK_SEEDS}
    return {**book, **book_configs(quick)}


def shipped_path(config: TrainConfig, folder: Path | None = None) -> Path:
    """Where the shipped checkpoint of ``config`` lies: the cache's file name, in ``folder``."""
    return (folder or SHIPPED_DIR) / os.path.basename(training.checkpoint_path(config))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """File name -> what was recorded when it shipped (label, sha256, threads, accuracy...)."""
    path = (folder or SHIPPED_DIR) / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def _write_manifest(manifest: dict[str, dict[str, Any]], folder: Path) -> None:
    text = json.dumps(dict(sorted(manifest.items())), indent=1) + "\n"
    checkpoints.write_atomically(str(folder / MANIFEST), lambda f: f.write(text.encode()))


def _verified(path: Path, folder: Path | None) -> dict[str, Any]:
    """The manifest entry of a shipped file whose SHA-256 matches it; else CheckpointError."""
    entry = read_manifest(folder).get(path.name)
    if entry is None:
        raise checkpoints.CheckpointError(f"{path} is not listed in {MANIFEST}")
    if _sha256(path) != entry.get("sha256"):
        raise checkpoints.CheckpointError(
            f"{path} does not match its SHA-256 in {MANIFEST} (changed since it shipped)"
        )
    return entry


def _half(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def load_payload(
    name: str, key: dict[str, Any], folder: Path | None = None
) -> dict[str, Any] | None:
    """A shipped checkpoint that is not a :class:`TrainConfig`'s network (the transfer
    chapters' from-scratch baselines), by file name and key, checked like :func:`load`: its
    SHA-256 against the manifest and its key against ``key``. ``None`` when none ships, or
    (with a warning) when it fails a check. Its ``state_dict`` is float16.

    Example:
        >>> load_payload("scratch-0000.pt", {"never": "shipped"}) is None
        True
    """
    path = (folder or SHIPPED_DIR) / name
    if not path.exists():
        return None
    try:
        _verified(path, folder)
        return checkpoints.load_checkpoint(str(path), key)
    except (checkpoints.CheckpointError, json.JSONDecodeError) as e:
        warnings.warn(f"ignoring shipped checkpoint: {e}; retraining", stacklevel=2)
        return None


def ship_payload(
    name: str,
    key: dict[str, Any],
    payload: dict[str, Any],
    label: str,
    folder: Path | None = None,
    **facts: Any,
) -> Path:
    """Write ``payload`` (its ``state_dict`` as float16) under ``name`` in the shipped folder,
    keyed by ``key``, and record it in the manifest with ``label`` and ``facts``."""
    folder = folder or SHIPPED_DIR
    path = folder / name
    payload = dict(payload, state_dict=_half(payload["state_dict"]))
    checkpoints.save_checkpoint(str(path), key, payload)
    manifest = read_manifest(folder)
    manifest[path.name] = {
        "label": label,
        "sha256": _sha256(path),
        "bytes": path.stat().st_size,
        **facts,
        "torch": torch.__version__,
        "machine": platform.machine(),
    }
    _write_manifest(manifest, folder)
    return path


def load(config: TrainConfig, folder: Path | None = None) -> TrainResult | None:
    """The shipped network of ``config``, checked; ``None`` when none ships or it fails a check.

    The weights are float16 on disk and float32 in the returned model. ``from_cache`` and
    ``shipped`` of the result are both true.

    Example:
        >>> load(TrainConfig(epochs=1, train_per_class=3)) is None
        True
    """
    path = shipped_path(config, folder)
    if not path.exists():
        return None
    try:
        _verified(path, folder)
        payload = checkpoints.load_checkpoint(str(path), config.as_dict())
        result = training.from_payload(config, payload)
    except (checkpoints.CheckpointError, json.JSONDecodeError) as e:
        warnings.warn(f"ignoring shipped checkpoint: {e}; retraining", stacklevel=2)
        return None
    result.shipped = True
    return result


def ship(result: TrainResult, label: str, threads: int, folder: Path | None = None) -> Path:
    """Write ``result`` (float16 weights) into the shipped folder and record it in the manifest.

    Both files are written atomically. ``threads`` is the number of CPU threads it trained
    with: the retraining test uses the same, so that on the same kind of machine it can expect
    the same numbers.
    """
    folder = folder or SHIPPED_DIR
    path = shipped_path(result.config, folder)
    payload = training.to_payload(result)
    payload["state_dict"] = _half(payload["state_dict"])
    payload["snapshots"] = {epoch: _half(state) for epoch, state in payload["snapshots"].items()}
    checkpoints.save_checkpoint(str(path), result.config.as_dict(), payload)
    manifest = read_manifest(folder)
    manifest[path.name] = {
        "label": label,
        "sha256": _sha256(path),
        "bytes": path.stat().st_size,
        "threads": threads,
        "train_seconds": round(result.train_seconds, 1),
        "val_acc": result.val_accuracy,
        "torch": torch.__version__,
        "machine": platform.machine(),
    }
    _write_manifest(manifest, folder)
    return path


def trained_model(
    config: TrainConfig,
    cache: bool = True,
    progress: bool = True,
    device: str = "cpu",
    precision: str = "fp32",
) -> TrainResult:
    """The network ``config`` describes, trained: from the checkpoint cache when it is there,
    else from the networks that ship with the book (:func:`load`), else trained now.

    A cache file that is corrupt or was written for another configuration is reported with a
    warning that names the file and the reason, and the model is retrained (never used). A
    training that is interrupted (Ctrl-C, a closed notebook) resumes after its last finished
    epoch the next time (the state is kept beside the checkpoint, see :func:`train`).
    ``precision`` is :func:`train`'s; the shipped networks are float32.

    Example:
        >>> from zfviz.core.profiles import get_profile
        >>> result = trained_model(TrainConfig.from_profile(get_profile("quick")))  # doctest: +SKIP
        >>> result.val_accuracy > 0.85  # doctest: +SKIP
        True
    """
    precision = resolve_precision(precision, device)
    path = checkpoint_path(config, precision)
    key = cache_key(config, precision)
    if cache and os.path.exists(path):
        try:
            return from_payload(config, checkpoints.load_checkpoint(path, key))
        except checkpoints.CheckpointError as e:
            warnings.warn(f"ignoring cached checkpoint: {e}; retraining", stacklevel=2)
    if cache and precision == "fp32":
        found = load(config)
        if found is not None:
            return found
    state = path[: -len(".pt")] + ".state.pt" if cache else None
    result = train(config, progress=progress, device=device, precision=precision, state_path=state)
    if cache:
        checkpoints.save_checkpoint(path, key, to_payload(result))
    return result
