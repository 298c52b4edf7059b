"""The extractive answerer: score every candidate unit with the learned scorer, refuse or
compose an answer whose shape follows the question's intent.

Candidates are the units of the retrieved passages plus the units dense and BM25 search
rank highest on their own. Each gets the probability that it (partly) answers the
question; whether to answer at all is decided from the whole candidate list (the best
unit clears a floor, or the question-level answerability model says the documents answer
it; both thresholds are chosen when the scorers are fitted), and a question asking about
one document is refused when another document answers it much better (a near miss: the
figure is stated only for another province or year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from assistant.answering.answerability import Asked, answers
from assistant.answering.compose import Composer
from assistant.answering.features import (
    Candidate,
    QuestionTerms,
    featurize,
    furniture,
    gather,
    section_kind,
    year_context,
)
from assistant.answering.place_fit import missing_places
from assistant.answering.scorer import Scorer
from assistant.answering.sections import SECTION_FEATURES, Section, candidate_sections
from assistant.question.intent import Intent
from assistant.question.scope import Scope, without_own_numbers
from assistant.question.terms import UnitStats, terms
from assistant.retrieval.corpus import Corpus
from kernel.gazetteer import merged_into
from kernel.text import DOC_NUMBER, fold
from kernel.types import NATIONAL, REFUSAL, Draft, FileMeta, Passage
from kernel.vocabulary import vocabulary


def asked(scope: Scope, intent: Intent) -> Asked:
    """The kind of question, as the answerability model reads it."""
    return Asked(
        listing=intent.listing,
        figure=intent.figure,
        english=scope.lang == "en",
        scoped=bool(scope.files),
    )


@dataclass
class Scored:
    """The candidates of a question, best first, with what scored them."""

    cands: list[Candidate]
    qt: QuestionTerms
    dense: tuple[np.ndarray, np.ndarray]
    bm25: tuple[np.ndarray, np.ndarray]
    ranking: list[str]  # the chunks of every candidate before scoring, header lines included


class Extractor:
    """Scores units against a question and composes the answer (or the refusal)."""

    def __init__(self, corpus: Corpus, scorer: Scorer | None) -> None:
        self.corpus = corpus
        self.stats = UnitStats(corpus.chunks)
        self.scorer = scorer
        self.compose = Composer(corpus, self)

    # -- scoring ---------------------------------------------------------------------------
    def ignore(self, scope: Scope, question: str = "") -> set[str]:
        """Words that place a question, not its content: province names, years, and the
        titles of the documents it names ("Kế hoạch chuyển đổi số năm 2023" names a plan;
        its words would match the plan's title, not what the plan says)."""
        folded = scope.lang == "vi-nodiacritics"
        names = scope.provinces + scope.unknown_provinces
        names += [m.province for m in self.corpus.docs.values() if m.province]
        words = {t for n in names for t in terms(n, folded)} | {str(y) for y in scope.years}
        return words | self._title_words(question, scope, folded)

    def _title_words(self, question: str, scope: Scope, folded: bool) -> set[str]:
        """Words right after a document's kind in the question that repeat its title."""
        out: set[str] = set()
        q = terms(question, folded)
        for f in scope.files:
            for part in self.corpus.docs[f].parts:
                title = terms(part.title, folded)
                kind = terms(part.kind, folded)
                if not title or not kind:
                    continue
                for i in range(len(q) - len(kind) + 1):
                    if q[i : i + len(kind)] == kind:
                        out |= set(q[i : i + len(kind) + 8]) & set(title)
                out |= self._issuer_words(question, q, part.issuing_body)
        return out

    @staticmethod
    def _issuer_words(question: str, q: list[str], issuer: str) -> set[str]:
        """The question's words naming the document's issuer ("Nghị quyết của HĐND thành
        phố …" of a Hội đồng nhân dân resolution): they place the question, like its kind."""
        folded = fold(question)
        named = {
            w
            for b in vocabulary().issuing_bodies
            if b.body.search(fold(issuer))
            for m in b.mention.finditer(folded)
            for w in m.group(0).split()
        }
        return {t for t in q if fold(t) in named}

    def content_text(self, question: str, scope: Scope, intent: Intent) -> str:
        """The words to match: the question without filler, or for an English question the
        Vietnamese terms it was translated to."""
        if scope.lang == "en":
            # Abbreviations the documents write as the question does ("PAPI", "GRDP", "5G")
            # need no translation.
            same = [
                w
                for w in dict.fromkeys(_ACRONYM.findall(DOC_NUMBER.sub(" ", question)))
                if self.stats.df(w.lower(), False) > 0
            ]
            return " ".join([*scope.concepts, *same])
        # Our document's number places the question ("Theo Nghị quyết 24/2025/NQ-HĐND, …");
        # as content it matches the sentences that cite that document, not its content.
        return without_own_numbers(intent.content or question, scope)

    def score(
        self,
        question: str,
        scope: Scope,
        intent: Intent,
        passages: list[Passage],
        qvec: np.ndarray | None,
        text: str | None = None,
    ) -> Scored:
        """Every candidate with its features and probability, best first."""
        idx = self.corpus.units
        text = text if text is not None else self.content_text(question, scope, intent)
        qt = QuestionTerms.of(text, scope, self.stats, self.ignore(scope, question))
        dense = idx.dense(qvec)
        lexical = " ".join([text, *([question] if scope.lang == "en" else [])])
        bm25 = idx.bm25(lexical, folded=qt.folded)
        cands = gather(self.corpus, passages, scope, dense[0], bm25[0])
        featurize(cands, qt, scope, intent, self.corpus, dense, bm25)
        self._predict(cands)
        cands.sort(key=lambda c: (-c.p, c.passage, c.ref))
        ranking = list(dict.fromkeys(c.chunk.id for c in cands))
        # The header block and the signature block answer document facts, which the
        # catalog gives; as a passage they only repeat the question's words.
        cands = [c for c in cands if not furniture(c)]
        return Scored(cands, qt, dense, bm25, ranking)

    def rescore(self, scored: Scored, cands: list[Candidate], scope: Scope, intent: Intent) -> None:
        """Score extra candidates (units of a section the answer lists) like the others."""
        featurize(cands, scored.qt, scope, intent, self.corpus, scored.dense, scored.bm25)
        self._predict(cands)

    def _predict(self, cands: list[Candidate]) -> None:
        if cands and self.scorer is not None:
            probs = self.scorer.predict(np.vstack([c.x for c in cands]))
            for c, p in zip(cands, probs, strict=True):
                c.p = float(p)

    # -- answering -------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        scope: Scope,
        intent: Intent,
        passages: list[Passage],
        qvec: np.ndarray | None,
    ) -> Draft:
        """The extractive answer (or a refusal) for ``question``."""
        unheld = self.unheld(scope)
        if unheld is not None:
            return unheld
        scored = self.score(question, scope, intent, passages, qvec)
        if intent.context and scope.lang != "en":
            # The words before a colon are context as a rule ("Mình cần vài ý để phát biểu:
            # …"), but some name the topic the question after them only points at. Matched
            # with them, the answer must be more likely than without them.
            whole = without_own_numbers(f"{intent.context} {intent.content}", scope)
            wider = self.score(question, scope, intent, passages, qvec, text=whole)
            if _best_inside(wider, scope) > _best_inside(scored, scope):
                scored = wider
                # The parts of a two-part question ask about that topic too.
                intent = replace(
                    intent,
                    content=f"{intent.context} {intent.content}",
                    context="",
                    parts=[f"{intent.context} {p}" for p in intent.parts],
                )
        cands = scored.cands
        ranking = scored.ranking
        threshold = self.scorer.threshold if self.scorer is not None else 0.5
        inside = [c for c in cands if not scope.files or c.chunk.file in scope.files]
        # A summary is a section's to give; a "what / how" question is a unit's when one
        # answers it well enough, its section's otherwise.
        section = None
        # A question naming two provinces or more is answered side by side, not by one
        # province's section ("… của Hải Dương và Khánh Hòa khác nhau thế nào?").
        sided = len(scope.provinces) >= 2 or (intent.compare and len(scope.files) >= 2)
        if not sided and (
            intent.summary or (intent.listing and (not inside or inside[0].p < threshold))
        ):
            section = self.best_section(scored, scope, intent, inside)
        if section is not None:
            draft = self.compose.listing(section, scope, intent)
            draft.ranking = [c.id for c in section.chunks] + ranking
            return draft
        if not inside or not self.answerable(cands, scope, intent):
            # Why, where the documents say: other provinces' do, or theirs give another year
            # or speak of another place.
            why = self._elsewhere(cands, scope, threshold)
            if inside:
                why += self._other_year(inside[0], scope, intent) or _other_place(inside[0], scope)
            return Draft(REFUSAL + why, refused=True, ranking=ranking)
        if self._near_miss(cands, scope, intent):
            return Draft(
                REFUSAL + self._elsewhere(cands, scope, threshold), refused=True, ranking=ranking
            )
        if _other_place(inside[0], scope):
            # A place below the province is asked: a likely unit that speaks of it (its
            # heading "1.2. Tỉnh Đắk Nông (cũ)") answers before a likelier one of another.
            fits = [c for c in inside if c.p >= threshold and not _other_place(c, scope)]
            if fits:
                inside = [fits[0], *(c for c in inside if c is not fits[0])]
        other = self._other_year(inside[0], scope, intent) or _other_place(inside[0], scope)
        if other:
            return Draft(REFUSAL + other, refused=True, ranking=ranking)
        draft = self.compose.answer(question, scope, intent, scored, inside)
        draft.ranking = ranking
        # A province named without documents is said to have none, so no one reads the lines
        # of another as its own ("… của Phú Yên để so với Khánh Hòa") — unless it merged into
        # one named, whose documents may speak of it ("Tuyên Quang và Hà Giang (trước sắp xếp)").
        unknown = [p for p in scope.unknown_provinces if merged_into(p) not in scope.provinces]
        if unknown:
            names = ", ".join(unknown)
            en = scope.reply_lang == "en"
            draft.text += f"\n({'No documents of' if en else 'Không có văn bản của'}: {names}.)"
        return draft

    def unheld(self, scope: Scope) -> Draft | None:
        """The refusal of a question about provinces none of whose documents are held."""
        if not (scope.unknown_provinces and not scope.files):
            return None
        known = sorted(
            {m.province for m in self.corpus.docs.values() if m.province != NATIONAL} - {""}
        )
        held = f"; chỉ có văn bản của: {', '.join(known)}" if known else ""
        return Draft(
            f"{REFUSAL} Các văn bản hiện có không đề cập "
            f"{', '.join(scope.unknown_provinces)}{held}.",
            refused=True,
        )

    def answerable(self, cands: list[Candidate], scope: Scope, intent: Intent) -> bool:
        """Whether the documents answer the question: a best in-scope unit likely enough, or
        (when fitted) the answerability model's verdict over the whole candidate list."""
        inside = np.array([not scope.files or c.chunk.file in scope.files for c in cands])
        if self.scorer is None:
            return bool(inside.any())
        p = np.array([c.p for c in cands])
        x = np.vstack([c.x for c in cands])
        return answers(self.scorer, p, x, inside, asked(scope, intent))

    def best_section(
        self, scored: Scored, scope: Scope, intent: Intent, inside: list[Candidate]
    ) -> Section | None:
        """For a list or summary question, the section that answers it (None: no section
        is likely enough, or the question asks for something else)."""
        section_scorer = self.scorer.section if self.scorer is not None else None
        # A figure is a unit's to give, even in "… bao nhiêu, thế nào?".
        if not intent.listing or intent.figure or section_scorer is None or not inside:
            return None
        sections = candidate_sections(self, scored, scope, intent, inside)
        sections = [s for s in sections if not scope.files or s.file in scope.files]
        if not sections or sections[0].p < section_scorer.threshold:
            return None
        # A file's parts ("Mẫu nghị quyết"): the question names the document, not a section.
        roots = {(p.label,) for m in self.corpus.docs.values() for p in m.parts}
        return _named_section(sections[0], sections, self.scorer.threshold, roots)

    def _near_miss(self, cands: list[Candidate], scope: Scope, intent: Intent) -> bool:
        """A figure asked of one document, which another answers far better."""
        if not (scope.files and intent.figure) or len(scope.files) > 1 or self.scorer is None:
            return False
        inside = max((c.p for c in cands if c.chunk.file in scope.files), default=0.0)
        outside = max((c.p for c in cands if c.chunk.file not in scope.files), default=0.0)
        return outside >= self.scorer.threshold and inside < self.scorer.near_miss * outside

    def _other_year(self, best: Candidate, scope: Scope, intent: Intent) -> str:
        """A figure asked for a year the best passage does not cover, while it states another
        ("ICT Index năm 2020" where the text gives 2019's): the explicit near miss of years.
        Returns what the documents do state, or "" when the year fits."""
        if not (intent.figure and scope.years):
            return ""
        meta = self.corpus.docs.get(best.chunk.file)
        stated = sorted(year_context(best.chunk, best.unit_no, meta.main.period if meta else ""))
        if not best.feature("year_other"):
            # A state of things with no year of its own is as of its document's date: a
            # resolution of 2021 cannot tell how many stations there were at the end of 2024.
            issued = _issued_year(meta, best.chunk.doc_number) if meta else None
            late = issued is not None and min(scope.years) > issued
            if stated or intent.target or section_kind(best.chunk) != "state" or not late:
                return ""
            asked = ", ".join(str(y) for y in sorted(set(scope.years)))
            if scope.reply_lang == "en":
                return (
                    f" (The closest passage describes the situation as of {issued}, not {asked}.)"
                )
            return f" (Đoạn gần nhất nêu tình hình đến năm {issued}, không nêu năm {asked}.)"
        asked = ", ".join(str(y) for y in sorted(set(scope.years)))
        said = ", ".join(str(y) for y in stated)
        if scope.reply_lang == "en":
            return f" (The closest passage gives {said}, not {asked}.)"
        return f" (Đoạn gần nhất nêu năm {said}, không nêu năm {asked}.)"

    def _elsewhere(self, cands: list[Candidate], scope: Scope, threshold: float) -> str:
        """ ", which documents of other provinces do state" when the question names one."""
        if not scope.files:
            return ""
        others = []
        for c in cands:
            if c.p >= threshold and c.chunk.file not in scope.files:
                name = c.chunk.province or c.chunk.file
                if name not in others and name != NATIONAL:
                    others.append(name)
        if not others:
            return ""
        return f" (Các văn bản chỉ nêu nội dung gần nhất cho: {', '.join(others[:3])}.)"


