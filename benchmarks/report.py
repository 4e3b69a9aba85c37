"""Turn benchmarks/results/*.json into the README's results table and each notebook's runtime line.

    python benchmarks/report.py          # rewrite README.md and the notebooks' header lines
    python benchmarks/report.py --check  # exit 1 if any of them is out of date (the tests run this)

Nothing in the table or the header lines is typed by hand: edit the results by re-running benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- results:start -->", "<!-- results:end -->"
RUNTIME_LINE = re.compile(r"^\*\*Runtime\*\*.*$", re.M)


def load_results_from(machines: list[dict]) -> list[dict]:
    """Order machines' results: CPU machines first (they are the reference), then by name."""
    return sorted(machines, key=lambda m: (m["machine"]["gpu"] is not None, m["machine"]["name"]))


def load_results(folder: Path) -> list[dict]:
    """Every machine's results file in `folder`, CPU machines first."""
    return load_results_from([json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))])


def fmt_seconds(run: dict | None) -> str:
    if not run:
        return "–"
    s = run["seconds"]
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"


def fmt_metrics(metrics: dict) -> str:
    if not metrics:
        return "–"
    parts = []
    for name, value in metrics.items():
        if "accuracy" in name and 0 <= value <= 1:
            parts.append(f"{name.replace('_', ' ')} {100 * value:.2f}%")
        elif name.endswith("speedup"):
            parts.append(f"{name.replace('_', ' ')} {value:.3g}×")
        else:
            parts.append(f"{name.replace('_', ' ')} {value:.4g}")
    return ", ".join(parts)


def results_table(machines: list[dict]) -> str:
    """The markdown table: one row per notebook and machine."""
    rows = ["| notebook | machine | full mode | quick mode | peak memory | reaches (full mode) |",
            "|---|---|---|---|---|---|"]
    notebooks = sorted({nb for m in machines for nb in m["notebooks"]})
    for nb in notebooks:
        for m in machines:
            runs = m["notebooks"].get(nb)
            if not runs:
                continue
            full, quick = runs.get("full"), runs.get("quick")
            peak = (full or quick)["peak_memory_mib"]
            rows.append(f"| {nb} | {m['machine']['name']} | {fmt_seconds(full)} | {fmt_seconds(quick)} | "
                        f"{peak} MiB | {fmt_metrics((full or {}).get('metrics', {}))} |")
    dates = sorted({r["date"] for m in machines for runs in m["notebooks"].values() for r in runs.values()})
    torch = sorted({r["torch"] for m in machines for runs in m["notebooks"].values() for r in runs.values()})
    note = (f"\nMeasured with `make bench` / `make bench-quick` (fresh kernel per notebook, kernel start included), "
            f"torch {', '.join(torch)}, {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0] else "") + ".")
    return "\n".join(rows) + "\n" + note


def runtime_line(nb: str, machines: list[dict]) -> str | None:
    """The '**Runtime**' header line of one notebook, from every machine that measured it."""
    parts = []
    for m in machines:
        runs = m["notebooks"].get(nb, {})
        if runs:
            modes = [f"{fmt_seconds(runs[k])} in {k} mode" for k in ("full", "quick") if k in runs]
            parts.append(f"{' and '.join(modes)} on a {m['machine']['name']}")
    if not parts:
        return None
    gpu = "" if any(m["machine"]["gpu"] for m in machines if nb in m["notebooks"]) else "; GPU not measured yet"
    return f"**Runtime** (measured by `make bench`, kernel start included): {'; '.join(parts)}{gpu}."


def render(machines: list[dict], root: Path = ROOT) -> dict[Path, str]:
    """Return {path: new text} for the README and every notebook whose header line would change."""
    out = {}
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md lacks the {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    out[readme] = f"{head}{START}\n{results_table(machines)}\n{END}{tail}"
    for path in sorted((root / "notebooks").glob("[0-9]*.ipynb")):
        line = runtime_line(path.stem, machines)
        if line is None:
            continue
        nb = nbformat.read(path, as_version=4)
        first = nb.cells[0].source
        if not RUNTIME_LINE.search(first):
            raise SystemExit(f"{path.name}: the first cell has no line starting with **Runtime**")
        nb.cells[0].source = RUNTIME_LINE.sub(lambda _, new=line: new, first, count=1)  # no escapes in `line`
        out[path] = nbformat.writes(nb) + "\n"  # the same layout as nbformat.write and Jupyter
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that README and notebooks are current")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    machines = load_results(args.results)
    if not machines:
        print(f"no results in {args.results}; run benchmarks/run.py first")
        return 1
    stale = []
    for path, text in render(machines).items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                from learnlib.atomic import atomic_write

                atomic_write(path, text)
    if args.check and stale:
        print("out of date (run `python benchmarks/report.py`):", ", ".join(map(str, stale)))
        return 1
    print("updated: " + ", ".join(map(str, stale)) if stale else "README and notebook headers are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
