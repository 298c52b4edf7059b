"""The sides of a comparison: one best unit per province (or document) a question names, or
per year it names; and whether a unit is only a section's title."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answering.features import SENTENCE_END, Candidate, has_figure, year_context
from assistant.question.intent import Intent
from assistant.question.scope import Scope
from kernel.types import Chunk


def is_title(chunk: Chunk, text: str) -> bool:
    """Whether ``text`` is the line of one of the chunk's headings (a title states nothing)."""
    return any(titles(text, h) for h in chunk.headings)


def titles(text: str, heading: str) -> bool:
    """Whether ``text`` is the line of ``heading``."""
    t = text.rstrip(":").strip()
    label = heading.rstrip(":").strip()
    if t == label:
        return True
    # A long title is labelled cut short ("3. Huy động nguồn lực … yêu cầu chuyển…");
    # its line, ending without a sentence mark, is still the title.
    if label.endswith("…") and t.startswith(label[:-1]) and not SENTENCE_END.search(t):
        return True
    # A title cut at its first full stop into units ("Bảng 1." / "Các chỉ tiêu … năm
    # 2026"): each piece is still the title.
    pieces = label.split(". ")
    return len(pieces) >= 2 and t in {*(p + "." for p in pieces[:-1]), pieces[-1]}


def sides(
    scope: Scope,
    intent: Intent,
    inside: list[Candidate],
    similar: Callable[[Candidate, Candidate], float],
) -> list[Candidate]:
    """One best unit per province the question names (a comparison), same year; per
    document when it compares documents of one province."""
    if len(scope.provinces) >= 2:
        side = lambda c: c.chunk.province  # noqa: E731
        order = scope.provinces
    elif intent.compare and len(scope.files) >= 2 and len(scope.year_files) < 2:
        # (years tied to documents are compared year by year: see year_sides)
        side = lambda c: c.chunk.file  # noqa: E731
        order = scope.files
    else:
        return []
    by_side: dict[str, list[Candidate]] = {}
    for c in inside:
        # A title announces a side's content; it states nothing to compare.
        # Each side the question names shows its best unit, even a weak one (marked as
        # the closest passage when it is): leaving a named side out reads as "it says
        # nothing", and a weak score is often only another wording ("nằm trong nhóm 25
        # … đứng đầu" for "lọt vào nhóm … dẫn đầu").
        if not is_title(c.chunk, c.unit.text):
            by_side.setdefault(side(c), []).append(c)
    if len(by_side) < 2:
        return []
    if not scope.years and intent.figure:  # no year asked: the latest every side states
        common = set.intersection(
            *[
                {y for c in cs for y in year_context(c.chunk, c.unit_no) if y > 2020}
                for cs in by_side.values()
            ]
        )
        if common:
            y = max(common)
            for s, cs in by_side.items():
                # Another year's figure gives way; a unit about no year ("chi tối thiểu
                # 1% ngân sách") is about every year.
                fit = [
                    c
                    for c in cs
                    if y in (ctx := {v for v in year_context(c.chunk, c.unit_no) if v > 2020})
                    or not ctx
                ]
                by_side[s] = fit or cs
    groups = [by_side[s] for s in order if s in by_side]
    if intent.figure:  # one figure a side: of one indicator
        return agree(groups, similar)
    picked = []
    for best, *rest in groups:
        picked.append(best)
        # What a side says, not one figure: a second unit of it.
        more = [c for c in rest if c.chunk.id == best.chunk.id and c.p >= CLOSE_TO_BEST * best.p]
        picked += more[:1]
    return picked


# A side's unit within this share of its best one's probability is as likely an answer: the
# one closest in meaning to the surest side is chosen, so every side states one indicator.
CLOSE_TO_BEST = 0.5


def agree(
    groups: list[list[Candidate]], similar: Callable[[Candidate, Candidate], float]
) -> list[Candidate]:
    """One unit of each group (a side's candidates, best first): the surest side's best, and
    for every other side, of its near-best units the one most like that (a plan's "chữ ký số"
    row, not its "kỹ năng số" row, beside a resolution's "chữ ký số" goal)."""
    anchor = max((g[0] for g in groups), key=lambda c: c.p)
    out = []
    for g in groups:
        if g[0] is anchor:
            out.append(anchor)
            continue
        near = [c for c in g if c.p >= CLOSE_TO_BEST * g[0].p]
        out.append(max(near, key=lambda c: similar(c, anchor)))
    return out


def year_sides(
    scope: Scope,
    inside: list[Candidate],
    everywhere: list[Candidate],
    threshold: float,
    for_year: Callable[[int, list[Candidate]], list[Candidate]],
    period: Callable[[Candidate], str],
    similar: Callable[[Candidate, Candidate], float],
    figure: bool = False,
) -> list[Candidate]:
    """A question naming two years or more ("kế hoạch 2026 so với mục tiêu 2030") of one
    province: the best unit of each year, each scored as if the question asked for that
    year alone (``for_year`` rescores copies), so a plan's 2026 row is weighed as the
    answer for 2026, not as a unit of another year. Empty when one unit states them all,
    or a year has no likely unit. One side must be likely (``threshold``); the others need
    only be their year's best and plausible (a plan's table row scores lower than a
    resolution's sentence); a weak one is shown as the closest passage. A figure asked is
    each side's: a unit stating none ("Căn cứ Nghị quyết số 112/NQ-HĐND … năm 2026") is no
    year's answer."""
    asked = sorted(set(scope.years))
    if len(asked) < 2 or not inside:
        return []
    province = inside[0].chunk.province

    def pool(cands: list[Candidate], y: int) -> list[Candidate]:
        # A year the question ties to a document is that document's.
        own = scope.year_files.get(y)
        return [
            c
            for c in cands
            if c.chunk.province == province
            and (own is None or c.chunk.file == own)
            and not is_title(c.chunk, c.unit.text)
            and y in year_context(c.chunk, c.unit_no, period(c))
            and (not figure or has_figure(c.unit.text))
        ]

    groups: list[list[Candidate]] = []
    for y in asked:
        # A year the named document does not cover may be another document's of the same
        # province ("năm 2026 của kế hoạch, còn nghị quyết đặt cho 2030?").
        fit = pool(inside, y) or pool(everywhere, y)
        scored = for_year(y, fit)
        if not scored or scored[0].p < threshold * 0.25:
            return []
        for c in scored:
            c.year = y
        groups.append(scored)
    picked: list[Candidate] = []
    for best in agree(groups, similar):
        if all((best.chunk.id, best.unit_no) != (c.chunk.id, c.unit_no) for c in picked):
            picked.append(best)
    # Two years alone may be a period ("giai đoạn 2026 - 2030"); two years each tied to a
    # document of its own ask for both figures.
    paired = len(set(scope.year_files.values())) >= 2
    if len(picked) < 2 or (max(c.p for c in picked) < threshold and not paired):
        return []
    return picked
