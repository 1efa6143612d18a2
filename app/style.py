"""The look: a Gradio theme (bundled fonts only, nothing fetched) and the CSS for our own HTML."""

from __future__ import annotations

import gradio as gr


def theme() -> gr.themes.Base:
    # IBM Plex Sans ships inside Gradio, so nothing is fetched. Only 400 and 700: Gradio's bundled SemiBold
    # (600) files are tiny subsets, so semibold text fell back to another font; 600 now maps to 700.
    Font = gr.themes.Font | str
    font: list[Font] = [gr.themes.LocalFont("IBM Plex Sans", weights=(400, 700)), "ui-sans-serif", "sans-serif"]
    mono: list[Font] = [gr.themes.LocalFont("IBM Plex Mono", weights=(400,)), "ui-monospace", "monospace"]
    return gr.themes.Default(primary_hue="indigo", secondary_hue="slate", neutral_hue="slate",
                             radius_size="md", text_size="md", font=font, font_mono=mono)


CSS = """
.gradio-container { max-width: 1360px !important; margin: 0 auto !important; }
footer { opacity: .7; }

/* header */
.app-header { display: flex; justify-content: space-between; align-items: flex-end; gap: 24px;
  padding: 4px 2px 10px; border-bottom: 1px solid var(--border-color-primary); }
.app-header h1 { font-size: 1.6rem; font-weight: 700; margin: 0 0 4px; letter-spacing: -0.01em; }
.app-header p { margin: 0; color: var(--body-text-color-subdued); font-size: .95rem; max-width: 640px; }
.app-stats { display: flex; gap: 8px; flex-wrap: wrap; justify-content: flex-end; max-width: 520px; }
.app-stats span { font-size: .8rem; padding: 3px 10px; border-radius: 999px; white-space: nowrap;
  background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
  color: var(--body-text-color-subdued); }

/* chat */
#chat .message-content, #chat .message { font-size: 1rem; line-height: 1.55; }
.cite { display: inline-block; font-size: .78em; font-weight: 600; line-height: 1.3; padding: 0 6px;
  margin: 0 1px; border-radius: 6px; vertical-align: 1px; background: var(--color-accent-soft, #e0e7ff);
  color: var(--color-accent, #4338ca); border: 1px solid var(--color-accent, #6366f1); }
.cursor { animation: blink 1s steps(2, start) infinite; opacity: .7; }
@keyframes blink { to { visibility: hidden; } }
.answer-short { font-weight: 600; font-size: 1.08em; }
.answer-rest { color: var(--body-text-color-subdued); }
/* open answers (summary, why, list, timeline ...): paragraphs and bullets, the verdict and how it was made */
.answer-open p { margin: 0 0 6px; }
.answer-open p:last-child { margin-bottom: 0; }
#chat .answer-open ul.answer-list { margin: 2px 0 0; padding-left: 20px; list-style: disc outside; }
#chat .answer-open ul.answer-list li { margin: 4px 0; padding-left: 2px; }
.answer-verdict { font-weight: 700; font-size: 1.05em; }
.answer-date { font-weight: 700; white-space: nowrap; font-variant-numeric: tabular-nums; }
.answer-mode { display: inline-block; margin-top: 8px; padding: 1px 9px; border-radius: 999px; font-size: .76rem;
  border: 1px solid #cbd5e1; background: var(--background-fill-secondary); color: #475569; }
.answer-mode.mode-written { border-color: #c4b5fd; color: #6d28d9; }
.answer-meta { margin-top: 6px; font-size: .78rem; color: var(--body-text-color-subdued); }
.answer-meta.ok { color: #15803d; }
.msg-pending { color: var(--body-text-color-subdued); font-style: italic; }
.msg-stopped { color: var(--body-text-color-subdued); font-style: italic; }
.msg-error { color: var(--error-text-color, #b91c1c); }
.abstain-label, .flagged-label { font-size: .75rem; font-weight: 700; text-transform: uppercase;
  letter-spacing: .05em; margin-bottom: 4px; }
.abstain-label { color: #b45309; }
.abstain .closest { margin: 8px 0 0; padding-left: 18px; font-size: .9rem; }
.abstain .closest li { margin: 4px 0; }
.cite-file, .src-file { font-family: var(--font-mono); font-size: .8em; color: var(--body-text-color-subdued); }
.flagged { margin-top: 10px; padding: 8px 10px; border-radius: 8px; background: rgba(220, 38, 38, .07);
  border-left: 3px solid #dc2626; font-size: .9rem; }
.flagged-label { color: #b91c1c; }
.flagged ul { margin: 0; padding-left: 18px; }
.flagged s { text-decoration-color: #dc2626; }
.flagged .missing { color: var(--body-text-color-subdued); font-size: .85em; }

#ask-row { align-items: stretch; gap: 8px; }
#ask-row textarea { font-size: 1rem; }
#ask-row button { align-self: stretch; }

/* filters: one compact row under the question box */
#filters { gap: 8px; margin-top: 2px; }
#filters .block { padding: 6px 8px !important; }
#filters input, #filters textarea { font-size: .9rem; }

/* sources */
/* Gradio's .block rule sets overflow: visible; without !important a tall panel spills over the settings */
#sources { max-height: 580px; overflow-y: auto !important; padding-right: 4px; }
.sources-empty { padding: 22px 20px; border: 1px dashed var(--border-color-primary); border-radius: 12px;
  color: var(--body-text-color-subdued); line-height: 1.55; }
.sources-empty-title { font-weight: 700; color: var(--body-text-color); margin-bottom: 6px; font-size: 1.05rem; }
.sources-q { font-size: .78rem; text-transform: uppercase; letter-spacing: .06em; font-weight: 700;
  color: var(--body-text-color-subdued); margin: 2px 0 10px; }
.sources-q q { text-transform: none; letter-spacing: 0; font-weight: 600; color: var(--body-text-color); }
.sources-note { font-size: .9rem; color: var(--body-text-color-subdued); margin: 0 0 10px; }
.sources.abstained .sources-note { color: #b45309; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 12px; padding: 12px 14px;
  margin-bottom: 12px; background: var(--block-background-fill); box-shadow: 0 1px 2px rgba(0,0,0,.04); }
.src-top { display: flex; gap: 10px; align-items: flex-start; margin-bottom: 8px; }
.src-ns { display: flex; gap: 4px; flex: none; }
.src-n { flex: none; width: 26px; height: 26px; border-radius: 8px; display: flex; align-items: center;
  justify-content: center; font-weight: 700; font-size: .85rem; background: var(--color-accent, #6366f1);
  color: white; }
.sources.abstained .src-n { background: #94a3b8; }
.src-title { font-weight: 650; line-height: 1.3; }
.src-meta { font-size: .8rem; color: var(--body-text-color-subdued); margin-top: 2px; }
.src-outlet { font-weight: 600; color: var(--body-text-color); }
.src-date { white-space: nowrap; }
a.src-link, table.corpus a { color: inherit; padding: 0 !important; text-decoration: underline;
  text-underline-offset: 2px; text-decoration-color: var(--border-color-accent, #a5b4fc); }
a.src-link:hover, table.corpus a:hover { color: var(--color-accent, #4338ca); }
.src-also { font-size: .78rem; color: var(--body-text-color-subdued); margin-top: 2px; font-style: italic; }
.src-text { margin: 0; font-size: .92rem; line-height: 1.6; color: var(--body-text-color); }
.src-text mark { background: #fde68a; color: #1f2937; padding: 1px 2px; border-radius: 3px;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; }

/* corpus */
table.corpus { width: 100%; border-collapse: collapse; font-size: .9rem; border: none !important; }
table.corpus th, table.corpus td { border-left: none !important; border-right: none !important;
  border-top: none !important; background: transparent; }
table.corpus th { text-align: left; font-size: .75rem; text-transform: uppercase; letter-spacing: .05em;
  color: var(--body-text-color-subdued); border-bottom: 1px solid var(--border-color-primary); padding: 6px 8px; }
table.corpus td { padding: 7px 8px; border-bottom: 1px solid var(--border-color-primary); vertical-align: top; }
table.corpus .num { text-align: right; width: 70px; }
table.corpus .c-date { white-space: nowrap; width: 100px; }
table.corpus .undated { color: var(--body-text-color-subdued); font-style: italic; }
table.corpus .c-author { font-size: .8rem; color: var(--body-text-color-subdued); }
table.corpus .c-copies { font-size: .8rem; color: var(--body-text-color-subdued); }
table.corpus .copies { font-weight: 600; color: #b45309; }
.corpus-empty, .upload-status { color: var(--body-text-color-subdued); font-size: .9rem; }
.upload-notes { margin: 6px 0 0; padding-left: 18px; color: #b45309; }
"""
