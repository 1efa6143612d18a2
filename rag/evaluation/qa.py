"""QA files (JSONL, one question per line): load, validate, and say exactly which line is wrong and how to fix it.

Format, one JSON object per line (blank lines and lines starting with `#` are ignored):

    {"id": "q01", "question": "Who is Russia's foreign minister?", "answers": ["Sergey Lavrov", "Lavrov"],
     "sources": ["000_35ceaa0b824bc6bf.txt"], "answerable": true, "kind": "fact"}
    {"id": "q50", "question": "Did he meet any other Taliban leader?", "answers": ["Haqqani"],
     "sources": ["001_2bda4926c132fb46.txt"], "answerable": true, "kind": "followup",
     "history": [{"role": "user", "content": "Who did the envoy meet?"},
                 {"role": "assistant", "content": "Amir Khan Muttaqi."}]}
    {"question": "Who won the 2022 FIFA World Cup?", "answers": [], "sources": [], "answerable": false}

Fields:
- `question` (str, required): what is asked, exactly as a user would type it.
- `answers` (list of str): accepted gold answers; any one counts. Required non-empty when answerable.
- `sources` (list of str): file names (as `Citation.source` shows them) that hold the answer. Empty when
  unanswerable.
- `answerable` (bool, required): false when the articles do not hold the answer (the product should abstain).
- `history` (optional list of {"role": "user"|"assistant", "content": str}): earlier turns, for follow-ups.
- `id` (optional str; default `line<N>`), `kind` (optional str, e.g. fact / followup / unanswerable;
  default `fact` or `unanswerable`), used to group results.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInput

log = logging.getLogger(__name__)

DEV_SET = Path(__file__).resolve().parent.parent / "data" / "dev_questions.jsonl"
_EXAMPLE = ('{"question": "Who is Russia\'s foreign minister?", "answers": ["Lavrov"], '
            '"sources": ["000_35ceaa0b824bc6bf.txt"], "answerable": true}')


@dataclass(frozen=True)
class QAItem:
    """One evaluation question with its gold answers and gold source files."""

    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    answerable: bool
    kind: str = "fact"
    history: tuple[dict[str, str], ...] = field(default_factory=tuple)


def load_qa(path: str | Path) -> list[QAItem]:
    """Every question of a QA file; raises BadInput naming the file, the line and the fix."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise BadInput(f"No QA file at {path}. Give a JSONL file (one question per line), e.g. "
                       f"`rag eval {DEV_SET.name}`; the format is documented in rag/evaluation/qa.py.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path.name} is not UTF-8 text. Re-save it as UTF-8 JSONL.") from None
    items: list[QAItem] = []
    seen: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = parse_line(line, lineno, path.name)
        if item.id in seen:
            raise BadInput(f"{path.name} line {lineno}: the id {item.id!r} is used twice. Give each question "
                           "its own id (or drop the id field).")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise BadInput(f"{path.name} holds no questions. Add one JSON object per line, e.g. {_EXAMPLE}")
    log.info("loaded %d questions from %s", len(items), path)
    return items


def parse_line(line: str, lineno: int, name: str = "QA file") -> QAItem:
    """One JSONL line -> QAItem, or BadInput saying what is wrong with that line and how to fix it."""
    where = f"{name} line {lineno}"
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}). Each line must be one "
                       f"JSON object, e.g. {_EXAMPLE}") from None
    if not isinstance(rec, dict):
        raise BadInput(f"{where}: expected a JSON object {{...}}, got {type(rec).__name__}. E.g. {_EXAMPLE}")
    question = rec.get("question")
    if not isinstance(question, str) or not question.strip():
        raise BadInput(f"{where}: \"question\" is missing or empty. Add the question text, e.g. {_EXAMPLE}")
    answerable = rec.get("answerable")
    if not isinstance(answerable, bool):
        raise BadInput(f"{where}: \"answerable\" must be true or false (got {answerable!r}). Use false when "
                       "the articles do not hold the answer.")
    answers = _str_list(rec.get("answers", []), "answers", where)
    sources = _str_list(rec.get("sources", []), "sources", where)
    if answerable and not answers:
        raise BadInput(f"{where}: an answerable question needs at least one gold answer in \"answers\" "
                       "(e.g. [\"Sergey Lavrov\", \"Lavrov\"]), or set \"answerable\": false.")
    history = _history(rec.get("history") or [], where)
    default_kind = "fact" if answerable else "unanswerable"
    return QAItem(id=str(rec.get("id") or f"line{lineno}"), question=question.strip(), answers=tuple(answers),
                  sources=tuple(sources), answerable=answerable, kind=str(rec.get("kind") or default_kind),
                  history=tuple(history))


def _str_list(value: Any, name: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BadInput(f"{where}: \"{name}\" must be a list of non-empty strings (got {value!r}), "
                       f"e.g. \"{name}\": [\"...\"] or [].")
    return [v.strip() for v in value]


def _history(value: Any, where: str) -> list[dict[str, str]]:
    ok = isinstance(value, list) and all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
        for t in value)
    if not ok:
        raise BadInput(f"{where}: \"history\" must be a list of {{\"role\": \"user\"|\"assistant\", "
                       f"\"content\": \"...\"}} turns (got {value!r}).")
    return [{"role": t["role"], "content": t["content"]} for t in value]
