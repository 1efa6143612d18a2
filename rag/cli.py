"""The `rag` command: parse -> call the RAG API -> print. Errors become a message and exit code 2."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any, NoReturn, Sequence

from .config import Settings
from .errors import RagError
from .records import Answer, Citation

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    g = common.add_argument_group("settings (flags beat RAG_* environment variables)")
    g.add_argument("--index-dir", help="embedded Chroma folder (default: .rag/ in the project)")
    g.add_argument("--chroma-host", help="use a Chroma server at this host (with --chroma-port)")
    g.add_argument("--chroma-port", type=int, help="port of the Chroma server")
    g.add_argument("--collection", help="Chroma collection name (3+ characters)")
    g.add_argument("--model", metavar="NAME|PATH",
                   help="a preset from `rag models` or a GGUF file (default: gemma-270m, the packaged Gemma 3 270M)")
    g.add_argument("--embedder", help="a sentence-transformers folder (default: packaged all-MiniLM-L6-v2)")
    g.add_argument("--llm-url", metavar="URL",
                   help="read with an OpenAI-compatible LLM server at URL instead of a local GGUF (RAG_LLM_URL)")
    g.add_argument("-v", "--verbose", action="store_true", help="log what happens")

    p = argparse.ArgumentParser(prog="rag", description="Ask questions about a folder of news articles, offline.")
    sub = p.add_subparsers(dest="command", required=True)

    scope = argparse.ArgumentParser(add_help=False)
    g = scope.add_argument_group("which articles (publish dates are read at ingest)")
    g.add_argument("--since", metavar="DATE", help="only articles published on or after DATE (YYYY-MM-DD)")
    g.add_argument("--until", metavar="DATE", help="only articles published on or before DATE")
    g.add_argument("--outlet", dest="outlets", action="append", metavar="NAME",
                   help="only articles from this outlet (repeat for several)")
    g.add_argument("--as-of", metavar="DATE", help="read 'this week', 'yesterday' … against DATE (default: today)")

    s = sub.add_parser("ingest", parents=[common], help="add or update articles in the index")
    s.add_argument("paths", nargs="*", default=["seeds"], help="files, folders or JSONL exports (default: seeds/)")
    s.add_argument("--json", action="store_true", help="print the summary as JSON (counts, skipped with reasons)")

    s = sub.add_parser("ask", parents=[common, scope], help="answer one question")
    s.add_argument("question")
    s.add_argument("--json", action="store_true", help="print {answer, abstained, citations} as JSON")
    s.add_argument("--top-k", type=int, help="chunks to retrieve")
    s.add_argument("--temperature", type=float, help="0 = deterministic")

    s = sub.add_parser("chat", parents=[common, scope], help="a conversation in the terminal (follow-ups welcome)")
    s.add_argument("--top-k", type=int)
    s.add_argument("--temperature", type=float)

    s = sub.add_parser("eval", parents=[common], help="score answers against a QA file (default: the dev set)")
    s.add_argument("qa_file", nargs="?", help="JSONL QA file (default: the committed dev set)")
    s.add_argument("--out", default="eval_out", help="folder for results.jsonl, summary.json, report.md, charts")
    s.add_argument("--realtimeqa", metavar="DIR", help="run the RealTime QA benchmark from this folder instead")
    s.add_argument("--limit", type=int, help="only the first N questions")

    s = sub.add_parser("models", parents=[common], help="list the model presets: installed, size, speed, install")
    s.add_argument("--json", action="store_true", help="print the list as JSON")

    s = sub.add_parser("serve", parents=[common],
                       help="an OpenAI-compatible HTTP endpoint with citations (POST /v1/chat/completions)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")

    s = sub.add_parser("calibrate", parents=[common],
                       help="choose the abstention threshold on a QA file and save it")
    s.add_argument("qa_file", nargs="?", help="JSONL QA file (default: the committed dev set)")
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    keys = ("index_dir", "chroma_host", "chroma_port", "collection", "model", "embedder", "llm_url")
    return Settings.from_env(**{k: getattr(args, k, None) for k in keys})


def command() -> NoReturn:
    """The `rag` console command. After a one-shot `rag ask` nothing is left to write, so the process ends
    without the interpreter's teardown (freeing the models' and Chroma's objects one by one: ~0.35 s)."""
    code = main()
    if sys.argv[1:2] == ["ask"]:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    for noisy in ("chromadb", "sentence_transformers", "httpx", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING if args.verbose else logging.ERROR)
    try:
        return _run(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from .pipeline import RAG

    if args.command == "models":
        return _models(settings_from(args), args.json)
    if args.command == "serve":
        from app.openai_api import serve  # the HTTP face lives beside the Gradio app (app/), over the same RAG

        return serve(settings_from(args), host=args.host, port=args.port)
    rag = RAG(settings_from(args))
    if args.command == "ingest":
        return _ingest(rag, args.paths, args.json)
    if args.command in ("ask", "chat"):
        rag.load(require_index=True)  # the models load side by side, and a missing index is named at once
    if args.command == "ask":
        answer = rag.ask(args.question, top_k=args.top_k, temperature=args.temperature, **_scope(args))
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        else:
            print(answer.text)
            print(format_tail(answer))
        return 0
    if args.command == "chat":
        return _chat(rag, top_k=args.top_k, temperature=args.temperature, **_scope(args))
    if args.command == "eval":
        from .evaluation.cli import run_eval

        return run_eval(rag, args)
    if args.command == "calibrate":
        from .evaluation.calibration import calibrate_cli

        return calibrate_cli(rag, args.qa_file)
    raise AssertionError(args.command)


def _models(settings: Settings, as_json: bool) -> int:
    from dataclasses import asdict

    from .models.presets import DEFAULT, PRESETS, resolve_name

    chosen = resolve_name(settings.model or settings.model_path)
    rows = [(p, p.installed(), (settings.models_dir / p.filename).is_file()) for p in PRESETS.values()]
    if as_json:
        print(json.dumps([{"name": p.name, "title": p.title, "default": p.name == DEFAULT, "installed": installed,
                           "assembled": assembled, "size_bytes": p.size, "install": p.install_command,
                           "licence": p.licence, "speed": asdict(p.speed) if p.speed else None}
                          for p, installed, assembled in rows], indent=2))
        return 0
    for p, installed, _ in rows:
        mark = "*" if chosen is p else " "
        state = ("installed" if installed else "not installed") + (" (default)" if p.name == DEFAULT else "")
        print(f"{mark} {p.name:<20} {p.title} · {p.size / 1e6:,.0f} MB · {state}")
        if p.speed is not None:
            sp = p.speed
            print(f"    measured {sp.date} on 2 cores: warm TTFT p50 {sp.ttft_p50_s:.2f} s, "
                  f"decode {sp.decode_tps:.0f} tokens/s, RSS {sp.rss_gb:.1f} GB")
        if not installed:
            print(f"    install: {p.install_command}")
    print("\nChoose one with --model NAME or RAG_MODEL=NAME (a GGUF path works too).")
    return 0


def _scope(args: argparse.Namespace) -> dict[str, Any]:
    """Which articles a question may use, and the date "this week" is read against (see RAG.stream)."""
    return {"since": args.since, "until": args.until, "outlets": args.outlets, "as_of": args.as_of}


def _ingest(rag: Any, paths: list[str], as_json: bool = False) -> int:
    from .ingest.progress import IngestBar

    bar = IngestBar()
    try:
        report = rag.ingest(paths, progress=bar)
    finally:
        bar.close()
    if as_json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return 0
    for line in report.warnings(more="`rag ingest --json` lists every one"):
        print(f"warning: {line}", file=sys.stderr)
    print(f"read {report.records_read} article(s) in {report.seconds:.1f} s: {report.summary()}")
    return 0


def mode_line(answer: Answer) -> str:
    """"(Quoted from the articles)" / "(Written by the model from the articles)" under an open answer; "" under
    a factoid or an abstention."""
    return f"({answer.made})" if answer.made else ""


def format_tail(answer: Answer) -> str:
    """What follows an answer's text: the mode line (open answers), then the sources."""
    return "\n".join(x for x in (mode_line(answer), format_sources(answer)) if x)


def format_sources(answer: Answer) -> str:
    cites: list[Citation] = answer.closest if answer.abstained else answer.citations
    lines = []
    for c in cites:
        label = f"[{c.n}]" if not answer.abstained else " -"
        about = ", ".join(x for x in (c.outlet, c.date or "undated", c.author) if x)
        also = f"; also in {', '.join(c.also_in)}" if c.also_in else ""
        lines.append(f"{label} {c.title} ({about}; {c.source}{also})\n    “{c.quote}”")
    for claim in answer.flagged:
        lines.append(f" ! not supported by the sources, removed: {claim.text}")
    return "\n".join(lines)


def _chat(rag: Any, **options: Any) -> int:
    print("Ask about the articles. Follow-up questions use the conversation. Ctrl-D or 'exit' to leave.")
    history: list[dict[str, str]] = []
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            print()
            return 0
        if question.lower() in ("exit", "quit", ":q"):
            return 0
        if not question:
            continue
        try:
            streamed = ""
            print("news> ", end="", flush=True)
            for item in rag.stream(question, history=history, **options):
                if isinstance(item, str):
                    streamed += item
                    print(item, end="", flush=True)
                    continue
                final = item.text
                if streamed and final.startswith(streamed.strip()):
                    print(final[len(streamed.strip()):], flush=True)
                else:
                    print(("\n" if streamed else "") + final)
                print(format_tail(item))
                history += [{"role": "user", "content": question}, {"role": "assistant", "content": final}]
        except RagError as exc:
            print(f"\nerror: {exc}")
