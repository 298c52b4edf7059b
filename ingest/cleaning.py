"""Clean extracted text into blocks (paragraphs, bullets, headings) with offsets kept.

Every block remembers, character by character, where its cleaned text sits in the original
file, so a sentence chosen from the cleaned text can be highlighted in the original.
Markdown emphasis, footnote markers, page numbers and stamp fragments are removed; the
hard-wrapped lines of PDF-extracted text are re-joined; signature blocks are kept.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from kernel.text import FOOTNOTE_LINE, MARKUP, SUB_NUMBER, UPPER

_PAGE_NUMBER = re.compile(r"^\s*(?:-\s*)?\d{1,3}(?:\s*-)?\s*$")
_ONLY_PUNCT = re.compile(r"^[\W_]*$")
_RULE = re.compile(r"^\s*[-_=*—–]{3,}\s*$")  # "-----", "———": a separator, never text
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")  # |---|:--:|
_SIGNATURE_META = re.compile(r"^\s*(Email:|Cơ quan:|Thời gian ký:)")
_TIME = re.compile(r"\d{1,2}:\d{2}:\d{2}")
# What a document's header line says, put side by side with a tab as Word headers do
# ("Số 09-NQ/TU<TAB>Thái Bình, ngày 28 tháng 9 năm 2021"): its number, its place and date.
# An incoming stamp's "Số: 50H" and "Ngày: 21/10" are neither.
_HEADER_CELL = re.compile(
    r"^\s*Số\s*:?\s*\d+\s*[-/]\s*[0-9A-ZĐ]|,\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
)
BROKEN_SHARE = 0.2  # lines ending mid-sentence that mark text as hard-wrapped (see _is_wrapped)
_TERMINAL = re.compile(r"[.;:!?…]\)?[\"”']?$")
# A line that starts a new block in wrapped text: a bullet, a numbered heading ("I.", a
# Party document's "I-"), a label.
_BLOCK_START = re.compile(
    rf"^(?:[-+•]\s+[\d{UPPER}\"“(]|[IVX]+[.-]\s|\d+(?:{SUB_NUMBER})*[.-]?\s+[{UPPER}]|[a-zđ]\)\s"
    r"|[a-zđ]\.\d{1,2}[.)]?\s|\(\d{1,2}\)\s|(?:Điều|Chương|Phần|Mục)\s+\S)"
)

# A line opening with a number and no mark after it ("75 Tổ …", "2.450 hộ …") is no numbered
# heading, which writes "75." or "75-".
_BARE_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?\s+\S")


@dataclass
class Block:
    """A paragraph-like unit: cleaned text plus the original offset of each of its chars."""

    text: str
    offsets: list[int] = field(repr=False)
    footnote: bool = False
    cells: list[str] | None = None  # a table row: its cells
    header: list[str] | None = None  # … and the header row of its table (None: it is one)
    lead: str = ""  # a piece of a paragraph cut at sentence ends: the paragraph before it
    of_row: str = ""  # a sub-row ("Trong đó: huyện X"): the subject of the row it details

    @property
    def start(self) -> int:
        return self.offsets[0]

    @property
    def end(self) -> int:
        return self.offsets[-1] + 1

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original span of the cleaned slice ``text[i:j]``."""
        return self.offsets[i], self.offsets[j - 1] + 1


@dataclass
class _Line:
    text: str
    offsets: list[int]
    marked: bool
    footnote: bool

    @property
    def table(self) -> bool:
        """A table row: cells separated by " | " (or a Markdown row "| a | b |")."""
        return " | " in self.text or (self.text.startswith("|") and self.text.endswith("|"))


_TAB_CELLS = re.compile(r"\t+")


def _tab_row(raw: str) -> bool:
    """A row of a table written with tabs ("1<TAB>Tỷ lệ …<TAB>%<TAB>14<TAB>25"), as text
    copied from a spreadsheet or a Word table comes: three cells or more."""
    return len([c for c in _TAB_CELLS.split(raw) if c.strip()]) >= 3


def _clean_line(raw: str, base: int) -> _Line:
    return _tab_line(raw, base) if _tab_row(raw) else _plain_line(raw, base)


