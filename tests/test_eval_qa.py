"""The QA file loader: a good file, the committed dev set, and bad lines that name the line and the fix."""

import json

import pytest

from rag.errors import BadInput
from rag.evaluation.qa import DEV_SET, load_qa

GOOD = [
    {"id": "q1", "question": "Who is Russia's foreign minister?", "answers": ["Sergey Lavrov", "Lavrov"],
     "sources": ["000_35ceaa0b824bc6bf.txt"], "answerable": True, "kind": "fact"},
    {"question": "Did he meet anyone else?", "answers": ["Haqqani"], "sources": ["001.txt"], "answerable": True,
     "history": [{"role": "user", "content": "Who did the envoy meet?"}, {"role": "assistant", "content": "Muttaqi."}]},
    {"question": "Who won the 2022 World Cup?", "answers": [], "sources": [], "answerable": False},
]


def _write(tmp_path, lines):
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def test_good_file_loads_with_defaults(tmp_path):
    items = load_qa(_write(tmp_path, [*GOOD[:1], "", "# a comment", *GOOD[1:]]))
    assert [i.id for i in items] == ["q1", "line4", "line5"]
    assert items[0].answers == ("Sergey Lavrov", "Lavrov") and items[0].answerable
    assert items[1].history[0] == {"role": "user", "content": "Who did the envoy meet?"}
    assert items[1].kind == "fact" and items[2].kind == "unanswerable" and not items[2].answerable


def test_committed_dev_set_is_valid():
    items = load_qa(DEV_SET)
    assert len(items) >= 40
    assert sum(not i.answerable for i in items) >= 10
    assert sum(bool(i.history) for i in items) >= 5


@pytest.mark.parametrize("bad, words", [
    ("{not json", ["line 2", "not valid JSON"]),
    ("[1, 2]", ["line 2", "JSON object"]),
    ({"answers": ["x"], "sources": [], "answerable": True}, ["line 2", "\"question\" is missing"]),
    ({"question": "Q?", "answers": ["x"], "sources": []}, ["line 2", "\"answerable\" must be true or false"]),
    ({"question": "Q?", "answers": [], "sources": [], "answerable": True}, ["line 2", "at least one gold answer"]),
    ({"question": "Q?", "answers": "Lavrov", "sources": [], "answerable": True},
     ["line 2", "\"answers\" must be a list"]),
    ({"question": "Q?", "answers": ["x"], "sources": [], "answerable": True, "history": [{"role": "bot"}]},
     ["line 2", "\"history\""]),
    ({"id": "q1", "question": "Q?", "answers": ["x"], "sources": [], "answerable": True}, ["line 2", "used twice"]),
])
def test_bad_line_names_the_line_and_the_fix(tmp_path, bad, words):
    with pytest.raises(BadInput) as info:
        load_qa(_write(tmp_path, [GOOD[0], bad]))
    message = str(info.value)
    assert "qa.jsonl" in message
    for w in words:
        assert w in message


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(BadInput, match="No QA file"):
        load_qa(tmp_path / "nope.jsonl")
    with pytest.raises(BadInput, match="holds no questions"):
        load_qa(_write(tmp_path, ["", "# nothing"]))
