"""Model wrappers: one module per heavy dependency (embedder, LLM); each loads lazily and caches per process."""
