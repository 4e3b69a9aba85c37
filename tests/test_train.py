"""learnlib.train against a hand-written PyTorch loop, plus the mistakes it must explain."""

import os
import subprocess
import sys

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from learnlib import accuracy, evaluate, fit, predict, seed_everything, train_one_epoch

CPU = torch.device("cpu")


def regression_data(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.3 + 0.05 * torch.randn(n, 1, generator=g)
    return TensorDataset(x, y)


def classification_data(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centers = torch.tensor([[2.0, 0.0], [-2.0, 2.0], [0.0, -2.5]])
    x = centers[y] + 0.5 * torch.randn(n, 2, generator=g)
    return TensorDataset(x, y)


def loader(ds, seed=0, batch_size=16):
    return DataLoader(ds, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))


def test_fit_equals_a_hand_written_loop():
    ds = regression_data()
    seed_everything(0)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    history = fit(model, loader(ds), nn.MSELoss(), opt, CPU, epochs=4, progress=False)

    seed_everything(0)
    ref = nn.Linear(3, 1)
    ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.5)
    ref_losses, ref_loader = [], loader(ds)  # one loader: its generator moves on, so each epoch reshuffles
    for _ in range(4):
        total, seen = 0.0, 0
        for x, y in ref_loader:
            ref_opt.zero_grad()
            loss = nn.functional.mse_loss(ref(x), y)
            loss.backward()
            ref_opt.step()
            total, seen = total + loss.item() * len(x), seen + len(x)
        ref_losses.append(total / seen)

    assert torch.equal(model.weight, ref.weight) and torch.equal(model.bias, ref.bias)
    assert history["train_loss"] == pytest.approx(ref_losses, rel=1e-12)
    assert history["epoch"] == [1, 2, 3, 4]
    assert set(history) == {"epoch", "lr", "train_loss", "seconds"}
    assert history["train_loss"][-1] < 0.05  # it really learned


def test_autocast_matches_a_hand_written_mixed_precision_loop():
    ds = classification_data()
    seed_everything(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    result = train_one_epoch(model, loader(ds), nn.CrossEntropyLoss(), opt, CPU, autocast_dtype=torch.bfloat16)

    seed_everything(0)
    ref = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    ref_opt = torch.optim.AdamW(ref.parameters(), lr=1e-2)
    total = 0.0
    for x, y in loader(ds):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = ref(x)
            loss = nn.functional.cross_entropy(logits, y)
        assert logits.dtype == torch.bfloat16 and loss.dtype == torch.float32  # matmuls in bf16, the loss in fp32
        ref_opt.zero_grad()
        loss.backward()
        ref_opt.step()
        total += loss.item() * len(x)

    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), ref.parameters(), strict=True))
    assert all(p.dtype == torch.float32 for p in model.parameters())  # the weights themselves stay fp32
    assert result["loss"] == pytest.approx(total / len(ds), rel=1e-12)
    # and it differs from a float32 epoch, so the argument really switched autocast on
    seed_everything(0)
    fp32 = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    train_one_epoch(fp32, loader(ds), nn.CrossEntropyLoss(), torch.optim.AdamW(fp32.parameters(), lr=1e-2), CPU)
    assert not torch.equal(fp32[0].weight, model[0].weight)


@pytest.mark.parametrize(("dtype", "message"), [
    (torch.float32, r"autocast_dtype must be torch.bfloat16 or None"),
    ("bf16", r"autocast_dtype must be torch.bfloat16 or None"),
    (torch.float16, r"float16 needs loss scaling \(torch.amp.GradScaler\)")])
def test_autocast_dtype_is_checked(dtype, message):
    model = nn.Linear(2, 3)
    with pytest.raises(ValueError, match=message):
        fit(model, loader(classification_data()), nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1),
            CPU, epochs=1, progress=False, autocast_dtype=dtype)


