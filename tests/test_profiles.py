import pytest

from zfviz.core import profiles


def test_quick_is_the_default_profile(monkeypatch):
    monkeypatch.delenv(profiles.ENV_VAR, raising=False)
    assert profiles.current_profile().name == "quick"


def test_profile_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv(profiles.ENV_VAR, "full")
    assert profiles.current_profile().name == "full"


def test_unknown_profile_is_an_error_listing_the_choices(monkeypatch):
    monkeypatch.setenv(profiles.ENV_VAR, "fast")
    with pytest.raises(ValueError, match="'quick', 'full'"):
        profiles.current_profile()


def test_quick_profile_needs_no_download():
    assert profiles.get_profile("quick").pretrained is None


def test_full_profile_uses_the_papers_input_size_and_imagenet_weights():
    full = profiles.get_profile("full")
    assert (full.image_size, full.width, full.fc_units, full.num_classes) == (224, 1.0, 4096, 1000)
    assert full.pretrained == "zfnet"


def test_overrides_replace_single_fields():
    assert profiles.get_profile("quick", epochs=1).epochs == 1
    assert profiles.get_profile("quick").epochs != 1


def test_describe_names_profile_and_device():
    text = profiles.get_profile("quick").describe()
    assert "profile=quick" in text and "device=" in text


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(profiles.CACHE_ENV_VAR, str(tmp_path))
    assert profiles.cache_dir() == str(tmp_path)


def test_a_rehearsal_reduces_the_full_profile_and_says_so(monkeypatch):
    monkeypatch.setenv(profiles.REHEARSAL_ENV_VAR, "1")
    full = profiles.get_profile("full")
    assert full.rehearsal and full.val_per_class == profiles.REHEARSAL_SIZES["val_per_class"]
    assert (full.image_size, full.pretrained) == (224, "zfnet")  # the real code path
    assert "REHEARSAL" in full.describe()


def test_a_rehearsal_leaves_the_quick_profile_alone(monkeypatch):
    monkeypatch.setenv(profiles.REHEARSAL_ENV_VAR, "1")
    assert profiles.get_profile("quick") == profiles.PROFILES["quick"]


def test_zero_or_empty_is_no_rehearsal(monkeypatch):
    for value in ("", "0"):
        monkeypatch.setenv(profiles.REHEARSAL_ENV_VAR, value)
        assert not profiles.get_profile("full").rehearsal
