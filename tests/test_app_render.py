"""app.render on fakes: citation badges, highlighted supporting sentences, flags, abstentions, and escaping."""

from __future__ import annotations

import re
from pathlib import Path

from app import render
from app.session import Turn
from rag import RAG, Answer, Article, Citation

from .conftest import FakeGenerator

Q = "Who is Russia's ambassador to Afghanistan?"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
EVIL = (
    f"Breaking {SCRIPT} news from Zorblax {IMG}\n"
    f"The mayor of Zorblax, Kira Vent, opened the <b>bakery</b> festival on Sunday {SCRIPT}. "
    f"Visitors ate {IMG} many pies and read [a link](javascript:alert(1)).\n"
    "The festival lasts three days and ends on Tuesday.\n"
)


def rag_with(settings, fake_embedder, *replies, chat=False) -> RAG:
    """A RAG over the seeds already ingested by `fake_rag`, with its own queued replies."""
    return RAG(settings, embedder=fake_embedder, generator=FakeGenerator(replies, chat=chat))


def assert_inert(html: str) -> None:
    """No tag from the article survives: only our own markup, the payload is there as escaped text."""
    assert "<script" not in html.lower() and "<img" not in html.lower() and "<b>" not in html
    tags = set(re.findall(r"<\s*([a-zA-Z0-9]+)", html))
    assert tags <= {"div", "span", "article", "p", "mark", "q", "ul", "li", "s", "br", "table", "thead", "tbody",
                    "tr", "th", "td", "strong", "a"}, tags
    for href in re.findall(r"<a [^>]*href=\"([^\"]*)\"", html):  # our links: http(s) only
        assert href.startswith(("http://", "https://")), href


def test_markers_become_badges_that_still_read_as_markers():
    html = render.text_html("Zhirnov [1] and Muttaqi [2, 3]")
    assert '<span class="cite" title="Source 1">[1]</span>' in html
    assert '<span class="cite" title="Source 2, 3">[2, 3]</span>' in html


def test_answer_streams_into_the_chat_then_shows_markers(fake_rag, settings, fake_embedder):
    rag = rag_with(settings, fake_embedder, " Dmitry Zhirnov")
    answer = rag.ask(Q)
    pending = render.chat_messages([Turn(Q, status="Waiting…")])
    assert pending[0] == {"role": "user", "content": Q}
    assert "Waiting…" in pending[1]["content"]
    streaming = render.chat_messages([Turn(Q, partial=" Dmitry")])[1]["content"]
    assert "Dmitry" in streaming and "cursor" in streaming
    done = render.chat_messages([Turn(Q, partial=" Dmitry Zhirnov", answer=answer)])[1]["content"]
    assert "Dmitry Zhirnov" in done and ">[1]</span>" in done and "cursor" not in done


def test_sources_panel_shows_title_file_and_highlighted_supporting_sentence(fake_rag, settings, fake_embedder):
    answer = rag_with(settings, fake_embedder, " Dmitry Zhirnov").ask(Q)
    [c] = answer.citations
    html = render.sources_html(Turn(Q, answer=answer))
    assert render.esc(c.title) in html and c.source in html
    marked = re.search(r"<mark>(.*?)</mark>", html, re.S).group(1)
    assert marked == render.esc(c.text[c.quote_start:c.quote_end]) and "Dmitry Zhirnov" in marked
    assert html.count('class="src-card"') == 1 and '<span class="src-n">1</span>' in html


def test_highlight_survives_wrong_offsets_and_never_marks_outside_the_text():
    assert render.highlighted("Alpha beta. Gamma.", [("Gamma.", 50, 60)]) == "Alpha beta. <mark>Gamma.</mark>"
    assert render.highlighted("Alpha <beta>.", [("missing", 0, 3)]) == "Alpha &lt;beta&gt;."


