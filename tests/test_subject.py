import numpy as np
import pytest
import torch
from conftest import fake_imagenette

from zfviz.book.subject import load_subject
from zfviz.core.profiles import get_profile
from zfviz.data.preprocess import ImageNetPreprocess, Preprocess


@pytest.fixture
def tiny_quick(tmp_path, monkeypatch):
    """The quick profile shrunk to train in seconds, with its own empty cache."""
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", str(tmp_path / "cache"))
    return get_profile("quick", image_size=48, width=0.125, fc_units=32, train_per_class=4,
                       val_per_class=2, epochs=1, snapshot_epochs=(1,), device="cpu")  # fmt: skip


def test_the_quick_subject_is_the_world_at_network_size_with_its_annotations(tiny_quick):
    subject = load_subject(tiny_quick, progress=False)
    assert subject.source == "world" and subject.annotated
    assert subject.images.shape == (20, 48, 48, 3) and subject.masks.shape == (20, 48, 48)
    assert isinstance(subject.preprocess, Preprocess)
    assert (subject.boxes >= 0).all() and (subject.boxes <= 48).all()
    assert len(subject.class_names) == 10 and subject.labels.max() == 9
    with torch.no_grad():
        assert subject.model(subject.preprocess(subject.images)).shape == (20, 10)


def test_the_quick_subject_crops_images_masks_and_boxes_alike(tiny_quick):
    from zfviz.data import world

    subject = load_subject(tiny_quick, progress=False)
    full = world.make_split("val", "source", n_per_class=2, size=55, with_masks=True)
    o = (55 - 48) // 2
    np.testing.assert_array_equal(subject.images, full.images[:, o : o + 48, o : o + 48])
    np.testing.assert_array_equal(subject.masks, full.masks[:, o : o + 48, o : o + 48])
    np.testing.assert_allclose(subject.boxes, np.clip(full.boxes - o, 0, 48))


@pytest.fixture(scope="module")
def zfnet_weights(tmp_path_factory):
    """A randomly initialised pytorchcv ZFNet, saved as its state dict: the full profile's
    weights file, offline."""
    from pytorchcv.models.zfnet import zfnet

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("weights") / "zfnet.pth"
    torch.save(zfnet().state_dict(), path)
    return path


def test_the_full_subject_is_imagenet_zfnet_on_imagenette(tmp_path, zfnet_weights):
    profile = get_profile("full", device="cpu")
    subject = load_subject(profile, n_per_class=2, data_root=fake_imagenette(tmp_path),
                           weights_path=zfnet_weights, progress=False)  # fmt: skip
    assert subject.source == "imagenette" and not subject.annotated
    assert subject.images.shape == (20, 224, 224, 3)
    assert isinstance(subject.preprocess, ImageNetPreprocess)
    assert len(subject.class_names) == 1000 and subject.labels[-1] == 701
    with torch.no_grad():
        logits = subject.model(subject.preprocess(subject.images[:2]))
    assert logits.shape == (2, 1000)


def test_the_full_subject_without_data_or_internet_says_what_to_do(tmp_path, zfnet_weights,
                                                                   monkeypatch):  # fmt: skip
    import zfviz.data.datasets

    def offline(root):
        raise RuntimeError("could not download Imagenette (no network)")

    monkeypatch.setattr(zfviz.data.datasets, "_download", offline)
    with pytest.raises(RuntimeError, match="could not download Imagenette"):
        load_subject(get_profile("full", device="cpu"), data_root=tmp_path,
                     weights_path=zfnet_weights, progress=False)  # fmt: skip


def test_a_seed_outside_the_book_networks_is_a_clear_error_before_any_work():
    from zfviz.core.profiles import get_profile

    with pytest.raises(ValueError, match=r"seed must be one of \(0, 1, 2\)"):
        load_subject(get_profile("quick"), n_per_class=1, seed=3)
