"""Checks on the committed notebooks themselves; nbval (in `make test`) re-executes them and compares outputs."""

import configparser
import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IGNORE_TAG = "nbval-ignore-output"


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"])


def test_notebooks_are_numbered_in_order():
    names = [p.name for p in NOTEBOOKS]
    assert names, "no notebooks found"
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", n) for n in names), names
    assert [int(n[:2]) for n in names] == list(range(1, len(names) + 1))


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def nb(request):
    return request.param, load(request.param)


def test_opens_with_objectives_prerequisites_runtime_and_mode(nb):
    path, data = nb
    first = data["cells"][0]
    assert first["cell_type"] == "markdown"
    text = source(first)
    assert re.match(rf"# {path.name[:2]} · .+ · .+", text), "title must be '# NN · English · 中文'"
    for part in ("**You will be able to**", "**Prerequisites**", "**Runtime**", "**Outputs shown**"):
        assert part in text, f"{path.name}: the first cell lacks {part}"
    assert "full mode" in text, "say which mode produced the committed outputs"


def test_sets_up_with_learnlib(nb):
    path, data = nb
    code = "\n".join(source(c) for c in data["cells"] if c["cell_type"] == "code")
    assert "import learnlib as ll" in code
    assert "ll.seed_everything(" in code and "ll.get_device(" in code


def test_ends_with_summary_and_folded_exercise_solutions(nb):
    path, data = nb
    cells = data["cells"]
    headings = [source(c).splitlines()[0] for c in cells if c["cell_type"] == "markdown" and source(c)]
    summary = [i for i, h in enumerate(headings) if h.startswith("## Summary")]
    exercises = [i for i, h in enumerate(headings) if h.startswith("## Exercises")]
    assert summary and exercises and summary[0] < exercises[0], f"{path.name}: needs '## Summary' then '## Exercises'"
    start = next(i for i, c in enumerate(cells) if source(c).startswith("## Exercises"))
    tail = cells[start:]
    asked = [c for c in tail if c["cell_type"] == "markdown" and source(c).startswith("### Exercise")]
    solutions = [c for c in tail if "solution" in c["metadata"].get("tags", [])]
    assert len(asked) >= 3
    assert len(solutions) == len(asked), f"{path.name}: {len(asked)} exercises but {len(solutions)} solutions"
    for cell in solutions:
        folded = cell["metadata"].get("jupyter", {})
        assert cell["cell_type"] == "code", f"{path.name}: a solution must be a code cell"
        # Both folded: neither the code nor its result shows until the learner clicks to unfold it.
        assert folded.get("source_hidden") is True and folded.get("outputs_hidden") is True, (
            f"{path.name}: solution {source(cell)[:40]!r} must have source_hidden and outputs_hidden")
        # JupyterLab unfolds outputs whenever a cell runs, so the answer itself must come folded (a closed <details>).
        for out in cell["outputs"]:
            assert out["output_type"] == "display_data" and "".join(out["data"].get("text/html", "")).startswith(
                "<details><summary>"), (f"{path.name}: solution {source(cell)[:40]!r} shows its answer after Run All:"
                                        " print inside `with ll.folded():`")


def test_test_markers_are_cell_tags_not_comments_in_the_code(nb):
    path, data = nb
    for cell in data["cells"]:
        assert "NBVAL" not in source(cell), f"{path.name}: use the cell tag {IGNORE_TAG!r}, not a comment"
        unknown = [t for t in cell["metadata"].get("tags", []) if t.startswith("nbval") and t != IGNORE_TAG]
        assert not unknown, f"{path.name}: unexpected nbval tags {unknown}"


def test_committed_executed_top_to_bottom_without_errors(nb):
    path, data = nb
    code = [c for c in data["cells"] if c["cell_type"] == "code" and source(c).strip()]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: re-run it top to bottom in a fresh kernel"
    for cell in code:
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"{path.name}: stored error in cell {source(cell)[:60]!r}"
    assert data["metadata"]["kernelspec"]["name"] == "python3"


def test_outputs_show_no_machine_paths(nb):
    path, data = nb
    roots = {str(ROOT.parent), tempfile.gettempdir(), os.path.expanduser("~")}
    pattern = re.compile("|".join(re.escape(r.rstrip("/") + "/") for r in roots if r not in ("", "/")))
    for cell in data["cells"]:
        for out in cell.get("outputs", []):
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", ""))
            assert not pattern.search(text), f"{path.name}: an output shows a path of this machine"


