"""Average precision (VOC's measure) and one-vs-rest probes."""

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

from zfviz.methods.multilabel import (
    APScores,
    Task,
    average_precision,
    chance_corrected,
    choose_c_by_ap,
    hog_task_scores,
    mean_average_precision,
    one_hot,
    probe_average_precision,
    task_scores,
)


def _ap_by_positives(truth, scores):
    """The same AP, a plain loop: each positive contributes the best precision at its rank or
    below (distinct scores)."""
    order = np.argsort(-scores)
    t = truth[order]
    precision = [t[: k + 1].sum() / (k + 1) for k in range(len(t))]
    best = [max(precision[k:]) for k in range(len(t))]
    return sum(best[k] for k in range(len(t)) if t[k]) / t.sum()


@pytest.mark.parametrize("seed", range(20))
def test_ap_equals_the_mean_over_positives_of_the_interpolated_precision(seed):
    rng = np.random.default_rng(seed)
    truth = (rng.random(30) < 0.3).astype(int)
    truth[0] = 1
    scores = rng.permutation(30).astype(float)  # distinct
    assert average_precision(truth, scores) == pytest.approx(_ap_by_positives(truth, scores))


@pytest.mark.parametrize("seed", range(20))
def test_ap_is_at_least_scikit_learn_s_uninterpolated_ap(seed):
    rng = np.random.default_rng(seed)
    truth = (rng.random(40) < 0.4).astype(int)
    truth[:2] = (1, 0)
    scores = rng.normal(size=40).round(1)  # with ties
    ours, theirs = average_precision(truth, scores), average_precision_score(truth, scores)
    assert ours >= theirs - 1e-12


def test_ap_equals_scikit_learn_s_when_precision_never_rises():
    truth, scores = np.array([1, 1, 0, 1, 0, 0]), np.array([6, 5, 4, 3, 2, 1.0])
    truth_sorted = np.array([1, 1, 1, 0, 0, 0])
    assert average_precision(truth_sorted, scores) == 1.0
    expected = average_precision_score(truth, scores)
    # precision at the positives: 1, 1, 3/4, never rising after a negative: equal
    assert average_precision(truth, scores) == pytest.approx(expected)


def test_a_constant_score_gets_the_share_of_positives():
    truth = np.array([1, 0, 0, 1, 0, 0, 0, 0])
    assert average_precision(truth, np.full(8, 3.0)) == pytest.approx(0.25)


def test_a_perfect_ranking_gets_one_and_a_reversed_one_less():
    truth = np.array([0, 0, 1, 1, 0])
    assert average_precision(truth, truth.astype(float)) == 1.0
    assert average_precision(truth, -truth.astype(float)) < 0.5


def test_mean_average_precision_is_the_per_class_ap():
    rng = np.random.default_rng(0)
    truth = (rng.random((25, 4)) < 0.4).astype(int)
    truth[0] = 1
    truth[1] = 0
    scores = rng.normal(size=(25, 4))
    per_class = mean_average_precision(truth, scores)
    for c in range(4):
        assert per_class[c] == average_precision(truth[:, c], scores[:, c])


@pytest.mark.parametrize(
    ("truth", "scores", "message"),
    [
        (np.zeros(4), np.ones(4), "no positive"),
        (np.array([0, 2]), np.ones(2), "0 \\(absent\\) and 1"),
        (np.array([1, 0]), np.array([np.nan, 1.0]), "finite"),
        (np.array([1, 0]), np.ones(3), "shape"),
    ],
)
def test_bad_input_to_average_precision_is_a_clear_error(truth, scores, message):
    with pytest.raises(ValueError, match=message):
        average_precision(truth, scores)


def test_chance_corrected_maps_chance_to_zero_and_perfect_to_one():
    assert chance_corrected(0.3, 0.3) == 0.0 and chance_corrected(1.0, 0.3) == 1.0
    with pytest.raises(ValueError, match="share"):
        chance_corrected(0.5, 0.0)


def test_one_hot_refuses_labels_outside_the_classes():
    with pytest.raises(ValueError, match="0..2"):
        one_hot(np.array([3]), 3)


