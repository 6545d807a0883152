import numpy as np
import pytest
import torch
from conftest import fake_imagenette

from zfviz.core.paper import PAPER_TABLE3
from zfviz.core.profiles import get_profile
from zfviz.methods.ablations import (
    ensemble_proba,
    load_data,
    predict_proba,
    run_variants,
    summarise,
    topk_error,
    train_config,
)
from zfviz.nets.models import count_parameters, layer_names
from zfviz.nets.parallel import train_many
from zfviz.nets.shipped import trained_model
from zfviz.nets.train import TrainConfig, build_model
from zfviz.nets.variants import VARIANTS, book_configs, budget, variant_config

TINY = TrainConfig(
    image_size=48, width=0.125, fc_units=16, train_per_class=2, val_per_class=1, epochs=1,
    lr_drops=(), snapshot_epochs=(),
)  # fmt: skip


def _tiny(seed):
    return TINY.replace(seed=seed)


def test_every_variant_has_a_paper_row_and_builds():
    assert set(VARIANTS) == set(PAPER_TABLE3)
    for name in VARIANTS:
        net = build_model(variant_config(name, TINY), num_classes=10)
        assert net(torch.zeros(1, 3, 48, 48)).shape == (1, 10)


def test_variants_remove_and_resize_what_their_names_say():
    names = {n: layer_names(build_model(variant_config(n, TINY), 10)) for n in VARIANTS}
    assert "conv3" not in names["removed 3,4"] and "conv4" not in names["removed 3,4"]
    assert "fc6" in names["removed 7"] and "fc7" not in names["removed 7"]
    assert not {"fc6", "fc7", "conv3", "conv4"} & set(names["removed 3,4,6,7"])
    params = {n: count_parameters(build_model(variant_config(n, TINY), 10)) for n in VARIANTS}
    assert params["fc6,7 half"] < params["baseline"] < params["fc6,7 double"]
    assert params["baseline"] < params["conv3-5 widened"] < params["both widened"]


def test_an_unknown_variant_is_an_error_listing_the_choices():
    with pytest.raises(ValueError, match="unknown variant 'removed 5'.*'baseline'"):
        variant_config("removed 5", TINY)


def test_removing_a_layer_the_net_lacks_is_a_clear_error():
    with pytest.raises(ValueError, match="cannot remove layers \\[9\\]"):
        build_model(TINY.replace(remove=(9,)), num_classes=10)


def test_topk_error_counts_labels_outside_the_k_best():
    proba = torch.tensor([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6], [0.3, 0.6, 0.1]])
    assert topk_error(proba, [0, 0, 2], k=1) == pytest.approx(2 / 3)
    assert topk_error(proba, [0, 0, 2], k=2) == pytest.approx(2 / 3)
    assert topk_error(proba, [0, 0, 2], k=3) == 0.0
    with pytest.raises(ValueError, match="k must be"):
        topk_error(proba, [0, 0, 2], k=4)
    with pytest.raises(ValueError, match="N labels"):
        topk_error(proba, [0, 1], k=1)


def test_ensemble_averages_the_softmax_outputs():
    a = torch.tensor([[0.8, 0.2], [0.4, 0.6]])
    b = torch.tensor([[0.2, 0.8], [0.0, 1.0]])
    assert torch.allclose(ensemble_proba([a, b]), torch.tensor([[0.5, 0.5], [0.2, 0.8]]))
    with pytest.raises(ValueError, match="same images"):
        ensemble_proba([a, b[:1]])
    with pytest.raises(ValueError, match="at least one"):
        ensemble_proba([])


def test_ensemble_log_loss_is_never_worse_than_the_members_mean():
    # -log is convex: the averaged prediction's loss is at most the mean of the losses.
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 5, (50,), generator=gen)
    probas = [torch.softmax(3 * torch.randn(50, 5, generator=gen), 1) for _ in range(4)]
    nll = [-p[torch.arange(50), labels].log().mean() for p in probas]
    joint = -ensemble_proba(probas)[torch.arange(50), labels].log().mean()
    assert joint <= torch.stack(nll).mean() + 1e-6


def test_predict_proba_gives_the_model_back_in_train_mode():
    net = build_model(TINY, num_classes=3).train()
    proba = predict_proba(net, lambda x: torch.zeros(len(x), 3, 48, 48), np.zeros((4, 5, 5, 3)))
    assert net.training and torch.allclose(proba.sum(1), torch.ones(4))


