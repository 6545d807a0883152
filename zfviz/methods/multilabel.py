"""PASCAL VOC's classification task (the paper's Table 6): one-vs-rest probes, average precision.

PASCAL asks, for each of its 20 classes, whether the class appears in an image (several may),
and scores each class by the **average precision** of a ranking of the test images, then
averages over classes (mean AP). The paper trains its classifiers on the fixed ImageNet
network's features and reaches 79.0 % mean AP, below the best earlier method's 82.2 %.

* :func:`average_precision` is VOC's own measure from 2010 on: the area under the
  precision-recall curve after precision is made monotone (at each recall, the best precision
  at that recall or beyond). Tied scores are one threshold, so a constant score gets exactly the
  share of positives (the chance level).
* :func:`probe_average_precision` fits one linear probe per class (one-vs-rest, standardised
  features, as :func:`zfviz.methods.transfer.fit_probe`) and ranks the test images by its
  decision value.
* :func:`chance_corrected` puts scores with different shares of positives on one scale: 0 at
  chance, 1 for a perfect ranking. A single-object image set has a tenth of its images
  positive for each of ten classes and a scene set about three tenths; their raw APs cannot be
  compared, their corrected APs can.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from torch import nn

from zfviz.methods.baselines import hog_features
from zfviz.methods.transfer import extract_features, fit_probe

__all__ = [
    "one_hot",
    "average_precision",
    "mean_average_precision",
    "chance_corrected",
    "APScores",
    "probe_average_precision",
    "choose_c_by_ap",
    "Task",
    "task_scores",
    "hog_task_scores",
    "single_vs_scenes",
]


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Single-class labels ``(N,)`` as multi-label targets ``(N, C)`` uint8.

    Example:
        >>> one_hot(np.array([2, 0]), 3).tolist()
        [[0, 0, 1], [1, 0, 0]]
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0 or labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"labels must be a non-empty 1-d array of class indices in 0..{n_classes - 1}, got "
            f"shape {labels.shape}"
        )
    out = np.zeros((len(labels), n_classes), np.uint8)
    out[np.arange(len(labels)), labels] = 1
    return out


def _check_pair(truth: np.ndarray, scores: np.ndarray, ndim: int) -> tuple[np.ndarray, ...]:
    truth, scores = np.asarray(truth), np.asarray(scores, float)
    if truth.shape != scores.shape or truth.ndim != ndim or truth.shape[0] == 0:
        raise ValueError(
            f"truth and scores must have one {ndim}-d shape with images first, got "
            f"{truth.shape} and {scores.shape}"
        )
    if not np.isin(truth, (0, 1)).all():
        raise ValueError("truth must hold 0 (absent) and 1 (present) only")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite")
    return truth.astype(bool), scores


def average_precision(truth: np.ndarray, scores: np.ndarray) -> float:
    """VOC's average precision of ranking images by ``scores`` for one class (``truth``: 1
    where the class is present), with precision made monotone; ties are one threshold.

    Example:
        >>> average_precision(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1]))
        0.8333333333333333
        >>> average_precision(np.array([1, 0, 0, 0]), np.zeros(4))  # no ranking: the share
        0.25
    """
    truth, scores = _check_pair(truth, scores, 1)
    positives = int(truth.sum())
    if positives == 0:
        raise ValueError("truth has no positive image: average precision is undefined")
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(truth[order])
    # one threshold per distinct score: the last position of each run of equal scores
    ends = np.flatnonzero(np.r_[np.diff(scores[order]) != 0, True])
    recall = hits[ends] / positives
    precision = hits[ends] / (ends + 1)
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # best at this recall or beyond
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def mean_average_precision(truth: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The average precision of each class (columns of ``(N, C)`` ``truth`` and ``scores``);
    their mean is PASCAL's mean AP.

    Example:
        >>> truth = np.array([[1, 0], [0, 1], [1, 1]])
        >>> mean_average_precision(truth, truth * 2.0).tolist()
        [1.0, 1.0]
    """
    truth, scores = _check_pair(truth, scores, 2)
    return np.array([average_precision(truth[:, c], scores[:, c]) for c in range(truth.shape[1])])


def chance_corrected(ap: np.ndarray | float, share: np.ndarray | float) -> np.ndarray:
    """``(ap - share) / (1 - share)``: 0 at chance (a ranking that ignores the image has AP
    equal to the share of positive images), 1 for a perfect ranking.

    Example:
        >>> round(float(chance_corrected(0.55, 0.1)), 6)
        0.5
    """
    share = np.asarray(share, float)
    if np.any((share <= 0) | (share >= 1)):
        raise ValueError("share must lie strictly between 0 and 1 (some images positive, not all)")
    return (np.asarray(ap, float) - share) / (1.0 - share)


