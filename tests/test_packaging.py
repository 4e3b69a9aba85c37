"""The dependency list lives in pyproject.toml only; conda, the Makefile, CI and the code must agree with it."""

import ast
import json
import re
import sys
from importlib.metadata import packages_distributions, version
from pathlib import Path

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DEPS = {canonicalize_name(Requirement(r).name): Requirement(r) for r in PYPROJECT["project"]["dependencies"]}
DEV = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}


def test_core_dependencies_are_declared():
    needed = {"torch", "torchvision", "jupyterlab", "ipywidgets", "matplotlib", "tqdm", "torchmetrics", "tensorboard"}
    assert needed <= set(DEPS)
    assert {"pytest", "nbval", "ruff"} <= DEV


@pytest.mark.parametrize("name", ["torch", "torchvision"])
def test_declared_ranges_admit_the_installed_pytorch(name):
    # The installed release is the one pip resolved from these very ranges (or a local build pinned by hand);
    # a range edited to exclude it fails here instead of on the next fresh install.
    installed = Version(version(name)).base_version  # 2.14.1+cu130 -> 2.14.1
    assert DEPS[name].specifier.contains(installed), f"{name} {DEPS[name].specifier} must admit {installed}"


@pytest.mark.parametrize("name", ["torch", "torchvision", "jupyterlab", "transformers"])
def test_declared_ranges_are_the_tested_minor_release(name):
    # A range states what was run: the installed minor release (torch 2.14, torchvision 0.29, transformers 5.24,
    # jupyterlab 4.6, whose DOM tests/test_lab.py drives) and neither the one before nor the one after.
    major, minor, *_ = Version(version(name)).release
    spec = DEPS[name].specifier
    assert spec.contains(f"{major}.{minor}.0") and spec.contains(f"{major}.{minor}.99"), f"{name} {spec}"
    assert not spec.contains(f"{major}.{minor - 1}.99") if minor else True, f"{name} {spec} admits an untested release"
    assert not spec.contains(f"{major}.{minor + 1}.0"), f"{name} {spec} admits an untested release"


def test_environment_yml_installs_the_project_and_nothing_else():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    # conda provides only the interpreter and pip; every package comes from pyproject.toml through pip.
    assert sorted(re.split(r"[=<> ]", d)[0] for d in conda) == ["pip", "python"]
    assert pip == [["-e .[dev]"]]
    python = next(d for d in conda if d.startswith("python"))
    version = python.split("=", 1)[1]
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(version + ".0")
    assert "dev" in PYPROJECT["project"]["optional-dependencies"]


def _imports(source: str) -> set[str]:
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _code_sources():
    for path in sorted((ROOT / "learnlib").glob("*.py")):
        yield path.name, path.read_text()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join(
            "\n".join(line for line in "".join(c["source"]).splitlines() if not line.lstrip().startswith(("%", "!")))
            for c in cells if c["cell_type"] == "code"
        )
        yield path.name, code


def _written_modules(name):
    """Modules a notebook writes itself with `%%writefile name.py` (notebook 08's scripts import them)."""
    path = ROOT / "notebooks" / name
    if path.suffix != ".ipynb":
        return set()
    cells = json.loads(path.read_text())["cells"]
    return {m for c in cells if c["cell_type"] == "code"
            for m in re.findall(r"^%%writefile\s+(\w+)\.py\s*$", "".join(c["source"]), re.M)}


def test_every_import_is_a_declared_dependency():
    dists = packages_distributions()
    declared = set(DEPS) | {"learnlib"}
    for name, source in _code_sources():
        local = _written_modules(name)
        for module in _imports(source):
            if module in sys.stdlib_module_names or module == "learnlib" or module in local:
                continue
            owners = {canonicalize_name(d) for d in dists.get(module, [module])}
            assert owners & declared, f"{name} imports {module!r}, provided by {owners}, not in pyproject.toml"


def test_readme_makefile_and_ci_agree():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no {target} target"
    for variable in ("LEARNLIB_QUICK", "LEARNLIB_DATA", "LEARNLIB_DEVICE"):
        assert variable in readme
    assert "--allow-root" in makefile and "127.0.0.1" in makefile
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)