_ACRONYM = re.compile(r"\b(?:[A-Z][A-Z0-9]{1,7}|\d[A-Z])\b")


def _other_place(best: Candidate, scope: Scope) -> str:
    """A place below the province that the question names and the best passage does not
    ("huyện Châu Thành A" where the text gives the province's figure, or another district's),
    or a level of government it asks while the passage gives another's only ("cấp xã" where
    it gives "cấp tỉnh"): the explicit near miss of places. Returns what to say, or "" when
    the place fits."""
    missing = missing_places(best.chunk, best.unit_no, scope)
    if not missing:
        return ""
    if scope.reply_lang == "en":
        return f" (The closest passage does not speak of {', '.join(missing)}.)"
    return f" (Đoạn gần nhất không nói riêng về {', '.join(missing)}.)"


def _best_inside(scored: Scored, scope: Scope) -> float:
    """The probability of the best candidate in the question's scope (0 without one)."""
    return max(
        (c.p for c in scored.cands if not scope.files or c.chunk.file in scope.files),
        default=0.0,
    )


def _issued_year(meta: FileMeta, number: str) -> int | None:
    """The year the document (the file's part numbered ``number``, else its main one) was
    issued, from its date line."""
    part = next((p for p in meta.parts if number and p.number == number), meta.main)
    year = part.date.rpartition("/")[2]  # "16/08/2021"
    return int(year) if year.isdigit() else None


