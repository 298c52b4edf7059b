"""The extractive answerer: pick the sentences or bullets that answer, and cite them.

Each unit (sentence, bullet) of the top passages is scored by how much of the question's
content it covers (IDF-weighted syllables and syllable pairs, its heading path counting
half), whether it holds a figure when a figure is asked for, and whether its province and
year are the ones asked about. A wrong province or year is the worst failure, so units
from another document or another target year are all but excluded; when nothing covers
the question well enough, the answer is a refusal that shows the closest passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.citations import cite
from assistant.question.scope import Scope
from assistant.question.terms import UnitStats, question_terms, terms
from kernel.text import (
    bigrams,
    fold,
    numbers,
    years,
)
from kernel.types import NATIONAL, REFUSAL, Chunk, Citation, Draft, FileMeta, Passage

_QUANTITY = re.compile(
    r"bao nhieu|may phan tram|phan tram|ty le|ty trong|bao lau|con so|"
    r"how many|how much|what share|what percentage|what proportion|what minimum|"
    r"what level|what rate|percent|%"
)
_LIST = re.compile(
    r"nhung (gi|nao|linh vuc|loai|nen tang|noi dung)|gom nhung|liet ke|cac loai|"
    r"which (kinds|areas|fields|sectors|platforms)|what are|list"
)
# "Hiện có / hiện đạt / tính đến": the current state (Tình hình), not a goal.
_BASELINE = re.compile(
    r"\bhien (co|nay|dat|tai|la|trang)\b|tinh den|da dat|\bdang (co|su dung|dung|truy)|"
    r"\bcurrently\b|so far|as of|to date"
)
_ASK = re.compile(r"bao nhieu|\bgi\b|\bnao\b|how many|how much|\bwhat\b|\bwhich\b")
# Where a question asking two things splits: ", và … nào/gì", "; ".
_PARTS = re.compile(
    r",?\s+(?:và|va|and)\s+(?=[^,]*\b(?:nào|nao|gì|gi|bao|ai|which|what|how)\b)|;\s*"
)
_TARGET = re.compile(r"muc tieu|chi tieu|\btarget|\bgoal|phan dau|dat muc")
_BULLET = re.compile(r"^\s*[-+•]\s+")
_PERCENT = re.compile(r"(\d+(?:,\d+)?)\s*%")

_SPECIFIC = re.compile(r"(?=.*\d)(?=.*[a-z])[a-z\d]+")

MIN_SCORE = 0.33

# The asked province's best unit covering less than this share of what another province's
# (or year's) unit covers means the documents answer it only for the other one.
_NEAR_MISS = 0.6
"""Below this coverage the evidence does not answer the question: refuse."""


@dataclass
class Candidate:
    """A unit of a retrieved passage, with its score."""

    passage: int  # rank of its passage
    chunk: Chunk
    unit: int  # index into chunk.units
    score: float = 0.0
    coverage: float = 0.0
    part_scores: list[float] = field(default_factory=list)  # per part of a two-part question

    @property
    def start(self) -> int:
        return self.chunk.units[self.unit].start

    @property
    def end(self) -> int:
        return self.chunk.units[self.unit].end

    @property
    def text(self) -> str:
        """The unit as shown in an answer: cleaned, without its bullet mark."""
        return _BULLET.sub("", self.chunk.units[self.unit].text)

    @property
    def year_context(self) -> set[int]:
        """Years the unit is about: its heading path, its paragraph so far, itself."""
        c = self.chunk
        ctx = set(years(" ".join(c.headings)))
        same_block = [u.text for u in c.units[: self.unit + 1] if u.block == self.block]
        return ctx | set(years(" ".join(same_block)))

    @property
    def target_years(self) -> set[int]:
        return {y for y in self.year_context if y > 2020}

    @property
    def block(self) -> int:
        return self.chunk.units[self.unit].block


class Extractor:
    """Scores units of retrieved passages against a question and composes the answer."""

    def __init__(self, chunks: list[Chunk], docs: dict[str, FileMeta]) -> None:
        self.stats = UnitStats(chunks)
        self.chunks = chunks
        self.docs = docs

    # -- scoring -----------------------------------------------------------------------
    def _ignore(self, scope: Scope, folded: bool) -> set[str]:
        names = scope.provinces + scope.unknown_provinces
        names += [m.province for m in self.docs.values() if m.province]
        words = {t for n in names for t in terms(n, folded)}
        return words | {str(y) for y in scope.years}

    def candidates(self, question: str, scope: Scope, passages: list[Passage]) -> list[Candidate]:
        """Every unit of the passages, scored and best first."""
        folded = scope.lang == "vi-nodiacritics"
        text = scope.search_text if scope.lang == "en" else question
        if scope.lang == "en":  # only the Vietnamese terms can match the documents
            text = text[len(question) :]
        ignore = self._ignore(scope, folded)
        q = question_terms(text, folded, ignore)
        weights = self._weights(q, folded)
        # "… với tần suất nào, và cơ quan nào …": each part may be answered by another unit,
        # so a unit is also scored against each part on its own (at a discount).
        parts = [
            self._weights(t, folded)
            for p in _PARTS.split(text)
            if p and len(t := question_terms(p, folded, ignore)) >= 3
        ]
        parts = parts if len(parts) >= 2 else []
        wants_number = bool(_QUANTITY.search(fold(question)))
        # A figure for a coming year is a target, even when the word is not used.
        wants_target = bool(_TARGET.search(fold(question))) or (
            wants_number and any(y > 2020 for y in scope.years)
        )
        wants_baseline = bool(_BASELINE.search(fold(question))) and not any(
            y > 2020 for y in scope.years
        )
        # An English question is matched through the Vietnamese terms it was translated to:
        # each such term must be (mostly) there, or the unit is about something else.
        concepts = [
            set(bigrams(terms(t, folded)))
            for t in (scope.concepts if scope.lang == "en" else [])
            if len(terms(t, folded)) >= 3
        ]
        # Technical names (5G, IPv6, 3D) are not paraphrased: a unit lacking one is off topic.
        specific = {t for t in q if "_" not in t and _SPECIFIC.fullmatch(t)}
        out: list[Candidate] = []
        for rank, p in enumerate(passages):
            c = p.chunk
            head = terms(" ".join(c.headings[-2:]), folded)
            head_terms = set(head + bigrams(head))
            labels = {h.rstrip(":").strip() for h in c.headings}
            for ui, u in enumerate(c.units):
                if u.text.rstrip(":").strip() in labels:
                    continue  # a bare heading states nothing; its words count via the path
                toks = terms(u.text, folded)
                own = set(toks + bigrams(toks))
                part_cov = [_coverage(w, own, head_terms) for w in parts]
                cov = max([_coverage(weights, own, head_terms)] + [0.85 * x for x in part_cov])
                cand = Candidate(rank, c, ui, coverage=cov)
                fit = self._fit(cand, scope, wants_number)
                in_goals = any("mục tiêu" in h.lower() for h in c.headings)
                if wants_baseline:
                    fit *= 0.5 if in_goals else 1.0
                elif wants_target and in_goals:
                    fit *= 1.25  # a target is asked for: prefer the resolution's goals
                if concepts:
                    fit *= _concept_fit(concepts, own | head_terms)
                if specific - own - head_terms:
                    fit *= 0.5
                cand.score = cand.coverage * fit * (1 + 0.1 / (1 + rank))
                cand.part_scores = [x * fit for x in part_cov]
                out.append(cand)
        out.sort(key=lambda x: -x.score)
        return out

    def _weights(self, terms: list[str], folded: bool) -> dict[str, float]:
        """IDF weights of question terms; syllable pairs count more (they are words)."""
        return {t: self.stats.idf(t, folded) * (1.5 if "_" in t else 1.0) for t in terms}

    def _fit(self, cand: Candidate, scope: Scope, wants_number: bool) -> float:
        """Multiplier for province, year and figure fit."""
        f = 1.0
        c = cand.chunk
        if scope.files and c.file not in scope.files:
            f *= 0.1
        elif (
            not scope.files
            and not scope.national
            and self.docs.get(c.file)
            and (self.docs[c.file].province == NATIONAL)
        ):
            f *= 0.8  # the template sets no province's targets
        if wants_number:
            f *= 1.0 if numbers(re.sub(r"\b20[2-4]\d\b", "", cand.text)) else 0.55
        if scope.years:
            ctx = cand.year_context
            if ctx & set(scope.years):
                f *= 1.15
            elif {y for y in ctx if y > 2020}:
                f *= 0.15  # another target year: the wrong figure
            else:
                f *= 0.4 if wants_number else 0.8  # a figure for that year must say the year
        return f

    # -- composing ---------------------------------------------------------------------
    def answer(self, question: str, scope: Scope, passages: list[Passage]) -> Draft:
        """The extractive answer (or a refusal) for ``question``."""
        if scope.unknown_provinces and not scope.files:
            known = sorted(
                {m.province for m in self.docs.values() if m.province and m.province != NATIONAL}
            )
            return Draft(
                f"{REFUSAL} Các văn bản hiện có không đề cập {', '.join(scope.unknown_provinces)}; "
                f"chỉ có văn bản của: {', '.join(known)}.",
                refused=True,
            )
        cands = self.candidates(question, scope, passages)
        ranking = list(dict.fromkeys(c.chunk.id for c in cands))
        near_miss = bool(_QUANTITY.search(fold(question))) and _answered_elsewhere(cands, scope)
        if not cands or cands[0].score < MIN_SCORE or near_miss:
            return Draft(REFUSAL, refused=True, ranking=ranking)
        draft = self._compose(question, scope, cands)
        draft.ranking = ranking
        return draft

    def _compose(self, question: str, scope: Scope, cands: list[Candidate]) -> Draft:
        folded_q = fold(question)
        by_file: dict[str, Candidate] = {}
        for c in cands:
            by_file.setdefault(c.chunk.file, c)
        sides = [f for f in scope.files if f in by_file and by_file[f].score >= MIN_SCORE * 0.8]
        if len(sides) >= 2:
            return self._compare(sides, cands, scope)
        best = cands[0]
        chosen = [best]
        if _LIST.search(folded_q) and (listing := self._sibling_list(best, question, scope)):
            return listing
        if _LIST.search(folded_q) or best.text.rstrip().endswith(":"):
            chosen = self._list_units(best)
        else:
            # A question asking two things ("… bao nhiêu … và … bao nhiêu") may need two units.
            asks = len(_ASK.findall(folded_q))
            # Each part then covers about half the question: a much lower bar, same passage.
            floor = 0.3 if asks >= 2 else 0.85
            chosen += [
                c
                for c in cands[1:6]
                if c.chunk.id == best.chunk.id
                and c.score >= floor * best.score
                and abs(c.unit - best.unit) <= 3
            ][: 2 if asks >= 2 else 1]
            chosen = self._complete_sentences(sorted(chosen, key=lambda c: c.unit), scope)
            # A part the chosen units leave unanswered gets its own best unit, wherever it is.
            for i in range(len(best.part_scores)):
                if max(c.part_scores[i] for c in chosen if c.part_scores) >= 0.5:
                    continue
                alt = max(
                    (c for c in cands if c.part_scores and c.chunk.file == best.chunk.file),
                    key=lambda c: c.part_scores[i],
                )
                if alt.part_scores[i] >= 0.5 and all(
                    (alt.chunk.id, alt.unit) != (c.chunk.id, c.unit) for c in chosen
                ):
                    chosen.append(alt)
        groups: dict[str, list[Candidate]] = {}
        for c in chosen:
            groups.setdefault(c.chunk.id, []).append(c)
        citations, lines = [], []
        for n, group in enumerate(groups.values(), start=1):
            group.sort(key=lambda c: c.unit)
            citations.append(self._citation(n, group))
            lines.append("\n".join(f"- {c.text}" for c in group) + f" [{n}]")
        body = "\n".join(lines)
        chosen = [c for g in groups.values() for c in g]
        if chosen[-1].text.rstrip().endswith(":"):
            # "…, cụ thể:" announces the sub-sections that follow: name and cite each.
            for n, child in enumerate(self._children(best.chunk)[:12], start=len(citations) + 1):
                body += f"\n  • {child.headings[len(best.chunk.headings)]} [{n}]"
                citations.append(cite(n, child, child.units[:1], self.docs))
        lead = self._lead(best.chunk, scope.lang)
        return Draft(f"{lead}\n{body}", citations)

    def _complete_sentences(self, chosen: list[Candidate], scope: Scope) -> list[Candidate]:
        """Units cut at ";" are followed by the rest of their sentence, unless it turns to
        another year ("… 2025 nhóm 20; đến năm 2030 nhóm 15" asked for 2025 stops at ";")."""
        out = list(chosen)
        have = {c.unit for c in out}
        for c in chosen:
            units, k, size = c.chunk.units, c.unit, len(c.text)
            allowed = set(scope.years) | set(years(c.text))
            while units[k].text.rstrip().endswith(";") and k + 1 < len(units):
                nxt = units[k + 1]
                if nxt.block != c.block or size + len(nxt.text) > 600:
                    break
                if set(years(nxt.text)) - allowed:
                    break
                k += 1
                size += len(nxt.text)
                if k not in have:
                    have.add(k)
                    out.append(Candidate(c.passage, c.chunk, k, c.score))
        return sorted(out, key=lambda c: c.unit)

    def _sibling_list(self, best: Candidate, question: str, scope: Scope) -> Draft | None:
        """For "những lĩnh vực nào…": the sections under the heading that names the list."""
        parent = best.chunk.headings[:-1]
        if not parent:
            return None
        folded = scope.lang == "vi-nodiacritics"
        q = set(question_terms(question, folded, self._ignore(scope, folded)))
        toks = terms(parent[-1], folded)
        label_terms = set(toks + bigrams(toks))
        weights = {t: self.stats.idf(t, folded) for t in q}
        cover = sum(w for t, w in weights.items() if t in label_terms) / (
            sum(weights.values()) or 1
        )
        probe = Chunk(
            id="",
            file=best.chunk.file,
            start=0,
            end=0,
            text="",
            index_text="",
            headings=parent,
            province=best.chunk.province,
        )
        siblings = self._children(probe)
        if cover < 0.4 or len(siblings) < 3:
            return None
        lines, citations = [], []
        for n, child in enumerate(siblings[:12], start=1):
            lines.append(f"- {child.headings[len(parent)]} [{n}]")
            citations.append(cite(n, child, child.units[:1], self.docs))
        lead = self._lead(probe, scope.lang)
        return Draft("\n".join([lead, *lines]), citations)

    def _children(self, chunk: Chunk) -> list[Chunk]:
        """The first chunk of each section directly below ``chunk``'s, in document order."""
        n = len(chunk.headings)
        out: dict[str, Chunk] = {}
        for c in self.chunks:
            if c.file == chunk.file and len(c.headings) > n and c.headings[:n] == chunk.headings:
                out.setdefault(c.headings[n], c)
        return list(out.values())

    def _list_units(self, best: Candidate) -> list[Candidate]:
        """The best unit with the rest of its paragraph or the bullets that follow it."""
        units = best.chunk.units
        same_block = [i for i, u in enumerate(units) if u.block == best.block]
        idx = (
            same_block
            if len(same_block) > 1
            else list(range(best.unit, min(len(units), best.unit + 8)))
        )
        idx = [i for i in idx if i >= best.unit or len(same_block) > 1][:10]
        return [Candidate(best.passage, best.chunk, i, best.score) for i in idx]

    def _compare(self, files: list[str], cands: list[Candidate], scope: Scope) -> Draft:
        """Each document's best unit, for the same target year on every side."""

        def best_for(f: str, year: int | None) -> Candidate | None:
            pool = [c for c in cands if c.chunk.file == f and c.score >= MIN_SCORE * 0.8]
            if year is not None:
                pool = [c for c in pool if year in c.target_years]
            # Comparisons are about figures: a unit stating one wins over a general aim.
            pool.sort(key=lambda c: -c.score * (1.2 if numbers(c.text) else 1.0))
            return pool[0] if pool else None

        rows: list[tuple[Candidate, int | None]] = []
        if scope.years:
            rows = [(c, None) for f in files if (c := best_for(f, None))]
        else:
            tops = {f: best_for(f, None) for f in files}
            years_by_side = [
                {
                    y
                    for c in cands
                    if c.chunk.file == f and c.score >= 0.7 * tops[f].score
                    for y in c.target_years
                }
                for f in files
            ]
            common = sorted(set.intersection(*years_by_side)) if years_by_side else []
            for y in common[:2]:
                rows += [(c, y) for f in files if (c := best_for(f, y))]
            if not rows:  # no shared year: each side as it is, its year said
                rows = [(tops[f], None) for f in files]
        lines, citations = [], []
        for n, (c, y) in enumerate(rows, start=1):
            when = y or max(c.target_years, default=None)
            label = self._doc_name(c.chunk) + (f" (năm {when})" if when else "")
            lines.append(f"- {label}: {c.text} [{n}]")
            citations.append(self._citation(n, [c]))
        head = (
            "So sánh theo các văn bản:"
            if scope.lang != "en"
            else "Comparison (quoted from the documents):"
        )
        same_year = len({y for _, y in rows}) == 1
        note = (
            _percent_note([c.text for c, _ in rows], [self._doc_name(c.chunk) for c, _ in rows])
            if same_year
            else ""
        )
        text = "\n".join([head, *lines] + ([note] if note else []))
        return Draft(text, citations)

    def _doc_name(self, chunk: Chunk) -> str:
        meta = self.docs.get(chunk.file)
        if meta and meta.province == NATIONAL:
            return (
                "Mẫu nghị quyết (Bộ TT&TT)"
                if "mẫu" in " ".join(chunk.headings).lower()
                or any("mẫu" in p.kind.lower() for p in meta.parts)
                else "Trung ương"
            )
        return chunk.province or chunk.file

    def _lead(self, chunk: Chunk, lang: str) -> str:
        meta = self.docs.get(chunk.file)
        doc = meta.main.title if meta and meta.main.title else chunk.title or chunk.file
        where = " › ".join(chunk.headings[-2:])
        if lang == "en":
            return (
                f"According to “{doc}” ({chunk.province}), section “{where}” "
                "(quoted in Vietnamese):"
            )
        return f"Theo “{doc}” ({chunk.province}), mục “{where}”:"

    def _citation(self, marker: int, units: list[Candidate]) -> Citation:
        chunk = units[0].chunk
        return cite(marker, chunk, [chunk.units[u.unit] for u in units], self.docs)


