"""Whether a unit speaks of the place a question asks: a district, a former province, a
level of government. A feature of the unit scorer and the near-miss note of a refusal."""

from __future__ import annotations

import re

from assistant.question.places import FORMER
from assistant.question.scope import Scope, levels_of
from kernel.text import fold
from kernel.types import Chunk

_WORDS = re.compile(r"[^\W_]+")


def _words(text: str) -> str:
    """``text`` as its lower-case words between spaces (a phrase is found as " a b ")."""
    return f" {' '.join(_WORDS.findall(text.lower()))} "


def missing_places(chunk: Chunk, unit_no: int, scope: Scope) -> list[str]:
    """The places below the province the question names that the unit does not speak of (in
    its text, its headings or as its document's province: the resolution of Hải Dương speaks
    of "Hải Dương (cũ)" throughout), and the levels of government it asks when the unit names
    others only ("cấp xã" where it gives "cấp tỉnh")."""
    own = chunk.province
    if chunk.file in scope.before_merger:  # the 2021 resolution's Khánh Hòa is "Khánh Hòa (cũ)"
        own = f"{own} {FORMER}"
    said = fold(" ".join([chunk.units[unit_no].text, *chunk.headings, own]))
    # Word by word, punctuation aside: "Gia Lai cũ" is said by "Tỉnh Gia Lai (cũ)".
    missing = [p for p in scope.local_places if _words(fold(p)) not in _words(said)]
    stated = levels_of(said)
    if scope.levels and stated and not stated & set(scope.levels):
        missing += [f"cấp {level}" for level in scope.levels]
    return missing
