"""The parts of a two-part question ("… bao nhiêu và ai chủ trì?"): each part's best unit
when the units chosen for the whole miss it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.answering.features import Candidate
from assistant.question.intent import Intent
from assistant.question.scope import Scope, named_documents
from kernel.text import numbers, years

if TYPE_CHECKING:
    from assistant.answering.extractive import Extractor

NEAR = 0.8  # a unit this likely relative to another is nearly as likely


def part_units(
    extractor: Extractor,
    question: str,
    scope: Scope,
    intent: Intent,
    chosen: list[Candidate],
    threshold: float,
) -> list[Candidate]:
    """For a two-part question, each part's best unit when the chosen ones miss it."""
    if not intent.parts:
        return []
    # A part naming a document of its own ("mục tiêu … của nghị quyết …, kết quả … ghi
    # trong kế hoạch …") is answered from that document.
    given = {c.chunk.file for c in chosen}
    named = {
        part: {f for _, f, _ in named_documents(part, extractor.corpus.docs, scope.files)}
        for part in intent.parts
    }
    elsewhere = any(files and not files & given for files in named.values())
    if intent.figure and figures(chosen) >= len(intent.parts) and not elsewhere:
        return []  # a row or sentence stating as many figures as asked answers each part
    have = {(c.chunk.id, c.unit_no) for c in chosen}
    extra: list[Candidate] = []
    passages_of = {c.chunk.id for c in chosen}
    for part in intent.parts:
        sub = extractor.score(question, scope, intent, [], None, text=part)
        if named[part]:
            sub.cands = [c for c in sub.cands if c.chunk.file in named[part]]
        # A unit already given may answer this part too ("… bao nhiêu và ai chủ trì?" of
        # a table row that names its lead agency): nothing to add then.
        top = max((c.p for c in sub.cands), default=0.0)
        if any(
            c.p >= max(threshold, NEAR * top) and (c.chunk.id, c.unit_no) in have for c in sub.cands
        ):
            continue
        pool = [
            c
            for c in sub.cands
            if (not scope.files or c.chunk.file in scope.files)
            and (c.chunk.id in passages_of or c.p >= threshold)
        ]
        if pool and (pool[0].chunk.id, pool[0].unit_no) not in have:
            best = pool[0]
            if best.p >= threshold * NEAR:
                have.add((best.chunk.id, best.unit_no))
                extra.append(best)
    return extra


def figures(chosen: list[Candidate]) -> int:
    """How many figures the chosen units state (years aside)."""
    return sum(
        len([n for n in numbers(c.text) if n not in {str(y) for y in years(c.text)}])
        for c in chosen
    )
