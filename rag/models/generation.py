"""The only module importing llama_cpp: load a GGUF once, stream completions or chat replies.

Which GGUF: a preset (rag/models/presets.py assembles it from its PyPI parts) or any path, via --model / RAG_MODEL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

from ..errors import ModelNotFound

log = logging.getLogger(__name__)

# Returns the token ids allowed next, given the ids generated so far (None = no constraint).
AllowedFn = Callable[[Sequence[int]], "set[int] | None"]


@dataclass(frozen=True)
class Prompt:
    """A completion prompt (`text`) or a chat conversation (`messages`), never both; `grammar` (GBNF) shapes the
    reply when set (the chat reader's answer shape: text, then one marker)."""

    text: str = ""
    messages: tuple[tuple[str, str], ...] = ()  # (role, content)
    grammar: str = ""


class Generator(Protocol):
    """What the reader needs from an LLM (tests plug in a fake with queued replies)."""

    name: str
    has_chat_template: bool

    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float, stop: Sequence[str],
               allowed: AllowedFn | None = None) -> Iterator[str]: ...

    def tokenize(self, text: str) -> list[int]: ...

    def detokenize(self, ids: Sequence[int]) -> str: ...

    def warm(self, prefix: str | Prompt, cache_dir: Path | None = None) -> None: ...


