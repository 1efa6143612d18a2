"""Docstring examples are tests too: the library's (chunk boundaries, citation parsing, fusion, gates) and
the app's (markers, highlighting, safe names, example questions)."""

import doctest
import importlib

import pytest

MODULES = ["rag.ingest.chunking", "rag.ingest.cleaning", "rag.ingest.manifest", "rag.ingest.metadata",
           "rag.ingest.near_duplicates", "rag.search.retrieval", "rag.search.followup", "rag.search.dates",
           "rag.text", "rag.answer.grounding", "rag.answer.answer_types", "rag.answer.citations", "rag.answer.gate",
           "rag.answer.reader", "rag.evaluation.calibration", "rag.evaluation.rtqa_run",
           "app.examples", "app.render", "app.session", "app.streaming", "app.uploads"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
