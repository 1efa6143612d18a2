"""Answer stage: sentences -> reader (LLM) -> answer with [n] markers -> grounding check and citations."""
