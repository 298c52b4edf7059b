"""Structure-aware chunking: sections follow the document's numbering, chunks never span two.

A heading is a block that starts with a numbering mark, whatever the style: "Phần thứ
nhất", "Chương I", "Điều 1.", "I.", "1.", "1.1.", "1.1.1.", "a)", "a.1", "(1)" — or the
closing block ("Nơi nhận", "T/M", "KT."). Styles nest in that order (a style's rank), so
a document using only some of them still gets a correct heading path for every unit, e.g.
``II. Quan điểm chỉ đạo, mục tiêu › 4. Mục tiêu cơ bản đến năm 2030 › 4.3. …``.
A table row is a unit of its own that carries its column headers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

import tiktoken

from ingest.cleaning import Block, blocks
from kernel.text import SIGNATURE_MARK, SUB_NUMBER, UPPER, fold, numbers, sentence_spans, years
from kernel.tokens import count_tokens
from kernel.types import CLOSING_LABEL, PREAMBLE_LABEL, Chunk, FileMeta, Unit
from kernel.vocabulary import vocabulary

# Bumped when what is indexed changes for the same files (chunking, or how a loader reads a
# file: a PDF line parted into its columns): an index of an older version is rebuilt.
CHUNKER_VERSION = "41"

_ORDINAL = r"(?:thứ\s+)?(?:nhất|hai|ba|tư|bốn|năm|sáu|bảy|tám|chín|mười|[IVX]+|\d+)"
# (pattern, rank): the numbering styles from the outermost in; most specific first. Party
# documents close a section's number with a hyphen ("I- TÌNH HÌNH …", "1- Kết quả đạt
# được"), others with a full stop: both are the same rank.
_HEADINGS = [
    (re.compile(rf"^(?i:phần)\s+(?i:{_ORDINAL})\b"), 1),
    (re.compile(r"^(?i:chương)\s+(?:[IVX]+|\d+)\b"), 2),
    (re.compile(r"^(?i:mục)\s+(?:[IVX]+|\d+)\.?\s"), 3),
    (re.compile(r"^Điều\s+\d+\.?\s"), 4),
    (re.compile(r"^([IVX]{1,5})[.-]\s+\S"), 5),
    (re.compile(rf"^(\d{{1,2}}{SUB_NUMBER}{SUB_NUMBER})\.?\s+\S"), 8),
    (re.compile(rf"^(\d{{1,2}}{SUB_NUMBER})\.?\s+\S"), 7),
    (re.compile(r"^(\d{1,2})[.-]\s+[^\d\s]"), 6),
    (re.compile(r"^([a-zđ])\)\s+\S"), 9),
    (re.compile(r"^([a-zđ]\.\d{1,2})\.?\)?\s+\S"), 10),
    (re.compile(r"^\((\d{1,2})\)\s+\S"), 11),
]
_CLOSING = re.compile(rf"^Nơi nhận|{SIGNATURE_MARK.pattern}")
# "Bảng 1. Chỉ tiêu chuyển đổi số năm 2026", "Biểu: …", "Phụ lục. …" right above a table.
_CAPTION = re.compile(r"^(?i:bảng|biểu|phụ lục)(?:\s+(?:số\s+)?(?:\d{1,2}|[IVX]{1,4}))?\s*[.:]?\s")
_CAPTION_LEVEL = 9  # beside the lettered items ("d) An toàn thông tin") it follows
_ITEM_LEVEL = 5  # from "I." down: numbering that also marks items of a list
_SENTENCE_END = re.compile(r"[.;][\"”')*]*\s*$")
_INNER_SENTENCE = re.compile(rf"[.;!?]\s+[{UPPER}]")
_LABEL = re.compile(r"^\S+\s+[^:.;]{1,60}:\s")  # "8.1. Lĩnh vực nông nghiệp: …"


def _is_item(text: str) -> bool:
    """A numbered line that is one sentence of a list ("a) Kinh tế số chiếm 18% GRDP.",
    "1.1. Rà soát … chính sách;"), not a labelled paragraph ("8.1. Lĩnh vực nông nghiệp:
    Ứng dụng … Tăng cường …"), which titles what it says."""
    body = text.split(maxsplit=1)[-1].rstrip(" .;")
    inner = _INNER_SENTENCE.search(body)
    # "1. Hạ tầng số. Đầu tư …" opens with a title; "a) Hoàn thành hợp nhất … trong Quý
    # III/2026. Cơ quan chủ trì: …" is a task with its lead agency, an item all the same.
    first = body[: inner.start()] if inner else ""
    # A title names a topic; a first sentence stating a figure ("Xóa toàn bộ 64 bản còn lõm
    # sóng.") is the task itself.
    figures = [n for n in numbers(first) if n not in {str(y) for y in years(first)}]
    titled = inner is not None and len(first.split()) <= _TITLE_WORDS and not figures
    return bool(_SENTENCE_END.search(text)) and not _LABEL.match(text) and not titled


_TITLE_WORDS = 10


_LABEL_MAX = 90


@dataclass
class Section:
    """A run of blocks under one heading path."""

    headings: list[str]
    blocks: list[Block] = field(default_factory=list)
    has_heading_block: bool = False


def numbering_style(text: str) -> int | None:
    """Rank of the numbering ``text`` opens with ("3.1." → 7, "i)" → 9), heading or item."""
    return next((level for pattern, level in _HEADINGS if pattern.match(text)), None)


def numbering_level(block: Block) -> int | None:
    """:func:`numbering_style` of a block of text (none for a table row or a footnote)."""
    if block.footnote or block.cells is not None:
        return None
    return numbering_style(block.text)


def heading_level(block: Block) -> int | None:
    """Rank of a heading block's numbering style (smaller = outer; 0 = closing), else None."""
    if block.footnote or block.cells is not None:
        return None
    if _CLOSING.match(block.text):
        return 0
    level = numbering_level(block)
    # "a) Kinh tế số chiếm 18% GRDP.", "1.1. Rà soát … chính sách;": a numbered sentence
    # is an item of its section, not the title of a new one.
    if level is not None and level >= _ITEM_LEVEL and _is_item(block.text):
        return None
    return level


_BARE_MARK = re.compile(
    rf"^(?i:phần\s+{_ORDINAL}|chương\s+(?:[IVX]+|\d+)|mục\s+(?:[IVX]+|\d+))[\s.:]*$"
)
_TITLE_MAX = 160


def _is_bare_mark(text: str) -> bool:
    """A heading that is only its mark ("Phần thứ nhất", "Chương II"): its title follows."""
    return bool(_BARE_MARK.match(text.strip()))


def _is_title_line(text: str) -> bool:
    """A short line that is not a sentence: the title under a bare mark."""
    t = text.strip()
    return 0 < len(t) <= _TITLE_MAX and not _SENTENCE_END.search(t) and "|" not in t


def _label(text: str) -> str:
    """Short heading label: a labelled paragraph ("(4) Về kinh tế số: Tỷ trọng …") is cut at
    its colon, other long numbered paragraphs at a colon or a word."""
    if _LABEL.match(text):
        return text[: text.find(":")].strip()
    if len(text) <= _LABEL_MAX:
        return text.rstrip(":").strip()
    colon = text.find(":")
    if 0 < colon <= _LABEL_MAX:
        return text[:colon].strip()
    cut = text.rfind(" ", 0, _LABEL_MAX - 10)
    return text[: cut if cut > 0 else _LABEL_MAX].rstrip(",;") + "…"


def _part_starts(text: str, meta: FileMeta) -> list[int]:
    """Offsets where the file's documents start (from the manifest anchors)."""
    starts = [0]
    for part in meta.parts[1:]:
        # The anchor is the part's first line: "Phụ lục" also occurs inside sentences.
        pos = text.find(f"\n{part.anchor}", starts[-1]) + 1 if part.anchor else -1
        starts.append(pos if pos > starts[-1] else starts[-1])
    return starts


def sections(text: str, meta: FileMeta) -> list[Section]:
    """Split a file into sections with heading paths."""
    starts = _part_starts(text, meta) if meta.parts else [0]
    multi = len(starts) > 1
    out: list[Section] = []
    stack: list[tuple[int, str]] = []
    part = -1
    root: list[str] = []
    closing = False
    bare = False  # the last block was a heading mark with no title ("Phần thứ nhất")
    listed = blocks(text)
    outer: list[tuple[int, str]] | None = None  # the path a captioned table interrupts
    for at, block in enumerate(listed):
        if outer is not None and block.cells is None:
            if heading_level(block) is None:
                # The text after a captioned table is the section's again, not the table's.
                stack = outer
                out.append(Section(root + [s[1] for s in stack]))
            outer = None
        nxt = listed[at + 1] if at + 1 < len(listed) else None
        if nxt is not None and nxt.cells is not None and block.cells is None:
            if _CAPTION.match(block.text) and _is_title_line(block.text.rstrip(".")):
                # A table's caption titles the table: its rows are not the last item's.
                outer = stack
                stack = [s for s in stack if s[0] < _CAPTION_LEVEL]
                stack.append((_CAPTION_LEVEL, _label(block.text)))
                out.append(Section(root + [s[1] for s in stack], has_heading_block=True))
                out[-1].blocks.append(block)
                continue
        new_part = part
        while new_part + 1 < len(starts) and block.start >= starts[new_part + 1]:
            new_part += 1
        if new_part != part:
            part, stack, closing = new_part, [], False
            root = [meta.parts[part].label] if multi else []
            out.append(Section(root + [PREAMBLE_LABEL]))
        level = heading_level(block)
        if closing:
            # After the signature only an outer heading ("I. THỰC TRẠNG …" of the content
            # a resolution carries after its signature, "NỘI DUNG … kèm theo Nghị quyết")
            # opens a section again; the rest is the signature and recipients block.
            if level is not None and 0 < level <= _ITEM_LEVEL:
                closing, stack = False, []
            else:
                level = None
        if level is None and bare and _is_title_line(block.text):
            # "Phần thứ nhất" / "KẾT QUẢ THỰC HIỆN NĂM 2025": the part's title is the next line.
            stack[-1] = (stack[-1][0], f"{stack[-1][1]}. {_label(block.text)}")
            out[-1].headings = root + [s[1] for s in stack]
            bare = False  # the title lives on in the heading path, like the mark
            continue
        bare = level is not None and _is_bare_mark(block.text)
        sibling = numbering_level(block)
        if level is None and sibling is not None and stack and stack[-1][0] == sibling:
            # "3.2. Kiện toàn …" after the labelled "3.1. Tổ chức phong trào …: …" is 3.1's
            # sibling, not a part of it: the section of 3.1 ends here.
            stack = stack[:-1]
            out.append(Section(root + [s[1] for s in stack]))
        if level is not None:
            if _CLOSING.match(block.text):
                closing = True
                stack = [(0, CLOSING_LABEL)]
            else:
                stack = [s for s in stack if s[0] < level] + [(level, _label(block.text))]
            out.append(Section(root + [s[1] for s in stack], has_heading_block=True))
        out[-1].blocks.append(block)
    return [s for s in out if s.blocks]


def _split_block(block: Block, max_tokens: int, enc: tiktoken.Encoding) -> list[Block]:
    """Cut a block longer than ``max_tokens`` at sentence ends."""
    if count_tokens(block.text, enc) <= max_tokens:
        return [block]
    pieces: list[Block] = []
    cur: tuple[int, int] | None = None

    def piece(i: int, j: int) -> Block:
        # The paragraph before the piece stays known: "Đến năm 2030, …" a few sentences
        # earlier is what year the piece's targets are for.
        lead = block.text[:i].strip() if pieces else ""
        return Block(block.text[i:j], block.offsets[i:j], lead=lead)

    for i, j in sentence_spans(block.text):
        if cur and count_tokens(block.text[cur[0] : j], enc) > max_tokens:
            pieces.append(piece(*cur))
            cur = None
        cur = (cur[0], j) if cur else (i, j)
    if cur:
        pieces.append(piece(*cur))
    return pieces


def units(group: list[Block]) -> list[Unit]:
    """Sentence-like units of a group of blocks: file span, cleaned text, block number.

    A table row is one unit spanning the row, its text naming each value's column.
    """
    out = []
    n = -1
    for k, b in enumerate(group):
        # Pieces of one paragraph (cut at sentence ends) stay one paragraph.
        n += 0 if b.lead and k > 0 and group[k - 1].end <= b.start else 1
        if b.cells is not None:
            out.append(Unit(b.start, b.end, shown(b), n))
            continue
        for i, j in sentence_spans(b.text):
            s, e = b.span(i, j)
            out.append(Unit(s, e, b.text[i:j], n))
    return out


# A row detailing the one above ("Trong đó: huyện Pác Nặm", "Riêng khu vực nông thôn").
_SUB_ROW = re.compile(r"^(?:trong đó|riêng)\b", re.IGNORECASE)
_ORDINAL_CELL = re.compile(r"^(?:\d{1,3}|[IVX]{1,4}|[a-zđ])\.?$")
# A cell holding only a dash or dots is empty: "Thực hiện năm 2024: -" states no figure for
# 2024, and written out it reads as an answer about that year.
_EMPTY_CELL = re.compile(r"^[-–—.…\s]*$")


def shown(b: Block) -> str:
    """A block as indexed and quoted: a table row with its headers ("Tỷ lệ …: Năm 2023: 25%;
    Năm 2025: 80%"), any other block as it is."""
    if b.cells is None or b.header is None:
        return b.text if b.cells is None else " | ".join(b.cells)
    # Only the first column can be a row number ("STT", "1", "II"): "72" elsewhere is a value.
    pairs = [
        (h, v)
        for i, (h, v) in enumerate(zip(b.header, b.cells, strict=False))
        if not _EMPTY_CELL.match(v) and not (i == 0 and _ORDINAL_CELL.match(v))
    ]
    if not pairs:
        return " | ".join(b.cells)
    pairs = _with_unit(pairs)
    # The row's subject: its first cell with words (the indicator), without its header.
    k = next((i for i, (_, v) in enumerate(pairs) if re.search(r"[^\W\d_]{3}", v)), 0)
    rest = [f"{h}: {v}" if h else v for i, (h, v) in enumerate(pairs) if i != k]
    row = f"{pairs[k][1]}: " + "; ".join(rest) if rest else pairs[k][1]
    return f"{b.of_row} – {row}" if b.of_row else row


def _with_row_subjects(blocks: list[Block]) -> list[Block]:
    """Blocks with each sub-row ("Trong đó: huyện Pác Nặm: Kế hoạch năm 2024: 50%") knowing
    the subject of the row it details, where alone its indicator is written."""
    out: list[Block] = []
    parent = ""
    for b in blocks:
        if b.cells is not None and b.header is not None:
            row = shown(b)
            if _SUB_ROW.match(row) and parent:
                b = replace(b, of_row=parent)
            else:
                parent = row.split(": ")[0]
        out.append(b)
    return out


def shown_row(text: str) -> bool:
    """Whether a unit's text is a table row as :func:`shown` writes it: its subject, then
    "header: value" cells joined by "; " (running text is cut into units at ";", so a unit
    of it never holds one)."""
    return "; " in text and text.count(": ") >= 2


_BARE_FIGURE = re.compile(r"^\d+(?:[.,]\d+)*$")


def _with_unit(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A row's (header, value) pairs with a "%" unit column written after each bare figure
    ("Kế hoạch 2026: 17%", as a sentence would say it). Other units stay in their column
    ("Đơn vị: mã số; … 1.250"), where the target extraction reads them for every cell."""
    names = vocabulary().unit_columns
    at = next((i for i, (h, _) in enumerate(pairs) if fold(h).strip(" .:") in names), None)
    if at is None or pairs[at][1].strip() != "%":
        return pairs
    return [
        (h, f"{v}%" if _BARE_FIGURE.match(v.strip()) else v)
        for i, (h, v) in enumerate(pairs)
        if i != at
    ]


def _prefix(meta: FileMeta, sec: Section) -> str:
    """The retrieval prefix of a section's chunks: ``[province | heading path]``."""
    return "[" + " | ".join(x for x in (meta.province, " › ".join(sec.headings)) if x) + "]"


def _make_chunk(
    text: str, meta: FileMeta, sec: Section, group: list[Block], enc: tiktoken.Encoding
) -> Chunk:
    start, end = group[0].start, group[-1].end
    body = "\n".join(shown(b) for b in group)
    index_text = f"{_prefix(meta, sec)}\n{body}"
    digest = hashlib.sha256(f"{meta.file}:{start}:{end}:{text[start:end]}".encode()).hexdigest()
    part = meta.main
    return Chunk(
        id=digest[:24],
        file=meta.file,
        start=start,
        end=end,
        text=text[start:end],
        index_text=index_text,
        headings=sec.headings,
        province=meta.province,
        title=meta.title or part.title,
        doc_number=part.number,
        n_tokens=count_tokens(index_text, enc),
        units=units(group),
        lead=group[0].lead,
    )


def chunk(text: str, meta: FileMeta, enc: tiktoken.Encoding, max_tokens: int) -> list[Chunk]:
    """Chunks of one file, in order; none spans two sections or exceeds ``max_tokens``."""
    out: list[Chunk] = []
    secs = sections(text, meta)
    for n, sec in enumerate(secs):
        # A bare title ("III. MỤC TIÊU") lives on in its children's heading paths; a short
        # numbered item with no child under it is content, and stays.
        child = n + 1 < len(secs) and secs[n + 1].headings[: len(sec.headings)] == sec.headings
        if sec.has_heading_block and len(sec.blocks) == 1 and len(sec.blocks[0].text) < 60:
            if child and not _CLOSING.match(sec.blocks[0].text):
                continue
        # The prefix and the newline before the body count against the chunk's size.
        budget = max_tokens - count_tokens(_prefix(meta, sec) + "\n", enc) - 1
        group: list[Block] = []
        blocks = _with_row_subjects(sec.blocks)
        for block in (p for b in blocks for p in _split_block(b, budget, enc)):
            candidate = "\n".join(x.text for x in [*group, block])
            if group and count_tokens(candidate, enc) > budget:
                out.append(_make_chunk(text, meta, sec, group, enc))
                group = []
            group.append(block)
        if group:
            out.append(_make_chunk(text, meta, sec, group, enc))
    return out
