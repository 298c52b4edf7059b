"""The features of a (question, unit) pair that the learned scorer weighs.

Every unit of the retrieved passages, and the units that dense or BM25 search rank highest
on their own, becomes a :class:`Candidate` with one feature vector (:data:`FEATURES`, in
this order; the scorer checks the names it was fitted on). Lexical coverage is computed on
the question's content words only (its filler located by the intent), as written or folded.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from assistant.answering.place_fit import missing_places
from assistant.question.intent import Intent
from assistant.question.scope import Scope
from assistant.question.terms import UnitStats, question_terms, terms
from assistant.retrieval.corpus import Corpus, announcement
from kernel.text import (
    DATE,
    DOC_NUMBER,
    ITEM_MARK,
    NESTED_MARK,
    TIME,
    bigrams,
    fold,
    heading_years,
    numbers,
    stated_years,
    without_years,
    years,
)
from kernel.types import CLOSING_LABEL, NATIONAL, PREAMBLE_LABEL, Chunk, Passage, Unit
from kernel.vocabulary import vocabulary

FEATURES = (
    "cov",  # share of the question's in-corpus content weight the unit's words cover
    "cov_head",  # … that its heading path covers
    "cov_all",  # … of all content words (unit, heading at half), out-of-corpus ones included
    "cov_clause",  # the best coverage of one clause of the question (context clauses aside)
    "cov_item",  # … that the whole list item holding the unit covers ("a) Task. Cơ quan chủ
    # trì: X. Thời hạn: Y." answers "ai chủ trì …, hạn khi nào?" only as one)
    "miss_max",  # the weightiest in-corpus question word that neither the unit, its list item
    # nor its heading holds, relative to the question's weightiest: one word off ("tổ phó" for
    # "tổ trưởng") is a near miss that an average coverage hides
    "bm25_unit",  # BM25 of the unit, scaled by the best unit's
    "bm25_head",  # BM25 of its heading path, scaled
    "dense_unit",  # cosine question ↔ unit (e5)
    "dense_gap",  # dense_unit minus the best candidate's
    "dense_head",  # cosine question ↔ heading path
    "passage_rank",  # 1 / (1 + rank of its passage after fusion), 0 if not retrieved
    "figure_yes",  # a figure is asked and the unit states one
    "figure_no",  # a figure is asked and the unit states none
    "year_hit",  # a year is asked and the unit's context names it
    "year_other",  # a year is asked and the unit is about another year only
    "year_none",  # a year is asked and the unit names no year
    "province_in",  # the question names documents and the unit is in one of them
    "province_out",  # … and the unit is in another document
    "national",  # no document named, and the unit is the national template's
    "baseline_goals",  # the current state is asked and the unit sits in a goals section
    "target_goals",  # a target is asked and the unit sits in a goals section
    "baseline_state",  # the current state is asked and the unit sits in a state section
    "target_state",  # a target is asked and the unit sits in a state section (results, not goals)
    "heading_like",  # the unit only announces what follows ("… như sau:") or is a title
    "announced",  # how well the unit announcing it ("… các nền tảng số quốc gia như:") matches
    "bullet",  # the unit is a list item
    "first_in_block",  # the unit opens its paragraph
    "length",  # log of its length
    "oov_share",  # share of the question's content weight no unit of the corpus holds
    "english_dense",  # dense_unit for an English question (lexical features are weak there)
    "english_cov",  # cov for an English question (through glossary terms)
    "english",  # the question is in English (its evidence is mostly dense)
    "title_share",  # share of the unit's words that repeat its document's title (a unit
    # such as "Ban hành kèm theo Quyết định này Kế hoạch …" names the plan, says nothing of it)
    "header_line",  # a line of the document's header block (issuer, number, title lines:
    # "CỦA BAN THƯỜNG VỤ TỈNH ỦY … về chuyển đổi số …" repeats the question's words, answers none)
    "cites_yes",  # a document is asked for ("chỉ thị nào, ngày nào?", "căn cứ") and the unit
    # names one by its number (of the kind asked, when the question names a kind)
    "cites_no",  # … and the unit names none
    "time_yes",  # a time or deadline is asked and the unit (or its list item) states one
    "time_no",  # … and it states none
    "owner_yes",  # who is in charge is asked and the unit (or its list item) names an agency
    "owner_no",  # … and it names none
    "measure_yes",  # a count of something is asked ("bao nhiêu doanh nghiệp") and the unit
    # states a number of it ("trên 1.000 doanh nghiệp"; for "bao nhiêu %", a percentage)
    "measure_near",  # … the unit names it and states a number, not side by side (a table
    # row "Số doanh nghiệp công nghệ số: Năm 2025: 870")
    "measure_no",  # … the unit states no number of it
    "place_yes",  # the question names a place below the province or a level of government
    # ("huyện Châu Thành A", "Hải Dương (cũ)", "cấp xã") and the unit speaks of it
    "place_no",  # … and the unit does not (another district's figure, the province's)
    "agency_same",  # the question names an agency ("Công an tỉnh chủ trì những việc gì?")
    # and the unit (or its list item) names it too (a task row led by it)
)
# Features whose direction is known: more of them can only make a unit likelier (+1) or less
# likely (-1) to answer. The fit keeps these signs (a monotone constraint): correlated
# features must not turn evidence around (zero coverage of a question whose words the
# corpus lacks once scored as likely as a match).
MONOTONE = {
    "cov": 1,
    "cov_all": 1,
    "cov_clause": 1,
    "cov_item": 1,
    "bm25_unit": 1,
    "dense_unit": 1,
    "year_hit": 1,
    "province_in": 1,
    "figure_no": -1,
    "year_other": -1,
    "province_out": -1,
    "oov_share": -1,
    "title_share": -1,
    "time_no": -1,
}
BULLET = re.compile(r"^\s*[-+•*]\s+")
# Where a long question's clauses part: context ("Mình chuẩn bị bài nói chuyện ở xã,") and
# the ask ("cho mình vài ý: Hải Dương làm gì để phát triển hạ tầng số?").
_CLAUSE = re.compile(r"[,.:;?!\n]+\s*|\s+-\s+")
_FREQUENCY = re.compile(r"\b(?:hằng|hàng)\s+(?:ngày|tuần|tháng|quý|năm)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.;:!?][\"”')]*\s*$")


@dataclass
class Candidate:
    """A unit considered as (part of) the answer."""

    ref: int  # index into the corpus' UnitIndex
    chunk: Chunk
    unit_no: int
    passage: int  # rank of its passage, or a large number when found by unit search
    x: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURES)))
    p: float = 0.0  # the scorer's probability that the unit answers
    year: int | None = None  # the year it was scored for (a side of a comparison of years)

    @property
    def unit(self) -> Unit:
        return self.chunk.units[self.unit_no]

    @property
    def text(self) -> str:
        """The unit as shown in an answer: without its bullet mark."""
        return BULLET.sub("", self.unit.text)

    def feature(self, name: str) -> float:
        return float(self.x[FEATURES.index(name)])


def year_context(chunk: Chunk, unit_no: int, period: str = "") -> set[int]:
    """Years a unit is about: its nearest heading that names years, its paragraph up to it
    (from where the paragraph begins, in this passage or the one before), itself, and the
    year of a document that covers one year only (a yearly plan's "năm 2023").

    A unit that opens on its own year, before any figure, is about that year only (not the
    years it compares with): "Chỉ số DTI năm 2023 … xếp thứ 6/63, tăng 5 bậc so với năm
    2021" under "Kết quả thực hiện năm 2024" is about 2023 (the sentences after it are not).
    A year written after a figure may be one column's ("… đạt 520 doanh nghiệp: Ước thực
    hiện năm 2025: 455" under "Chỉ tiêu năm 2026"): the heading's year stays then. A
    one-year document's year always counts: a question may name the document by it
    ("nghị quyết năm 2026 … năm 2025 đạt …")."""
    block = chunk.units[unit_no].block
    same = [u.text for u in chunk.units[: unit_no + 1] if u.block == block]
    if block == chunk.units[0].block:  # the paragraph may begin in the passage before
        same.insert(0, chunk.lead)
    text = " ".join(same)
    own = _opening_years(ITEM_MARK.sub("", same[-1], count=1)) or (
        (_announced_years(chunk, unit_no) or set(heading_years(chunk.headings))) | set(years(text))
    )
    covered = set(years(period))  # a question may name the document by its year
    return own | covered if len(covered) == 1 else own


def _announced_years(chunk: Chunk, unit_no: int) -> set[int]:
    """The years the paragraph announcing a unit's list states: "Một số kết quả chủ yếu tính
    đến ngày 31 tháng 12 năm 2021 như sau:" dates the items under it, not the heading's
    "… đến năm 2025, định hướng đến năm 2030". Empty when the unit is no list item or its
    list is announced outside this passage."""
    units = chunk.units
    start = next(k for k, u in enumerate(units) if u.block == units[unit_no].block)
    if not ITEM_MARK.match(units[start].text):
        return set()
    said = announcement(units, start)
    text = chunk.announced if said is None else said
    return {y for y, _ in stated_years(text)} if text.rstrip().endswith(":") else set()


def _opening_years(text: str) -> set[int]:
    """The years ``text`` states (not those it compares with) when one comes before its first
    figure; else none."""
    stated = stated_years(text)
    if not stated:
        return set()
    before = text[: min(at for _, at in stated)]
    plain = without_years(DATE.sub(" ", DOC_NUMBER.sub(" ", before)))
    return set() if numbers(plain) else {y for y, _ in stated}


def section_kind(chunk: Chunk) -> str:
    """``goals``, ``state`` or ``""`` from the heading path (nearest heading first)."""
    v = vocabulary()
    for h in reversed(chunk.headings):
        f = fold(h)
        if v.baseline_sections and v.baseline_sections.search(f):
            return "state"
        if v.goal_sections and v.goal_sections.search(f):
            return "goals"
    return ""


@lru_cache(maxsize=256)
def _counted(measure: str) -> re.Pattern[str]:
    return re.compile(rf"\d(?:[\d.,]*\d)?\s*{re.escape(measure)}(?!\w)", re.IGNORECASE)


def states_measure(text: str, measure: str) -> str:
    """How ``text`` states a number of ``measure`` (see :func:`asked_measure`): "yes" (side by
    side: "1.000 doanh nghiệp", "60%"), "near" (both, apart), "no". A measure typed without
    diacritics is matched on the folded text."""
    if measure == "%":
        return "yes" if "%" in text or "phần trăm" in text.lower() else "no"
    plain = fold(text) if fold(measure) == measure else text
    if _counted(measure).search(plain):
        return "yes"
    named = re.search(rf"(?i)(?<!\w){re.escape(measure)}(?!\w)", plain)
    return "near" if named and has_figure(text) else "no"


def has_figure(text: str) -> bool:
    """True when the text states a number other than a year, a date or a document number
    ("Thực hiện Nghị quyết số 24/2025/NQ-HĐND ngày 26 tháng 9 năm 2025" states none), or a
    frequency ("định kỳ hằng tháng báo cáo": what "bao lâu một lần?" asks)."""
    if _FREQUENCY.search(text):
        return True
    return bool(numbers(without_years(DATE.sub(" ", DOC_NUMBER.sub(" ", text)))))


@dataclass
class QuestionTerms:
    """The question's content words and their IDF weights, as matched against units."""

    folded: bool
    weights: dict[str, float]
    in_corpus: dict[str, float]
    oov_share: float
    clauses: list[dict[str, float]]  # the in-corpus weights of each clause of two words or more

    @classmethod
    def of(cls, text: str, scope: Scope, stats: UnitStats, ignore: set[str]) -> QuestionTerms:
        folded = scope.lang == "vi-nodiacritics"
        q = question_terms(text, folded, ignore)
        w = {t: stats.idf(t, folded) * (1.5 if "_" in t else 1.0) for t in q}
        seen = {t: v for t, v in w.items() if stats.df(t, folded) > 0}
        total = sum(w.values())
        oov = (total - sum(seen.values())) / total if total else 0.0
        clauses = []
        for part in _CLAUSE.split(text):
            words = [t for t in question_terms(part, folded, ignore) if "_" not in t]
            if len(words) >= 2:
                clauses.append(
                    {t: v for t in question_terms(part, folded, ignore) if (v := seen.get(t))}
                )
        return cls(folded, w, seen, oov, clauses)


def coverage(weights: dict[str, float], have: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in have) / total if total else 0.0


def heading_words(text: str, folded: bool) -> set[str]:
    """The syllables and syllable pairs of ``text``, as question coverage counts them."""
    toks = terms(text, folded)
    return set(toks) | set(bigrams(toks))


def item_units(units: list[Unit], k: int, nested: bool = False) -> list[Unit]:
    """The units of the list item holding unit ``k`` (its block, when the block opens with
    an item's mark; with ``nested``, also a numbered section's item: "5.3. …"); empty when
    the unit is not in a list item."""
    block = [u for u in units if u.block == units[k].block]
    first = block[0].text
    return block if ITEM_MARK.match(first) or (nested and NESTED_MARK.match(first)) else []


def _announced(c: Candidate, qt: QuestionTerms) -> float:
    """The coverage of the question by the unit that announces this one: the nearest unit
    before it (same passage, at most two back) that ends with ":"."""
    for k in range(c.unit_no - 1, max(-1, c.unit_no - 3), -1):
        text = c.chunk.units[k].text
        if text.rstrip().endswith(":"):
            return coverage(qt.in_corpus, heading_words(text, qt.folded))
    return 0.0


def featurize(
    cands: list[Candidate],
    qt: QuestionTerms,
    scope: Scope,
    intent: Intent,
    corpus: Corpus,
    dense: tuple[np.ndarray, np.ndarray],
    bm25: tuple[np.ndarray, np.ndarray],
) -> None:
    """Fill every candidate's feature vector ``x`` (see :data:`FEATURES`)."""
    du, dh = dense
    bu, bh = bm25
    best_dense = max((float(du[c.ref]) for c in cands), default=0.0)
    heaviest = max(qt.in_corpus.values(), default=0.0) or 1.0
    placed = bool(scope.local_places or scope.levels)
    asked_years = set(scope.years)
    future = any(y > 2020 for y in asked_years)
    wants_target = intent.target or (intent.figure and future)
    wants_baseline = intent.baseline and not future
    en = scope.lang == "en"
    vocab = vocabulary()
    asked_agencies = vocab.agencies(scope.search_text)
    heads: dict[str, tuple[set[str], str]] = {}
    titles: dict[str, set[str]] = {}
    for c in cands:
        u = c.unit
        own = heading_words(corpus.shorthand.spell_initialisms(u.text), qt.folded)
        key = c.chunk.id
        if key not in heads:
            heads[key] = (
                heading_words(" ".join(c.chunk.headings[-2:]), qt.folded),
                section_kind(c.chunk),
            )
        head, kind = heads[key]
        cov = coverage(qt.in_corpus, own)
        cov_all = coverage(qt.weights, own) + 0.5 * coverage(
            {t: w for t, w in qt.weights.items() if t not in own}, head
        )
        meta = corpus.docs.get(c.chunk.file)
        if c.chunk.file not in titles:
            parts = meta.parts if meta else []
            titles[c.chunk.file] = set(
                terms(" ".join([p.title for p in parts] + [c.chunk.title]), qt.folded)
            )
        syllables = terms(u.text, qt.folded)
        ctx = year_context(c.chunk, c.unit_no, meta.main.period if meta else "")
        labels = {h.rstrip(":").strip() for h in c.chunk.headings}
        fig = has_figure(u.text)
        cited = intent.which_document and cites(u.text, intent.documents)
        item = item_units(c.chunk.units, c.unit_no) or [u]  # the list item holding it
        timed = intent.when and any(states_time(v.text) for v in item)
        owned = intent.owner and any(vocab.names_agency(v.text) for v in item)
        counted = states_measure(u.text, intent.measure) if intent.measure else ""
        in_item = own.union(*(heading_words(v.text, qt.folded) for v in item))
        held = in_item | head
        off_place = placed and bool(missing_places(c.chunk, c.unit_no, scope))
        same_agency = bool(asked_agencies) and any(
            a in fold(" ".join(v.text for v in item)) for a in asked_agencies
        )
        x = {
            "cov": cov,
            "cov_head": coverage(qt.in_corpus, head),
            "cov_all": cov_all,
            "cov_clause": max(
                (
                    coverage(cw, own)
                    + 0.5 * coverage({t: v for t, v in cw.items() if t not in own}, head)
                    for cw in qt.clauses
                ),
                default=cov,
            ),
            "cov_item": coverage(qt.in_corpus, in_item),
            # A question none of whose words the corpus holds lacks them all in every unit.
            "miss_max": max((w for t, w in qt.in_corpus.items() if t not in held), default=0.0)
            / heaviest
            if qt.in_corpus or not qt.weights
            else 1.0,
            "bm25_unit": float(bu[c.ref]),
            "bm25_head": float(bh[c.ref]),
            "dense_unit": float(du[c.ref]),
            "dense_gap": float(du[c.ref]) - best_dense,
            "dense_head": float(dh[c.ref]),
            "passage_rank": 1.0 / (1 + c.passage) if c.passage < 100 else 0.0,
            "figure_yes": float(intent.figure and fig),
            "figure_no": float(intent.figure and not fig),
            "year_hit": float(bool(asked_years & ctx)),
            # Another year is another year: "năm 2019" does not answer "năm 2020" either.
            "year_other": float(bool(asked_years) and bool(ctx) and not asked_years & ctx),
            "year_none": float(bool(asked_years) and not ctx),
            "province_in": float(bool(scope.files) and c.chunk.file in scope.files),
            "province_out": float(bool(scope.files) and c.chunk.file not in scope.files),
            "national": float(
                not scope.files
                and not scope.national
                and meta is not None
                and meta.province == NATIONAL
            ),
            "baseline_goals": float(wants_baseline and kind == "goals"),
            "target_goals": float(wants_target and kind == "goals"),
            "baseline_state": float(wants_baseline and kind == "state"),
            "target_state": float(wants_target and kind == "state"),
            "heading_like": float(
                u.text.rstrip().endswith(":") or u.text.rstrip(":").strip() in labels
            ),
            "announced": _announced(c, qt),
            "bullet": float(bool(BULLET.match(u.text))),
            "first_in_block": float(
                c.unit_no == 0 or c.chunk.units[c.unit_no - 1].block != u.block
            ),
            "length": math.log1p(len(u.text) / 100),
            "oov_share": qt.oov_share,
            "english_dense": float(du[c.ref]) if en else 0.0,
            "english_cov": cov if en else 0.0,
            "english": float(en),
            "header_line": float(header_line(c.chunk, u)),
            "cites_yes": float(cited),
            "cites_no": float(intent.which_document and not cited),
            "time_yes": float(timed),
            "time_no": float(intent.when and not timed),
            "owner_yes": float(owned),
            "owner_no": float(intent.owner and not owned),
            "measure_yes": float(counted == "yes"),
            "measure_near": float(counted == "near"),
            "measure_no": float(counted == "no"),
            "place_yes": float(placed and not off_place),
            "place_no": float(placed and off_place),
            "agency_same": float(same_agency),
            "title_share": (
                sum(t in titles[c.chunk.file] for t in syllables) / len(syllables)
                if syllables
                else 0.0
            ),
        }
        c.x = np.array([x[name] for name in FEATURES], dtype=np.float64)


def states_time(text: str) -> bool:
    """True when ``text`` states a date, a quarter, a month or a year as a time ("trước
    ngày 30/11/2026", "trong quý II", "hằng tháng"); a document's number is not one."""
    return bool(TIME.search(DOC_NUMBER.sub(" ", text)))


def cites(text: str, codes: tuple[str, ...]) -> bool:
    """True when ``text`` names a document by its number ("Chỉ thị số 19-CT/TU"), of a kind
    whose code is among ``codes`` when some are given."""
    wanted = {fold(c).upper() for c in codes}
    for m in DOC_NUMBER.finditer(text):
        if not wanted or wanted & {fold(t).upper() for t in re.findall(r"[^\W\d_]+", m.group(0))}:
            return True
    return False


def header_line(chunk: Chunk, unit: Unit) -> bool:
    """A line of the document's header block (issuer, number, place and date, title)."""
    return PREAMBLE_LABEL in chunk.headings and not SENTENCE_END.search(unit.text)


def gather(
    corpus: Corpus,
    passages: list[Passage],
    scope: Scope,
    dense: np.ndarray,
    bm25: np.ndarray,
    per_signal: int = 12,
) -> list[Candidate]:
    """Candidates: every unit of the passages, plus the units dense and BM25 rank highest
    on their own (within the documents the question names, when it names some)."""
    idx = corpus.units
    out: dict[int, Candidate] = {}
    for rank, p in enumerate(passages):
        ci = corpus.by_id.get(p.chunk.id)
        if ci is None:
            continue
        for ref in idx.by_chunk.get(ci, []):
            out.setdefault(ref, Candidate(ref, p.chunk, idx.refs[ref].unit, rank))
    allowed = np.ones(len(idx), dtype=bool)
    if scope.files:
        files = set(scope.files)
        allowed = np.array([corpus.chunks[r.chunk].file in files for r in idx.refs], dtype=bool)
    for signal in (dense, bm25):
        order = np.argsort(-np.where(allowed, signal, -np.inf))[:per_signal]
        for ref in order:
            ref = int(ref)
            if ref not in out and signal[ref] > 0:
                r = idx.refs[ref]
                out[ref] = Candidate(ref, corpus.chunks[r.chunk], r.unit, 1000)
    return list(out.values())


def furniture(c: Candidate) -> bool:
    """A line of the header block or of the signature and recipients block, or a table's
    header row ("TT | Chỉ tiêu | Đơn vị | …", kept as written; rows with values read
    "Chỉ tiêu: Mục tiêu 2030: 25%"). A table row in an appendix's opening part is content."""
    if CLOSING_LABEL in c.chunk.headings or " | " in c.unit.text or _abbreviation(c.unit.text):
        return True
    return header_line(c.chunk, c.unit) and c.unit.text.count(": ") < 2


_DEFINITION = re.compile(r"^\W*([A-ZĐ]{2,8})\s*:\s*([^\d:;]{3,80}?)[\s;.,]*$")


def _abbreviation(text: str) -> bool:
    """A note spelling out an abbreviation ("TTHC: thủ tục hành chính;", "ATTT: an toàn
    thông tin."): it holds the question's words and answers nothing."""
    m = _DEFINITION.match(text)
    return m is not None and fold(m.group(1)).upper() == "".join(
        fold(w[0]).upper() for w in m.group(2).split()
    )
