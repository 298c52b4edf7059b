"""Building citations: a passage, the sentences that support the answer, the document."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kernel.types import Chunk, Citation, DocumentPart, Draft, FileMeta, Unit

_MARKER = re.compile(r"\[(\d+)\]")


def passage(chunks: Sequence[Chunk]) -> Chunk:
    """One passage spanning ``chunks`` (adjacent passages of one file, in document order):
    their text, with the gap between two of them kept as whitespace so that file offsets
    still point into it, under the heading path they share."""
    first = chunks[0]
    if len(chunks) == 1:
        return first
    text = first.text
    for a, b in zip(chunks, chunks[1:], strict=False):
        gap = b.start - a.end
        text += ("\n" + " " * (gap - 1) if gap > 0 else "") + b.text
    units = [u for c in chunks for u in c.units]
    path = common_path([c.headings for c in chunks])
    return first.model_copy(
        update={"end": chunks[-1].end, "text": text, "headings": path, "units": units}
    )


def common_path(paths: Sequence[Sequence[str]]) -> list[str]:
    """The heading path all of ``paths`` start with."""
    path = list(paths[0])
    for other in paths[1:]:
        k = 0
        while k < min(len(path), len(other)) and path[k] == other[k]:
            k += 1
        path = path[:k]
    return path


def runs(chunks: Sequence[Chunk], order: dict[str, int]) -> list[list[Chunk]]:
    """``chunks`` grouped into runs of adjacent passages of one file (``order``: each chunk
    id's position in the corpus, which lists every file's passages in document order);
    runs in order of their first chunk in ``chunks``."""
    # A chunk the corpus does not list (none today) is a run of its own.
    pos = sorted({order.get(c.id, -2 * n - 2): c for n, c in enumerate(chunks)}.items())
    out: list[list[Chunk]] = []
    for (i, c), prev in zip(pos, [None, *pos], strict=False):
        if prev is not None and i >= 0 and i == prev[0] + 1 and c.file == prev[1].file:
            out[-1].append(c)
        else:
            out.append([c])
    first = {c.id: n for n, c in reversed(list(enumerate(chunks)))}
    return sorted(out, key=lambda run: min(first[c.id] for c in run))


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
        spans=sentence_runs(units),
    )


def sentence_runs(units: Sequence[Unit]) -> list[tuple[int, int]]:
    """The spans of ``units``, touching ones (only whitespace between) joined; empty when
    they make one span (``sentence_start``/``sentence_end`` say it all then)."""
    out: list[tuple[int, int]] = []
    for u in sorted(units, key=lambda u: u.start):
        if out and u.start - out[-1][1] <= 2:
            out[-1] = (out[-1][0], max(out[-1][1], u.end))
        else:
            out.append((u.start, u.end))
    return out if len(out) > 1 else []


def holding(cit: Citation, chunks: Sequence[Chunk]) -> Chunk | None:
    """The passage holding ``cit``'s supporting sentence (its start, when it has none)."""
    at = cit.sentence_start if cit.sentence_end else cit.start
    return next((c for c in chunks if c.file == cit.file and c.start <= at < c.end), None)


def as_passages(
    draft: Draft, chunks: Sequence[Chunk], order: dict[str, int], docs: dict[str, FileMeta]
) -> Draft:
    """``draft``'s citations of single sentences (a targets table's rows) as the passages
    holding them, adjacent ones as one (see :func:`runs`), its markers renumbered to match.
    Unchanged when a sentence lies in no passage."""
    holder: dict[int, Chunk] = {}
    for cit in draft.citations:
        chunk = holding(cit, chunks)
        if chunk is None:
            return draft
        holder[cit.marker] = chunk
    new: dict[int, int] = {}
    citations = []
    for n, run in enumerate(runs(list(holder.values()), order), start=1):
        ids = {c.id for c in run}
        olds = [cit for cit in draft.citations if holder[cit.marker].id in ids]
        new |= {cit.marker: n for cit in olds}
        units = [
            u
            for c in run
            for u in c.units
            if any(u.start < o.sentence_end and o.sentence_start < u.end for o in olds)
        ]
        citations.append(cite(n, passage(run), units, docs))
    text = _MARKER.sub(lambda m: f"[{new.get(int(m.group(1)), m.group(1))}]", draft.text)
    return Draft(text, citations, draft.refused, draft.ranking)
