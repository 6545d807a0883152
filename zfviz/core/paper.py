"""The paper's findings and numbers, keyed like the chapters' records, and the side-by-side table.

Each chapter records its measured numbers with :func:`zfviz.core.results.record`, after its claim
check passed. :data:`MEASURES` says which recorded value answers which number of the paper
(``None`` where the paper gives words, not a number), and :data:`FINDINGS` what each chapter's
claim check asserts. :func:`side_by_side` and :func:`findings_table` turn the records of both
profiles into rows for a table; a chapter without a usable record says why (``"not run yet"``).
Numbers of the paper are those of ``arXiv:1311.2901v3`` (accuracies as fractions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from zfviz.core.results import Recorded

__all__ = ["PAPER_TABLE2", "PAPER_TABLE3", "variant_key", "Measure", "Finding", "MEASURES",
           "FINDINGS", "CHAPTERS", "side_by_side", "findings_table", "format_value"]  # fmt: skip

# Table 3 of the paper, error % (train top-1, val top-1, val top-5), for the row that each
# variant stands for: the "removed" rows are the paper's AlexNet replication, the others ZFNet.
PAPER_TABLE3: dict[str, tuple[float, float, float]] = {
    "baseline": (33.1, 38.4, 16.5),
    "removed 3,4": (41.8, 45.4, 22.1),
    "removed 7": (27.4, 40.0, 18.4),
    "removed 6,7": (27.4, 44.8, 22.4),
    "removed 3,4,6,7": (71.1, 71.3, 50.1),
    "fc6,7 half": (38.2, 40.2, 17.6),
    "fc6,7 double": (22.0, 38.8, 17.0),
    "conv3-5 widened": (18.8, 37.5, 16.0),
    "both widened": (10.0, 38.3, 16.9),
}


# Table 2 of the paper, validation error % (top-1, top-5): one ZFNet against five averaged.
PAPER_TABLE2: dict[str, tuple[float, float]] = {
    "1 convnet (a)": (38.4, 16.5),
    "5 convnets (a)": (36.7, 15.3),
}


def variant_key(name: str) -> str:
    """A variant's name as a key of recorded numbers: lower case, words joined by ``_``.

    Example:
        >>> variant_key("removed 3,4,6,7"), variant_key("fc6,7 double")
        ('removed_3_4_6_7', 'fc6_7_double')
    """
    return "_".join(re.findall(r"[a-z0-9]+", name.lower()))


CHAPTERS = ("convnet", "training", "deconvnet", "visualization", "evolution", "invariance",
            "architecture", "occlusion", "correspondence", "ablations", "transfer",
            "caltech256", "scenes", "analysis")  # fmt: skip


@dataclass(frozen=True)
class Measure:
    """One number a chapter records, and the paper's number for it (or ``None``)."""

    chapter: str
    key: str
    what: str
    paper: float | int | None = None
    percent: bool = False


@dataclass(frozen=True)
class Finding:
    """What the paper found in one section, and what the chapter's claim check asserts."""

    chapter: str
    paper: str
    quick: str
    full: str


def _delta(part: str, layer: int, paper: float) -> Measure:
    return Measure("correspondence", f"delta{layer}_{part}",
                   f"Delta_{layer}, {part.replace('_', ' ')} masked (Table 1)", paper)  # fmt: skip


def _gap(variant: str) -> float:
    train, val1, _ = PAPER_TABLE3[variant]
    return (val1 - train) / 100


