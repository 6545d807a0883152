import os

import pytest
import torch

from zfviz.core.checkpoints import CheckpointError, config_key, load_checkpoint, save_checkpoint

CONFIG = {"arch": "zfnet", "epochs": 3, "lr_drops": [2]}


def test_key_ignores_dict_order_and_sees_every_value():
    assert config_key({"a": 1, "b": 2}) == config_key({"b": 2, "a": 1})
    assert config_key({"a": 1, "b": 2}) != config_key({"a": 1, "b": 3})


def test_saved_payload_loads_back(tmp_path):
    path = str(tmp_path / "m.pt")
    save_checkpoint(path, CONFIG, {"w": torch.arange(4.0), "history": [{"epoch": 1}]})
    payload = load_checkpoint(path, CONFIG)
    assert torch.equal(payload["w"], torch.arange(4.0)) and payload["history"] == [{"epoch": 1}]


def test_save_leaves_no_temporary_files(tmp_path):
    save_checkpoint(str(tmp_path / "m.pt"), CONFIG, {"w": torch.zeros(1)})
    assert os.listdir(tmp_path) == ["m.pt"]


def test_failed_save_keeps_the_previous_file_intact(tmp_path, monkeypatch):
    path = str(tmp_path / "m.pt")
    save_checkpoint(path, CONFIG, {"w": torch.ones(2)})

    def crash_mid_write(obj, f):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", crash_mid_write)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, CONFIG, {"w": torch.zeros(2)})
    monkeypatch.undo()
    assert torch.equal(load_checkpoint(path, CONFIG)["w"], torch.ones(2))
    assert os.listdir(tmp_path) == ["m.pt"]


def test_truncated_file_is_reported_as_corrupt(tmp_path):
    path = str(tmp_path / "m.pt")
    save_checkpoint(path, CONFIG, {"w": torch.zeros(1000)})
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(path, CONFIG)


def test_garbage_file_is_reported_as_corrupt(tmp_path):
    path = tmp_path / "m.pt"
    path.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(str(path), CONFIG)


def test_file_that_would_run_code_is_refused(tmp_path):
    path = str(tmp_path / "m.pt")
    torch.save({"format": 1, "payload": {"f": os.getcwd}}, path)  # a pickled function
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(path, CONFIG)


def test_checkpoint_of_another_configuration_is_stale(tmp_path):
    path = str(tmp_path / "m.pt")
    save_checkpoint(path, CONFIG, {"w": torch.zeros(1)})
    with pytest.raises(CheckpointError, match="stale"):
        load_checkpoint(path, {**CONFIG, "epochs": 4})


def test_other_torch_file_is_not_a_checkpoint(tmp_path):
    path = str(tmp_path / "m.pt")
    torch.save({"weight": torch.zeros(1)}, path)
    with pytest.raises(CheckpointError, match="not a zfviz checkpoint"):
        load_checkpoint(path, CONFIG)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint(str(tmp_path / "none.pt"), CONFIG)
