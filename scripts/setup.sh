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
