"""Chat shorthand read as the documents write it.

Officials type in a chat box the way they text: "bn" for "bao nhiêu", "DVCTT" for "dịch vụ
công trực tuyến", "TH" for Thanh Hóa. A word the corpus never uses cannot match a passage,
so before a question is interpreted:

- the shorthand words of ``cues.toml`` (general chat Vietnamese, not topics) are spelled out;
- an upper-case initialism is read as the phrase of the corpus whose syllables start with
  those letters, when the corpus writes that phrase out more often than it abbreviates it
  and no other reading comes close (the corpus defines the abbreviations: none is listed);
- a two-letter one is a province when exactly one province with documents in the index has
  those initials, the corpus names the province more often than it writes the letters ("QN"
  is Quảng Ngãi while no Quảng Ninh document is indexed), and they are not a document kind's
  code followed by a number ("UBND KH" is Khánh Hòa, "KH năm 2026" a plan); typed in
  lower case in a message without diacritics, only where a chat message places its
  province (first, or after a place word: "tỉnh", "UBND tỉnh", "TP");
- a two-syllable province name contracted to its first letter and last syllable ("qngai",
  "Q.Ngãi", "hduong", as headlines and chats write them) is that province, when no other
  province with documents contracts the same way and the corpus has no such word ("khoa"
  is a word, not Khánh Hòa).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache

from assistant.question.numerals import spoken_numbers
from kernel.gazetteer import ends_with_place_word, plain_name
from kernel.text import fold, has_diacritics, syllables
from kernel.types import Chunk
from kernel.vocabulary import cues, vocabulary

# A word standing alone (not part of a code such as "312/KH-UBND").
_TOKEN = re.compile(r"(?<![\w/-])([^\W\d_]{2,6})(?![\w/-])")
# A province contracted to its first letter and last syllable: "qngai", "Q.Ngãi", "H. Dương".
_CONTRACTED = re.compile(r"(?<![\w/.-])([^\W\d_])(?:\.\s?)?([^\W\d_]{2,6})(?![\w/-])")
# What makes two letters a document's code: a number after them ("KH 27", "KH năm 2026").
_NUMBERED = re.compile(r"\s*(?:(?:số|năm)\s*)?\d", re.IGNORECASE)
MIN_COUNT = 2  # a phrase seen once is no evidence of an abbreviation
DOMINANCE = 2.0  # … and it must be this many times likelier than the next reading


def _before_initials(text: str) -> bool:
    """Whether ``text`` ends where a province's initials go: a place word ("tỉnh") or a word
    of ``cues.toml`` ("của", "UBND", "còn")."""
    if ends_with_place_word(text):
        return True
    last = fold(text).split()[-1:]
    return bool(last) and last[0] in _initials_placed_after()


@cache
def _initials_placed_after() -> frozenset[str]:
    """The words of ``cues.toml`` after which two capitals are a province (folded)."""
    return frozenset(fold(w) for w in cues().before_initials)


def _initials(words: list[str]) -> str:
    return "".join(fold(w[0]) for w in words).upper()


class Shorthand:
    """Spells out a question's shorthand from what the corpus ``chunks`` write."""

    def __init__(self, chunks: list[Chunk], provinces: list[str]) -> None:
        self._phrases: dict[str, Counter[str]] = defaultdict(Counter)
        self._upper: Counter[str] = Counter()  # the corpus's own abbreviations ("UBND")
        words: set[str] = set()  # the corpus's syllables, folded
        for c in chunks:
            for u in c.units:
                words.update(fold(w) for w in syllables(u.text))
                self._upper.update(
                    fold(m.group(1)).upper()
                    for m in _TOKEN.finditer(u.text)
                    if m.group(1).isupper()
                )
                run: list[str] = []
                for w in [*syllables(u.text), "0"]:  # a number ends a run of words
                    if w.isalpha():
                        run.append(w)
                        continue
                    for n in range(2, 7):
                        for i in range(len(run) - n + 1):
                            gram = run[i : i + n]
                            self._phrases[_initials(gram)][" ".join(gram)] += 1
                    run = []
        # A document kind's code ("KH" of "312/KH-UBND") next to a number is that code.
        self._codes = {fold(c).upper() for k in vocabulary().document_kinds for c in k.codes}
        by_initials: dict[str, set[str]] = defaultdict(set)
        contracted: dict[str, set[str]] = defaultdict(set)
        for p in provinces:
            parts = syllables(p)
            if len(parts) == 2:
                by_initials[_initials(parts)].add(p)
                contracted[fold(parts[0][0] + parts[1])].add(p)
        self._provinces = {k: next(iter(v)) for k, v in by_initials.items() if len(v) == 1}
        self._contracted = {
            k: next(iter(v)) for k, v in contracted.items() if len(v) == 1 and k not in words
        }
        self._names = set(self._provinces.values()) | set(self._contracted.values())
        self._spelled: dict[str, str] = {}  # passage text → with its abbreviations read

    def reading(self, token: str, numbered: bool = False) -> str | None:
        """What an upper-case ``token`` stands for, when the corpus writes it out more often
        than it abbreviates it (None: as written). ``numbered``: a number follows it (a
        document kind's code then: "KH 27", "KH năm 2026")."""
        key = fold(token).upper()
        own = self._upper[key]
        if len(key) == 2:  # two letters are too many things ("CV", "DN"): a province only
            name = self._provinces.get(key)
            if name is None or (numbered and key in self._codes):
                return None
            return name if DOMINANCE * own < self._phrases[key][name.lower()] else None
        ranked = self._phrases.get(key, Counter()).most_common(2)
        if not ranked or ranked[0][1] < max(MIN_COUNT, DOMINANCE * own):
            return None
        if len(ranked) > 1 and ranked[0][1] < DOMINANCE * ranked[1][1]:
            return None
        return ranked[0][0]

    def spell_initialisms(self, text: str) -> str:
        """``text`` with each abbreviation of three letters or more that the corpus mostly
        writes out ("TTHC") followed by the phrase it stands for: a passage abbreviating what
        a question spells out (or the question's expansion of it) still shares its words."""
        # Every question scores the same passages again: each is spelled once.
        if text not in self._spelled:
            self._spelled[text] = _TOKEN.sub(self._with_reading, text)
        return self._spelled[text]

    def _with_reading(self, m: re.Match[str]) -> str:
        word = m.group(1)
        if len(word) < 3 or not word.isupper():
            return word
        reading = self.reading(word)
        return word if reading is None else f"{word} ({reading})"

    def expand(self, question: str) -> str:
        """``question`` with its shorthand spelled out (unchanged when it has none), without
        diacritics when it was typed without them (it is then matched folded); numbers
        spoken as words are written in digits."""
        question = spoken_numbers(question)
        plain = not has_diacritics(question)
        table = cues().shorthand

        def written(words: str, name: bool = False) -> str:
            if not plain:
                return words
            return plain_name(words) if name else fold(words)

        def spelled(m: re.Match[str]) -> str:
            word = m.group(1)
            if word in table:
                return written(table[word])
            # Typed in lower case (a chat message without marks), two letters are a province
            # where the message puts its place: first ("qn 2030 ty trong ktso …") or after a
            # place word ("ubnd tinh kh"); elsewhere they are many things ("hd" hướng dẫn).
            placed = (
                plain
                and len(word) == 2
                and (m.start() == 0 or ends_with_place_word(m.string[: m.start()]))
            )
            if not (word.isupper() or (word.islower() and placed)):
                return word
            # Capitals that are also a document's code name a province only where a province
            # goes: "NQ của KH", "UBND KH", first; "lập KH tập huấn" is a plan.
            if (
                word.isupper()
                and len(word) == 2
                and fold(word).upper() in self._codes
                and not (m.start() == 0 or _before_initials(m.string[: m.start()]))
            ):
                return word
            reading = self.reading(word, bool(_NUMBERED.match(m.string, m.end())))
            return word if reading is None else written(reading, reading in self._names)

        def province(m: re.Match[str]) -> str:
            name = self._contracted.get(fold(m.group(1) + m.group(2)).lower())
            return m.group(0) if name is None else written(name, True)

        return _TOKEN.sub(spelled, _CONTRACTED.sub(province, question))
