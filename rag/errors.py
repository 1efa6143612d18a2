"""RagError hierarchy: every message says what to do next. Faces turn these into exit codes or gr.Error."""


class RagError(Exception):
    """Base class; `str(error)` is a complete, user-facing message that names the fix."""


class BadQuestion(RagError):
    """The question is empty or too long."""


class NoIndex(RagError):
    """Nothing has been ingested yet."""


class ModelNotFound(RagError):
    """A GGUF or embedder path does not exist or cannot be loaded."""


class BadInput(RagError):
    """A file or path given to ingest cannot be used."""


class StoreUnavailable(RagError):
    """The Chroma store (folder or server) cannot be reached or opened."""


class IngestBusy(RagError):
    """Another ingest into the same index is running."""


class LLMUnavailable(RagError):
    """The remote LLM server (RAG_LLM_URL) is down, refuses the request or answers too slowly."""
