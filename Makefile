# Setup is two commands: `make demo` and `make test`. The venv lives in .venv (git-ignored).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PROFILE ?= release
MATURIN_FLAGS := $(if $(filter release,$(PROFILE)),--release,)
SHARED := ../shared

.PHONY: build test test-rust test-python lint demo bench clean

$(VENV)/.deps: requirements-dev.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Builds the extension into the venv (no tests).
build: $(VENV)/.deps
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/maturin develop --quiet $(MATURIN_FLAGS)

test-rust:
	cargo fmt --check
	cargo test --quiet
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --features python --lib -- -D warnings

lint: $(VENV)/.deps
	$(VENV)/bin/ruff check python tests benches
	MYPYPATH=python $(VENV)/bin/mypy --strict -p hft_ws
	$(PY) -m mypy.stubtest hft_ws._core --allowlist .stubtest-allowlist

test-python: build
	$(PY) -m pytest -q tests/python

test: build test-rust lint test-python

# Replays every recording (fast), then runs the library live against the simulator with faults for
# DEMO_SECONDS and audits it; non-zero exit on any book mismatch or unreported loss.
DEMO_SECONDS ?= 30
demo: build
	$(PY) -m hft_ws.demo --shared $(SHARED) --seconds $(DEMO_SECONDS)

bench: build
	cargo bench --bench frame --bench book --bench mexc --bench gate
	$(PY) -m pytest -q benches/python --benchmark-only
	$(PY) benches/compare.py

clean:
	rm -rf $(VENV) target
