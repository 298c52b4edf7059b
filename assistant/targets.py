"""The targets table (chỉ tiêu): the row model, loading, filtering, answers, exports, charts.

The table is extracted at ingest time (``ingest/targets.py``) and stored as JSON; this
module only reads it, so the assistant never imports ingest. Every row carries the exact
span of its sentence in the original file, and answers built here cite those sentences.

Answers never mix years or provinces: a question naming a year uses only that year's
rows, and a question without one gets one block per year.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from .extractive import question_terms
from .text import bigrams, fold, folded_syllables, syllables
from .types import Citation, Draft, FileMeta

if TYPE_CHECKING:  # heavy or circular imports, only for type hints
    from .query import Scope

log = logging.getLogger(__name__)

PILLARS = ("chính quyền số", "kinh tế số", "xã hội số", "khác")
KINDS = ("target", "baseline", "recommendation")
Kind = Literal["target", "baseline", "recommendation"]

# Human names of the shared metric keys (answers, table, charts). The extractor asserts
# that every key it can produce is listed here.
METRIC_LABELS: dict[str, str] = {
    "nhom_tinh_dan_dau": "Nhóm tỉnh, thành phố dẫn đầu về chuyển đổi số",
    "ngan_sach_chuyen_doi_so": "Tỷ lệ chi ngân sách (kinh phí) cho chuyển đổi số",
    "kinh_te_so_grdp": "Tỷ trọng kinh tế số trong GRDP",
    "kinh_te_so_tung_nganh": "Tỷ trọng kinh tế số trong từng ngành, lĩnh vực",
    "nang_suat_lao_dong": "Tăng năng suất lao động hằng năm",
    "doanh_nghiep_cong_nghe_so": "Số doanh nghiệp công nghệ số",
    "dnnvv_nen_tang_so": "Doanh nghiệp nhỏ và vừa sử dụng nền tảng số",
    "dnnn_nen_tang_so": "Doanh nghiệp nhà nước chuyển lên nền tảng số",
    "doanh_nghiep_nen_tang_so": "Doanh nghiệp chuyển lên nền tảng số",
    "dvc_truc_tuyen_toan_trinh": "Dịch vụ công trực tuyến toàn trình",
    "dvc_truc_tuyen_muc_4": "Dịch vụ công trực tuyến mức độ 4",
    "dvc_truc_tuyen_su_dung": "Người dân, doanh nghiệp sử dụng dịch vụ công trực tuyến",
    "ho_so_cong_viec_cap_tinh": "Hồ sơ công việc cấp tỉnh xử lý trên môi trường mạng",
    "ho_so_cong_viec_cap_huyen": "Hồ sơ công việc cấp huyện xử lý trên môi trường mạng",
    "ho_so_cong_viec_cap_xa": "Hồ sơ công việc cấp xã xử lý trên môi trường mạng",
    "kiem_tra_moi_truong_so": "Hoạt động kiểm tra thực hiện qua môi trường số",
    "bao_cao_he_thong_thong_tin": "Báo cáo định kỳ trên hệ thống thông tin báo cáo",
    "van_ban_dien_tu": "Báo cáo, văn bản gửi nhận bằng văn bản điện tử",
    "csdl_dung_chung": "Cơ quan có cơ sở dữ liệu dùng chung",
    "muc_do_hai_long": "Mức độ hài lòng với dịch vụ công",
    "dinh_danh_xac_thuc": "Người dùng dịch vụ công trực tuyến được định danh, xác thực",
    "giam_thoi_gian_tthc": "Cắt giảm thời gian giải quyết thủ tục hành chính",
    "giam_thu_tuc_hanh_chinh": "Giảm thủ tục hành chính",
    "cap_quang_cap_xa": "Cáp quang băng rộng phủ cấp xã",
    "cap_quang_ho_gia_dinh": "Cáp quang băng rộng phủ hộ gia đình",
    "bang_rong_ho_gia_dinh": "Hộ gia đình dùng Internet băng rộng",
    "thanh_toan_dien_tu": "Dân số có tài khoản thanh toán (điện tử)",
    "chu_ky_so_dan_so_truong_thanh": "Dân số trưởng thành có chữ ký số",
    "ky_nang_so_do_tuoi_lao_dong": "Người trong độ tuổi lao động được đào tạo kỹ năng số",
    "tuong_tac_chinh_quyen": "Dân số dùng dịch vụ số để tương tác với chính quyền",
    "smartphone_dan_so": "Dân số dùng điện thoại thông minh",
    "thue_bao_di_dong": "Thuê bao di động trên 100 dân",
    "do_thi_thong_minh": "Đô thị thông minh",
}
# Units where a smaller number is the better position ("nhóm 15" beats "nhóm 20").
LOWER_IS_BETTER = {"nhóm", "thứ hạng"}


class Target(BaseModel):
    """One quantitative figure of one document, with the sentence that states it."""

    id: str = Field(description="stable hash of file, figure span, kind, key and metric")
    file: str
    province: str = ""
    doc_title: str = ""
    doc_number: str = ""
    kind: Kind = "target"
    pillar: str = Field("khác", description="chính quyền số | kinh tế số | xã hội số | khác")
    metric: str = Field(description="the document's words around the figure, figure as …")
    metric_key: str = Field("", description="shared metric name, see METRIC_LABELS; may be empty")
    comparator: str = Field("đạt", description="trên, tối thiểu, khoảng, ít nhất, … as written")
    value: float
    value_text: str = Field(description="the figure exactly as written in the file, e.g. 35,8%")
    unit: str = ""
    target_year: int | None = None
    headings: list[str] = Field(default_factory=list)
    start: int = Field(description="supporting sentence span in the original file")
    end: int
    sentence: str = Field(description="the supporting sentence (cleaned text)")
    value_start: int = Field(description="span of value_text in the original file")
    value_end: int

    @property
    def section(self) -> str:
        """Heading path as shown to users: ``Quảng Ngãi › II. … › 4.3. …``."""
        return " › ".join(([self.province] if self.province else []) + self.headings)

    @property
    def label(self) -> str:
        """The shared metric name, or the document's own words."""
        return METRIC_LABELS.get(self.metric_key, self.metric)

    @property
    def display(self) -> str:
        """The figure as a reader says it: ``trên 80%``, ``1.000 doanh nghiệp``, ``nhóm 20``."""
        return format_value(self.comparator, self.value_text, self.unit)