def test_same_seed_gives_identical_weights():
    weights = []
    for _ in range(2):
        seed_everything(123)
        model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 3))
        fit(model, loader(classification_data(), seed=123), nn.CrossEntropyLoss(),
            torch.optim.Adam(model.parameters(), lr=1e-2), CPU, epochs=2, progress=False)
        weights.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*weights, strict=True))


def test_classification_history_and_metrics():
    seed_everything(0)
    train, val = classification_data(seed=1), classification_data(n=90, seed=2)
    model = nn.Linear(2, 3)
    history = fit(model, loader(train), nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=0.05), CPU,
                  epochs=5, val_loader=DataLoader(val, batch_size=32), metrics={"acc": accuracy}, progress=False)
    assert {"train_loss", "train_acc", "val_loss", "val_acc"} <= set(history)
    assert all(len(v) == 5 for v in history.values())
    assert history["val_acc"][-1] >= 0.95
    # The epoch value is the mean over samples, so it must equal a single pass over the whole set.
    whole = DataLoader(val, batch_size=len(val))
    assert evaluate(model, whole, nn.CrossEntropyLoss(), CPU, metrics={"acc": accuracy})["acc"] == pytest.approx(
        history["val_acc"][-1])


def test_evaluate_matches_plain_forward_and_leaves_the_model_untouched():
    seed_everything(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 1))
    before = [p.detach().clone() for p in model.parameters()]
    ds = regression_data(n=40)
    out = evaluate(model, DataLoader(ds, batch_size=7), nn.MSELoss(), CPU)
    model.eval()
    with torch.no_grad():
        ref = nn.functional.mse_loss(model(ds.tensors[0]), ds.tensors[1]).item()
    assert out["loss"] == pytest.approx(ref, rel=1e-5)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert all(p.grad is None for p in model.parameters())
    model.train()
    evaluate(model, DataLoader(ds, batch_size=7), nn.MSELoss(), CPU)
    assert model.training  # the caller's mode is restored


def test_scheduler_is_stepped_every_batch_and_lr_recorded():
    seed_everything(0)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    dl = loader(regression_data(n=64), batch_size=16)  # 4 batches per epoch
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
    history = fit(model, dl, nn.MSELoss(), opt, CPU, epochs=3, scheduler=sched, progress=False)
    assert sched.last_epoch == 12
    assert history["lr"] == pytest.approx([0.1, 0.05, 0.025])


def test_progress_bar_shows_the_loss(capsys, monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)  # `make test` sets it for the notebooks
    seed_everything(0)
    model = nn.Linear(3, 1)
    train_one_epoch(model, loader(regression_data()), nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.01),
                    CPU, progress=True)
    assert "loss=" in capsys.readouterr().err


# ---- mistakes that must be explained, not passed through ------------------------------------------------

def _fit(model, dl, loss_fn=None, **kw):
    return fit(model, dl, loss_fn or nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), CPU,
               kw.pop("epochs", 1), progress=False, **kw)


def test_empty_loader():
    empty = DataLoader(TensorDataset(torch.zeros(0, 3), torch.zeros(0, 1)), batch_size=4)
    with pytest.raises(ValueError, match="yielded no batches"):
        _fit(nn.Linear(3, 1), empty)


def test_drop_last_that_drops_everything_is_explained():
    dl = DataLoader(regression_data(n=5), batch_size=8, drop_last=True)
    with pytest.raises(ValueError, match="drop_last"):
        _fit(nn.Linear(3, 1), dl)


def test_regression_shape_mismatch_that_would_broadcast():
    x, y = regression_data().tensors
    dl = DataLoader(TensorDataset(x, y.squeeze(1)), batch_size=16)  # targets (N,), outputs (N, 1)
    with pytest.raises(ValueError, match=r"output shape \(16, 1\) does not match target shape \(16,\)"):
        _fit(nn.Linear(3, 1), dl)


