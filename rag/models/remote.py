"""The reader on any OpenAI-compatible LLM server (llama.cpp's server, vLLM, Ollama) instead of a GGUF in-process.

`RemoteGenerator` speaks `POST {url}/v1/chat/completions` with `stream: true` and reads the server-sent events.
It is always a chat model (the reader's chat prompt, grammar and grounding check are unchanged); the base-model
copy constraint needs the model's logits, which no such server exposes, so it is refused with a message.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any, Iterator, Sequence

import httpx

from ..errors import LLMUnavailable, RagError
from .generation import AllowedFn, Prompt

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0  # seconds: a server on the network that takes longer to accept a connection is down
RETRIES = 1  # exactly one more try after a refused connection or a 5xx, and only before any text arrived
START_HINT = "`python -m llama_cpp.server --model MODEL.gguf --host 127.0.0.1 --port 8080`"
_PIECES = re.compile(r"\d|[^\W\d_]+|[^\w\s]|_", re.UNICODE)


def estimate_tokens(text: str) -> int:
    """A conservative token count without the server's tokenizer, so the prompt budget stays inside its context.

    Each digit counts one (Qwen and Llama 3 split numbers into digits), each other symbol one, a run of letters one
    per started four (per two when in capitals, which BPE vocabularies split finely), non-ASCII letters one per
    two UTF-8 bytes. Measured on the seeds and the chat prompt's examples against the Qwen2.5 and Gemma 3
    tokenizers: 1.6x their total count, and under it for one of 132 lines (a 7-token headline counted 6).

    >>> estimate_tokens("Zamir Kabulov met 12 envoys.")  # Zami|r Kabu|lov met 1|2 envo|ys .
    10
    >>> estimate_tokens("")
    0
    """
    total = 0
    for piece in _PIECES.findall(text):
        if not piece[0].isalpha():
            total += 1
        elif not piece.isascii():
            total += math.ceil(len(piece.encode("utf-8")) / 2)
        else:
            total += math.ceil(len(piece) / (2 if piece.isupper() and len(piece) > 1 else 4))
    return total


def base_url(url: str) -> str:
    """The server's root, whether the user gave it with or without /v1.

    >>> base_url("http://127.0.0.1:8080/v1/"), base_url("127.0.0.1:8080")
    ('http://127.0.0.1:8080', 'http://127.0.0.1:8080')
    """
    url = url.strip().rstrip("/")
    if not re.match(r"^https?://", url):
        url = "http://" + url
    return url[:-3] if url.endswith("/v1") else url


class RemoteGenerator:
    """The Generator protocol over an OpenAI-compatible server; thread-safe (the server queues its own work)."""

    has_chat_template = True  # the remote reader is always the chat reader

    def __init__(self, url: str, *, model: str = "", api_key: str = "", timeout: float = 120.0,
                 n_ctx: int = 2048, transport: httpx.BaseTransport | None = None) -> None:
        self.url = base_url(url)
        self.n_ctx = n_ctx  # the server's context cannot be asked portably: the budget trusts settings.n_ctx
        self.timeout = timeout
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=self.url, headers=headers, transport=transport,
                                   timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT))
        self.grammar_ok = True  # until the server rejects the `grammar` field once
        self.model = model or self._first_model()
        self.name = self.model or f"remote {self.url}"

    # ------------------------------------------------------------------ tokens (estimated: no tokenizer here)
    def tokenize(self, text: str) -> list[int]:
        """Placeholder ids, as many as `estimate_tokens` counts (the pipeline only counts them). Not the server's
        /tokenize: one question counts hundreds of snippets, only llama.cpp's servers offer it, and
        llama-cpp-python's waits for the model, behind whatever it is generating."""
        return list(range(estimate_tokens(text)))

    def detokenize(self, ids: Sequence[int]) -> str:
        raise RagError("The remote reader has no tokenizer: token ids cannot be turned back into text. "
                       "Unset RAG_LLM_URL / --llm-url to use a local GGUF for that.")

    def warm(self, prefix: str | Prompt, cache_dir: Any = None) -> None:
        """Nothing to do: the server keeps its own prompt cache."""

    # ------------------------------------------------------------------ generation
    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float, stop: Sequence[str],
               allowed: AllowedFn | None = None) -> Iterator[str]:
        if allowed is not None:
            raise RagError("The remote reader cannot constrain decoding to copy from a passage (that needs the "
                           "model's logits). Use a model with a chat template on the server, or unset "
                           "RAG_LLM_URL / --llm-url to read with the local base model.")
        body: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature, "stream": True, "seed": 0}
        if self.model:
            body["model"] = self.model
        if stop:
            body["stop"] = list(stop)
        if prompt.messages:
            path, body["messages"] = "/v1/chat/completions", [{"role": r, "content": c} for r, c in prompt.messages]
        else:
            path, body["prompt"] = "/v1/completions", prompt.text
        grammar = bool(prompt.grammar) and self.grammar_ok
        if grammar:
            body["grammar"] = prompt.grammar  # llama.cpp's servers (C++ and llama-cpp-python) decode under it
        yield from self._events(path, body, grammar)

    def _events(self, path: str, body: dict[str, Any], grammar: bool) -> Iterator[str]:
        refused = False
        for attempt in range(RETRIES + 1):
            sent = False  # once text went out, a retry would repeat it: fail instead
            try:
                with self.client.stream("POST", path, json=body) as response:
                    if response.status_code in (400, 422) and grammar:
                        response.read()
                        refused = True
                        break
                    if response.status_code >= 500 and attempt < RETRIES:
                        response.read()
                        log.warning("%s answered %d; trying once more", self.url, response.status_code)
                        continue
                    self._check(response)
                    for piece in _sse_text(response.iter_lines(), self.url):
                        sent = True
                        yield piece
                    return
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                if attempt < RETRIES and not sent:
                    log.warning("no answer from %s (%s); trying once more", self.url, exc)
                    continue
                raise self._down(exc) from None
            except httpx.TimeoutException:
                raise LLMUnavailable(f"The LLM server at {self.url} sent nothing for {self.timeout:g} s: check its "
                                     "load, or raise RAG_LLM_TIMEOUT.") from None
            except httpx.HTTPError as exc:
                raise self._down(exc) from None
        if refused:
            # The server does not take llama.cpp's `grammar` field (OpenAI itself, some proxies): ask again without
            # it, and never send it again. The reply's shape is then the prompt's job; the grounding check stays.
            log.info("%s refused the grammar field; reading without it from now on", self.url)
            self.grammar_ok = False
            yield from self._events(path, {k: v for k, v in body.items() if k != "grammar"}, grammar=False)

    def _check(self, response: httpx.Response) -> None:
        """A failed reply -> LLMUnavailable that names the fix."""
        if response.status_code < 400:
            return
        response.read()
        detail = _error_text(response)
        where = f"The LLM server at {self.url} answered {response.status_code} ({detail})"
        if response.status_code in (401, 403):
            raise LLMUnavailable(f"{where}: set RAG_LLM_API_KEY to the key it expects.")
        if response.status_code == 404:
            raise LLMUnavailable(f"{where}: set RAG_LLM_MODEL to a model its GET {self.url}/v1/models lists, "
                                 "and check RAG_LLM_URL points at the server's root.")
        if "context" in detail.lower() or "too long" in detail.lower():
            raise LLMUnavailable(f"{where}: set RAG_N_CTX to at most the server's context size.")
        raise LLMUnavailable(f"{where}: check the server's log.")

    def _down(self, exc: BaseException) -> LLMUnavailable:
        return LLMUnavailable(f"No LLM server answers at {self.url} ({type(exc).__name__}): start it ({START_HINT}) "
                              "or unset RAG_LLM_URL / --llm-url to use the local model.")

    def _first_model(self) -> str:
        """The model the server lists first (llama.cpp, vLLM and Ollama all want a name, or take their own)."""
        for attempt in range(RETRIES + 1):
            try:
                response = self.client.get("/v1/models", timeout=httpx.Timeout(30.0, connect=CONNECT_TIMEOUT))
                break
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                if attempt == RETRIES:
                    raise self._down(exc) from None
            except httpx.HTTPError as exc:
                raise self._down(exc) from None
        if response.status_code in (401, 403):
            self._check(response)
        try:
            data = response.json().get("data") or []
            return str(data[0]["id"]) if data else ""
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return ""  # no model list: send no name, and the server uses its own model

    def close(self) -> None:
        self.client.close()


