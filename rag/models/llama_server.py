"""`python -m rag.models.llama_server ARGS`: llama-cpp-python's OpenAI-compatible server (`python -m llama_cpp.server
ARGS`, same arguments) with the workaround for Intel AMX CPUs, where llama.cpp's AMX path crashes on the first
request (generation.avoid_amx_buffers). Elsewhere it is the plain server."""

from __future__ import annotations

import runpy

from .generation import avoid_amx_buffers


def main() -> None:
    avoid_amx_buffers()
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)  # its argv: ours


if __name__ == "__main__":
    main()