def test_citations_of_one_passage_share_a_card():
    text = "One sentence. Another sentence."
    cites = [Citation(n=1, source="a.txt", title="T", text=text, quote="One sentence.", quote_start=0,
                      quote_end=13, chunk_id="c1"),
             Citation(n=2, source="a.txt", title="T", text=text, quote="Another sentence.", quote_start=14,
                      quote_end=31, chunk_id="c1")]
    html = render.source_cards(cites)
    assert html.count('class="src-card"') == 1 and html.count("<mark>") == 2


def test_flagged_claims_are_struck_through_with_what_is_missing(fake_rag, settings, fake_embedder):
    reply = "Dmitry Zhirnov is the Russian ambassador [1]. He was born in Omsk in 1961 [1]."
    answer = rag_with(settings, fake_embedder, reply, chat=True).ask(Q)
    assert answer.flagged
    chat = render.answer_html(answer)
    assert "Removed: not supported" in chat and "<s>" in chat and "Omsk" in chat and "1961" in chat
    assert "flagged" in render.sources_html(Turn(Q, answer=answer))


def test_abstention_is_shown_as_such_with_the_closest_passages(fake_rag, settings, fake_embedder):
    answer = rag_with(settings, fake_embedder, " Vladimir Ivanovsky").ask(Q)
    assert answer.abstained and answer.closest
    chat = render.answer_html(answer)
    assert "Not in the articles" in chat and render.esc(answer.text) in chat
    assert chat.count("<li>") == len(answer.closest)
    panel = render.sources_html(Turn(Q, answer=answer))
    assert "abstained" in panel and "do not answer this" in panel and "<mark>" in panel
    for c in answer.closest:
        assert c.source in panel


def test_stopped_and_failed_turns_say_so():
    assert "Stopped." in render.assistant_html(Turn("q", partial=" half", stopped=True))
    failed = render.assistant_html(Turn("q", error="The index is empty: run `rag ingest seeds/` first."))
    assert "Could not answer" in failed and "rag ingest seeds/" in failed


