# Two commands for a newcomer:  `make book`  then  `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install book test lab execute benchmark clean

help:
	@echo "make book       create .venv, install everything, build the HTML book into _build/html"
	@echo "make test       run every test: package, notebooks (nbval), book build + HTML checks"
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

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab chapters/

execute: $(STAMP)
	$(BIN)/python tools/notebooks.py execute

benchmark: $(STAMP)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf _build
