"""Extraction of every quantitative figure (chỉ tiêu) of the documents, as table rows.

Runs over the indexed chunks when the assistant loads (no model, ~0.1 s for the five
files), so every process that loads an index derives the same table from it. A row is a
figure (see :mod:`.figures`) with the sentence it comes from as an exact span of the
original file (from the chunk units, whose offsets are exact) and the exact span of the
figure itself, so every row can be shown and checked against the text that says it.

* kind: ``baseline`` in the "Tình hình" sections (and in footnotes referenced from them),
  ``recommendation`` for the national template (its budget floor is advice, not a
  province's target), ``target`` elsewhere.
* target_year: the year the sentence states, else the heading's ("Mục tiêu … đến năm
  2025"), else the one its paragraph stated earlier, else the document's single-year period.
* metric: the document's own words around the figure, the figure replaced by "…";
  metric_key: a shared metric of ``vocabulary.toml`` so provinces can be compared.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field

from assistant.targets.figures import NUM, QUAL, Figure, fill_clauses, find_figures, metric_words
from assistant.targets.indicators import link_indicators
from assistant.targets.model import Target, metric_label
from kernel.store import Vectors
from kernel.text import FOOTNOTE_LINE, MARKUP, compared_with, fold, years
from kernel.types import CLOSING_LABEL, NATIONAL, PREAMBLE_LABEL, Chunk, FileMeta
from kernel.vocabulary import Metric, vocabulary

log = logging.getLogger(__name__)

# -- years ------------------------------------------------------------------------------
_YEAR_AT = re.compile(r"(?<![\d.,])(?:\d{1,2}/\d{1,2}/)?(20[0-4]\d)(?![\d%/]|[.,]\d)")
_LEVELS = re.compile(r"cấp (tỉnh|huyện|xã)((?:\s*(?:,|và)\s*cấp (?:tỉnh|huyện|xã))+)")


@dataclass
class _Sentence:
    """Units of one chunk read as one sentence, with a map from its text to file offsets."""

    chunk: Chunk
    units: list[int]
    text: str = ""
    offsets: list[int] = field(default_factory=list)  # file offset of each char, -1 = join

    @property
    def start(self) -> int:
        return self.chunk.units[self.units[0]].start

    @property
    def end(self) -> int:
        return self.chunk.units[self.units[-1]].end

    @property
    def block(self) -> int:
        u = self.chunk.units[self.units[0]]
        return u.block


# -- public API ---------------------------------------------------------------------------
def corpus_targets(
    chunks: list[Chunk], docs: dict[str, FileMeta], vectors: Vectors | None = None
) -> list[Target]:
    """The targets table of an indexed corpus: every file's rows, in file and text order,
    new indicators linked across documents (with the units' vectors, when given)."""
    by_file: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_file.setdefault(c.file, []).append(c)
    rows = extract_targets(by_file, docs)
    link_indicators(rows, chunks, vectors)
    return rows


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
        if CLOSING_LABEL in chunk.headings:
            continue
        preamble = PREAMBLE_LABEL in chunk.headings
        for sent in _sentences(chunk):
            _align(sent, source)
            if preamble and not _is_row(source[sent.start : sent.end]):
                continue  # a header's numbers and dates; a table (an appendix's) is content
            for row in _rows(sent, meta, notes, source):
                key = (row.kind, row.metric_key, row.target_year, row.value, row.unit)
                if row.metric_key and key in seen:
                    continue  # a restatement of a target already listed (first one kept)
                seen.add(key)
                rows.append(row)
    return rows


# -- sentences ----------------------------------------------------------------------------
def _text_from_chunks(chunks: list[Chunk]) -> str:
    """The file text as far as the chunks cover it (blanks elsewhere)."""
    size = max((c.end for c in chunks), default=0)
    buf = [" "] * size
    for c in chunks:
        buf[c.start : c.end] = list(c.text)
    return "".join(buf)


_HEAD_AFTER = re.compile(rf"(?:{NUM})\s*%\s+(\S+\s+\S+)")
_STARTS_WITH_FIGURE = re.compile(rf"^[-+]?\s*(?:(?:{QUAL})\s+)?(?:{NUM})\s*%\s+(\S+\s+\S+)", re.I)


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
        s.text = " ".join(chunk.units[i].text for i in s.units)
    return out


def _continues(chunk: Chunk, a: int, b: int) -> bool:
    ua, ub = chunk.units[a], chunk.units[b]
    if ua.block != ub.block:
        return False
    ta, tb = ua.text, ub.text
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
            sent.chunk.units[ui].start,
            sent.chunk.units[ui].end,
            sent.chunk.units[ui].text,
        )
        if n:
            offsets.append(-1)  # the space joining two units
        orig = MARKUP.sub(lambda m: "\0" * len(m.group(0)), source[s:e])
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


