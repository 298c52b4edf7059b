"""Figures in a sentence: the number, its unit and qualifier, and the words around it.

A figure measures something: a percentage, a count of a counted noun ("700 doanh nghiệp"),
a ratio per 100 inhabitants, a rank ("thứ 19/63") or a top-N group ("nhóm 20 tỉnh").
Years, dates, document and section numbers, technology or level labels (4G/5G, IPv6, mức
độ 4), durations and structural counts ("4 cấp", "3 trụ cột") are not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kernel.text import collapse_ws

# -- figures ----------------------------------------------------------------------------
NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
# Not glued to a word, a code or a date on either side ("4G", "IPv6", "52-NQ", "19/10").
_NUMBER = re.compile(rf"(?<![\w/.,\-])(?:{NUM})(?![.,]?\d|[^\W\d_])")
_PERCENT_AFTER = re.compile(r"\s*%")
# A table row's unit column and a bare cell value ("Đơn vị tính: %; … Năm 2025: 12;").
_UNIT_COLUMN = re.compile(
    r"(?:^|;\s|:\s)(?:Đơn vị tính|Đơn vị|ĐVT|Unit)\s*:\s*([^;:\d]{1,20})(?=;|$)", re.I
)
_CELL_BEFORE = re.compile(r":\s*$")
_CELL_AFTER = re.compile(r"\s*(?:;|$)")
_RANK_AFTER = re.compile(r"/(\d+)\b")
_PER_100 = re.compile(r"(?:\s+\w+){0,2}\s*/\s*(100|1\.000)\s+(dân|người)\b")
# Counted nouns: a bare number followed by one of these is a count ("trên 700 doanh nghiệp").
_COUNT_UNITS = [
    "đô thị thông minh",
    "doanh nghiệp",
    "hợp tác xã",
    "cơ sở dữ liệu",
    "hộ gia đình",
    "điểm truy cập",
    "dịch vụ",
    "điểm",
    "thuê bao",
    "điện thoại",
    "bậc",
    "người",
    "thủ tục",
    "hồ sơ",
    "nền tảng",
    "sản phẩm",
    "trạm",
    "tỷ đồng",
    "triệu đồng",
    "trường",
    "bệnh viện",
    "dự án",
    "ứng dụng",
    "tài khoản",
    "chuyên gia",
    "cán bộ",
    "học viên",
    "lượt",
    "km",
    "hộ",
    "đô thị",
]
_COUNT_UNIT = re.compile(r"\s+(" + "|".join(map(re.escape, _COUNT_UNITS)) + r")\b", re.IGNORECASE)
# Words before a number that make it an identifier, level or date, not a measure.
_ID_BEFORE = re.compile(
    r"(?:(?<!dân )\bsố|\bngày|\btháng|\bnăm|\blần thứ|\bkhóa|\bkhoá|\bmức độ|\bmức|\btier|"
    r"\bđề án|\bcông nghiệp|\bnhiệm kỳ|\bgiai đoạn|\bđiều|\bkhoản|\bquyết định|\bnghị quyết|"
    r"\bchỉ thị|\bkế hoạch|\bcông văn|\bhội nghị|\bđại hội|\bphương|\bthứ)\s*:?\s*$",
    re.IGNORECASE,
)
QUAL = (
    r"tối thiểu khoảng|tối thiểu là|tối thiểu|ít nhất là|ít nhất|không dưới|không thấp hơn|"
    r"không quá|tối đa|trên|hơn|dưới|khoảng|gần"
)
# What may stand between the previous clause and a figure: a list separator, a verb that
# introduces the figure, a qualifier ("… cấp tỉnh; 80%", "… hộ gia đình và đạt 100%").
_BEFORE_FIGURE = re.compile(
    rf"(?P<conn>\s*(?:[,;]|\bvà\b|\bhoặc\b))?\s*(?P<verb>\b(?:đạt|chiếm)\s+)?"
    rf"(?P<qual>\b(?:{QUAL})\s+)?$",
    re.IGNORECASE,
)

# -- metric wording ---------------------------------------------------------------------
_YEAR_PHRASE = re.compile(
    r"(?:\b(?:phấn đấu|phân đầu)\s+)?(?:\b(?:tính đến|đến hết|đến|vào|trong|so với)\s+)?"
    r"(?:\bngày\s+)?(?:\bnăm\s+20\d\d|\d{1,2}/\d{1,2}/20\d\d)\s*,?",
    re.IGNORECASE,
)
_EXCEPT = re.compile(r"\s*\(trừ [^)]*\)")
_LEADING = re.compile(
    r"^(?:[-+•*:,;.)\s]|\d+(?:\.\d+)*\.\s|[a-zđ](?:\.\d{1,2})?\)(?:\s|$)|\(\d{1,2}\)(?:\s|$)|"
    r"(?:phấn đấu|phân đầu|bảo đảm|đảm bảo|trong đó|có|và|đạt)\b)+",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"(?:[-,;.:(\s]|\b(?:và|đạt|là|hoặc)\b)+$", re.IGNORECASE)
_TRAILING_PUNCT = re.compile(r"[-,;.:(\s]+$")
_VERB_ONLY = re.compile(r"^(?:\s|\b(?:đạt|chiếm|là)\b)*$", re.IGNORECASE)
_CLAUSE_VERB = re.compile(
    r",\s+((?:giảm|tăng|cắt giảm|đưa|mở|hoàn thành|bảo đảm|đảm bảo|phấn đấu|nâng|thuộc)\b[^,]*)$",
    re.IGNORECASE,
)
_TAIL_VERB = re.compile(r"\b(?:được|hoàn thành|sử dụng)\b", re.IGNORECASE)
_PLACEHOLDER = "…"


@dataclass
class Figure:
    """One figure found in a sentence (positions are in the cleaned sentence text)."""

    start: int  # of the value text
    end: int
    value: float
    unit: str
    comparator: str = "đạt"
    lead: str = ""
    clause: str = ""
    list_sep: bool = False  # separated from the previous figure by , ; và


# -- figures and clauses ----------------------------------------------------------------
def find_figures(text: str) -> list[Figure]:
    """Measures in a sentence, in order, with the number's span and unit.

    A table row shown with its headers ("…: Đơn vị tính: %; Năm 2025: 12; Năm 2030: 25")
    gives its bare cell values the unit of its unit column.
    """
    out: list[Figure] = []
    column = _UNIT_COLUMN.search(text)
    column_unit = column.group(1).strip().lower() if column else ""
    for m in _NUMBER.finditer(text):
        pre, post = text[: m.start()], text[m.end() :]
        value = _parse(m.group(0))
        cell = column_unit and _CELL_BEFORE.search(pre) and _CELL_AFTER.match(post)
        if cell and not _is_year(m.group(0)) and m.start() > column.end():
            out.append(Figure(m.start(), m.end(), value, column_unit))
        elif (p := _PERCENT_AFTER.match(post)) is not None:
            out.append(Figure(m.start(), m.end() + p.end(), value, "%"))
        elif re.search(r"\bthứ\s*$", pre, re.I) and (r := _RANK_AFTER.match(post)):
            out.append(Figure(m.start(), m.end() + r.end(), value, "thứ hạng"))
        elif re.search(r"\bnhóm\s*$", pre, re.I):
            out.append(Figure(m.start(), m.end(), value, "nhóm"))
        elif post.startswith("/") or _ID_BEFORE.search(pre) or _is_year(m.group(0)):
            continue
        elif (u := _COUNT_UNIT.match(post)) is not None:
            unit = u.group(1).lower()
            per = _PER_100.match(post[u.end() :])
            if per is not None:  # "129,1 thuê bao/100 dân": a rate, not a count
                unit = f"{unit}/{per.group(1)} {per.group(2)}"
            out.append(Figure(m.start(), m.end(), value, unit))
    return out


def _parse(num: str) -> float:
    return float(num.replace(".", "").replace(",", "."))


def _is_year(num: str) -> bool:
    return num.isdigit() and 1900 <= int(num) <= 2100


def _split_between(between: str) -> tuple[str, str, bool]:
    """(tail of the previous clause, lead of the next, separated by a list separator)."""
    depth, cut, sep_len = 0, -1, 0
    for k, ch in enumerate(between):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0 and ch in ";," and between[k + 1 : k + 2] == " ":
            cut, sep_len = k, 1
        elif ch == "(" and depth == 1 and ")" not in between[k:]:
            cut, sep_len = k, 1  # "(tăng 8 bậc …": an opening parenthesis starts a clause
    if cut < 0:
        return between, "", False
    return between[:cut], between[cut + sep_len :], between[cut] in ";,"


def fill_clauses(text: str, figs: list[Figure]) -> None:
    """Fill each figure's qualifier, comparator, lead (words before) and clause (after)."""
    prev_end = 0
    for i, f in enumerate(figs):
        between = text[prev_end : f.start]
        m = _BEFORE_FIGURE.search(between)
        head = between[: m.start()] if m else between
        if m and m.group("qual"):
            f.comparator = re.sub(r"\s+là$", "", m.group("qual").strip().lower())
        if i == 0:
            f.lead = _join(head, (m.group("verb") or "") if m else "")
        else:
            prev = figs[i - 1]
            if m and m.group("conn"):
                prev.clause, f.lead, f.list_sep = head, m.group("verb") or "", True
            else:
                tail, lead, sep = _split_between(head)
                prev.clause, f.list_sep = tail, sep
                f.lead = _join(lead, (m.group("verb") or "") if m else "")
        prev_end = f.end
    if figs:
        figs[-1].clause = text[figs[-1].end :]


