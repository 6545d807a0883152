import numpy as np
import pytest
import torch
from tiny import tiny_zfnet

from zfviz.methods.transfer import (
    FoldScores,
    extract_features,
    fit_probe,
    holdout_split,
    mean_class_accuracy,
    model_accuracy,
    nshot_indices,
    pool_features,
    pooled_size,
    probe_accuracy,
    probe_folds,
    scratch_model,
    train_from_scratch,
)
from zfviz.nets.train import TrainConfig


@pytest.fixture
def tiny():
    return tiny_zfnet()


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_nshot_indices_draw_n_per_class():
    labels = np.repeat([0, 1, 2], [4, 6, 5])
    idx = nshot_indices(labels, 3, seed=1)
    assert np.bincount(labels[idx]).tolist() == [3, 3, 3]
    assert len(set(idx.tolist())) == len(idx)


def test_nshot_train_and_test_are_disjoint_and_both_n_per_class():
    labels = np.repeat([0, 1], 10)
    train = nshot_indices(labels, 4, seed=0)
    test = nshot_indices(labels, 6, seed=0, exclude=train)
    assert not set(train.tolist()) & set(test.tolist())
    assert np.bincount(labels[test]).tolist() == [6, 6]


def test_nshot_folds_differ_by_seed_and_repeat_with_it():
    labels = np.repeat([0, 1], 20)
    a, b = nshot_indices(labels, 5, seed=0), nshot_indices(labels, 5, seed=1)
    assert not np.array_equal(a, b)
    assert np.array_equal(a, nshot_indices(labels, 5, seed=0))


def test_n_larger_than_a_class_names_the_class():
    labels = np.array([0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match="'dog' has 2 images"):
        nshot_indices(labels, 3, class_names=["cat", "dog"])


def test_empty_class_is_an_error_naming_it():
    labels = np.array([0, 0, 2, 2])
    with pytest.raises(ValueError, match="no images: 'b'"):
        nshot_indices(labels, 1, class_names=["a", "b", "c"])


def test_n_must_be_positive():
    with pytest.raises(ValueError, match="n must be"):
        nshot_indices(np.array([0, 1]), 0)


def test_mean_class_accuracy_weights_classes_equally():
    y_true = np.array([0, 0, 0, 1, 2, 2])
    y_pred = np.array([0, 0, 1, 1, 0, 2])
    # class 0: 2/3, class 1: 1/1, class 2: 1/2
    assert mean_class_accuracy(y_true, y_pred) == pytest.approx((2 / 3 + 1 + 1 / 2) / 3)


def test_mean_class_accuracy_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="label arrays"):
        mean_class_accuracy(np.array([0, 1]), np.array([0]))


def test_conv_features_have_the_pooled_size(tiny):
    x = torch.randn(2, 3, 64, 64)
    maps = tiny.features.conv1.out_channels
    features = extract_features(tiny, x, None, [1, "conv1"], grid=2, progress=False)
    assert features[1].shape == (2, maps * 4)
    assert pooled_size(tiny, 1, 64, grid=3) == maps * 9


def test_pooling_is_max_over_quadrants():
    x = torch.zeros(1, 2, 4, 4)
    x[0, 1, 3, 0] = 5.0  # bottom-left quadrant of map 1
    assert pool_features(x).tolist() == [[0, 0, 0, 0, 0, 0, 5, 0]]


def test_features_match_a_plain_forward_at_the_last_layer(tiny):
    x = torch.randn(3, 3, 64, 64)
    features = extract_features(tiny, x, None, ["fc8"], batch_size=2, progress=False)
    with torch.no_grad():
        expected = tiny.eval()(x).numpy()
    np.testing.assert_allclose(features["fc8"], expected, rtol=1e-5, atol=1e-5)


def test_features_preprocess_uint8_images_batch_by_batch(tiny):
    images = np.random.default_rng(0).integers(0, 256, (5, 64, 64, 3), dtype=np.uint8)
    seen = []

    def pre(batch):
        seen.append(len(batch))
        return torch.from_numpy(batch.transpose(0, 3, 1, 2).astype(np.float32) / 255)

    features = extract_features(tiny, images, pre, [7], batch_size=2, progress=False)
    assert seen == [2, 2, 1] and features[7].shape == (5, 32)


def test_unknown_layer_is_a_clear_error(tiny):
    with pytest.raises(KeyError, match="no paper layer 9"):
        extract_features(tiny, torch.zeros(1, 3, 64, 64), None, [9], progress=False)


def test_model_unchanged_after_extraction(tiny):
    tiny.train()
    before = _state(tiny)
    extract_features(tiny, torch.randn(2, 3, 64, 64), None, [1, 5, 7], progress=False)
    assert tiny.training
    assert all(torch.equal(before[k], v) for k, v in tiny.state_dict().items())
    assert not any(m._forward_hooks for m in tiny.modules())


@pytest.mark.parametrize("kind", ["softmax", "svm"])
def test_probe_reaches_one_on_separable_features(kind):
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8) * 10
    y = np.repeat([0, 1, 2], 10)
    x = centres[y] + rng.normal(size=(30, 8))
    assert probe_accuracy(x[::2], y[::2], x[1::2], y[1::2], kind) == 1.0


def test_unknown_probe_is_an_error():
    with pytest.raises(ValueError, match="unknown probe 'tree'"):
        fit_probe(np.zeros((2, 1)), np.array([0, 1]), "tree")


def test_probe_folds_gives_one_score_per_fold():
    x = np.repeat(np.arange(3.0), 4)[:, None]
    y = np.repeat([0, 1, 2], 4)
    scores = probe_folds(x, y, x, y, n=2, folds=4)
    assert scores.scores.shape == (4,) and scores.n == 2


