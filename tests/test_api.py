"""learnlib's shape as a package: one concern per file, imports that only point downwards, one API style,
every module and environment variable documented where a reader looks for it."""

import ast
import importlib
import inspect
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import tomllib

import learnlib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "learnlib"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def tree(name):
    return ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))


def own_imports(name):
    """The learnlib modules that `name` imports (relative imports: `from .x import y`)."""
    found = set()
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {a.name for a in node.names}
    return found


def public_functions():
    """(qualified name, function) for every public function, method and property of every module."""
    for name in MODULES:
        module = importlib.import_module(f"learnlib.{name}")
        for attr, obj in vars(module).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{name}.{attr}", obj
            elif inspect.isclass(obj):
                for method, fn in vars(obj).items():
                    if isinstance(fn, property):
                        fn = fn.fget
                    if inspect.isfunction(fn) and (not method.startswith("_") or method == "__init__"):
                        yield f"{name}.{attr}.{method}", fn


def test_imports_form_layers_without_cycles():
    graph = {name: own_imports(name) for name in MODULES}
    assert all(dep in MODULES for deps in graph.values() for dep in deps), graph
    done, order = set(), []
    while len(done) < len(graph):  # peel off the modules whose imports are all placed already
        ready = sorted(n for n, deps in graph.items() if n not in done and deps <= done)
        assert ready, f"import cycle among {sorted(set(graph) - done)}"
        done |= set(ready)
        order.append(ready)
    # The foundations import nothing of ours; metrics are pure batch functions.
    for name in ("env", "errors", "atomic", "graph", "metrics", "seed", "augment", "timing"):
        assert graph[name] == set(), f"{name}.py should import nothing from learnlib, imports {graph[name]}"


def test_loops_live_in_train_and_fine_tuning_reuses_them():
    assert "predict" in vars(importlib.import_module("learnlib.train"))
    assert own_imports("finetune") == {"train", "errors"}  # the loop from train, argument checks from errors
    assert not hasattr(importlib.import_module("learnlib.metrics"), "predict")


def test_only_env_reads_environment_variables():
    reads = re.compile(r"os\.environ\.get\(|os\.getenv\(|os\.environ\[|in os\.environ")
    offenders = [n for n in MODULES if n != "env" and reads.search((PACKAGE / f"{n}.py").read_text())]
    assert offenders == []


def test_every_public_function_has_a_docstring_and_annotations():
    missing = []
    for qualname, fn in public_functions():
        sig = inspect.signature(fn)
        if "return" not in fn.__annotations__:
            missing.append(f"{qualname}: return annotation")
        if not fn.__doc__ and not qualname.endswith(("__init__", "forward", "extra_repr")):
            missing.append(f"{qualname}: docstring")
        for p in sig.parameters.values():
            if p.name not in ("self", "args", "kwargs", "extra", "metrics", "values") and p.annotation is p.empty:
                missing.append(f"{qualname}({p.name}): annotation")
    assert missing == []


def test_one_name_and_one_type_for_models_and_devices():
    for qualname, fn in public_functions():
        params = inspect.signature(fn).parameters
        assert "net" not in params, f"{qualname}: call the model argument `model`"
        if "device" in params:
            annotation = str(params["device"].annotation)
            assert "torch.device" in annotation and "str" in annotation, f"{qualname}: device: torch.device | str"


def test_every_module_names_the_notebook_that_teaches_it():
    for name in MODULES:
        doc = ast.get_docstring(tree(name)) or ""
        assert re.search(r"notebooks? \d\d|\(\d\d[,)\-–]|every notebook", doc), f"{name}.py: name its notebook(s)"


def test_datasets_load_into_the_same_shape_of_result():
    from learnlib.cifar import load_cifar10
    from learnlib.mnist import load_mnist

    for loader in (load_mnist, load_cifar10):
        assert str(inspect.signature(loader).return_annotation) == "tuple[torch.Tensor, torch.Tensor]"


def test_version_is_defined_once():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert learnlib.__version__ == version("learnlib") == declared
    assert "__version__ =" not in "".join((PACKAGE / f"{n}.py").read_text() for n in MODULES)


def test_readme_layout_maps_every_module_and_the_harness():
    layout = README.split("## Layout", 1)[1]
    for name in MODULES:
        assert f"{name}.py" in layout, f"README's Layout section does not mention learnlib/{name}.py"
    assert "benchmarks/" in layout and "run.py" in layout and "report.py" in layout


def test_every_environment_variable_is_documented():
    env = importlib.import_module("learnlib.env")
    names = [v for k, v in vars(env).items() if k.endswith("_ENV")]
    assert len(names) >= 5
    for name in names:
        assert name in (env.__doc__ or ""), f"env.py's docstring omits {name}"
        assert f"`{name}" in README, f"README omits {name}"


@pytest.mark.parametrize("name", MODULES)
def test_modules_stay_readable_in_one_sitting(name):
    lines = (PACKAGE / f"{name}.py").read_text().count("\n")
    assert lines <= 300, f"{name}.py has {lines} lines: split the concern"


def test_top_level_names_come_from_their_modules():
    for name in learnlib.__all__:
        obj = getattr(learnlib, name)
        home = importlib.import_module(obj.__module__)
        assert getattr(home, name) is obj and obj.__module__ != "learnlib", name
