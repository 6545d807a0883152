"""Feature generalisation (section 5.2, Table 4, Fig. 9) and per-layer probes (Table 7).

The paper keeps layers 1-7 of its ImageNet network fixed and trains a new softmax on the
features of a small target set (Caltech), with ``n`` training images per class, a fixed number
of test images per class, mean per-class accuracy, and several folds. Its "non-pretrained"
baseline is the same network trained from scratch on the target set alone. Table 7 puts a
linear classifier (an SVM or a softmax) on the features of one layer at a time.

Here:

* :func:`extract_features` runs the network once over an image set and keeps the outputs of
  several layers, so that every probe, fold and shot count afterwards costs only a linear fit.
* The paper does not say how it pools conv features (PAPER.md); we **max-pool each feature
  map over a** ``grid x grid`` **grid of equal cells** (default 2x2, one value per map and
  quadrant, adaptive max pooling), then flatten: a conv layer with ``C`` maps gives ``C * 4``
  features. This keeps coarse spatial layout and keeps layer 1 (many positions, few maps)
  from swamping the probe with tens of thousands of dimensions. fc layers are used as they are.
* Probes (:func:`fit_probe`) standardise each feature on the training images and fit
  scikit-learn's ``LogisticRegression`` (the softmax) or ``LinearSVC`` (one-vs-rest linear SVM)
  with a fixed ``C`` (:data:`DEFAULT_C`, stated, not tuned per run).
* Folds (:func:`nshot_indices`) are seeded random draws of ``n`` training images per class
  from a training pool; the test set is the same for every fold.
* :func:`train_from_scratch` is the non-pretrained baseline: the same architecture and the
  SGD settings of ``zfviz.nets.train`` (momentum, weight decay, ten random crops, filter RMS
  renormalisation), trained on the n-shot images only.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from torch import nn
from tqdm.auto import tqdm

from zfviz.core import checkpoints
from zfviz.core.checks import (
    ArgumentTypeError,
    as_images,
    check_int,
    to_model,
    too_small_as_value_error,
)
from zfviz.core.hooks import borrowed, model_device
from zfviz.core.profiles import cache_dir
from zfviz.data.preprocess import Preprocess, ten_crop_offsets
from zfviz.nets import shipped
from zfviz.nets.layers import find_layer
from zfviz.nets.models import ConvNet
from zfviz.nets.predict import outputs
from zfviz.nets.receptive_field import check_input_size
from zfviz.nets.train import FilterRenorm, TrainConfig, build_model, sgd_epoch

SCRATCH_VERSION = 1  # bump when a change to train_from_scratch changes what it produces

__all__ = [
    "POOL_GRID",
    "PROBES",
    "DEFAULT_C",
    "pool_features",
    "pooled_size",
    "extract_features",
    "nshot_indices",
    "holdout_split",
    "mean_class_accuracy",
    "fit_probe",
    "probe_accuracy",
    "FoldScores",
    "probe_folds",
    "layer_scores",
    "shot_scores",
    "choose_c",
    "train_from_scratch",
    "scratch_key",
    "scratch_file",
    "scratch_model",
    "model_accuracy",
]

POOL_GRID = 2
PROBES: tuple[str, ...] = ("softmax", "svm")
# Fixed regularisation on standardised features, chosen by cross-validation within the quick
# profile's transfer pool, never on the test set: bench/choose_probe_c.py prints every C's
# accuracy per probe and layer (one value serves every layer, though the best differs).
DEFAULT_C: dict[str, float] = {"softmax": 0.01, "svm": 0.001}


def pool_features(output: torch.Tensor, grid: int = POOL_GRID) -> torch.Tensor:
    """Flat features ``(N, D)`` from one layer's output: conv maps ``(N, C, H, W)`` are max-pooled
    over a ``grid x grid`` grid of cells (``D = C * grid * grid``; a map with fewer than ``grid``
    rows or columns keeps those), vectors pass through.

    Example:
        >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> pool_features(x).tolist()
        [[5.0, 7.0, 13.0, 15.0]]
        >>> pool_features(torch.ones(3, 7)).shape
        torch.Size([3, 7])
    """
    if not isinstance(grid, int) or grid < 1:
        raise ValueError(f"grid must be an integer >= 1, got {grid!r}")
    if output.dim() == 4:
        # a map smaller than the grid keeps its own positions rather than repeating them
        cells = (min(grid, output.shape[-2]), min(grid, output.shape[-1]))
        return F.adaptive_max_pool2d(output, cells).flatten(1)
    if output.dim() == 2:
        return output
    raise ValueError(f"expected a (N, C, H, W) or (N, D) layer output, got {tuple(output.shape)}")


def pooled_size(model: ConvNet, layer: str | int, input_size: int, grid: int = POOL_GRID) -> int:
    """How many features :func:`extract_features` gives for ``layer``.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> pooled_size(net, 1, 64), pooled_size(net, 7, 64)
        (48, 32)
    """
    probe = torch.zeros(1, 3, input_size, input_size, device=model_device(model))
    return extract_features(model, probe, None, [layer], grid=grid, progress=False)[layer].shape[1]


def extract_features(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    preprocess: Callable[[np.ndarray], torch.Tensor] | None,
    layers: Sequence[str | int] = (1, 2, 3, 4, 5, 6, 7),
    grid: int = POOL_GRID,
    batch_size: int = 64,
    progress: bool = True,
) -> dict[str | int, np.ndarray]:
    """Pooled features of every layer in ``layers`` for every image, in one pass of the network.

    Args:
        model: the network, a zfviz ConvNet or any torchvision model (eval mode inside; given
            back unchanged).
        images: uint8 images ``(N, S, S, 3)`` that ``preprocess`` turns into inputs batch by
            batch (so a large set never sits in memory as floats), or, with ``preprocess=None``,
            inputs ``(N, 3, s, s)`` already (a tensor or a NumPy float array, cast to the
            model's dtype; NaN and Inf are refused).
        layers: named as :mod:`zfviz.nets.layers` says: paper layer numbers (1..7) or module names
            on zfviz models, module names (``"features.12"``, ``"classifier.4"``) on any model.
        grid: conv maps are max-pooled over ``grid x grid`` cells (see :func:`pool_features`).

    Returns:
        ``{layer: (N, D) float32 array}``, keyed as ``layers`` names them.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> f = extract_features(net, torch.zeros(3, 3, 64, 64), None, [5, 7], progress=False)
        >>> f[5].shape, f[7].shape  # pool5 of this tiny net is 1x1: 32 maps, one value each
        ((3, 32), (3, 32))

        torchvision models by module name (random weights, offline):

        >>> import torchvision
        >>> alexnet = torchvision.models.alexnet(weights=None)
        >>> f = extract_features(alexnet, torch.zeros(2, 3, 64, 64), None,
        ...                      ["features.12", "classifier.5"], progress=False)
        >>> f["features.12"].shape, f["classifier.5"].shape
        ((2, 256), (2, 4096))
    """
    # Every argument is checked before the first forward pass.
    if isinstance(layers, str | int) or not isinstance(layers, Sequence):
        raise ArgumentTypeError(f"layers must be a sequence of layers, got {layers!r}")
    if len(layers) == 0:
        raise ValueError("expected at least one layer in layers, got none")
    modules = {layer: find_layer(model, layer)[1] for layer in layers}  # LayerError (KeyError)
    grid = check_int(grid, "grid", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if not isinstance(images, np.ndarray | torch.Tensor):
        raise ArgumentTypeError(f"images must be a NumPy array or a tensor, got "
                                f"{type(images).__name__}")  # fmt: skip
    if len(images) == 0:
        raise ValueError("expected at least one image in images, got none")
    if preprocess is None:
        images = as_images(images, "images")
        check_input_size(model, tuple(images.shape), "images")
    caught: dict[str | int, list[np.ndarray]] = {layer: [] for layer in layers}

    def keep(layer):
        return lambda _m, _i, out: caught[layer].append(
            pool_features(out.float(), grid).cpu().numpy()
        )

    with torch.no_grad(), borrowed(model) as hooks:
        for layer, module in modules.items():
            hooks.forward(module, keep(layer))
        starts = range(0, len(images), batch_size)
        for start in tqdm(starts, desc="features", disable=not progress, leave=False):
            batch = images[start : start + batch_size]
            x = preprocess(batch) if preprocess is not None else batch
            if preprocess is not None:  # its output is checked here, batch by batch
                x = as_images(x, "preprocess(images)")
            x = to_model(x, model)
            with too_small_as_value_error("images", tuple(x.shape)):
                model(x)
    return {layer: np.concatenate(parts).astype(np.float32) for layer, parts in caught.items()}


def _class_counts(labels: np.ndarray, class_names: Sequence[str] | None) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"expected a non-empty 1-d array of integer labels, got {labels!r}")
    if labels.min() < 0:
        raise ValueError(f"labels must be >= 0, got {int(labels.min())}")
    count = len(class_names) if class_names is not None else int(labels.max()) + 1
    if labels.max() >= count:
        raise ValueError(f"label {int(labels.max())} has no class name ({count} names given)")
    counts = np.bincount(labels, minlength=count)
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        names = [_name(c, class_names) for c in empty]
        raise ValueError(f"classes with no images: {', '.join(names)}")
    return counts


def _name(label: int, class_names: Sequence[str] | None) -> str:
    return repr(class_names[label]) if class_names is not None else f"label {label}"


def nshot_indices(
    labels: np.ndarray,
    n: int,
    seed: int = 0,
    class_names: Sequence[str] | None = None,
    exclude: np.ndarray | None = None,
) -> np.ndarray:
    """Indices of ``n`` images per class drawn at random (from ``seed``), sorted.

    Every class ``0..C-1`` must have images (``C = len(class_names)``, else ``max(labels) + 1``)
    and at least ``n`` that are not in ``exclude``. The paper's folds are draws with different
    seeds; its test set is drawn with ``exclude`` set to the training indices.

    Example:
        >>> labels = np.array([0, 0, 0, 1, 1, 1])
        >>> train = nshot_indices(labels, 2, seed=0)
        >>> np.bincount(labels[train]).tolist()
        [2, 2]
        >>> test = nshot_indices(labels, 1, exclude=train)
        >>> sorted(set(train) & set(test))
        []
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    labels = np.asarray(labels)
    _class_counts(labels, class_names)
    available = np.ones(len(labels), bool)
    if exclude is not None:
        available[np.asarray(exclude, dtype=np.int64)] = False
    rng = np.random.default_rng(seed)
    chosen = []
    for c in range(len(class_names) if class_names is not None else int(labels.max()) + 1):
        pool = np.flatnonzero((labels == c) & available)
        if len(pool) < n:
            raise ValueError(
                f"class {_name(c, class_names)} has {len(pool)} images available, "
                f"fewer than the {n} asked for"
            )
        chosen.append(rng.choice(pool, size=n, replace=False))
    return np.sort(np.concatenate(chosen))


def holdout_split(
    labels: np.ndarray,
    max_test: int,
    min_pool: int,
    seed: int = 0,
    class_names: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One data set cut into a training pool and a fixed test set, class by class: up to
    ``max_test`` random test images per class, never leaving fewer than ``min_pool`` in the pool.

    For a data set without separate splits (Caltech): folds then draw their ``n`` training
    images from the pool (:func:`probe_folds`), and all folds share one test set. (The paper
    tests each fold on the images its draw left over, up to 50 per class.)

    Example:
        >>> labels = np.repeat([0, 1], [5, 9])
        >>> pool, test = holdout_split(labels, max_test=4, min_pool=3)
        >>> np.bincount(labels[pool]).tolist(), np.bincount(labels[test]).tolist()
        ([3, 5], [2, 4])
    """
    for label, value in (("max_test", max_test), ("min_pool", min_pool)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be an integer >= 1, got {value!r}")
    labels = np.asarray(labels)
    counts = _class_counts(labels, class_names)
    rng = np.random.default_rng(seed)
    test = []
    for c, count in enumerate(counts):
        if count <= min_pool:
            raise ValueError(
                f"class {_name(c, class_names)} has {count} images: not enough for {min_pool} "
                f"training images and at least one test image"
            )
        members = np.flatnonzero(labels == c)
        test.append(rng.choice(members, size=min(max_test, count - min_pool), replace=False))
    test_idx = np.sort(np.concatenate(test))
    return np.setdiff1d(np.arange(len(labels)), test_idx), test_idx


def mean_class_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Accuracy of each class present in ``y_true``, averaged over those classes (the paper's
    Caltech measure: a large class counts no more than a small one).

    Example:
        >>> mean_class_accuracy(np.array([0, 0, 0, 0, 1]), np.array([0, 0, 0, 0, 0]))
        0.5
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1 or y_true.size == 0:
        raise ValueError(
            f"expected two 1-d label arrays of one non-zero length, got {y_true.shape} "
            f"and {y_pred.shape}"
        )
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]))


def fit_probe(x: np.ndarray, y: np.ndarray, kind: str = "softmax", C: float | None = None):
    """A linear classifier on features ``x`` ``(N, D)``: standardisation (fit on ``x``) then a
    softmax (multinomial logistic regression) or a one-vs-rest linear SVM, with an L2 penalty
    of strength ``1 / C`` (``C`` default: :data:`DEFAULT_C`). A scikit-learn ``Pipeline``.

    Example:
        >>> x = np.array([[0.0, 1.0], [0.1, 0.9], [1.0, 0.0], [0.9, 0.1]])
        >>> fit_probe(x, np.array([0, 0, 1, 1]), "svm").predict(x).tolist()
        [0, 0, 1, 1]
    """
    if kind not in PROBES:
        raise ValueError(f"unknown probe {kind!r}; expected one of: {', '.join(PROBES)}")
    C = DEFAULT_C[kind] if C is None else C
    if not C > 0:
        raise ValueError(f"C must be positive, got {C}")
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"expected features (N, D) and N labels, got {x.shape} and {y.shape}")
    if len(np.unique(y)) < 2:
        raise ValueError("a probe needs at least two classes in its training labels")
    if kind == "softmax":
        clf = LogisticRegression(C=C, max_iter=2000)
    else:
        clf = LinearSVC(C=C, max_iter=20000)
    pipe: Pipeline = make_pipeline(StandardScaler(), clf)
    with warnings.catch_warnings():
        # one or two images per class trip scikit-learn's guess that the labels may be a
        # regression target: an n-shot probe has few images per class by design
        warnings.filterwarnings("ignore", "The number of unique classes", UserWarning)
        return pipe.fit(x, y)


def probe_accuracy(
    train_x: np.ndarray,
    train_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    kind: str = "softmax",
    C: float | None = None,
) -> float:
    """Mean per-class accuracy on the test features of a probe fit on the training features.

    Example:
        >>> x = np.array([[0.0], [1.0], [10.0], [11.0]])
        >>> probe_accuracy(x, np.array([0, 0, 1, 1]), x + 0.5, np.array([0, 0, 1, 1]))
        1.0
    """
    probe = fit_probe(train_x, train_y, kind, C)
    return mean_class_accuracy(test_y, probe.predict(test_x))


@dataclass
class FoldScores:
    """Mean per-class accuracies of one setting over folds.

    Example:
        >>> s = FoldScores(n=5, scores=np.array([0.8, 0.9]))
        >>> round(s.mean, 3), round(s.std, 3)
        (0.85, 0.05)
    """

    n: int
    scores: np.ndarray

    @property
    def mean(self) -> float:
        return float(np.mean(self.scores))

    @property
    def std(self) -> float:
        """Spread over folds (population standard deviation, 0 for one fold)."""
        return float(np.std(self.scores))


def probe_folds(
    pool_x: np.ndarray,
    pool_y: np.ndarray,
    test_x: np.ndarray,
    test_y: np.ndarray,
    n: int,
    folds: int = 5,
    kind: str = "softmax",
    C: float | None = None,
    class_names: Sequence[str] | None = None,
) -> FoldScores:
    """The paper's protocol on cached features: for fold ``f`` draw ``n`` training images per
    class from the pool (seed ``f``), fit a probe, score it on the fixed test set.

    Example:
        >>> x = np.array([[0.0], [0.1], [0.2], [1.0], [1.1], [1.2]])
        >>> y = np.array([0, 0, 0, 1, 1, 1])
        >>> probe_folds(x, y, x, y, n=1, folds=3).scores.tolist()
        [1.0, 1.0, 1.0]
    """
    if not isinstance(folds, int) or folds < 1:
        raise ValueError(f"folds must be an integer >= 1, got {folds!r}")
    scores = []
    for fold in range(folds):
        idx = nshot_indices(pool_y, n, seed=fold, class_names=class_names)
        scores.append(probe_accuracy(pool_x[idx], pool_y[idx], test_x, test_y, kind, C))
    return FoldScores(n=n, scores=np.array(scores))


def layer_scores(
    model: nn.Module,
    preprocess: Callable[[np.ndarray], torch.Tensor] | None,
    pool_images: np.ndarray,
    pool_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    layers: Sequence[str | int] = (1, 2, 3, 4, 5, 6, 7),
    n: int = 30,
    folds: int = 5,
    kinds: Sequence[str] = ("svm",),
    class_names: Sequence[str] | None = None,
    progress: bool = True,
) -> dict[tuple[str, str | int], FoldScores]:
    """Table 7's protocol for one network: the features of every layer in ``layers`` once
    (:func:`extract_features`), then :func:`probe_folds` of each probe in ``kinds`` on each
    layer, ``n`` training images per class. Keys: ``(kind, layer)``.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> x, y = torch.randn(8, 3, 64, 64), np.array([0, 1] * 4)
        >>> s = layer_scores(net, None, x, y, x, y, layers=[1, 7], n=2, folds=1, progress=False)
        >>> sorted(s), s["svm", 7].scores.shape
        ([('svm', 1), ('svm', 7)], (1,))
    """
    for kind in kinds:
        if kind not in PROBES:
            raise ValueError(f"unknown probe {kind!r} in kinds; expected: {', '.join(PROBES)}")
    pool = extract_features(model, pool_images, preprocess, layers, progress=progress)
    test = extract_features(model, test_images, preprocess, layers, progress=progress)
    return {
        (kind, layer): probe_folds(pool[layer], pool_labels, test[layer], test_labels, n=n,
                                   folds=folds, kind=kind, class_names=class_names)
        for kind in kinds
        for layer in layers
    }  # fmt: skip


def shot_scores(
    model: nn.Module,
    preprocess: Callable[[np.ndarray], torch.Tensor] | None,
    pool_images: np.ndarray,
    pool_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
    shots: Sequence[int],
    folds: int = 5,
    layer: str | int = 7,
    kind: str = "softmax",
    class_names: Sequence[str] | None = None,
    progress: bool = True,
) -> dict[int, FoldScores]:
    """Fig. 9's protocol for one network: one layer's features once, then :func:`probe_folds`
    at each training-set size in ``shots`` (images per class). Keys: the sizes.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
        >>> x, y = torch.randn(8, 3, 64, 64), np.array([0, 1] * 4)
        >>> s = shot_scores(net, None, x, y, x, y, shots=[1, 3], folds=2, progress=False)
        >>> sorted(s), s[3].scores.shape
        ([1, 3], (2,))
    """
    if kind not in PROBES:
        raise ValueError(f"unknown probe {kind!r}; expected one of: {', '.join(PROBES)}")
    pool = extract_features(model, pool_images, preprocess, [layer], progress=progress)[layer]
    test = extract_features(model, test_images, preprocess, [layer], progress=progress)[layer]
    return {
        n: probe_folds(pool, pool_labels, test, test_labels, n=n, folds=folds, kind=kind,
                       class_names=class_names)
        for n in shots
    }  # fmt: skip


def choose_c(
    x: np.ndarray,
    y: np.ndarray,
    grid: Sequence[float] = (1e-4, 1e-3, 1e-2, 1e-1, 1.0),
    kind: str = "softmax",
    folds: int = 3,
) -> tuple[float, dict[float, float]]:
    """The ``C`` of ``grid`` with the best mean per-class accuracy in ``folds``-fold stratified
    cross-validation on ``(x, y)`` alone (training images only: the test set is never seen).

    Returns the chosen ``C`` and the cross-validated accuracy of every ``C`` (ties: the
    smallest ``C``, the strongest penalty). ``bench/choose_probe_c.py`` runs it on the quick
    profile's pool, where :data:`DEFAULT_C` came from.

    Example:
        >>> x = np.array([[0.0], [0.1], [0.2], [1.0], [1.1], [1.2]])
        >>> choose_c(x, np.array([0, 0, 0, 1, 1, 1]), grid=(0.1, 1.0))[0]
        0.1
    """
    from sklearn.model_selection import StratifiedKFold

    if not grid or any(not c > 0 for c in grid):
        raise ValueError(f"grid must hold positive values of C, got {grid!r}")
    x, y = np.asarray(x), np.asarray(y)
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    accuracy = {}
    for c in sorted(grid):
        scores = [
            probe_accuracy(x[tr], y[tr], x[te], y[te], kind, c) for tr, te in split.split(x, y)
        ]
        accuracy[float(c)] = float(np.mean(scores))
    best = max(accuracy.values())
    return min(c for c, a in accuracy.items() if a == best), accuracy


def train_from_scratch(
    images: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    num_classes: int | None = None,
    epochs: int = 30,
    progress: bool = True,
    device: str = "cpu",
) -> tuple[ConvNet, Preprocess]:
    """The non-pretrained baseline: the network of ``config`` trained on ``images`` alone.

    What ``zfviz.nets.train.train`` does, on any labelled images: a fresh network from
    ``config.seed``, a mean image fit on these images, SGD with ``config``'s learning rate,
    momentum, weight decay and batch size, one of the ten crops at random per image and step,
    and filter RMS renormalisation. Only the schedule differs: ``epochs`` (an n-shot set is
    small, so it takes many more epochs than the 10 of the main model) with the learning rate
    divided by 10 after 70 % and 90 % of them. Images are ``(N, S, S, 3)`` uint8 with
    ``S = crop_source_size(config.image_size)`` (or ``S = config.image_size``: then the ten
    crops are just the image and its mirror). Returns the network (eval mode, CPU) and its
    preprocessing.

    Example:
        >>> cfg = TrainConfig(image_size=64, width=0.125, fc_units=32)
        >>> imgs = np.zeros((4, 73, 73, 3), np.uint8)
        >>> net, pre = train_from_scratch(imgs, np.array([0, 1, 0, 1]), cfg, epochs=1,
        ...                               progress=False)
        >>> net(pre(imgs)).shape
        torch.Size([4, 2])
    """
    labels = np.asarray(labels)
    names = None if num_classes is None else [str(c) for c in range(num_classes)]
    counts = _class_counts(labels, names)
    if len(images) != len(labels):
        raise ValueError(f"expected one label per image, got {len(images)} and {len(labels)}")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    pre = Preprocess.fit(images, config.image_size, scale=config.input_scale)
    net = build_model(config, num_classes=len(counts)).to(device)
    opt = torch.optim.SGD(
        net.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
    )
    renorm = FilterRenorm(net, config.renorm_radius) if config.renorm_radius else None
    crops = ten_crop_offsets(pre.source_size, config.image_size)
    drops = (int(0.7 * epochs), int(0.9 * epochs))
    target = torch.from_numpy(labels.astype(np.int64)).to(device)
    rng = np.random.default_rng(config.seed)
    for epoch in tqdm(range(epochs), desc="from scratch", disable=not progress, leave=False):
        for g in opt.param_groups:
            g["lr"] = config.lr * 0.1 ** sum(epoch >= d for d in drops)
        # the same loop as the book's networks (zfviz.nets.train.sgd_epoch)
        sgd_epoch(net, opt, renorm, pre, images, target, crops, rng, config.batch_size, device)
    return net.cpu().eval(), pre


SHIPPED_PREFIX = "scratch-"  # a shipped baseline's file name in the zoo: prefix + cache name


def scratch_key(
    images: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    epochs: int,
    num_classes: int | None = None,
) -> dict:
    """What identifies a from-scratch baseline: the training configuration, ``epochs``, and a
    hash of the images and labels themselves (:func:`scratch_model`'s cache key).

    Example:
        >>> cfg = TrainConfig(image_size=64, width=0.125, fc_units=32)
        >>> imgs = np.zeros((2, 73, 73, 3), np.uint8)
        >>> scratch_key(imgs, np.array([0, 1]), cfg, 3)["scratch_epochs"]
        3
    """
    digest = hashlib.sha256(np.ascontiguousarray(images).tobytes())
    digest.update(np.ascontiguousarray(np.asarray(labels).astype(np.int64)).tobytes())
    return config.as_dict() | {
        "scratch_version": SCRATCH_VERSION,
        "scratch_epochs": epochs,
        "num_classes": num_classes,
        "data_sha256": digest.hexdigest(),
    }


def scratch_file(key: dict) -> str:
    """The file name of a from-scratch baseline in the cache (``<cache>/scratch/``)."""
    return f"{checkpoints.config_key(key)[:24]}.pt"


def scratch_model(
    images: np.ndarray,
    labels: np.ndarray,
    config: TrainConfig,
    num_classes: int | None = None,
    epochs: int = 30,
    cache: bool = True,
    progress: bool = True,
    device: str = "cpu",
) -> tuple[ConvNet, Preprocess]:
    """:func:`train_from_scratch`, kept in the checkpoint cache (like the main model): from the
    cache when it is there, else from the networks that ship with the book (the quick
    profile's chapters' baselines, :mod:`zfviz.methods.scratch_zoo`), else trained now.

    The key (:func:`scratch_key`) is the training configuration, ``epochs``, and a hash of the
    images and labels themselves, so another draw of the n-shot images, another data set or
    another schedule trains anew. A corrupt or stale file is ignored and rewritten.

    Example:
        >>> cfg = TrainConfig(image_size=64, width=0.125, fc_units=32)
        >>> imgs = np.zeros((2, 73, 73, 3), np.uint8)
        >>> net, pre = scratch_model(imgs, np.array([0, 1]), cfg, epochs=1, cache=False,
        ...                          progress=False)
        >>> pre.image_size
        64
    """
    key = scratch_key(images, labels, config, epochs, num_classes)
    path = os.path.join(cache_dir(), "scratch", scratch_file(key))
    found = None
    if cache and os.path.exists(path):
        try:
            found = checkpoints.load_checkpoint(path, key)
        except checkpoints.CheckpointError:
            pass  # unusable: train again and overwrite
    if cache and found is None:  # the quick profile's baselines ship (zfviz.methods.scratch_zoo)
        found = shipped.load_payload(SHIPPED_PREFIX + scratch_file(key), key)
    if found is not None:
        try:
            net = build_model(config, num_classes=int(found["num_classes"]))
            net.load_state_dict(found["state_dict"])  # float16 when shipped: copied to float32
            mean = found["mean_image"].float().numpy()
            return net.eval(), Preprocess(mean, config.image_size, config.input_scale)
        except (KeyError, RuntimeError):
            pass  # unusable: train again and overwrite
    net, pre = train_from_scratch(images, labels, config, num_classes, epochs, progress, device)
    if cache:
        payload = {
            "state_dict": net.state_dict(),
            "mean_image": torch.from_numpy(pre.mean_image),
            "num_classes": net.spec.num_classes,
        }
        checkpoints.save_checkpoint(path, key, payload)
    return net, pre


def model_accuracy(
    model: nn.Module,
    images: np.ndarray,
    labels: np.ndarray,
    preprocess: Callable[[np.ndarray], torch.Tensor],
    batch_size: int = 128,
) -> float:
    """Mean per-class accuracy of the network's own output (centre crop) on ``images``.

    Example:
        >>> from zfviz.nets.models import zfnet
        >>> net = zfnet(num_classes=2, input_size=64, width=0.125, fc_units=32)
        >>> acc = model_accuracy(net, torch.zeros(4, 3, 64, 64), np.array([0, 1, 0, 1]),
        ...                      lambda x: x)
        >>> acc
        0.5
    """
    predicted = outputs(model, images, preprocess, batch_size).argmax(1).numpy()
    return mean_class_accuracy(np.asarray(labels), predicted)
