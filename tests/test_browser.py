"""The real app (`python -m app`, real default models) in a subprocess: /ask through gradio_client, and the
page driven in headless Chromium with Playwright (streamed answer with its cited passage, two sessions at
once, Stop, and an uploaded article full of HTML/JS shown as inert text).

One app process serves the whole module. Screenshots go to test-artifacts/ (git-ignored); run with
UPDATE_DOCS_SCREENSHOT=1 to refresh docs/screenshot.png as well.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from .conftest import ROOT
from .test_app_handlers import MAYOR_Q, write_dated_corpus

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
Q = "Who is Russia's ambassador to Afghanistan?"
Q2 = "Who is the Taliban foreign minister?"
DOCS_QUESTIONS = ("Which country first recognized the Taliban government?", Q2)
ANSWER_WAIT_MS = 90_000  # an answer takes ~2-4 s on 2 cores; generous for a loaded CI machine
EVIL = ("Zorblax bakery festival opens <script>alert(1)</script> <img src=x onerror=alert(1)>\n"
        "The mayor of Zorblax, Kira Vent, opened the bakery festival on Sunday. "
        "Visitors ate <img src=x onerror=alert(1)> many pies <script>alert(1)</script>.\n"
        "The Zorblax bakery festival lasts three days and ends on Tuesday.\n")

pytestmark = pytest.mark.realmodel


def relates(quote: str, question: str) -> bool:
    """The cited sentence is about the question asked (not the other session's): it names its subject."""
    subject = {Q: "ambassador", Q2: "foreign minister"}[question]
    return subject in " ".join(quote.lower().split())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(work: Path, name: str = "app") -> Iterator[dict]:
    """`python -m app` on a free port over the index in `work/index`; always stopped."""
    port = free_port()
    env = {**os.environ, "RAG_INDEX_DIR": str(work / "index"), "RAG_UPLOAD_DIR": str(work / "uploads"),
           "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    log_path = work / "app.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 240
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the app exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            if "is ready" in log_path.read_text():
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not start in 240 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"url": url, "env": env, "log": log_path, "work": work}
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(log_path, ARTIFACTS / f"{name}.log")  # for CI: what the server said
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # our own process group (start_new_session), nothing else
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The app over an empty temp index (start-up ingests the seeds)."""
    with serving(tmp_path_factory.mktemp("live-app")) as app:
        yield app


@pytest.fixture(scope="module")
def dated_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The app over a hand-made dated corpus alone (JSONL records with publish dates, outlets, a near-copy),
    ingested with `rag ingest` before start-up (so the seeds are not added)."""
    work = tmp_path_factory.mktemp("dated-app")
    records = write_dated_corpus(work / "corpus")
    env = {**os.environ, "RAG_INDEX_DIR": str(work / "index")}
    done = subprocess.run([str(Path(sys.executable).parent / "rag"), "ingest", str(records)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "added 3" in done.stdout + done.stderr, done.stdout + done.stderr
    with serving(work, "dated-app") as app:
        yield app


# ---------------------------------------------------------------------------------------------- API
def test_ask_endpoint_returns_the_same_json_as_rag_ask(live_app):
    from gradio_client import Client

    client = Client(live_app["url"], verbose=False)
    got = client.predict(Q, api_name="/ask")
    assert {"answer", "abstained", "citations", "flagged", "closest"} <= set(got)
    assert not got["abstained"] and "[1]" in got["answer"]
    [cite] = [c for c in got["citations"] if c["n"] == 1]
    assert cite["quote"] in cite["text"] and cite["source"].endswith(".txt")
    assert "ambassador" in cite["quote"].lower()  # cites a passage about the question

    cli = subprocess.run([str(Path(sys.executable).parent / "rag"), "ask", Q, "--json"], env=live_app["env"],
                         cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == got  # the same pipeline, settings and index: the same JSON


def test_two_api_callers_at_once_each_get_their_own_answer(live_app):
    from gradio_client import Client

    client = Client(live_app["url"], verbose=False)
    jobs = {q: client.submit(q, api_name="/ask") for q in (Q, Q2)}
    first, second = jobs[Q].result(timeout=180), jobs[Q2].result(timeout=180)
    assert first != second
    assert any(relates(c["quote"], Q) for c in first["citations"])
    assert any(relates(c["quote"], Q2) for c in second["citations"])


# ---------------------------------------------------------------------------------------------- browser
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (scripts/browser.sh) or "
                    "`apt-get install -y chromium chromium-driver`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """One browser session on the chat page, recording any JS dialog (there must never be one)."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url)
        self.page.wait_for_selector("#question textarea", timeout=30_000)

    def ask(self, question: str) -> None:
        self.page.fill("#question textarea", question)
        self.page.keyboard.press("Enter")

    def wait_answer(self, n: int = 1) -> str:
        """Wait until the n-th bot message is finished (no cursor, no pending line); return its text."""
        try:
            self.page.wait_for_function(
                """n => { const m = document.querySelectorAll('#chat [data-testid="bot"]');
                          return m.length >= n && !m[n-1].querySelector('.cursor, .msg-pending'); }""",
                arg=n, timeout=ANSWER_WAIT_MS)
        except Exception:
            ARTIFACTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / "timeout.png"), full_page=True)
            raise
        return self.page.locator('#chat [data-testid="bot"]').nth(n - 1).inner_text()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser, live_app) -> Iterator[Page]:
    p = Page(browser, live_app["url"])
    yield p
    p.close()


RECORD_STREAM = """() => {
  window.__frames = [];
  new MutationObserver(() => {
    const m = document.querySelectorAll('#chat [data-testid="bot"]');
    if (m.length) window.__frames.push(m[m.length - 1].innerHTML);
  }).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
}"""


@pytest.mark.browser
def test_chat_streams_a_cited_answer_and_shows_its_source_passage(page):
    page.page.evaluate(RECORD_STREAM)
    page.ask(Q)
    text = page.wait_answer()
    assert "[1]" in text
    frames = page.page.evaluate("window.__frames")
    assert any("msg-pending" in f for f in frames)  # the question is acknowledged at once
    assert any("cursor" in f for f in frames)  # then the answer streams in, piece by piece

    sources = page.page.locator("#sources")
    card = sources.locator(".src-card").first
    card.wait_for(state="visible")
    card_text = card.inner_text()
    assert ".txt" in card.locator(".src-file").inner_text()
    marked = card.locator("mark").first
    assert marked.is_visible() and relates(marked.inner_text(), Q)
    assert marked.inner_text() in card_text and card.locator(".src-n").first.inner_text() == "1"
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)

    # a follow-up in the same session, then clear
    page.ask("Whom did he meet in Kabul?")
    follow = page.wait_answer(2)
    assert follow.strip()
    assert page.page.locator('#chat [data-testid="user"]').count() == 2
    assert "Whom did he meet" in page.page.locator("#sources .sources-q").inner_text()
    page.page.locator('#chat [data-testid="bot"]').first.click()  # an earlier answer -> its sources again
    page.page.wait_for_function("q => document.querySelector('#sources .sources-q').innerText.includes(q)", arg=Q)
    page.page.click("#clear-btn")
    page.page.wait_for_function("() => !document.querySelector('#chat [data-testid=\"bot\"]')")
    assert "Every answer cites" in page.page.locator("#sources").inner_text()
    assert not page.dialogs


