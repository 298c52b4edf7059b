"""The shape of an answer follows the question's intent.

- a figure or a fact: the unit(s) holding it (a sentence cut at ";" goes on to its end,
  unless the rest turns to another year); a two-part question: each part's best unit;
- a list, a summary, talking points, a "what / how" question: the most relevant units of
  the best-matching section, in document order under its heading, up to a small budget;
  when the best match only announces what follows ("… như sau:"), what follows;
- a comparison: one cited line per document (province) on the same year.
Answers stay short: a handful of bullets, each one cited.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from assistant.answering.agencies import led_items
from assistant.answering.bullets import announces, fill, lines_of, rest_of_block
from assistant.answering.citations import cite, common_path, passage, runs
from assistant.answering.features import (
    Candidate,
    coverage,
    furniture,
    heading_words,
    item_units,
    year_context,
)
from assistant.answering.parts import NEAR, part_units
from assistant.answering.sections import named_share, singled_out
from assistant.answering.sides import is_title, titles, year_sides
from assistant.answering.sides import sides as find_sides
from assistant.question.intent import Intent
from assistant.question.scope import Scope
from ingest.chunking import numbering_style, shown_row
from kernel.text import TIME, years
from kernel.types import NATIONAL, Chunk, Draft

if TYPE_CHECKING:
    from assistant.answering.extractive import Extractor, Scored
    from assistant.answering.sections import Section
    from assistant.retrieval.corpus import Corpus

MAX_BULLETS = 6  # a list answer: at most this many units
MAX_CHARS = 1000  # … and about this many characters
ROW_ALONE = 0.5  # a table row answers alone when no other row of its table is half as likely
MAX_SENTENCE = 600  # a sentence cut at ";" is completed up to this many characters


class Composer:
    """Builds the answer text and its citations from scored candidates."""

    def __init__(self, corpus: Corpus, extractor: Extractor) -> None:
        self.corpus = corpus
        self.extractor = extractor

    def listing(self, section: Section, scope: Scope, intent: Intent) -> Draft:
        """The section's most relevant units, in document order, under its heading; for a
        section made of sections ("5. Một số lĩnh vực cần ưu tiên" › 5.1 …, 5.2 …), its
        outline: what it announces and the titles of the sections it holds."""
        outline = self._outline(section.path, section.chunks)
        units = section.units
        if outline and section.outline:  # reached from its sections: their list answers
            return self._render(outline, scope)
        if outline:
            # "những tồn tại, hạn chế nào?" › "2.1. Tồn tại, hạn chế", "2.2. Nguyên nhân": a
            # sub-section whose own title answers is the one to give, not the outline.
            child = _singled([c for c in outline if not announces(c)], scope)
            if child is None:  # none, or several ("các lĩnh vực nào?"): the outline
                return self._render(outline, scope)
            path = child.chunk.headings[: len(section.path) + 1]
            units = [c for c in section.units if c.chunk.headings[: len(path)] == path]
        # The lines of a header block ("TỈNH ỦY KHÁNH HÒA"), a table's header row list nothing.
        pool = [c for c in units if not is_title(c.chunk, c.unit.text) and not furniture(c)]
        led = led_items(pool, intent, MAX_CHARS)
        if led:
            return self._render(led, scope)
        keep: list[Candidate] = []
        size = 0
        for c in sorted(pool, key=lambda c: -c.p):
            if len(keep) >= MAX_BULLETS:
                break
            if keep and size + len(c.text) > MAX_CHARS:
                continue
            keep.append(c)
            size += len(c.text)
        if intent.summary:
            keep = fill(keep, pool)
        keep.sort(key=lambda c: (c.chunk.start, c.unit_no))
        return self._render(keep or units[:1], scope)

    def _outline(self, path: tuple[str, ...], chunks: list[Chunk]) -> list[Candidate]:
        """The unit announcing the list of the section at ``path`` (if any) and the title
        unit of each section directly below it, in document order (empty when fewer than
        two). ``chunks``: the section's, in document order."""
        depth = len(path)
        named: dict[str, Candidate] = {}
        intro: list[Candidate] = []
        for c in chunks:
            if len(c.headings) == depth:
                intro += [
                    self.candidate(c, k)
                    for k, u in enumerate(c.units)
                    if not is_title(c, u.text) and u.text.rstrip().endswith(":")
                ][:1]
                continue
            label = c.headings[depth].rstrip(":").strip()
            if label in named:
                continue
            for k, u in enumerate(c.units):
                if titles(u.text, c.headings[depth]):  # its line, also when cut short
                    named[label] = self.candidate(c, k)
                    break
        if len(named) < 2:
            return []
        return intro[:1] + list(named.values())

    def answer(
        self, question: str, scope: Scope, intent: Intent, scored: Scored, inside: list[Candidate]
    ) -> Draft:
        threshold = self.extractor.scorer.threshold if self.extractor.scorer else 0.5
        best = inside[0]
        sides = find_sides(scope, intent, inside, self._similar)
        if len({c.chunk.file for c in sides}) >= 2:
            return self._compare(sides, scope, dated=intent.figure or bool(scope.years))
        by_year = year_sides(
            scope,
            inside,
            scored.cands,
            threshold,
            partial(self._for_year, scope, intent, scored),
            self._period,
            self._similar,
            figure=intent.figure,
        )
        if by_year:
            return self._compare(by_year, scope, dated=True)
        outline = self._outline_under(best) if intent.listing else []
        if intent.listing and not outline:
            outline = self._sibling_outline(best, inside[:6], scored)
        if outline:
            # A sub-section whose own title answers is given instead of the outline.
            titles = (
                outline[1:] if not is_title(outline[0].chunk, outline[0].unit.text) else outline
            )
            self.extractor.rescore(scored, titles, scope, intent)
            child = _singled(titles, scope)
            if child is not None:
                best, outline = child, []
        if outline:
            chosen = outline
        elif intent.listing and not intent.summary and _row_stands_out(best, inside, threshold):
            # "… thay đổi thế nào?" of one indicator: its table row, not the table.
            chosen = self._with_neighbours(best, inside, threshold)
        elif (
            intent.listing
            or is_title(best.chunk, best.unit.text)  # a heading: its content answers
            or (announces(best) and not rest_of_block(best))
        ):
            chosen = self._complete_lists(
                self._section_units(best, scope, intent, scored, threshold), scope
            )
        else:
            chosen = self._with_neighbours(best, inside, threshold)
            chosen = self._complete(chosen, scope)
            chosen += part_units(self.extractor, question, scope, intent, chosen, threshold)
        return self._render(chosen, scope)

    # -- choosing units --------------------------------------------------------------------
    def _with_neighbours(
        self, best: Candidate, cands: list[Candidate], threshold: float
    ) -> list[Candidate]:
        """The best unit and a close neighbour that is nearly as likely (one more at most)."""
        near = [
            c
            for c in cands[1:6]
            if c.chunk.id == best.chunk.id
            and abs(c.unit_no - best.unit_no) <= 2
            and c.p >= max(threshold, NEAR * best.p)
        ]
        return sorted([best, *near[:1]], key=lambda c: c.unit_no)

    def _complete_lists(self, chosen: list[Candidate], scope: Scope) -> list[Candidate]:
        """A unit announcing a list in its own sentence ("… các lĩnh vực: Y tế; Giáo dục; …")
        is quoted with the list: the announcement alone answers nothing."""
        if not any(announces(c) and rest_of_block(c) for c in chosen):
            return chosen
        return self._complete(chosen, scope, lists_only=True)

    def _complete(
        self, chosen: list[Candidate], scope: Scope, lists_only: bool = False
    ) -> list[Candidate]:
        """A unit cut at ";" is quoted with the rest of its sentence, before and after it
        (back to the clause announcing its list), unless that turns to another year ("… 2025
        nhóm 20; đến năm 2030 nhóm 15", asked for 2025, stops at ";"); a unit ending in ":"
        with the list it announces; a list item's unit with the rest of the item.
        ``lists_only``: only the latter."""
        out = list(chosen)
        have = {(c.chunk.id, c.unit_no) for c in out}
        for c in chosen:
            units = c.chunk.units
            allowed = set(scope.years) | set(years(c.text))
            size = len(c.text)

            k = c.unit_no
            if lists_only and not (announces(c) and rest_of_block(c)):
                continue
            # A list item is one point: its other sentences ("Cơ quan chủ trì: …; thời hạn:
            # …") belong to it as a sentence's other clauses do, before and after.
            item = not lists_only and bool(item_units(units, k, nested=True))

            def fits(
                k: int, size: int, units=units, allowed=allowed, block=c.unit.block, item=item
            ) -> bool:
                u = units[k]
                # An item's deadline ("thời gian hoàn thành: … năm học 2025 – 2026") is its
                # schedule, not a target of another year.
                schedule = item and TIME.search(u.text) is not None and "%" not in u.text
                return (
                    u.block == block
                    and size + len(u.text) <= MAX_SENTENCE
                    and (schedule or not set(years(u.text)) - allowed)
                )

            # … and a clause of a list announced in its sentence ("Tổng kinh phí … 386,5 tỷ
            # đồng, trong đó: ngân sách tỉnh …;") with the announcement.
            while (
                not lists_only
                and k > 0
                and (item or units[k - 1].text.rstrip().endswith((";", ":")))
                and fits(k - 1, size)
            ):
                k -= 1
                size += len(units[k].text)
                if (c.chunk.id, k) not in have:
                    have.add((c.chunk.id, k))
                    out.append(self.candidate(c.chunk, k, c.p))
                if not item and units[k].text.rstrip().endswith(":"):
                    break
            k = c.unit_no
            while (
                (item or units[k].text.rstrip().endswith((";", ":")))
                and k + 1 < len(units)
                and fits(k + 1, size)
            ):
                k += 1
                size += len(units[k].text)
                if (c.chunk.id, k) not in have:
                    have.add((c.chunk.id, k))
                    out.append(self.candidate(c.chunk, k, c.p))
        return sorted(out, key=lambda c: (c.chunk.file, c.chunk.start, c.unit_no))

    def _section_units(
        self, best: Candidate, scope: Scope, intent: Intent, scored: Scored, threshold: float
    ) -> list[Candidate]:
        """The most relevant units of ``best``'s section (or of what it announces), in
        document order, within the budget."""
        chunks = self._section_chunks(best)
        # As in a listing: a table's header row, a header block's lines list nothing.
        units = [self.candidate(c, k, 0.0) for c in chunks for k, u in enumerate(c.units)]
        pool = [c for c in units if not is_title(c.chunk, c.unit.text) and not furniture(c)]
        if not pool:
            return [best]
        self.extractor.rescore(scored, pool, scope, intent)
        led = led_items(pool, intent, MAX_CHARS)
        if led:
            return led
        if len(pool) <= MAX_BULLETS and sum(len(c.text) for c in pool) <= MAX_CHARS:
            # A short section is given whole: "what must be done" is all of its items, and
            # the ones that share few words with the question are no less part of it.
            return sorted(pool, key=lambda c: (c.chunk.start, c.unit_no))
        # The unit announcing the list is context, not an item: keep it only if it answers.
        # The best unit's passage is cited anyway: its other items cost no precision and
        # "what must be done" is seldom one bullet, so they fill the budget without a floor;
        # another passage of the section comes in only when its unit is likely enough.
        ranked = sorted(pool, key=lambda c: -c.p)
        floor = max(threshold * 0.5, 0.25 * ranked[0].p)
        keep: list[Candidate] = []
        size = 0
        for c in ranked:
            if len(keep) >= MAX_BULLETS:
                break
            if keep and c.p < floor and c.chunk.id != ranked[0].chunk.id:
                continue
            if keep and size + len(c.text) > MAX_CHARS:
                continue
            keep.append(c)
            size += len(c.text)
        if intent.summary:
            keep = fill(keep, pool)
        return sorted(keep, key=lambda c: (c.chunk.start, c.unit_no))

    def _outline_under(self, best: Candidate) -> list[Candidate]:
        """When the best match is the title of a section made of sections, its outline; also
        when it is an untitled item numbered like those sections ("i) Các nhiệm vụ, giải
        pháp khác …" after "a) Chuyển đổi nhận thức" … "h) …"): a sibling of theirs."""
        c = best.chunk
        title = is_title(c, best.unit.text)
        style = None if title else numbering_style(best.unit.text)
        if not c.headings or (not title and style is None):
            return []  # decided before the corpus is scanned: this runs on every listing
        path = tuple(c.headings)
        chunks = [
            x
            for x in self.corpus.chunks
            if x.file == c.file and tuple(x.headings[: len(path)]) == path
        ]
        below = {numbering_style(x.headings[len(path)]) for x in chunks if x.headings != c.headings}
        if not title and style not in below:
            return []
        return self._outline(path, chunks)

    def _sibling_outline(
        self, best: Candidate, top: list[Candidate], scored: Scored
    ) -> list[Candidate]:
        """When the best candidates sit in three sibling sections or more — their titles
        ("Khánh Hòa chọn những lĩnh vực nào …?" matches "5.5. … lĩnh vực nông nghiệp",
        "5.2. … lĩnh vực du lịch" alike), or their content while the heading above them is
        what the question names ("những nhóm nhiệm vụ … tạo nền móng chuyển đổi số" over
        "a) Chuyển đổi nhận thức", "d) Phát triển dữ liệu", …) — the question asks for the
        list they make: the outline of the section above them."""
        c = best.chunk
        if len(c.headings) < 2:
            return []
        parent = tuple(c.headings[:-1])
        near = [
            x
            for x in top
            if x.chunk.file == c.file
            and len(x.chunk.headings) == len(c.headings)
            and tuple(x.chunk.headings[:-1]) == parent
        ]
        titles = {x.chunk.headings[-1] for x in near if is_title(x.chunk, x.unit.text)}
        spread = {x.chunk.headings[-1] for x in near}
        qt = scored.qt
        named = len(spread) >= 3 and coverage(
            qt.in_corpus, heading_words(parent[-1], qt.folded)
        ) > max(coverage(qt.in_corpus, heading_words(h, qt.folded)) for h in spread)
        if not (is_title(c, best.unit.text) and len(titles) >= 3) and not named:
            return []
        chunks = [
            x
            for x in self.corpus.chunks
            if x.file == c.file and tuple(x.headings[: len(parent)]) == parent
        ]
        return self._outline(parent, chunks)

    def _section_chunks(self, best: Candidate) -> list[Chunk]:
        """The chunks of ``best``'s section; when ``best`` announces a list ("…:") at the end
        of its section, or is the section's only unit, the chunks of the sections below."""
        c = best.chunk
        same = [x for x in self.corpus.chunks if x.file == c.file and x.headings == c.headings]
        below = [
            x
            for x in self.corpus.chunks
            if x.file == c.file
            and len(x.headings) > len(c.headings)
            and x.headings[: len(c.headings)] == c.headings
        ]
        announcing = announces(best) and not rest_of_block(best)
        if below and (announcing or sum(len(x.units) for x in same) <= 1):
            return below
        return same

    def _for_year(
        self, scope: Scope, intent: Intent, scored: Scored, year: int, cands: list[Candidate]
    ) -> list[Candidate]:
        """Copies of ``cands`` scored as if the question asked for ``year`` alone, best first."""
        fresh = [Candidate(c.ref, c.chunk, c.unit_no, c.passage) for c in cands]
        self.extractor.rescore(scored, fresh, replace(scope, years=[year]), intent)
        return sorted(fresh, key=lambda c: -c.p)

    def _similar(self, a: Candidate, b: Candidate) -> float:
        return self.corpus.units.similarity(a.ref, b.ref)

    def _period(self, c: Candidate) -> str:
        meta = self.corpus.docs.get(c.chunk.file)
        return meta.main.period if meta else ""

    def candidate(self, chunk: Chunk, unit_no: int, p: float = 0.0) -> Candidate:
        ci = self.corpus.by_id.get(chunk.id, -1)
        refs = self.corpus.units.by_chunk.get(ci, [])
        ref = refs[unit_no] if unit_no < len(refs) else -1
        c = Candidate(ref, chunk, unit_no, 1000)
        c.p = p
        return c

    # -- writing -----------------------------------------------------------------------------
    def _render(self, chosen: list[Candidate], scope: Scope) -> Draft:
        # Units of adjacent passages (an outline's sections, a list running on) are cited
        # as one passage: the span they were read from, not one marker per chunk.
        citations, lines = [], []
        for n, run in enumerate(runs([c.chunk for c in chosen], self.corpus.by_id), start=1):
            by_chunk = [[c for c in chosen if c.chunk.id == x.id] for x in run]
            by_chunk = [sorted(group, key=lambda c: c.unit_no) for group in by_chunk]
            units = [c.unit for group in by_chunk for c in group]
            citations.append(cite(n, passage(run), units, self.corpus.docs))
            lines += [f"- {t} [{n}]" for group in by_chunk for t in lines_of(group)]
        first = chosen[0].chunk
        # The heading all the quoted units sit under (an outline's: the section listed).
        path = common_path([c.chunk.headings for c in chosen if c.chunk.file == first.file])
        head = self.lead(first, scope.reply_lang, path or None)
        return Draft("\n".join([head, *lines]), citations)

    def _compare(self, sides: list[Candidate], scope: Scope, dated: bool) -> Draft:
        """One cited line per side (a side's units of one passage read together); a side
        whose best unit is weak is marked as the closest passage, not as an answer."""
        weak = 0.5 * (self.extractor.scorer.threshold if self.extractor.scorer else 0.5)
        groups: dict[str, list[Candidate]] = {}
        for c in sides:
            groups.setdefault(c.chunk.id, []).append(c)
        lines, citations = [], []
        # Sides of one province in two documents (a plan's 2026 row, the resolution's 2030
        # goal) are told apart by the document.
        by_doc = (
            len({c.chunk.province for c in sides}) == 1 and len({c.chunk.file for c in sides}) > 1
        )
        for n, group in enumerate(groups.values(), start=1):
            group.sort(key=lambda c: c.unit_no)
            c = group[0]
            ys = sorted(y for g in group for y in year_context(g.chunk, g.unit_no) if y > 2020)
            # The year of a figure; what a side does ("báo cáo hằng tháng") has none.
            when = f" (năm {ys[-1]})" if dated and ys and not scope.years else ""
            if scope.years and set(scope.years) & set(ys):
                when = f" (năm {c.year or max(set(scope.years) & set(ys))})"
            said = " … ".join(g.text for g in group)
            if max(g.p for g in group) < weak:
                said += " (closest passage)" if scope.reply_lang == "en" else " (đoạn gần nhất)"
            name = self.doc_name(c.chunk)
            meta = self.corpus.docs.get(c.chunk.file)
            if by_doc and meta and meta.main.label:
                name = f"{name}, {meta.main.label}"
            lines.append(f"- {name}{when}: {said} [{n}]")
            citations.append(cite(n, c.chunk, [g.unit for g in group], self.corpus.docs))
        head = "Comparison (quoted in Vietnamese):" if scope.reply_lang == "en" else "So sánh:"
        return Draft("\n".join([head, *lines]), citations)

    def doc_name(self, chunk: Chunk) -> str:
        """A document's short name in a comparison: its province, or the national body."""
        meta = self.corpus.docs.get(chunk.file)
        if meta and meta.province == NATIONAL:
            return meta.main.label or NATIONAL
        return chunk.province or chunk.file

    def lead(self, chunk: Chunk, lang: str, path: list[str] | None = None) -> str:
        """``Theo “<title>” (<province>, <number>), mục “<heading>”:`` (English for English
        questions; the number is what an official cites); ``path``: the heading path to name."""
        meta = self.corpus.docs.get(chunk.file)
        doc = meta.main.title if meta and meta.main.title else chunk.title or chunk.file
        where = " › ".join((path if path is not None else chunk.headings)[-2:])
        said = [x for x in (chunk.province, meta.main.number if meta else "") if x]
        place = f" ({', '.join(said)})" if said else ""
        if lang == "en":
            return f"According to “{doc}”{place}, section “{where}” (quoted in Vietnamese):"
        return f"Theo “{doc}”{place}, mục “{where}”:"