def _join(a: str, b: str) -> str:
    return f"{a.rstrip()} {b.strip()}" if a.strip() and b.strip() else (a + b)


def metric_words(text: str, figs: list[Figure], i: int) -> str:
    """The document's words for figure ``i``: lead … clause, tidied."""
    f = figs[i]
    lead = f.lead
    if i and f.list_sep and _VERB_ONLY.match(lead):
        lead = figs[0].lead  # "… phủ trên 80% hộ gia đình, 100% xã": the lead is shared
    clause = f.clause
    last = figs[-1]
    if i < len(figs) - 1 and not _TAIL_VERB.search(clause):
        clause += _shared_tail(clause, last.clause)
    if lead.count("(") > lead.count(")"):  # "(tối thiểu khoảng 1% ngân sách …)"
        close = clause.find(")")
        if close >= 0:
            clause = clause[:close]
    if (own := _CLAUSE_VERB.search(lead)) is not None:
        lead = own.group(1)  # "…, giảm 30% thủ tục hành chính": only the last clause
    clause = _tidy(clause)
    lead = _tidy(lead, verbs=not clause)  # "Tỷ trọng kinh tế số đạt … GRDP" keeps its verb
    if lead and clause:
        metric = f"{lead} {_PLACEHOLDER} {clause}"
    else:
        metric = _tidy(_TRAILING.sub("", lead) if not clause else clause)
    return metric[:1].upper() + metric[1:]


