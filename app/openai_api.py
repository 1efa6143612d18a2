"""`rag serve`: an OpenAI-compatible HTTP face over one RAG, with the citations in a documented extra field.

    POST /v1/chat/completions   OpenAI's schema; the last user message is the question, earlier turns the history;
                                extra body fields since, until, outlets, as_of, top_k; the reply carries
                                `citations` [{n, source, title, url, date, outlet, quote}] and `abstained` (in the
                                last chunk when streaming)
    GET  /v1/models             the loaded model first, then the other installed presets
    POST /v1/search             {"query", top_k, since, until, outlets, as_of} -> passages with metadata, no LLM
    GET  /health                no key needed

Streaming sends the answer once the grounding check has passed it (as server-sent events, ending `data: [DONE]`):
the check works on the whole answer and may remove sentences, and a sent delta cannot be taken back, so
unchecked text never leaves the server. Every error is OpenAI's error object, with a message naming the fix.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
import sys
import time
from datetime import date
from typing import Any, AsyncIterator

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from rag import RAG, RagError, Settings
from rag.errors import BadInput, BadQuestion, LLMUnavailable, NoIndex, StoreUnavailable
from rag.models.presets import PRESETS, resolve_name
from rag.pipeline import scope
from rag.search.dates import time_window

from .model_slot import Job, ModelSlot, QueueFull
from .openai_schema import ApiError, ChatRequest, SearchRequest, chunks, completion, parse

log = logging.getLogger(__name__)

DISCONNECT_POLL_S = 0.25  # how often a waiting request checks that its client is still there


class Guard:
    """Pure ASGI, in front of every route: the bearer key (all but /health) and the body limit from Content-Length."""

    def __init__(self, app: ASGIApp, api_key: str, max_body: int) -> None:
        self.app, self.api_key, self.max_body = app, api_key, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        error = None
        if self.api_key and scope["path"] != "/health":
            given = headers.get(b"authorization", b"").decode("latin-1")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.api_key}".encode()):
                error = ApiError(401, "Missing or wrong API key: send the header `Authorization: Bearer KEY` with "
                                      "the key in this server's RAG_API_KEY (the openai client: api_key=KEY).",
                                 code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})
        length = headers.get(b"content-length", b"")
        if error is None and length.isdigit() and int(length) > self.max_body:
            error = too_large(self.max_body)
        if error is not None:
            await error.response()(scope, receive, send)
            return
        await self.app(scope, receive, send)


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is over {limit:,} bytes: send a shorter conversation (a question and "
                         "its recent turns), or raise RAG_SERVE_MAX_BODY on the server.", code="body_too_large")


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it passes `limit` (Content-Length may be absent or lie)."""
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise too_large(limit)
        parts.append(part)
    return b"".join(parts)


def rag_error(exc: RagError) -> ApiError:
    """A pipeline error -> its status: the caller's input 400, no index 409, a store or LLM server down 503."""
    if isinstance(exc, (BadQuestion, BadInput)):
        return ApiError(400, str(exc), code="invalid_input")
    if isinstance(exc, NoIndex):
        return ApiError(409, str(exc), code="no_index")
    if isinstance(exc, (StoreUnavailable, LLMUnavailable)):
        return ApiError(503, str(exc), code="service_unavailable", type="server_error")
    return ApiError(400, str(exc), code="invalid_request")