def _singled(titles: list[Candidate], scope: Scope) -> Candidate | None:
    """The one section title of an outline the question singles out ("quan điểm" of
    "1. Quan điểm chỉ đạo" beside "2. Mục tiêu đến hết năm 2026"); None when the question
    names none or several of them ("các lĩnh vực nào?": the outline answers), or names the
    section above them more fully than the one it shares a phrase with (the group "tạo nền
    móng chuyển đổi số" is not its item "a) Chuyển đổi nhận thức")."""
    texts = [c.unit.text for c in titles]
    hits = [
        c
        for k, c in enumerate(titles)
        if singled_out(c.unit.text, texts[:k] + texts[k + 1 :], scope.search_text)
    ]
    if len(hits) != 1:
        return None
    child = hits[0]
    label = child.unit.text.rstrip(":").strip()
    heads = [h.rstrip(":").strip() for h in child.chunk.headings]
    above = heads[heads.index(label) - 1] if label in heads[1:] else ""
    if above and named_share(above, scope.search_text) > named_share(label, scope.search_text):
        return None
    return child


def _row_stands_out(best: Candidate, inside: list[Candidate], threshold: float) -> bool:
    """The best unit is a likely table row and no other row of its table is nearly as likely:
    the question is about its indicator, not about the table."""
    if not (shown_row(best.unit.text) and best.p >= threshold):
        return False
    return not any(
        c.chunk.file == best.chunk.file
        and c.chunk.headings == best.chunk.headings
        and shown_row(c.unit.text)
        and c.p >= ROW_ALONE * best.p
        for c in inside[1:8]
    )
