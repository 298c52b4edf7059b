"""The targets table (chỉ tiêu): one row per figure a document states, and its citation.

Rows are derived from the indexed chunks when the assistant loads (see :mod:`.extract`),
like the BM25 index: every replica that loads the same index gets the same table. Every
row carries the exact span of its sentence in the original file.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field

from kernel.types import Citation, FileMeta
from kernel.vocabulary import vocabulary

Kind = Literal["target", "baseline", "recommendation"]
Pillar = Literal["chính quyền số", "kinh tế số", "xã hội số", "khác"]
# Units where a smaller number is the better position ("nhóm 15" beats "nhóm 20").
LOWER_IS_BETTER = {"nhóm", "thứ hạng"}
MAX_CLAUSE = 300  # a longer clause is quoted as its label (the figure's own words)
_WORD = re.compile(r"\w+")


def metric_label(key: str, default: str = "") -> str:
    """The shared name of a metric key, e.g. ``Tỷ trọng kinh tế số trong GRDP``."""
    return vocabulary().metric_label(key, default)


def kind_label(kind: str) -> str:
    """``target`` → ``mục tiêu``: the word shown for a kind of row."""
    return vocabulary().target_kinds.get(kind, kind)


class Target(BaseModel):
    """One quantitative figure of one document, with the sentence that states it."""

    id: str = Field(description="stable hash of file, figure span, kind, key and metric")
    file: str
    province: str = ""
    doc_title: str = ""
    doc_number: str = ""
    kind: Kind = "target"
    pillar: Pillar = "khác"
    metric: str = Field(description="the document's words around the figure, figure as …")
    metric_key: str = Field("", description="shared metric key (vocabulary.toml); may be empty")
    indicator: str = Field("", description="shared name of a new indicator linked across documents")
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
        return self.indicator or metric_label(self.metric_key, self.metric)

    @property
    def clause(self) -> str:
        """The clause of the supporting sentence that states the figure, as written: what a
        comparison quotes, so the figure is read in the document's own words ("phủ trên 80%
        hộ gia đình"), not as a label with the figure cut out."""
        parts = [p.strip(" .").lstrip("-–•+* ") for p in self.sentence.split(";")]
        have = [p for p in parts if self.value_text in p]
        if not have:
            return self.metric
        words = set(_WORD.findall(self.metric.lower()))
        best = max(have, key=lambda p: len(words & set(_WORD.findall(p.lower()))))
        return best if len(best) <= MAX_CLAUSE else self.metric

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


def one_per_province(rows: list[Target], docs: dict[str, FileMeta] | None = None) -> list[Target]:
    """One row per province, in a comparable unit (the most common one). When several
    documents of a province state it, the one that sets goals (its resolution) is cited
    before one that repeats them (the yearly plan implementing it)."""
    unit = Counter(r.unit for r in rows).most_common(1)[0][0]
    main = vocabulary().main_kinds

    def sets_goals(r: Target) -> bool:
        meta = (docs or {}).get(r.file)
        return meta is not None and meta.main.kind in main

    seen: dict[str, Target] = {}
    for r in sorted(rows, key=lambda r: not sets_goals(r)):  # stable: text order kept
        if r.unit == unit:
            seen.setdefault(r.province, r)
    return list(seen.values())


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
