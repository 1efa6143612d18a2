"""The only place that wires the stages together: RAG.ingest / RAG.ask / RAG.stream.

    question -> follow-up rewrite -> Hit[] (hybrid) -> numbered sentences -> gate -> reader (LLM, streamed)
             -> answer text with [n] -> grounding check -> Answer with Citation[]
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from .answer import chat_output, gate, prompts
from .search import passages as psg
from .answer.citations import apply_mapping, citation, citations_for, find_source, renumber
from .config import Settings
from .models.embedding import Embedder, SentenceEmbedder
from .errors import BadQuestion, NoIndex
from .search.followup import normalise_history, rewrite
from .models.generation import Generator, LlamaGenerator
from .models.presets import model_file, resolve_name
from .answer.grounding import check_answer
from .ingest.indexing import Progress, ingest
from .answer.reader import chat_prefix, read, sentences_to_read
from .records import Answer, Claim, Hit, IngestReport, Passage, Timings
from .search.retrieval import Retriever
from .store import ChromaStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Article:
    """One ingested article, as the corpus panel lists it."""

    source: str
    title: str
    outlet: str
    chunks: int
    key: str


CLOSEST = 3  # sentences an abstention lists as the closest the articles came to an answer


class RAG:
    """The product's public API. `RAG()` uses the defaults; models load on first use (or `load()`)."""

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 generator: Generator | None = None, **overrides: Any) -> None:
        self.settings = (settings or Settings.from_env()).with_overrides(**overrides)
        self._embedder = embedder
        self._generator = generator
        self._store: ChromaStore | None = None
        self._retriever: Retriever | None = None

    # ------------------------------------------------------------------ components (lazy)
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = SentenceEmbedder(self.settings.embedder or None)
        return self._embedder

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            s = self.settings
            path = model_file(s.model or s.model_path, s.models_dir)
            self._generator = LlamaGenerator(path, n_ctx=s.n_ctx, n_threads=s.n_threads, name=self.model_name)
            # Later prompts reuse the KV cache of their fixed head: the few-shot prefix, or the chat examples.
            self._generator.warm(chat_prefix() if self._generator.has_chat_template else prompts.FEW_SHOT_PREFIX)
        return self._generator

    def store(self, create: bool = False) -> ChromaStore:
        if self._store is None:
            s = self.settings
            self._store = ChromaStore(path=s.index_dir, host=s.chroma_host, port=s.chroma_port,
                                      collection=s.collection, create=create)
        return self._store

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever(self.store(), self.embedder, candidates=self.settings.candidates,
                                        rrf_k=self.settings.rrf_k)
        return self._retriever

    def load(self) -> RAG:
        """Load both models now (the app does this at start-up, before the first question)."""
        _ = self.embedder, self.generator
        return self

    @property
    def model_name(self) -> str:
        if self._generator is not None:
            return self._generator.name
        model = self.settings.model or self.settings.model_path
        preset = resolve_name(model)
        return preset.name if preset is not None else Path(model).name

    # ------------------------------------------------------------------ ingest
    def ingest(self, paths: Iterable[str | Path] | str | Path = ("seeds",),
               progress: Progress | None = None) -> IngestReport:
        if isinstance(paths, (str, Path)):
            paths = [paths]
        s = self.settings
        report = ingest(paths, store=self.store(create=True), embed=lambda texts: self.embedder.embed(texts),
                        chunk_chars=s.chunk_chars,
                        overlap=s.chunk_overlap_sentences, max_file_bytes=s.max_file_bytes, progress=progress)
        if self._retriever is not None:
            self._retriever.invalidate()
        return report

    def articles(self) -> list[Article]:
        """Every ingested article with its chunk count, in source order."""
        counts: dict[str, list[Any]] = {}
        for c in self.store().all_chunks():
            entry = counts.setdefault(c.doc_key, [c.source, c.title, c.outlet, 0])
            entry[3] += 1
        return sorted((Article(src, title, outlet, n, key) for key, (src, title, outlet, n) in counts.items()),
                      key=lambda a: (a.source, a.key))

    # ------------------------------------------------------------------ query
    def retrieve(self, question: str, top_k: int | None = None) -> list[Hit]:
        self._check_question(question)
        if self.store().count() == 0:
            raise NoIndex(f"The index at {self.store().where} is empty: run `rag ingest seeds/` first.")
        return self.retriever.search(question, top_k or self.settings.top_k)

    def passages(self, question: str, history: Any = None, settings: Settings | None = None
                 ) -> tuple[str, list[Passage]]:
        """The retrieval query (follow-ups rewritten) and the best sentences, numbered: the reader sees the
        first `reads(settings)`; an abstention lists up to CLOSEST."""
        s = settings or self.settings
        query = rewrite(question, normalise_history(history))
        hits = self.retrieve(query, s.top_k)
        scored = psg.score_sentences(query, psg.candidate_sentences(hits), self.embedder, question)
        gen = self.generator
        return query, psg.select(scored, max_passages=max(self.reads(s), CLOSEST), token_budget=s.context_tokens,
                                 count_tokens=lambda t: len(gen.tokenize(t)))

    def reads(self, settings: Settings | None = None) -> int:
        """How many sentences the reader sees (`max_passages`, or chosen from the model when it is 0)."""
        return sentences_to_read(self.generator, (settings or self.settings).max_passages)

    def ask(self, question: str, history: Any = None, **options: Any) -> Answer:
        """Answer `question` from the articles; `history` is earlier turns ([{"role", "content"}] or pairs)."""
        answer = None
        for item in self.stream(question, history=history, **options):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, history: Any = None, **options: Any) -> Iterator[str | Answer]:
        """Yield answer text pieces as they are generated, then the final `Answer`.

        options: top_k, temperature, max_passages (per-call overrides of the settings).
        """
        t0 = time.perf_counter()
        s = self.settings.with_overrides(**{k: v for k, v in options.items() if v is not None})
        question = self._check_question(question)
        gen = self.generator
        query, closest = self.passages(question, history, s)
        shown = closest[:self.reads(s)]
        t_retrieved = time.perf_counter()
        threshold = s.abstain_threshold if s.abstain_threshold is not None else gate.calibrated_threshold()
        best = shown[0].score if shown else 0.0
        base = dict(question=question, retrieval_query=query, confidence=best, model=gen.name)
        if not shown or best < threshold:
            yield self._abstain(base, closest, t0, t_retrieved, None)
            return

        run = read(gen, question, shown, max_tokens=s.max_tokens, temperature=s.temperature)
        pieces: list[str] = []
        first: float | None = None
        for piece in run.pieces:
            if first is None:
                first = time.perf_counter()
            pieces.append(piece)
            yield piece
        raw = "".join(pieces).strip()
        timing = (t0, t_retrieved, first)
        base["reader_confidence"] = run.first_token_confidence
        if run.style == "extract":
            yield self._from_span(base, raw, question, shown, closest, timing)
        else:
            yield self._from_chat(base, raw, shown, closest, timing)

    # ------------------------------------------------------------------ answer assembly
    def _from_span(self, base: dict, span: str, question: str, shown: list[Passage], closest: list[Passage],
                   timing: tuple) -> Answer:
        span = span.strip().strip(",;:").strip()
        source = find_source(span, shown)
        if source is None or gate.echoes_question(span, question) \
                or not gate.fits_type(span, gate.expected_type(question), question):
            return self._abstain(base, closest, *timing)
        # The span alone could be a wrong pick from the right sentence ("Muttaqi" for "who is the ambassador"),
        # which no word-level check can catch; quoting the sentence it came from makes every answer checkable.
        sentence = " ".join(source.sentence.split())
        if len(span) >= 0.6 * len(sentence):
            text = f"“{sentence}” [{source.n}]"
        else:
            text = f"{span} — “{sentence}” [{source.n}]"
        return self._finish(base, text, shown, timing, short=span)

    def _from_chat(self, base: dict, raw: str, shown: list[Passage], closest: list[Passage],
                   timing: tuple) -> Answer:
        # Repair the reply's shape (markers after their sentence, no marker runs or loops); a reply that declines in
        # any wording, is only markers, or only repeats the question is an abstention. A claim citing several sentences
        # keeps those that support it alone.
        reply = chat_output.tidy(raw, max((p.n for p in shown), default=0))
        if reply.declined or not reply.text:
            return self._abstain(base, closest, *timing)
        if gate.echoes_question(reply.text, base["question"]):  # "Moscow has long claimed ... [1]": no answer in it
            return self._abstain(base, closest, *timing)
        sentences = {p.n: p.sentence for p in shown}
        text = chat_output.keep_supporting_markers(reply.text, sentences)
        return self._finish(base, text, shown, timing)

    def _finish(self, base: dict, text: str, shown: list[Passage], timing: tuple, short: str = "") -> Answer:
        passages = {p.n: p.sentence for p in shown}
        claims = check_answer(text, passages)
        kept = [c for c in claims if c.supported]
        flagged = [c for c in claims if not c.supported]
        if not kept:
            # Nothing the sources support: quote the best passage rather than state an unsupported claim.
            best = shown[0]
            quote = f"The articles say: “{best.sentence}” [{best.n}]"
            kept = [Claim(text=quote, markers=(best.n,), supported=True, support=1.0)]
        final, mapping = renumber(" ".join(c.text for c in kept))
        renumbered = [Claim(text=apply_mapping(c.text, mapping), markers=tuple(mapping.get(m, m) for m in c.markers),
                            supported=c.supported, support=c.support, missing=c.missing) for c in kept + flagged]
        t0, t_ret, first = timing
        return Answer(**base, text=final, abstained=False, citations=citations_for(mapping, shown), claims=renumbered,
                      short=short, timings=self._timings(t0, t_ret, first))

    def _abstain(self, base: dict, shown: Sequence[Passage], t0: float, t_ret: float, first: float | None) -> Answer:
        closest = [citation(p, i + 1) for i, p in enumerate(shown[:CLOSEST])]
        return Answer(**base, text=prompts.ABSTAIN_MESSAGE, abstained=True, closest=closest,
                      timings=self._timings(t0, t_ret, first))

    @staticmethod
    def _timings(t0: float, t_ret: float, first: float | None) -> Timings:
        now = time.perf_counter()
        return Timings(retrieval_s=round(t_ret - t0, 4), first_token_s=None if first is None else round(first - t0, 4),
                       total_s=round(now - t0, 4))

    def _check_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise BadQuestion("The question is empty: type a question about the articles, e.g. "
                              "\"Who is Russia's ambassador to Afghanistan?\"")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise BadQuestion(f"The question is {len(question):,} characters long; the limit is {limit:,}. "
                              "Ask a shorter question (a sentence or two).")
        return question.strip()
