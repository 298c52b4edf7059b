"""Adding documents from the web app: check each file, put it in the corpus, re-index.

A file is checked before it touches the corpus (type, size, readable text); the ones that
pass are copied into the corpus folder and the index is rebuilt incrementally (only they
are embedded). The live index switches only when that build completes: a file that fails
never replaces the index in use, and is taken out of the corpus again.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.loaders import SUPPORTED_SUFFIXES, UnreadableFile, load_text
from ingest.pipeline import IngestReport, ingest
from kernel.settings import Settings

log = logging.getLogger(__name__)


_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


@dataclass
class UploadResult:
    """What became of each uploaded file."""

    added: list[str] = field(default_factory=list)  # corpus names of the files now indexed
    errors: dict[str, str] = field(default_factory=dict)  # uploaded name -> reason
    report: IngestReport | None = None


def safe_name(name: str) -> str:
    """A corpus file name from an uploaded one: no folders, no odd characters."""
    base = Path(name).name.strip()
    stem, dot, suffix = base.rpartition(".")
    stem, suffix = (stem, f".{suffix.lower()}") if dot else (base, "")
    return (_UNSAFE.sub("-", stem).strip("-.") or "tai-lieu") + suffix


def _free_name(corpus: Path, name: str, data: bytes) -> tuple[str, bool]:
    """``(name, already_there)``: the same bytes under that name, or a name not taken."""
    target = corpus / name
    if target.exists() and target.read_bytes() == data:
        return name, True
    stem, suffix, n = Path(name).stem, Path(name).suffix, 2
    while target.exists():
        target = corpus / f"{stem}-{n}{suffix}"
        n += 1
    return target.name, False


def add_documents(
    settings: Settings,
    files: list[tuple[str, Path]],
    max_bytes: int,
    progress: Callable[[float, str], None] | None = None,
) -> UploadResult:
    """Check ``files`` (uploaded name, temporary path), add the good ones, re-index."""
    res = UploadResult()
    step = progress or (lambda _f, _m: None)
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True, exist_ok=True)
    staged: dict[str, str] = {}  # corpus name -> uploaded name
    for i, (name, path) in enumerate(files):
        step(i / max(1, len(files)) * 0.3, f"Kiểm tra {name}")
        reason = _check(name, path, max_bytes)
        if reason:
            res.errors[name] = reason
            continue
        data = path.read_bytes()
        target, there = _free_name(corpus, safe_name(name), data)
        if not there:
            tmp = corpus / f".{target}.{hashlib.sha256(data).hexdigest()[:8]}.part"
            tmp.write_bytes(data)
            tmp.rename(corpus / target)  # whole or not at all: ingest never reads half a file
        staged[target] = name
    if not staged:
        return res
    step(0.35, "Đang cập nhật chỉ mục (nhúng các văn bản mới)…")
    try:
        report = ingest(settings, progress=False)
    except Exception as exc:  # the live index is untouched; take the new files out again
        log.exception("ingest after upload failed")
        for target, name in staged.items():
            (corpus / target).unlink(missing_ok=True)
            res.errors[name] = f"không cập nhật được chỉ mục / indexing failed: {exc}"
        return res
    res.report = report
    for target, name in staged.items():
        if target in report.errors:
            res.errors[name] = report.errors[target]
            (corpus / target).unlink(missing_ok=True)
        else:
            res.added.append(target)
    step(1.0, "Xong")
    return res


def _check(name: str, path: Path, max_bytes: int) -> str:
    """Why ``path`` cannot be added ("" when it can)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        what = suffix or "không có đuôi"
        return f"định dạng không hỗ trợ ({what}); chỉ nhận {kinds} / unsupported format"
    size = path.stat().st_size
    if size > max_bytes:
        return (
            f"tệp quá lớn ({size / 1e6:.1f} MB; giới hạn {max_bytes / 1e6:.0f} MB) / file too large"
        )
    try:
        probe = path.with_name(path.name + suffix) if path.suffix.lower() != suffix else path
        if probe != path:
            shutil.copyfile(path, probe)
        load_text(probe)
    except UnreadableFile as exc:
        return exc.reason
    finally:
        if probe != path:
            probe.unlink(missing_ok=True)
    return ""
