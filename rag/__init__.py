"""Ask the news: offline question answering over a folder of news articles, with cited, checked answers.

    from rag import RAG
    rag = RAG()
    rag.ingest(["seeds"])
    answer = rag.ask("Who is Russia's ambassador to Afghanistan?")
    print(answer.text, [c.source for c in answer.citations])

Importing `rag` loads no model and touches no file.
"""

from .config import Settings
from .errors import BadInput, BadQuestion, ModelNotFound, NoIndex, RagError, StoreUnavailable
from .pipeline import RAG
from .records import Answer, Article, Citation, Claim, Filters, Hit, IngestReport, Skip

__all__ = [
    "RAG", "Settings", "Answer", "Citation", "Claim", "Hit", "IngestReport", "Article", "Filters", "Skip",
    "RagError", "BadQuestion", "NoIndex", "ModelNotFound", "BadInput", "StoreUnavailable",
]
