from rag.ingest.chunking import chunk_document, split_sentences
from rag.records import Document


def doc(text: str, key: str = "k", h: str = "h") -> Document:
    return Document(key=key, source="a.txt", title="t", text=text, content_hash=h)


def test_sentence_spans_are_exact_offsets():
    text = "Dr. Lavrov spoke in Moscow. The U.S. disagreed! Did Kabul? “Yes,” he said.\nNew line here"
    spans = split_sentences(text)
    got = [text[s.start:s.end] for s in spans]
    assert got == ["Dr. Lavrov spoke in Moscow.", "The U.S. disagreed!", "Did Kabul?", "“Yes,” he said.",
                   "New line here"]


def test_chunks_respect_size_overlap_and_offsets():
    sentences = [f"Sentence number {i} says something about Kabul." for i in range(20)]
    d = doc(" ".join(sentences))
    chunks = chunk_document(d, max_chars=200, overlap=1)
    assert len(chunks) > 3
    for c in chunks:
        assert d.text[c.start:c.end] == c.text
        assert len(c.text) <= 200
    for a, b in zip(chunks, chunks[1:]):
        last_of_a = split_sentences(a.text)[-1]
        assert b.text.startswith(a.text[last_of_a.start:last_of_a.end])  # one sentence of overlap
    assert chunks[-1].text.endswith("Sentence number 19 says something about Kabul.")


def test_a_sentence_longer_than_the_limit_is_its_own_chunk():
    long = "Word " + "word " * 100 + "end."
    chunks = chunk_document(doc(f"Short one. {long} Short two."), max_chars=50, overlap=1)
    assert any(c.text == long.strip() for c in chunks)


def test_ids_are_stable_and_change_with_content():
    a = [c.id for c in chunk_document(doc("One two. Three four."))]
    assert a == [c.id for c in chunk_document(doc("One two. Three four."))]
    assert a != [c.id for c in chunk_document(doc("One two. Three four.", h="other"))]