class Service:
    """The routes' behaviour over one loaded RAG: parse -> call RAG in the worker -> format."""

    def __init__(self, rag: RAG, queue: int) -> None:
        self.rag = rag
        self.model_slot = ModelSlot(queue)  # answers: one model call at a time
        self.search_slot = ModelSlot(queue, typical_s=0.2)  # searches: no model, but they share the index caches

    @property
    def model(self) -> str:
        return self.rag.model_name

    def check_model(self, requested: str | None) -> None:
        """One model per process: another installed preset is a 400 naming the fix, an unknown name a 404."""
        if not requested or requested.strip().lower() == self.model.lower():
            return
        preset = resolve_name(requested)
        if preset is not None and preset.name == self.model:
            return
        if preset is not None and preset.installed() and not self.rag.settings.llm_url:
            raise ApiError(400, f"This server has {self.model} loaded, not {preset.name}: start one with "
                                f"`rag serve --model {preset.name} --port N` (one model per process), or omit "
                                "`model`.", code="model_not_loaded", param="model")
        hint = f" It is not installed: `{preset.install_command}`." if preset is not None else ""
        raise ApiError(404, f"The model {requested!r} does not exist here.{hint} GET /v1/models lists the models "
                            f"this server answers with (now: {self.model}); or omit `model`.",
                       code="model_not_found", param="model", type="invalid_request_error")

    async def run(self, request: Request, slot: ModelSlot, make: Any) -> Any:
        """`make()` in the worker under `slot`; a client that leaves cancels it (the slot frees after one piece)."""
        try:
            await slot.acquire()
        except QueueFull as full:
            raise ApiError(429, f"The server is busy ({slot.queue} requests already wait for the model): retry "
                                f"after {full.retry_after} s (the Retry-After header).", code="rate_limit_exceeded",
                           type="requests", headers={"Retry-After": str(full.retry_after)}) from None
        try:
            job = Job(make, slot.release)
        except BaseException:
            slot.release()
            raise
        while not job.result.done():
            await asyncio.wait({job.result}, timeout=DISCONNECT_POLL_S)
            if not job.result.done() and await request.is_disconnected():
                job.cancel()
                raise ClientGone()
        try:
            return job.result.result()
        except RagError as exc:
            raise rag_error(exc) from None

    async def chat(self, request: Request) -> Response:
        body: ChatRequest = parse(ChatRequest, await read_body(request, self.rag.settings.serve_max_body))
        self.check_model(body.model)
        users = [i for i, m in enumerate(body.messages) if m.role == "user"]
        if not users:
            raise ApiError(400, "No user message: the last message with role \"user\" is the question. Add "
                                '{"role": "user", "content": "your question"} to `messages`.',
                           code="no_question", param="messages")
        last = users[-1]
        question = body.messages[last].text().strip()
        if not question:
            raise ApiError(400, "The question (the last user message) is empty: write a question about the "
                                "articles.", code="empty_question", param=f"messages.{last}.content")
        history = [{"role": m.role, "content": m.text()} for m in body.messages[:last]
                   if m.role in ("user", "assistant") and m.text().strip()]
        filters = dict(since=body.since, until=body.until, outlets=body.outlets, as_of=body.as_of)
        try:
            scope(**filters)  # a bad date or an empty window is the caller's to fix, before the queue
        except RagError as exc:
            raise rag_error(exc) from None
        options = dict(history=history, temperature=body.temperature, top_k=body.top_k,
                       max_tokens=body.max_tokens or body.max_completion_tokens, **filters)
        options = {k: v for k, v in options.items() if v is not None}
        answer = await self.run(request, self.model_slot, lambda: self.rag.stream(question, **options))
        if not body.stream:
            return JSONResponse(completion(answer, self.model))
        events = chunks(answer, self.model)

        async def sse() -> AsyncIterator[str]:
            for event in events:
                yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def search(self, request: Request) -> Response:
        body: SearchRequest = parse(SearchRequest, await read_body(request, self.rag.settings.serve_max_body))
        if not body.query.strip():
            raise ApiError(400, "The query is empty: send {\"query\": \"words to look for\"}.", param="query",
                           code="empty_question")
        try:
            filters, as_of = scope(since=body.since, until=body.until, outlets=body.outlets, as_of=body.as_of)
        except RagError as exc:
            raise rag_error(exc) from None
        window = time_window(body.query, as_of or date.today())  # "this week" ranks that week first, as in answers

        def hits() -> Any:
            yield self.rag.retrieve(body.query, body.top_k, filters=filters, window=window)

        found = await self.run(request, self.search_slot, hits)
        return JSONResponse({"object": "list", "query": body.query, "data": [
            {"rank": i + 1, "score": round(h.score, 6), "text": h.chunk.text, "source": h.chunk.source,
             "title": h.chunk.title, "url": h.chunk.url, "date": h.chunk.date, "outlet": h.chunk.outlet,
             "author": h.chunk.author, "chunk_id": h.chunk.id} for i, h in enumerate(found)]})

    def models(self) -> Response:
        names = [self.model]
        if not self.rag.settings.llm_url:
            names += [p.name for p in PRESETS.values() if p.name != self.model and p.installed()]
        return JSONResponse({"object": "list", "data": [
            {"id": n, "object": "model", "created": 0, "owned_by": "ask-the-news", "loaded": n == self.model}
            for n in names]})

    def health(self) -> Response:
        return JSONResponse({"status": "ok", "model": self.model, "busy": self.model_slot.busy,
                             "waiting": self.model_slot.waiting})