@pytest.mark.browser
def test_abstention_lists_the_closest_passages_and_the_tall_panel_scrolls_instead_of_overlapping(page):
    page.ask("Which team won the 1998 football World Cup?")  # nothing in the news articles is close
    text = page.wait_answer()
    assert "don't say" in text
    assert page.page.locator("#chat .abstain .closest li").count() == 3
    page.page.locator("#sources .src-card").first.wait_for(state="visible")
    box = page.page.evaluate("""() => {
        const s = document.querySelector('#sources'), st = document.querySelector('#settings');
        return {overflow: getComputedStyle(s).overflowY, bottom: s.getBoundingClientRect().bottom,
                settingsTop: st.getBoundingClientRect().top, tall: s.scrollHeight > s.clientHeight}; }""")
    # The three closest passages are taller than the panel: it scrolls, and nothing is drawn over the settings.
    assert box["overflow"] in ("auto", "scroll"), box
    assert box["bottom"] <= box["settingsTop"] + 1, box
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "abstain.png"), full_page=True)


@pytest.mark.browser
def test_an_open_list_question_renders_bullets_with_badges_the_mode_and_every_cited_passage(page):
    page.ask("What kinds of cooperation did Russia and the Taliban discuss?")
    page.wait_answer()
    bot = page.page.locator('#chat [data-testid="bot"]').first
    items = bot.locator("ul.answer-list > li")
    assert items.count() >= 2
    cited: set[str] = set()
    for i in range(items.count()):
        item = items.nth(i)
        text = item.inner_text().strip()
        assert not text.startswith("-") and item.locator(".cite").count() >= 1, text  # a real list item
        cited |= {b.strip("[]") for b in item.locator(".cite").all_inner_texts()}
    style = bot.locator("ul.answer-list").evaluate("e => getComputedStyle(e).listStyleType")
    assert style == "disc", style  # shown as bullets, not as lines of text
    assert bot.locator(".answer-mode").inner_text() == "Quoted from the articles"  # the default base model
    page.page.locator("#sources .src-card").first.wait_for(state="visible")
    carded = page.page.eval_on_selector_all("#sources .src-card", "cs => cs.flatMap(c => c.dataset.n.split(','))")
    assert set(carded) == cited  # every cited passage has its card, and nothing else does
    ARTIFACTS.mkdir(exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "open-list.png"), full_page=True)
    assert not page.dialogs


