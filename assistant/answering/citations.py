"""Building citations: a passage, the sentences that support the answer, the document."""

from __future__ import annotations

from collections.abc import Sequence

from kernel.types import Chunk, Citation, DocumentPart, FileMeta, Unit


def cite(
    marker: int,
    chunk: Chunk,
    units: Sequence[Unit] = (),
    docs: dict[str, FileMeta] | None = None,
    part: DocumentPart | None = None,
) -> Citation:
    """Cite ``chunk`` with marker ``[marker]``; ``units`` are the
    supporting sentences highlighted in it. The document part defaults to the file's main one.
    """
    meta = (docs or {}).get(chunk.file)
    part = part or (meta.main if meta else None)
    title = (part.title if part and part.title else "") or (meta.title if meta else "")
    return Citation(
        marker=marker,
        file=chunk.file,
        title=title or chunk.title,
        province=chunk.province,
        doc_number=part.number if part else chunk.doc_number,
        date=part.date if part else "",
        section=chunk.section,
        text=chunk.text,
        start=chunk.start,
        end=chunk.end,
        sentence=" ".join(u.text for u in units),
        sentence_start=min((u.start for u in units), default=0),
        sentence_end=max((u.end for u in units), default=0),
    )