@dataclass
class APScores:
    """Per-class average precision of one probe on one test set.

    Attributes:
        ap: ``(C,)`` average precision per class.
        share: ``(C,)`` share of test images where each class is present (AP at chance).
    """

    ap: np.ndarray
    share: np.ndarray

    @property
    def mean(self) -> float:
        """Mean AP (PASCAL's number)."""
        return float(self.ap.mean())

    @property
    def corrected(self) -> np.ndarray:
        """Per-class AP on the chance-corrected scale (see :func:`chance_corrected`)."""
        return chance_corrected(self.ap, self.share)

    @property
    def chance(self) -> float:
        """Mean AP of a ranking that ignores the images."""
        return float(self.share.mean())


def probe_average_precision(
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    kind: str = "softmax",
    C: float | None = None,
) -> APScores:
    """One linear probe per class (``kind``: ``"softmax"``, a logistic regression, or
    ``"svm"``), trained class against rest on features ``train_x`` ``(N, D)`` with multi-label
    targets ``train_y`` ``(N, C)``; each ranks the test images by its decision value.

    Example:
        >>> x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> probe_average_precision(x, x, x, x, C=1.0).ap.tolist()
        [1.0, 1.0]
    """
    train_x, test_x = np.asarray(train_x), np.asarray(test_x)
    train_y, test_y = np.asarray(train_y), np.asarray(test_y)
    if train_y.ndim != 2 or test_y.ndim != 2 or train_y.shape[1] != test_y.shape[1]:
        raise ValueError(
            f"train_y and test_y must be (N, C) with one C, got {train_y.shape} and {test_y.shape}"
        )
    if test_x.ndim != 2 or len(test_x) != len(test_y) or test_x.shape[1] != train_x.shape[1]:
        raise ValueError(
            f"test_x must be (N, D) with one row per test label and train_x's D, got "
            f"{test_x.shape} (train_x {train_x.shape}, test_y {test_y.shape})"
        )
    present = test_y.sum(axis=0)
    if np.any(present == 0) or np.any(present == len(test_y)):
        raise ValueError("every class must be present in some test images and absent in others")
    scores = np.empty(test_y.shape, float)
    for c in range(train_y.shape[1]):
        probe = fit_probe(train_x, train_y[:, c], kind, C)  # refuses a class never (or always) seen
        scores[:, c] = probe.decision_function(test_x)
    return APScores(mean_average_precision(test_y, scores), present / len(test_y))


def choose_c_by_ap(
    x: np.ndarray,
    y: np.ndarray,
    grid: Sequence[float] = (1e-4, 1e-3, 1e-2),
    kind: str = "svm",
    folds: int = 2,
) -> tuple[float, dict[float, float]]:
    """The ``C`` of ``grid`` with the best mean AP in ``folds``-fold cross-validation on the
    training set ``(x, y)`` alone (``y``: ``(N, C)`` multi-label); ties: the smallest ``C``.
    Returns it and every ``C``'s cross-validated mean AP.

    Example:
        >>> x = np.repeat(np.eye(2), 4, axis=0) + 0.01 * np.arange(8)[:, None]
        >>> choose_c_by_ap(x, x.round().astype(int), grid=(0.1, 1.0))[0]
        0.1
    """
    from sklearn.model_selection import KFold

    if not grid or any(not c > 0 for c in grid):
        raise ValueError(f"grid must hold positive values of C, got {grid!r}")
    x, y = np.asarray(x), np.asarray(y)
    split = list(KFold(n_splits=folds, shuffle=True, random_state=0).split(x))
    score = {}
    for c in sorted(grid):
        aps = [
            average_precision(
                y[te, k], fit_probe(x[tr], y[tr, k], kind, c).decision_function(x[te])
            )
            for tr, te in split
            for k in range(y.shape[1])
            # a class seen only one way in a fold's part cannot be fit or scored there
            if 0 < y[tr, k].sum() < len(tr) and 0 < y[te, k].sum() < len(te)
        ]
        if not aps:
            raise ValueError("no class is both present and absent in every fold: too few images")
        score[float(c)] = float(np.mean(aps))
    best = max(score.values())
    return min(c for c, m in score.items() if m == best), score