def test_class_label_out_of_range():
    x, y = classification_data().tensors
    dl = DataLoader(TensorDataset(x, y + 1), batch_size=200)  # labels 1..3 for a 3-class model
    with pytest.raises(ValueError, match=r"must lie in \[0, 2\].*from 1 to 3"):
        _fit(nn.Linear(2, 3), dl, nn.CrossEntropyLoss())


def test_integer_targets_with_regression_output():
    x, y = classification_data().tensors
    dl = DataLoader(TensorDataset(x, y), batch_size=20)
    with pytest.raises(ValueError, match=r"y\.float\(\)"):
        _fit(nn.Linear(2, 1), dl, nn.CrossEntropyLoss())
    with pytest.raises(ValueError, match="does not fit integer class targets"):
        _fit(nn.Linear(2, 3), DataLoader(TensorDataset(x, y.view(-1, 1)), batch_size=20), nn.CrossEntropyLoss())


def test_loader_must_yield_pairs():
    dl = DataLoader(TensorDataset(torch.zeros(8, 3)), batch_size=4)  # yields [x] only
    with pytest.raises(TypeError, match=r"list of length 1; expected \(inputs, targets\) pairs"):
        _fit(nn.Linear(3, 1), dl)


def test_loss_must_be_a_scalar():
    with pytest.raises(ValueError, match="reduction='mean'"):
        _fit(nn.Linear(3, 1), loader(regression_data()), nn.MSELoss(reduction="none"))


def test_model_on_another_device():
    with pytest.raises(ValueError, match=r"model\.to\(device\)"):
        evaluate(nn.Linear(3, 1), loader(regression_data()), nn.MSELoss(), torch.device("meta"))


@pytest.mark.parametrize("epochs", [0, -1, 2.0, True])
def test_bad_epochs(epochs):
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        _fit(nn.Linear(3, 1), loader(regression_data()), epochs=epochs)


def test_optimizer_type_is_checked():
    model = nn.Linear(3, 1)
    with pytest.raises(TypeError, match="torch.optim.Optimizer"):
        fit(model, loader(regression_data()), nn.MSELoss(), model.parameters(), CPU, 1, progress=False)


def test_tqdm_disable_environment_variable_silences_the_bars():
    code = ("import torch, learnlib as ll\n"
            "from torch.utils.data import DataLoader, TensorDataset\n"
            "m = torch.nn.Linear(3, 1)\n"
            "dl = DataLoader(TensorDataset(torch.randn(32, 3), torch.randn(32, 1)), batch_size=8)\n"
            "ll.fit(m, dl, torch.nn.MSELoss(), torch.optim.SGD(m.parameters(), lr=0.1), 'cpu', 2)\n")
    env = {k: v for k, v in os.environ.items() if k != "TQDM_DISABLE"}  # `make test` sets it for the notebooks
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    hidden = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "TQDM_DISABLE": "1"})
    assert shown.returncode == hidden.returncode == 0
    assert "epochs" in shown.stderr and "loss=" in shown.stderr
    assert hidden.stderr == ""


def test_tqdm_disable_is_read_by_learnlib_itself(monkeypatch, capsys):
    # tqdm.notebook's widgets ignore TQDM_DISABLE, so learnlib reads it at each call (tqdm only at import).
    model = nn.Linear(3, 1)
    args = (model, loader(regression_data()), nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.01), CPU)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    train_one_epoch(*args, progress=True)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("TQDM_DISABLE", "0")
    train_one_epoch(*args, progress=True)
    assert "loss=" in capsys.readouterr().err


def test_predict_collects_outputs_in_eval_mode_and_restores_mode():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Dropout(0.9))
    x, y = torch.randn(10, 3), torch.arange(10) % 2
    out, targets = predict(model, DataLoader(TensorDataset(x, y), batch_size=4), torch.device("cpu"))
    model.eval()
    assert torch.equal(out, model(x).detach()) and torch.equal(targets, y)
    model.train()
    predict(model, DataLoader(TensorDataset(x, y), batch_size=4), torch.device("cpu"))
    assert model.training
