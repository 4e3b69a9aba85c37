"""learnlib.distributed: what notebook 08's scripts share with the notebook (test_torchrun_scripts.py runs them)."""

import json

import pytest
import torch

from learnlib.distributed import load_settings, loss_of, make_model, make_optimizer, save_json

SETTINGS = {"seed": 0, "block_size": 8, "n_layer": 1, "n_head": 2, "n_embd": 16, "windows": 4, "batch_size": 2,
            "epochs": 1, "lr": 1e-3, "weight_decay": 0.0}


def test_settings_are_read_and_checked(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps(SETTINGS))
    assert load_settings(tmp_path / "settings.json") == SETTINGS
    with pytest.raises(FileNotFoundError, match="the scripts run in the folder where the notebook"):
        load_settings(tmp_path / "nothing.json")
    (tmp_path / "partial.json").write_text(json.dumps({"seed": 0}))
    with pytest.raises(KeyError, match="lacks the settings"):
        load_settings(tmp_path / "partial.json")


def test_every_process_builds_the_same_model_and_loss():
    a, b = make_model(SETTINGS, 10), make_model(SETTINGS, 10)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    x, y = torch.randint(0, 10, (2, 8)), torch.randint(0, 10, (2, 8))
    expected = torch.nn.functional.cross_entropy(a(x).reshape(-1, 10), y.reshape(-1))
    torch.testing.assert_close(loss_of(a, x, y), expected)
    assert make_optimizer(SETTINGS, a).param_groups[0]["lr"] == 1e-3


def test_results_record_torchruns_restart_count(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save_json("ddp", 1, {"losses": [1.0]})
    assert json.loads((tmp_path / "ddp_rank1.json").read_text()) == {"losses": [1.0], "attempt": 0}
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "1")
    save_json("ddp", 1, {"losses": [1.0]})
    assert json.loads((tmp_path / "ddp_rank1.json").read_text())["attempt"] == 1
