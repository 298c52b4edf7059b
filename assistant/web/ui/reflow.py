"""Passages re-flowed for reading: a PDF's hard line breaks inside a phrase become spaces.

``reflow`` never changes the length of the text (each joined line break and the blank
lines around it become spaces), so every offset into a passage — the highlighted sentence,
a citation span — stays exact. Real breaks stay: before a bullet, a numbered heading or a
label, after a sentence end, and around Markdown headings or bold lines.
"""

from __future__ import annotations

import re
import statistics

# What starts a new block: a bullet, "II. ", "4.3. Phát…", "a) …", a Markdown heading.
_BLOCK_START = re.compile(
    r"^\s*(?:[-+•*]\s+\S|[IVXLC]+\.\s|\d+(?:\.\d+)*\.?\s+\S|[a-zđ]\)\s|#|\*\*|<)"
)
_TERMINAL = re.compile(r"[.;:!?…]\)?[\"”'*]*\s*$")
_BREAK = re.compile(r"[ \t]*\n(?:[ \t]*\n)*[ \t]*")
_MARKED = re.compile(r"^\s*(?:#|\*\*)")
_MAX_WRAP = 130  # hard-wrapped PDF lines are short; a file's own paragraphs are longer


def _width(lines: list[str]) -> float:
    sizes = [len(s.strip()) for s in lines if s.strip()]
    if len(sizes) < 3:
        return 0.0
    return statistics.quantiles(sizes, n=10)[7] if len(sizes) >= 4 else max(sizes)


def _joins(prev: str, nxt: str, width: float) -> bool:
    """Whether the line break between ``prev`` and ``nxt`` is inside a phrase."""
    p, n = prev.strip(), nxt.strip()
    if not p or not n or _TERMINAL.search(p) or _MARKED.match(p) or _MARKED.match(n):
        return False
    if n[0].islower() and not re.match(r"[a-zđ]\)\s", n):
        return True  # "dịch vụ mạng di / động 5G": a phrase broken by the line width
    hyphen = re.match(r"-\s+(\w)", n)
    if hyphen and hyphen.group(1).islower():
        return True  # "chính trị / - xã hội": a hyphen, not a bullet
    if _BLOCK_START.match(n):
        return False
    # Upper-case continuation ("Nhà nước, / Mặt trận …"): only in hard-wrapped text, after
    # a line that runs to the wrap width.
    return 0 < width <= _MAX_WRAP and len(p) >= 0.6 * width


def reflow(text: str) -> str:
    """``text`` with mid-phrase line breaks turned into spaces; same length as ``text``."""
    if "\n" not in (text or ""):
        return text or ""
    breaks = list(_BREAK.finditer(text))
    pieces: list[str] = []
    pos = 0
    for m in breaks:
        pieces.append(text[pos : m.start()])
        pos = m.end()
    pieces.append(text[pos:])
    width = _width(pieces)
    out = list(text)
    for k, m in enumerate(breaks):
        if _joins(pieces[k], pieces[k + 1], width):
            for i in range(m.start(), m.end()):
                out[i] = " "
    return "".join(out)