class LlamaGenerator:
    """One llama.cpp model for the whole process; calls are serialised (llama.cpp is not re-entrant)."""

    def __init__(self, model_path: str | Path, *, n_ctx: int = 2048, n_threads: int = 2, name: str = "") -> None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ModelNotFound(
                f"No GGUF model at {path}. Give an existing .gguf file or a preset name (`rag models`) with "
                "--model / RAG_MODEL, or leave it unset to use the packaged Gemma 3 270M."
            )
        self.path = path
        self.name = name or path.name
        self.llm = _load(str(path), n_ctx, n_threads)
        template = self.llm.metadata.get("tokenizer.chat_template", "")
        self.has_chat_template = bool(template)
        # A plain Lock, not an RLock: when a face stops a stream, the generator may be closed from another
        # thread, and only a Lock can be released there. Held for a whole generation: llama.cpp is not re-entrant.
        self.lock = threading.Lock()
        self._eos = self.llm.token_eos()

    # ------------------------------------------------------------------ tokens
    def tokenize(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def detokenize(self, ids: Sequence[int]) -> str:
        return self.llm.detokenize(list(ids)).decode("utf-8", errors="ignore")

    @property
    def n_ctx(self) -> int:
        return int(self.llm.n_ctx())

    # ------------------------------------------------------------------ generation
    def warm(self, prefix: str | Prompt, cache_dir: Path | None = None) -> None:
        """Evaluate a fixed prompt prefix once so later prompts that start with it reuse its KV cache.

        A chat prefix (system prompt and worked examples) is rendered through the model's own chat template, as
        llama-cpp-python renders a whole conversation; the later prompt shares every token up to its last turn.
        With `cache_dir`, the evaluated state is saved there once and read back at the next start (a few ms
        instead of ~0.6 s of prefill for Gemma's 344-token prefix on 2 cores).
        """
        if isinstance(prefix, Prompt):
            prefix = self._render(prefix.messages)
        with self.lock:
            tokens = list(self.llm.tokenize(prefix.encode("utf-8"), add_bos=True, special=True))
            state = self._state_file(cache_dir, tokens) if cache_dir else None
            if state is not None and self._read_state(state, tokens):
                return
            self.llm.reset()  # also after a failed read, which may have left part of a state
            self.llm.eval(tokens)
            if state is not None:
                self._write_state(state, tokens)

    def _state_file(self, cache_dir: Path, tokens: Sequence[int]) -> Path:
        """One file per model file, context size, llama.cpp build and prefix."""
        import llama_cpp

        st = self.path.stat()
        key = hashlib.sha256(json.dumps([str(self.path.resolve()), st.st_size, st.st_mtime_ns, self.n_ctx,
                                         llama_cpp.__version__, list(tokens)]).encode()).hexdigest()[:20]
        return cache_dir / f"{self.path.stem}-{key}.kv"

    def _read_state(self, state: Path, tokens: Sequence[int]) -> bool:
        import ctypes

        import llama_cpp

        if not state.is_file():
            return False
        self.llm.reset()
        out = (llama_cpp.llama_token * len(tokens))()
        n = ctypes.c_size_t(0)
        ok = llama_cpp.llama_state_load_file(self.llm._ctx.ctx, str(state).encode(), out, len(tokens), ctypes.byref(n))
        if not ok or list(out[:n.value]) != list(tokens):
            log.warning("prompt cache %s does not fit this model; evaluating the prefix again", state)
            return False
        self.llm.input_ids[:len(tokens)] = tokens
        self.llm.n_tokens = len(tokens)
        self.llm._requires_eval = True  # as Llama.load_state: the next call decodes before it samples
        return True

    def _write_state(self, state: Path, tokens: Sequence[int]) -> None:
        import llama_cpp

        try:
            state.parent.mkdir(parents=True, exist_ok=True)
            tmp = state.with_name(f".{state.name}.{os.getpid()}")
            ids = (llama_cpp.llama_token * len(tokens))(*tokens)
            if llama_cpp.llama_state_save_file(self.llm._ctx.ctx, str(tmp).encode(), ids, len(tokens)):
                os.replace(tmp, state)  # whole or absent: a reader never sees half a file
            tmp.unlink(missing_ok=True)
        except OSError as exc:  # a read-only models folder: the prefix is evaluated at each start instead
            log.info("could not save the prompt cache to %s (%s)", state, exc)

    def _render(self, messages: Sequence[tuple[str, str]]) -> str:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llm = self.llm
        eos, bos = llm.token_eos(), llm.token_bos()
        formatter = Jinja2ChatFormatter(
            template=llm.metadata["tokenizer.chat_template"],
            eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
        )
        chat = [{"role": r, "content": c} for r, c in messages]
        return str(formatter(messages=chat).prompt)  # type: ignore[arg-type]

    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float, stop: Sequence[str],
               allowed: AllowedFn | None = None) -> Iterator[str]:
        processors = None
        if allowed is not None:
            processors = _processors(allowed, self._eos)
        with self.lock:
            if prompt.messages:
                if processors is not None:
                    processors[0].prompt_len = -1  # chat: measured from the first call's input
                chunks = self.llm.create_chat_completion(
                    messages=[{"role": r, "content": c} for r, c in prompt.messages], stream=True,
                    max_tokens=max_tokens, temperature=temperature, stop=list(stop) or None,
                    logits_processor=processors, top_k=1 if temperature == 0 else 40, seed=0,
                    grammar=_grammar(prompt.grammar) if prompt.grammar else None,
                )
                for ch in chunks:
                    piece = ch["choices"][0].get("delta", {}).get("content")  # type: ignore[index,union-attr]
                    if piece:
                        yield piece
            else:
                if processors is not None:
                    processors[0].prompt_len = len(self.llm.tokenize(prompt.text.encode("utf-8"), add_bos=True,
                                                                     special=True))
                chunks = self.llm.create_completion(
                    prompt.text, stream=True, max_tokens=max_tokens, temperature=temperature,
                    stop=list(stop) or None, logits_processor=processors,
                    top_k=1 if temperature == 0 else 40, seed=0,
                )
                for ch in chunks:
                    piece = ch["choices"][0]["text"]  # type: ignore[index]
                    if piece:
                        yield piece


