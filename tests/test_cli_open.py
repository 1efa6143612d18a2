"""`rag ask` and `rag chat` printing open answers on fakes: bullets as lines, the mode line, --json's kind and mode."""

from __future__ import annotations

import io
import json
import re

import pytest

from rag import RAG, Answer, Citation
from rag import pipeline as pipeline_module
from rag.cli import format_tail, main, mode_line

from .conftest import FakeGenerator

LIST_Q = "What kinds of cooperation did Russia and the Taliban discuss?"
WHY_Q = "Why did Russia decide to recognise the Taliban government?"


@pytest.fixture
def cli_rag(monkeypatch, settings, fake_embedder, fake_rag):
    """`rag …` in this process, its RAG on fakes over the ingested seeds; the replies queue for a chat model."""
    replies: list[str] = []
    chat = {"on": False}

    def make(_settings):
        written = settings.with_overrides(open_answers="written") if chat["on"] else settings
        return RAG(written, embedder=fake_embedder, generator=FakeGenerator(replies, chat=chat["on"]))

    monkeypatch.setattr(pipeline_module, "RAG", make)
    return replies, chat


def test_mode_line_is_said_under_open_answers_only():
    cite = Citation(n=1, source="a.txt", title="T", text="Passage.", quote="Passage.")
    assert mode_line(Answer("q", "A [1].", False, [cite], kind="why", mode="quoted")) == "(Quoted from the articles)"
    assert mode_line(Answer("q", "A [1].", False, [cite], kind="list", mode="written")) == \
        "(Written by the model from the articles)"
    assert mode_line(Answer("q", "Zhirnov [1]", False, [cite])) == ""  # a factoid: as before
    assert mode_line(Answer("q", "The articles don't say.", True, kind="why")) == ""
    factoid = Answer("q", "Zhirnov [1]", False, [cite])
    assert format_tail(factoid).startswith("[1] T (undated; a.txt)")


def test_rag_ask_prints_bullets_as_lines_then_the_mode_line_then_every_source(cli_rag, capsys):
    assert main(["ask", LIST_Q]) == 0
    out = capsys.readouterr().out.splitlines()
    bullets = [line for line in out if line.startswith("- ")]
    assert len(bullets) >= 2 and out[: len(bullets)] == bullets  # the answer first, one line per bullet
    assert out[len(bullets)] == "(Quoted from the articles)"
    cited = {int(n) for line in bullets for n in re.findall(r"\[(\d+)\]", line)}
    sources = [line for line in out[len(bullets) + 1:] if line.startswith("[")]
    assert {int(line[1:line.index("]")]) for line in sources} == cited


def test_rag_ask_json_carries_kind_and_mode(cli_rag, capsys):
    assert main(["ask", LIST_Q, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["kind"] == "list" and got["mode"] == "quoted" and got["answer"].startswith("- ")
    assert main(["ask", "Who is Russia's ambassador to Afghanistan?", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "factoid"


def test_rag_chat_says_how_each_open_answer_was_made(cli_rag, capsys, monkeypatch):
    replies, chat = cli_rag
    chat["on"] = True
    replies.append("Russia recognised the Taliban government [1]. Moscow wanted economic ties [2].")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{WHY_Q}\nexit\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "(Written by the model from the articles)" in out
    answer_part = out.split("news> ", 1)[1]
    assert answer_part.index("from the articles)") < answer_part.index("\n[1] ")  # the label, then the sources
