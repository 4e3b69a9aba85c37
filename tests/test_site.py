"""The course site (`make site`) in a real browser, as a reader meets it: opened from the local files.

The test builds the site through `make site` itself, then opens every page in Chromium (playwright, as
tests/test_lab.py does) straight from build/site/html/ with file:// URLs, so it also proves that nothing needs
a server or the network. It checks, as a reader: every page loads with no console error and requests nothing
from outside the build; every figure is an image that loaded; every internal link points at a page (and an
anchor) that exists; math is typeset by the bundled MathJax; the Chinese headings render with a real font;
search finds a word from notebook 07; and a solution is hidden until its summary is clicked.
Screenshots go to build/site-screenshots/ for a person to look at.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "build" / "site" / "html"
SHOTS = ROOT / "build" / "site-screenshots"
FOLDED_SUMMARY = "Output: click to show"  # learnlib.exercises.folded's default

pytestmark = [
    pytest.mark.notebooks,  # builds the site and opens about 60 pages: not part of `make unit`
    pytest.mark.skipif(sys.version_info < (3, 11), reason="the site's Sphinx needs Python 3.11"),
]


@pytest.fixture(scope="module")
def site():
    make = shutil.which("make")
    assert make, "make is needed to build the site"
    proc = subprocess.run([make, "-s", "site"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"make site failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert (HTML / "index.html").is_file()
    SHOTS.mkdir(parents=True, exist_ok=True)
    return HTML


@pytest.fixture(scope="module")
def browser(site, chromium):  # tests/conftest.py starts it (or skips, or fails where CI requires it)
    return chromium


def pages(site):
    """Every page of the site a reader can reach, as paths relative to the build."""
    skip = {"genindex.html", "search.html"}
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not p.relative_to(site).parts[0].startswith("_") and p.name not in skip)


class Visit:
    """A page opened in the browser, with what it logged and requested."""

    def __init__(self, browser, path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors, self.outside = [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: None if r.url.startswith(("file://", "data:", "blob:"))
                     else self.outside.append(r.url))
        self.page.goto((HTML / path).as_uri())
        self.page.wait_for_load_state("load")

    def close(self):
        self.page.close()


def anchors_of(html_file):
    return set(re.findall(r'\bid="([^"]+)"', html_file.read_text()))


def test_every_page_loads_cleanly_with_its_figures_and_links(site, browser):
    all_pages = pages(site)
    assert sum(p.startswith("notebooks/") and p.count("/") == 1 for p in all_pages) == 10  # one page per notebook
    assert "learnlib/train.py.html" in all_pages and "learnlib/index.html" in all_pages
    anchors = {}
    for path in all_pages:
        visit = Visit(browser, path)
        page = visit.page
        assert visit.errors == [], f"{path}: console errors {visit.errors}"
        assert visit.outside == [], f"{path}: requests outside the build {visit.outside}"
        broken = page.eval_on_selector_all("img", "imgs => imgs.filter(i => !i.complete || i.naturalWidth === 0)"
                                                  ".map(i => i.src)")
        assert broken == [], f"{path}: images that did not load: {broken}"
        for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
            url = urlparse(href)
            if url.scheme != "file":
                continue
            target = Path(unquote(url.path))
            assert target.is_file(), f"{path}: the link {href} points at nothing"
            if url.fragment and target.suffix == ".html":
                if target not in anchors:
                    anchors[target] = anchors_of(target)
                assert unquote(url.fragment) in anchors[target], f"{path}: no anchor #{url.fragment} in {target.name}"
        visit.close()


def test_notebook_pages_show_figures_math_and_chinese_headings(site, browser):
    visit = Visit(browser, "notebooks/08_distributed_training.html")
    page = visit.page
    assert page.locator("h1").first.inner_text().endswith("分布式训练")
    assert "分布式训练" in page.title()  # the bilingual heading is the page title too
    nav = page.locator("nav.bd-docs-nav").inner_text()
    assert "Notebooks · 笔记本" in nav and "05 · Fine-tuning on CIFAR-10 · 预训练模型微调" in nav
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    assert page.locator("mjx-container").count() > 0, "no math typeset"
    assert page.locator("mjx-merror").count() == 0, "MathJax reported an error"
    # Chinese text drawn with a real font is wider than the missing-glyph boxes the same count of unknown
    # characters would give (tofu), and its width differs from theirs.
    widths = page.evaluate("""() => {
        const c = document.createElement('canvas').getContext('2d');
        c.font = getComputedStyle(document.querySelector('h1')).font;
        return [c.measureText('分布式训练').width, c.measureText('\\uFFFF\\uFFFF\\uFFFF\\uFFFF\\uFFFF').width];
    }""")
    assert widths[0] != widths[1], "the Chinese heading renders as missing-glyph boxes: install a CJK font"
    page.screenshot(path=SHOTS / "08-top.png")
    page.locator("mjx-container").first.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "08-math.png")
    visit.close()
    visit = Visit(browser, "notebooks/05_cifar10_finetuning.html")
    figures = visit.page.locator("img")
    assert figures.count() >= 4  # the data, the results, the training curves, the errors
    figures.nth(3).scroll_into_view_if_needed()
    visit.page.screenshot(path=SHOTS / "05-figure.png")
    visit.close()


def test_code_cells_have_a_copy_button(site, browser):
    visit = Visit(browser, "notebooks/01_tensors.html")
    assert visit.page.locator("button.copybtn").count() > 10
    visit.close()


def test_search_finds_a_word_from_notebook_07(site, browser):
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto((HTML / "search.html").as_uri() + "?q=KV+cache")
    page.wait_for_selector("#search-results li", timeout=30_000)
    hits = page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.href)")
    assert any("notebooks/07_char_gpt_lora.html" in h for h in hits), hits[:10]
    assert errors == []
    page.screenshot(path=SHOTS / "search.png")
    page.close()


def test_a_solution_is_hidden_until_clicked(site, browser):
    visit = Visit(browser, "notebooks/04_cnn_mnist.html")
    page = visit.page
    answer = page.locator("details", has=page.locator(f"summary:text-is('{FOLDED_SUMMARY}')")).first
    answer.scroll_into_view_if_needed()
    text = answer.locator("pre")
    assert answer.get_attribute("open") is None and not text.is_visible(), "a solution's output shows unclicked"
    code = page.locator("details.hide.above-input").first  # myst-nb's fold of a solution's code
    assert code.get_attribute("open") is None
    page.screenshot(path=SHOTS / "04-solution-folded.png")
    answer.locator("summary").click()
    assert text.is_visible() and text.inner_text().strip(), "one click does not reveal the answer"
    page.screenshot(path=SHOTS / "04-solution-open.png")
    visit.close()
