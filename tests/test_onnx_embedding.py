"""The ONNX embedder: which embedder a setting names, the export cache's checksums, and (real model) agreement
with sentence-transformers and a query path that imports neither torch nor transformers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.errors import ModelNotFound
from rag.models import embedding, onnx_embedding
from rag.models.onnx_embedding import ensure_export, read_meta, sha256_file

ROOT = Path(__file__).resolve().parent.parent


def fake_export(calls: list[Path]):
    """Writes the files an export leaves, with their checksums, and records each call."""

    def export(source: Path, folder: Path) -> dict:
        calls.append(folder)
        for name in ("model-fp32.onnx", "model-int8.onnx", "tokenizer.json"):
            (folder / name).write_bytes(f"{name} bytes".encode())
        meta = {"name": "m", "max_seq_length": 8, "pooling": "mean", "normalize": True,
                "files": {n: sha256_file(folder / n) for n in ("model-fp32.onnx", "model-int8.onnx", "tokenizer.json")}}
        (folder / "embedder.json").write_text(json.dumps(meta))
        return meta

    return export


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "src" / "tiny-model"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "tokenizer.json").write_text("{}")
    return folder


def test_export_is_made_once_and_reused(tmp_path, source, monkeypatch):
    calls: list[Path] = []
    monkeypatch.setattr(onnx_embedding, "export", fake_export(calls))
    folder, meta = ensure_export(source, tmp_path / "models")
    again, _ = ensure_export(source, tmp_path / "models")
    assert len(calls) == 1 and again == folder and meta["max_seq_length"] == 8
    assert folder.parent == tmp_path / "models" / "onnx" and folder.name.startswith("tiny-model-")


@pytest.mark.parametrize("damage", ["truncate", "delete_model", "delete_meta", "garble_meta"])
def test_damaged_or_partial_export_is_detected_and_redone(tmp_path, source, monkeypatch, damage):
    calls: list[Path] = []
    monkeypatch.setattr(onnx_embedding, "export", fake_export(calls))
    folder, _ = ensure_export(source, tmp_path / "models")
    if damage == "truncate":
        (folder / "model-int8.onnx").write_bytes(b"model-int8")
    elif damage == "delete_model":
        (folder / "model-fp32.onnx").unlink()
    elif damage == "delete_meta":
        (folder / "embedder.json").unlink()
    else:
        (folder / "embedder.json").write_text("{not json")
    assert read_meta(folder) is None
    ensure_export(source, tmp_path / "models")
    assert len(calls) == 2 and read_meta(folder) is not None


def test_a_changed_source_model_gets_its_own_export(tmp_path, source, monkeypatch):
    calls: list[Path] = []
    monkeypatch.setattr(onnx_embedding, "export", fake_export(calls))
    first, _ = ensure_export(source, tmp_path / "models")
    (source / "config.json").write_text('{"hidden_size": 8}')
    second, _ = ensure_export(source, tmp_path / "models")
    assert first != second and len(calls) == 2


def test_setting_names_the_embedder(monkeypatch, tmp_path):
    made: list[tuple] = []
    monkeypatch.setattr(embedding, "SentenceEmbedder", lambda path: made.append(("torch", path)) or "st")
    monkeypatch.setattr(embedding, "_onnx", lambda src, models, variant: made.append(("onnx", variant)) or "ox")
    monkeypatch.setattr(embedding, "default_embedder_path", lambda: tmp_path)
    assert embedding.load_embedder("torch") == "st"
    assert embedding.load_embedder("", tmp_path) == "ox"
    assert embedding.load_embedder("onnx-int8", tmp_path) == "ox"
    assert embedding.load_embedder(str(tmp_path / "my-model")) == "st"
    assert made == [("torch", None), ("onnx", onnx_embedding.DEFAULT_VARIANT), ("onnx", "int8"),
                    ("torch", str(tmp_path / "my-model"))]


def test_a_folder_without_a_model_names_the_fix(tmp_path):
    with pytest.raises(ModelNotFound, match="RAG_EMBEDDER"):
        embedding.load_embedder(str(tmp_path / "nothing-here"))


def test_unknown_variant_names_the_choices(tmp_path, source):
    with pytest.raises(ModelNotFound, match="fp32, int8"):
        onnx_embedding.OnnxEmbedder(source, tmp_path, variant="int4")


# ------------------------------------------------------------------------------------------------ real model
TEXTS = [
    "The central bank raised its main interest rate by a quarter of a percentage point on Thursday.",
    "Flooding closed three bridges across the river, and the mayor asked residents to stay home.",
    "Who won the election for governor?",
    "A short one.",
    " ".join(["The committee met again to discuss the budget, the schedule and the new building."] * 30),  # > 256
]


@pytest.fixture(scope="module")
def models_dir() -> Path:
    from rag import Settings

    return Settings.from_env().models_dir


def _cosines(a, b) -> list[float]:
    return [sum(x * y for x, y in zip(u, v)) for u, v in zip(a, b)]


@pytest.mark.realmodel
@pytest.mark.parametrize("variant,floor", [("fp32", 0.9999), ("int8", 0.98)])
def test_onnx_vectors_match_sentence_transformers(models_dir, variant, floor):
    torch_vectors = embedding.load_embedder("torch").embed(TEXTS)
    onnx = embedding.load_embedder(f"onnx-{variant}", models_dir)
    vectors = onnx.embed(TEXTS)
    assert len(vectors) == len(TEXTS) and all(len(v) == 384 for v in vectors)
    assert min(_cosines(vectors, torch_vectors)) >= floor
    assert all(abs(sum(x * x for x in v) - 1) < 1e-4 for v in vectors)
    # fp32: batch neighbours do not change a text's vector (each batch is padded to its longest text). Dynamic
    # int8 scales activations per batch, so a text's vector moves slightly with its neighbours (measured 0.988+).
    alone = onnx.embed([TEXTS[3]])[0]
    assert _cosines([alone], [vectors[3]])[0] > (0.9999 if variant == "fp32" else floor)


@pytest.mark.realmodel
def test_word_pieces_are_those_of_the_models_tokenizer(models_dir):
    from transformers import AutoTokenizer

    onnx = embedding.load_embedder("onnx", models_dir)
    reference = AutoTokenizer.from_pretrained(str(embedding.default_embedder_path()))
    for text in TEXTS:
        ours = onnx._tokenizer.encode(text).ids  # type: ignore[attr-defined]
        theirs = reference(text, truncation=True, max_length=onnx.max_seq_length)["input_ids"]  # type: ignore
        assert ours == theirs
    assert len(onnx._tokenizer.encode(TEXTS[-1]).ids) == 256  # type: ignore[attr-defined]


@pytest.mark.realmodel
def test_embedding_a_question_imports_neither_torch_nor_transformers(models_dir):
    embedding.load_embedder("onnx", models_dir)  # the export exists before the fresh process starts
    code = ("import sys; from rag.models.embedding import load_embedder; "
            f"e = load_embedder('', {str(models_dir)!r}); v = e.embed(['Who won the election?']); "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', "
            "'sentence_transformers')); print(len(v[0]), heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "384 []"


@pytest.mark.realmodel
def test_the_entity_tagger_loads_without_torch_and_leaves_torch_importable():
    # thinc (under spaCy) imports torch whenever it is installed: ~1 s of a cold `rag ask` for nothing.
    code = ("import sys; from rag.answer import answer_types as at; "
            "ents = at.entities('Ann Lee opened the bridge in Portvale on Friday.'); "
            "print(sorted(e.label for e in ents), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "['DATE', 'GPE', 'PERSON'] False"
