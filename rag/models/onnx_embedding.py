"""The only module importing onnxruntime: the packaged all-MiniLM-L6-v2, exported once to ONNX, run without torch.

The export (torch + sentence-transformers + onnx, once per machine: `scripts/setup.sh`, else on first use) is
cached under `models_dir/onnx/<model>-<fingerprint>/` with a checksum file written last, so a partial or damaged
export is detected and redone. Embedding a text needs only onnxruntime, `tokenizers` and numpy: the same word
pieces as sentence-transformers (tokenizer.json, truncated at the model's max_seq_length), mean pooling over
the attention mask and L2 normalisation, as the model's modules.json prescribes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import ModelNotFound

log = logging.getLogger(__name__)

VARIANTS = ("fp32", "int8")
# Measured on 2 cores, 600 RealTime QA chunks, against sentence-transformers (torch) in the same process:
# fp32 1.06-1.33x its speed at cosine 1.00000; per-channel int8 3.35x at cosine 0.9936 mean (0.985 min).
# int8 is the default: RealTime QA top-5 recall 0.4889 with int8 as with torch (270 questions, 48,580 chunks,
# as-of dates on), seed dev hit@5 1.000 both; `RAG_EMBEDDER=onnx-fp32` picks fp32.
DEFAULT_VARIANT = "int8"
DEFAULT_THREADS = 2  # intra-op threads: both cores (2 threads on one batch ~ 2 batches on 1 thread each: 31 vs 32/s)
# Texts per run after sorting by length. Measured on 2 cores (3,000 RealTime QA chunks, int8): batch 4 embeds
# as fast as 32 (105-127 vs 110 chunks/s) at a third of the peak memory (206 vs 560 MB: the attention buffers).
DEFAULT_BATCH = 4
EXPORT_VERSION = 1  # bump when the export recipe changes, so caches made by an older recipe are redone
_META = "embedder.json"  # written last: its presence and checksums mark a complete export


def source_fingerprint(folder: Path) -> str:
    """A short digest of the sentence-transformers folder (configs, tokenizer, weight sizes): the cache key."""
    h = hashlib.sha256(f"export-v{EXPORT_VERSION}".encode())
    for name in ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json", "1_Pooling/config.json"):
        p = folder / name
        h.update(name.encode() + (p.read_bytes() if p.exists() else b"-"))
    for p in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        h.update(f"{p.name}:{p.stat().st_size}".encode())
    return h.hexdigest()[:12]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_dir(source: Path, models_dir: Path) -> Path:
    name = model_name(source)
    return Path(models_dir) / "onnx" / f"{name}-{source_fingerprint(source)}"


def model_name(source: Path) -> str:
    return source.name if source.name != "model" else "all-MiniLM-L6-v2"


def read_meta(folder: Path, variant: str | None = None) -> dict[str, Any] | None:
    """The export's metadata when its files (those `variant` needs, or all) match their checksums, else None."""
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        files = meta["files"]
        needed = ["tokenizer.json", f"model-{variant}.onnx"] if variant else list(files)
        for name in needed:
            if sha256_file(folder / name) != files[name]:
                log.warning("ONNX export %s: %s does not match its checksum; exporting again", folder, name)
                return None
        return dict(meta)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ONNX export %s is unreadable (%s); exporting again", folder, exc)
        return None


def ensure_export(source: Path, models_dir: Path, variant: str | None = None) -> tuple[Path, dict[str, Any]]:
    """The cached export of `source` (made now if missing or damaged) and its metadata; with `variant`, only
    the files that variant needs are checked (hashing the other model would only slow the start)."""
    folder = cache_dir(source, models_dir)
    meta = read_meta(folder, variant)
    if meta is not None:
        return folder, meta
    folder.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder / ".lock"):
        meta = read_meta(folder, variant)  # another process may have finished it while we waited
        if meta is None:
            meta = export(source, folder)
    return folder, meta


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """One exporter at a time across processes (the app and a CLI may start together)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no cross-process lock, the atomic renames still keep the cache whole
        yield
        return
    with lock_path.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def export(source: Path, folder: Path) -> dict[str, Any]:
    """Export `source` to folder/model-fp32.onnx and model-int8.onnx (torch and onnx are needed only here)."""
    try:
        import onnx  # noqa: F401  (torch.onnx needs it; fail early with a clear message)
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelNotFound(
            f"Exporting the embedder to ONNX needs torch, sentence-transformers and onnx ({exc.name} is missing): "
            "run `make setup`, or set RAG_EMBEDDER=torch to use sentence-transformers directly."
        ) from None
    log.info("exporting %s to ONNX under %s (once)", source, folder)
    model = SentenceTransformer(str(source), device="cpu", local_files_only=True,
                                model_kwargs={"attn_implementation": "eager"})  # plain ops, no SDPA trace quirks
    pooling = _pooling(source)
    transformer: Any = model[0].auto_model
    transformer.eval()
    import inspect

    # BERT-like models take token_type_ids; MPNet (all-mpnet-base-v2) has no such input.
    accepted = inspect.signature(transformer.forward).parameters
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted]

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: Any) -> Any:
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    dummy = tuple(torch.ones(2, 8, dtype=torch.long) for _ in names)
    fp32_tmp = folder / "model-fp32.onnx.part"
    with torch.no_grad():
        torch.onnx.export(_LastHidden(transformer), dummy, str(fp32_tmp), input_names=names,
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]})
    fp32_tmp.replace(folder / "model-fp32.onnx")
    _quantize(folder / "model-fp32.onnx", folder / "model-int8.onnx")
    shutil.copyfile(source / "tokenizer.json", folder / "tokenizer.json.part")
    (folder / "tokenizer.json.part").replace(folder / "tokenizer.json")
    files = ["model-fp32.onnx", "model-int8.onnx", "tokenizer.json"]
    dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension  # v6 | v5
    meta = {"source": str(source), "name": model_name(source), "max_seq_length": int(model.max_seq_length or 512),
            "dimension": int(dimension() or 0), "pooling": pooling,
            "normalize": any(type(m).__name__ == "Normalize" for m in model), "export_version": EXPORT_VERSION,
            "torch": torch.__version__, "files": {f: sha256_file(folder / f) for f in files}}
    tmp = folder / (_META + ".part")
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    tmp.replace(folder / _META)
    return meta


def _quantize(fp32: Path, dest: Path) -> None:
    """Dynamic int8: weights per output channel, only the MatMuls with a constant weight (the attention
    products of two activations and the embedding table stay fp32; quantising those cost most accuracy)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = dest.with_name(dest.name + ".part")
    quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True})
    tmp.replace(dest)


