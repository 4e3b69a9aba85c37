"""JupyterLab in a real browser, as a learner meets it: `make lab`, then Run All.

The test starts JupyterLab through `make lab` itself (a free port, its own token, temporary settings and
runtime folders, autosave off so nothing is written into the repository), drives Chromium with playwright,
and checks what a learner sees: the token is enforced, the kernel is this environment's Python, notebooks
01-04 (04 in quick mode) run with Run All with no error or stderr output, every figure is an image, progress
bars are widgets, solution cells are folded with their outputs hidden (and their answers still folded after
Run All), and a learnlib link opens the source.
Screenshots go to build/lab-screenshots/ for a person to look at.

It needs a Chromium: the OS package (`sudo apt-get install chromium fonts-noto-cjk` on Debian/Ubuntu; the
font renders the Chinese headings) or playwright's own (`python -m playwright install chromium`). Without
one it is skipped with that message, unless LEARNLIB_LAB_TEST=required (set by .ci/run), where it fails.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "lab-screenshots"
SCRATCH = ROOT / "build" / "lab-test"  # notebooks the test writes itself (build/ is git-ignored)
NOTEBOOKS = ["01_tensors.ipynb", "02_autograd.ipynb", "03_linear_regression.ipynb", "04_cnn_mnist.ipynb"]
FOLDED_SUMMARY = "Output: click to show"  # learnlib.exercises.folded's default
RUN_TIMEOUT_S = 300  # per notebook; 04's Run All took 160 s here, on one thread beside other tests

pytestmark = pytest.mark.notebooks  # it executes notebooks: not part of `make unit`


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    """(status, body) of a GET, without raising on 4xx/5xx."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _git_status():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        return None
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout


def _kernel_pids(runtime_dir):
    """Process ids of the kernels this server started: their command line names a file in our runtime dir."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if str(runtime_dir) in (proc / "cmdline").read_bytes().decode(errors="replace"):
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    settings = tmp / "settings"
    user_settings = {  # for this test only: nothing saved into the repo, every cell in the DOM
        "docmanager-extension/plugin": {"autosave": False},
        "notebook-extension/tracker": {"windowingMode": "none"},
    }
    for name, values in user_settings.items():
        path = settings / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"), "JUPYTER_CONFIG_DIR": str(tmp / "config"),
           "LEARNLIB_QUICK": "1"}
    for name in ("TQDM_DISABLE", "MPLBACKEND"):  # a learner has neither: bars and figures as in the lab
        env.pop(name, None)
    port, token = _free_port(), secrets.token_hex(16)
    venv = Path(sys.prefix)
    before = _git_status()
    log = open(tmp / "lab.log", "w")
    server = subprocess.Popen(  # exactly `make lab`, in this test's environment, with a port and token of its own
        ["make", "-s", "-o", f"{venv}/.installed", "lab", f"VENV={venv}",
         f"LAB_ARGS=--no-browser --ServerApp.port={port} --ServerApp.port_retries=0 "
         f"--IdentityProvider.token={token}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if server.poll() is not None:
                raise RuntimeError(f"make lab exited with {server.returncode}:\n{(tmp / 'lab.log').read_text()}")
            try:
                if _get(f"{url}/api/status?token={token}")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError(f"JupyterLab did not answer in 60 s:\n{(tmp / 'lab.log').read_text()}")
        yield {"url": url, "token": token, "log": tmp / "lab.log", "runtime": tmp / "runtime"}
    finally:
        kernels = _kernel_pids(tmp / "runtime")
        os.killpg(server.pid, signal.SIGTERM)  # make and the server share the group started above
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        for pid in kernels + _kernel_pids(tmp / "runtime"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # already shut down with the server
        log.close()
    assert _git_status() == before, "the lab session changed the working tree"


@pytest.fixture(scope="module")
def browser(lab, chromium):  # tests/conftest.py starts it (or skips, or fails where CI requires it)
    return chromium


def open_notebook(browser, lab, path):
    """Open a notebook in a new page and wait until all its cells are in the DOM and its kernel is idle."""
    cells = len(committed(path)["cells"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    workspace = re.sub(r"\W", "-", path)  # a workspace of its own: no tabs restored from an earlier page
    page.goto(f"{lab['url']}/lab/workspaces/{workspace}/tree/{path}?token={lab['token']}")
    page.wait_for_function(f"document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell').length >= {cells}",
                           timeout=60_000)
    page.wait_for_function("(document.querySelector('#jp-main-statusbar') || {innerText: ''}).innerText"
                           ".includes('| Idle')", timeout=60_000)  # the status bar: the kernel has started
    return page


def run_palette_command(page, label):
    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill(label)
    page.locator(".lm-CommandPalette-item", has_text=label).first.click()


def run_all(page, timeout_s=RUN_TIMEOUT_S):
    """Clear the stored outputs, Run All, and wait until every code cell the learner sees has run."""
    run_palette_command(page, "Clear Outputs of All Cells")
    run_palette_command(page, "Run All Cells")
    # Run All skips folded cells (their source is hidden): wait for the prompts of the cells the learner sees.
    visible = page.locator(".jp-CodeCell:not(:has(.jp-InputPlaceholder)) .jp-InputArea-prompt")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        prompts = visible.all_inner_texts()
        if page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count():
            break  # an error stops Run All; report it instead of waiting for cells that will not run
        busy = page.locator(".jp-Notebook-ExecutionIndicator[data-status='busy']").count()
        if prompts and all(re.fullmatch(r"\[\d+\]:", t.strip()) for t in prompts) and not busy:
            break
        time.sleep(1)
    else:
        raise AssertionError(f"Run All did not finish in {timeout_s} s")
    page.wait_for_timeout(3000)  # let the last images and widgets render


def problems_in(page):
    """What a learner would call broken: errors or stderr, broken images, widgets that did not render."""
    problems = []
    stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    problems += [f"stderr/error output: {t.strip()[:300]}" for t in stderr.all_inner_texts()]
    broken = page.evaluate("[...document.querySelectorAll('.jp-OutputArea-output img')]"
                           ".filter(img => !img.complete || img.naturalWidth === 0).length")
    if broken:
        problems.append(f"{broken} figure(s) did not render as images")
    text = page.locator(".jp-Notebook").inner_text()
    if "Error displaying widget" in text:
        problems.append("a widget did not render: 'Error displaying widget'")
    if re.search(r"\d+%\|[█▏▎▍▌▋▊▉ ]*\|", text):
        problems.append("a progress bar printed as text instead of a widget")
    return problems


def answers_on_screen(page):
    """What the solution cells show without a click: each one's output should be a closed <details> line."""
    shown = []
    for cell in page.locator(".jp-CodeCell:has(.jp-InputPlaceholder)").all():  # a folded source: a solution
        text = cell.locator(".jp-OutputArea").inner_text().strip()  # innerText leaves out a closed <details>
        if text and text != FOLDED_SUMMARY:
            shown.append(text[:200])
    return shown


def committed(path):
    return json.loads((ROOT / path).read_text(encoding="utf-8"))


