"""A near miss the wording gives away: the unit states the question's phrase with one of
its words swapped for another ("doanh nghiệp nhỏ và vừa sử dụng nền tảng số" where
"doanh nghiệp lớn sử dụng nền tảng số" is asked; "hồ sơ công việc cấp huyện" for "cấp
tỉnh"). Coverage misses it (one word of eight is absent); the words on both sides of the
swap, matching in order, show that the unit speaks of the same thing for another kind.
"""

from __future__ import annotations

from difflib import SequenceMatcher

FLANK = 2  # syllables that must match, in order, on each side of the swap
SWAP = 3  # the longest swap on the question's side (syllables); the unit's may be one longer
GAP = "\0"  # stands for a word that only places the question (a province, a year)


def swapped(question: list[str], unit: list[str], stop: frozenset[str]) -> bool:
    """True when ``unit`` holds the question's phrase with a short span of its content
    words replaced by other content words (no figure among them), framed on both sides by
    at least :data:`FLANK` matching syllables. Both are syllable lists, matched as given."""
    in_question, in_unit = set(question), set(unit)
    ops = SequenceMatcher(None, question, unit, autojunk=False).get_opcodes()
    for before, (tag, i1, i2, j1, j2), after in zip(ops, ops[1:], ops[2:], strict=False):
        if tag != "replace" or before[0] != "equal" or after[0] != "equal":
            continue
        if min(before[2] - before[1], after[2] - after[1]) < FLANK:
            continue
        if i2 - i1 > SWAP or j2 - j1 > SWAP + 1:
            continue
        asked = {t for t in question[i1:i2] if t not in stop and t != GAP}
        stated = {t for t in unit[j1:j2] if t not in stop}
        if (
            asked
            and stated
            and not any(t.isdigit() for t in unit[j1:j2])
            and not asked & in_unit
            and not stated & in_question
        ):
            return True
    return False
