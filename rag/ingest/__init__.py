"""Ingest stage: files -> Documents (loading, cleaning) -> Chunks -> vectors -> store (indexing)."""
