"""Occlusion scored against the world's ground truth, and the claims of Sec. 4.2 it tests.

The paper reads its occlusion maps by eye: the probability of the correct class drops when the
object is covered, so the model localises the object rather than using the context. The
embedded world knows where each object is (its box) and can render the same instance on any
background, so the book can measure both:

* :func:`score_images`: per image, where the probability drop falls relative to the object box
  (the pointing game, and the share of the drop inside the box against the box's share of
  positions); :func:`summarise` averages them, :func:`claim_drop_on_object` judges them.
* :func:`context_probability`: the probability of the correct class for the same instances on
  each background; :func:`claim_context_bias` judges whether a class biased to a background
  during training leans on it (the paper's grass feature, in classification).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from zfviz.core.claims import Verdict, all_of, at_least
from zfviz.data import world
from zfviz.data.preprocess import crop_source_size
from zfviz.methods.occlusion import OcclusionMaps, drop_inside_box, occlusion

__all__ = [
    "score_images",
    "summarise",
    "summarise_groups",
    "score_table",
    "claim_drop_on_object",
    "context_probability",
    "claim_context_bias",
    "feature_validation",
    "validate_features",
    "claim_feature_drops_over_projection",
    "claim_feature_not_always_evidence",
]

_MEASURES = ("pointing", "inside_share", "chance_share", "largest_drop")


def score_images(
    model: nn.Module,
    inputs: torch.Tensor,
    labels: Sequence[int],
    boxes: np.ndarray,
    size: int,
    stride: int,
    progress: bool = True,
) -> list[dict[str, float]]:
    """:func:`zfviz.methods.occlusion.drop_inside_box` of every image, for an occluder of ``size``
    px.

    Args:
        model: the network (given back unchanged).
        inputs: ``(N, 3, H, W)`` preprocessed images; ``labels``: ``(N,)`` their classes.
        boxes: ``(N, 4)`` object boxes ``x0, y0, x1, y1`` in the inputs' pixels.

    Returns one dict per image (with its ``label``), in input order.
    """
    labels = [int(v) for v in labels]
    if not (len(inputs) == len(labels) == len(boxes)):
        raise ValueError(
            f"inputs, labels and boxes must have one entry per image, got {len(inputs)}, "
            f"{len(labels)} and {len(boxes)}"
        )
    rows = []
    for i in tqdm(range(len(inputs)), desc="occlusion scores", disable=not progress):
        maps = occlusion(model, inputs[i], labels[i], size, stride, with_projection=False)
        rows.append({"label": labels[i], **drop_inside_box(maps, boxes[i])})
    return rows


def summarise(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Means of the scores over ``rows`` (images without any drop are left out of the shares).

    Example:
        >>> summarise([{"pointing": 1.0, "inside_share": 0.8, "chance_share": 0.5,
        ...             "largest_drop": 0.4}])["inside_share"]
        0.8
    """
    if not rows:
        raise ValueError("rows must hold at least one image's scores")
    out = {k: float(np.nanmean([r[k] for r in rows])) for k in _MEASURES}
    return {"count": len(rows), **out}


def summarise_groups(
    rows: Sequence[Mapping[str, float]],
    classes: Sequence[str],
    biased: Sequence[str] = tuple(world.BIASED_CLASSES),
) -> dict[str, dict[str, float]]:
    """:func:`summarise` over all images, the classes not in ``biased``, and each biased class.

    ``rows`` are :func:`score_images`'s (each has its ``label``, an index into ``classes``).
    Returns ``{"all": ..., "unbiased classes": ..., "<class> (biased)": ...}``; a biased class
    with no images is left out.
    """
    names = [classes[int(r["label"])] for r in rows]
    groups = {
        "all": summarise(rows),
        "unbiased classes": summarise(
            [r for r, n in zip(rows, names, strict=True) if n not in biased]
        ),
    }
    for b in sorted(biased):
        mine = [r for r, n in zip(rows, names, strict=True) if n == b]
        if mine:
            groups[f"{b} (biased)"] = summarise(mine)
    return groups


_HEADERS = {
    "count": "count",
    "pointing": "pointing game",
    "inside_share": "drop inside box",
    "chance_share": "box share of positions",
    "largest_drop": "largest drop",
}