@pytest.mark.browser
def test_example_question_from_the_corpus_is_asked_on_click(page):
    example = page.page.locator("#chat button.example, #chat .example").first
    example.wait_for(state="visible")
    text = example.inner_text().strip()
    assert text.startswith("Who is ") and text.endswith("?")
    example.click()
    page.wait_answer()
    assert page.page.locator('#chat [data-testid="user"]').first.inner_text().strip() == text
    assert page.page.locator("#sources .src-card").count() >= 1


@pytest.mark.browser
def test_two_sessions_at_once_each_get_their_own_stream(browser, live_app):
    a, b = Page(browser, live_app["url"]), Page(browser, live_app["url"])
    try:
        a.ask(Q)
        b.ask(Q2)  # queued behind a's answer: one model serves both
        answer_a, answer_b = a.wait_answer(), b.wait_answer()
        assert answer_a != answer_b and "[1]" in answer_a and "[1]" in answer_b
        for p, q in ((a, Q), (b, Q2)):
            users = p.page.locator('#chat [data-testid="user"]')
            assert users.count() == 1 and users.first.inner_text().strip() == q
            assert relates(p.page.locator("#sources mark").first.inner_text(), q)
            assert q in p.page.locator("#sources .sources-q").inner_text()
    finally:
        a.close()
        b.close()