def format_value(comparator: str, value_text: str, unit: str) -> str:
    """``trên`` + ``80%`` → ``trên 80%``; a count gets its unit; "đạt" is left unsaid."""
    if unit == "nhóm":
        figure = f"nhóm {value_text}"
    elif unit == "thứ hạng":
        figure = f"thứ {value_text}"
    elif unit and unit != "%" and not value_text.endswith("%"):
        figure = f"{value_text} {unit}"
    else:
        figure = value_text
    return figure if comparator in ("", "đạt") else f"{comparator} {figure}"


# -- loading and filtering ----------------------------------------------------------------
def load_targets(path: str | Path) -> list[Target]:
    """The table written by ``ingest.targets.write_targets``; [] when it does not exist yet."""
    path = Path(path)
    if not path.exists():
        log.warning("no targets table at %s (run ingest)", path)
        return []
    blob = json.loads(path.read_text(encoding="utf-8"))
    rows = blob["targets"] if isinstance(blob, dict) else blob
    return [Target.model_validate(r) for r in rows]


def filter_targets(
    rows: list[Target],
    province: str | None = None,
    pillar: str | None = None,
    year: int | None = None,
    metric_key: str | None = None,
    kind: str | None = "target",
) -> list[Target]:
    """Rows matching every given criterion (None = any). Province and pillar ignore case
    and diacritics; ``kind=None`` keeps baselines and recommendations too."""
    out = []
    for r in rows:
        if province and fold(r.province) != fold(province):
            continue
        if pillar and fold(r.pillar) != fold(pillar):
            continue
        if year is not None and r.target_year != int(year):
            continue
        if metric_key and r.metric_key != metric_key:
            continue
        if kind and r.kind != kind:
            continue
        out.append(r)
    return out