def test_run_variants_trains_and_evaluates_each_variant_and_seed():
    data = load_data(TINY)
    rows, nets = run_variants(
        ["baseline", "removed 6,7"], [0, 1], _tiny, data, progress=False, cache=False
    )
    assert [(r["variant"], r["seed"]) for r in rows] == [
        ("baseline", 0), ("removed 6,7", 0), ("baseline", 1), ("removed 6,7", 1)
    ]  # fmt: skip
    assert all(0 <= r["train_top1"] <= 1 and r["val_top5"] <= r["val_top1"] for r in rows)
    assert set(nets) == {("baseline", 0), ("removed 6,7", 0), ("baseline", 1), ("removed 6,7", 1)}
    table = summarise(rows)
    assert list(table) == ["baseline", "removed 6,7"]
    assert table["baseline"]["val_top1"][1] >= 0


def test_run_variants_rejects_unknown_names_before_training():
    with pytest.raises(ValueError, match="unknown variant"):
        run_variants(["baseline", "nope"], [0], _tiny, load_data(TINY), progress=False)


def test_full_profile_budget_trains_on_an_imagenette_tree(tmp_path):
    for split in ("train", "val"):
        fake_imagenette(tmp_path, split=split, per_class=1)
    base = budget(get_profile("full")).replace(
        image_size=48, width=0.125, fc_units=16, epochs=1, val_per_class=1
    )
    train, val = load_data(base, data_root=tmp_path, progress=False)
    assert train.images.shape == (10, 55, 55, 3) and len(val) == 10
    assert sorted(set(train.labels.tolist())) == list(range(10))
    net = train_config("baseline", base, train, progress=False, cache=False)
    assert net.model.spec.num_classes == 10
    proba = predict_proba(net.model, net.preprocess, val.images)
    assert proba.shape == (10, 10)


def test_train_many_trains_only_what_is_missing_and_fills_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", str(tmp_path))
    trained_model(_tiny(0), progress=False)
    done = train_many([_tiny(0), _tiny(1), _tiny(1)], workers=1, progress=False)
    assert done == [_tiny(1)]
    assert (tmp_path / "checkpoints").exists()
    assert trained_model(_tiny(1), progress=False).from_cache


def test_train_many_in_two_processes_trains_what_one_thread_trains_here(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", str(tmp_path))
    configs = [_tiny(0), _tiny(1)]
    assert len(train_many(configs, workers=2, progress=False)) == 2
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # what each worker process uses
    try:
        for config in configs:
            from_workers = trained_model(config, progress=False)
            here = trained_model(config, cache=False, progress=False)
            assert from_workers.from_cache and not here.from_cache
            for key, value in here.model.state_dict().items():
                assert torch.equal(value, from_workers.model.state_dict()[key]), key
    finally:
        torch.set_num_threads(threads)


def test_train_many_leaves_imagenette_and_gpu_work_to_train_config(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", str(tmp_path))
    assert train_many([TINY.replace(classes="imagenette")], progress=False) == []
    assert train_many([TINY], progress=False, device="cuda") == []
    assert not (tmp_path / "checkpoints").exists()


def test_train_many_refuses_no_workers():
    with pytest.raises(ValueError, match="at least 1"):
        train_many([TINY], workers=0)


def test_book_configs_name_every_variant_seed_and_both_first_layers():
    configs = book_configs(get_profile("quick"))
    assert len(set(configs.values())) == len(configs)  # no network trained twice
    assert {c.arch for c in configs.values()} == {"alexnet", "zfnet"}
    base = budget(get_profile("quick"), seed=2)
    assert configs["baseline, seed 2"] == base
    assert configs["alexnet first layer, seed 2"] == base.replace(arch="alexnet")


def test_a_rehearsal_trains_the_full_budget_on_a_few_images_for_one_epoch(monkeypatch):
    from zfviz.core.profiles import REHEARSAL_ENV_VAR, REHEARSAL_SIZES, get_profile

    real = budget(get_profile("full"))
    monkeypatch.setenv(REHEARSAL_ENV_VAR, "1")
    rehearsed = budget(get_profile("full"))
    assert (rehearsed.image_size, rehearsed.width, rehearsed.classes) == (
        real.image_size, real.width, real.classes)  # fmt: skip
    assert rehearsed.train_per_class == REHEARSAL_SIZES["train_per_class"] < real.train_per_class
    assert rehearsed.epochs == 1 and rehearsed.lr_drops == ()
