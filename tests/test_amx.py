"""On a CPU with Intel AMX, models load without llama.cpp's extra (AMX) buffers, whose first decode crashes."""

from types import SimpleNamespace

import llama_cpp.llama as llama_module
import pytest

from rag.models import generation


@pytest.fixture
def lib(monkeypatch):
    """llama.cpp's bindings with stand-in default parameters (restored after the test)."""
    lib = llama_module.llama_cpp
    monkeypatch.setattr(lib, "llama_model_default_params", lambda: SimpleNamespace(use_extra_bufts=True, n_threads=4))
    return lib


def test_amx_cpu_loads_without_extra_buffers(lib, monkeypatch):
    monkeypatch.setattr(lib, "llama_print_system_info", lambda: b"CPU : AVX512 = 1 | AMX_INT8 = 1 | REPACK = 1 |")
    assert generation.avoid_amx_buffers()
    wrapped = lib.llama_model_default_params
    assert generation.avoid_amx_buffers() and lib.llama_model_default_params is wrapped  # wrapped once, not twice
    params = lib.llama_model_default_params()
    assert params == SimpleNamespace(use_extra_bufts=False, n_threads=4)  # the rest of the defaults kept


def test_other_cpus_keep_the_defaults(lib, monkeypatch):
    monkeypatch.setattr(lib, "llama_print_system_info", lambda: b"CPU : AVX2 = 1 | AVX512 = 0 | REPACK = 1 |")
    assert not generation.avoid_amx_buffers()
    assert lib.llama_model_default_params().use_extra_bufts
