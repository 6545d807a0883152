"""The transfer chapters' from-scratch baselines ship (zfviz/nets/zoo/scratch-*.pt), are the
ones the chapters ask for, and are loaded instead of trained."""

import warnings

import numpy as np
import pytest
import torch

from zfviz.methods import scratch_zoo, transfer
from zfviz.methods.scratch_zoo import PLANS, ScratchPlan, runs
from zfviz.nets import shipped


def test_every_baseline_the_chapters_train_ships_and_verifies(capsys):
    assert scratch_zoo.main(["--check"]) == 0, capsys.readouterr().out


def test_each_run_gets_about_the_plans_steps_whatever_its_size():
    plan = ScratchPlan("novel", shots=(1, 5, 30), folds=2, steps=100)
    labels = np.repeat(np.arange(10), 30)
    for run in runs(plan, labels, batch_size=64):
        per_epoch = -(-run.n * 10 // 64)
        assert len(run.indices) == 10 * run.n
        assert plan.steps <= run.epochs * per_epoch < plan.steps + per_epoch


def test_folds_draw_different_images_and_shots_override_the_plans_sizes():
    labels = np.repeat(np.arange(3), 20)
    first, second = runs(PLANS["transfer"], labels, 8, shots=(5,))
    assert (first.n, first.fold, second.fold) == (5, 0, 1)
    assert set(first.indices) != set(second.indices)


def test_a_shipped_baseline_is_loaded_not_trained(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", str(tmp_path))  # an empty cache

    def no_training(*args, **kwargs):
        raise AssertionError("trained a baseline that ships")

    monkeypatch.setattr(transfer, "train_from_scratch", no_training)
    config, images, labels, chapter_runs = scratch_zoo.quick_runs("transfer")
    run = chapter_runs[0]
    net, pre = transfer.scratch_model(images[run.indices], labels[run.indices], config,
                                      num_classes=10, epochs=run.epochs)  # fmt: skip
    assert all(p.dtype == torch.float32 for p in net.parameters()) and not net.training
    assert pre.image_size == config.image_size


def test_a_changed_shipped_payload_is_ignored_with_a_warning(tmp_path):
    key = {"what": "a test payload"}
    payload = {"state_dict": {"w": torch.ones(2)}, "num_classes": 2}
    path = shipped.ship_payload("scratch-x.pt", key, payload, "test", folder=tmp_path)
    loaded = shipped.load_payload("scratch-x.pt", key, folder=tmp_path)
    assert loaded["state_dict"]["w"].dtype == torch.float16  # shipped as float16
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.warns(UserWarning, match="SHA-256"):
        assert shipped.load_payload("scratch-x.pt", key, folder=tmp_path) is None


def test_a_payload_asked_for_with_another_key_is_ignored(tmp_path):
    payload = {"state_dict": {"w": torch.ones(2)}}
    shipped.ship_payload("scratch-y.pt", {"a": 1}, payload, "test", folder=tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert shipped.load_payload("scratch-y.pt", {"a": 2}, folder=tmp_path) is None
    assert caught