# ---- the regression check bites ------------------------------------------------------------------------

def _run_nbval(path, sanitize=True):
    args = ["--nbval-sanitize-with", str(SANITIZE_CFG)] if sanitize else []
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env", *args,
         path.name], cwd=path.parent, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.notebooks
def test_nbval_fails_when_one_character_of_a_deterministic_output_changes(tmp_path):
    """02's `(hand: 18x = 36)` is exact arithmetic: with the sanitizers on, one changed digit must fail."""
    data = load(ROOT / "notebooks" / "02_autograd.ipynb")
    i, out = next((i, o) for i, c in enumerate(data["cells"]) if c["cell_type"] == "code"
                  for o in c["outputs"] if o["output_type"] == "stream" and "(hand: 18x = 36)" in "".join(o["text"]))
    assert IGNORE_TAG not in data["cells"][i]["metadata"].get("tags", [])
    data["cells"] = data["cells"][: i + 1]  # everything up to that cell keeps the run short
    good = tmp_path / "good.ipynb"
    good.write_text(json.dumps(data))
    out["text"] = "".join(out["text"]).replace("(hand: 18x = 36)", "(hand: 18x = 37)")
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps(data))

    passed = _run_nbval(good)
    assert passed.returncode == 0, passed.stdout[-2000:]
    failed = _run_nbval(bad)
    assert failed.returncode == 1, failed.stdout[-2000:]
    assert "(hand: 18x = 37)" in failed.stdout and "1 failed" in failed.stdout


# ---- nbval compares most of every notebook -------------------------------------------------------------

SANITIZE_CFG = ROOT / "tests" / "nbval_sanitize.cfg"
MIN_CHECKED = 0.8  # share of code cells whose output nbval compares as text, or that assert their result
ASSERTS = re.compile(r"^\s*(assert\b|torch\.testing\.assert_close\()", re.M)
# Purely visual cells: their output is a figure, or the versions of this machine's packages. Nothing in them is
# a result to compare or assert. Listed by the first line of their source.
VISUAL = {
    "01_tensors": ['print("torch", torch.__version__, "| numpy", np.__version__)'],
    "02_autograd": ['print("torch", torch.__version__)'],
    "03_linear_regression": ['print("torch", torch.__version__)'],
    "04_cnn_mnist": ['print("torch", torch.__version__, "| torchvision", torchvision.__version__)'],
    "05_cifar10_finetuning": ['print("torch", torch.__version__, "| torchvision", torchvision.__version__)'],
    "06_torch_compile": ['print("torch", torch.__version__, "| torchvision", torchvision.__version__, "| Python", '
                         'platform.python_version())'],
    "07_char_gpt_lora": ['print("torch", torch.__version__)'],
    "08_distributed_training": ['print("torch", torch.__version__)'],
    "09_deployment": ['print("torch", torch.__version__, "| onnx", onnx.__version__, "| onnxruntime", '
                      'ort.__version__)'],
    "10_pretrained_llm": ['print("torch", torch.__version__, "| transformers", transformers.__version__, "| gguf", '
                          'version("gguf"))'],
}


