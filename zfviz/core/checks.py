"""Checks of the arguments of zfviz's public functions, run before any forward pass.

Every check raises an error that names the argument, says what it got and what it expects:
``TypeError`` for a value of the wrong kind (a float where an int is meant, a list where a
tensor is meant), ``ValueError`` for a value of the right kind that cannot be used (out of range,
wrong shape, NaN). Where zfviz raised ``ValueError`` for a wrong kind before, it now raises
:class:`ArgumentTypeError`, which is both, so existing ``except ValueError`` keeps working.

This module imports no other zfviz module, so every method module can use it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "ArgumentTypeError",
    "LayerError",
    "check_int",
    "check_number",
    "check_labels",
    "check_model",
    "as_images",
    "model_dtype",
    "to_model",
    "too_small_as_value_error",
]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong kind (both a ``TypeError`` and, as zfviz raised before, a
    ``ValueError``).

    Example:
        >>> issubclass(ArgumentTypeError, TypeError), issubclass(ArgumentTypeError, ValueError)
        (True, True)
    """


class LayerError(KeyError, ValueError):
    """An unknown layer: a ``KeyError`` (as zfviz raised before) and a ``ValueError``.

    Its message is shown as written (a plain ``KeyError`` would show it quoted).

    Example:
        >>> str(LayerError("unknown layer 'conv9'"))
        "unknown layer 'conv9'"
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _describe(value: Any) -> str:
    """A short description of ``value`` for an error message (tensors by shape, not content)."""
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    text = repr(value)
    return f"{text[:60]}... ({type(value).__name__})" if len(text) > 60 else text


def check_int(value: Any, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer in ``[minimum, maximum]``.

    ``bool`` and ``float`` (even ``2.0``) are refused: where an int is meant, a float is a bug.

    Example:
        >>> check_int(3, "batch_size", minimum=1)
        3
        >>> check_int(1.5, "label")
        Traceback (most recent call last):
        ...
        zfviz.core.checks.ArgumentTypeError: label must be an integer, got 1.5
    """
    if isinstance(value, torch.Tensor) and value.dim() == 0 and not value.is_floating_point():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ArgumentTypeError(f"{name} must be an integer, got {_describe(value)}")
    value = int(value)
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        low = "" if minimum is None else f">= {minimum}"
        high = "" if maximum is None else f"<= {maximum}"
        raise ValueError(f"{name} must be an integer {' and '.join(filter(None, (low, high)))}, "
                         f"got {value}")  # fmt: skip
    return value


