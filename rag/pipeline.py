"""The only place that wires the stages together: RAG.ingest / RAG.ask / RAG.stream.

    question -> follow-up rewrite -> Hit[] (hybrid) -> numbered sentences -> gate -> reader (LLM, streamed)
             -> answer text with [n] -> grounding check -> Answer with Citation[]
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .answer import answer_types, budget, chat_output, gate, open_answer, prompts, selection
from .answer.citations import apply_mapping, citation, citations_for, find_source, renumber
from .answer.grounding import check_answer
from .answer.question import clean as clean_question
from .answer.question import read as read_question
from .answer.reader import build_prompt, chat_prefix, open_prompt, read, sentences_to_read, write
from .config import Settings
from .errors import BadInput, NoIndex
from .ingest.indexing import Progress, ingest
from .ingest.lock import exclusive
from .models.embedding import Embedder, load_embedder
from .models.generation import Generator, LlamaGenerator
from .models.presets import model_file, resolve_name
from .records import Answer, Article, Citation, Claim, Filters, Hit, IngestReport, Passage, Question, Timings
from .search import passages as psg
from .search.dates import DateWindow, parse_user_date, time_window
from .search.lexical import LexicalCache
from .search.rerank import load_reranker
from .search.retrieval import Retriever
from .store import ChromaStore
from .text import terms

log = logging.getLogger(__name__)


ALSO_IN = 5  # outlets named as carrying a near-copy; a longer list is noise (page chrome can look alike too)
CLOSEST = 3  # sentences an abstention lists as the closest the articles came to an answer
# Open answers (summary, why, how, list, yes/no, compare, timeline) draw on more articles than a factoid: the
# sentences of the best OPEN_CHUNKS chunks are scored and MMR picks from them (rag/answer/selection.py). Measured
# on the seed open set (docs/open-answers.md): 10 chunks cover more key points than 5, at the same precision.
OPEN_CHUNKS = 10
# A quoted answer has 2-6 sentences within 150 words (a chat answer a person reads at a glance). Measured with
# scripts/tune_open.py on the dev sets: at most 5 in 140 words -> key-point recall 0.477 (seeds) / 0.193 (RealTime
# QA tune weeks), 6 in 150 -> 0.508 / 0.226 at 137 / 131 words on average; a 7th adds nothing within 150 words.
OPEN_QUOTED = (2, 6)
OPEN_WORDS = 150
# A further sentence joins while its relevance is at least this share of the best one's. Measured on the seed open
# set (scripts/tune_open.py): 0.75 -> recall 0.391, 0.6 -> 0.465, 0 -> 0.477 (lambda and chunk count moved it by
# under 0.01): past the first, less relevant sentences still add key points, so the word budget alone bounds it.
OPEN_FLOOR = 0.0
OPEN_SHOWN = 8  # sentences a writing model reads: more than it quotes, so it can choose and combine
# MMR picks a quoted answer chooses among after the novelty rule (selection.novel): 8 / 12 / 16 -> recall 0.504 /
# 0.513 / 0.513 on the seed dev set, 0.232 / 0.242 / 0.242 on RealTime QA dev.
OPEN_POOL = 12
# Open shapes whose answer can also be one phrase ("How did X describe it?" -> "a brave decision"): a base model
# copies that phrase too (Answer.short), as it would for a factoid.
SPAN_SHAPES = ("how", "list", "yesno")


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
            self._embedder = load_embedder(self.settings.embedder, self.settings.models_dir)
        return self._embedder

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            generator = self._open_generator()
            self._warm(generator)
            self._generator = generator
        return self._generator

    def _open_generator(self) -> Generator:
        s = self.settings
        if s.llm_url:  # the reader on an OpenAI-compatible server (RAG_LLM_URL / --llm-url): no GGUF loads here
            from .models.remote import RemoteGenerator

            return RemoteGenerator(s.llm_url, model=s.llm_model, api_key=s.llm_api_key, timeout=s.llm_timeout,
                                   n_ctx=s.n_ctx)
        path = model_file(s.model or s.model_path, s.models_dir)
        return LlamaGenerator(path, n_ctx=s.n_ctx, n_threads=s.n_threads, name=self.model_name)

    def _warm(self, generator: Generator) -> None:
        """Later prompts reuse the KV cache of their fixed head: the few-shot prefix, or the chat examples."""
        generator.warm(chat_prefix() if generator.has_chat_template else prompts.FEW_SHOT_PREFIX,
                       cache_dir=self.settings.models_dir / "prompt-cache")

    def store(self, create: bool = False) -> ChromaStore:
        if self._store is None:
            s = self.settings
            self._store = ChromaStore(path=s.index_dir, host=s.chroma_host, port=s.chroma_port,
                                      collection=s.collection, create=create)
        return self._store

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            lexical = LexicalCache(self.store(), self._cache_dir("lexical"))
            s = self.settings
            self._retriever = Retriever(self.store(), self.embedder, lexical, candidates=s.candidates, rrf_k=s.rrf_k,
                                        reranker=load_reranker(s.rerank, s.models_dir, s.rerank_depth))
        return self._retriever

    def _cache_dir(self, what: str) -> Path:
        """Beside the index folder; for a Chroma server, a per-user cache folder named after it."""
        s = self.settings
        if not s.chroma_host:
            return Path(s.index_dir) / what
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ask-the-news"
        return base / f"{s.chroma_host}-{s.chroma_port}-{s.collection}" / what

    def load(self, step: Callable[[str], None] | None = None, *, require_index: bool = False) -> RAG:
        """Load everything a question needs now, so the first question is as fast as the second: both models,
        the entity tagger and, when an index exists, the store and its lexical index. `step(what)` hears each
        stage as it starts. require_index: raise NoIndex before loading any model when there is no index.

        The entity tagger loads in a thread while the language model opens here and its fixed prompt head is
        prefilled (or read from the prompt cache) in another: llama.cpp works in C without the GIL, so the two
        overlap (a cold `rag ask` 3.03 -> 2.63 s median, docs/results.md). Steps are said before the model
        opens: while it opens, llama-cpp-python silences the process's stdout and stderr."""
        say = step or (lambda what: None)
        if require_index and self._store is None:
            ChromaStore.require(self.settings.index_dir, self.settings.chroma_host)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="load") as pool:
            # spaCy (~1.8 s of Python) loads while the language model opens in C without the GIL (~0.6 s)
            say("loading the named-entity tagger (answer types)")
            tagger = pool.submit(answer_types.load)
            say(f"loading the language model ({self.model_name})")
            generator = self._generator or self._open_generator()
            model = pool.submit(self._warm, generator) if self._generator is None else None
            store = self._open_store(required=require_index)
            tagger.result()  # spaCy hides torch while it imports: the torch embedder loads after it
            say("loading the embedder")
            self.embedder.embed(["warm up"])  # the first run of an ONNX session allocates its buffers
            if store is not None:
                say(f"opening the index ({store.count():,} chunks)")
                say("loading the lexical index")
                self.retriever.lexical.get()
                self.retriever.articles()
            if model is not None:
                model.result()
                self._generator = generator
        return self

    def _open_store(self, required: bool) -> ChromaStore | None:
        try:
            return self.store()
        except NoIndex:
            if required:
                raise
            return None

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
        """Add, update and remove articles (see rag/ingest/indexing.py); one ingest per index at a time."""
        if isinstance(paths, (str, Path)):
            paths = [paths]
        s = self.settings
        store = self.store(create=True)
        with exclusive(self._cache_dir("ingest.lock"), store.where):
            report = ingest(paths, store=store, embed=lambda texts: self.embedder.embed(texts),
                            embedder_name=getattr(self.embedder, "name", "") or s.embedder or "default",
                            chunk_chars=s.chunk_chars, overlap=s.chunk_overlap_sentences,
                            max_file_bytes=s.max_file_bytes, progress=progress)
            if report.added or report.updated or report.removed:
                self.retriever.lexical.rebuild()  # saved for every process: the next start loads it
        return report

    def articles(self) -> list[Article]:
        """Every stored article (the manifest), newest first, undated ones last, then by source."""
        arts = list(self.store().articles().values())
        return sorted(arts, key=lambda a: (a.date == "", _neg_date(a.date), a.source, a.key))

    # ------------------------------------------------------------------ query
    def retrieve(self, question: str, top_k: int | None = None, filters: Filters | None = None,
                 window: DateWindow | None = None) -> list[Hit]:
        question = self._check_question(question)
        if self.store().count() == 0:
            raise NoIndex(f"The index at {self.store().where} is empty: run `rag ingest seeds/` first.")
        return self.retriever.search(question, top_k or self.settings.top_k, filters=filters, window=window)

    def passages(self, question: str | Question, history: Any = None, settings: Settings | None = None,
                 filters: Filters | None = None, as_of: date | None = None) -> tuple[str, list[Passage]]:
        """The retrieval query (follow-ups rewritten) and the best sentences, numbered: the reader sees the
        first `reads(settings)`; an abstention lists up to CLOSEST. A `Question` already read is used as it is."""
        s = settings or self.settings
        q = question if isinstance(question, Question) else read_question(question, history, s.max_question_chars)
        question, query = q.text, q.query
        count = self._count_tokens
        room = self._sources_room(question, s)  # a question too long for the context fails before retrieval
        window = time_window(question, as_of or date.today())  # "this week" ranks that week's articles first
        hits = self.retrieve(query, s.top_k, filters=filters, window=window)
        scored = psg.score_sentences(q, psg.candidate_sentences(hits), self.embedder)
        asked = set(terms(question))
        limit = max(self.reads(s), CLOSEST)
        fitted = budget.fit(scored, room=room, count=count, limit=limit,
                            focus=lambda word: any(t in asked for t in terms(word)))
        return query, psg.select(fitted, max_passages=limit, token_budget=room, count_tokens=count)

    def _count_tokens(self, text: str) -> int:
        return len(self.generator.tokenize(text))

    def _answer_tokens(self, s: Settings) -> int:
        """The tokens reader.read lets the model write (kept free in the context)."""
        return prompts.CHAT_MAX_TOKENS if self.generator.has_chat_template else s.max_tokens

    def _n_ctx(self, s: Settings) -> int:
        return int(getattr(self.generator, "n_ctx", 0) or s.n_ctx)  # the loaded model's window wins

    def _sources_room(self, question: str, s: Settings) -> int:
        """Tokens the sources may take in the reader's prompt for this question (BadQuestion if none)."""
        frame = build_prompt(question, [], self.generator.has_chat_template)
        return budget.sources_room(n_ctx=self._n_ctx(s), frame_tokens=budget.prompt_tokens(frame, self._count_tokens),
                                   question_tokens=self._count_tokens(question), answer_tokens=self._answer_tokens(s),
                                   cap=s.context_tokens)

    def _prompt_fits(self, question: str, shown: Sequence[Passage], s: Settings) -> bool:
        """The final check on the exact prompt the reader will build (the budget above estimates its seams)."""
        prompt = build_prompt(question, shown, self.generator.has_chat_template)
        return budget.prompt_tokens(prompt, self._count_tokens) + self._answer_tokens(s) <= self._n_ctx(s)

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

        options: top_k, temperature, max_passages (per-call overrides of the settings); since, until (dates or
        'YYYY-MM-DD' strings) and outlets limit the articles used; as_of (default today) is the date that
        "this week" or "yesterday" in the question are read against.
        """
        t0 = time.perf_counter()
        filters, as_of = scope(**{k: options.pop(k, None) for k in ("since", "until", "outlets", "as_of")})
        s = self.settings.with_overrides(**{k: v for k, v in options.items() if v is not None})
        q = read_question(question, history, self.settings.max_question_chars)
        if q.is_open:
            yield from self._stream_open(q, s, filters, as_of, t0)
            return
        question = q.text
        gen = self.generator
        query, closest = self.passages(q, settings=s, filters=filters, as_of=as_of)
        shown = budget.trim(closest[:self.reads(s)], lambda ps: self._prompt_fits(question, ps, s))
        t_retrieved = time.perf_counter()
        threshold = s.abstain_threshold if s.abstain_threshold is not None else gate.calibrated_threshold()
        best = shown[0].score if shown else 0.0
        base = dict(question=question, retrieval_query=query, confidence=best, model=gen.name)
        if not shown or best < threshold:
            yield self._abstain(base, closest, t0, t_retrieved, None)
            return

        run = read(gen, q, shown, max_tokens=s.max_tokens, temperature=s.temperature)
        relay = _Relay(run.pieces)
        yield from relay
        raw = relay.text
        timing = (t0, t_retrieved, relay.first)
        base["reader_confidence"] = run.first_token_confidence
        base["mode"] = "quoted" if run.style == "extract" else "written"
        if run.style == "extract":
            yield self._from_span(base, raw, q, shown, closest, timing)
        else:
            yield self._from_chat(base, raw, shown, closest, timing)

    # ------------------------------------------------------------------ open answers
    def _stream_open(self, q: Question, s: Settings, filters: Filters, as_of: date | None,
                     t0: float) -> Iterator[str | Answer]:
        """Summary, why, how, list, yes/no, compare, timeline: several cited sentences from several articles.
        A chat model writes them from the chosen sentences ("written"); a base model, which cannot write a
        summary, quotes them ("quoted"). Either way each sentence is checked against the one it cites."""
        gen = self.generator
        hits = self.retrieve(q.query, max(OPEN_CHUNKS, s.top_k), filters=filters,
                             window=time_window(q.text, as_of or date.today()))
        vectors: dict[tuple[str, int], Sequence[float]] = {}
        scored = psg.score_sentences(q, psg.candidate_sentences(hits), self.embedder, vectors=vectors)
        # Greedy: a shorter run is a prefix, so one run serves the writing model's 8 and the quoted pool's 12.
        ranked = selection.mmr(selection.on_story(scored), vectors, limit=max(OPEN_SHOWN, OPEN_POOL))
        picked = _numbered(ranked[:OPEN_SHOWN])
        t_retrieved = time.perf_counter()
        threshold = s.abstain_threshold if s.abstain_threshold is not None else gate.calibrated_threshold()
        best = scored[0].score if scored else 0.0
        base = dict(question=q.text, retrieval_query=q.query, confidence=best, model=gen.name, kind=q.shape)
        closest = _numbered(scored[:CLOSEST])
        if not picked or best < threshold or gate.names_missing(q.text, [h.chunk.text for h in hits]):
            yield self._abstain(base, closest, t0, t_retrieved, None)
            return
        pool = selection.novel(ranked[:OPEN_POOL], q.query)
        quoted = _numbered(selection.enough(pool, least=OPEN_QUOTED[0], most=OPEN_QUOTED[1], floor=OPEN_FLOOR,
                                            max_words=OPEN_WORDS))
        if s.open_answers not in ("quoted", "written"):
            raise BadInput(f"open_answers={s.open_answers!r}: use 'quoted' or 'written' (RAG_OPEN_ANSWERS).")
        if not gen.has_chat_template or s.open_answers == "quoted":
            lead, items = open_answer.quoted(q, quoted)
            answer = self._finish_open(base, q, lead, items, quoted, (t0, t_retrieved, time.perf_counter()),
                                       "quoted")
            if answer is None:
                yield self._abstain(base, closest, t0, t_retrieved, None)
                return
            if q.shape in SPAN_SHAPES and not gen.has_chat_template:  # its phrase too, as a factoid would copy it
                answer = replace(answer, short=self._copy_span(q, quoted[:1], s))
            yield answer.text
            yield answer
            return
        shown = budget.trim(picked, lambda ps: budget.prompt_tokens(open_prompt(q, ps), self._count_tokens)
                            + prompts.OPEN_MAX_TOKENS <= self._n_ctx(s))
        relay = _Relay(write(gen, q, shown, temperature=s.temperature))
        yield from relay
        raw = relay.text
        timing = (t0, t_retrieved, relay.first)
        if chat_output.declines(raw.split("\n")[0]) and not raw.lower().startswith("the articles don't say"):
            yield self._abstain(base, closest, *timing)
            return
        lead, items = open_answer.parse_written(raw, q.shape)
        items = [open_answer.Item(t) for t in (chat_output.tidy(i.text, len(shown)).text for i in items) if t]
        sentences = {p.n: p.sentence for p in shown}
        items = [open_answer.Item(chat_output.keep_supporting_markers(i.text, sentences)) for i in items]
        answer = self._finish_open(base, q, lead, items, shown, timing, "written")
        if answer is None:  # nothing the model wrote holds up: quote the articles instead
            lead, items = open_answer.quoted(q, quoted)
            answer = self._finish_open(base, q, lead, items, quoted, timing, "quoted")
        yield answer if answer is not None else self._abstain(base, closest, *timing)

    def _finish_open(self, base: dict, q: Question, lead: str, items: list[open_answer.Item],
                     shown: Sequence[Passage], timing: tuple, mode: str) -> Answer | None:
        """The checked open answer (open_answer.assemble) with its citations; None when nothing holds up."""
        made = open_answer.assemble(q, lead, items, shown)
        if made is None:
            return None
        text, claims, mapping = made
        t0, t_ret, first = timing
        cites = [self._with_copies(c) for c in citations_for(mapping, shown)]
        return Answer(**base, text=text, abstained=False, citations=cites, claims=claims, mode=mode,
                      timings=self._timings(t0, t_ret, first))

    def _copy_span(self, q: Question, shown: Sequence[Passage], s: Settings) -> str:
        """The base model's copied answer phrase from `shown` (the factoid reader), or "" when none fits."""
        run = read(self.generator, q, shown, max_tokens=s.max_tokens, temperature=s.temperature)
        span = "".join(run.pieces).strip().strip(",;:").strip()
        return span if span and _span_source(span, q, shown) is not None else ""

    # ------------------------------------------------------------------ answer assembly
    def _from_span(self, base: dict, span: str, q: Question, shown: list[Passage], closest: list[Passage],
                   timing: tuple) -> Answer:
        span = span.strip().strip(",;:").strip()
        source = _span_source(span, q, shown)
        if source is None:
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
        cites = [self._with_copies(c) for c in citations_for(mapping, shown)]
        return Answer(**base, text=final, abstained=False, citations=cites, claims=renumbered,
                      short=short, timings=self._timings(t0, t_ret, first))

    def _abstain(self, base: dict, shown: Sequence[Passage], t0: float, t_ret: float, first: float | None) -> Answer:
        closest = [citation(p, i + 1) for i, p in enumerate(shown[:CLOSEST])]
        return Answer(**base, text=prompts.ABSTAIN_MESSAGE, abstained=True, closest=closest,
                      timings=self._timings(t0, t_ret, first))

    def _with_copies(self, c: Citation) -> Citation:
        """Name the outlets that carry a near-copy of the cited article ("also in")."""
        outlets = sorted({a.outlet or a.source for a in self.retriever.copies(c.doc_key)} - {c.outlet})
        return replace(c, also_in=tuple(outlets[:ALSO_IN])) if outlets else c

    @staticmethod
    def _timings(t0: float, t_ret: float, first: float | None) -> Timings:
        now = time.perf_counter()
        return Timings(retrieval_s=round(t_ret - t0, 4), first_token_s=None if first is None else round(first - t0, 4),
                       total_s=round(now - t0, 4))

    def _check_question(self, question: str) -> str:
        """The question cleaned (control characters, lone surrogates) or BadQuestion naming the fix."""
        return clean_question(question, self.settings.max_question_chars)