@pytest.mark.browser
def test_stop_cancels_the_answer_and_the_chat_goes_on(page):
    # A short answer can finish before the click lands on a busy machine; then the chat shows it whole and we
    # try again. Three finished answers in a row fail the test: Stop would then not be stopping anything.
    for attempt in range(1, 4):
        page.ask(Q)
        page.page.wait_for_selector(f'#chat [data-testid="bot"] >> nth={attempt - 1}')
        page.page.click("#stop-btn")
        try:
            page.page.wait_for_selector("#chat .msg-stopped", timeout=10_000)
            break
        except Exception:
            page.wait_answer(attempt)  # it finished first: the next try asks again
            continue
    else:
        pytest.fail("Stop never cancelled an answer in three tries")
    time.sleep(4)  # longer than an answer takes: a cancelled answer must not arrive late
    bot = page.page.locator("#chat .msg-stopped").locator("xpath=ancestor-or-self::*[@data-testid='bot']").first
    assert "Stopped." in bot.inner_text() and not bot.locator(".cite").count()
    n = page.page.locator('#chat [data-testid="bot"]').count()
    page.ask(Q2)  # the queue slot was released
    assert "[1]" in page.wait_answer(n + 1)


@pytest.mark.browser
def test_uploaded_article_with_script_and_img_payload_is_shown_as_text(page, live_app, tmp_path):
    evil = tmp_path / "zorblax.txt"
    evil.write_text(EVIL, encoding="utf-8")
    pg = page.page
    pg.click("#corpus-panel button, #corpus-panel .label-wrap")  # open the corpus accordion
    pg.locator("#upload input[type=file]").set_input_files(str(evil))
    pg.wait_for_function("() => document.querySelector('#upload').innerText.includes('zorblax.txt')")
    pg.click("#add-btn")
    pg.wait_for_function("() => document.querySelector('#corpus').innerText.includes('zorblax.txt')",
                         timeout=60_000)
    assert (Path(live_app["env"]["RAG_UPLOAD_DIR"]) / "zorblax.txt").exists()
    corpus = pg.locator("#corpus").inner_text()
    assert "<script>alert(1)</script>" in corpus and "<img src=x onerror=alert(1)>" in corpus
    assert "added 1" in pg.locator("#upload-status").inner_text()

    question = "Who opened the Zorblax bakery festival? <img src=x onerror=alert(1)>"
    page.ask(question)
    page.wait_answer()
    assert question in pg.locator('#chat [data-testid="user"]').first.inner_text()
    sources = pg.locator("#sources").inner_text()
    assert "zorblax.txt" in sources and "<img src=x onerror=alert(1)>" in sources
    for area in ("#corpus", "#sources", "#chat"):
        assert pg.locator(f"{area} img[src=x], {area} script").count() == 0
    time.sleep(1)
    assert page.dialogs == []
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "xss.png"), full_page=True)



@pytest.mark.browser
@pytest.mark.skipif(not os.environ.get("UPDATE_DOCS_SCREENSHOT"), reason="set UPDATE_DOCS_SCREENSHOT=1 to refresh it")
def test_docs_screenshot(page):
    """docs/screenshot.png for the README: two seed questions answered, the last one's sources beside them."""
    for n, question in enumerate(DOCS_QUESTIONS, 1):
        page.ask(question)
        assert "[1]" in page.wait_answer(n)
    page.page.mouse.move(0, 0)
    time.sleep(1)
    page.page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)


OPEN_QUESTIONS = {  # one natural question of each open shape about the seed articles (docs/open-answers/)
    "summary": "Summarize what happened between Russia and the Taliban.",
    "why": "Why did Russia decide to recognize the Taliban government?",
    "how": "How did the Taliban react to Russia's recognition?",
    "list": "What areas of cooperation did Russia and the Taliban discuss?",
    "yesno": "Is the Taliban still on Russia's list of terrorist organizations?",
    "compare": "How does Russia's stance on the Taliban differ from that of Western countries?",
    "timeline": "Give me a timeline of Russia's relations with the Taliban.",
}
SHOT_PREFIX = {"": "default", "gemma-270m": "default", "qwen2.5-coder-1.5b": "qwen1.5b",
               "qwen2.5-coder-0.5b": "qwen0.5b"}
GROWN_CHAT = """#chat { height: auto !important; max-height: none !important; }
#chat .bubble-wrap, #chat [role=log] { height: auto !important; max-height: none !important;
  overflow: visible !important; }"""  # the whole answer in the picture, not the chat's scrolled window


