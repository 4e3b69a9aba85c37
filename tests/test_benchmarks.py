"""The benchmark harness, run end to end on tiny throw-away notebooks, and the generated README table."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


report = load_script("report")


def tiny_notebook(path, *cells):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def run_harness(*args):
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.notebooks
def test_harness_records_time_memory_device_and_metrics(tmp_path):
    nb = tiny_notebook(tmp_path / "07_tiny.ipynb",
                       "import learnlib as ll",
                       "ll.record_metrics(answer=42, quick=float(ll.quick_mode()))\nprint('done')")
    results, out = tmp_path / "results", tmp_path / "out"
    common = (nb, "--results", results, "--out", out, "--machine", "Test box")
    full = run_harness(*common)
    assert full.returncode == 0, full.stdout + full.stderr
    quick = run_harness(*common, "--quick")
    assert quick.returncode == 0, quick.stdout + quick.stderr

    data = json.loads((results / "test-box.json").read_text())
    assert data["machine"]["name"] == "Test box"
    runs = data["notebooks"]["07_tiny"]
    assert runs["full"]["metrics"] == {"answer": 42, "quick": 0.0}
    assert runs["quick"]["metrics"] == {"answer": 42, "quick": 1.0}
    for run in runs.values():
        assert run["seconds"] > 0 and run["peak_memory_mib"] > 50  # a kernel with torch imported
        assert run["torch"] and run["device"] and run["date"]
    executed = nbformat.read(out / "07_tiny.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "done\n"
    assert nbformat.read(nb, as_version=4).cells[1].outputs == []  # the source was left alone


@pytest.mark.notebooks
def test_harness_reports_a_failing_notebook_and_records_nothing(tmp_path):
    nb = tiny_notebook(tmp_path / "08_broken.ipynb", "raise RuntimeError('dataset missing')")
    proc = run_harness(nb, "--results", tmp_path / "results", "--out", tmp_path / "out", "--machine", "Test box")
    assert proc.returncode == 1
    assert "08_broken" in proc.stdout and "FAILED" in proc.stdout and "dataset missing" in proc.stdout
    assert not (tmp_path / "results" / "test-box.json").exists()


@pytest.mark.notebooks
def test_in_place_run_never_overwrites_a_committed_notebook_when_it_fails(tmp_path):
    nb = tiny_notebook(tmp_path / "09_committed.ipynb", "print('stored')", "raise RuntimeError('broken today')")
    data = nbformat.read(nb, as_version=4)
    data.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="stored\n")]
    data.cells[0].execution_count = 1
    nbformat.write(data, nb)
    before = nb.read_bytes()
    proc = run_harness(nb, "--in-place", "--results", tmp_path / "results", "--machine", "Test box")
    assert proc.returncode == 1 and "broken today" in proc.stdout
    assert nb.read_bytes() == before  # the committed outputs are untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["09_committed.ipynb"]  # no partial copy, no results


def test_machine_info_names_cpu_and_gpu_machines(monkeypatch):
    import torch

    import learnlib.device

    run = load_script("run")
    monkeypatch.setattr(learnlib.device, "get_device", lambda: torch.device("cpu"))
    cpu = run.machine_info()
    assert cpu["gpu"] is None and cpu["name"] == f"{cpu['cpu_cores']}-core {cpu['platform'].split()[-1]} CPU"
    assert cpu["torch"] == torch.__version__ and cpu["device"].startswith("cpu (")

    monkeypatch.setattr(learnlib.device, "get_device", lambda: torch.device("cuda", 0))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA H100 80GB HBM3")
    gpu = run.machine_info()
    assert gpu["gpu"] == gpu["name"] == "NVIDIA H100 80GB HBM3"
    assert gpu["device"] == "cuda:0 (NVIDIA H100 80GB HBM3)"


def test_harness_rejects_a_missing_notebook(tmp_path):
    proc = run_harness(tmp_path / "nope.ipynb", "--results", tmp_path)
    assert proc.returncode == 2 and "no such notebook" in proc.stderr


def _machine(name, gpu, seconds):
    run = {"seconds": seconds, "peak_memory_mib": 400, "metrics": {"test_accuracy": 0.9943}, "torch": "2.14.1",
           "device": "cpu", "date": "2026-11-25", "commit": "abc"}
    return {"machine": {"name": name, "gpu": gpu},
            "notebooks": {"01_a": {"full": run, "quick": dict(run, seconds=seconds / 4)}}}


def test_report_renders_table_and_runtime_lines(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "README.md").write_text(f"intro\n{report.START}\nold table\n{report.END}\nafter\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · A · 甲\n**Runtime** old\nmore")])
    nbformat.write(nb, tmp_path / "notebooks" / "01_a.ipynb")
    machines = report.load_results_from([_machine("NVIDIA H100", "NVIDIA H100", 10.0),
                                         _machine("2-core x86_64 CPU", None, 150.0)])
    out = report.render(machines, root=tmp_path)
    readme = out[tmp_path / "README.md"]
    assert readme.startswith("intro\n") and readme.endswith("after\n") and "old table" not in readme
    rows = [line for line in readme.splitlines() if line.startswith("| 01_a")]
    assert rows[0].startswith("| 01_a | 2-core x86_64 CPU | 2.5 min | 38 s | 400 MiB | test accuracy 99.43% |")
    assert rows[1].startswith("| 01_a | NVIDIA H100 | 10 s | 2 s |")
    header = nbformat.reads(out[tmp_path / "notebooks" / "01_a.ipynb"], as_version=4).cells[0].source
    assert header.splitlines()[1] == ("**Runtime** (measured by `make bench`, kernel start included): 2.5 min in "
                                      "full mode and 38 s in quick mode on a 2-core x86_64 CPU; 10 s in full mode "
                                      "and 2 s in quick mode on a NVIDIA H100.")
    assert header.endswith("\nmore")


def test_committed_readme_and_headers_match_the_recorded_results():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "report.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("name, expected", [("2-core x86_64 CPU", "2-core-x86_64-cpu"),
                                            ("NVIDIA H100 80GB HBM3", "nvidia-h100-80gb-hbm3")])
def test_results_file_names(name, expected):
    assert load_script("run").slug(name) == expected


def test_mnist_seeds_script_trains_notebook_04s_recipe():
    """The seeds benchmark repeats notebook 04's recipe: its constants must equal the notebook's full-mode settings."""
    import ast

    seeds = load_script("mnist_seeds")
    nb = nbformat.read(ROOT / "notebooks" / "04_cnn_mnist.ipynb", as_version=4)
    settings = next(c.source for c in nb.cells if c.cell_type == "code" and "MAX_LR =" in c.source)
    full_mode = {}
    for node in ast.parse(settings).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = node.value.orelse if isinstance(node.value, ast.IfExp) else node.value  # `a if QUICK else b`
            try:
                full_mode[node.targets[0].id] = ast.literal_eval(value)
            except ValueError:
                pass  # computed settings, e.g. ll.quick_mode()
    for name in ["N_VAL", "BATCH_SIZE", "EPOCHS", "MAX_LR", "WEIGHT_DECAY", "LABEL_SMOOTHING", "MAX_SHIFT",
                 "DROPOUT", "TEST_BAND"]:
        assert getattr(seeds, name) == full_mode[name], f"{name}: script {getattr(seeds, name)} != notebook"
    assert seeds.SPLIT_SEED == full_mode["SEED"]


def test_notebook_04s_accuracy_band_holds_every_recorded_seed():
    """The band notebook 04 asserts is one its own recipe meets: every seed recorded by mnist_seeds.py lies in it."""
    seeds = load_script("mnist_seeds")
    files = sorted((ROOT / "benchmarks" / "results" / "seeds").glob("mnist-04-*.json"))
    assert files, "no seeds results: run python benchmarks/mnist_seeds.py"
    for path in files:
        record = json.loads(path.read_text())
        low, high = seeds.TEST_BAND
        outside = [r for r in record["runs"] if not low <= r["test_accuracy"] <= high]
        assert not outside, f"{path.name}: seeds outside the notebook's band {seeds.TEST_BAND}: {outside}"


def test_mnist_seeds_script_rejects_zero_seeds(capsys):
    with pytest.raises(SystemExit):
        load_script("mnist_seeds").main(["--seeds", "0"])
    assert "--seeds must be at least 1, got 0" in capsys.readouterr().err


def test_the_harness_joins_neighbouring_print_chunks_but_keeps_order():
    import nbformat

    run = load_script("run")
    stream = lambda name, text: nbformat.v4.new_output("stream", name=name, text=text)  # noqa: E731
    figure = nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"})
    cell = nbformat.v4.new_code_cell("...")
    cell.outputs = [stream("stdout", "a\n"), stream("stdout", "b\n"), stream("stderr", "warn\n"), figure,
                    stream("stdout", "c\n"), stream("stdout", "d\n")]
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("text")])
    run.merge_adjacent_streams(nb)
    assert [(o["output_type"], o.get("name"), o.get("text")) for o in nb.cells[0].outputs] == [
        ("stream", "stdout", "a\nb\n"), ("stream", "stderr", "warn\n"), ("display_data", None, None),
        ("stream", "stdout", "c\nd\n")]