# -- rows -------------------------------------------------------------------------------
_LEADING_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _rows(
    sent: _Sentence, meta: FileMeta, notes: dict[int, list[str]], source: str
) -> list[Target]:
    figs = find_figures(sent.text)
    if not figs:
        return []
    fill_clauses(sent.text, figs)
    chunk = sent.chunk
    headings, footnote = _context_headings(sent, notes, source)
    kind = _kind(meta, headings)
    out: list[Target] = []
    searched = sent.start  # a table row's figures are found in the row, in order
    for i, f in enumerate(figs):
        span = _file_span(sent, f.start, f.end)
        if span is None or not _same(source[span[0] : span[1]], sent.text[f.start : f.end]):
            span = _find(source, sent.text[f.start : f.end], searched, sent.end)
        if span is None and (bare := _LEADING_NUMBER.match(sent.text[f.start : f.end])):
            # A table cell "17" shown with its row's unit column as "17%": the cell is the span.
            span = _find(source, bare.group(0), searched, sent.end)
        if span is None:
            log.warning(
                "%s: figure %r not found in the original text",
                chunk.file,
                sent.text[f.start : f.end],
            )
            continue
        value_text = source[span[0] : span[1]]
        searched = span[1]
        row = _is_row(source[sent.start : sent.end])  # a table row: its subject names it
        metric = sent.text.split(": ", 1)[0] if row else metric_words(sent.text, figs, i)
        year = _year(sent, f, headings, meta, kind)
        row_kind = _dated_kind(
            _column_kind(sent.text, f, kind) if row else kind, year, meta, headings
        )
        for m, key in _keyed(metric):
            if key and _metric(m)[1].unit != f.unit:
                key = ""  # a count of services is not the share of services
            digest = f"{chunk.file}:{span[0]}:{span[1]}:{row_kind}:{key}:{m}".encode()
            out.append(
                Target(
                    id=hashlib.sha256(digest).hexdigest()[:16],
                    file=chunk.file,
                    province=meta.province or chunk.province,
                    doc_title=meta.title or meta.main.title or chunk.title,
                    doc_number=meta.main.number or chunk.doc_number,
                    kind=row_kind,
                    pillar=_pillar(headings, key, m, sent.text),
                    metric=m,
                    metric_key=key,
                    indicator=metric_label(key) if key else "",
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


def _is_row(text: str) -> bool:
    """A table row in the file: cells between " | " (or tabs, as a spreadsheet gives them)."""
    return " | " in text or "\t" in text


def _same(a: str, b: str) -> bool:
    return re.sub(r"\s", "", a) == re.sub(r"\s", "", b)


def _find(source: str, value: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of ``value`` in ``source[start:end]`` (a table row, whose shown text names
    its columns and so is no subsequence of the row as written)."""
    rx = re.compile(
        r"(?<![\d.,])" + r"\s*".join(map(re.escape, value.replace(" ", ""))) + r"(?!\d)"
    )
    m = rx.search(source, start, end)
    return (m.start(), m.end()) if m else None


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
    """The shared metric key of a metric's words (``vocabulary.toml``), or ""."""
    return _metric(metric)[0]


def _metric(metric: str) -> tuple[str, Metric | None]:
    """(key, metric) of the first shared metric the words match; "{level}" filled in."""
    f = fold(metric)
    for m in vocabulary().metrics:
        if m.matches(f):
            key = m.key
            if "{level}" in key:
                lv = re.search(r"cap (tinh|huyen|xa)", f)
                if not lv:
                    continue
                key = key.format(level=lv.group(1))
            return key, m
    return "", None


def _pillar(headings: list[str], key: str, metric: str, sentence: str) -> str:
    """The metric's fixed pillar, else the one its nearest heading names, else its words'."""
    fixed = _metric(metric)[1] if key else None
    if fixed is not None and fixed.pillar:
        return fixed.pillar
    pillars = vocabulary().pillars
    for h in reversed(headings):
        hits = [p.name for p in pillars if p.heading and p.heading.search(fold(h))]
        if len(hits) == 1:
            return hits[0]
    # Budget words first: a budget line is no pillar's even when it names one.
    by_words = sorted((p for p in pillars if p.words), key=lambda p: not p.words_first)
    for text in (metric, sentence):
        for p in by_words:
            if p.words.search(fold(text)):
                return p.name
    return "khác"


def _kind(meta: FileMeta, headings: list[str]) -> str:
    """From the section: the national template recommends, a section on the current state
    ("Tình hình", "Thực trạng", "Kết quả đạt được") states baselines, others targets."""
    if meta.province == NATIONAL:
        return "recommendation"
    state = vocabulary().baseline_sections
    if state is not None and any(state.search(fold(h)) for h in headings):
        return "baseline"
    return "target"


def _column_kind(shown: str, f: Figure, kind: str) -> str:
    """A table cell's kind from its column ("Thực hiện năm 2024: 9,8" achieved, "Mục tiêu
    năm 2025: 12" aimed at); the section's kind when the column does not say."""
    label = fold(shown[: f.start].rsplit(";", 1)[-1].rsplit(":", 1)[0])
    if kind == "recommendation":
        return kind
    v = vocabulary()
    if v.baseline_columns is not None and v.baseline_columns.search(label):
        return "baseline"
    if v.goal_sections is not None and v.goal_sections.search(label):
        return "target"
    return kind


def _dated_kind(kind: str, year: int | None, meta: FileMeta, headings: list[str]) -> str:
    """A figure for a year before the document was issued is what was achieved, not a goal
    (outside a goals section): "Năm 2022 đạt 53,6%" in a plan of 2023."""
    if kind != "target" or year is None:
        return kind
    issued = meta.main.issued
    goals = vocabulary().goal_sections
    if goals is not None and any(goals.search(fold(h)) for h in headings):
        return kind
    return "baseline" if issued and year < issued[0] else kind


# -- years ------------------------------------------------------------------------------
_YEAR_RIGHT_AFTER = re.compile(
    r"[^\d;,.]{0,12}?\b(?:vào|trong|đến|tới|in|by)\s+(?:cuối\s+)?(?:năm\s+)?(20[2-4]\d)\b",
    re.IGNORECASE,
)


def _year_mentions(text: str) -> list[tuple[int, int]]:
    """(position, year) of years in ``text``, leaving out "so với năm 2018"."""
    return [
        (m.start(1), int(m.group(1)))
        for m in _YEAR_AT.finditer(text)
        if not compared_with(text[: m.start()])
    ]


def _year(sent: _Sentence, f: Figure, headings: list[str], meta: FileMeta, kind: str) -> int | None:
    own = _year_mentions(sent.text)
    before = [y for p, y in own if p < f.start]
    after = [y for p, y in own if p > f.end]
    if (m := _YEAR_RIGHT_AFTER.match(sent.text, f.end)) is not None:
        return int(m.group(1))  # "14% vào năm 2026 và 25% vào năm 2030": each its own
    if before:
        return before[-1]
    if after:
        return after[0]
    # "Một số chỉ tiêu chủ yếu năm 2025: …; tỷ trọng kinh tế số đạt 12% GRDP;": the year
    # the paragraph opened with, before the headings' ("… định hướng đến năm 2030").
    earlier = [
        y
        for k in range(sent.units[0])
        if (u := sent.chunk.units[k]).block == sent.block
        for _, y in _year_mentions(u.text)
    ]
    if not earlier and sent.block == sent.chunk.units[0].block:
        # … or in the passage before, when a long paragraph was cut between two
        earlier = [y for _, y in _year_mentions(sent.chunk.lead)]
    if earlier:
        return earlier[-1]
    if kind != "baseline":
        for h in reversed(headings):
            if ys := years(h):
                return max(ys)
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
    first = next((u.start for u in chunk.units if (u.block == sent.block)), sent.start)
    line_start = source.rfind("\n", 0, first) + 1
    m = FOOTNOTE_LINE.fullmatch(source[line_start:first])
    if not m:
        return list(chunk.headings), []
    n = int(m.group(1))
    return list(notes.get(n, chunk.headings)), [f"Chú thích {n}"]
