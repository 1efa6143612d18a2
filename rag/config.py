"""Settings: every default written once, with a one-line why. Precedence: argument > CLI flag > env var > default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import RagError

# Offline by construction: nothing may fetch weights or send telemetry. Set before any heavy import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def project_root() -> Path:
    """The checkout that holds this package (where `.rag/` and `models/` live), else the working directory."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd()


@dataclass(frozen=True)
class Settings:
    # --- where things live
    index_dir: Path = field(default_factory=lambda: project_root() / ".rag")  # embedded Chroma folder
    models_dir: Path = field(default_factory=lambda: project_root() / "models")  # GGUF files (git-ignored)
    collection: str = "news_articles"  # Chroma needs 3+ characters
    chroma_host: str = ""  # set host and port to use a Chroma server (`chroma run`) instead of the folder
    chroma_port: int = 0
    # --- models
    # A preset name (`rag models`: gemma-270m, qwen2.5-coder-0.5b, qwen2.5-coder-1.5b) or a GGUF path; empty = the
    # default preset, Gemma 3 270M: the most accurate preset whose warm TTFT p50 stays within 1.5 s on 2 cores.
    model: str = ""
    model_path: str = ""  # the older name (RAG_MODEL_PATH) for a GGUF path; `model` wins when both are set
    embedder: str = ""  # a sentence-transformers folder; empty = the packaged all-MiniLM-L6-v2
    n_threads: int = field(default_factory=lambda: os.cpu_count() or 2)  # all cores: decode is CPU-bound
    n_ctx: int = 2048  # prompt budget below fits well inside; larger contexts only cost RAM and prefill
    # The reader on an OpenAI-compatible LLM server (llama.cpp's server, vLLM, Ollama) instead of a GGUF in this
    # process; empty = local. n_ctx above must not exceed the server's context (the prompt budget uses it).
    llm_url: str = ""  # e.g. http://127.0.0.1:8080 (with or without /v1)
    llm_model: str = ""  # the server's model name; empty = the first one its GET /v1/models lists
    llm_api_key: str = field(default="", repr=False)  # sent as `Authorization: Bearer KEY` when set; never printed
    llm_timeout: float = 120.0  # seconds to wait for the server's next byte: a cold big model can prefill slowly
    # --- chunking
    # ~700 chars is ~150 MiniLM word pieces: under its 256-piece cut-off (nothing truncated) and close
    # to the <=128-token texts it was trained on, while holding 3-6 news sentences of context.
    chunk_chars: int = 700
    chunk_overlap_sentences: int = 1  # a fact that straddles a boundary is whole in one of the two chunks
    # --- retrieval
    top_k: int = 5  # chunks handed to the reader; 5 held the answer sentence for ~8/10 dev questions
    # Per retriever before fusion, so RRF can promote a chunk only one retriever ranks high. On RealTime QA
    # (2,395 articles) 30 -> 60 -> 100 raised top-5 recall of the correct choice 0.467 -> 0.485 -> 0.489
    # (stemmed BM25, as-of prior) for a retrieval p95 of 0.08 s; 150 gave 0.493 at a higher p95.
    candidates: int = 100
    rrf_k: int = 60  # the constant from Cormack et al. (2009); damps the head of each ranking
    # Re-rank the first rerank_depth fused hits with a second embedder ("mpnet": all-mpnet-base-v2, its part
    # wheels installed; rag/search/rerank.py). Off: chosen on RealTime QA tune weeks, see the README's note.
    rerank: str = ""
    rerank_depth: int = 20
    # --- reader
    # Sentences shown to the reader; 0 = chosen from the model (reader.sentences_to_read): 1 for a base model
    # read with the few-shot copy prompt, 3 for a model with a chat template.
    max_passages: int = 0
    # Open answers (summary, why, how ...): "quoted" (2-6 sentences copied from the articles, each cited) or
    # "written" (an instruct preset writes them from the chosen sentences; a base model always quotes). Quoted is the
    # default for every model: on the seed open set it covered more key points than the 1.5B preset writing
    # (0.465 vs 0.291) in 0.3 s instead of ~18 s (docs/open-answers.md).
    open_answers: str = "quoted"
    context_tokens: int = 900  # token budget for the sources block of the prompt (keeps prefill < 1 s)
    max_tokens: int = 48  # answers are short spans; long generations from a base model drift
    temperature: float = 0.0  # deterministic by default: same question, same answer
    # Abstain when the best passage's relevance is below this; empty = the value calibrated on the
    # dev set (rag/data/calibration.json), falling back to 0.0 (never abstain before generation).
    abstain_threshold: float | None = None
    # --- input limits
    max_question_chars: int = 2000  # a question longer than a page is a paste error, not a question
    max_file_bytes: int = 5_000_000  # a news article is < 200 kB; larger files are dumps, not articles
    # --- `rag serve` (the OpenAI-compatible endpoint)
    api_key: str = field(default="", repr=False)  # set (RAG_API_KEY): all routes but /health want `Bearer KEY`
    serve_queue: int = 8  # requests that may wait for the single model; more get 429 (a burst cannot exhaust RAM)
    serve_max_body: int = 1_000_000  # bytes; a chat request is a few kB, a larger body is a mistake or an attack

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given non-None values replaced (how arguments and CLI flags win)."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise RagError(f"Unknown setting(s): {', '.join(sorted(unknown))}. Known: {', '.join(sorted(known))}.")
        clean = {k: _coerce(k, v) for k, v in overrides.items() if v is not None}
        return replace(self, **clean)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then RAG_* environment variables, then `overrides` (arguments / CLI flags)."""
        base = cls()
        env: dict[str, Any] = {}
        for f in fields(cls):
            value = os.environ.get(f"RAG_{f.name.upper()}")
            if value is not None and value != "":
                env[f.name] = value
        return base.with_overrides(**env).with_overrides(**overrides)


_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    kind = str(_TYPES[name])
    try:
        if name in ("index_dir", "models_dir"):
            return Path(value).expanduser()
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
    except (TypeError, ValueError):
        raise RagError(
            f"Setting {name}={value!r} is not a valid {kind.split(' ')[0]}; "
            f"fix the argument, flag or RAG_{name.upper()} environment variable."
        ) from None
    return value