def _sse_text(lines: Iterator[str], url: str) -> Iterator[str]:
    """The text pieces of an OpenAI stream: `data: {json}` events until `data: [DONE]`.

    >>> list(_sse_text(iter(['data: {"choices": [{"delta": {"content": "Hi"}}]}', '', 'data: [DONE]']), "u"))
    ['Hi']
    """
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, `: keep-alive` comments, `event:` lines
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except ValueError:
            raise LLMUnavailable(f"The LLM server at {url} sent an event that is not JSON ({data[:100]!r}): "
                                 "check that RAG_LLM_URL is an OpenAI-compatible server.") from None
        if isinstance(event, dict) and event.get("error"):
            raise LLMUnavailable(f"The LLM server at {url} failed mid-answer ({_message(event)}): check its log.")
        try:
            choice = event["choices"][0]
        except (KeyError, IndexError, TypeError):
            continue  # e.g. a usage-only chunk
        piece = (choice.get("delta") or {}).get("content") if "delta" in choice else choice.get("text")
        if piece:
            yield piece


def _message(payload: Any) -> str:
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error)[:300]
    return str(error or payload)[:300]


def _error_text(response: httpx.Response) -> str:
    try:
        return _message(response.json())
    except ValueError:
        return response.text[:300] or response.reason_phrase
