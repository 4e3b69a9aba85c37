# PyTorch 2 from Zero. Each target sets itself up: it creates .venv if missing and installs the project
# (pyproject.toml, with the dev extra) into it, again whenever pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to start as root unless told to; containers and cloud machines often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test lint unit nbval notebooks clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

## lab: open JupyterLab on notebooks/ (localhost only, token auth on; the URL with the token is printed)
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=127.0.0.1 $(ALLOW_ROOT)

## test: ruff, the unit tests, and nbval re-executing every notebook in quick mode
test: $(STAMP)
	$(BIN)/ruff check learnlib tests notebooks
	LEARNLIB_QUICK=1 $(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -q

## notebooks: re-execute every notebook in place in full mode, refreshing the committed outputs
notebooks: $(STAMP)
	cd notebooks && for nb in [0-9]*.ipynb; do \
		echo "executing $$nb"; \
		env -u LEARNLIB_QUICK ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache learnlib.egg-info