# -- answering ----------------------------------------------------------------------------
_COMPARE = re.compile(r"so sanh|doi chieu|chenh lech|khac nhau|compare|comparison|differ")
_WHICH = re.compile(r"\bnao\b|\bwhich\b|\bwho\b")
_HIGH = re.compile(
    r"cao nhat|lon nhat|nhieu nhat|tham vong nhat|cao hon|lon hon|nhieu hon|highest|largest|"
    r"biggest|most ambitious|higher|larger"
)
_LOW = re.compile(
    r"thap nhat|nho nhat|it nhat|khiem ton nhat|thap hon|nho hon|it hon|lowest|smallest|least|"
    r"lower|smaller"
)
_LIST = re.compile(
    # "các sở … báo cáo … chỉ tiêu" is no listing: "các/những" must stand next to "chỉ tiêu";
    # "đặt chỉ tiêu gì về X" asks for one target, not the list of all of them.
    r"(liet ke|ke ra|ke ten|tat ca|list|what are|all)\b.{0,60}(chi tieu|targets?\b)|"
    r"\b(nhung|cac|gom)\s+(chi tieu|targets?\b)|"
    r"(chi tieu|targets?)\b.{0,60}\b(gom nhung|la nhung gi|nhung gi)\b"
)
# Words of the question that ask, rank or scope but do not name the metric.
_NOT_METRIC = set(
    "so sánh đối chiếu chênh lệch khác nhau tỉnh thành phố địa phương nào cao thấp nhất lớn "
    "nhiều ít khiêm tốn tham vọng dẫn đầu liệt kê kể ra tên gồm những các tất cả chỉ tiêu mục "
    "tiêu đặt đề ra đến năm giai đoạn theo nghị quyết của và với so compare which province "
    "chuyển đổi tỷ lệ "
    "highest lowest list targets target provinces set by in for".split()
)

# Words every metric of this domain carries; alone they name none.
_GENERIC = {"số", "so", "điện", "dien", "tử", "tu", "dữ", "du", "liệu", "lieu"}


def answer_from_targets(
    question: str, scope: Scope, rows: list[Target], docs: dict[str, FileMeta]
) -> Draft | None:
    """A table answer for comparison, ranking and listing questions about targets, else None.

    (a) "so sánh … <chỉ tiêu>" across provinces; (b) "tỉnh nào có … cao nhất/thấp nhất";
    (c) "liệt kê các chỉ tiêu <trụ cột> của <tỉnh> đến <năm>". Any other question, or one
    whose metric or rows cannot be found, returns None so the normal chain answers it.
    """
    q = fold(question)
    targets = [r for r in rows if r.kind == "target"]
    if scope.files:
        in_scope = [r for r in targets if r.file in scope.files]
        if not in_scope:
            return None
        targets = in_scope
    if scope.years:
        targets = [r for r in targets if r.target_year in scope.years]
    if not targets:
        return None
    en = scope.lang == "en"
    text = scope.search_text[len(question) :] if en else question
    wants_rank = bool(_WHICH.search(q) and (_HIGH.search(q) or _LOW.search(q)))
    if wants_rank or _COMPARE.search(q):
        keys = match_metric(
            text, targets, folded=scope.lang == "vi-nodiacritics", ignore=_scope_words(scope)
        )
        if not keys:
            return None
        chosen = [r for r in targets if r.metric_key in keys]
        if not wants_rank and set(scope.provinces) - {r.province for r in chosen}:
            return None  # a side lacks this metric: the passages answer better than the table
        body, cited = (
            _ranking(chosen, keys, low=bool(_LOW.search(q)) and not _HIGH.search(q), en=en)
            if wants_rank
            else _comparison(chosen, keys, scope, en=en)
        )
    elif _LIST.search(q) and (scope.files or scope.pillar or scope.years):
        chosen = [r for r in targets if not scope.pillar or r.pillar == scope.pillar]
        if not chosen:
            return None
        body, cited = _listing(chosen, scope, en=en)
    else:
        return None
    text_out, citations = _cite(body, cited, docs)
    return Draft(text_out, citations)


def _scope_words(scope: Scope) -> set[str]:
    names = " ".join(scope.provinces + scope.unknown_provinces)
    return set(syllables(names)) | set(folded_syllables(names)) | {str(y) for y in scope.years}


