"""Start-up: settings from the environment, models loaded once, seeds ingested into an empty index, serve."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from rag import RAG, RagError, Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEFAULT_HOST = "127.0.0.1"  # local only; set GRADIO_SERVER_NAME=0.0.0.0 to serve a network
DEFAULT_PORT = 7860

log = logging.getLogger("app")


def upload_dir() -> Path:
    """Where uploaded articles are kept (RAG_UPLOAD_DIR, default <repo>/uploads, git-ignored)."""
    return Path(os.environ.get("RAG_UPLOAD_DIR") or ROOT / "uploads").expanduser()


def address() -> tuple[str, int]:
    """Gradio's own GRADIO_SERVER_NAME / GRADIO_SERVER_PORT, else 127.0.0.1:7860."""
    host = os.environ.get("GRADIO_SERVER_NAME") or DEFAULT_HOST
    raw = os.environ.get("GRADIO_SERVER_PORT") or str(DEFAULT_PORT)
    try:
        return host, int(raw)
    except ValueError:
        raise RagError(f"GRADIO_SERVER_PORT={raw!r} is not a port number; set it to e.g. 7860.") from None


def prepare(rag: RAG, seeds: Path = SEEDS) -> None:
    """Load both models now, and ingest the seed articles if the index is empty so the chat works at once."""
    t0 = time.perf_counter()

    def step(what: str) -> None:
        print(f"[{time.perf_counter() - t0:5.1f} s] {what}…", flush=True)

    if rag.store(create=True).count() == 0 and seeds.is_dir():
        step(f"the index at {rag.settings.index_dir} is empty: adding the seed articles from {seeds}")
        report = rag.ingest([seeds])
        print(f"Seeds: {report.summary()}", flush=True)
    rag.load(step)
    step("building the page")


def main() -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("chromadb", "sentence_transformers", "httpx", "urllib3", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    from .style import CSS, theme
    from .ui import build

    try:
        host, port = address()
        rag = RAG(Settings.from_env())
        prepare(rag)
        demo = build(rag, upload_dir())
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    demo.queue(default_concurrency_limit=1)
    try:
        demo.launch(server_name=host, server_port=port, theme=theme(), css=CSS, ssr_mode=False,
                    max_file_size=rag.settings.max_file_bytes, show_error=False, quiet=True,
                    prevent_thread_lock=True, footer_links=["api", "settings"])
    except OSError as exc:
        print(f"error: cannot serve on {host}:{port} ({exc}). "
              "Stop whatever uses the port or set GRADIO_SERVER_PORT to another one.", file=sys.stderr)
        return 2
    print(f"Ask the news is ready: http://{host}:{port}  (Ctrl+C to stop)", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    return 0
