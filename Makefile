# Two commands for a newcomer:  `make book`  then  `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install browser sandbox vendor html book pdf assignments test unit lab execute benchmark clean

help:
	@echo "make book       create .venv, install everything, build the HTML book into _build/html"
	@echo "                (its Chinese edition into _build/html/zh)"
	@echo "                and, where Chromium is installed, its PDF (karpathy-ideas.pdf beside it)"
	@echo "                in both editions"
	@echo "make pdf        the same, installing Chromium (with apt) if it is missing"
	@echo "make test       run every test: package, notebooks (nbval), book build + HTML checks,"
	@echo "                every page in headless Chromium (installed with apt if missing), and"
	@echo "                the notebooks again under another numerical configuration"
	@echo "make unit       only the package's tests (tests marked unit), in under a minute"
	@echo "make assignments  write the student versions of the assignments (nbgrader)"
	@echo "make lab        open Jupyter Lab on the chapters"
	@echo "make execute    re-execute every notebook in place (refresh stored outputs)"
	@echo "make benchmark  run every script in benchmarks/ (figures as JSON on each last line)"
	@echo "make clean      remove the build (keeps .venv)"

install: $(STAMP)

$(STAMP): requirements.txt code/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet -e code
	touch $(STAMP)

# The JavaScript the HTML serves itself (MathJax, RequireJS, the widget manager), pinned
# in web/package.json and fetched from the npm registry at build time.
vendor: $(STAMP)
	$(BIN)/python tools/vendor.py

# bubblewrap, the sandbox in which tools/grading.py runs each student's notebook.
sandbox:
	@command -v bwrap >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq bubblewrap; }

# Debian's Chromium for the browser tests (a test tool's own browser download fails here).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq chromium; }

# The English edition into _build/html, then the Chinese one (tools/i18n.py) into
# _build/html/zh from the same sources and the catalogs in locales/.
html: vendor
	$(BIN)/jupyter-book build . --all --warningiserror --keep-going
	$(BIN)/python tools/i18n.py build --all --warningiserror --keep-going

# The PDF is the book built as one page and printed by Chromium (tools/pdf.py).
book: html
	@if command -v chromium >/dev/null; then $(BIN)/python tools/pdf.py && \
		$(BIN)/python tools/pdf.py --edition zh; \
	else echo "No Chromium, so no PDF (make pdf installs Chromium and prints it)"; fi
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

pdf: html browser
	$(BIN)/python tools/pdf.py
	$(BIN)/python tools/pdf.py --edition zh

# The student versions of the autograded assignments, written by nbgrader from
# assignments/source/ into assignments/student/ (the instructor guide explains the rest).
assignments: $(STAMP)
	$(BIN)/python tools/assignments.py generate

# Every test, strict nbval on every notebook included, with this machine's kernels; then
# the notebooks again, against the same stored outputs, under another numerical
# configuration (other BLAS kernels, no AVX). Each pass runs two test files at a time
# with one thread each (tools/portability.py). Plain `pytest` runs the first pass serially.
test: $(STAMP) browser sandbox
	$(BIN)/python tools/portability.py run --config native
	$(BIN)/python tools/portability.py run --config other chapters assignments/source

# The package's tests alone (marked `unit` in tests/conftest.py): no notebooks, no build.
unit: $(STAMP)
	$(BIN)/python -m pytest -m unit -o addopts="-p no:cacheprovider" tests

lab: $(STAMP)
	$(BIN)/jupyter lab chapters/

execute: $(STAMP)
	$(BIN)/python tools/notebooks.py execute

benchmark: $(STAMP)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf _build web/build