def match_metric(
    text: str, rows: list[Target], folded: bool = False, ignore: set[str] | None = None
) -> list[str]:
    """Metric keys the words of ``text`` name best (several only when they tie exactly).

    Each key's profile is its label plus the document wording of its rows; a question's
    content words (IDF-weighted over the keys) must be mostly covered by the profile.
    """
    profiles: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r.metric_key:
            for t in (r.metric, METRIC_LABELS.get(r.metric_key, "")):
                toks = folded_syllables(t) if folded else syllables(t)
                profiles[r.metric_key] |= set(toks) | set(bigrams(toks))
    if not profiles:
        return []
    skip = set(_NOT_METRIC) | {fold(w) for w in _NOT_METRIC} | (ignore or set())
    terms = [t for t in question_terms(text, folded, skip) if not t.isdigit()]
    if not [t for t in terms if "_" not in t and t not in _GENERIC]:
        return []  # "mục tiêu chuyển đổi số": no metric named
    df = Counter(t for p in profiles.values() for t in p)
    n = len(profiles)
    weight = {t: math.log(1 + n / (1 + df[t])) * (1.5 if "_" in t else 1.0) for t in terms}
    total = sum(weight.values()) or 1.0
    scored = []
    for key, prof in profiles.items():
        # A word most metrics share ("số", "dân") names none of them.
        if not any(t in prof and df[t] <= n / 2 for t in terms):
            continue
        cover = sum(w for t, w in weight.items() if t in prof) / total
        hits = sum(1 for t in terms if "_" not in t and t in prof)
        # On a tie, the label that adds least to what was asked ("… trong GRDP" over
        # "… trong từng ngành, lĩnh vực" for "tỷ trọng kinh tế số").
        label = METRIC_LABELS.get(key, "")
        label_toks = set(folded_syllables(label) if folded else syllables(label))
        extra = len(label_toks - set(terms))
        scored.append((round(cover, 9), -extra, hits / (1 + len(prof)), key))
    if not scored:
        return []
    scored.sort(reverse=True)
    best = scored[0]
    if best[0] < 0.5:
        return []
    order = {k: i for i, k in enumerate(METRIC_LABELS)}
    tied = [k for c, e, s, k in scored if (c, e, s) == best[:3]]
    return sorted(tied, key=lambda k: order.get(k, len(order)))[:3]


def _by_year(rows: list[Target]) -> dict[int | None, list[Target]]:
    groups: dict[int | None, list[Target]] = defaultdict(list)
    for r in rows:
        groups[r.target_year].append(r)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))


def one_per_province(rows: list[Target]) -> list[Target]:
    """First row per province, in a comparable unit (the most common one)."""
    unit = Counter(r.unit for r in rows).most_common(1)[0][0]
    seen: dict[str, Target] = {}
    for r in rows:
        if r.unit == unit:
            seen.setdefault(r.province, r)
    return list(seen.values())


def _year_label(year: int | None, en: bool) -> str:
    if year is None:
        return "Hằng năm / không nêu năm" if not en else "Yearly / no year stated"
    return f"Năm {year}" if not en else f"Year {year}"


def _comparison(
    rows: list[Target], keys: list[str], scope: Scope, en: bool
) -> tuple[list, list[Target]]:
    lines: list = []
    cited: list[Target] = []
    for key in keys:
        label = METRIC_LABELS.get(key, key)
        lines.append(
            f"So sánh chỉ tiêu “{label}” theo các nghị quyết:"
            if not en
            else f"Comparison of the target “{label}” (quoted from the resolutions):"
        )
        for year, group in _by_year([r for r in rows if r.metric_key == key]).items():
            group = one_per_province(group)
            lines.append(f"{_year_label(year, en)}:")
            for r in sorted(group, key=lambda r: r.province):
                lines.append((f"- {r.province}: {r.display} — “{r.metric}”", r))
                cited.append(r)
            lines.append(_extremes(group, en))
            missing = [p for p in scope.provinces if p not in {r.province for r in group}]
            if missing:
                lines.append(
                    f"(Không thấy chỉ tiêu này trong văn bản của: {', '.join(missing)}.)"
                    if not en
                    else f"(No such target found in the documents of: {', '.join(missing)}.)"
                )
    if scope.unknown_provinces:
        names = ", ".join(scope.unknown_provinces)
        lines.append(
            f"(Không có văn bản của: {names}.)" if not en else f"(No documents of: {names}.)"
        )
    return [x for x in lines if x], cited


def _extremes(group: list[Target], en: bool) -> str:
    if len(group) < 2:
        return ""
    values = {r.value for r in group}
    if len(values) == 1:
        v = group[0].display
        return f"→ Các tỉnh đặt cùng mức {v}." if not en else f"→ Same level everywhere: {v}."
    lower_better = group[0].unit in LOWER_IS_BETTER
    best = min(values) if lower_better else max(values)
    worst = max(values) if lower_better else min(values)
    top = [r for r in group if r.value == best]
    bottom = [r for r in group if r.value == worst]
    top_s = f"{', '.join(r.province for r in top)} ({top[0].display})"
    bottom_s = f"{', '.join(r.province for r in bottom)} ({bottom[0].display})"
    if en:
        return f"→ Most ambitious: {top_s}; least: {bottom_s}."
    return f"→ Cao nhất: {top_s}; thấp nhất: {bottom_s}."