def _answered_elsewhere(cands: list[Candidate], scope: Scope) -> bool:
    """A figure is asked; the metric is stated for another province or year, and what the
    asked one says matches far worse ("tỷ trọng kinh tế số trong từng ngành" asked of a province
    that only sets a GRDP share): its best unit is a near miss, not the answer."""
    if not scope.files or len(scope.files) > 1:
        return False
    best = cands[0]
    other = max(
        (
            c.coverage
            for c in cands
            if c.chunk.file not in scope.files
            or (scope.years and c.target_years and not c.target_years & set(scope.years))
        ),
        default=0.0,
    )
    return other >= 0.6 and best.coverage < _NEAR_MISS * other


def _coverage(weights: dict[str, float], own: set[str], head: set[str]) -> float:
    """Share of the question's weight a unit covers; its heading path counts half."""
    total = sum(weights.values()) or 1.0
    return sum(w if t in own else 0.5 * w if t in head else 0.0 for t, w in weights.items()) / total


def _concept_fit(concepts: list[set[str]], have: set[str]) -> float:
    """0.5 when a translated multi-word term is mostly missing from the unit, else 1."""
    for pairs in concepts:
        if pairs and len(pairs & have) / len(pairs) < 0.5:
            return 0.5
    return 1.0


def _percent_note(texts: list[str], names: list[str]) -> str:
    """'Cùng mức 30%' or the gap in percentage points, when each side states one percent."""
    values = []
    for t in texts:
        found = _PERCENT.findall(t)
        if len(found) != 1:
            return ""  # several figures in a sentence: which to compare is not clear
        values.append(float(found[0].replace(",", ".")))
    if len(set(values)) == 1:
        v = texts[0] and _PERCENT.findall(texts[0])[0]
        return f"→ Các bên đặt cùng mức {v}% (chênh lệch 0 điểm phần trăm)."
    gap = f"{max(values) - min(values):g}".replace(".", ",")
    each = ", ".join(f"{n}: {v:g}%".replace(".", ",") for n, v in zip(names, values, strict=True))
    return f"→ Chênh lệch {gap} điểm phần trăm ({each})."