@functools.cache  # parsed once: sanitize() runs for every parametrized line
def sanitizer_rules():
    """{name: (regex, replace, notebooks it may touch)}, in file order."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(SANITIZE_CFG, encoding="utf-8")
    return {name: (parser[name]["regex"], parser[name]["replace"], set(parser[name].get("notebooks", "").split()))
            for name in parser.sections()}


def sanitize(text):
    for regex, replace, _ in sanitizer_rules().values():  # in file order, as nbval applies them
        text = re.sub(regex, replace, text)
    return text


def is_ignored(cell):
    return IGNORE_TAG in cell["metadata"].get("tags", [])


def asserts(cell):
    return bool(ASSERTS.search(source(cell)))


def is_visual(path, cell):
    return source(cell).splitlines()[0] in VISUAL.get(path.stem, []) if source(cell) else False


def output_text(cell):
    return "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                   for o in cell.get("outputs", []))


def test_nbval_compares_or_asserts_at_least_80_percent_of_the_code_cells(nb):
    """A cell counts when nbval compares its whole output as text (no rule touches it) or when it asserts its
    result; visual cells (a figure, versions) are left out."""
    path, data = nb
    code = [c for c in data["cells"] if c["cell_type"] == "code" and not is_visual(path, c)]
    checked = [c for c in code if asserts(c) or (not is_ignored(c) and sanitize(output_text(c)) == output_text(c))]
    share = len(checked) / len(code)
    assert share >= MIN_CHECKED, (f"{path.name}: {share:.0%} of the code cells are compared as text or assert "
                                  f"their result; assert the measured numbers in their cells")


def test_every_cell_is_compared_or_asserts_or_is_visual(nb):
    path, data = nb
    loose = [source(c).splitlines()[0] for c in data["cells"] if c["cell_type"] == "code" and is_ignored(c)
             and not asserts(c) and not is_visual(path, c)]
    assert not loose, (f"{path.name}: cells tagged {IGNORE_TAG} that assert nothing: {loose}; assert the "
                       f"result in a band, or list a purely visual cell in VISUAL")
    visual = [line for c in data["cells"] if c["cell_type"] == "code" and is_visual(path, c)
              for line in source(c).splitlines()[:1]]
    assert sorted(visual) == sorted(VISUAL.get(path.stem, [])), f"{path.name}: VISUAL lists a cell that is gone"


def touched_by_rules():
    """{rule: {(notebook stem, cell index)}}: the compared cells whose committed output each rule changes."""
    touched = {name: set() for name in sanitizer_rules()}
    for path in NOTEBOOKS:
        for i, cell in enumerate(load(path)["cells"]):
            if cell["cell_type"] != "code" or is_ignored(cell):
                continue
            text = output_text(cell)
            for name, (regex, replace, _) in sanitizer_rules().items():  # in order, as nbval applies them
                if re.search(regex, text):
                    touched[name].add((path.stem, i))
                text = re.sub(regex, replace, text)
    return touched


def test_each_sanitizer_rule_touches_only_its_notebooks_and_cells_that_assert():
    by_stem = {p.stem: load(p) for p in NOTEBOOKS}
    for name, cells in touched_by_rules().items():
        declared = sanitizer_rules()[name][2]
        where = {stem[:2] for stem, _ in cells}
        assert where == declared, (f"rule [{name}] touches notebooks {sorted(where)} but lists {sorted(declared)} "
                                   f"(a rule that matches nothing is dead weight, or a typo)")
        for stem, i in sorted(cells):
            assert asserts(by_stem[stem]["cells"][i]), (
                f"rule [{name}] blanks a number in {stem} cell {i}, which asserts nothing: assert it in the cell")


def test_no_rule_blanks_a_deterministic_line_of_01_to_03():
    """01-03 print exact, seeded or rounded-beyond-noise results; only 03's float32 noise rule may touch them."""
    for path in NOTEBOOKS[:3]:
        for cell in load(path)["cells"]:
            if cell["cell_type"] != "code" or is_ignored(cell):
                continue
            for line in output_text(cell).splitlines():
                if "max |params - theta_hat|" not in line:
                    assert sanitize(line) == line, f"{path.name}: a rule blanks {line!r}"


@pytest.mark.parametrize("line, expected", [
    ("preloaded tensor, whole batches:   604,639 images/s (31x faster)",
     "preloaded tensor, whole batches:<RATE> images/s (<RATIO>x faster)"),
    ("cnn_inference   eager    44.07 ms | compiled    21.20 ms | speed-up 2.04x (rounds 1.97-2.31) | first call   4.4 s"
     " | break-even 190 calls",
     "cnn_inference   eager<TIME> ms | compiled<TIME> ms | speed-up <RATIO>x (rounds <RANGE>) | first call<TIME> s"
     " | break-even <CALLS> calls"),
    ("training step: float32 101 ms | bfloat16 autocast 89 ms -> autocast is 1.16x as fast",
     "training step: float32<TIME> ms | bfloat16 autocast<TIME> ms -> autocast is<RATIO>x as fast"),
    ("dz/dx = 36.0  (hand: 18x = 36)", None),
    ("p'  by hand 3x² - 4x + 1      : tensor([8., 1., 0., 5.])", None),
    ("{'id': 1, 'label': 'PowBackward', 'kind': 'op'}", None),
    ("step  5: loss 0.1178  w 3.0811", None),
    ("epoch  1  train loss 10.0262  val loss 0.4718", None),
    ("merge 1: 'a' + 't' -> 'at' (seen 6x), 40 tokens", None),
    ("cnn: fp32 1.09 MiB -> int8 0.29 MiB, 3.8x smaller", None),
    ("gpt: compiled in 9.3 s, package 4.9 MiB", "gpt: compiled in<TIME> s, package <SIZE> MiB"),
    ("smallest share 9.0% (digit 5), largest 11.2% (digit 1)", None),
    ("1B parameters, 16,384 tokens per GPU per step: compute ≈ 246 ms per step", None),
    ("  8 GPUs, NVLink       all-reduce ≈   7.8 ms =    3% of compute -> compute dominates", None),
    ("conv 1->32 +BN +ReLU +pool        (2, 32, 14, 14)            352", None),
    ("28x28 -> 12x12; nn.Conv2d gives (1, 8, 12, 12)", None),
])
def test_sanitizers_replace_measured_numbers_only(line, expected):
    assert sanitize(line) == (line if expected is None else expected)