@pytest.mark.browser
@pytest.mark.skipif(not os.environ.get("UPDATE_DOCS_SCREENSHOT"), reason="set UPDATE_DOCS_SCREENSHOT=1 to refresh it")
@pytest.mark.parametrize("kind", list(OPEN_QUESTIONS))
def test_docs_open_answer_screenshots(browser, live_app, kind):
    """docs/open-answers/<model>-<kind>.png: the chat column with one open answer (RAG_MODEL picks the model;
    a chat preset's answer can take minutes on 2 cores)."""
    p = Page(browser, live_app["url"])
    p.page.set_viewport_size({"width": 1640, "height": 1000})  # the chat column at its widest (~700 px)
    try:
        p.ask(OPEN_QUESTIONS[kind])
        p.page.wait_for_function(
            """() => { const m = document.querySelector('#chat [data-testid="bot"]');
                       return m && !m.querySelector('.cursor, .msg-pending'); }""", timeout=600_000)
        p.page.add_style_tag(content=GROWN_CHAT)
        p.page.mouse.move(0, 0)
        time.sleep(1)
        prefix = SHOT_PREFIX.get(os.environ.get("RAG_MODEL", ""), os.environ.get("RAG_MODEL", ""))
        (ROOT / "docs" / "open-answers").mkdir(parents=True, exist_ok=True)
        p.page.locator("#chat").screenshot(path=str(ROOT / "docs" / "open-answers" / f"{prefix}-{kind}.png"))
    finally:
        p.close()


# ---------------------------------------------------------------------------------------------- filters
def card_dates(page: Page) -> list[str]:
    return page.page.eval_on_selector_all("#sources .src-card", "cards => cards.map(c => c.dataset.date)")


def box(page: Page, elem_id: str):
    return page.page.locator(f"#{elem_id} input, #{elem_id} textarea").first


@pytest.mark.browser
def test_date_filter_keeps_the_cited_sources_inside_the_window(browser, dated_app):
    """The same question in two date windows cites the article of each window (and a bad date is a message)."""
    page = Page(browser, dated_app["url"])
    pg = page.page
    try:
        box(page, "since").fill("2023-03-01")
        page.ask(MAYOR_Q)
        first = page.wait_answer()
        pg.locator("#sources .src-card").first.wait_for(state="visible")
        dates = card_dates(page)
        assert dates and all(d >= "2023-03-01" for d in dates), dates
        card = pg.locator("#sources .src-card").first
        meta = card.locator(".src-meta").inner_text()
        assert "Mar 2023" in meta and ("Valley Times" in meta or "Coast Wire" in meta), meta
        assert card.locator("a.src-link").get_attribute("href").startswith("https://")
        if "Not in the articles" not in first:  # an answer (not an abstention) names the near-copy's outlet
            assert "also in:" in card.inner_text() and "published" in first
        ARTIFACTS.mkdir(exist_ok=True)
        pg.mouse.move(0, 0)
        pg.screenshot(path=str(ARTIFACTS / "filtered.png"), full_page=True)

        box(page, "since").fill("")
        box(page, "until").fill("2023-01-31")
        page.ask(MAYOR_Q)
        page.wait_answer(2)
        pg.wait_for_function("""() => { const c = [...document.querySelectorAll('#sources .src-card')];
                                        return c.length && c.every(x => x.dataset.date <= '2023-01-31'); }""")
        assert card_dates(page) == ["2023-01-12"] or all(d <= "2023-01-31" for d in card_dates(page))
        assert "Harbour Gazette" in pg.locator("#sources .src-card").first.inner_text()

        box(page, "until").fill("31/31/2023")
        page.ask(MAYOR_Q)
        third = page.wait_answer(3)
        assert "Could not answer" in third and "“Until” box" in third and "YYYY-MM-DD" in third
        assert "Traceback" not in pg.locator("body").inner_text() and not page.dialogs
    finally:
        page.close()
