"""The examples in app/ docstrings (markers, highlighting, safe names, example questions) are tests too."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["app.examples", "app.render", "app.session", "app.streaming", "app.uploads"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