class Task(NamedTuple):
    """A multi-label task: uint8 images ``(N, S, S, 3)`` and ``(N, C)`` labels, to train and to
    test on."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def _once_per_array(
    compute: Callable[[np.ndarray], np.ndarray],
) -> Callable[[np.ndarray], np.ndarray]:
    """``compute``, run once per image array (the same object): tasks that share their
    training images pass them through a network or HOG once. The caller keeps the arrays
    alive while it uses the result, so their ids stay theirs."""
    seen: dict[int, np.ndarray] = {}

    def once(images: np.ndarray) -> np.ndarray:
        if id(images) not in seen:
            seen[id(images)] = compute(images)
        return seen[id(images)]

    return once


def task_scores(
    model: nn.Module,
    preprocess: Callable[[np.ndarray], object],
    tasks: Mapping[str, Task],
    layer: str | int = 7,
    kind: str = "softmax",
    C: float | None = None,
    progress: bool = True,
) -> dict[str, APScores]:
    """Per-class AP of a one-vs-rest probe on one fixed layer of ``model`` for every task
    (the paper's Table 6 protocol: layers 1-7 fixed, new classifiers on top). An image array
    shared by several tasks (the same object, ``is``) is passed through the network once.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> from zfviz.data.world import make_scenes
        >>> from zfviz.data.preprocess import Preprocess
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> a, b = make_scenes("train", 20, 73), make_scenes("test", 20, 73)
        >>> pre = Preprocess.fit(a.images, image_size=64)
        >>> s = task_scores(net, pre, {"scenes": Task(a.images, a.labels, b.images, b.labels)},
        ...                 progress=False)
        >>> s["scenes"].ap.shape
        (10,)
    """

    def layer_features(images: np.ndarray) -> np.ndarray:
        return extract_features(model, images, preprocess, [layer], progress=progress)[layer]

    features = _once_per_array(layer_features)
    return {
        name: probe_average_precision(
            features(t.train_images), t.train_labels, features(t.test_images), t.test_labels,
            kind, C,
        )
        for name, t in tasks.items()
    }  # fmt: skip


def hog_task_scores(
    tasks: Mapping[str, Task], grid: Sequence[float] = (1e-4, 1e-3, 1e-2)
) -> tuple[dict[str, APScores], dict[str, float]]:
    """The earlier-style method on every task: HOG features
    (:func:`zfviz.methods.baselines.hog_features`) and one linear SVM per class, its ``C``
    chosen per task by :func:`choose_c_by_ap` on the training images. Returns the scores and
    the ``C`` chosen for each task.

    Example:
        >>> from zfviz.data.world import make_scenes
        >>> a, b = make_scenes("train", 24, 48), make_scenes("test", 24, 48)
        >>> scores, c = hog_task_scores({"scenes": Task(a.images, a.labels, b.images, b.labels)})
        >>> scores["scenes"].ap.shape, c["scenes"] in (1e-4, 1e-3, 1e-2)
        ((10,), True)
    """
    features = _once_per_array(hog_features)

    scores, chosen = {}, {}
    for name, t in tasks.items():
        train_x, test_x = features(t.train_images), features(t.test_images)
        chosen[name], _ = choose_c_by_ap(train_x, t.train_labels, grid, kind="svm")
        scores[name] = probe_average_precision(
            train_x, t.train_labels, test_x, t.test_labels, "svm", chosen[name]
        )
    return scores, chosen


def single_vs_scenes(
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    test_objects: np.ndarray,
) -> tuple[dict[str, Task], np.ndarray]:
    """One data set's test images cut in two (the full profile's PASCAL VOC): images with one
    annotated object and images with several, each a task with the same training images.

    Only classes both present and absent in each half can be scored there; the others are
    dropped from both tasks, so that the two are compared on the same classes. Returns the
    tasks (``"single objects"``, ``"scenes"``) and the kept class indices.

    Example:
        >>> y = np.array([[1, 0], [0, 1], [1, 1], [1, 0], [0, 1]])
        >>> tasks, kept = single_vs_scenes(y, y, y, y, test_objects=np.array([1, 1, 2, 2, 2]))
        >>> kept.tolist(), [len(t.test_labels) for t in tasks.values()]
        ([0, 1], [2, 3])
    """
    test_objects = np.asarray(test_objects)
    if test_objects.shape != (len(test_labels),) or np.any(test_objects < 1):
        raise ValueError(
            f"test_objects must hold one count >= 1 per test image, got shape {test_objects.shape}"
        )
    halves = {"single objects": test_objects == 1, "scenes": test_objects > 1}
    kept = np.ones(test_labels.shape[1], bool)
    for rows in halves.values():
        present = test_labels[rows].sum(axis=0)
        kept &= (present > 0) & (present < rows.sum())
    if not kept.any():
        raise ValueError("no class is both present and absent among the single-object images "
                         "and among the others")  # fmt: skip
    tasks = {
        name: Task(train_images, train_labels[:, kept], test_images[rows],
                   test_labels[rows][:, kept])
        for name, rows in halves.items()
    }  # fmt: skip
    return tasks, np.flatnonzero(kept)
