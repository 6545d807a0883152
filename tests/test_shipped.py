"""The networks that ship in zfviz/nets/zoo are the ones this code trains, and are checked."""

import shutil
import warnings
from pathlib import Path

import pytest
import torch

from zfviz.core.profiles import get_profile
from zfviz.nets import ship, shipped
from zfviz.nets.models import count_parameters
from zfviz.nets.shipped import trained_model
from zfviz.nets.train import TrainConfig, build_model, train
from zfviz.nets.variants import book_configs

ROOT = Path(__file__).resolve().parent.parent

CONFIGS = book_configs(get_profile("quick"))
SHIPPED = shipped.shipped_configs()
REFRESH = "refresh them with `python -m zfviz.nets.ship` (about 25 minutes on 2 cores)"


def test_every_network_the_chapters_load_ships_and_verifies():
    assert set(CONFIGS.items()) <= set(SHIPPED.items())
    failed = {}
    for label, config in SHIPPED.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = shipped.load(config)
        if result is None:
            failed[label] = str(caught[0].message) if caught else "not shipped (or stale)"
    assert not failed, f"{len(failed)} shipped networks missing or unusable, {REFRESH}: {failed}"


def test_the_manifest_lists_exactly_the_files_that_ship():
    files = {p.name for p in shipped.SHIPPED_DIR.glob("*.pt")}
    assert files == set(shipped.read_manifest())
    # the rest are the transfer chapters' from-scratch baselines (tests/test_scratch_zoo.py)
    networks = {f for f in files if not f.startswith("scratch-")}
    assert {shipped.shipped_path(c).name for c in SHIPPED.values()} == networks


def test_the_book_network_ships_with_the_evolution_chapters_snapshots():
    config = SHIPPED[shipped.BOOK_NETWORK]
    assert config == TrainConfig.from_profile(get_profile("quick"))
    result = shipped.load(config)
    assert result is not None and sorted(result.snapshots) == list(config.snapshot_epochs)
    snapshot = result.snapshot_model(config.epochs)  # the last snapshot is the final network
    pairs = zip(result.model.state_dict().items(), snapshot.state_dict().values(), strict=True)
    for (name, a), b in pairs:
        assert a.dtype == b.dtype == torch.float32 and torch.equal(a, b), name


def test_shipped_networks_are_found_by_the_ordinary_loader(tmp_path, monkeypatch):
    monkeypatch.setenv("ZFVIZ_CACHE_DIR", str(tmp_path))  # an empty cache
    result = trained_model(CONFIGS["baseline, seed 0"], progress=False)
    assert result.shipped and result.from_cache
    assert all(p.dtype == torch.float32 for p in result.model.parameters())


def test_a_changed_shipped_file_is_ignored_with_a_warning(tmp_path):
    config = CONFIGS["removed 3,4,6,7, seed 0"]
    copy = tmp_path / "checkpoints"
    shutil.copytree(shipped.SHIPPED_DIR, copy)
    path = shipped.shipped_path(config, copy)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="SHA-256"):
        assert shipped.load(config, copy) is None


def test_a_shipped_file_missing_from_the_manifest_is_ignored_with_a_warning(tmp_path):
    config = CONFIGS["removed 3,4,6,7, seed 0"]
    copy = tmp_path / "checkpoints"
    copy.mkdir()
    shutil.copy(shipped.shipped_path(config), copy)
    with pytest.warns(UserWarning, match="not listed"):
        assert shipped.load(config, copy) is None


def test_ship_then_load_gives_the_same_predictions_to_float16_precision(tmp_path):
    config = TrainConfig.tiny(train_per_class=2)
    result = train(config, progress=False)
    shipped.ship(result, "tiny", threads=torch.get_num_threads(), folder=tmp_path)
    loaded = shipped.load(config, tmp_path)
    assert loaded is not None and loaded.history == result.history
    x = torch.randn(4, 3, 48, 48)
    with torch.no_grad():
        assert torch.allclose(loaded.model(x), result.model(x), rtol=1e-2, atol=1e-2)
    assert shipped.read_manifest(tmp_path)[shipped.shipped_path(config).name]["label"] == "tiny"


def test_the_cheapest_shipped_network_retrained_from_scratch_ends_where_it_shipped():
    """CI's check that the shipped weights are this code's: it retrains one network (~1 min).

    Same code, data order and thread count: the first epoch's loss must agree to 1% (before
    the small differences between machines' floating point can grow), the validation accuracy
    within 3 points at the end and on average over the epochs. On the machine that trained it
    the two runs are identical.
    """
    label = min(CONFIGS, key=lambda k: count_parameters(build_model(CONFIGS[k], 10)))
    config = CONFIGS[label]
    shipped_result = shipped.load(config)
    assert shipped_result is not None, REFRESH
    entry = shipped.read_manifest()[shipped.shipped_path(config).name]
    threads = torch.get_num_threads()
    torch.set_num_threads(entry["threads"])
    try:
        fresh = train(config, progress=False)
    finally:
        torch.set_num_threads(threads)
    first, again = shipped_result.history[0], fresh.history[0]
    assert again["train_loss"] == pytest.approx(first["train_loss"], rel=1e-2), (label, again)
    curves = [[h["val_acc"] for h in r.history] for r in (fresh, shipped_result)]
    gaps = [abs(a - b) for a, b in zip(*curves, strict=True)]
    assert gaps[-1] <= 0.03 and sum(gaps) / len(gaps) <= 0.03, (label, curves)


def test_the_check_command_says_every_shipped_network_verifies(capsys):
    assert ship.main(["--check"]) == 0
    assert f"all {len(SHIPPED)} shipped networks verify" in capsys.readouterr().out


def test_every_shipped_file_is_package_data_so_an_install_has_it():
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["zfviz.nets"]
    files = [p.relative_to(ROOT / "zfviz/nets").as_posix() for p in shipped.SHIPPED_DIR.iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files), files
    assert shipped.SHIPPED_DIR.parent == ROOT / "zfviz" / "nets"
