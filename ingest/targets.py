"""Rule-based extraction of every quantitative figure (chỉ tiêu) of the documents.

Runs at ingest time over the chunks (no model). A row is a figure that measures something:
a percentage, a count of a counted noun ("700 doanh nghiệp"), a ratio per 100 inhabitants,
a rank ("thứ 19/63") or a top-N group ("nhóm 20 tỉnh"). Years, dates, document and section
numbers, technology or level labels (4G/5G, IPv6, mức độ 4), durations and structural
counts ("4 cấp", "3 trụ cột") are not rows.

Each row keeps the sentence it comes from as an exact span of the original file (from the
chunk units, whose offsets are exact) and the exact span of the figure itself, so every
row can be shown and checked against the text that says it.

* kind: ``baseline`` in the "Tình hình" sections (and in footnotes referenced from them),
  ``recommendation`` for the national template (its budget floor is advice, not a
  province's target), ``target`` elsewhere.
* target_year: the year the sentence states, else the heading's ("Mục tiêu … đến năm
  2025"), else the one its paragraph stated earlier, else the document's single-year period.
* metric: the document's own words around the figure, the figure replaced by "…";
  metric_key: a shared name from :data:`METRIC_PATTERNS` so provinces can be compared.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.targets import METRIC_LABELS, PILLARS, Target
from assistant.text import collapse_ws, fold, years
from assistant.types import NATIONAL, Chunk, FileMeta

from .chunking import CLOSING_LABEL, PREAMBLE_LABEL

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "1"

# -- figures ----------------------------------------------------------------------------
_NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
# Not glued to a word, a code or a date on either side ("4G", "IPv6", "52-NQ", "19/10").
_NUMBER = re.compile(rf"(?<![\w/.,\-])(?:{_NUM})(?![.,]?\d|[^\W\d_])")
_PERCENT_AFTER = re.compile(r"\s*%")
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
_QUAL = (
    r"tối thiểu khoảng|tối thiểu là|tối thiểu|ít nhất là|ít nhất|không dưới|không thấp hơn|"
    r"không quá|tối đa|trên|hơn|dưới|khoảng|gần"
)
# What may stand between the previous clause and a figure: a list separator, a verb that
# introduces the figure, a qualifier ("… cấp tỉnh; 80%", "… hộ gia đình và đạt 100%").
_BEFORE_FIGURE = re.compile(
    rf"(?P<conn>\s*(?:[,;]|\bvà\b|\bhoặc\b))?\s*(?P<verb>\b(?:đạt|chiếm)\s+)?"
    rf"(?P<qual>\b(?:{_QUAL})\s+)?$",
    re.IGNORECASE,
)

# -- years ------------------------------------------------------------------------------
_YEAR_AT = re.compile(r"(?<![\d.,])(?:\d{1,2}/\d{1,2}/)?(20[0-4]\d)(?![\d%/]|[.,]\d)")
_COMPARED_TO = re.compile(r"so với\s*(?:năm\s*)?$", re.IGNORECASE)

# -- metric wording ---------------------------------------------------------------------
_YEAR_PHRASE = re.compile(
    r"(?:\b(?:phấn đấu|phân đầu)\s+)?(?:\b(?:tính đến|đến hết|đến|vào|trong|so với)\s+)?"
    r"(?:\bngày\s+)?(?:\bnăm\s+20\d\d|\d{1,2}/\d{1,2}/20\d\d)\s*,?",
    re.IGNORECASE,
)
_EXCEPT = re.compile(r"\s*\(trừ [^)]*\)")
_LEADING = re.compile(
    r"^(?:[-+•*:,;.)\s]|\d+(?:\.\d+)*\.\s|[a-zđ]\)\s|"
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
_LEVELS = re.compile(r"cấp (tỉnh|huyện|xã)((?:\s*(?:,|và)\s*cấp (?:tỉnh|huyện|xã))+)")
_PLACEHOLDER = "…"

# -- metric keys: (key, all of these folded patterns, none of these) ----------------------
# First match wins, so specific metrics come before general ones. "{level}" keys are
# filled with the administrative level (tinh/huyen/xa) named in the metric.
METRIC_PATTERNS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("nhom_tinh_dan_dau", (r"\bnhom\b", r"dan dau|dung dau"), ()),
    ("ngan_sach_chuyen_doi_so", (r"ngan sach",), ()),
    ("kinh_te_so_tung_nganh", (r"kinh te so", r"tung nganh"), ()),
    ("kinh_te_so_grdp", (r"kinh te so", r"grdp|tong san pham"), ()),
    ("nang_suat_lao_dong", (r"nang suat lao dong",), ()),
    ("doanh_nghiep_cong_nghe_so", (r"doanh nghiep cong nghe so",), ()),
    ("dnnvv_nen_tang_so", (r"doanh nghiep (nho va vua|vua va nho)", r"nen tang so"), ()),
    ("dnnn_nen_tang_so", (r"doanh nghiep nha nuoc", r"nen tang so"), ()),
    ("doanh_nghiep_nen_tang_so", (r"doanh nghiep", r"nen tang so"), ()),
    ("dvc_truc_tuyen_toan_trinh", (r"truc tuyen toan trinh",), ()),
    ("dvc_truc_tuyen_muc_4", (r"(dich vu cong|thu tuc hanh chinh)", r"muc do 4"), (r"muc do 3",)),
    ("dvc_truc_tuyen_su_dung", (r"su dung dich vu cong truc tuyen",), (r"dinh danh",)),
    ("ho_so_cong_viec_cap_{level}", (r"ho so cong viec",), ()),
    ("kiem_tra_moi_truong_so", (r"hoat dong kiem tra",), ()),
    ("bao_cao_he_thong_thong_tin", (r"bao cao", r"he thong (thong tin|phan mem) bao cao"), ()),
    ("van_ban_dien_tu", (r"gui nhan bang van ban dien tu",), ()),
    ("csdl_dung_chung", (r"co so du lieu dung chung",), ()),
    ("muc_do_hai_long", (r"muc do hai long",), ()),
    ("dinh_danh_xac_thuc", (r"dinh danh va xac thuc",), ()),
    ("giam_thoi_gian_tthc", (r"thoi gian giai quyet thu tuc hanh chinh",), ()),
    ("giam_thu_tuc_hanh_chinh", (r"giam", r"thu tuc hanh chinh"), ()),
    ("cap_quang_cap_xa", (r"cap quang", r"cap xa|xa, phuong|xa/phuong"), ()),
    ("cap_quang_ho_gia_dinh", (r"cap quang", r"ho gia dinh"), ()),
    ("bang_rong_ho_gia_dinh", (r"bang rong", r"ho gia dinh"), ()),
    ("thanh_toan_dien_tu", (r"tai khoan (giao dich )?thanh toan",), ()),
    ("chu_ky_so_dan_so_truong_thanh", (r"chu ky so", r"dan so truong thanh"), ()),
    ("ky_nang_so_do_tuoi_lao_dong", (r"ky nang so", r"do tuoi lao dong"), ()),
    ("tuong_tac_chinh_quyen", (r"tuong tac voi chinh quyen",), ()),
    ("smartphone_dan_so", (r"dan so", r"smartphone|dien thoai (di dong )?thong minh"), ()),
    ("thue_bao_di_dong", (r"thue bao di dong",), ()),
    ("do_thi_thong_minh", (r"do thi thong minh",), ()),
]
_KEY_UNITS = {
    "doanh_nghiep_cong_nghe_so": "doanh nghiệp",
    "nhom_tinh_dan_dau": "nhóm",
    "do_thi_thong_minh": "đô thị thông minh",
    "thue_bao_di_dong": "thuê bao/100 dân",
}
# Keys whose pillar is fixed whatever the heading says (overall rank, budget).
_KEY_PILLAR = {"nhom_tinh_dan_dau": "khác", "ngan_sach_chuyen_doi_so": "khác"}

# -- pillars: headings first, then words of the metric or sentence (folded) ---------------
_HEADING_PILLARS = {
    "chính quyền số": re.compile(r"chinh quyen (so|dien tu)|co quan dang, nha nuoc"),
    "kinh tế số": re.compile(r"kinh te so"),
    "xã hội số": re.compile(r"xa hoi so"),
}
_WORD_PILLARS = [
    ("khác", re.compile(r"ngan sach|kinh phi")),
    (
        "chính quyền số",
        re.compile(
            r"dich vu cong|thu tuc hanh chinh|ho so cong viec|hoat dong kiem tra|van ban dien tu|"
            r"bao cao dinh ky|hanh chinh|dinh danh|co so du lieu|dau thau|ho so giai quyet"
        ),
    ),
    (
        "kinh tế số",
        re.compile(r"kinh te so|doanh nghiep|nang suat lao dong|grdp|thuong mai dien tu"),
    ),
    (
        "xã hội số",
        re.compile(
            r"ho gia dinh|dan so|cap quang|bang rong|bang thong rong|dien thoai|smartphone|"
            r"thanh toan|ky nang so|thue bao|\bbts\b|internet|phu song|do thi thong minh|chu ky so"
        ),
    ),
]
_BASELINE_HEADING = re.compile(r"tinh hinh")
_FOOTNOTE_LINE = re.compile(r"\s*<sup>\s*(\d+)\s*</sup>\s*")
_MARKUP = re.compile(
    r"<sup>\s*\d+\s*</sup>|</?[a-zA-Z][^>]{0,40}>|\*{1,3}|~~|^\s{0,3}#{1,6}\s", re.M
)


@dataclass
class _Figure:
    """One figure found in a sentence (positions are in the cleaned sentence text)."""

    start: int  # of the value text
    end: int
    value: float
    unit: str
    comparator: str = "đạt"
    lead: str = ""
    clause: str = ""
    list_sep: bool = False  # separated from the previous figure by , ; và


@dataclass
class _Sentence:
    """Units of one chunk read as one sentence, with a map from its text to file offsets."""

    chunk: Chunk
    units: list[int]
    text: str = ""
    offsets: list[int] = field(default_factory=list)  # file offset of each char, -1 = join

    @property
    def start(self) -> int:
        return int(self.chunk.units[self.units[0]][0])

    @property
    def end(self) -> int:
        return int(self.chunk.units[self.units[-1]][1])

    @property
    def block(self) -> int:
        u = self.chunk.units[self.units[0]]
        return int(u[3]) if len(u) > 3 else 0


# -- public API ---------------------------------------------------------------------------
def extract_targets(
    chunks_by_file: dict[str, list[Chunk]],
    metas: dict[str, FileMeta],
    texts: dict[str, str] | None = None,
) -> list[Target]:
    """Every quantitative figure of every file, in file and text order.

    ``texts`` (file -> original text) is optional: with it, footnotes are attributed to the
    section that references them even when they open a chunk, and every row is checked
    against the file itself; without it the chunks' own text is used.
    """
    out: list[Target] = []
    for file in sorted(chunks_by_file):
        meta = metas.get(file) or FileMeta(file=file)
        text = (texts or {}).get(file)
        out += extract_file_targets(chunks_by_file[file], meta, text)
    return out


def extract_file_targets(
    chunks: list[Chunk], meta: FileMeta, text: str | None = None
) -> list[Target]:
    """The rows of one file (see :func:`extract_targets`)."""
    chunks = sorted(chunks, key=lambda c: c.start)
    source = text if text is not None else _text_from_chunks(chunks)
    notes = _footnote_sections(chunks, source)
    rows: list[Target] = []
    seen: set[tuple] = set()
    for chunk in chunks:
        if any(h in (PREAMBLE_LABEL, CLOSING_LABEL) for h in chunk.headings):
            continue
        for sent in _sentences(chunk):
            _align(sent, source)
            for row in _rows(sent, meta, notes, source):
                key = (row.kind, row.metric_key, row.target_year, row.value, row.unit)
                if row.metric_key and key in seen:
                    continue  # a restatement of a target already listed (first one kept)
                seen.add(key)
                rows.append(row)
    return rows


def write_targets(path: str | Path, targets: Iterable[Target]) -> Path:
    """Write the table as JSON, atomically (a reader never sees a half-written file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [t.model_dump() for t in targets]
    blob = {"version": EXTRACTOR_VERSION, "count": len(rows), "targets": rows}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(blob, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


# -- sentences ----------------------------------------------------------------------------
def _text_from_chunks(chunks: list[Chunk]) -> str:
    """The file text as far as the chunks cover it (blanks elsewhere)."""
    size = max((c.end for c in chunks), default=0)
    buf = [" "] * size
    for c in chunks:
        buf[c.start : c.end] = list(c.text)
    return "".join(buf)


_HEAD_AFTER = re.compile(rf"(?:{_NUM})\s*%\s+(\S+\s+\S+)")
_STARTS_WITH_FIGURE = re.compile(rf"^[-+]?\s*(?:(?:{_QUAL})\s+)?(?:{_NUM})\s*%\s+(\S+\s+\S+)", re.I)


def _sentences(chunk: Chunk) -> list[_Sentence]:
    """Units grouped so that a list of one metric at several levels stays one sentence.

    "- 90% hồ sơ công việc tại cấp tỉnh;" + "80% hồ sơ công việc tại cấp huyện … được xử lý
    trên môi trường mạng" share their predicate, so they are read (and cited) together.
    """
    out: list[_Sentence] = []
    for i in range(len(chunk.units)):
        prev = out[-1] if out else None
        if prev is not None and _continues(chunk, prev.units[-1], i):
            prev.units.append(i)
        else:
            out.append(_Sentence(chunk, [i]))
    for s in out:
        s.text = " ".join(str(chunk.units[i][2]) for i in s.units)
    return out


def _continues(chunk: Chunk, a: int, b: int) -> bool:
    ua, ub = chunk.units[a], chunk.units[b]
    if len(ua) > 3 and len(ub) > 3 and ua[3] != ub[3]:
        return False
    ta, tb = str(ua[2]), str(ub[2])
    if not ta.rstrip().endswith(";"):
        return False
    head_a, head_b = _HEAD_AFTER.search(ta), _STARTS_WITH_FIGURE.match(tb)
    return bool(head_a and head_b and head_a.group(1).lower() == head_b.group(1).lower())


def _align(sent: _Sentence, source: str) -> None:
    """Map each character of the sentence's cleaned text to its offset in the file.

    Cleaning only drops markup and folds whitespace, so the cleaned text is a subsequence
    of the original; markup is masked first so that its letters and digits never match.
    """
    offsets: list[int] = []
    for n, ui in enumerate(sent.units):
        s, e, cleaned = (
            int(sent.chunk.units[ui][0]),
            int(sent.chunk.units[ui][1]),
            str(sent.chunk.units[ui][2]),
        )
        if n:
            offsets.append(-1)  # the space joining two units
        orig = _MARKUP.sub(lambda m: "\0" * len(m.group(0)), source[s:e])
        j = 0
        for ch in cleaned:
            if ch.isspace():
                offsets.append(-1)
                continue
            while j < len(orig) and orig[j] != ch:
                j += 1
            offsets.append(s + j if j < len(orig) else -1)
            j += 1
    sent.offsets = offsets


# -- figures and clauses ----------------------------------------------------------------
def _figures(text: str) -> list[_Figure]:
    """Measures in a sentence, in order, with the number's span and unit."""
    out: list[_Figure] = []
    for m in _NUMBER.finditer(text):
        pre, post = text[: m.start()], text[m.end() :]
        value = _parse(m.group(0))
        if (p := _PERCENT_AFTER.match(post)) is not None:
            out.append(_Figure(m.start(), m.end() + p.end(), value, "%"))
        elif re.search(r"\bthứ\s*$", pre, re.I) and (r := _RANK_AFTER.match(post)):
            out.append(_Figure(m.start(), m.end() + r.end(), value, "thứ hạng"))
        elif re.search(r"\bnhóm\s*$", pre, re.I):
            out.append(_Figure(m.start(), m.end(), value, "nhóm"))
        elif post.startswith("/") or _ID_BEFORE.search(pre) or _is_year(m.group(0)):
            continue
        elif (u := _COUNT_UNIT.match(post)) is not None:
            unit = u.group(1).lower()
            per = _PER_100.match(post[u.end() :])
            if per is not None:  # "129,1 thuê bao/100 dân": a rate, not a count
                unit = f"{unit}/{per.group(1)} {per.group(2)}"
            out.append(_Figure(m.start(), m.end(), value, unit))
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


def _clauses(text: str, figs: list[_Figure]) -> None:
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


def _metric(text: str, figs: list[_Figure], i: int) -> str:
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
    s = collapse_ws(s)
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


# -- rows -------------------------------------------------------------------------------
def _rows(
    sent: _Sentence, meta: FileMeta, notes: dict[int, list[str]], source: str
) -> list[Target]:
    figs = _figures(sent.text)
    if not figs:
        return []
    _clauses(sent.text, figs)
    chunk = sent.chunk
    headings, footnote = _context_headings(sent, notes, source)
    kind = _kind(meta, headings)
    out: list[Target] = []
    for i, f in enumerate(figs):
        span = _file_span(sent, f.start, f.end)
        if span is None:
            log.warning(
                "%s: figure %r not found in the original text",
                chunk.file,
                sent.text[f.start : f.end],
            )
            continue
        value_text = source[span[0] : span[1]]
        if re.sub(r"\s", "", value_text) != re.sub(r"\s", "", sent.text[f.start : f.end]):
            log.warning(
                "%s: figure %r misaligned (%r)", chunk.file, sent.text[f.start : f.end], value_text
            )
            continue
        metric = _metric(sent.text, figs, i)
        year = _year(sent, f, headings, meta, kind)
        for m, key in _keyed(metric):
            if key and _KEY_UNITS.get(key, "%") != f.unit:
                key = ""  # a count of services is not the share of services
            digest = f"{chunk.file}:{span[0]}:{span[1]}:{kind}:{key}:{m}".encode()
            out.append(
                Target(
                    id=hashlib.sha256(digest).hexdigest()[:16],
                    file=chunk.file,
                    province=meta.province or chunk.province,
                    doc_title=meta.title or meta.main.title or chunk.title,
                    doc_number=meta.main.number or chunk.doc_number,
                    kind=kind,
                    pillar=_pillar(headings, key, m, sent.text),
                    metric=m,
                    metric_key=key,
                    comparator=f.comparator,
                    value=f.value,
                    value_text=value_text,
                    unit=f.unit,
                    target_year=year,
                    headings=headings + footnote,
                    start=sent.start,
                    end=sent.end,
                    sentence=sent.text,
                    value_start=span[0],
                    value_end=span[1],
                )
            )
    return out


def _file_span(sent: _Sentence, i: int, j: int) -> tuple[int, int] | None:
    inside = [o for o in sent.offsets[i:j] if o >= 0]
    if not inside:
        return None
    return inside[0], inside[-1] + 1


def _keyed(metric: str) -> list[tuple[str, str]]:
    """(metric, metric_key) pairs: one per level when one figure covers several levels."""
    key = metric_key(metric)
    if not key.startswith("ho_so_cong_viec_cap_"):
        return [(metric, key)]
    m = _LEVELS.search(metric)
    if not m:
        return [(metric, key)]
    levels = re.findall(r"cấp (tỉnh|huyện|xã)", m.group(0))
    return [
        (metric[: m.start()] + f"cấp {lv}" + metric[m.end() :], f"ho_so_cong_viec_cap_{fold(lv)}")
        for lv in levels
    ]


def metric_key(metric: str) -> str:
    """The shared name of a metric (:data:`METRIC_PATTERNS`), or "" when none applies."""
    f = fold(metric)
    for key, need, avoid in METRIC_PATTERNS:
        if all(re.search(p, f) for p in need) and not any(re.search(p, f) for p in avoid):
            if "{level}" in key:
                lv = re.search(r"cap (tinh|huyen|xa)", f)
                if not lv:
                    continue
                key = key.format(level=lv.group(1))
            return key
    return ""


def _pillar(headings: list[str], key: str, metric: str, sentence: str) -> str:
    if key in _KEY_PILLAR:
        return _KEY_PILLAR[key]
    for h in reversed(headings):
        hits = [p for p, rx in _HEADING_PILLARS.items() if rx.search(fold(h))]
        if len(hits) == 1:
            return hits[0]
    for text in (metric, sentence):
        for pillar, rx in _WORD_PILLARS:
            if rx.search(fold(text)):
                return pillar
    return "khác"


def _kind(meta: FileMeta, headings: list[str]) -> str:
    if meta.province == NATIONAL:
        return "recommendation"
    if any(_BASELINE_HEADING.search(fold(h)) for h in headings):
        return "baseline"
    return "target"


# -- years ------------------------------------------------------------------------------
def _year_mentions(text: str) -> list[tuple[int, int]]:
    """(position, year) of years in ``text``, leaving out "so với năm 2018"."""
    return [
        (m.start(1), int(m.group(1)))
        for m in _YEAR_AT.finditer(text)
        if not _COMPARED_TO.search(text[: m.start()])
    ]


def _year(
    sent: _Sentence, f: _Figure, headings: list[str], meta: FileMeta, kind: str
) -> int | None:
    own = _year_mentions(sent.text)
    before = [y for p, y in own if p < f.start]
    after = [y for p, y in own if p > f.end]
    if before:
        return before[-1]
    if after:
        return after[0]
    if kind != "baseline":
        for h in reversed(headings):
            if ys := years(h):
                return max(ys)
    earlier = [
        y
        for k in range(sent.units[0])
        if len(u := sent.chunk.units[k]) < 4 or u[3] == sent.block
        for _, y in _year_mentions(str(u[2]))
    ]
    if earlier:
        return earlier[-1]
    if kind != "baseline":
        period = set(years(meta.main.period))
        if len(period) == 1:
            return period.pop()
    return None


# -- footnotes --------------------------------------------------------------------------
def _footnote_sections(chunks: list[Chunk], source: str) -> dict[int, list[str]]:
    """Footnote number -> heading path of the section whose text references it."""
    out: dict[int, list[str]] = {}
    for m in re.finditer(r"<sup>\s*(\d+)\s*</sup>", source):
        line_start = source.rfind("\n", 0, m.start()) + 1
        if not source[line_start : m.start()].strip():
            continue  # the footnote itself, not a reference to it
        owner = _chunk_at(chunks, m.start())
        if owner is not None:
            out.setdefault(int(m.group(1)), owner.headings)
    return out


def _chunk_at(chunks: list[Chunk], pos: int) -> Chunk | None:
    best = None
    for c in chunks:
        if c.start <= pos:
            best = c
        if c.start <= pos < c.end:
            return c
    return best


def _context_headings(
    sent: _Sentence, notes: dict[int, list[str]], source: str
) -> tuple[list[str], list[str]]:
    """Headings that govern the sentence, and ["Chú thích N"] when it is a footnote."""
    chunk = sent.chunk
    first = next((int(u[0]) for u in chunk.units if (len(u) < 4 or u[3] == sent.block)), sent.start)
    line_start = source.rfind("\n", 0, first) + 1
    m = _FOOTNOTE_LINE.fullmatch(source[line_start:first])
    if not m:
        return list(chunk.headings), []
    n = int(m.group(1))
    return list(notes.get(n, chunk.headings)), [f"Chú thích {n}"]


# Every key the patterns can produce has a label for answers, tables and charts.
_ALL_KEYS = {
    k.format(level=lv) if "{level}" in k else k
    for k, _, _ in METRIC_PATTERNS
    for lv in ("tinh", "huyen", "xa")
}
assert _ALL_KEYS <= set(METRIC_LABELS), sorted(_ALL_KEYS - set(METRIC_LABELS))
assert set(_KEY_PILLAR.values()) <= set(PILLARS)
