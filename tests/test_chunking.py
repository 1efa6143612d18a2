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


def test_without_overlap_every_sentence_is_embedded_exactly_once():
    sentences = [f"The ferry to island {i} left {'late' if i % 3 else 'on time'} on Tuesday." for i in range(25)]
    d = doc(" ".join(sentences) + " A closing line.")
    chunks = chunk_document(d, max_chars=160, overlap=0)
    assert len(chunks) > 3
    for a, b in zip(chunks, chunks[1:]):
        assert a.end < b.start  # windows side by side: no character is in two chunks
        assert d.text[a.end:b.start].strip() == ""  # and nothing between them is lost
    assert (chunks[0].start, chunks[-1].end) == (0, len(d.text))
    embedded = sum(len(c.text) for c in chunks)
    assert embedded == len(d.text) - sum(b.start - a.end for a, b in zip(chunks, chunks[1:]))
    with_overlap = sum(len(c.text) for c in chunk_document(d, max_chars=160, overlap=1))
    assert with_overlap > embedded * 1.2  # what overlap costs: the same text embedded twice
