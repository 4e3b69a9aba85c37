"""Shared test set-up: a non-interactive matplotlib backend, clean global torch state around each test, and the
Chromium that the browser tests (tests/test_lab.py, tests/test_site.py) drive."""

import os
import shutil

import matplotlib
import matplotlib.pyplot as plt
import pytest
import torch

matplotlib.use("Agg")  # tests never open windows


@pytest.fixture(autouse=True)
def _restore_torch_globals():
    """seed_everything(deterministic=True) flips process-wide switches; put them back after each test."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    benchmark = torch.backends.cudnn.benchmark
    yield
    torch.use_deterministic_algorithms(deterministic)
    torch.backends.cudnn.benchmark = benchmark
    plt.close("all")


# Without a Chromium the browser tests skip with this hint; .ci/run sets LEARNLIB_LAB_TEST=required, and there they
# fail instead, so CI cannot pass without having looked.
BROWSER_REQUIRED = os.environ.get("LEARNLIB_LAB_TEST") == "required"
INSTALL_HINT = ("install a Chromium: `sudo apt-get install chromium fonts-noto-cjk` (Debian/Ubuntu) or "
                "`python -m playwright install chromium`")


def browser_unavailable(reason):
    """Skip the browser test that cannot run here, or fail it where LEARNLIB_LAB_TEST=required."""
    if BROWSER_REQUIRED:
        pytest.fail(f"LEARNLIB_LAB_TEST=required but {reason}; {INSTALL_HINT}")
    pytest.skip(f"{reason}; {INSTALL_HINT}")


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium through playwright: the OS's package if there is one, else playwright's own download."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("playwright is not installed (it is in the dev extra: pip install -e '.[dev]')")
    executable = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=executable)  # None: playwright's own download
        except Exception as exc:  # no browser binary, or one that cannot start
            browser_unavailable(f"no Chromium could be started ({str(exc).splitlines()[0]})")
        yield browser
        browser.close()