# ---- committed notebooks carry nothing volatile -------------------------------------------------------------

NOTEBOOK_METADATA = {"kernelspec", "language_info"}
CELL_METADATA = {"tags", "jupyter"}


def test_no_volatile_metadata(nb):
    """No per-cell execution timestamps (nbclient's record_timing), no jupytext keys, no widget state."""
    path, data = nb
    extra = set(data["metadata"]) - NOTEBOOK_METADATA
    assert not extra, f"{path.name}: notebook metadata {sorted(extra)}; only {sorted(NOTEBOOK_METADATA)} belong"
    for i, cell in enumerate(data["cells"]):
        extra = set(cell["metadata"]) - CELL_METADATA
        assert not extra, f"{path.name} cell {i}: metadata {sorted(extra)}; only {sorted(CELL_METADATA)} belong"


# ---- prose agrees with the outputs it talks about ------------------------------------------------------------

# A measured-looking figure: a number with a unit of time, rate, size, share or speed-up ("2.4×", "97.5%",
# "626 images/s", "13.2 s", "47 MiB"). Sizes such as "3×3" or "28×28" are dimensions, not measurements.
FIGURE = re.compile(r"(?<![\w.,×$^{])(\d[\d,]*(?:\.\d+)?)"
                    r"(?:\s?(%|×|x\b|MiB\b|MB\b|GB\b|GiB\b)|\s(images/s|tokens/s|steps/s|ms\b|s\b))(?!\s?\d)")
FIXED = re.compile(r"<!--\s*fixed:(.*?)-->", re.S)  # <!-- fixed: 47 MiB (60,000 x 784 bytes) -->


def figures_in_prose(text):
    text = re.sub(r"`[^`]*`|\$[^$]*\$", "", text)  # code and formulas are not claims about a run
    fixed = {f.strip().split(" (")[0] for block in FIXED.findall(text) for f in block.split(";")}
    text = FIXED.sub("", text)
    for m in FIGURE.finditer(text):
        if m.group(0).strip() not in fixed:
            yield m.group(1), m.group(2) or m.group(3), text[max(0, m.start() - 50): m.end() + 10].replace("\n", " ")


def unmatched_figures(data):
    """Figures in a notebook's markdown (after the header) that none of its outputs shows."""
    outputs = "\n".join(
        "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
        for c in data["cells"] for o in c.get("outputs", []))
    problems = []
    for i, cell in enumerate(data["cells"][1:], start=1):  # the header's runtime line is generated
        if cell["cell_type"] != "markdown":
            continue
        for number, unit, context in figures_in_prose(source(cell)):
            unit_pattern = "[x×]" if unit in ("x", "×") else re.escape(unit)
            if not re.search(rf"(?<![\d.]){re.escape(number)}\s?{unit_pattern}", outputs):
                problems.append(f"cell {i}: {number} {unit} in ...{context}...")
    return problems


def test_numbers_in_the_prose_appear_in_the_outputs(nb):
    """Every measured-looking figure in a markdown cell must appear, at its printed precision, in an output of
    the same notebook (prefer "the output above shows"), or be marked as a fixed fact in the cell:
    <!-- fixed: 16 MiB (4 Mi float32 values); 69.758% (torchvision's published top-1) -->."""
    path, data = nb
    problems = unmatched_figures(data)
    assert not problems, f"{path.name}: figures in the prose that no output shows:\n" + "\n".join(problems)


