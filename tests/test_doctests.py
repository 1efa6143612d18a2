"""Docstring examples are tests too: every module of the library and the app that has one (chunk boundaries,
citation parsing, fusion, gates, sentence choice, answer shapes; the app's markers, highlighting, safe names)."""

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _modules_with_examples() -> list[str]:
    """Found by reading the files (no import): a new module's examples cannot be left out by a stale list."""
    names = []
    for package in ("rag", "app"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if ">>>" in path.read_text(encoding="utf-8"):
                names.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return names


MODULES = _modules_with_examples()


def test_the_modules_with_examples_are_found():
    assert {"rag.answer.selection", "rag.answer.open_answer", "rag.text"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