def check_number(value: Any, name: str) -> float:
    """``value`` as a ``float`` if it is a finite real number (not ``bool``, not NaN or Inf).

    Example:
        >>> check_number(0, "fill")
        0.0
        >>> check_number(float("nan"), "fill")
        Traceback (most recent call last):
        ...
        ValueError: fill must be a finite number, got nan
    """
    if isinstance(value, torch.Tensor) and value.dim() == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ArgumentTypeError(f"{name} must be a real number, got {_describe(value)}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def check_labels(labels: Any, name: str, count: int) -> torch.Tensor:
    """``labels`` (a sequence, array or tensor of ``count`` integers) as an int64 tensor.

    Floats are refused rather than truncated (``[1.5, 2.7]`` would silently mean ``[1, 2]``).

    Example:
        >>> check_labels([1, 3], "labels", 2)
        tensor([1, 3])
    """
    if isinstance(labels, torch.Tensor):
        tensor = labels.detach().cpu().flatten()
    else:
        try:
            array = np.asarray(labels)
        except Exception:  # ragged or odd objects: refused below with the value
            array = np.asarray(None)
        if array.dtype == object or array.dtype.kind not in "biuf" or array.ndim > 1:
            raise ArgumentTypeError(f"{name} must be a sequence of integers, got "
                                    f"{_describe(labels)}")  # fmt: skip
        tensor = torch.from_numpy(np.atleast_1d(array).copy())
    if tensor.dtype == torch.bool or tensor.is_floating_point() or tensor.is_complex():
        raise ArgumentTypeError(f"{name} must be integers, got {_describe(labels)}")
    if len(tensor) != count:
        raise ValueError(f"expected {count} {name}, one per image, got {len(tensor)}")
    return tensor.long()


def check_model(model: Any, name: str = "model") -> nn.Module:
    """``model`` if it is a ``torch.nn.Module``.

    Example:
        >>> check_model("alexnet")
        Traceback (most recent call last):
        ...
        zfviz.core.checks.ArgumentTypeError: model must be a torch.nn.Module, got 'alexnet'
    """
    if not isinstance(model, nn.Module):
        raise ArgumentTypeError(f"{name} must be a torch.nn.Module, got {_describe(model)}")
    return model


def model_dtype(model: nn.Module) -> torch.dtype:
    """The dtype of the model's first floating-point parameter (float32 without any).

    Example:
        >>> model_dtype(nn.Linear(2, 2).double())
        torch.float64
    """
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


def as_images(
    images: Any,
    name: str = "images",
    *,
    dims: int = 4,
    expected: str | None = None,
    model: nn.Module | None = None,
) -> torch.Tensor:
    """``images`` as a finite float tensor with ``dims`` dimensions, ready for ``model``.

    A NumPy float array is taken as a tensor. With ``model``, the images are converted to the
    dtype and device of its parameters: a float64 or float16 image on a float32 model is cast,
    rather than failing in the first convolution (the cast is what the caller meant; the
    model is never converted, since it is the caller's). Integer images are refused: they are
    raw pixels, not preprocessed inputs. NaN and Inf are refused: they would not raise in the
    network but give numbers that mean nothing.

    Args:
        expected: how to describe the shape in messages (default ``(N, 3, H, W)``).

    Example:
        >>> as_images(np.zeros((1, 3, 4, 4)), model=nn.Conv2d(3, 1, 1)).dtype
        torch.float32
        >>> as_images(torch.full((1, 3, 4, 4), float("nan")))
        Traceback (most recent call last):
        ...
        ValueError: images must be finite, got 48 NaN or infinite values
    """
    expected = expected or ("(N, 3, H, W)" if dims == 4 else "(3, H, W)")
    if isinstance(images, np.ndarray):
        if images.dtype.kind not in "fiub":
            raise ArgumentTypeError(f"{name} must be a float tensor {expected}, got "
                                    f"{_describe(images)}")  # fmt: skip
        images = torch.from_numpy(np.ascontiguousarray(images))
    if not isinstance(images, torch.Tensor):
        raise ArgumentTypeError(
            f"expected {name} as a float tensor of shape {expected}, got {type(images).__name__}"
        )
    if not images.is_floating_point():
        raise ValueError(
            f"expected a float tensor of {name} of shape {expected} (preprocessed), got "
            f"{images.dtype}"
        )
    if images.dim() != dims or (dims == 4 and len(images) == 0):
        raise ValueError(f"expected {name} of shape {expected}, got {tuple(images.shape)}")
    bad = int((~torch.isfinite(images)).sum())
    if bad:
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite values")
    return images if model is None else to_model(images, model)


def to_model(images: torch.Tensor, model: nn.Module) -> torch.Tensor:
    """Float ``images`` (already checked by :func:`as_images`) on the device and in the dtype
    of ``model``'s parameters; the model itself is never converted (it is the caller's).

    Example:
        >>> to_model(torch.zeros(1, 3, 2, 2, dtype=torch.float64), nn.Conv2d(3, 1, 1)).dtype
        torch.float32
    """
    check_model(model)
    device = next((p.device for p in model.parameters()), images.device)
    return images.to(device=device, dtype=model_dtype(model))


@contextmanager
def too_small_as_value_error(name: str, shape: tuple[int, ...]) -> Iterator[None]:
    """Turn torch's "output size is too small" inside a forward pass into a ``ValueError``
    naming ``name``.

    For models whose smallest input zfviz cannot compute from the layers' settings (see
    :func:`zfviz.nets.receptive_field.check_input_size`), the first forward pass is the check.

    Example:
        >>> with too_small_as_value_error("images", (1, 3, 2, 2)):
        ...     _ = torch.nn.functional.max_pool2d(torch.zeros(1, 3, 2, 2), 3)
        Traceback (most recent call last):
        ...
        ValueError: images of shape (1, 3, 2, 2) are too small for this model ...
    """
    try:
        yield
    except RuntimeError as err:
        text = str(err).lower()
        if "too small" in text or "can't be greater than actual input size" in text:
            raise ValueError(
                f"{name} of shape {tuple(shape)} are too small for this model (torch: {err}); "
                f"give larger {name}"
            ) from None
        raise