def notebook(prose, printed=""):
    """A tiny notebook for the prose checks: a header, a code cell that printed `printed`, then `prose`."""
    out = {"output_type": "stream", "name": "stdout", "text": printed}
    return {"cells": [{"cell_type": "markdown", "source": "# header", "metadata": {}},
                      {"cell_type": "code", "source": "", "metadata": {}, "outputs": [out]},
                      {"cell_type": "markdown", "source": prose, "metadata": {}}]}


def test_the_drift_check_catches_a_figure_typed_from_memory():
    printed = "test accuracy 97.34% | 2,601 images/s | speed-up 1.23x | 13.2 s\n"
    found = unmatched_figures(notebook("About 98%, at about 2,200 images/s.", printed))
    assert [p.split(" in ")[0] for p in found] == ["cell 2: 98 %", "cell 2: 2,200 images/s"]
    assert len(unmatched_figures(notebook("a speed-up of about 1.3× after 30 s", printed))) == 2
    good = "It reached 97.34% at 2,601 images/s, 1.23× faster, in 13.2 s; a 3×3 kernel, `0.5 s` in code."
    assert unmatched_figures(notebook(good, printed)) == []
    fixed = "The set is 47 MiB.<!-- fixed: 47 MiB (60,000 x 784 bytes) -->"
    assert unmatched_figures(notebook(fixed, printed)) == []


# ---- words about a measurement are held like numbers ----------------------------------------------------------

# "faster", "slower", "beats", "as fast as": a comparison. Where it describes a run, the sentence points at the
# measurement (the output or table above or below, the run shown, what it depends on, what a cell asserts);
# where it states general knowledge that no cell here measures, it says so with <!-- general: why -->.
COMPARATIVE = re.compile(r"\b(faster|slower|beats?|outperforms?|as fast as)\b", re.I)
ANCHORED = re.compile(r"\b(above|below|run shown|outputs?|table|measured|measurement|asserts?|checks|depends|"
                      r"varies|this CPU|this machine)\b", re.I)
GENERAL = re.compile(r"<!--\s*general:.*?-->", re.S)


def loose_comparisons(data):
    """Sentences of the prose (after the header) with a comparative word and nothing that anchors it."""
    loose = []
    for i, cell in enumerate(data["cells"][1:], start=1):
        if cell["cell_type"] != "markdown":
            continue
        text = re.sub(r"`[^`]*`", "", source(cell))
        for sentence in re.split(r"(?<=[.!?])\s+|\n\s*[-|#]", text):
            if COMPARATIVE.search(sentence) and not (ANCHORED.search(sentence) or GENERAL.search(sentence)):
                loose.append(f"cell {i}: {' '.join(sentence.split())[:120]}")
    return loose


def test_comparisons_in_the_prose_point_at_their_measurement(nb):
    path, data = nb
    loose = loose_comparisons(data)
    assert not loose, (f"{path.name}: comparisons that point at no measurement (say which output shows it, or mark "
                       f"general knowledge with <!-- general: ... -->):\n" + "\n".join(loose))


def test_the_comparison_check_catches_a_claim_from_memory():
    assert loose_comparisons(notebook("Compiling makes the training step faster.")) == [
        "cell 2: Compiling makes the training step faster."]
    assert loose_comparisons(notebook("In the run shown, compiling makes the step slower.")) == []
    assert loose_comparisons(notebook("Fused kernels are faster on GPUs.<!-- general: not measured here -->")) == []
    assert loose_comparisons(notebook("`faster` in code is not a claim.")) == []


# ---- figures a person can read ----------------------------------------------------------------------------

MAX_FIGURE_PIXELS = 1000  # JupyterLab shows a wider image scaled down, and its text with it


def test_figures_fit_the_notebook_width(nb):
    import base64
    import struct

    path, data = nb
    for i, cell in enumerate(data["cells"]):
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                width = struct.unpack(">I", base64.b64decode(png[:64])[16:20])[0]  # from the PNG's IHDR chunk
                assert width <= MAX_FIGURE_PIXELS, f"{path.name} cell {i}: a figure {width} px wide is shrunk"


def test_no_text_smaller_than_9_points_in_the_code(nb):
    path, data = nb
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            small = re.findall(r"(?:fontsize|labelsize)=([0-8])\b", source(cell))
            assert not small, f"{path.name}: fontsize={small[0]} in {source(cell)[:50]!r}; use 9 or more"
