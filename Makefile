# Two entry points on a fresh Debian/Ubuntu machine: `make paper` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= all
SNAKEMAKE_ARGS ?=

.PHONY: paper test setup latex lint bench clean mutants

paper: setup latex
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS)
	@echo "paper: results/paper.pdf"

test: setup latex
	$(BIN)/pytest

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

latex:
	tools/ensure-latex.sh

lint: setup
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile rules

# Mutation testing of the science modules (tools/mutants.toml: module -> the tests that guard it), one
# module at a time at low priority; MODULES="geometry symmetry" for a few. Scores: build/mutants/summary.json.
MODULES ?=
MUTANT_JOBS ?= 2

mutants: setup $(VENV)/.mutmut
	nice -n 10 $(BIN)/python tools/mutants.py --children $(MUTANT_JOBS) $(MODULES)

$(VENV)/.mutmut: requirements-mutants.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-mutants.txt
	touch $@

bench: setup
	$(BIN)/python bench/trainer.py

clean:
	rm -rf results logs .snakemake
