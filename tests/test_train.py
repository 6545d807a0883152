import os

import pytest
import torch
from torch import nn

from zfviz.nets.shipped import trained_model
from zfviz.nets.train import (
    FilterRenorm,
    TrainConfig,
    checkpoint_path,
    filter_rms,
    paper_radius,
    train,
)

TINY = TrainConfig(
    image_size=48, width=0.125, fc_units=32, train_per_class=3, val_per_class=1, epochs=2,
    lr_drops=(1,), snapshot_epochs=(1, 2),
)  # fmt: skip


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", str(tmp_path))
    return tmp_path


def _conv(values: list[float]) -> nn.Conv2d:
    conv = nn.Conv2d(1, len(values), 2, bias=False)
    with torch.no_grad():
        for k, v in enumerate(values):
            conv.weight[k].fill_(v)  # a constant filter's RMS is its value
    return conv


def test_renorm_scales_filters_over_the_radius_back_to_it():
    conv = _conv([0.5, 0.2])
    FilterRenorm(conv, radius=0.1)()
    assert torch.allclose(filter_rms(conv), torch.tensor([0.1, 0.1]))


def test_renorm_leaves_filters_within_the_radius_alone():
    conv = _conv([0.05, 0.5])
    before = conv.weight[0].clone()
    assert FilterRenorm(conv, radius=0.1)() == 1
    assert torch.equal(conv.weight[0], before)


def test_renorm_keeps_a_filters_direction():
    conv = nn.Conv2d(3, 4, 3)
    with torch.no_grad():
        conv.weight.mul_(100)
    before = conv.weight.detach().clone()
    FilterRenorm(conv, radius=0.1)()
    cos = nn.functional.cosine_similarity(before.flatten(1), conv.weight.flatten(1))
    assert torch.allclose(cos, torch.ones(4))


def test_renorm_attached_to_an_optimiser_runs_after_every_step():
    conv = _conv([0.05])
    opt = torch.optim.SGD(conv.parameters(), lr=1.0)
    handle = FilterRenorm(conv, radius=0.1).attach(opt)
    conv.weight.grad = -torch.ones_like(conv.weight)  # pushes the weights up by 1
    opt.step()
    assert float(filter_rms(conv)[0]) == pytest.approx(0.1)
    handle.remove()
    opt.step()
    assert float(filter_rms(conv)[0]) > 0.1


def test_renorm_can_be_limited_to_named_layers_and_rejects_unknown_ones():
    net = nn.Sequential(_conv([1.0]), _conv([1.0]))
    FilterRenorm(net, radius=0.1, layers=["0"])()
    assert float(filter_rms(net[0])[0]) == pytest.approx(0.1) and float(filter_rms(net[1])[0]) == 1
    with pytest.raises(KeyError, match="conv layers are"):
        FilterRenorm(net, radius=0.1, layers=["conv9"])


def test_paper_radius_scales_with_the_input():
    assert paper_radius(1.0) == 0.1 and paper_radius(128.0) == pytest.approx(12.8)


def test_training_records_history_and_snapshots():
    result = train(TINY, progress=False)
    assert [h["epoch"] for h in result.history] == [1, 2]
    assert [h["lr"] for h in result.history] == pytest.approx([TINY.lr, TINY.lr / 10])
    assert sorted(result.snapshots) == [1, 2]
    assert not result.model.training


def test_snapshot_of_the_last_epoch_is_the_final_model():
    result = train(TINY, progress=False)
    x = torch.randn(2, 3, 48, 48)
    assert torch.equal(result.snapshot_model(2)(x), result.model(x))


def test_training_is_deterministic():
    a, b = train(TINY, progress=False), train(TINY, progress=False)
    for k, v in a.model.state_dict().items():
        assert torch.equal(v, b.model.state_dict()[k]), k


def test_trained_model_is_loaded_from_the_cache_the_second_time(cache):
    first = trained_model(TINY, progress=False)
    second = trained_model(TINY, progress=False)
    assert not first.from_cache and second.from_cache
    x = torch.randn(2, 3, 48, 48)
    assert torch.equal(first.model(x), second.model(x))
    assert second.history == first.history and sorted(second.snapshots) == [1, 2]


def test_a_different_configuration_gets_a_different_checkpoint(cache):
    assert checkpoint_path(TINY) != checkpoint_path(TINY.replace(lr=0.03))


def test_corrupt_checkpoint_is_reported_and_retrained(cache):
    trained_model(TINY, progress=False)
    path = checkpoint_path(TINY)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.warns(UserWarning, match="corrupt.*retraining"):
        result = trained_model(TINY, progress=False)
    assert not result.from_cache
    assert trained_model(TINY, progress=False).from_cache  # the cache was repaired


def test_stale_checkpoint_is_reported_and_retrained(cache):
    other = TINY.replace(seed=1)
    trained_model(other, progress=False)
    os.makedirs(os.path.dirname(checkpoint_path(TINY)), exist_ok=True)
    os.replace(checkpoint_path(other), checkpoint_path(TINY))  # a file under the wrong name
    with pytest.warns(UserWarning, match="another configuration"):
        assert not trained_model(TINY, progress=False).from_cache