def test_xss_article_renders_inert_in_sources_corpus_and_chat(fake_rag, settings, fake_embedder, tmp_path: Path):
    evil = tmp_path / "evil.txt"
    evil.write_text(EVIL, encoding="utf-8")
    rag = rag_with(settings, fake_embedder, " Kira Vent")
    rag.ingest([evil])

    corpus = render.corpus_html(rag.articles())
    assert "evil.txt" in corpus and "&lt;script&gt;alert(1)&lt;/script&gt;" in corpus
    assert "&lt;img src=x onerror=alert(1)&gt;" in corpus
    assert_inert(corpus)

    question = f"Who opened the bakery festival in Zorblax? {SCRIPT}"
    answer = rag.ask(question)
    cards = answer.closest if answer.abstained else answer.citations
    assert any(c.source == "evil.txt" for c in cards)
    panel = render.sources_html(Turn(question, answer=answer))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel and "&lt;img src=x onerror=alert(1)&gt;" in panel
    assert_inert(panel)

    chat = render.chat_messages([Turn(question, answer=answer)])
    assert_inert(chat[0]["content"])
    assert_inert(chat[1]["content"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chat[0]["content"]


def test_answers_and_questions_with_markup_are_escaped():
    answer = Answer(question="q", text=f"**bold** {IMG} [1]", abstained=False,
                    citations=[Citation(n=1, source=f"{IMG}.txt", title=SCRIPT, text=f"x {IMG} y", quote=IMG,
                                        quote_start=2, quote_end=2 + len(IMG), outlet="<i>Outlet</i>")])
    chat = render.answer_html(answer)
    assert_inert(chat)
    assert "**bold**" in chat and "&lt;img src=x onerror=alert(1)&gt;" in chat
    panel = render.sources_html(Turn(SCRIPT, answer=answer))
    assert_inert(panel)
    assert "&lt;i&gt;Outlet&lt;/i&gt;" in panel and "<mark>&lt;img src=x onerror=alert(1)&gt;</mark>" in panel


def test_corpus_panel_lists_title_outlet_file_and_chunk_count(fake_rag):
    articles = fake_rag.articles()
    html = render.corpus_html(articles)
    assert html.count("<tr") == len(articles) + 1
    for a in articles:
        assert a.source in html and f'<td class="num">{a.chunks}</td>' in html
    assert "MoneyOval" in html and "undated" in html
    assert "Copies" not in html  # no near-copies among the seeds: no column for them
    assert render.corpus_summary(articles) == f"{len(articles)} articles · {sum(a.chunks for a in articles)} passages"
    assert "No articles yet" in render.corpus_html([])


# ---------------------------------------------------------------------------------------------- news metadata
def card(**fields) -> str:
    base = dict(n=1, source="wire.jsonl", title="Reyl sworn in", text="Tomas Reyl was sworn in. He thanked all.",
                quote="Tomas Reyl was sworn in.", quote_start=0, quote_end=24, chunk_id="c1")
    return render.source_cards([Citation(**{**base, **fields})])


def test_source_card_shows_outlet_date_author_link_and_also_in():
    html = card(outlet="Valley Times", date="2023-03-08", author="Sam Okafor", url="https://valley.example/reyl?a=1&b=2",
                also_in=("Coast Wire", "Harbour Gazette"))
    meta = re.search(r'<div class="src-meta">(.*?)</div>', html).group(1)
    assert re.sub(r"<[^>]+>", "", meta) == "Valley Times · 8 Mar 2023 · by Sam Okafor · wire.jsonl"
    assert '<a class="src-link" href="https://valley.example/reyl?a=1&amp;b=2" target="_blank" ' \
           'rel="noopener noreferrer nofollow">Reyl sworn in</a>' in html
    assert '<div class="src-also">also in: Coast Wire, Harbour Gazette</div>' in html
    assert 'data-date="2023-03-08"' in html and 'title="2023-03-08"' in html


def test_source_card_without_metadata_shows_only_what_is_known():
    html = card()
    assert re.sub(r"<[^>]+>", "", re.search(r'<div class="src-meta">(.*?)</div>', html).group(1)) == "wire.jsonl"
    assert "<a " not in html and "also in" not in html and "by " not in html and 'data-date=""' in html


def test_metadata_is_escaped_and_only_http_links_are_links():
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
                "//evil.example/x", "https://ok.example/\nx", "vbscript:x", "not a url"):
        html = card(url=url)
        assert "<a " not in html, url
    html = card(title=SCRIPT, outlet=IMG, author=f"{SCRIPT} Ortiz", date=f"2023-01-01{IMG}",
                url='https://x.example/"><script>alert(1)</script>', also_in=(IMG, "<b>Wire</b>"))
    assert_inert(html)
    assert 'href="https://x.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "also in: &lt;img src=x onerror=alert(1)&gt;, &lt;b&gt;Wire&lt;/b&gt;" in html
    assert "by &lt;script&gt;alert(1)&lt;/script&gt; Ortiz" in html


def test_answer_says_when_its_sources_were_published():
    def cite(n: int, day: str) -> Citation:
        return Citation(n=n, source="a.txt", title="T", text="Tomas Reyl.", quote="Tomas Reyl.", quote_end=11, date=day)

    one = render.answer_html(Answer("q", "Tomas Reyl [1]", False, citations=[cite(1, "2023-03-08")]))
    assert "✓ Checked against 1 source · published 8 Mar 2023 · see Sources" in one
    two = render.answer_html(Answer("q", "Reyl [1]. Brenn [2].", False,
                                    citations=[cite(1, "2023-03-08"), cite(2, "2023-01-12"), cite(3, "")]))
    assert "published 12 Jan 2023 – 8 Mar 2023" in two
    undated = render.answer_html(Answer("q", "Tomas Reyl [1]", False, citations=[cite(1, "")]))
    assert "published" not in undated and "Checked against 1 source · see Sources" in undated


def test_corpus_lists_dates_outlets_and_near_copies_in_the_order_given():
    arts = [Article("k-coast", "wire.jsonl", "Reyl sworn in (wire)", "h1", 1, outlet="Coast Wire", date="2023-03-09",
                    group="k-coast"),
            Article("k-valley", "wire.jsonl", "Reyl sworn in", "h2", 2, outlet="Valley Times", date="2023-03-08",
                    author="Sam Okafor", url="https://valley.example/reyl", group="k-coast"),
            Article("k-harbour", "wire.jsonl", "Brenn elected", "h3", 1, outlet="Harbour Gazette", date="2023-01-12",
                    group="k-harbour"),
            Article("k-old", "notes.txt", f"Undated {SCRIPT}", "h4", 3)]
    html = render.corpus_html(arts)
    assert_inert(html)
    rows = re.findall(r"<tr data-date=\"([^\"]*)\">(.*?)</tr>", html)
    assert [d for d, _ in rows] == ["2023-03-09", "2023-03-08", "2023-01-12", ""]
    text = [re.sub(r"<[^>]+>", "|", r).replace("||", "|") for _, r in rows]
    assert "9 Mar 2023" in text[0] and "Coast Wire" in text[0] and "2 copies" in text[0]
    assert "same story as Coast Wire, 9 Mar 2023" in text[1] and "by Sam Okafor" in text[1]
    assert '<a href="https://valley.example/reyl"' in rows[1][1]
    assert "copies" not in text[2] and "same story" not in text[2]  # a group of one is no group
    assert "undated" in text[3] and "&lt;script&gt;" in rows[3][1]
    assert 'title="also in: Valley Times"' in html and "<th>Copies</th>" in html
    header = render.header_html(arts, "m")
    assert "12 Jan 2023 – 9 Mar 2023" in header and "4 articles" in header
    assert "Jan" not in render.header_html(arts[3:], "m")  # undated only: no date range


def test_dated_corpus_from_the_library_renders_newest_first_with_its_group(settings, fake_embedder, tmp_path):
    from .test_app_handlers import write_dated_corpus

    rag = rag_with(settings, fake_embedder)
    rag.ingest([write_dated_corpus(tmp_path)])
    html = render.corpus_html(rag.articles())
    assert re.findall(r'<tr data-date="([^"]*)"', html) == ["2023-03-09", "2023-03-08", "2023-01-12"]
    assert html.count("2 copies") == 1 and html.count("same story as") == 1


# ---------------------------------------------------------------------------------------------- open answers
def open_answer(text: str, kind: str = "list", mode: str = "quoted", n: int = 2) -> Answer:
    cites = [Citation(n=i, source=f"{i}.txt", title=f"T{i}", text=f"Passage {i}.", quote=f"Passage {i}.",
                      quote_end=10, chunk_id=f"c{i}") for i in range(1, n + 1)]
    return Answer("q", text, False, citations=cites, kind=kind, mode=mode)


def test_a_bullet_answer_is_a_list_of_escaped_items_with_their_badges():
    answer = open_answer(f"- Aid was promised {SCRIPT} [1].\n- Trade <b>grew</b> [2].\n- Both sides met [1, 2].",
                         n=2)
    html = render.answer_html(answer)
    assert_inert(html)
    items = re.findall(r"<li>(.*?)</li>", html)
    assert len(items) == 3 and html.count('<ul class="answer-list">') == 1 and "<br>" not in html
    assert items[0] == 'Aid was promised &lt;script&gt;alert(1)&lt;/script&gt; ' \
                       '<span class="cite" title="Source 1">[1]</span>.'
    assert items[1].startswith("Trade &lt;b&gt;grew&lt;/b&gt; ") and ">[2]</span>." in items[1]
    assert '<span class="cite" title="Source 1, 2">[1, 2]</span>' in items[2]
    assert not any(i.startswith("- ") for i in items)  # the bullet is the list's, not the text's


def test_a_timeline_line_shows_its_date_and_a_paragraph_answer_stays_one_paragraph():
    html = render.answer_html(open_answer("- 2023-01-05: Talks began [1].\n- 2023-03-09: Credentials <i>x</i> [2].",
                                          kind="timeline"))
    assert_inert(html)
    assert '<li><span class="answer-date" title="2023-01-05">5 Jan 2023</span> Talks began ' in html
    assert "9 Mar 2023</span> Credentials &lt;i&gt;x&lt;/i&gt;" in html
    para = render.answer_html(open_answer("Moscow sought trade [1]. It also wanted security [2].", kind="why"))
    assert para.count("<p>") == 1 and "<ul" not in para and para.count('class="cite"') == 2


def test_a_yes_no_verdict_leads_in_bold_and_only_at_the_start():
    html = render.answer_html(open_answer("No. Russia removed the group from its list [1]. No. [2]", kind="yesno"))
    assert html.count("answer-verdict") == 1
    assert '<p><strong class="answer-verdict">No.</strong> Russia removed' in html
    says = render.answer_html(open_answer("The articles don't say. Moscow spoke of trade [1].", kind="yesno"))
    assert "<strong class=\"answer-verdict\">The articles don&#x27;t say.</strong>" in says


def test_the_mode_label_says_how_an_open_answer_was_made_and_factoids_are_unchanged():
    quoted = render.answer_html(open_answer("Moscow sought trade [1].", kind="summary", mode="quoted"))
    written = render.answer_html(open_answer("Moscow sought trade [1].", kind="summary", mode="written"))
    assert '<div class="answer-mode mode-quoted">Quoted from the articles</div>' in quoted
    assert '<div class="answer-mode mode-written">Written by the model from the articles</div>' in written
    factoid = Answer("q", "Zhirnov — “Zhirnov met him.” [1]", False, short="Zhirnov",
                     citations=open_answer("", n=1).citations)
    html = render.answer_html(factoid)
    assert "answer-mode" not in html and '<strong class="answer-short">Zhirnov</strong>' in html
    assert html == render.answer_html(Answer(**{**factoid.__dict__}))  # factoid defaults: kind factoid, quoted
    abstained = Answer("q", "The articles don't say.", True, kind="why", mode="quoted")
    assert "answer-mode" not in render.answer_html(abstained)


def test_open_answers_from_the_pipeline_render_every_sentence_and_every_cited_passage(settings, fake_embedder,
                                                                                        fake_rag):
    rag = rag_with(settings, fake_embedder)
    answer = rag.ask("What kinds of cooperation did Russia and the Taliban discuss?")
    assert answer.kind == "list" and answer.mode == "quoted" and not answer.abstained
    html = render.answer_html(answer)
    assert_inert(html)
    assert html.count("<li>") == len(answer.text.splitlines()) == len(answer.sentences)
    assert "Quoted from the articles" in html
    shown = {int(n) for n in re.findall(r'class="cite" title="Source (\d+)"', html)}
    assert shown == {c.n for c in answer.citations}
    panel = render.sources_html(Turn("q", answer=answer))
    carded = {int(n) for group in re.findall(r'data-n="([^"]*)"', panel) for n in group.split(",")}
    assert carded == {c.n for c in answer.citations} and len(carded) >= 2
    assert panel.count("<mark>") == len(answer.citations)

    reply = "Russia recognised the Taliban government [1]. Moscow also sent troops to Kabul [2]."
    written = rag_with(settings.with_overrides(open_answers="written"), fake_embedder, reply, chat=True).ask(
        "Why did Russia decide to recognise the Taliban government?")
    html = render.answer_html(written)
    assert written.mode == "written" and "Written by the model from the articles" in html
    assert "<p>" in html and "Removed: not supported" in html and "troops" in html
