"""Fail when learnlib or a notebook uses an API that PyTorch 2 deprecated or replaced."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (pattern, what to use instead)
DEPRECATED = [
    (r"\bpretrained\s*=", "weights=... (torchvision's multi-weight API)"),
    (r"\bVariable\s*\(|autograd\s+import\s+Variable|autograd\.Variable\b", "plain tensors with requires_grad=True"),
    (r"\bvolatile\s*=", "torch.no_grad() or torch.inference_mode()"),
    (r"\.grad\.data\b|\.data\s*(?:[-+*/]=|=(?!=))|\.data\.\w+_\(", "updates under torch.no_grad(), not .data"),
    (r"torch\.(?:cuda|cpu)\.amp\.(?:autocast|GradScaler)", "torch.amp.autocast / torch.amp.GradScaler"),
    (r"torch\.testing\.assert_allclose", "torch.testing.assert_close"),
    (r"torch\.(?:lstsq|solve|symeig|eig|qr|cholesky|matrix_rank|chain_matmul)\(", "the torch.linalg functions"),
    (r"(?:F|functional)\.upsample(?:_bilinear|_nearest)?\(", "F.interpolate"),
    (r"torch\.set_default_tensor_type", "torch.set_default_dtype / torch.set_default_device"),
    (r"torch\.backends\.cuda\.sdp_kernel", "torch.nn.attention.sdpa_kernel"),
    (r"lr_scheduler\._LRScheduler\b", "lr_scheduler.LRScheduler"),
    (r"torch\.jit\.(?:script|trace)\(", "torch.compile or torch.export"),
    (r"torch\.load\((?![^)]*weights_only\s*=\s*True)", "torch.load(..., weights_only=True)"),
]


ON_PURPOSE = "# deprecated on purpose"  # an end-of-line marker: this line shows an old API deliberately


def find_deprecated(code: str) -> list[str]:
    """Return one message per deprecated use found in `code`."""
    found = []
    for lineno, line in enumerate(code.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue  # a comment may name an old API to warn against it
        if ON_PURPOSE in line:
            continue  # a lesson that shows the old API next to its replacement (notebook 09's TorchScript)
        for pattern, instead in DEPRECATED:
            if re.search(pattern, line):
                found.append(f"line {lineno}: {line.strip()!r} -> use {instead}")
    return found


def _sources():
    for path in sorted((ROOT / "learnlib").glob("*.py")):
        yield path.relative_to(ROOT), path.read_text()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            if cell["cell_type"] == "code":
                yield f"{path.relative_to(ROOT)} cell {i}", "".join(cell["source"])


@pytest.mark.parametrize("snippet", [
    "model = resnet18(pretrained=True)",
    "from torch.autograd import Variable",
    "x = Variable(torch.ones(2))",
    "p.data -= lr * p.grad.data",
    "w.data.zero_()",
    "with torch.cuda.amp.autocast():",
    "state = torch.load('model.pt')",
    "state = torch.load(path, map_location='cpu')",
    "q, r = torch.qr(a)",
    "scripted = torch.jit.script(model)",
])
def test_the_scanner_bites(snippet):
    assert find_deprecated(snippet)


@pytest.mark.parametrize("snippet", [
    "model = resnet18(weights=ResNet18_Weights.IMAGENET1K_V1)",
    "state = torch.load(path, weights_only=True)",
    "images = mnist.data.float() / 255",
    "if batch.data_ptr() == other.data_ptr():",
    "q, r = torch.linalg.qr(a)",
    "# never write Variable(x) any more",
    "traced = torch.jit.trace(model, x)  # deprecated on purpose: the sources' way, next to torch.export",
])
def test_the_scanner_passes_modern_code(snippet):
    assert not find_deprecated(snippet)


def test_no_deprecated_api_in_learnlib_or_notebooks():
    found = [f"{where}: {msg}" for where, code in _sources() for msg in find_deprecated(code)]
    assert not found, "Deprecated APIs:\n" + "\n".join(found)


def test_no_deprecation_warnings_in_stored_notebook_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            if ON_PURPOSE in "".join(cell["source"]):
                continue  # a cell that calls an old API on purpose catches its warning and prints it
            for out in cell.get("outputs", []):
                text = "".join(out.get("text", ""))
                assert not re.search(r"DeprecationWarning|FutureWarning", text), f"{path.name} cell {i}: {text[:200]}"