def test_fold_scores_spread_is_zero_for_equal_folds():
    assert FoldScores(n=1, scores=np.array([0.5, 0.5])).std == 0.0


def test_from_scratch_learns_a_trivial_task():
    cfg = TrainConfig(image_size=64, width=0.125, fc_units=32, lr=1e-2)
    images = np.zeros((8, 73, 73, 3), np.uint8)
    images[4:] = 255  # class 1 is white, class 0 black
    labels = np.repeat([0, 1], 4)
    net, pre = train_from_scratch(images, labels, cfg, epochs=6, progress=False)
    assert model_accuracy(net, images, labels, pre) == 1.0


def test_from_scratch_rejects_an_empty_class():
    cfg = TrainConfig(image_size=64, width=0.125, fc_units=32)
    images = np.zeros((2, 73, 73, 3), np.uint8)
    with pytest.raises(ValueError, match="no images"):
        train_from_scratch(images, np.array([0, 2]), cfg, epochs=1, progress=False)


def test_scratch_model_is_cached_and_reloaded_with_the_same_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", str(tmp_path))
    cfg = TrainConfig(image_size=64, width=0.125, fc_units=32)
    images = np.random.default_rng(0).integers(0, 256, (4, 73, 73, 3), dtype=np.uint8)
    labels = np.array([0, 1, 0, 1])
    first, _ = scratch_model(images, labels, cfg, epochs=1, progress=False)
    assert len(list((tmp_path / "scratch").glob("*.pt"))) == 1
    again, pre = scratch_model(images, labels, cfg, epochs=1, progress=False)
    assert all(torch.equal(v, again.state_dict()[k]) for k, v in first.state_dict().items())
    assert np.array_equal(pre.mean_image, images.mean(0).astype(np.float32))


def test_holdout_keeps_min_pool_and_caps_the_test_set():
    labels = np.repeat([0, 1, 2], [4, 10, 40])
    pool, test = holdout_split(labels, max_test=20, min_pool=3)
    assert np.bincount(labels[test]).tolist() == [1, 7, 20]
    assert np.bincount(labels[pool]).tolist() == [3, 3, 20]
    assert not set(pool.tolist()) & set(test.tolist())


def test_holdout_rejects_a_class_too_small_for_pool_and_test():
    with pytest.raises(ValueError, match="'b' has 3 images"):
        holdout_split(np.repeat([0, 1], [9, 3]), max_test=5, min_pool=3, class_names=["a", "b"])


def test_the_from_scratch_baseline_trains_exactly_as_the_books_networks_do():
    # one training loop: train_from_scratch on the world's training split, with the main
    # training's schedule (drops at 70% and 90% of the epochs), gives the same weights as
    # zfviz.nets.train.train on that configuration
    from zfviz.data import world
    from zfviz.data.preprocess import crop_source_size
    from zfviz.nets.train import train

    epochs = 3
    config = TrainConfig(image_size=48, width=0.125, fc_units=32, train_per_class=5,
                         val_per_class=1, epochs=epochs, snapshot_epochs=(),
                         lr_drops=(int(0.7 * epochs), int(0.9 * epochs)))  # fmt: skip
    data = world.make_split("train", "source", 5, size=crop_source_size(48), seed=0)
    scratch, _ = train_from_scratch(data.images, data.labels, config, epochs=epochs,
                                    progress=False)  # fmt: skip
    book = train(config, progress=False).model
    for (name, a), b in zip(scratch.state_dict().items(), book.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_a_one_shot_probe_fits_without_scikit_learns_regression_warning():
    import warnings

    x = np.random.default_rng(0).normal(size=(6, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        probe = fit_probe(x, np.arange(6))
    assert probe.predict(x).tolist() == list(range(6))


def test_layer_scores_are_probe_folds_on_each_layer_s_features():
    from zfviz.methods.transfer import layer_scores
    from zfviz.nets.models import zfnet

    torch.manual_seed(0)
    net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
    x, y = torch.randn(12, 3, 64, 64), np.array([0, 1, 2] * 4)
    got = layer_scores(net, None, x[:9], y[:9], x[9:], y[9:], layers=[2, 6], n=2, folds=2,
                       kinds=("svm", "softmax"), progress=False)  # fmt: skip
    feats = extract_features(net, x, None, [2, 6], progress=False)
    for kind in ("svm", "softmax"):
        for layer in (2, 6):
            f = feats[layer]
            expected = probe_folds(f[:9], y[:9], f[9:], y[9:], n=2, folds=2, kind=kind)
            np.testing.assert_array_equal(got[kind, layer].scores, expected.scores)


def test_layer_scores_refuse_an_unknown_probe_before_any_forward_pass():
    from zfviz.methods.transfer import layer_scores

    with pytest.raises(ValueError, match="kinds"):
        layer_scores(None, None, None, None, None, None, kinds=("forest",))


def test_shot_scores_are_probe_folds_at_each_size_on_one_layer():
    from zfviz.methods.transfer import shot_scores
    from zfviz.nets.models import zfnet

    torch.manual_seed(0)
    net = zfnet(num_classes=5, input_size=64, width=0.125, fc_units=32)
    x, y = torch.randn(15, 3, 64, 64), np.array([0, 1, 2] * 5)
    got = shot_scores(net, None, x[:12], y[:12], x[12:], y[12:], shots=[1, 3], folds=2,
                      layer=5, progress=False)  # fmt: skip
    f = extract_features(net, x, None, [5], progress=False)[5]
    for n in (1, 3):
        expected = probe_folds(f[:12], y[:12], f[12:], y[12:], n=n, folds=2)
        np.testing.assert_array_equal(got[n].scores, expected.scores)
