# The commands in README.md. `make demo` and `make test` do all the set-up themselves on a fresh
# Debian machine: Debian packages (when run as root), then the virtual environment in .venv.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Any CPython 3.10-3.12 will do (mediapipe 0.10.21 has no wheels for 3.13).
PYTHON ?= $(shell for p in python3.11 python3.12 python3.10 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3,10) <= sys.version_info[:2] <= (3,12))' 2>/dev/null \
	&& { echo $$p; break; }; done)
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-output

.PHONY: help bootstrap demo test test-fast lint format bench gallery clean

help:
	@echo "make demo   - set everything up, then run a complete headless demo interview"
	@echo "make test   - set everything up, then run lint and the whole test suite"
	@echo "make lint   - ruff, mypy and import-linter"
	@echo "make bench  - benchmarks (figures and ratios against an in-run baseline)"
	@echo "make gallery - every screen under Xvfb, zh and en, 1920x1080 and 1366x768, to docs/gallery"
	@echo "make format - ruff format and fix"

bootstrap: $(STAMP)

$(STAMP): pyproject.toml packaging/bootstrap-system.sh
	@packaging/bootstrap-system.sh
	@test -n "$(PYTHON)" || { echo "make: need Python 3.10-3.12 (python3.11 recommended)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@# mediapipe depends on the non-headless OpenCV, whose cv2/ shares a folder with the headless
	@# build and brings Qt5 plugins that break PySide6: remove it and restore the headless files.
	$(BIN)/python -m pip uninstall --quiet -y opencv-contrib-python opencv-python
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps \
		"$$($(BIN)/python -c 'import importlib.metadata as m; print("opencv-contrib-python-headless==" + m.version("opencv-contrib-python-headless"))')"
	$(BIN)/python -c "import cv2, mediapipe, PySide6.QtWidgets, faster_whisper, sounddevice"
	@touch $@

demo: $(STAMP)
	$(BIN)/kiosk demo --out $(DEMO_OUT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy kiosk hardware models sync ui scripts benchmarks
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m benchmarks

gallery: $(STAMP)
	$(BIN)/python scripts/gallery.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(DEMO_OUT) build *.egg-info
