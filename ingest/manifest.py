"""Document metadata: the hand-checked ``manifest.json``, or a best effort from the text.

The manifest wins whenever it has an entry: detection is heuristic (header layouts of
extracted PDFs vary) and exists so that a file dropped into the corpus without a manifest
entry still gets a province, number, date and signer for scoping and citations.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pydantic import ValidationError

from ingest.detect import detect_meta
from kernel.types import DocumentPart, FileMeta

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- manifest


def load_manifest(path: Path) -> dict[str, FileMeta]:
    """Manifest entries keyed by file name; ``{}`` if the file does not exist.

    Raises ``ValueError`` (naming the file and the reason) for invalid JSON, a top level
    that is not a list, an entry that does not validate, or a file listed twice.
    """
    path = Path(path)
    if not path.exists():
        logger.info("no manifest at %s: metadata will be detected from the texts", path)
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: không đọc được manifest / cannot read manifest: {e}") from e
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: JSON không hợp lệ / invalid JSON: {e}") from e
    if not isinstance(data, list):
        raise ValueError(
            f"{path}: manifest phải là một danh sách / manifest must be a JSON list "
            f"of file entries, got {type(data).__name__}"
        )
    out: dict[str, FileMeta] = {}
    for i, entry in enumerate(data):
        try:
            meta = FileMeta.model_validate(entry)
        except ValidationError as e:
            raise ValueError(f"{path}: mục {i} không hợp lệ / entry {i} is invalid: {e}") from e
        _warn_unknown_fields(path, i, entry)
        if meta.file in out:
            raise ValueError(f"{path}: tệp lặp lại / file listed twice: {meta.file}")
        out[meta.file] = meta
    return out


def _warn_unknown_fields(path: Path, index: int, entry: dict) -> None:
    # pydantic drops unknown keys silently; a typo such as "singer" would lose data.
    unknown = set(entry) - set(FileMeta.model_fields)
    for part in entry.get("parts") or []:
        if isinstance(part, dict):
            unknown |= set(part) - set(DocumentPart.model_fields)
    if unknown:
        logger.warning("%s: entry %d has unknown fields %s (ignored)", path, index, sorted(unknown))


def meta_for(file: str, text: str, manifest: dict[str, FileMeta]) -> FileMeta:
    """Metadata detected from ``text``, overridden by the manifest entry for ``file``.

    Whatever the manifest states wins; a field it leaves empty (the document a resolution
    implements, say) keeps what the text says, part by part.
    """
    detected = detect_meta(file, text)
    meta = manifest.get(file) or manifest.get(Path(file).name)
    if meta is None:
        logger.info("no manifest entry for %s: metadata detected from its text", file)
        return detected
    merged = meta.model_copy(deep=True)
    for part, found in zip(merged.parts, detected.parts, strict=False):
        if part.kind != found.kind:
            continue  # the manifest splits the file differently: nothing to borrow
        for name in DocumentPart.model_fields:
            if name != "anchor" and not getattr(part, name) and getattr(found, name):
                setattr(part, name, getattr(found, name))
    return merged
