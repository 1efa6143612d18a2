"""The OpenAI-shaped wire format of `rag serve`: request models, error objects, and replies built from an Answer."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import JSONResponse

_TYPE_TAGS = {"str", "int", "float", "bool", "list", "dict", "none"}
FILTERS_HINT = "optional filters: since, until (YYYY-MM-DD), outlets (a list of names), as_of (YYYY-MM-DD)"


class ApiError(Exception):
    """Becomes `{"error": {"message", "type", "param", "code"}}` with its HTTP status; the message names the fix."""

    def __init__(self, status: int, message: str, *, code: str = "invalid_request", param: str | None = None,
                 type: str = "invalid_request_error", headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.type = status, message, code, param, type
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        return JSONResponse(body, status_code=self.status, headers=self.headers)


class _Strict(BaseModel):
    # strict: "yes" is no boolean and "0.5" no number; unknown fields (top_p, user, …) are ignored, as OpenAI
    # clients send many.
    model_config = ConfigDict(strict=True, extra="ignore")


class TextPart(_Strict):
    type: str
    text: str = ""


class Message(_Strict):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Optional[Union[str, list[TextPart]]] = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class Scope(_Strict):
    since: Optional[str] = None
    until: Optional[str] = None
    outlets: Optional[Union[list[str], str]] = None
    as_of: Optional[str] = None


class ChatRequest(Scope):
    messages: list[Message] = Field(min_length=1)
    model: Optional[str] = None
    stream: bool = False
    temperature: Optional[float] = Field(default=None, ge=0.0, le=2.0)
    max_tokens: Optional[int] = Field(default=None, ge=1, le=4096)
    max_completion_tokens: Optional[int] = Field(default=None, ge=1, le=4096)
    n: Optional[int] = Field(default=None, ge=1, le=1)  # one answer per question: the model is the bottleneck
    top_k: Optional[int] = Field(default=None, ge=1, le=50)  # passages retrieved (an extra field, like the filters)


class SearchRequest(Scope):
    query: str
    top_k: int = Field(default=5, ge=1, le=50)


def parse(model: type[_Strict], raw: bytes) -> Any:
    """Bytes -> a validated request, or ApiError 400 naming the field and the fix."""
    if not raw.strip():
        raise ApiError(400, "The request body is empty: send a JSON object, e.g. "
                            '{"messages": [{"role": "user", "content": "Who is Zamir Kabulov?"}]}.', code="empty_body")
    try:
        data = json.loads(raw)
    except ValueError as exc:  # also bytes that are not UTF-8
        raise ApiError(400, f"The request body is not valid JSON ({exc}): send a JSON object with "
                            "Content-Type: application/json.", code="invalid_json") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"The request body is a JSON {type(data).__name__}, not an object: send "
                            '{"messages": [...]} (or {"query": ...} for /v1/search).', code="invalid_json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = [str(p) for p in first["loc"]]
        kinds = [i for i, p in enumerate(path) if p in _TYPE_TAGS or "[" in p]  # a Union member's tag, not a field
        param = ".".join(path[:kinds[0]] if kinds else path) or None
        expected = "a JSON object with the fields of OpenAI's chat completions" if model is ChatRequest else \
            '{"query": "...", "top_k": 5}'
        raise ApiError(400, f"Invalid field `{param}`: {first['msg']}. Fix it and send again ({expected}; "
                            f"{FILTERS_HINT}).", param=param, code="invalid_type") from None


def citation_json(c: Any) -> dict[str, Any]:
    """The documented citation object: n, source, title, url, date, outlet, quote."""
    return {"n": c.n, "source": c.source, "title": c.title, "url": c.url, "date": c.date, "outlet": c.outlet,
            "quote": c.quote}


def extras(answer: Any) -> dict[str, Any]:
    """The top-level fields a reply carries beside OpenAI's own: citations, abstained (and the closest passages)."""
    out: dict[str, Any] = {"citations": [citation_json(c) for c in answer.citations],
                           "abstained": bool(answer.abstained)}
    if answer.abstained:
        out["closest"] = [citation_json(c) for c in getattr(answer, "closest", [])]
    return out


def _usage(answer: Any) -> dict[str, int]:
    timings = getattr(answer, "timings", None)
    prompt, completion = int(getattr(timings, "prompt_tokens", 0)), int(getattr(timings, "completion_tokens", 0))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(answer: Any, model: str) -> dict[str, Any]:
    """A `chat.completion` object whose message content is the answer with its [n] markers."""
    return {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "system_fingerprint": None,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text}, "logprobs": None,
                         "finish_reason": "stop"}],
            "usage": _usage(answer), **extras(answer)}


def chunks(answer: Any, model: str, piece_chars: int = 24) -> list[dict[str, Any]]:
    """The `chat.completion.chunk` events of one answer: the role, the text in word-aligned pieces, then a last
    chunk with finish_reason "stop" and the extras (citations, abstained)."""
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "system_fingerprint": None}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    out = [chunk({"role": "assistant", "content": ""})]
    piece = ""
    for word in re.findall(r"\S+\s*|\s+", answer.text):  # together exactly the text
        piece += word
        if len(piece) >= piece_chars:
            out.append(chunk({"content": piece}))
            piece = ""
    if piece:
        out.append(chunk({"content": piece}))
    out.append({**chunk({}, "stop"), "usage": _usage(answer), **extras(answer)})
    return out
