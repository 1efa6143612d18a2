"""Uploaded files -> checked copies in the uploads folder: names kept (Unicode too), another file never overwritten."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

# The article formats the loader reads from one file (JSONL record files are for `rag ingest`, not uploads).
ALLOWED = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_FILES = 20  # per upload: more is a folder, which `rag ingest FOLDER/` handles better
# File systems allow 255 bytes per name (not characters: 新 is 3 bytes); the rest is room for " (12)".
MAX_NAME_BYTES = 200
MAX_COPIES = 1000  # "name (2)" .. "name (1000)": past that, something is uploading in a loop
# Characters Windows forbids in names (the uploads folder may be copied there); they become "_".
_RESERVED = set('<>:"|?*')
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


@dataclass
class Staged:
    """Files copied into the uploads folder, and the ones refused with a reason that says what to do."""

    saved: list[Path] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)  # "x.txt is saved as x (2).txt: …" notes
    created: list[Path] = field(default_factory=list)  # files this upload wrote (the rest reuse identical ones)


def safe_name(name: str) -> str:
    """The uploaded file's own name, made safe: no folders, no control or invisible characters, not hidden,
    Unicode kept (NFC), at most MAX_NAME_BYTES bytes.

    >>> safe_name("../../etc/<img src=x>.txt")
    '_img src=x_.txt'
    >>> safe_name(".hidden.MD"), safe_name("Новости\\u200b дня.txt"), safe_name("..")
    ('hidden.md', 'Новости дня.txt', 'article')
    >>> safe_name("report (1).txt") != safe_name("report [1].txt")
    True
    """
    base = unicodedata.normalize("NFC", re.split(r"[/\\]", name)[-1])
    base = " ".join("".join(_char(c) for c in base).split())
    dot = base.rfind(".")
    stem, suffix = (base[:dot], base[dot:]) if 0 < dot < len(base) - 1 else (base, "")  # as Path.suffix
    suffix = re.sub(r"[^a-z0-9.]", "", suffix.lower())[:16]
    stem = stem.strip(" .")  # a leading dot hides the file from the loader; Windows drops trailing ones
    if stem.upper() in _DEVICES:
        stem = "_" + stem
    stem = _cut_bytes(stem, MAX_NAME_BYTES - len(suffix)).rstrip(" .")
    return (stem or "article") + suffix


def _char(c: str) -> str:
    if c.isspace():
        return " "
    if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ""  # control, invisible format (bidi overrides, zero-width), surrogate, private, unassigned
    return "_" if c in _RESERVED else c


def _cut_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 form has at most `limit` bytes (never half a character)."""
    return text.encode("utf-8")[:max(limit, 0)].decode("utf-8", "ignore")


def copy_names(name: str) -> Iterator[str]:
    """`name`, then "stem (2).ext", "stem (3).ext", …

    >>> list(copy_names("report.txt"))[:3]
    ['report.txt', 'report (2).txt', 'report (3).txt']
    """
    stem, suffix = os.path.splitext(name)
    yield name
    for i in range(2, MAX_COPIES + 1):
        yield f"{stem} ({i}){suffix}"


def stage(files: Sequence[str | Path], upload_dir: Path, *, max_bytes: int, max_files: int = MAX_FILES) -> Staged:
    """Check each uploaded file and copy the good ones into `upload_dir`.

    A file keeps its (safe) name. When that name holds a different file, the upload is saved as "name (2)"
    and so on: an upload never replaces another file. The same bytes under the same name reuse the file.
    """
    out = Staged()
    paths = [Path(f) for f in files or []]
    if len(paths) > max_files:
        out.rejected.append(f"{len(paths)} files at once is over the limit of {max_files}; "
                            f"upload them in smaller batches (or run `rag ingest FOLDER/`).")
        return out
    for src in paths:
        name = src.name
        try:
            reason = _refusal(src, max_bytes)
            if reason:
                out.rejected.append(f"{name}: {reason}")
                continue
            wanted = safe_name(name)
            dst, created = _place(src, Path(upload_dir), wanted)
        except OSError as exc:
            out.rejected.append(f"{name}: could not be saved to {upload_dir} ({exc.strerror or exc}); make sure the "
                                "folder is writable and the disk has room, or set RAG_UPLOAD_DIR to another folder.")
            continue
        if dst is None:
            out.rejected.append(f"{name}: {MAX_COPIES} different files of this name are already uploaded; "
                                "rename it and upload it again.")
            continue
        if dst.name != wanted:
            out.renamed.append(f"{name}: a different file of that name is already in the corpus, so this one is "
                               f"saved as “{dst.name}”; delete the old one from {upload_dir} if it is outdated.")
        out.saved.append(dst)
        if created:
            out.created.append(dst)
    return out


def _refusal(src: Path, max_bytes: int) -> str:
    """Why this file cannot be an article ('' when it can)."""
    suffix = src.suffix.lower()
    if suffix not in ALLOWED:
        return (f"'{suffix or 'no extension'}' files are not articles this app reads; "
                "save it as .txt, .md or .html and upload it again.")
    size = src.stat().st_size
    if size == 0:
        return "the file is empty; add the article text and upload it again."
    if size > max_bytes:
        return (f"{size:,} bytes is over the {max_bytes:,}-byte limit for one article; "
                "split it into articles or raise RAG_MAX_FILE_BYTES.")
    return ""


def _place(src: Path, upload_dir: Path, name: str) -> tuple[Path | None, bool]:
    """Copy `src` into `upload_dir` under `name` or its first free copy name: (path, created).

    The bytes go to a hidden temporary file first and are then linked to the final name, which fails
    rather than overwrite: two sessions uploading one name at once get two files, and nobody ever reads
    a half-written article.
    """
    upload_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=upload_dir, prefix=".upload-", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out)
        for candidate in copy_names(name):
            dst = upload_dir / candidate
            try:
                _link_new(tmp, dst)
                return dst, True
            except FileExistsError:
                if _same_file(dst, tmp):
                    return dst, False
        return None, False
    finally:
        tmp.unlink(missing_ok=True)


def _link_new(tmp: Path, dst: Path) -> None:
    """Give `tmp`'s bytes the name `dst`; FileExistsError if the name is taken (it is never replaced)."""
    try:
        os.link(tmp, dst)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: exclusive create, then copy
        with open(dst, "xb") as out, open(tmp, "rb") as inp:
            shutil.copyfileobj(inp, out)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.is_file() and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def discard(paths: Iterable[Path]) -> list[Path]:
    """Remove files this upload created (the ingest refused them): what was removed."""
    gone = []
    for p in paths:
        try:
            p.unlink()
        except OSError:  # already gone, or the folder turned read-only: nothing more to do here
            continue
        gone.append(p)
    return gone