MEASURES: tuple[Measure, ...] = (
    # The paper states no parameter counts: these are counted from Fig. 3's layer sizes.
    Measure("convnet", "parameters", "parameters of ZFNet, 1000 classes (Fig. 3)"),
    Measure("convnet", "parameters_b", "parameters of variant (b) (Table 2)"),
    Measure("convnet", "conv1_rf", "layer-1 receptive field, pixels", 7),
    Measure("convnet", "profile_parameters", "parameters of this profile's network"),
    Measure(
        "training",
        "val_top1",
        "validation top-1 accuracy (paper: ImageNet, 1000 classes)",
        1 - 0.384,
        percent=True,
    ),  # fmt: skip
    Measure("training", "pixel_linear_top1", "linear classifier on raw pixels", percent=True),
    Measure("training", "filters_clipped", "filters scaled back by the RMS rule"),
    Measure(
        "deconvnet",
        "max_rel_diff_autograd",
        "deconvnet vs back-propagation with the ReLU on the signal, largest rel. difference",
    ),
    Measure("visualization", "parts_layer1", "object parts in a top-9 projection, layer 1"),
    Measure("visualization", "parts_layer5", "object parts in a top-9 projection, layer 5"),
    Measure(
        "visualization",
        "grass_map_share",
        "grass images in the top 9 of the grass map",
        percent=True,
    ),  # fmt: skip
    Measure("visualization", "grass_base_rate", "grass images among all", percent=True),
    Measure(
        "evolution",
        "change_last_layer1",
        "change of the strongest projection, last interval, layer 1",
    ),  # fmt: skip
    Measure("evolution", "change_last_layer5", "same, layer 5"),
    Measure(
        "invariance", "rel_translation_layer1", "relative feature distance, translation, layer 1"
    ),  # fmt: skip
    Measure("invariance", "rel_translation_layer7", "same, layer 7"),
    Measure("invariance", "rel_rotation_layer1", "relative feature distance, rotation, layer 1"),
    Measure("invariance", "rel_rotation_layer7", "same, layer 7"),
    Measure("invariance", "p_translation", "mean p(true label) under translation", percent=True),
    Measure("invariance", "p_rotation", "mean p(true label) under rotation", percent=True),
    Measure(
        "architecture",
        "val_top1_err_alexnet",
        "validation top-1 error, 11x11/4 first layer (paper: AlexNet, Table 2)",
        0.405,
        percent=True,
    ),  # fmt: skip
    Measure(
        "architecture",
        "val_top1_err_zfnet",
        "same, 7x7/2 first layer (paper: ZFNet)",
        0.384,
        percent=True,
    ),  # fmt: skip
    Measure("architecture", "dead_alexnet", "dead layer-1 filters, 11x11/4 (mean over seeds)"),
    Measure("architecture", "dead_zfnet", "same, 7x7/2"),
    Measure(
        "architecture",
        "aliased_alexnet",
        "layer-1 filter energy above the output's Nyquist frequency, 11x11/4",
        percent=True,
    ),  # fmt: skip
    Measure("architecture", "aliased_zfnet", "same, 7x7/2", percent=True),
    Measure(
        "architecture",
        "mid_band_alexnet",
        "layer-1 filter energy at mid frequencies, 11x11/4",
        percent=True,
    ),  # fmt: skip
    Measure("architecture", "mid_band_zfnet", "same, 7x7/2", percent=True),
    Measure("architecture", "shift_alexnet", "layer-2 response swing as a grating moves, 11x11/4"),
    Measure("architecture", "shift_zfnet", "same, 7x7/2"),
    Measure(
        "occlusion", "pointing_game", "images whose largest drop is inside the box", percent=True
    ),  # fmt: skip
    Measure(
        "occlusion", "drop_inside_box", "share of the probability drop inside the box", percent=True
    ),  # fmt: skip
    Measure(
        "occlusion",
        "box_share",
        "share of occluder positions inside the box (chance)",
        percent=True,
    ),  # fmt: skip
    Measure("occlusion", "mushroom_grass_gain", "p(mushroom) gained on grass"),
    _delta("right_eye", 5, 0.067),
    _delta("left_eye", 5, 0.069),
    _delta("nose", 5, 0.079),
    _delta("random", 5, 0.107),
    _delta("right_eye", 7, 0.069),
    _delta("left_eye", 7, 0.068),
    _delta("nose", 7, 0.069),
    _delta("random", 7, 0.073),
    *(
        Measure(
            "ablations",
            f"val_top1_err_{variant_key(name)}",
            f"validation top-1 error, {name} (Table 3)",
            val1 / 100,
            percent=True,
        )
        for name, (_, val1, _) in PAPER_TABLE3.items()
    ),  # fmt: skip
    Measure(
        "ablations",
        f"gap_{variant_key('both widened')}",
        "validation minus train top-1 error, both widened (Table 3)",
        _gap("both widened"),
        percent=True,
    ),  # fmt: skip
    Measure("ablations", "gap_baseline", "same, baseline", _gap("baseline"), percent=True),
    Measure(
        "ablations",
        "ensemble_top1_err",
        "validation top-1 error, ensemble of the baseline's seeds (paper: 5 nets, Table 2)",
        PAPER_TABLE2["5 convnets (a)"][0] / 100,
        percent=True,
    ),  # fmt: skip
    Measure(
        "transfer",
        "pretrained7_15shot",
        "pretrained, softmax on layer 7, 15 per class (paper: Caltech-101)",
        0.838,
        percent=True,
    ),  # fmt: skip
    Measure("transfer", "pretrained7_30shot", "same, 30 per class", 0.865, percent=True),
    Measure(
        "transfer", "scratch_15shot", "trained from scratch, 15 per class", 0.228, percent=True
    ),  # fmt: skip
    Measure("transfer", "scratch_30shot", "same, 30 per class", 0.465, percent=True),
    *(
        Measure(
            "caltech256",
            f"pretrained7_{n}shot",
            f"pretrained, softmax on layer 7, {n} per class (paper: Caltech-256)",
            paper,
            percent=True,
        )
        for n, paper in ((15, 0.657), (30, 0.706), (45, 0.727), (60, 0.742))
    ),  # fmt: skip
    Measure(
        "caltech256", "scratch_15shot", "trained from scratch, 15 per class", 0.090, percent=True
    ),  # fmt: skip
    Measure("caltech256", "scratch_60shot", "same, 60 per class", 0.388, percent=True),
    Measure(
        "caltech256",
        "hog_60shot",
        "earlier method, 60 per class (ours: HOG + SVM; paper: Bo et al.)",
        0.552,
        percent=True,
    ),  # fmt: skip
    Measure(
        "scenes",
        "pretrained7_map_scenes",
        "pretrained, a probe per class on layer 7, mean AP on scenes (paper: PASCAL VOC 2012)",
        0.790,
        percent=True,
    ),  # fmt: skip
    Measure(
        "scenes",
        "hog_map_scenes",
        "earlier method, mean AP on scenes (ours: HOG + SVM; paper: best previous)",
        0.822,
        percent=True,
    ),  # fmt: skip
    Measure(
        "scenes",
        "pretrained7_map_single_objects",
        "pretrained, mean AP on single objects (the paper has no such number)",
        None,
        percent=True,
    ),  # fmt: skip
    *(
        Measure(
            "analysis",
            f"svm256_layer{layer}",
            f"SVM on layer {layer}, 60 per class (paper: Caltech-256)",
            paper,
            percent=True,
        )
        for layer, paper in (
            (1, 0.246),
            (2, 0.396),
            (3, 0.460),
            (4, 0.513),
            (5, 0.656),
            (6, None),
            (7, 0.717),
        )
    ),  # fmt: skip
    *(
        Measure(
            "analysis",
            f"svm_layer{layer}",
            f"SVM on layer {layer}, 30 per class (paper: Caltech-101)",
            paper,
            percent=True,
        )
        for layer, paper in (
            (1, 0.448),
            (2, 0.662),
            (3, 0.723),
            (4, 0.766),
            (5, 0.862),
            (6, None),
            (7, 0.855),
        )
    ),  # fmt: skip
    Measure("analysis", "softmax_layer5", "softmax on layer 5", 0.829, percent=True),
    Measure("analysis", "softmax_layer7", "softmax on layer 7", 0.854, percent=True),
)