def _ranking(rows: list[Target], keys: list[str], low: bool, en: bool) -> tuple[list, list[Target]]:
    lines: list = []
    cited: list[Target] = []
    for key in keys:
        label = METRIC_LABELS.get(key, key)
        for year, group in _by_year([r for r in rows if r.metric_key == key]).items():
            group = one_per_province(group)
            lower_better = group[0].unit in LOWER_IS_BETTER
            # "cao nhất" of a rank group means the best position, i.e. the smallest number.
            descending = (not low) != lower_better
            group.sort(key=lambda r: (-r.value if descending else r.value, r.province))
            edge = group[0].value
            winners = [r for r in group if r.value == edge]
            when = _year_label(year, en).lower() if year is not None else _year_label(year, en)
            which = (
                ("thấp nhất" if low else "cao nhất") if not en else ("lowest" if low else "highest")
            )
            names = ", ".join(r.province for r in winners)
            if len(group) > 1 and len(winners) == len(group):
                lines.append(
                    f"Chỉ tiêu “{label}” ({when}): các tỉnh đặt cùng mức {group[0].display}."
                    if not en
                    else f"“{label}” ({when}): every province sets {group[0].display}."
                )
            elif len(group) == 1:
                lines.append(
                    f"Chỉ {names} đặt chỉ tiêu “{label}” ({when}): {group[0].display}."
                    if not en
                    else f"Only {names} sets the target “{label}” ({when}): {group[0].display}."
                )
            else:
                lines.append(
                    f"Chỉ tiêu “{label}” {which} ({when}): {names} — {winners[0].display}."
                    if not en
                    else f"{which.capitalize()} “{label}” ({when}): {names} — {winners[0].display}."
                )
            if lower_better:
                lines.append(
                    "(Số nhóm/thứ hạng càng nhỏ càng cao.)"
                    if not en
                    else "(A smaller group/rank number is better.)"
                )
            lines.append("Các tỉnh:" if not en else "All provinces:")
            for r in group:
                lines.append((f"- {r.province}: {r.display} — “{r.metric}”", r))
                cited.append(r)
    return lines, cited


def _listing(rows: list[Target], scope: Scope, en: bool) -> tuple[list, list[Target]]:
    lines: list = []
    cited: list[Target] = []
    by_prov: dict[str, list[Target]] = defaultdict(list)
    for r in rows:
        by_prov[r.province].append(r)
    what = f"chỉ tiêu {scope.pillar}" if scope.pillar else "chỉ tiêu"
    for prov, group in sorted(by_prov.items()):
        for year, yrows in _by_year(group).items():
            when = f"đến năm {year}" if year else "không nêu năm (hằng năm)"
            if en:
                when = f"by {year}" if year else "no year stated (yearly)"
                lines.append(f"{prov} — {scope.pillar or 'all'} targets {when}:")
            else:
                lines.append(f"Các {what} của {prov} {when}:")
            for r in yrows:
                lines.append((f"- {r.metric}: {r.display}", r))
                cited.append(r)
    return lines, cited


def _cite(
    lines: list, cited: list[Target], docs: dict[str, FileMeta]
) -> tuple[str, list[Citation]]:
    """Number the sentences (one marker per distinct sentence) and build the citations."""
    markers: dict[tuple[str, int, int], int] = {}
    citations: list[Citation] = []
    out: list[str] = []
    for item in lines:
        if isinstance(item, str):
            out.append(item)
            continue
        line, r = item
        span = (r.file, r.start, r.end)
        if span not in markers:
            markers[span] = len(markers) + 1
            citations.append(target_citation(markers[span], r, docs))
        out.append(f"{line} [{markers[span]}]")
    return "\n".join(out), citations


def target_citation(marker: int, row: Target, docs: dict[str, FileMeta] | None = None) -> Citation:
    """The citation of a row: its sentence, with the document's number and date."""
    meta = (docs or {}).get(row.file)
    part = meta.main if meta else None
    return Citation(
        marker=marker,
        file=row.file,
        title=row.doc_title,
        province=row.province,
        doc_number=row.doc_number or (part.number if part else ""),
        date=part.date if part else "",
        section=row.section,
        text=row.sentence,
        start=row.start,
        end=row.end,
        sentence=row.sentence,
        sentence_start=row.start,
        sentence_end=row.end,
    )
