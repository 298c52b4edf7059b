"""Chat shorthand read as the documents write it.

Officials type in a chat box the way they text: "bn" for "bao nhiêu", "DVCTT" for "dịch vụ
công trực tuyến", "TH" for Thanh Hóa. A word the corpus never uses cannot match a passage,
so before a question is interpreted:

- the shorthand words of ``cues.toml`` (general chat Vietnamese, not topics) are spelled out;
- an upper-case initialism is read as the phrase of the corpus whose syllables start with
  those letters, when the corpus writes that phrase out more often than it abbreviates it
  and no other reading comes close (the corpus defines the abbreviations: none is listed);
- a two-letter one is a province when exactly one province with documents in the index has
  those initials, they are no document kind's code ("KH" of "312/KH-UBND" stays as written)
  and the corpus names the province more often than it writes the letters ("QN" is Quảng
  Ngãi while no Quảng Ninh document is indexed).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from kernel.gazetteer import plain_name
from kernel.text import fold, has_diacritics
from kernel.types import Chunk
from kernel.vocabulary import cues, vocabulary

_WORD = re.compile(r"[^\W\d_]+")
_CLAUSE = re.compile(r"[,.;:()\"“”!?\n/–-]+")
_INITIALISM = re.compile(r"(?<![\w/-])([A-ZĐ]{2,6})(?![\w/-])")
MIN_COUNT = 2  # a phrase seen once is no evidence of an abbreviation
DOMINANCE = 2.0  # … and it must be this many times likelier than the next reading


def _initials(words: list[str]) -> str:
    return "".join(fold(w[0]) for w in words).upper()


class Shorthand:
    """Spells out a question's shorthand from what the corpus ``chunks`` write."""

    def __init__(self, chunks: list[Chunk], provinces: list[str]) -> None:
        self._phrases: dict[str, Counter[str]] = defaultdict(Counter)
        self._upper: Counter[str] = Counter()  # the corpus's own abbreviations ("UBND")
        for c in chunks:
            for u in c.units:
                for clause in _CLAUSE.split(u.text):
                    words = _WORD.findall(clause)
                    self._upper.update(fold(w).upper() for w in words if len(w) > 1 and w.isupper())
                    for n in range(2, 7):
                        for i in range(len(words) - n + 1):
                            gram = words[i : i + n]
                            self._phrases[_initials(gram)][" ".join(gram).lower()] += 1
        # A document kind's code ("KH" of "312/KH-UBND") is read as the code it is.
        self._codes = {fold(c).upper() for k in vocabulary().document_kinds for c in k.codes}
        by_initials: dict[str, set[str]] = defaultdict(set)
        for p in provinces:
            words = _WORD.findall(p)
            if len(words) == 2:
                by_initials[_initials(words)].add(p)
        self._provinces = {k: next(iter(v)) for k, v in by_initials.items() if len(v) == 1}
        self._names = set(self._provinces.values())
        words = cues().shorthand
        self._short = (
            re.compile(
                r"(?<!\w)("
                + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                + r")(?!\w)"
            )
            if words
            else None
        )

    def reading(self, token: str) -> str | None:
        """What an upper-case ``token`` stands for, when the corpus writes it out more often
        than it abbreviates it (None: as written)."""
        key = fold(token).upper()
        own = self._upper[key]
        if len(key) == 2:  # two letters are too many things ("CV", "DN"): a province only
            name = self._provinces.get(key)
            if name is None or key in self._codes:
                return None
            return name if DOMINANCE * own < self._phrases[key][name.lower()] else None
        ranked = self._phrases.get(key, Counter()).most_common(2)
        if not ranked or ranked[0][1] < max(MIN_COUNT, DOMINANCE * own):
            return None
        if len(ranked) > 1 and ranked[0][1] < DOMINANCE * ranked[1][1]:
            return None
        return ranked[0][0]

    def expand(self, question: str) -> str:
        """``question`` with its shorthand spelled out (unchanged when it has none), without
        diacritics when it was typed without them (it is then matched folded)."""
        plain = not has_diacritics(question)

        def written(words: str, name: bool = False) -> str:
            if not plain:
                return words
            return plain_name(words) if name else fold(words)

        text = question
        if self._short is not None:
            table = cues().shorthand
            text = self._short.sub(lambda m: written(table[m.group(1)]), text)

        def initialism(m: re.Match[str]) -> str:
            reading = self.reading(m.group(1))
            return m.group(1) if reading is None else written(reading, reading in self._names)

        return _INITIALISM.sub(initialism, text)