FINDINGS: tuple[Finding, ...] = (
    Finding(
        "convnet",
        "ZFNet: 7x7 stride-2 layer 1, the layer sizes of Fig. 3",
        "the map sizes of Fig. 3, exactly",
        "the same (the architecture does not depend on the profile)",
    ),
    Finding(
        "training",
        "trained on ImageNet; filter renormalisation keeps layer-1 filters "
        "from dominating (Fig. 6a)",
        "on every seed, above 85% top-1 and 30 points above pixels; the RMS rule never acted "
        "(shown, not claimed: Fig. 6a cannot show at this scale)",
        "the quick network, trained on the GPU: the same checks",
    ),
    Finding(
        "deconvnet",
        "the deconvnet is back-propagation with the ReLU applied to the signal (section 2.1)",
        "projections stay in their unit's receptive field at layers 2 and 3, every seed (code "
        "checks: equal to autograd's version, overlapping windows add up)",
        "the same checks",
    ),
    Finding(
        "visualization",
        "a hierarchy: edges, textures, parts, objects; a layer-5 feature fires on grass (Fig. 2)",
        "on every seed: top-9 windows on the object, more parts per projection in layers 3-5 "
        "than in 1-2, a layer-5 map that prefers grass on held-out images",
        "receptive fields only; figures as evidence",
    ),
    Finding(
        "evolution",
        "lower layers settle within a few epochs, upper ones after 40-50 (Fig. 4)",
        "layer 1 changes least on average over the intervals; in the last one change grows "
        "with depth; "
        "the paper's time scale does not transfer to 10 epochs",
        "the same checks, on the quick network trained on the GPU",
    ),
    Finding(
        "invariance",
        "layer 7 more stable than layer 1; output stable to translation and "
        "scale, not to rotation (Fig. 5)",
        "on every seed, five re-rendered objects: layer 7 steadier than 1 under translation and "
        "scale; rotation costs more than translation (each object) and scale (on average); "
        "the symmetric flower survives rotation",
        "sanity checks; figures as evidence",
    ),
    Finding(
        "architecture",
        "an 11x11 stride-4 layer 1 has dead filters, misses the mid frequencies and aliases in "
        "layer 2; 7x7 stride 2 fixes this and is 2.1 points better (Fig. 6, Table 2)",
        "training widens the aliasing gap and the mid frequencies are missed, every seed; no "
        "dead filters in either; ZFNet not ahead on every seed",
        "both networks beat chance; the other verdicts shown, not expected",
    ),
    Finding(
        "occlusion",
        "the probability collapses when the object is covered (Fig. 7)",
        "the drop concentrates on the object box, and mushrooms lean on grass (context): "
        "both on every seed",
        "figures as evidence (no boxes)",
    ),
    Finding(
        "correspondence",
        "parts are represented consistently: lower Delta_5 for eyes and "
        "nose than for random masks; layer 7 nearly level (Table 1)",
        "layer 5: parts below random squares anywhere on every seed, but not below random "
        "squares on the face (the paper's control) on every seed; layer 7 not level",
        "sanity checks on the cartoon faces",
    ),
    Finding(
        "ablations",
        "depth matters: the 4-layer net is far worse, removing fc6-7 or conv3-4 costs little, "
        "widening everything overfits, ensembles help (Tables 2, 3)",
        "removing fc layers costs little and widening conv3-5 helps (both seeds); an ensemble "
        "beats its members' mean; the 4-layer net is better, and widening everything does not "
        "overfit most (not reproduced: 10 easy classes)",
        "verdicts shown, not expected (not measured yet)",
    ),
    Finding(
        "transfer",
        "pretrained features beat training from scratch by far on Caltech (Table 4, Fig. 9)",
        "they beat scratch with 5 per class; at 15 and 30 scratch comes close (10 source classes)",
        "verdicts shown, not expected (not measured yet)",
    ),
    Finding(
        "caltech256",
        "on Caltech-256 too; and with 6 images per class they beat the best earlier method "
        "trained with 60 (Table 5, Fig. 9)",
        "they beat scratch at 15 and 60 per class on every seed, but HOG + SVM with 60 beats "
        "the probe at every size (not reproduced: 10 source classes, sibling classes told "
        "apart by one part)",
        "verdicts shown, not expected (not measured yet)",
    ),
    Finding(
        "scenes",
        "on PASCAL VOC's scenes of several objects the features transfer less well: 79.0 % mean "
        "AP, below the best earlier method's 82.2 % (Table 6)",
        "they transfer less well to scenes than to single objects on every seed, most of the "
        "loss already there for single small objects; but HOG + SVM falls further, so the "
        "earlier method does not come closer (not reproduced)",
        "verdicts shown, not expected (not measured yet)",
    ),
    Finding(
        "analysis",
        "a linear classifier improves with depth up to layers 5-7 (Table 7)",
        "rises from layer 1 to 3 on every seed, on both columns (ten and thirty novel classes), "
        "but the best layer is below 5 (not reproduced: 10 source classes)",
        "verdicts shown, not expected (not measured yet)",
    ),
)


