"""How the units an answer keeps read as bullets: a summary filled from its
section, a list announced in a sentence kept as that sentence."""

from __future__ import annotations

from assistant.answering.features import Candidate

SUMMARY_CHARS = 1600  # a summary: about half a printed page


def fill(keep: list[Candidate], pool: list[Candidate]) -> list[Candidate]:
    """A summary covers its section, not only the units that share most words with the
    question: first the opening unit of each paragraph or list item not yet represented
    (where a paragraph says what it is about: results, then limits, then their causes), in
    document order; then the other units of the passages already cited (they cost no
    citation precision), up to the summary budget."""
    out = list(keep)
    size = sum(len(c.text) for c in keep)
    blocks = {(c.chunk.id, c.unit.block) for c in keep}
    ordered = sorted(pool, key=lambda c: (c.chunk.start, c.unit_no))
    for c in ordered:
        if (c.chunk.id, c.unit.block) in blocks:
            continue
        blocks.add((c.chunk.id, c.unit.block))
        if size + len(c.text) <= SUMMARY_CHARS:
            out.append(c)
            size += len(c.text)
    cited = {c.chunk.id for c in out}
    have = {(c.chunk.id, c.unit_no) for c in out}
    for c in ordered:
        if c.chunk.id not in cited or (c.chunk.id, c.unit_no) in have:
            continue
        if size + len(c.text) > SUMMARY_CHARS:
            break
        out.append(c)
        size += len(c.text)
    return out


def announces(c: Candidate) -> bool:
    """The unit ends with ":": it announces what follows."""
    return c.unit.text.rstrip().endswith(":")


def rest_of_block(c: Candidate) -> list:
    """The units after ``c`` in its paragraph or list item."""
    return [u for u in c.chunk.units[c.unit_no + 1 :] if u.block == c.unit.block]


def lines_of(group: list[Candidate]) -> list[str]:
    """One bullet per unit, except that a list announced in a sentence ("… các lĩnh vực:
    Y tế; Giáo dục; …") reads as that one sentence."""
    lines: list[str] = []
    opened: Candidate | None = None  # the announcing unit of the line being continued
    prev: Candidate | None = None
    for c in group:
        joined = (
            opened is not None
            and prev is not None
            and c.unit_no == prev.unit_no + 1
            and c.unit.block == opened.unit.block
        )
        if joined:
            lines[-1] += " " + c.text
        else:
            lines.append(c.text)
            opened = c if announces(c) else None
        prev = c
    return lines
