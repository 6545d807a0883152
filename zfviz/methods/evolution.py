"""How features change during training (the paper's Fig. 4).

For every feature map, the strongest activation over a fixed set of training images is
projected to pixels at each training snapshot. Comparing consecutive snapshots says how much a
layer's features still change: a projection changes when the map's filters change, and jumps
when another image becomes the strongest (the paper's "sudden jumps").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from zfviz.core.claims import Verdict, all_of, at_least
from zfviz.methods.mining import TopActivations, project_top, top_activations

__all__ = [
    "Strongest",
    "strongest",
    "projection_change",
    "Evolution",
    "evolution",
    "claim_layer1_changes_least",
    "claim_lower_layers_settle_first",
]


@dataclass
class Strongest:
    """Each map's strongest activation over a data set, and its projection.

    Attributes:
        top: the activations (``k = 1``).
        projections: ``(C, 3, H, W)`` deconvnet projections, one per map.
    """

    top: TopActivations
    projections: torch.Tensor


def strongest(model: nn.Module, inputs: torch.Tensor, layer: str | int) -> Strongest:
    """Every map's strongest activation over ``inputs`` (preprocessed), projected to pixels.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
        >>> strongest(net, torch.randn(5, 3, 10, 10), "2").projections.shape
        torch.Size([4, 3, 10, 10])
    """
    top = top_activations(model, inputs, layer, k=1, progress=False)
    channels = list(range(top.values.shape[0]))
    return Strongest(top, project_top(model, inputs, top, channels)[:, 0])


def projection_change(before: torch.Tensor, after: torch.Tensor) -> np.ndarray:
    """Per map, ``1 - cosine similarity`` of two projections ``(C, 3, H, W)``.

    0: the same picture up to brightness; 1: nothing in common (e.g. another image, or one of
    the two is all zero); up to 2 for opposite signs. Two all-zero projections count as 0.

    Example:
        >>> a = torch.zeros(2, 3, 4, 4); a[:, 0, 1, 1] = 1.0
        >>> b = a.clone(); b[1] = 0.0; b[1, 0, 2, 2] = 3.0
        >>> projection_change(a, 2 * a).tolist(), projection_change(a, b).tolist()
        ([0.0, 0.0], [0.0, 1.0])
    """
    if before.shape != after.shape or before.dim() != 4:
        raise ValueError(
            f"expected two projections of the same shape (C, 3, H, W), got "
            f"{tuple(before.shape)} and {tuple(after.shape)}"
        )
    a, b = before.flatten(1).double(), after.flatten(1).double()
    na, nb = a.norm(dim=1), b.norm(dim=1)
    cosine = (a * b).sum(dim=1) / (na * nb).clamp(min=1e-300)
    both_zero = (na == 0) & (nb == 0)
    return torch.where(both_zero, 0.0, 1.0 - cosine).numpy()


@dataclass
class Evolution:
    """The strongest projections of some layers at each snapshot, and how much they change.

    Attributes:
        epochs: the snapshots, in order.
        layers: the layers measured.
        strongest: ``(epoch, layer) -> Strongest``.
        change: ``layer -> (len(epochs) - 1, C)`` :func:`projection_change` between
            consecutive snapshots, per map.
        same_image: ``layer -> (len(epochs) - 1, C)`` whether the strongest image stayed.
    """

    epochs: list[int]
    layers: list[int | str]
    strongest: dict[tuple[int, int | str], Strongest]
    change: dict[int | str, np.ndarray]
    same_image: dict[int | str, np.ndarray]

    def mean_change(self, layer: int | str) -> np.ndarray:
        """The mean change over maps, per interval between consecutive snapshots."""
        return self.change[layer].mean(axis=1)


def evolution(
    snapshots: Mapping[int, nn.Module],
    inputs: torch.Tensor,
    layers: Sequence[int | str],
    progress: bool = True,
) -> Evolution:
    """Strongest projections of ``layers`` at every snapshot, compared between snapshots.

    Args:
        snapshots: epoch -> model at that epoch (e.g. ``{e: result.snapshot_model(e) for e in
            result.snapshots}``); at least two. The models are given back unchanged.
        inputs: preprocessed images ``(N, 3, H, W)``, the same for every snapshot.
        layers: layer names or paper layer numbers.
        progress: show a progress bar.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> nets = {e: nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()) for e in (1, 2)}
        >>> evo = evolution(nets, torch.randn(5, 3, 8, 8), ["1"], progress=False)
        >>> evo.change["1"].shape
        (1, 4)
    """
    epochs = sorted(snapshots)
    if len(epochs) < 2:
        raise ValueError(f"need at least two snapshots to compare, got epochs {epochs}")
    layers = list(layers)
    found = {}
    steps = [(e, layer) for e in epochs for layer in layers]
    for epoch, layer in tqdm(steps, desc="snapshots x layers", disable=not progress):
        found[epoch, layer] = strongest(snapshots[epoch], inputs, layer)
    change, same = {}, {}
    for layer in layers:
        pairs = list(zip(epochs[:-1], epochs[1:], strict=True))
        change[layer] = np.stack(
            [projection_change(found[a, layer].projections, found[b, layer].projections)
             for a, b in pairs]
        )  # fmt: skip
        same[layer] = np.stack(
            [(found[a, layer].top.images[:, 0] == found[b, layer].top.images[:, 0]).numpy()
             for a, b in pairs]
        )  # fmt: skip
    return Evolution(epochs, layers, found, change, same)


def _mean_changes(evo: Evolution, layers: Sequence[int]) -> dict[int, np.ndarray]:
    missing = [layer for layer in layers if layer not in evo.change]
    if missing:
        raise ValueError(f"evo must measure layers {list(layers)}; it lacks {missing}")
    return {layer: evo.mean_change(layer) for layer in layers}


def claim_layer1_changes_least(evo: Evolution) -> Verdict:
    """Sec. 4.1, Fig. 4: layer 1 changes less than every other layer over training.

    Judged on the mean change over all intervals between snapshots (layers 1 to 5); the margin
    is the smallest lead of another layer over layer 1.

    Example:
        >>> from types import SimpleNamespace
        >>> fake = SimpleNamespace(change={k: np.full((2, 3), 0.1 * k) for k in range(1, 6)})
        >>> fake.mean_change = lambda layer: fake.change[layer].mean(axis=1)
        >>> claim_layer1_changes_least(fake).holds
        True
    """
    m = {k: float(v.mean()) for k, v in _mean_changes(evo, range(1, 6)).items()}
    parts = [
        at_least("", "", f"layer {k} mean change", m[k], "layer 1 mean change", m[1])
        for k in range(2, 6)
    ]
    return all_of("layer 1 changes least over training", "Sec. 4.1, Fig. 4", parts)


def claim_lower_layers_settle_first(evo: Evolution) -> Verdict:
    """Sec. 4.1, Fig. 4: by the end of training the lower layers have settled, the upper not.

    In the last interval between snapshots, layers 1 and 2 change less than layers 4 and 5
    (margin: the smallest upper change minus the largest lower one), and the change grows from
    layer 1 to layer 3.
    """
    last = {k: float(v[-1]) for k, v in _mean_changes(evo, range(1, 6)).items()}
    lower, upper = max(last[1], last[2]), min(last[4], last[5])
    parts = [
        at_least("", "", "upper (4, 5) last change", upper, "lower (1, 2) last change", lower),
        at_least("", "", "layer 2 last change", last[2], "layer 1 last change", last[1]),
        at_least("", "", "layer 3 last change", last[3], "layer 2 last change", last[2]),
    ]
    claim = "in the last interval the lower layers change less than the upper ones"
    return all_of(claim, "Sec. 4.1, Fig. 4", parts)
