"""Event handlers: parse what the page sent -> call the RAG API -> render. RagError -> a Gradio message."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterator, Sequence

import gradio as gr

from rag import RAG, Answer, RagError
from rag.answer.question import clean as clean_question
from rag.search.dates import parse_user_date

from . import render
from .render import esc
from .session import Turn, history
from .streaming import in_thread
from .uploads import MAX_FILES, discard, stage

log = logging.getLogger(__name__)

ChatOut = tuple[Any, Any, list[Turn]]  # (chatbot messages, sources HTML, turns)


def user_message(exc: BaseException) -> str:
    """What a person sees for an error: a RagError's own message names the fix; anything else is a bug."""
    if isinstance(exc, RagError):
        return str(exc)
    return (f"Something went wrong inside the app ({type(exc).__name__}: {exc}). "
            "Try again; if it keeps happening, the terminal running `python -m app` has the details.")


class Handlers:
    """The app's behaviour, one method per event, over one shared RAG (conversation lives in gr.State)."""

    def __init__(self, rag: RAG, upload_dir: Path, max_upload_files: int = MAX_FILES) -> None:
        self.rag = rag
        self.upload_dir = Path(upload_dir)
        self.max_upload_files = max_upload_files

    # ------------------------------------------------------------------ chat
    def submit(self, question: str, turns: list[Turn]) -> tuple[str, Any, list[Turn]]:
        """Show the question at once (before the queue); the answer follows in `respond`."""
        if not (question or "").strip():
            raise gr.Error("Type a question about the articles first, or pick one of the examples.",
                           print_exception=False)
        try:  # the pipeline's own check: control characters only, undecodable text (its length: in the answer)
            question = clean_question(question)
        except RagError as exc:
            raise gr.Error(esc(str(exc)), print_exception=False) from None
        turns = [*(turns or []), Turn(question, status="Searching the articles…")]
        return "", render.chat_messages(turns), turns

    def respond(self, turns: list[Turn], top_k: float | None = None, temperature: float | None = None,
                max_passages: float | None = None, since: str | None = None, until: str | None = None,
                outlets: Sequence[str] | None = None, as_of: str | None = None) -> Iterator[ChatOut]:
        """Stream the answer to the last turn's question into the chat, then show its sources.

        since / until / outlets limit the articles used; as_of is the date "this week" in a question means."""
        if not turns or turns[-1].done:
            return
        turn = turns[-1]
        turn.status = ""
        yield render.chat_messages(turns), render.sources_html(turn), turns
        options: dict[str, Any] = dict(top_k=_int(top_k), temperature=_float(temperature),
                                       max_passages=_int(max_passages))
        try:
            options.update(filter_options(since=since, until=until, outlets=outlets, as_of=as_of))
        except BadFilter as exc:  # said in the chat; the box already warned when it was left (check_dates)
            turn.error = str(exc)
            yield render.chat_messages(turns), render.sources_html(turn), turns
            return
        try:
            pieces = in_thread(lambda: self.rag.stream(turn.question, history=history(turns[:-1]), **options))
            for item in pieces:
                if isinstance(item, Answer):
                    turn.answer = item
                else:
                    turn.partial += item
                    yield render.chat_messages(turns), gr.skip(), turns
        except Exception as exc:  # noqa: BLE001 - every failure must reach the person asking
            if not isinstance(exc, RagError):
                log.exception("answering %r failed", turn.question)
            turn.error = user_message(exc)
            gr.Warning(esc(turn.error))
        yield render.chat_messages(turns), render.sources_html(turn), turns

    def stop(self, turns: list[Turn]) -> ChatOut:
        """The Stop button (it also cancels the running answer): keep what streamed, mark it stopped."""
        turns = list(turns or [])
        if turns and not turns[-1].done:
            turns[-1].stopped = True
        last = turns[-1] if turns else None
        return render.chat_messages(turns), render.sources_html(last), turns

    def clear(self) -> ChatOut:
        return [], render.EMPTY_SOURCES, []

    def select_turn(self, turns: list[Turn], evt: gr.SelectData) -> str:
        """Clicking an earlier message shows that turn's sources."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not isinstance(index, int) or not turns:
            return render.sources_html(turns[-1] if turns else None)
        return render.sources_html(turns[min(index // 2, len(turns) - 1)])

    @staticmethod
    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value or "")

    @staticmethod
    def check_dates(since: str | None, until: str | None, as_of: str | None) -> None:
        """When a date box loses focus: a date that does not parse is named at once (the answer would say so too)."""
        try:
            filter_options(since=since, until=until, as_of=as_of)
        except RagError as exc:
            gr.Warning(esc(str(exc)))

    def outlet_filter(self) -> Any:
        """The Outlets box's choices: every outlet in the corpus, with its article count."""
        return gr.Dropdown(choices=outlet_choices(self.articles()))

    # ------------------------------------------------------------------ corpus
    def articles(self) -> list[Any]:
        try:
            return self.rag.articles()
        except RagError:  # no index yet: the corpus panel says so and offers the upload
            return []

    def corpus(self) -> tuple[str, str, Any]:
        """(corpus table, header, accordion label): refreshed on page load and after uploads."""
        articles = self.articles()
        return (render.corpus_html(articles), render.header_html(articles, self.rag.model_name),
                gr.Accordion(label=corpus_label(articles)))

    def upload(self, files: Sequence[str] | None,
               progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 - how Gradio injects it
        """Copy uploaded files into the uploads folder and ingest them with the same rules as `rag ingest`."""
        if not files:
            raise gr.Error("Choose one or more .txt, .md or .html files first, then press “Add to the corpus”.",
                           print_exception=False)
        staged = stage(files, self.upload_dir, max_bytes=self.rag.settings.max_file_bytes,
                       max_files=self.max_upload_files)
        for reason in staged.rejected:
            gr.Warning(esc(reason))
        for note in staged.renamed:
            gr.Info(esc(note))
        notes = [*staged.rejected, *staged.renamed]
        summary = "Nothing was added."
        if staged.saved:
            progress(0, desc="Reading the files…")

            def step(done: int, total: int, what: str) -> None:
                progress((done, total), desc=f"Embedding {what}" if what else "Embedding passages", unit="chunks")

            try:
                report = self.rag.ingest(staged.saved, progress=step)
            except Exception as exc:  # noqa: BLE001 - shown to the person uploading
                if not isinstance(exc, RagError):
                    log.exception("ingesting uploads failed")
                raise gr.Error(esc(user_message(exc)), print_exception=False) from None
            # A file the ingest refused (binary, not UTF-8, no text) is not left behind in the uploads folder.
            refused = {getattr(skip, "where", None) for skip in report.skipped}
            discard(p for p in staged.created if p.name in refused or str(p) in refused)
            for line in report.warnings(more="the upload status lists every one"):
                gr.Warning(esc(line))
            notes.extend(str(reason) for reason in report.skipped)
            summary = f"Uploaded {len(staged.saved)} file(s): {report.summary()}."
            gr.Info(esc(summary))
        table, header, accordion = self.corpus()
        status = render.upload_status_html(summary, notes)
        return table, header, accordion, None, status

    # ------------------------------------------------------------------ API
    def ask_api(self, question: str, since: str | None = None, until: str | None = None,
                outlets: list[str] | str | None = None, as_of: str | None = None) -> dict[str, Any]:
        """Answer one question from the articles; returns the JSON of `rag ask --json`.

        Optional: since / until (YYYY-MM-DD) and outlets (a list, or names separated by commas) limit the
        articles used; as_of (YYYY-MM-DD, default today) is the date "this week" in the question is read against.
        """
        try:
            scope = filter_options(since=since, until=until, outlets=outlets, as_of=as_of, boxes=API_NAMES)
            return self.rag.ask(question, **scope).to_json()
        except Exception as exc:  # noqa: BLE001 - API callers get the same message as people
            if not isinstance(exc, RagError):
                log.exception("/ask failed for %r", question)
            raise gr.Error(user_message(exc), print_exception=False) from None


class BadFilter(RagError):
    """A filter box (Since, Until, As of) holds something that is not a date."""


BOX_NAMES = {"since": "The “Since” box", "until": "The “Until” box", "as_of": "The “As of” box"}  # the page
API_NAMES = {"since": "since", "until": "until", "as_of": "as_of"}  # the /ask parameters


def filter_options(since: Any = None, until: Any = None, outlets: Any = None, as_of: Any = None,
                   boxes: dict[str, str] = BOX_NAMES) -> dict[str, Any]:
    """The filter boxes as `RAG.stream` options (dates parsed; blank = no limit); BadFilter names the box.

    >>> filter_options(since=" 2023-03-01 ", until="", outlets=["BBC", ""])
    {'outlets': ['BBC'], 'since': datetime.date(2023, 3, 1), 'until': None, 'as_of': None}
    """
    if isinstance(outlets, str):
        outlets = outlets.split(",")
    options: dict[str, Any] = {"outlets": [o.strip() for o in outlets or () if o and o.strip()] or None}
    for name, value in (("since", since), ("until", until), ("as_of", as_of)):
        text = " ".join(str(value or "").split())
        try:
            options[name] = parse_user_date(text) if text else None
        except RagError as exc:
            raise BadFilter(f"{boxes[name]}: {exc}") from None
    return options


def outlet_choices(articles: Sequence[Any]) -> list[tuple[str, str]]:
    """(label, value) per outlet, most articles first: [("BBC (12)", "BBC"), …]."""
    counts: dict[str, int] = {}
    for a in articles:
        if a.outlet:
            counts[a.outlet] = counts.get(a.outlet, 0) + 1
    return [(f"{o} ({n})", o) for o, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))]


def corpus_label(articles: Sequence[Any]) -> str:
    return f"Articles in the corpus ({render.corpus_summary(articles)})"


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)
