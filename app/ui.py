"""The page layout and its event wiring: chat + sources side by side, settings, corpus and uploads below."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from rag import RAG, RagError

from . import render
from .examples import example_questions
from .handlers import Handlers, corpus_label, outlet_choices
from .uploads import ALLOWED, MAX_FILES

LLM = "rag"  # concurrency group: one llama.cpp instance (and one index writer) serves every session


def corpus_examples(rag: RAG, limit: int = 4) -> list[str]:
    """Example questions about the people the ingested articles talk about ([] for an empty index)."""
    try:
        texts = [c.text for c in rag.store().all_chunks()]
    except RagError:
        return []
    return example_questions(texts, limit=limit)


def build(rag: RAG, upload_dir: Path) -> gr.Blocks:
    """The Blocks app. Theme and CSS are given to launch() (Gradio 6): see `app.style`."""
    h = Handlers(rag, upload_dir)
    s = rag.settings
    articles = h.articles()
    mb = s.max_file_bytes / 1_000_000

    with gr.Blocks(title="Ask the news", analytics_enabled=False) as demo:
        turns = gr.State([])  # this session's conversation (gr.State is per browser session)
        header = gr.HTML(render.header_html(articles, rag.model_name), elem_id="header", js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=11, min_width=420):
                chatbot = gr.Chatbot(
                    value=[], show_label=False, elem_id="chat", height=500, layout="bubble",
                    # Messages are HTML we build from escaped text (app.render); the sanitizer stays on too.
                    render_markdown=False, sanitize_html=True, allow_tags=False, latex_delimiters=[],
                    examples=[{"text": q} for q in corpus_examples(rag)] or None,
                    placeholder="**Ask a question about the news articles.**<br>Try one of these:",
                    buttons=[], feedback_options=None, autoscroll=True,
                )
                with gr.Row(elem_id="ask-row", equal_height=True):
                    question = gr.Textbox(
                        show_label=False, placeholder="Ask about the articles…",
                        lines=1, max_lines=4, scale=8, autofocus=True, elem_id="question", container=False,
                        max_length=s.max_question_chars,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=0, min_width=88, elem_id="ask-btn")
                    stop = gr.Button("Stop", variant="secondary", scale=0, min_width=80, elem_id="stop-btn")
                    clear = gr.Button("Clear chat", variant="secondary", scale=0, min_width=110,
                                      elem_id="clear-btn")
                # Which articles every question may use (blank = all); applied inside retrieval, so an answer
                # never cites an article outside them.
                with gr.Row(elem_id="filters", equal_height=True):
                    since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", elem_id="since", scale=2,
                                       min_width=120, max_lines=1, max_length=40)
                    until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", elem_id="until", scale=2,
                                       min_width=120, max_lines=1, max_length=40)
                    outlets = gr.Dropdown(choices=outlet_choices(articles), value=[], multiselect=True,
                                          label="Outlets", elem_id="outlets", scale=4, min_width=180,
                                          allow_custom_value=False, filterable=True)
                    as_of = gr.Textbox(label="As of", placeholder="today", elem_id="as-of", scale=2,
                                       min_width=120, max_lines=1, max_length=40)
            with gr.Column(scale=9, min_width=360):
                sources = gr.HTML(render.EMPTY_SOURCES, elem_id="sources", js_on_load=None)

        with gr.Accordion("Settings", open=False, elem_id="settings"):
            with gr.Row():
                top_k = gr.Slider(1, 20, value=s.top_k, step=1, label="Passages retrieved",
                                  info="Chunks fetched from the index for each question (top k).")
                max_passages = gr.Slider(0, 12, value=s.max_passages, step=1, label="Sentences shown to the model",
                                         info="Numbered sentences the model picks its answer from "
                                              "(0 = chosen from the model: 1 for a base model, 3 for a chat model).")
                temperature = gr.Slider(0, 1.5, value=s.temperature, step=0.1, label="Temperature",
                                        info="0 = the same question always gets the same answer.")
                gr.Textbox(rag.model_name, label="Model in use", interactive=False, elem_id="model-name")

        with gr.Accordion(corpus_label(articles), open=False, elem_id="corpus-panel") as corpus_panel:
            corpus = gr.HTML(render.corpus_html(articles), elem_id="corpus", js_on_load=None)
            with gr.Row(equal_height=False):
                files = gr.File(
                    label=f"Add articles: {', '.join(ALLOWED)} · up to {mb:g} MB each · {MAX_FILES} per upload",
                    file_count="multiple", file_types=list(ALLOWED), elem_id="upload", scale=3, height=140,
                )
                with gr.Column(scale=1, min_width=200):
                    add = gr.Button("Add to the corpus", variant="primary", elem_id="add-btn")
                    upload_status = gr.HTML("", elem_id="upload-status", js_on_load=None)

        # ---- events: show the question at once, then stream the answer (queued: one model for all sessions)
        chat_out = [chatbot, sources, turns]
        answer: dict[str, Any] = dict(fn=h.respond, inputs=[turns, top_k, temperature, max_passages, since, until,
                                                          outlets, as_of], outputs=chat_out,
                      concurrency_limit=1, concurrency_id=LLM, api_visibility="private",
                      show_progress="minimal", show_progress_on=[chatbot])
        shown: dict[str, Any] = dict(fn=h.submit, inputs=[question, turns], outputs=[question, chatbot, turns],
                     concurrency_limit=None, api_visibility="private", show_progress="hidden")
        runs = [
            question.submit(**shown).success(**answer),
            ask.click(**shown).success(**answer),
            chatbot.example_select(h.pick_example, None, question, concurrency_limit=None,
                                   api_visibility="private", show_progress="hidden")
                   .success(**shown).success(**answer),
        ]
        stop.click(h.stop, [turns], chat_out, cancels=runs, concurrency_limit=None, api_visibility="private")
        clear.click(h.clear, None, chat_out, cancels=runs, concurrency_limit=None, api_visibility="private")
        chatbot.clear(h.clear, None, chat_out, cancels=runs, concurrency_limit=None, api_visibility="private")
        chatbot.select(h.select_turn, [turns], [sources], concurrency_limit=None, api_visibility="private",
                       show_progress="hidden")

        for box in (since, until, as_of):  # a date that does not parse is named as soon as the box is left
            box.blur(h.check_dates, [since, until, as_of], None, concurrency_limit=None, api_visibility="private",
                     show_progress="hidden")

        corpus_out = [corpus, header, corpus_panel]
        quiet: dict[str, Any] = dict(concurrency_limit=None, api_visibility="private", show_progress="hidden")
        add.click(h.upload, [files], [*corpus_out, files, upload_status], concurrency_limit=1,
                  concurrency_id=LLM, api_visibility="private").then(h.outlet_filter, None, outlets, **quiet)
        demo.load(h.corpus, None, corpus_out, **quiet)
        demo.load(h.outlet_filter, None, outlets, **quiet)

        # ---- API: Client(url).predict("question", api_name="/ask") -> the JSON of `rag ask --json`; optional
        # since=, until=, outlets=, as_of= as in RAG.ask
        gr.api(h.ask_api, api_name="ask", concurrency_limit=1, concurrency_id=LLM)
    return demo