def test_unknown_architecture_is_an_error():
    with pytest.raises(ValueError, match="'zfnet' or 'alexnet'"):
        train(TINY.replace(arch="resnet"), progress=False)


def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _without_seconds(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


def _interrupt_in_epoch(monkeypatch, epoch: int) -> None:
    # evaluate() runs once per epoch, before the epoch's state is saved: failing in epoch
    # `epoch` leaves the state of epoch - 1 behind, as a Ctrl-C there would
    import zfviz.nets.train as training

    real, calls = training.evaluate, []

    def evaluate(*args, **kwargs):
        calls.append(1)
        if len(calls) == epoch:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "evaluate", evaluate)


def test_an_interrupted_training_resumes_and_ends_as_an_uninterrupted_one(tmp_path, monkeypatch):
    whole = train(TINY, progress=False)
    state = tmp_path / "run.state.pt"
    with monkeypatch.context() as patch:
        _interrupt_in_epoch(patch, epoch=2)
        with pytest.raises(KeyboardInterrupt):
            train(TINY, progress=False, state_path=str(state))
    assert state.exists()  # epoch 1 finished and was kept
    resumed = train(TINY, progress=False, state_path=str(state))
    assert _same_weights(whole.model, resumed.model)
    assert _without_seconds(resumed.history) == _without_seconds(whole.history)
    assert all(torch.equal(whole.snapshots[2][k], v) for k, v in resumed.snapshots[2].items())
    assert not state.exists()  # removed once the run ended


def test_a_state_left_by_another_configuration_is_not_resumed(tmp_path, monkeypatch):
    state = tmp_path / "run.state.pt"
    with monkeypatch.context() as patch:
        _interrupt_in_epoch(patch, epoch=2)
        with pytest.raises(KeyboardInterrupt):
            train(TINY.replace(seed=1), progress=False, state_path=str(state))
    with pytest.warns(UserWarning, match="not resuming"):
        result = train(TINY, progress=False, state_path=str(state))
    assert _same_weights(result.model, train(TINY, progress=False).model)


def test_bf16_training_gives_back_float32_weights_in_the_usual_layout():
    result = train(TINY, progress=False, precision="bf16")
    weight = result.model.features.conv1.weight
    assert weight.dtype == torch.float32 and weight.is_contiguous()
    assert len(result.history) == TINY.epochs


def test_an_unknown_precision_is_refused_before_training():
    with pytest.raises(ValueError, match="precision"):
        train(TINY, progress=False, precision="fp8")


def test_a_bf16_network_is_cached_apart_from_the_float32_one(cache):
    assert checkpoint_path(TINY, "bf16") != checkpoint_path(TINY)
    assert checkpoint_path(TINY, "fp32") == checkpoint_path(TINY)


# ---- claims about a training run ----------------------------------------------------------

from zfviz.data.preprocess import Preprocess  # noqa: E402
from zfviz.nets.train import (  # noqa: E402
    build_model,
    claim_beats_pixel_baseline,
    claim_learns_the_task,
    evaluate,
    load_data,
)


def _untrained_accuracy() -> float:
    config = TINY.replace(val_per_class=10)
    train_split, val_split = load_data(config)
    preprocess = Preprocess.fit(train_split.images, config.image_size)
    torch.manual_seed(0)
    model = build_model(config, num_classes=10)
    labels = torch.as_tensor(val_split.labels)
    return evaluate(model, preprocess(val_split.images), labels)


def test_a_network_above_the_target_learns_the_task():
    verdict = claim_learns_the_task(0.9, target=0.85)
    assert verdict.holds and verdict.margin == pytest.approx(0.05)


def test_a_network_at_the_target_exactly_does_not_pass_it():
    assert not claim_learns_the_task(0.85, target=0.85).holds


def test_an_untrained_network_neither_learns_the_task_nor_beats_pixels():
    # Negative control: a random-initialised network is near chance (10 classes), so it
    # fails the target and cannot beat even a chance-level pixel baseline by 30 points.
    accuracy = _untrained_accuracy()
    assert accuracy < 0.4
    assert not claim_learns_the_task(accuracy, target=0.85).holds
    assert not claim_beats_pixel_baseline(accuracy, 0.1, by=0.3).holds


def test_a_network_far_ahead_of_the_pixel_baseline_beats_it():
    verdict = claim_beats_pixel_baseline(0.9, 0.34, by=0.3)
    assert verdict.holds and verdict.margin == pytest.approx(0.26)


def test_a_network_ahead_of_the_pixel_baseline_by_less_than_the_margin_does_not_beat_it():
    assert not claim_beats_pixel_baseline(0.6, 0.34, by=0.3).holds


def test_an_accuracy_given_in_percent_is_refused():
    with pytest.raises(ValueError, match="accuracy in"):
        claim_learns_the_task(90.1)