def _tab_line(raw: str, base: int) -> _Line:
    """A tab-separated row as a table row: its cells joined by " | " (each of the three
    characters points at the tab it stands for, so spans in the file stay exact). A cell of
    spaces is an empty cell and keeps its column (trailing ones are dropped); a run of tabs
    is one separator (text aligned by tabs)."""
    parts: list[tuple[_Line, int]] = []  # each cell, and the tab before it
    k, tab = 0, base
    for m in [*_TAB_CELLS.finditer(raw), None]:
        end = m.start() if m is not None else len(raw)
        parts.append((_plain_line(raw[k:end], base + k), tab))
        if m is not None:
            k, tab = m.end(), base + m.start()
    while parts and not parts[-1][0].text:
        parts.pop()
    text, offs, marked = "", [], False
    for n, (cell, tab) in enumerate(parts):
        if n:
            text += " | "
            offs += [tab] * 3
        text += cell.text
        offs += cell.offsets
        marked = marked or cell.marked
    return _Line(text, offs, marked, False)


def _plain_line(raw: str, base: int) -> _Line:
    keep = [True] * len(raw)
    marked = False
    for m in MARKUP.finditer(raw):
        if m.group(0).strip().startswith(("*", "#")):
            marked = True
        for k in range(m.start(), m.end()):
            keep[k] = False
    chars: list[str] = []
    offs: list[int] = []
    for k, ch in enumerate(raw):
        if not keep[k]:
            continue
        if ch.isspace():
            if not chars or chars[-1] == " ":
                continue
            ch = " "
        chars.append(ch)
        offs.append(base + k)
    while chars and chars[-1] == " ":
        chars.pop()
        offs.pop()
    return _Line("".join(chars), offs, marked, bool(FOOTNOTE_LINE.match(raw)))


def _is_noise(line: _Line, raw: str) -> bool:
    t = line.text
    if not t or _PAGE_NUMBER.match(t) or _ONLY_PUNCT.match(t) or _TABLE_RULE.match(t):
        return True
    if _tab_row(raw):
        return False  # a table row, however short
    # Incoming-document stamps come out of PDF tables as short tab-separated fragments; a
    # header line stating the document's number or date beside another cell is no stamp.
    return "\t" in raw and len(t) < 60 and not any(_HEADER_CELL.search(c) for c in raw.split("\t"))


def _lines(text: str) -> list[_Line | None]:
    """Cleaned lines; ``None`` marks a blank (or removed) line."""
    out: list[_Line | None] = []
    pos = 0
    skipping_signature_meta = 0
    for raw in text.split("\n"):
        line = _clean_line(raw, pos)
        pos += len(raw) + 1
        # Digital-signature metadata (Email:/Cơ quan:/Thời gian ký: hh:mm:ss) is not content.
        if _SIGNATURE_META.match(line.text) or skipping_signature_meta:
            skipping_signature_meta = 0 if _TIME.search(line.text) else 1
            out.append(None)
            continue
        out.append(None if _is_noise(line, raw) else line)
    return out


def _is_wrapped(lines: list[_Line | None]) -> tuple[bool, float]:
    """Text hard-wrapped at a fixed width, as PDFs give it: with a blank line after every
    line (file 003), or line after line with most lines close to the full width."""
    content = [ln for ln in lines if ln is not None and not ln.table]
    if len(content) < 20:
        return False, 0.0
    lengths = [len(ln.text) for ln in content]
    width = statistics.quantiles(lengths, n=10)[7]
    followed_by_blank = sum(
        1 for a, b in zip(lines, lines[1:], strict=False) if a is not None and b is None
    )
    if followed_by_blank > 0.8 * len(content) and width > 60:
        return True, width
    # Paragraphs on one line each have lengths all over the place; wrapped lines pile up
    # just under the width. And only wrapped text breaks sentences at line ends: a line
    # without a closing mark followed by one going on in lower case is rare in text written
    # a paragraph a line (≤ 3% of lines in the corpus), common in a PDF's text (28-59%,
    # whatever its header block and tables do to the lengths).
    full = sum(1 for n in lengths if n >= 0.75 * width)
    broken = sum(
        1
        for a, b in zip(lines, lines[1:], strict=False)
        if a is not None
        and b is not None
        and not a.table
        and not b.table
        and b.text[0].islower()
        and not _TERMINAL.search(a.text)
    )
    return 40 <= width <= 130 and (
        full >= 0.5 * len(content) or broken >= BROKEN_SHARE * len(content)
    ), width


