"""Vietnamese text handling in one place: NFC, diacritics folding, words, sentences.

Folding merges distinct words (năm/nam, thể/thế), so callers match text as written
first and use the folded form only for what a user typed without diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_WS = re.compile(r"\s+")
# The capital letters of Vietnamese, for a regex character class: the range "À-Ỹ" also
# holds the small letters between them (đ, ơ, ư, ạ …), so "1.000.000 đồng" looked like a
# numbered heading followed by a capital.
UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x1EF9)) if c.isupper())
# Numbers with separators stay whole; letters and digits together (5G, IPv6, 3D) too.
_SYLLABLE = re.compile(r"\d+(?:[.,]\d+)+%?|\d+%|[^\W_]+", re.UNICODE)


def nfc(text: str) -> str:
    """Unicode NFC, the form every stored and compared string uses."""
    return unicodedata.normalize("NFC", text)


def collapse_ws(text: str) -> str:
    """Collapse every run of whitespace (newlines included) to one space, and strip."""
    return _WS.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower-case and strip diacritics: ``"Quảng Ngãi"`` -> ``"quang ngai"``; đ -> d."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.replace("đ", "d")


def has_diacritics(text: str) -> bool:
    """True if any letter carries a Vietnamese diacritic (the user typed with accents)."""
    return fold(text) != text.lower()


def normalize_for_match(text: str) -> str:
    """The comparison form used by the eval and citation checks: NFC, lower, spaces collapsed."""
    return collapse_ws(nfc(text)).lower()


def syllables(text: str) -> list[str]:
    """Lower-cased syllables as written; codes are split at - and /. "hàng năm" is spelt
    "hằng năm" (both are written for "every year"; "hàng hóa" is another word)."""
    out = [m.group(0) for m in _SYLLABLE.finditer(nfc(text).lower())]
    for i in range(len(out) - 1):
        if out[i] == "hàng" and out[i + 1] in _PERIODS:
            out[i] = "hằng"
    return out


_PERIODS = frozenset({"năm", "tháng", "quý", "tuần", "ngày"})


def folded_syllables(text: str) -> list[str]:
    """Syllables without diacritics, for matching questions typed without accents."""
    return [fold(s) for s in syllables(text)]


def bigrams(tokens: list[str]) -> list[str]:
    """Adjacent pairs joined by '_': Vietnamese words are mostly two syllables."""
    return [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def lexical_terms(text: str, folded: bool = True) -> list[str]:
    """BM25 terms: syllables plus syllable bigrams, folded or as written."""
    toks = folded_syllables(text) if folded else syllables(text)
    return toks + bigrams(toks)


# An item's mark: a bullet, or a letter or number closed by ")" ("a)", "(2)", "a.1)"), or a
# number closed by "." that opens a paragraph of the text ("3. Task. Cơ quan chủ trì: …"): a
# numbered line that is a heading is not a unit, so this only meets numbered paragraphs. A
# Party document closes the number with a hyphen ("1- Các huyện ủy … tổ chức quán triệt").
ITEM_MARK = re.compile(r"^\s*(?:[-+•*]|[a-zđ]\)|\(?\d{1,2}[.)-]|[a-zđ]\.\d{1,2}\)?)\s+")
# The number of a sub-section after its parent's (".3" of "5.3."): no section is numbered 0,
# so "phiên bản / 4.0. …" wrapped to a line start and "1.093 Tổ …" are no numbering.
SUB_NUMBER = r"\.[1-9]\d?(?!\d)"
# A numbered item of a numbered section ("5.3. Tổ chức phong trào …; Cơ quan chủ trì: …").
NESTED_MARK = re.compile(rf"^\s*\d{{1,2}}(?:{SUB_NUMBER})+\.\s+")
# Markup of the source files, dropped from what is indexed and shown but never from the
# original text (offsets stay exact): Markdown heading marks, footnote references
# (<sup>1</sup>), other inline tags, emphasis, strike-through and escapes.
MARKUP = re.compile(
    r"^[ \t]{0,3}#{1,6}[ \t]+"
    r"|<sup>\s*\d+\s*</sup>"
    r"|</?[a-zA-Z][^>]{0,40}>"
    r"|\*{1,3}|~~|\\(?=[-.*_#()\[\]])",
    re.MULTILINE,
)
FOOTNOTE_LINE = re.compile(r"^[ \t]*<sup>\s*(\d+)\s*</sup>[ \t]*", re.MULTILINE)
"""A line that is a footnote: it opens with its number."""

# A line that opens a signature block: "T/M TỈNH ỦY", "KT. CHỦ TỊCH", or a bare title.
# A signature line's prefix (on behalf of a body, for its head…) and the rest of the line.
SIGN_PREFIX = re.compile(r"^(T/M|TM\.|KT\.|K/T|TL\.|TUQ\.|Q\.)\s*(.*)$")
SIGNATURE_MARK = re.compile(
    r"^(?:T/M|TM\.|KT\.|K/T|TL\.|TUQ\.|Q\.)(?:\s|$)"
    r"|^(?:PHÓ )?(?:BÍ THƯ|CHỦ TỊCH|GIÁM ĐỐC|BỘ TRƯỞNG)\b"
)

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*\s*%?")
# A document number as written: "52-NQ/TW", "1846/QĐ-UBND", "24/2025/NQ-HĐND".
DOC_NUMBER = re.compile(
    r"(?<![\w/])(\d{1,5})(?:\s*/\s*(?:19|20)\d\d)?\s*[-/]\s*"
    r"([A-ZĐa-zđ]{2,5}(?:\s*[-/]\s*[A-ZĐa-zđ&]{2,8})?)(?![\w/])"
)


def number_key(number: str) -> str:
    """A document number as compared: no spaces, folded, upper-case ("16-NQ/TU")."""
    return fold(re.sub(r"\s+", "", number)).upper()


# A date as written: "ngày 26 tháng 9 năm 2025", "26/9/2025".
DATE = re.compile(
    r"(?i:ngày)\s+\d{1,2}\s+(?i:tháng)\s+\d{1,2}(?:\s+(?i:năm)\s+\d{4})?"
    r"|\b\d{1,2}/\d{1,2}/\d{4}\b"
)

# A time as a schedule states it: a date, a quarter, a month, "trước / trong … năm 2026",
# a month of a year ("06/2026"), a frequency ("hằng tháng", "định kỳ 06 tháng").
TIME = re.compile(
    rf"{DATE.pattern}"
    r"|(?i:\bquý\s+(?:I{1,3}|IV|[1-4])\b)|(?i:\btháng\s+\d{1,2}\b)|\b\d{1,2}/(?:19|20)\d\d\b"
    r"|(?i:\b(?:trước|trong|từ|đến|hết|cuối|đầu|vào)\s+(?:năm\s+)?20\d\d\b)"
    r"|(?i:\b(?:hằng|hàng)\s+(?:ngày|tuần|tháng|quý|năm)\b)|(?i:\bđịnh kỳ\b)"
)


def numbers(text: str) -> list[str]:
    """Numbers as written (``1.000``, ``35,8%``, ``2030``), without surrounding spaces."""
    return [m.group(0).replace(" ", "") for m in _NUMBER.finditer(text)]


_YEAR = re.compile(r"(?<![\d/])(?<!\d[.,])(20[0-4]\d)(?!\d|%|[.,/]\d)")


def years(text: str) -> list[int]:
    """Four-digit years 2000–2049 mentioned in the text (not parts of dates or figures)."""
    return [int(y) for y in _YEAR.findall(text)]


def compared_with(before: str) -> bool:
    """Whether a year written after ``before`` is the one a figure is compared with ("tăng 7
    bậc so với năm 2018"), not the one it is of."""
    tail = " ".join(before.lower().replace("(", " ").split()[-3:])
    if tail.endswith(" so với") or tail == "so với" or tail.endswith("so với năm"):
        return True
    # "DTI năm 2023 do Bộ … công bố trong năm 2024 xếp …": the year it was published in.
    return "công bố" in " ".join(before.lower().split()[-4:])


def stated_years(text: str) -> list[tuple[int, int]]:
    """The years ``text`` states its figures for, with their offsets (as :func:`year_spans`),
    leaving out the years it compares with ("DTI năm 2023 … tăng 5 bậc so với năm 2021" is
    about 2023)."""
    return [(y, at) for y, at in year_spans(text) if not compared_with(text[:at])]


def heading_years(headings: list[str]) -> list[int]:
    """The years of the nearest heading that states any. "2. Mục tiêu đến hết năm 2025"
    under "Điều 1. Mục tiêu … năm 2025, năm 2027 và …" is about 2025 only: a parent lists
    the years of all its parts."""
    for h in reversed(headings):
        if found := years(h):
            return found
    return []


def without_years(text: str) -> str:
    """``text`` with its years blanked out: what is left of its figures are amounts."""
    return _YEAR.sub(" ", text)


def year_spans(text: str) -> list[tuple[int, int]]:
    """Each year :func:`years` finds, with the offset where it is written."""
    return [(int(m.group(1)), m.start()) for m in _YEAR.finditer(text)]


# Sentence units: a sentence ends at ., ;, ! or ? followed by space, or at a line break.
# Abbreviations common in these documents (TP., Tp., v.v.) must not end a sentence.
# Not after "TP." (thành phố), "v.v." or a signature's "KT." / "TM." / "TL." ("KT. CHỦ TỊCH").
_SENT_END = re.compile(
    r"(?<!\bTP)(?<!\bTp)(?<!v\.v)(?<!\bKT\.)(?<!\bTM\.)(?<!\bTL\.)(?<!\bTUQ\.)(?<!T/M\.)"
    r"(?<=[.;!?:])\s+|\n+"
)


_NUMBERING = re.compile(
    r"^\s*(?:(?:Phần|Chương|Mục|Điều|PHẦN|CHƯƠNG|MỤC|ĐIỀU)\s+)?"
    r"(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,5}|[a-zđ])\.?$"
)


_LABEL_WORDS = 4


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans ``(start, end)`` of sentence-like units of ``text``, whitespace trimmed.

    Bullets and list lines come out as units of their own, since they end at a line break.
    """
    pos = 0
    for m in _SENT_END.finditer(text):
        if (
            m.group(0).strip() == ""
            and "\n" not in m.group(0)
            and _NUMBERING.match(text[pos : m.start()])
        ):
            continue  # "2. Mục tiêu": the dot ends a list number, not a sentence
        if (
            "\n" not in m.group(0)
            and text[m.start() - 1] == ":"
            and len(text[pos : m.start()].split()) <= _LABEL_WORDS
        ):
            continue  # "Cơ quan chủ trì: Sở Nội vụ.": a label and its value are one unit
        yield from _trimmed(text, pos, m.start())
        pos = m.end()
    yield from _trimmed(text, pos, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


# Function words and question words: they carry no topic, so they don't count as evidence.
_STOP = """
và của các những là có được cho với trong về theo tại từ đến đã sẽ đang thì mà này đó nào gì
ai bao nhiêu mấy sao thế như ra việc một cùng hay hoặc nhằm để do bởi khi nếu vào lên trên
dưới giữa mọi mỗi hãy xin cho tôi biết nêu liệt kê hỏi rằng không chưa còn nữa đâu vậy thì
đặt ra đề ra yêu cầu muốn kỳ vọng phấn đấu mục tiêu chỉ tiêu nghị quyết tỉnh năm đến năm hiện
nay hiện tại định hướng quy định xác định nhau chênh lệch so sánh mức đạt tới phần trăm tính
tỷ lệ percent percentage
what which who whom how does did do is are was were the a an of by for to in on at and or
with from up as its it that this be should must will would many much share target targets
""".split()
STOPWORDS: frozenset[str] = frozenset(_STOP)
# Folded, "so" (so sánh) would also drop "số" (chuyển đổi số): folding merges them.
STOPWORDS_FOLDED: frozenset[str] = frozenset(fold(w) for w in _STOP) - {"so"}