def score_table(groups: Mapping[str, Mapping[str, float]]) -> list[dict[str, object]]:
    """:func:`summarise_groups`'s result as table rows with the book's column names."""
    return [{"images": g, **{_HEADERS[k]: v for k, v in row.items()}} for g, row in groups.items()]


def claim_drop_on_object(summary: Mapping[str, float], images: str = "") -> Verdict:
    """Sec. 4.2, Fig. 7: the probability drops when the object is covered, not the context.

    Holds when both the pointing game and the share of the drop inside the box exceed the box's
    share of positions (what a drop that ignored the object would score). ``images`` names the
    images summarised (``"unbiased classes"``), for the claim's words.
    """
    chance = float(summary["chance_share"])
    parts = [
        at_least("", "", "pointing game", summary["pointing"], "box share", chance),
        at_least("", "", "drop inside box", summary["inside_share"], "box share", chance),
    ]
    claim = "the probability drops where the object is" + (f" ({images})" if images else "")
    return all_of(claim, "Sec. 4.2, Fig. 7", parts)


def context_probability(
    model: nn.Module,
    preprocess,
    classes: Sequence[str],
    names: Sequence[str],
    seeds: int = 30,
    device: str | torch.device = "cpu",
) -> dict[str, dict[str, float]]:
    """Mean probability of the correct class for the same ``seeds`` instances of each class in
    ``names``, rendered on each of the world's backgrounds.

    Args:
        preprocess: the network's :class:`zfviz.data.preprocess.Preprocess` (its ``image_size``).
        classes: the network's class names, in output order.

    Returns ``{class: {background: mean probability}}``.
    """
    unknown = [n for n in names if n not in classes]
    if unknown:
        raise ValueError(f"names must be classes of the network; {unknown} are not")
    side = crop_source_size(preprocess.image_size)
    was_training = model.training
    model.eval()
    out: dict[str, dict[str, float]] = {}
    try:
        for name in names:
            label = list(classes).index(name)
            out[name] = {}
            for background in world.BACKGROUNDS:
                images = np.concatenate(
                    [
                        world.render_sample(name, seed=s, size=side, background=background).images
                        for s in range(seeds)
                    ]
                )
                with torch.no_grad():
                    logits = model(preprocess(images).to(device))
                p = torch.softmax(logits.float(), dim=1)[:, label]
                out[name][background] = float(p.mean())
    finally:
        model.train(was_training)
    return out


def claim_context_bias(
    context: Mapping[str, Mapping[str, float]],
    biased: str = "mushroom",
    control: str = "face",
    background: str = "grass",
    gap: float = 0.1,
) -> Verdict:
    """The network leans on the background its training data paired with a class.

    Holds when the ``biased`` class is more probable on ``background`` than on any other, by at
    least ``gap`` on average over the others, and the ``control`` class (no bias) gains less
    than ``gap`` there. The paper's grass feature (Sec. 4) is the same shortcut, in a feature.

    Example:
        >>> flat = {b: 0.9 for b in world.BACKGROUNDS}
        >>> claim_context_bias({"mushroom": flat, "face": flat}).holds
        False
    """

    def gain(name: str) -> float:
        others = [v for b, v in context[name].items() if b != background]
        return float(context[name][background] - np.mean(others))

    others = {b: v for b, v in context[biased].items() if b != background}
    best_other = max(others.values())
    parts = [
        at_least(
            "",
            "",
            f"{biased} on {background}",
            context[biased][background],
            f"{biased} on its best other background",
            best_other,
        ),  # fmt: skip
        at_least("", "", f"{biased} gain on {background}", gain(biased), "gap", gap),
        at_least("", "", "gap", gap, f"{control} gain on {background}", gain(control)),
    ]
    claim = f"the {biased}s lean on {background}, the {control}s do not"
    return all_of(claim, "Sec. 4 (grass feature), Sec. 4.2", parts)


