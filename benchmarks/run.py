"""Execute notebooks headless in fresh kernels and record what they cost and what they reach.

    python benchmarks/run.py                 # every notebook, full mode, executed copies in build/notebooks/
    python benchmarks/run.py --quick         # the same in quick mode (LEARNLIB_QUICK=1)
    python benchmarks/run.py --in-place 03_linear_regression.ipynb   # refresh a notebook's committed outputs

For each notebook it records the wall time (kernel start included), the kernel's peak memory, the device,
the torch version and the headline metrics the notebook itself records with `learnlib.record_metrics`,
into benchmarks/results/<machine>.json (one file per machine). `benchmarks/report.py` turns those files
into the README's results table and the runtime line of each notebook's header.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def machine_info() -> dict[str, object]:
    """Describe this machine for a results file: a short name, CPU cores, GPU (or None), torch version."""
    import torch

    from learnlib.device import describe_device, get_device

    device = get_device()
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    cores = os.cpu_count() or 1
    return {
        "name": gpu or f"{cores}-core {platform.machine()} CPU",
        "cpu_cores": cores,
        "gpu": gpu,
        "device": describe_device(device),
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def slug(name: str) -> str:
    """File-name form of a machine name: '2-core x86_64 CPU' -> '2-core-x86_64-cpu'."""
    return re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-")


def merge_adjacent_streams(nb) -> None:
    """Join back-to-back stdout (or stderr) chunks of a cell into one output, in place.

    The kernel sends printed text in chunks, split wherever its flush timer fell, so the same run can be stored
    as one output or several. Only neighbours are joined: text printed after a figure stays after it.
    """
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (out["output_type"] == "stream" and last is not None and last["output_type"] == "stream"
                    and last["name"] == out["name"]):
                last["text"] += out["text"]
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged


def execute_one(src: Path, dst: Path, quick: bool, timeout: int) -> dict:
    """Execute `src` in a fresh kernel, write the executed notebook to `dst`; return the measurements."""
    import resource  # POSIX only, like the Makefile

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from learnlib.atomic import atomic_write
    from learnlib.env import PROGRESS_ENV, QUICK_ENV, RESULTS_ENV

    with tempfile.TemporaryDirectory() as tmp:
        metrics_file = Path(tmp) / "metrics.json"
        # The kernel inherits this process's environment: mode, and where record_metrics writes.
        os.environ.pop(QUICK_ENV, None)
        if quick:
            os.environ[QUICK_ENV] = "1"
        os.environ[RESULTS_ENV] = str(metrics_file)
        # Progress bars are for people watching; in a stored notebook they are half-drawn widgets. tqdm
        # reads TQDM_DISABLE when imported, and learnlib leaves `disable` to it when progress=True.
        os.environ[PROGRESS_ENV] = "1"
        nb = nbformat.read(src, as_version=4)
        nb.metadata.pop("widgets", None)  # stale widget state from an earlier run
        for cell in nb.cells:  # metadata of an earlier run or an editor: nothing volatile is committed
            for key in ("execution", "lines_to_next_cell"):
                cell.metadata.pop(key, None)
        nb.metadata.pop("jupytext", None)
        # record_timing=False: no per-cell execution timestamps, which would change on every run
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": str(src.parent)}})
        start = time.perf_counter()
        try:
            client.execute()
        except CellExecutionError as exc:
            failing = next((c for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
                           None)
            where = f" in the cell starting {failing.source.splitlines()[0][:60]!r}" if failing else ""
            if dst != src:  # keep the partly executed copy for inspection; never overwrite a committed notebook
                atomic_write(dst, nbformat.writes(nb) + "\n")
                where += f" (executed copy: {dst})"
            message = f"{exc.ename}: {exc.evalue}".strip()
            return {"ok": False, "error": re.sub(r"\x1b\[[0-9;]*m", "", message) + where}  # no terminal colours
        seconds = time.perf_counter() - start
        metrics = json.loads(metrics_file.read_text()) if metrics_file.exists() else {}
    # The kernel was this process's child and has exited: its peak resident memory is in RUSAGE_CHILDREN
    # (KiB on Linux, bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / (1024**2 if sys.platform == "darwin" else 1024)
    merge_adjacent_streams(nb)
    atomic_write(dst, nbformat.writes(nb) + "\n")
    return {"ok": True, "seconds": round(seconds, 1), "peak_memory_mib": round(peak), "metrics": metrics}


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return None
    return out.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/[0-9]*.ipynb)")
    parser.add_argument("--quick", action="store_true", help="quick mode (LEARNLIB_QUICK=1), as the tests run")
    parser.add_argument("--in-place", action="store_true", help="overwrite each notebook with its executed version")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "notebooks", help="folder for executed copies")
    parser.add_argument("--results", type=Path, default=RESULTS, help="folder of the per-machine JSON files")
    parser.add_argument("--machine", help="machine name for the results file (default: from the hardware)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell")
    parser.add_argument("--execute-one", nargs=2, type=Path, metavar=("SRC", "DST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.execute_one:  # the child process: one notebook, measurements as JSON on stdout
        print(json.dumps(execute_one(*args.execute_one, args.quick, args.timeout)))
        return 0

    from learnlib.atomic import atomic_write

    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    missing = [str(p) for p in notebooks if not p.is_file()]
    if missing or not notebooks:
        parser.error(f"no such notebook: {', '.join(missing)}" if missing else "no notebooks found")
    machine = machine_info()
    if args.machine:
        machine["name"] = args.machine
    results_file = args.results / f"{slug(machine['name'])}.json"
    mode = "quick" if args.quick else "full"
    print(f"{mode} mode on {machine['name']} ({machine['device']}, torch {machine['torch']}) -> {results_file.name}")

    failed = 0
    for nb in notebooks:
        dst = nb if args.in_place else args.out / nb.name
        cmd = [sys.executable, __file__, "--execute-one", str(nb), str(dst), "--timeout", str(args.timeout)]
        proc = subprocess.run(cmd + (["--quick"] if args.quick else []), capture_output=True, text=True, cwd=ROOT)
        try:
            run = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            run = {"ok": False, "error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
        if not run.pop("ok"):
            failed += 1
            print(f"  {nb.stem:<28} FAILED: {run['error']}")
            continue
        print(f"  {nb.stem:<28} {run['seconds']:>7.1f} s  {run['peak_memory_mib']:>6} MiB  {run['metrics']}")
        run.update(device=machine["device"], torch=machine["torch"], commit=git_commit(),
                   date=dt.datetime.now(dt.timezone.utc).date().isoformat())
        # Re-read before each write, so parallel or interrupted runs lose nothing already recorded.
        data = json.loads(results_file.read_text()) if results_file.exists() else {}
        data["machine"] = {k: machine[k] for k in ("name", "cpu_cores", "gpu", "platform", "python")}
        data.setdefault("notebooks", {}).setdefault(nb.stem, {})[mode] = run
        atomic_write(results_file, json.dumps(data, indent=2, sort_keys=True) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
