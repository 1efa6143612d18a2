"""Uploaded files -> checked copies in the uploads folder (type, size and count limits with clear reasons)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

# The article formats the loader reads from one file (JSONL record files are for `rag ingest`, not uploads).
ALLOWED = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_FILES = 20  # per upload: more is a folder, which `rag ingest FOLDER/` handles better


@dataclass
class Staged:
    """Files copied into the uploads folder, and the ones refused with a reason that says what to do."""

    saved: list[Path] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def safe_name(name: str) -> str:
    """A file name that cannot climb out of the uploads folder or hide: letters, digits, '.', '_', '-'.

    >>> safe_name("../../etc/<img src=x>.txt")
    'img_src_x.txt'
    >>> safe_name(".hidden.md")
    'hidden.md'
    """
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:100] or "article"
    return stem + re.sub(r"[^a-z0-9.]", "", suffix)


def stage(files: Sequence[str | Path], upload_dir: Path, *, max_bytes: int, max_files: int = MAX_FILES) -> Staged:
    """Check each uploaded file and copy the good ones into `upload_dir` (same name = same article)."""
    out = Staged()
    paths = [Path(f) for f in files or []]
    if len(paths) > max_files:
        out.rejected.append(f"{len(paths)} files at once is over the limit of {max_files}; "
                            f"upload them in smaller batches (or run `rag ingest FOLDER/`).")
        return out
    for src in paths:
        name = src.name
        suffix = src.suffix.lower()
        if suffix not in ALLOWED:
            out.rejected.append(f"{name}: '{suffix or 'no extension'}' files are not articles this app reads; "
                                "save it as .txt, .md or .html and upload it again.")
            continue
        size = src.stat().st_size
        if size == 0:
            out.rejected.append(f"{name}: the file is empty; add the article text and upload it again.")
            continue
        if size > max_bytes:
            out.rejected.append(f"{name}: {size:,} bytes is over the {max_bytes:,}-byte limit for one article; "
                                "split it into articles or raise RAG_MAX_FILE_BYTES.")
            continue
        upload_dir.mkdir(parents=True, exist_ok=True)
        dst = upload_dir / safe_name(name)
        shutil.copyfile(src, dst)
        out.saved.append(dst)
    return out