class _Mask:
    """A llama.cpp logits processor: every token outside `allowed(generated)` gets -inf."""

    def __init__(self, allowed: AllowedFn, eos: int) -> None:
        self.allowed = allowed
        self.eos = eos
        self.prompt_len = 0

    def __call__(self, input_ids, scores):  # type: ignore[no-untyped-def]
        import numpy as np

        if self.prompt_len < 0:  # chat prompts: the first call sees exactly the prompt
            self.prompt_len = len(input_ids)
        generated = list(input_ids[self.prompt_len:])
        ok = self.allowed(generated)
        if ok is None:
            return scores
        keep = np.fromiter((i for i in ok if 0 <= i < len(scores)), dtype=np.int64)
        masked = np.full_like(scores, -np.inf)
        if keep.size == 0:
            masked[self.eos] = 0.0
        else:
            sub = scores[keep]
            bias = getattr(self.allowed, "bias", None)
            extra = bias(generated) if bias is not None else None
            if extra:  # logit bonuses the constraint asks for (e.g. the reader's anchor prior)
                sub = sub + np.fromiter((extra.get(int(i), 0.0) for i in keep), dtype=sub.dtype, count=keep.size)
            masked[keep] = sub
            record = getattr(self.allowed, "confidences", None)
            if record is not None:  # probability of the best allowed token among the allowed ones
                record.append(float(1.0 / np.exp(sub - sub.max()).sum()))
        return masked


@lru_cache(maxsize=4)
def _grammar(gbnf: str):  # type: ignore[no-untyped-def]
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(gbnf, verbose=False)


def _processors(allowed: AllowedFn, eos: int):  # type: ignore[no-untyped-def]
    from llama_cpp import LogitsProcessorList

    return LogitsProcessorList([_Mask(allowed, eos)])


_LLAMA_LOG = None


def _route_llama_logs() -> None:
    """llama.cpp prints to stderr from C; send its messages to Python logging instead (errors stay visible)."""
    global _LLAMA_LOG
    import ctypes

    import llama_cpp

    if _LLAMA_LOG is not None:
        return

    @llama_cpp.llama_log_callback
    def _callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        message = text.decode("utf-8", errors="replace").rstrip()
        if message:
            log.log(logging.ERROR if level == 4 else logging.DEBUG, "llama.cpp: %s", message)  # ggml: 4 = error

    _LLAMA_LOG = _callback  # keep a reference: C holds only a pointer
    llama_cpp.llama_log_set(_callback, ctypes.c_void_p(0))


_AMX_LOCK = threading.Lock()


def avoid_amx_buffers() -> bool:
    """On a CPU with Intel AMX (Sapphire Rapids and later) llama.cpp repacks the weights into its AMX buffer, and the
    first decode then crashes the process (segfault in ggml_backend_amx_mul_mat, llama.cpp issue 20824; seen here on
    an Intel Xeon with AMX_INT8). There, every later model load in this process goes without extra buffer types and
    the plain CPU kernels (AVX-512 / VNNI) run the model; elsewhere nothing changes. `Llama()` takes no such
    argument, so llama.cpp's default model parameters are wrapped, once. True when the workaround is in place."""
    import llama_cpp.llama as llama_module

    lib = llama_module.llama_cpp
    if b"AMX_INT8 = 1" not in lib.llama_print_system_info():
        return False
    with _AMX_LOCK:
        defaults = lib.llama_model_default_params
        if getattr(defaults, "rag_no_extra_buffers", False):
            return True

        def no_extra_buffers():  # type: ignore[no-untyped-def]
            params = defaults()
            params.use_extra_bufts = False
            return params

        no_extra_buffers.rag_no_extra_buffers = True  # type: ignore[attr-defined]
        lib.llama_model_default_params = no_extra_buffers
    return True


@lru_cache(maxsize=2)
def _load(path: str, n_ctx: int, n_threads: int):  # type: ignore[no-untyped-def]
    from llama_cpp import Llama

    _route_llama_logs()
    log.info("loading %s (n_ctx=%d, threads=%d)", path, n_ctx, n_threads)
    try:
        avoid_amx_buffers()
        return Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                     n_batch=512, verbose=False, seed=0)
    except Exception as exc:  # llama.cpp raises ValueError for unreadable / non-GGUF files
        raise ModelNotFound(f"Cannot load {path} as a GGUF model ({exc}). Give a valid .gguf file.") from exc