def _continues(prev: _Line, line: _Line, wrapped: bool, width: float) -> bool:
    """Whether ``line`` continues the paragraph that ``prev`` ends."""
    if prev.footnote or line.footnote or prev.table or line.table:
        return False
    first = line.text[0]
    ends = bool(_TERMINAL.search(prev.text))
    if line.marked != prev.marked:
        return False  # bold or heading text does not continue plain text, nor the reverse
    full = wrapped and len(prev.text) >= 0.85 * width
    if full and not ends and _BARE_NUMBER.match(line.text):
        return True  # "… Toàn tỉnh đã thành lập" / "75 Tổ …": a count, not a heading "75."
    if _BLOCK_START.match(line.text) and not line.text.startswith("-"):
        return False  # "b) Phát triển kinh tế số" starts lower-case but is a heading
    if _BLOCK_START.match(prev.text) and first.isupper() and len(prev.text) < 0.75 * width:
        return False  # a title line that stops well short of the width has ended: "Sau hơn …"
    if first.islower() and not ends:
        return True  # a sentence broken by a page or line break
    if first == "-" and len(line.text) > 2 and line.text[2:3].islower() and not ends:
        return True  # "chính trị \n - xã hội": a hyphen, not a bullet
    if not wrapped or _BLOCK_START.match(line.text):
        return False
    if ends:
        # "… 400 doanh nghiệp công nghệ số;" / "45% doanh nghiệp …": a full line that ends
        # at a ";" of a run-on sentence, followed by no mark and no capital, goes on.
        # "… Cơ quan chủ trì:" / "Sở Khoa học …": a full line ending at a label's colon
        # goes on with the label's value, whatever its case.
        return full and (
            prev.text.endswith(":")
            or (prev.text.endswith((";", ",")) and (first.islower() or first.isdigit()))
        )
    return len(prev.text) >= 0.6 * width


def blocks(text: str) -> list[Block]:
    """Cleaned blocks of ``text`` in order, each with offsets into ``text``."""
    lines = _lines(text)
    wrapped, width = _is_wrapped(lines)
    out: list[Block] = []
    prev: _Line | None = None
    for raw, line in zip(text.split("\n"), lines, strict=True):
        if line is None:
            if _RULE.match(raw):  # "-----" under a title: never inside a paragraph
                prev = None
            continue
        if prev is not None and out and _continues(prev, line, wrapped, width):
            b = out[-1]
            b.text += " " + line.text
            b.offsets += [line.offsets[0] - 1] + line.offsets
        else:
            out.append(Block(line.text, list(line.offsets), line.footnote))
            if line.table:
                out[-1].cells = _cells(line.text)
        prev = line
    _tables(out)
    return out


_FIGURE_CELL = re.compile(r"^[<>≥≤~]?\s*\d+(?:[.,]\d+)*\s*%?$")


def _cells(row: str) -> list[str]:
    """The cells of a row; empty ones kept ("I | Chính quyền số |  |  |" has four)."""
    r = row.rstrip()
    if r.startswith("|"):  # a Markdown row: "| a | b |"
        r = r[1:-1] if r.endswith("|") and len(r) > 1 else r[1:]
    return [c.strip() for c in r.split("|")]


def _tables(blocks: list[Block]) -> None:
    """Give every row of a table the header row of its table (its first row).

    A table cut by a page break (a page number, a footer between its rows) goes on under the
    same header when its next row is a data row (it holds a figure) of as many columns.
    """
    header: list[str] | None = None
    last: list[str] | None = None  # the header of the table before the interruption
    for prev, b in zip([None, *blocks], blocks, strict=False):
        if b.cells is None:
            last, header = header or last, None
            continue
        if header is None and last is not None and len(b.cells) == len(last):
            if any(_FIGURE_CELL.match(c) for c in b.cells[1:]):
                header = last  # the same table, after a page break
        if header is None or prev is None or len(b.cells) > len(header):
            header, last = b.cells, None  # a table starts: its first row names the columns
            continue
        if len(b.cells) < len(header):
            continue  # a group row of merged cells ("I | CHÍNH QUYỀN SỐ"): the table goes on
        if b.cells != header:  # a header repeated on a new page is no row
            b.header = header
