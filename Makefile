# Two commands for a newcomer:  `make book`  then  `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install colab-env browser sandbox vendor html book pdf bundle assignments publish lint test unit lab execute benchmark clean

help:
	@echo "make book       create .venv, install everything, build the HTML book into _build/html"
	@echo "                (its Chinese edition into _build/html/zh)"
	@echo "                and, where Chromium is installed, its PDF (karpathy-ideas.pdf beside it)"
	@echo "                in both editions"
	@echo "make pdf        the same, installing Chromium (with apt) if it is missing"
	@echo "make bundle     the book as one download for offline readers: both editions,"
	@echo "                the notebooks and the package (_build/karpathy-ideas-offline.zip)"
	@echo "make test       run every test: package, notebooks (nbval), book build + HTML checks,"
	@echo "                every page in headless Chromium (installed with apt if missing), and"
	@echo "                the notebooks again under another numerical configuration"
	@echo "make unit       only the package's tests (tests marked unit), in under a minute"
	@echo "make lint       the linter alone (ruff, configured in ruff.toml); make test runs it"
	@echo "make assignments  write the student versions of the assignments (nbgrader)"
	@echo "make publish    write the public edition (no solutions, hidden tests or rubric)"
	@echo "                into _build/public"
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
	$(BIN)/python -m tools.vendor

# A second environment with Colab's versions of what the book imports (tools/colab.py),
# in which tests/test_colab.py drives every widget and runs every notebook's setup cells.
colab-env: $(STAMP)
	$(BIN)/python -m tools.colab env

# bubblewrap, the sandbox in which tools/grading.py runs each student's notebook.
sandbox:
	@command -v bwrap >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq bubblewrap; }

# Debian's Chromium for the browser tests (a test tool's own browser download fails here).
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq chromium; }

# The book's JavaScript, the English edition into _build/html, then the Chinese one into
# _build/html/zh from the same sources and the catalogs in locales/ (tools/book.py).
html: $(STAMP)
	$(BIN)/python -m tools.book

# The PDF is the book built as one page and printed by Chromium (tools/pdf.py).
book: html
	@if command -v chromium >/dev/null; then $(BIN)/python -m tools.pdf && \
		$(BIN)/python -m tools.pdf --edition zh; \
	else echo "No Chromium, so no PDF (make pdf installs Chromium and prints it)"; fi
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

pdf: html browser
	$(BIN)/python -m tools.pdf
	$(BIN)/python -m tools.pdf --edition zh

# The book as one zip for readers without Colab or a network (tools/bundle.py): both
# editions of the site, every notebook, the package and the pinned requirements.
bundle: book
	$(BIN)/python -m tools.bundle

# The student versions of the autograded assignments, written by nbgrader from
# assignments/source/ into assignments/student/ (the instructor guide explains the rest).
assignments: $(STAMP)
	$(BIN)/python -m tools.assignments generate

# The public edition, into _build/public: the committed tree without the instructors'
# material (tools/publish.py, instructors.md "Two repositories"); it fails if a line of a
# solution would be in it.
publish: $(STAMP)
	rm -rf _build/public
	$(BIN)/python -m tools.publish _build/public

# The linter: the package and the notebooks at the width the book's pages print (88),
# the tools and tests at 100 (ruff.toml).
lint: $(STAMP)
	$(BIN)/ruff check .

# The linter, then every test, strict nbval on every notebook included, with this
# machine's kernels; then the notebooks again, against the same stored outputs, under
# another numerical configuration (other BLAS kernels, no AVX). Each pass runs two test
# files at a time with one thread each (tools/portability.py). Plain `pytest` runs the
# first pass serially.
test: $(STAMP) colab-env browser sandbox lint
	$(BIN)/python -m tools.portability run --config native
	$(BIN)/python -m tools.portability run --config other chapters $(wildcard assignments/source)

# The package's tests alone (marked `unit` in tests/conftest.py): no notebooks, no build.
unit: $(STAMP)
	$(BIN)/python -m pytest -m unit -o addopts="-p no:cacheprovider" tests

lab: $(STAMP)
	$(BIN)/jupyter lab chapters/

execute: $(STAMP)
	$(BIN)/python -m tools.notebooks execute

benchmark: $(STAMP)
	for name in captioner charlm cnn conv gan_modes gpt grading mlp notebook_times page_speed rnn vae; do \
		$(BIN)/python -m benchmarks.$$name || exit 1; done

clean:
	rm -rf _build web/build
