"""Borrowing a caller's model without changing it.

zfviz probes models: it switches them to eval mode, registers hooks and asks for gradients. A
reader's model must come back exactly as it was (train/eval flags, ``requires_grad`` flags, hooks),
even when the probe raises. Every zfviz function that touches a model does so inside
:func:`borrowed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle


class HookSet:
    """Hooks registered through this object are all removed by :meth:`remove`.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> seen = []
        >>> hooks = HookSet()
        >>> hooks.forward(net[1], lambda m, i, o: seen.append(o.shape))
        >>> _ = net(torch.zeros(1, 2))
        >>> hooks.remove()
        >>> _ = net(torch.zeros(1, 2))
        >>> len(seen)
        1
    """

    def __init__(self) -> None:
        self._handles: list[RemovableHandle] = []

    def forward(self, module: nn.Module, fn: Callable[..., Any]) -> None:
        """Call ``fn(module, inputs, output)`` after ``module`` runs forward."""
        self._handles.append(module.register_forward_hook(fn))

    def forward_pre(self, module: nn.Module, fn: Callable[..., Any]) -> None:
        """Call ``fn(module, inputs)`` before ``module`` runs forward."""
        self._handles.append(module.register_forward_pre_hook(fn))

    def backward(self, module: nn.Module, fn: Callable[..., Any]) -> None:
        """Call ``fn(module, grad_input, grad_output)`` when gradients pass ``module``."""
        self._handles.append(module.register_full_backward_hook(fn))

    def remove(self) -> None:
        """Remove every hook registered through this set (safe to call twice)."""
        while self._handles:
            self._handles.pop().remove()


def _hook_counts(model: nn.Module) -> list[int]:
    counts = []
    for m in model.modules():
        counts.append(
            len(m._forward_hooks)
            + len(m._forward_pre_hooks)
            + len(m._backward_hooks)
            + len(getattr(m, "_backward_pre_hooks", {}))
        )
    return counts


@contextmanager
def borrowed(model: nn.Module, train: bool = False) -> Iterator[HookSet]:
    """Use ``model`` in eval mode (or train mode) and give it back as it was.

    Restores every submodule's ``training`` flag and every parameter's ``requires_grad`` flag and
    removes the hooks registered through the yielded :class:`HookSet`, also when the body raises.

    Example:
        >>> from torch import nn
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.Dropout()).train()
        >>> with borrowed(net) as hooks:
        ...     net.training
        False
        >>> net.training
        True
    """
    modes = [(m, m.training) for m in model.modules()]
    grads = [(p, p.requires_grad) for p in model.parameters()]
    hooks_before = _hook_counts(model)
    hooks = HookSet()
    model.train(train)
    try:
        yield hooks
    finally:
        hooks.remove()
        for m, mode in modes:
            m.training = mode
        for p, flag in grads:
            p.requires_grad_(flag)
    if _hook_counts(model) != hooks_before:  # a zfviz bug, not the caller's: say so loudly
        raise RuntimeError("zfviz left a hook on the model; please report this as a bug")


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without parameters)."""
    for p in model.parameters():
        return p.device
    return torch.device("cpu")