class ClientGone(Exception):
    """The client closed the connection while its answer was being made: nobody reads a reply."""


def create_app(rag: RAG, settings: Settings | None = None) -> ASGIApp:
    """The ASGI app over a RAG (loaded by the caller). Settings: api_key, serve_queue, serve_max_body."""
    s = settings or rag.settings
    service = Service(rag, s.serve_queue)
    api = FastAPI(title="Ask the news", version="1", docs_url="/docs", redoc_url=None,
                  description="OpenAI-compatible chat completions with citations over your news articles.")

    @api.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return exc.response()

    @api.exception_handler(ClientGone)
    async def _gone(request: Request, exc: ClientGone) -> Response:
        return Response(status_code=499)  # nginx's "client closed request"; nobody reads it

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        fix = {404: "The routes are POST /v1/chat/completions, GET /v1/models, POST /v1/search and GET /health.",
               405: "Check the method: POST for /v1/chat/completions and /v1/search, GET for /v1/models and /health."}
        return ApiError(exc.status_code, f"{exc.detail}. {fix.get(exc.status_code, '')}".strip(),
                        code="not_found" if exc.status_code == 404 else "invalid_request").response()

    @api.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return ApiError(500, f"Something went wrong inside the server ({type(exc).__name__}). Try again; if it "
                             "keeps happening, the terminal running `rag serve` has the details.",
                        code="internal_error", type="server_error").response()

    @api.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        return await service.chat(request)

    @api.get("/v1/models")
    async def models() -> Response:
        return service.models()

    @api.post("/v1/search")
    async def search(request: Request) -> Response:
        return await service.search(request)

    @api.get("/health")
    async def health() -> Response:
        return service.health()

    return Guard(api, s.api_key, s.serve_max_body)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Load one RAG (one model), then serve until Ctrl+C. The index may be empty at start (ingest later)."""
    import uvicorn

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))  # a clear message now, rather than uvicorn's after the models loaded
    except OSError as exc:
        raise RagError(f"Cannot serve on {host}:{port} ({exc.strerror}): stop whatever uses the port or choose "
                       "another with --port.") from None
    t0 = time.perf_counter()
    rag = RAG(settings)
    rag.load(lambda what: print(f"[{time.perf_counter() - t0:5.1f} s] {what}…", file=sys.stderr, flush=True))
    if host not in ("127.0.0.1", "localhost", "::1") and not settings.api_key:
        print(f"warning: serving on {host} without RAG_API_KEY: anyone who can reach this port can ask.",
              file=sys.stderr)
    print(f"Ask the news API on http://{host}:{port}/v1 (model {rag.model_name}); Ctrl+C stops it.", flush=True)
    uvicorn.run(create_app(rag, settings), host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
    return 0