class _Relay:
    """Pass a reader's text pieces on as they come, keeping the whole text and when the first piece came."""

    def __init__(self, pieces: Iterable[str]) -> None:
        self.pieces = pieces
        self.parts: list[str] = []
        self.first: float | None = None

    def __iter__(self) -> Iterator[str]:
        for piece in self.pieces:
            if self.first is None:
                self.first = time.perf_counter()
            self.parts.append(piece)
            yield piece

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()


def scope(since: Any = None, until: Any = None, outlets: Any = None, as_of: Any = None) -> tuple[Filters, date | None]:
    """Filters and the as-of date from what a face passes (dates or strings; BadInput names the accepted forms)."""
    def day(value: Any) -> date | None:
        if value is None or value == "":
            return None
        return value if isinstance(value, date) else parse_user_date(str(value))

    if isinstance(outlets, str):
        outlets = [o for o in outlets.split(",")]
    names = tuple(o.strip() for o in (outlets or ()) if o and o.strip())
    filters = Filters(since=day(since), until=day(until), outlets=names)
    if filters.since and filters.until and filters.since > filters.until:
        raise BadInput(f"The date window is empty: since {filters.since} is after until {filters.until}. "
                       "Swap them or widen the window.")
    return filters, day(as_of)


def _span_source(span: str, q: Question, shown: Sequence[Passage]) -> Passage | None:
    """The shown sentence a copied span comes from, if the span answers the question: more than an echo of it,
    and of the asked type in that sentence."""
    source = find_source(span, shown)
    if source is None or gate.echoes_question(span, q.text) \
            or not gate.fits_type(span, q.answer_type, q.text, context=" ".join(source.sentence.split())):
        return None
    return source


def _numbered(passages: Sequence[Passage]) -> list[Passage]:
    """The passages numbered [1]..[n] in the given order."""
    return [replace(p, n=i + 1) for i, p in enumerate(passages)]


def _neg_date(iso: str) -> int:
    digits = iso[:10].replace("-", "")
    return -int(digits) if digits.isdigit() else 0
