"""Search stage: question (+ history) -> Hits (dense + lexical) -> scored sentences for the reader."""