def format_value(value: object, percent: bool = False) -> str:
    """A number as the tables show it.

    Example:
        >>> format_value(0.8654, percent=True), format_value(62357608), format_value(0.0671)
        ('86.5%', '62,357,608', '0.0671')
        >>> format_value(None)
        'not measured here'
    """
    if value is None:
        return "not measured here"
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if percent:
        return f"{100 * value:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.3g}"


def _cell(found: Recorded | str | None, measure: Measure) -> str:
    if found is None or isinstance(found, str):
        return found or "not run yet"
    if measure.key not in found.values:
        return "not recorded"
    return format_value(found.values[measure.key], measure.percent)


def side_by_side(records: Mapping[str, Mapping[str, Recorded | str]]) -> list[dict[str, str]]:
    """One row per :data:`MEASURES` entry: the paper's number beside each profile's.

    Args:
        records: profile name -> :func:`zfviz.core.results.read_all` of :data:`CHAPTERS`.

    Example:
        >>> from zfviz.core.results import Recorded
        >>> quick = {"training": Recorded("training", "quick", {"val_top1": 0.9}, "now")}
        >>> rows = side_by_side({"quick": quick, "full": {}})
        >>> [r for r in rows if r["measure"].startswith("validation")][0]["quick"]
        '90.0%'
        >>> rows[0]["full"]
        'not run yet'
    """
    rows = []
    for m in MEASURES:
        row = {"chapter": m.chapter, "measure": m.what,
               "paper": "-" if m.paper is None else format_value(m.paper, m.percent)}  # fmt: skip
        for profile, found in records.items():
            row[profile] = _cell(found.get(m.chapter), m)
        rows.append(row)
    return rows


def findings_table(records: Mapping[str, Mapping[str, Recorded | str]]) -> list[dict[str, str]]:
    """One row per chapter: the paper's finding and, per profile, what its claim check asserted
    (a chapter records its numbers only after its claim check passed) or why there is nothing.

    Example:
        >>> rows = findings_table({"quick": {}})
        >>> rows[0]["quick"]
        'not run yet'
    """
    rows = []
    for f in FINDINGS:
        row = {"chapter": f.chapter, "the paper found": f.paper}
        for profile, found in records.items():
            got = found.get(f.chapter)
            if isinstance(got, Recorded):
                row[profile] = f"as expected: {getattr(f, profile)}"
            else:
                row[profile] = got or "not run yet"
        rows.append(row)
    return rows
