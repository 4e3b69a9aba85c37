"""Notebook 08's torchrun scripts (notebooks/scripts/08/), run as the files they are, with tiny settings.

The notebook runs them too, in quick mode, but only through its own cells; here each script is launched the
way a reader would launch it, `torchrun --nproc_per_node 2 script.py` in a folder holding settings.json, and
what it promises is checked from the files its ranks write.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from learnlib.distributed import loss_of, make_model, windows
from learnlib.env import data_root

pytestmark = [
    pytest.mark.notebooks,  # starts processes, about a minute in all: left out of `make unit`
    pytest.mark.skipif(not (data_root() / "text" / "tinyshakespeare.txt").is_file(),
                       reason="no tiny shakespeare in the data root"),
]

SCRIPTS = Path(__file__).resolve().parents[1] / "notebooks" / "scripts" / "08"
TINY = {"seed": 0, "block_size": 16, "n_layer": 1, "n_head": 2, "n_embd": 32, "windows": 64, "batch_size": 8,
        "epochs": 2, "lr": 1e-3, "weight_decay": 0.01, "checkpoint_every": 4, "crash_at": 5,
        "warmup_steps": 1, "timed_steps": 2}
STEPS = TINY["windows"] // TINY["batch_size"] * TINY["epochs"]


@pytest.fixture
def work(tmp_path):
    (tmp_path / "tmp").mkdir()
    (tmp_path / "settings.json").write_text(json.dumps(TINY))
    return tmp_path


def torchrun(work, script, nproc=2, max_restarts=0, threads=1):
    """Launch `script` as notebook 08's launch() does; return what each rank wrote, if it wrote JSON."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           f"--max-restarts={max_restarts}", str(SCRIPTS / script)]
    # MKL_NUM_THREADS too: one set outside (MKL_NUM_THREADS=1, say) would cap the threads PyTorch uses
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), TMPDIR=str(work / "tmp"),
               TORCH_DISABLE_SHARE_RDZV_TCP_STORE="1")
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{script} failed:\n{proc.stderr[-4000:]}"


def ranks(work, name, nproc=2):
    return [json.loads((work / f"{name}_rank{r}.json").read_text()) for r in range(nproc)]


def test_every_script_is_tested_here():
    source = Path(__file__).read_text()
    for script in sorted(SCRIPTS.glob("*.py")):
        assert f'"{script.name}"' in source, f"{script.name} has no test in {Path(__file__).name}"


def test_collectives(work):
    torchrun(work, "collectives.py")
    seen = ranks(work, "collectives")
    assert seen[0]["all_reduce(sum)"] == seen[1]["all_reduce(sum)"] == [3.0, 30.0]
    assert [s["RANK"] for s in seen] == ["0", "1"] and seen[0]["threads"] == 1


def test_gradients_averaged_by_hand_equal_the_full_batch_gradient(work):
    torchrun(work, "grad_by_hand.py")
    data, vocab_size = windows(TINY)
    x, y = data[: TINY["batch_size"]]
    model = make_model(TINY, vocab_size)
    loss_of(model, x, y).backward()
    by_hand = torch.load(work / "grads_by_hand.pt", weights_only=True)
    assert max((p.grad - by_hand[k]).abs().max().item() for k, p in model.named_parameters()) < 1e-6


def test_ddp_then_a_crashed_run_resumes_to_the_same_weights(work):
    torchrun(work, "train_ddp.py")
    ddp = ranks(work, "ddp")
    assert ddp[0]["losses"] == ddp[1]["losses"] and len(ddp[0]["losses"]) == STEPS
    torchrun(work, "train_elastic.py", max_restarts=1)
    log = (work / "elastic.log").read_text()
    assert "attempt 0, rank 1: crashing at step 5" in log and "attempt 1, rank 0: starting at step 4" in log
    uninterrupted = torch.load(work / "ddp_final.pt", weights_only=True)
    resumed = torch.load(work / "elastic_final.pt", weights_only=True)
    assert all(torch.equal(uninterrupted[k], resumed[k]) for k in uninterrupted)  # bit for bit
    torchrun(work, "train_fsdp.py")
    fsdp = ranks(work, "fsdp")
    assert max(abs(a - b) for a, b in zip(fsdp[0]["losses"], ddp[0]["losses"], strict=True)) < 1e-4
    assert {p.name for p in (work / "fsdp_checkpoint").iterdir()} == {".metadata", "__0_0.distcp", "__1_0.distcp"}


def test_fsdp_mixed_precision_computes_in_bfloat16_over_float32_shards(work):
    torchrun(work, "fsdp_mixed.py")
    mixed = ranks(work, "mixed")[0]
    assert "bfloat16" in mixed["weight inside forward"] and "float32" in mixed["stored shard"]
    assert "float32" in mixed["gradient shard"]


def test_speed_measures_both_layouts(work):
    torchrun(work, "speed.py", nproc=1, threads=2)
    torchrun(work, "speed.py", nproc=2)
    one, two = ranks(work, "speed_1", nproc=1)[0], ranks(work, "speed_2")[0]
    assert one["threads"] == 2 and two["threads"] == 1
    assert all(r[k] > 0 for r in (one, two) for k in ("step_s", "compute_s", "all_reduce_s"))
    assert one["gradient_bytes"] == two["gradient_bytes"] > 0


def test_ring_all_reduce_by_hand(work):
    torchrun(work, "ring.py", nproc=4)
    ring = ranks(work, "ring", nproc=4)
    assert max(r["difference"] for r in ring) < 1e-5
    assert all(r["sent"] == 2 * 3 * r["size"] // 4 for r in ring)  # 2(N-1)/N of the gradient, N = 4