def _pooling(source: Path) -> str:
    """The pooling the folder prescribes; only mean and CLS pooling are run here."""
    cfg_path = source / "1_Pooling" / "config.json"
    cfg = json.loads(cfg_path.read_text()) if cfg_path.exists() else {"pooling_mode_mean_tokens": True}
    if cfg.get("pooling_mode_mean_tokens"):
        return "mean"
    if cfg.get("pooling_mode_cls_token"):
        return "cls"
    raise ModelNotFound(f"{source} uses a pooling the ONNX embedder does not run ({cfg}); "
                        "set RAG_EMBEDDER=torch (or to that folder) to use sentence-transformers.")


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (or another mean/CLS-pooled sentence-transformers folder) on ONNX Runtime, CPU."""

    def __init__(self, source: str | Path, models_dir: str | Path, *, variant: str = DEFAULT_VARIANT,
                 threads: int | None = None, batch_size: int = DEFAULT_BATCH, max_seq_length: int = 0) -> None:
        if variant not in VARIANTS:
            raise ModelNotFound(f"Unknown ONNX variant {variant!r}: use one of {', '.join(VARIANTS)}.")
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        source = Path(source)
        folder, meta = ensure_export(source, Path(models_dir), variant)
        self.name = f"{meta['name']}-onnx-{variant}"
        self.path = folder / f"model-{variant}.onnx"
        self.batch_size = batch_size
        # max_seq_length > 0 truncates shorter than the model's own cut-off (a cheaper re-ranker; measured).
        self.max_seq_length = min(int(meta["max_seq_length"]), max_seq_length or int(meta["max_seq_length"]))
        self._pooling = str(meta["pooling"])
        self._normalize = bool(meta["normalize"])
        self._np = np
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._tokenizer.no_padding()  # each batch is padded to its own longest text below
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(DEFAULT_THREADS, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only: no optimiser chatter in the CLI
        self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()  # one run at a time: a run already uses the configured cores

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return self.embed_array(texts).tolist()  # type: ignore[no-any-return]

    def embed_array(self, texts: Sequence[str]) -> Any:
        """Unit vectors as a float32 array (n, dimension)."""
        np = self._np
        encodings = self._tokenizer.encode_batch(list(texts))
        # Shortest first, so each batch pads to a similar length (sentence-transformers does the same).
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out: Any = None
        with self._lock:
            for start in range(0, len(order), self.batch_size):
                rows = order[start:start + self.batch_size]
                vectors = self._run([encodings[i].ids for i in rows])
                if out is None:
                    out = np.empty((len(order), vectors.shape[1]), dtype=np.float32)
                out[rows] = vectors
        return out

    def _run(self, pieces: list[list[int]]) -> Any:
        np = self._np
        ids = np.zeros((len(pieces), max(len(p) for p in pieces)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, p in enumerate(pieces):
            ids[r, :len(p)] = p
            mask[r, :len(p)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        if self._pooling == "cls":
            vectors = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        if self._normalize:
            vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors.astype(np.float32, copy=False)


def main() -> None:
    """`python -m rag.models.onnx_embedding [MODELS_DIR]`: make the export now (scripts/setup.sh calls this)."""
    import sys

    from ..config import Settings
    from .embedding import default_embedder_path

    # Our progress lines only: onnxruntime's quantiser logs one INFO line per tensor on the root logger.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("rag").setLevel(logging.INFO)
    models_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Settings.from_env().models_dir
    folder, _meta = ensure_export(default_embedder_path(), models_dir)
    print(f"ONNX embedder ready in {folder}")


if __name__ == "__main__":
    main()
