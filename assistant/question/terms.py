"""The content words of a question and how much each weighs (IDF over the corpus units).

Vietnamese words are mostly two syllables, so terms are syllables plus syllable pairs,
as written or folded (no diacritics) for questions typed without accents.
"""

from __future__ import annotations

import math
from collections import Counter

from kernel.text import STOPWORDS, STOPWORDS_FOLDED, bigrams, fold, folded_syllables, syllables
from kernel.types import Chunk


class UnitStats:
    """Document frequencies of terms over every unit of the corpus (for IDF weights)."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.df_written: Counter[str] = Counter()
        self.df_folded: Counter[str] = Counter()
        self.n = 0
        for c in chunks:
            for u in c.units:
                self.n += 1
                w = syllables(u.text)
                f = [fold(x) for x in w]
                self.df_written.update(set(w + bigrams(w)))
                self.df_folded.update(set(f + bigrams(f)))

    def df(self, term: str, folded: bool) -> int:
        """How many units hold ``term``."""
        return (self.df_folded if folded else self.df_written)[term]

    def idf(self, term: str, folded: bool) -> float:
        df = (self.df_folded if folded else self.df_written)[term]
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))


def terms(text: str, folded: bool) -> list[str]:
    return folded_syllables(text) if folded else syllables(text)


def question_terms(text: str, folded: bool, ignore: set[str]) -> list[str]:
    """Content syllables and syllable pairs of a question (no stopwords, places or years)."""
    stop = STOPWORDS_FOLDED if folded else STOPWORDS
    toks = [t for t in terms(text, folded) if t not in ignore]
    pairs = [b for b in bigrams(toks) if not any(p in stop or p.isdigit() for p in b.split("_"))]
    singles = [t for t in toks if t not in stop and not t.isdigit()]
    return list(dict.fromkeys(singles + pairs))