def _api(lab, method, path):
    request = urllib.request.Request(f"{lab['url']}{path}", method=method, data=b"{}" if method == "POST" else None,
                                     headers={"Authorization": f"token {lab['token']}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read().decode()
        return json.loads(body) if body else None


def test_the_server_enforces_its_token_and_runs_this_environment(lab):
    assert _get(f"{lab['url']}/api/kernelspecs")[0] == 403, "the server answered without a token"
    assert _get(f"{lab['url']}/api/kernelspecs?token={lab['token']}")[0] == 200
    kernel = _api(lab, "POST", "/api/kernels")  # the default kernel, as a new notebook gets it
    try:
        deadline = time.monotonic() + 30
        while not (pids := _kernel_pids(lab["runtime"])) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert pids, "no kernel process started"
        argv0 = (Path("/proc") / str(pids[0]) / "cmdline").read_bytes().split(b"\0")[0].decode()
        assert Path(argv0).parent == Path(sys.executable).parent, f"the kernel runs {argv0}, not this environment"
    finally:
        _api(lab, "DELETE", f"/api/kernels/{kernel['id']}")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_run_all_in_the_browser(browser, lab, name):
    path = f"notebooks/{name}"
    nb = committed(path)
    page = open_notebook(browser, lab, path)
    try:
        # Folded solutions: neither code nor outputs show until the learner unfolds them.
        solutions = sum("solution" in c["metadata"].get("tags", []) for c in nb["cells"])
        assert page.locator(".jp-CodeCell:has(.jp-InputPlaceholder)").count() == solutions
        assert page.locator(".jp-CodeCell:has(.jp-InputPlaceholder) .jp-OutputPlaceholder").count() == sum(
            "solution" in c["metadata"].get("tags", []) and bool(c.get("outputs")) for c in nb["cells"])
        assert not page.get_by_text("official Jupyter news").count(), "the news prompt covers the notebook"

        run_all(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{Path(name).stem}.png")
        assert problems_in(page) == []
        # JupyterLab unfolds every output that runs: a solution's answer stays hidden only inside its <details>.
        assert answers_on_screen(page) == [], "Run All shows a solution's answer"
        details = page.locator(".jp-CodeCell:has(.jp-InputPlaceholder) .jp-OutputArea details")
        assert details.count() == solutions and not page.locator("details[open]").count()
        answer = details.first.locator("pre")
        assert not answer.is_visible()
        details.first.locator("summary").click()  # one click shows it
        assert answer.is_visible() and answer.inner_text().strip()
        page.screenshot(path=SHOTS / f"{Path(name).stem}-solution.png")  # scrolled to the unfolded answer
        figures = sum("image/png" in o.get("data", {}) for c in nb["cells"] if "solution" not in
                      c["metadata"].get("tags", []) for o in c.get("outputs", []))
        assert page.locator(".jp-OutputArea-output img").count() == figures
        if any(bar in "".join(c["source"]) for c in nb["cells"] for bar in ("progress=True", "tqdm(")):
            assert page.locator(".jp-OutputArea-output .widget-hprogress").count() > 0, "no progress widget"
    finally:
        page.close()


def test_a_learnlib_link_opens_the_source(browser, lab):
    page = open_notebook(browser, lab, "notebooks/01_tensors.ipynb")
    try:
        link = page.locator(".jp-RenderedMarkdown a[href*='learnlib/']").first
        target = Path(link.get_attribute("href").split("?")[0]).name  # the href carries an _xsrf query
        link.click()
        tab = page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel", has_text=target)
        tab.first.wait_for(timeout=30_000)
        editor = page.locator(".jp-FileEditor .cm-content").first
        editor.wait_for(timeout=30_000)
        assert "def " in editor.inner_text(), f"{target} opened empty"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"link-{target}.png")
    finally:
        page.close()


def _scratch_notebook(name, cells):
    """Write a notebook of code cells (source, tags, folded) under build/lab-test/ and return its path."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "outputs": [], "source": source,
                     "metadata": {"tags": ["solution"], "jupyter": {"source_hidden": True, "outputs_hidden": True}}
                     if solution else {}} for i, (source, solution) in enumerate(cells)],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (SCRATCH / name).write_text(json.dumps(nb))
    return f"build/lab-test/{name}"


def test_the_check_catches_an_answer_that_run_all_unfolds(browser, lab):
    """A folded solution that prints plainly shows its answer after Run All; one that prints in ll.folded does not."""
    path = _scratch_notebook("answers.ipynb", [
        ("import learnlib as ll", False),
        ("print('plain answer 42')", True),
        ("with ll.folded():\n    print('folded answer 43')", True),
    ])
    page = open_notebook(browser, lab, path)
    try:
        run_all(page, timeout_s=60)
        assert answers_on_screen(page) == ["plain answer 42"]
    finally:
        page.close()


def test_the_check_catches_an_error_and_a_broken_widget(browser, lab):
    """The checks above can fail: a notebook with a widget that cannot render and a cell that raises."""
    broken = {"model_id": "0" * 32, "version_major": 2, "version_minor": 0}  # a widget model that does not exist
    path = _scratch_notebook("broken.ipynb", [
        ("print('fine')", False),
        (f"from IPython.display import display\ndisplay({{'application/vnd.jupyter.widget-view+json': {broken!r},"
         " 'text/plain': 'widget'}, raw=True)", False),
        ("1 / 0", False),
    ])
    page = open_notebook(browser, lab, path)
    try:
        run_all(page, timeout_s=60)
        # The widget manager gives up on a missing model after its own wait: let it (seconds, more under load).
        page.get_by_text("Error displaying widget").first.wait_for(timeout=60_000)
        found = problems_in(page)
        assert any("ZeroDivisionError" in p for p in found), found
        assert any("widget did not render" in p for p in found), found
    finally:
        page.close()