def test_probe_ranks_separable_classes_perfectly_and_random_features_near_chance():
    rng = np.random.default_rng(0)
    labels = (rng.random((200, 3)) < 0.3).astype(np.uint8)
    labels[0], labels[1] = 1, 0
    informative = labels + 0.1 * rng.normal(size=labels.shape)
    good = probe_average_precision(informative[:100], labels[:100], informative[100:], labels[100:])
    assert good.ap.min() == pytest.approx(1.0)
    noise = rng.normal(size=(200, 8))
    bad = probe_average_precision(noise[:100], labels[:100], noise[100:], labels[100:])
    assert abs(bad.corrected.mean()) < 0.2  # the negative control: no signal, near chance
    assert bad.chance == pytest.approx(labels[100:].mean(axis=0).mean())


def test_probe_refuses_a_class_absent_from_the_test_set():
    x = np.eye(4)
    y = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    with pytest.raises(ValueError, match="every class"):
        probe_average_precision(x, y, x[:2], np.array([[1, 0], [1, 0]]))


def test_ap_scores_mean_and_corrected():
    s = APScores(np.array([0.5, 1.0]), np.array([0.5, 0.5]))
    assert s.mean == 0.75 and s.corrected.tolist() == [0.0, 1.0] and s.chance == 0.5


def _tiny_tasks():
    from zfviz.data.world import make_scenes

    a, b = make_scenes("train", 30, 73), make_scenes("test", 30, 73)
    one = make_scenes("test", 30, 73, objects=(1, 1))
    return {"scenes": Task(a.images, a.labels, b.images, b.labels),
            "same train, singles": Task(a.images, a.labels, one.images, one.labels)}  # fmt: skip


def test_task_scores_equal_a_probe_on_the_layer_s_features():
    from zfviz.data.preprocess import Preprocess
    from zfviz.methods.transfer import extract_features
    from zfviz.nets.models import zfnet

    torch.manual_seed(0)
    net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
    tasks = _tiny_tasks()
    pre = Preprocess.fit(tasks["scenes"].train_images, image_size=64)
    got = task_scores(net, pre, tasks, layer=5, progress=False)
    for name, t in tasks.items():
        tr = extract_features(net, t.train_images, pre, [5], progress=False)[5]
        te = extract_features(net, t.test_images, pre, [5], progress=False)[5]
        expected = probe_average_precision(tr, t.train_labels, te, t.test_labels)
        np.testing.assert_allclose(got[name].ap, expected.ap)


def test_hog_task_scores_choose_c_on_the_training_images_of_each_task():
    tasks = _tiny_tasks()
    scores, chosen = hog_task_scores(tasks, grid=(1e-4, 1e-2))
    assert set(scores) == set(chosen) == set(tasks)
    for name, t in tasks.items():
        from zfviz.methods.baselines import hog_features

        expected = choose_c_by_ap(hog_features(t.train_images), t.train_labels, (1e-4, 1e-2))
        assert chosen[name] == expected[0]


def test_choose_c_by_ap_refuses_an_empty_grid_and_too_few_images():
    with pytest.raises(ValueError, match="grid"):
        choose_c_by_ap(np.eye(4), np.eye(4, dtype=int), grid=())
    with pytest.raises(ValueError, match="too few images"):
        choose_c_by_ap(np.eye(4), np.eye(4, dtype=int))


def test_single_vs_scenes_cuts_the_test_set_by_object_count_and_keeps_scorable_classes():
    from zfviz.methods.multilabel import single_vs_scenes

    y = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [1, 0, 0], [0, 1, 0], [1, 1, 1], [0, 0, 1]])
    objects = np.array([1, 1, 2, 1, 1, 3, 2])
    images = np.arange(7)[:, None]
    tasks, kept = single_vs_scenes(images, y, images, y, objects)
    assert kept.tolist() == [0, 1]  # class 2: in no single-object image
    assert tasks["single objects"].test_images.ravel().tolist() == [0, 1, 3, 4]
    assert tasks["scenes"].test_images.ravel().tolist() == [2, 5, 6]
    assert tasks["scenes"].train_labels.shape == (7, 2)
