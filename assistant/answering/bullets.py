"""How the units an answer keeps read as bullets: a summary filled from the passages it
already cites, a list announced in a sentence kept as that sentence."""

from __future__ import annotations

from assistant.answering.features import Candidate

SUMMARY_CHARS = 1600  # a summary: about half a printed page, from the passages already cited


def fill(keep: list[Candidate], pool: list[Candidate]) -> list[Candidate]:
    """A summary covers its passages, not only their best units: the other units of the
    passages already cited come in, in document order, up to the summary budget. They cost
    no citation precision (the same passages are cited) and a summary's point is seldom in
    the unit that shares most words with the question."""
    cited = {c.chunk.id for c in keep}
    have = {(c.chunk.id, c.unit_no) for c in keep}
    size = sum(len(c.text) for c in keep)
    out = list(keep)
    for c in sorted(pool, key=lambda c: (c.chunk.start, c.unit_no)):
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