def _named_section(
    best: Section,
    sections: list[Section],
    unit_threshold: float,
    roots: set[tuple[str, ...]] = frozenset(),
) -> Section:
    """The section the question names: ``best``, unless it was found only through the
    heading above it (its own heading adds nothing and none of its units answers alone;
    "Khánh Hòa chọn những lĩnh vực nào …?" matches "5. Một số lĩnh vực cần ưu tiên …", and
    each "5.x. … lĩnh vực …" below it only through that, as its siblings do): then the
    nearest section above it whose own heading does match."""
    col = {n: SECTION_FEATURES.index(n) for n in ("inherited", "own_cov", "max_p")}
    if not best.x[col["inherited"]] or best.x[col["max_p"]] >= unit_threshold:
        return best
    parent = next((s for s in sections if s.file == best.file and s.path == best.path[:-1]), None)
    # "Tóm tắt các quan điểm …" under "II. QUAN ĐIỂM VÀ MỤC TIÊU": of "1. Quan điểm" and
    # "2. Mục tiêu tổng quát", only the first names it: that one is asked for, not the list
    # (nor the second, reached through the heading above only).
    named = [
        s
        for s in sections
        if s.file == best.file
        and s.path[:-1] == best.path[:-1]
        and s is not best
        and s.head_own > 0
    ]
    if len(named) == 1 and (parent is None or named[0].head_own >= parent.head_own):
        return named[0]
    siblings = [
        s
        for s in sections
        if s.file == best.file and s.path[:-1] == best.path[:-1] and s.x[col["inherited"]]
    ]
    if len(siblings) < 2:  # the heading above matched, and more than one section under it
        return best
    if (
        best.head_own > 0
        and (parent is None or best.head_own >= parent.head_own)
        and not any(s.head_own > 0 for s in siblings if s is not best)
    ):
        return best
    above = [
        s
        for s in sections
        if s.file == best.file
        and len(s.path) < len(best.path)
        and best.path[: len(s.path)] == s.path
        and s.x[col["own_cov"]] > 0
        and s.path not in roots
    ]
    named = max(above, key=lambda s: len(s.path), default=best)
    named.outline = named is not best
    return named