def feature_validation(maps: OcclusionMaps, share: float = 0.5) -> dict[str, float]:
    """Fig. 7 (b, c) read as the paper validates its visualisations, on one image's maps.

    The *projected region* is where the deconvnet projection of the tracked feature (Fig. 7c)
    lies: a position *covers* it when its square holds at least ``share`` of the largest part of
    the projection's energy any square holds; a position is *elsewhere* when its square holds
    little of it (under a tenth of that largest part). The feature's drop at a position is
    ``(clean - occluded) / clean`` of the tracked map's total activation (Fig. 7b).

    Returns ``{"drop_over": mean feature drop at covering positions, "drop_elsewhere": ...,
    "evidence_over": 1.0 if the largest drop in the correct class's probability (Fig. 7d) is at a
    covering position, else 0.0}``; ``evidence_over`` is NaN when the probability never drops.
    """
    if maps.projection is None:
        raise ValueError(
            "maps has no projection: compute it with occlusion(..., with_projection=True)"
        )
    if not maps.clean_feature > 0:
        raise ValueError("the tracked feature is silent on the clean image: nothing can drop")
    energy = maps.projection.abs().sum(0).double()  # (H, W)
    integral = torch.nn.functional.pad(energy.cumsum(0).cumsum(1), (1, 0, 1, 0))
    rows, cols = torch.as_tensor(maps.rows), torch.as_tensor(maps.cols)
    k = maps.size
    under = (
        integral[rows + k][:, cols + k]
        - integral[rows][:, cols + k]
        - integral[rows + k][:, cols]
        + integral[rows][:, cols]
    )  # (R, C): the projection's energy under each square
    over = under >= share * under.max()
    elsewhere = under < 0.1 * under.max()
    drop = (maps.clean_feature - maps.feature.double()) / maps.clean_feature
    p_drop = (maps.clean_probability - maps.probability.double()).clamp(min=0)
    peak = np.unravel_index(int(p_drop.argmax()), tuple(p_drop.shape))
    return {
        "drop_over": float(drop[over].mean()),
        "drop_elsewhere": float(drop[elsewhere].mean()) if elsewhere.any() else float("nan"),
        "evidence_over": float(over[peak]) if p_drop.max() > 0 else float("nan"),
    }


def validate_features(
    model: nn.Module,
    inputs: torch.Tensor,
    labels: Sequence[int],
    size: int,
    stride: int,
    progress: bool = True,
) -> dict[str, float]:
    """:func:`feature_validation` of every image, averaged (NaNs left out): the numbers that
    :func:`claim_feature_drops_over_projection` and :func:`claim_feature_not_always_evidence`
    judge. ``count`` is the number of images."""
    labels = [int(v) for v in labels]
    if len(inputs) != len(labels) or not labels:
        raise ValueError(f"inputs and labels must pair up, got {len(inputs)} and {len(labels)}")
    rows = []
    for i in tqdm(range(len(inputs)), desc="feature validation", disable=not progress):
        maps = occlusion(model, inputs[i], labels[i], size, stride, with_projection=True)
        if maps.clean_feature > 0:
            rows.append(feature_validation(maps))
    if not rows:
        raise ValueError("the tracked feature is silent on every image")
    out = {k: float(np.nanmean([r[k] for r in rows])) for k in rows[0]}
    return {"count": len(rows), **out}


def claim_feature_drops_over_projection(
    summary: Mapping[str, float], factor: float = 2.0
) -> Verdict:
    """Fig. 7 (b, c): covering the region the feature's projection shows makes its activity drop
    strongly, ``factor`` times more than covering the image elsewhere (mean over images).

    Example:
        >>> claim_feature_drops_over_projection({"drop_over": 0.6, "drop_elsewhere": 0.05}).holds
        True
    """
    return at_least(
        "covering the feature's projected region makes it drop, far more than elsewhere",
        "Sec. 4.2, Fig. 7 (b, c)",
        "feature drop over its projection",
        summary["drop_over"],
        f"{factor:g} x drop elsewhere",
        factor * summary["drop_elsewhere"],
    )


def claim_feature_not_always_evidence(summary: Mapping[str, float]) -> Verdict:
    """Fig. 7 (caption, e): the strongest layer-5 feature is not always what the classifier
    uses: on some images the largest probability drop is not where the feature's projection is.

    Example:
        >>> claim_feature_not_always_evidence({"evidence_over": 1.0}).holds
        False
    """
    return at_least(
        "the strongest feature is not always the classifier's evidence",
        "Sec. 4.2, Fig. 7",
        "images whose evidence lies elsewhere",
        1.0 - summary["evidence_over"],
        "none",
        0.0,
    )
