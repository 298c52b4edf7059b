"""Answers from the targets table: comparisons, rankings and listings, each row cited.

Answers never mix years or provinces: a question naming a year uses only that year's
rows, and a question without one gets one block per year.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from assistant.question.terms import question_terms
from assistant.targets.model import (
    LOWER_IS_BETTER,
    Target,
    one_per_province,
    target_citation,
)
from kernel.text import bigrams, fold, folded_syllables, syllables
from kernel.types import Citation, Draft, FileMeta
from kernel.vocabulary import vocabulary

if TYPE_CHECKING:  # only for type hints
    from assistant.question.intent import Intent
    from assistant.question.scope import Scope

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
    question: str, scope: Scope, intent: Intent, rows: list[Target], docs: dict[str, FileMeta]
) -> Draft | None:
    """A table answer for comparison, ranking and listing questions about targets, else None.

    (a) "so sánh … <chỉ tiêu>" across provinces; (b) "tỉnh nào có … cao nhất/thấp nhất";
    (c) "liệt kê các chỉ tiêu <trụ cột> của <tỉnh> đến <năm>". Any other question, or one
    whose metric or rows cannot be found, returns None so the normal chain answers it.
    """
    if scope.unknown_provinces and not scope.provinces and not scope.files:
        # "… so sánh: Nghệ An đặt mục tiêu … bao nhiêu?": the one province named has no
        # document; the other provinces' figures are no answer (the chain refuses).
        return None
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
    en = scope.reply_lang == "en"
    text = " ".join(scope.concepts) if scope.lang == "en" else (intent.content or question)
    # A ranking compares provinces: not "the highest target of Quảng Ngãi".
    wants_rank = intent.rank is not None and len(scope.provinces) != 1
    if wants_rank or (intent.compare and len(scope.files) != 1):
        keys = match_metric(
            text, targets, folded=scope.lang == "vi-nodiacritics", ignore=_scope_words(scope)
        )
        if not keys:
            return None
        chosen = [r for r in targets if r.metric_key in keys]
        if not wants_rank and (
            set(scope.provinces) - {r.province for r in chosen}
            or set(scope.years) - {r.target_year for r in chosen}
        ):
            # A side (a province, or a year: "kế hoạch 2026 so với mục tiêu 2030") lacks this
            # metric: the passages answer better than the table.
            return None
        body, cited = (
            _ranking(chosen, keys, low=intent.rank == "low", en=en, docs=docs)
            if wants_rank
            else _comparison(chosen, keys, scope, en=en, docs=docs)
        )
    elif (
        intent.listing
        and intent.indicators
        and (scope.files or scope.pillar or scope.years)
        and not intent.compare
        # "các chỉ tiêu kinh tế số": every target; "mục tiêu chữ ký số thế nào": one metric.
        and not match_metric(
            text, targets, folded=scope.lang == "vi-nodiacritics", ignore=_scope_words(scope)
        )
        # "… chỉ tiêu nào do Công an tỉnh chủ trì": a question about something else.
        and not _asks_more(text, scope)
    ):
        chosen = [r for r in targets if not scope.pillar or r.pillar == scope.pillar]
        # Every province's targets at once is a report, not an answer: a question that
        # names no province is answered from its best passage instead.
        if len({r.province for r in chosen}) != 1:
            return None
        body, cited = _listing(chosen, scope, en=en)
    else:
        return None
    text_out, citations = _cite(body, cited, docs)
    return Draft(text_out, citations)


def _asks_more(text: str, scope: Scope) -> bool:
    """Whether the question names more than a listing's scope (provinces, years, a pillar,
    kinds of document): content words that only some rows, or none, would answer."""
    folded = fold(text)
    voc = vocabulary()
    for pattern in [p.question for p in voc.pillars if p.name == scope.pillar] + [
        k.mention for k in voc.document_kinds
    ]:
        if pattern is not None:
            folded = pattern.sub(" ", folded)
    skip = {fold(w) for w in _NOT_METRIC} | {fold(w) for w in _scope_words(scope)}
    rest = [
        t
        for t in question_terms(folded, True, skip)
        if "_" not in t and t not in _GENERIC and not t.isdigit()
    ]
    return bool(rest)


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
    labels = {r.metric_key: r.label for r in rows if r.metric_key}
    for r in rows:
        if r.metric_key:
            for t in (r.metric, r.label):
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
        label = labels.get(key, "")
        label_toks = set(folded_syllables(label) if folded else syllables(label))
        extra = len(label_toks - set(terms))
        scored.append((round(cover, 9), -extra, hits / (1 + len(prof)), key))
    if not scored:
        return []
    scored.sort(reverse=True)
    best = scored[0]
    if best[0] < 0.5:
        return []
    order = {k: i for i, k in enumerate(vocabulary().labels)}
    tied = [k for c, e, s, k in scored if (c, e, s) == best[:3]]
    return sorted(tied, key=lambda k: order.get(k, len(order)))[:3]


def _label(rows: list[Target], key: str) -> str:
    return next((r.label for r in rows if r.metric_key == key), key)


def _by_year(rows: list[Target]) -> dict[int | None, list[Target]]:
    groups: dict[int | None, list[Target]] = defaultdict(list)
    for r in rows:
        groups[r.target_year].append(r)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))


def _year_label(year: int | None, en: bool) -> str:
    if year is None:
        return "Hằng năm / không nêu năm" if not en else "Yearly / no year stated"
    return f"Năm {year}" if not en else f"Year {year}"


def _comparison(
    rows: list[Target], keys: list[str], scope: Scope, en: bool, docs: dict[str, FileMeta]
) -> tuple[list, list[Target]]:
    lines: list = []
    cited: list[Target] = []
    for key in keys:
        label = _label(rows, key)
        lines.append(
            f"So sánh chỉ tiêu “{label}” theo các nghị quyết:"
            if not en
            else f"Comparison of the target “{label}” (quoted from the resolutions):"
        )
        for year, group in _by_year([r for r in rows if r.metric_key == key]).items():
            group = one_per_province(group, docs)
            lines.append(f"{_year_label(year, en)}:")
            for r in sorted(group, key=lambda r: r.province):
                lines.append((f"- {r.province}: {r.display} — “{r.clause}”", r))
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


def _ranking(
    rows: list[Target], keys: list[str], low: bool, en: bool, docs: dict[str, FileMeta]
) -> tuple[list, list[Target]]:
    lines: list = []
    cited: list[Target] = []
    for key in keys:
        label = _label(rows, key)
        for year, group in _by_year([r for r in rows if r.metric_key == key]).items():
            group = one_per_province(group, docs)
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
                lines.append((f"- {r.province}: {r.display} — “{r.clause}”", r))
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