def _shared_tail(clause: str, last: str) -> str:
    """The predicate a list shares: "…cấp tỉnh, … và 70% …cấp xã được xử lý …"."""
    a, b = clause.lower().split(), last.lower().split()
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    if common < 2:
        return ""
    pos = len(" ".join(last.split()[:common]))
    m = _TAIL_VERB.search(last, pos)
    return " " + last[m.start() :] if m else ""


def _tidy(s: str, verbs: bool = True) -> str:
    """Drop exceptions, years, stray brackets, bullets and dangling words; ``verbs``: also
    a trailing "đạt"/"là" (when nothing follows the figure)."""
    s = _EXCEPT.sub("", s)
    s = _YEAR_PHRASE.sub(" ", s)
    s = _LEADING.sub("", collapse_ws(s))  # "a.1) …": the item's mark, before its ")" is balanced
    # Parentheses left open or closed by the cut between two figures.
    while s.count("(") > s.count(")") and "(" in s:
        k = s.rfind("(")
        s = s[:k] + s[k + 1 :]
    while s.count(")") > s.count("(") and ")" in s:
        k = s.find(")")
        s = s[:k] + s[k + 1 :]
    s = collapse_ws(s)
    prev = None
    while prev != s:
        prev = s
        s = _LEADING.sub("", s)
        s = (_TRAILING if verbs else _TRAILING_PUNCT).sub("", s)
    return s
