"""Diacritics put back into a question typed without them, from the corpus's own words.

"benh an dien tu" embeds poorly: the e5 model reads it as other words. Each run of one to
three syllables of the question is written as the corpus most often writes that run once
folded ("bệnh án điện tử"); the longest run found wins, so "viet nam" becomes "việt nam"
while "nam" alone becomes "năm". Only the dense query uses this; matching stays folded.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from kernel.text import fold, syllables
from kernel.types import Chunk

LONGEST = 3  # syllables in the longest run looked up


class Accents:
    """Folded runs of syllables → the corpus's most frequent written form."""

    def __init__(self, chunks: list[Chunk]) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for c in chunks:
            words = syllables(c.text)
            folded = [fold(w) for w in words]
            for n in range(1, LONGEST + 1):
                for i in range(len(words) - n + 1):
                    counts[" ".join(folded[i : i + n])][" ".join(words[i : i + n])] += 1
        self.written = {k: v.most_common(1)[0][0] for k, v in counts.items()}

    def restore(self, text: str) -> str:
        """``text`` with each run of syllables the corpus knows written as the corpus does."""
        words = syllables(text)
        out: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(LONGEST, len(words) - i), 0, -1):
                found = self.written.get(" ".join(fold(w) for w in words[i : i + n]))
                if found is not None:
                    out.append(found)
                    i += n
                    break
            else:
                out.append(words[i])
                i += 1
        return " ".join(out)
