#!/usr/bin/env bash
# Idempotent set-up: a project venv with everything the product and its tests need.
# llama-cpp-python compiles from source on first install (about 8 minutes on 2 cores); later runs are quick.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> installing the project and its dependencies (first time: ~10 minutes, llama-cpp-python compiles)"
  .venv/bin/pip install --quiet -e ".[dev]"
  rm -f .venv/.installed-*; touch "$stamp"
fi
# The embedder runs on ONNX Runtime: export the packaged all-MiniLM-L6-v2 once (about 30 s; cached in models/onnx/
# with checksums, so later runs only verify it). Without this step the first `rag` command would do it.
.venv/bin/python -m rag.models.onnx_embedding >/dev/null
