"""Numbers spoken as words, read as the documents write them.

Officials dictate questions to a phone: "năm hai nghìn không trăm ba mươi … bao nhiêu phần
trăm" is "năm 2030 … bao nhiêu %" to a reader, and the documents write figures and years
in digits. A run of number words is read as one number (``vn_numberwords``) when it is
unmistakably a number: it has a word of magnitude ("mươi", "trăm", "nghìn" …), so that
"một số", "năm" (year) or "bốn" in "mức độ 4" stay words. "năm" before such a run is the
year word ("năm hai nghìn …"), not five.
"""

from __future__ import annotations

import re

from vn_numberwords import SouthDictionary, words_to_number
from vn_numberwords.dictionaries.base import Dictionary

from kernel.text import fold


def _words() -> tuple[frozenset[str], frozenset[str]]:
    """The digit words and the words of magnitude the library writes numbers with (northern
    and southern readings), folded: "một … chín, mốt, lăm, tư, linh, lẻ"; "mười, mươi, trăm,
    nghìn, ngàn, triệu, tỷ"."""
    digits: set[str] = set()
    magnitude: set[str] = set()
    for d in (Dictionary(), SouthDictionary()):
        digits |= set(d.TRIPLET_UNITS)
        digits |= {d.special_triplet_unit_one(), d.special_triplet_unit_four()}
        digits |= {d.special_triplet_unit_five(), d.triplet_ten_separator()}
        magnitude |= {w for tens in d.TRIPLET_TENS for w in tens.split()} - digits
        magnitude |= {d.HUNDRED} | {w for e in d.EXPONENTS for w in e.split()}
    return frozenset(map(fold, digits)), frozenset(map(fold, magnitude))


_DIGITS, _MAGNITUDE = _words()
_WORD = re.compile(r"\S+")


def _kind(word: str) -> str:
    w = fold(word.lower())
    if w in _MAGNITUDE:
        return "magnitude"
    if w in _DIGITS:
        return "digit"
    return ""


def _year_word(words: list[tuple[int, int, str]], k: int) -> bool:
    """``words[k]`` is "năm" before a number that starts with a digit ("năm hai nghìn")."""
    return (
        k + 1 < len(words)
        and fold(words[k][2].lower()) == "nam"
        and _kind(words[k + 1][2]) == "digit"
    )


def _percent(words: list[tuple[int, int, str]], k: int) -> bool:
    """``words[k]`` is the "trăm" of "phần trăm" (a percent, not a hundred)."""
    return k > 0 and fold(words[k][2].lower()) == "tram" and fold(words[k - 1][2].lower()) == "phan"


def spoken_numbers(text: str) -> str:
    """``text`` with each spoken number written in digits ("tám mươi phần trăm" → "80%")."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    out, last, i = [], 0, 0
    while i < len(words):
        if _year_word(words, i):
            i += 1  # the year word: "năm hai nghìn …"
            continue
        j = i
        while j < len(words) and _kind(words[j][2]) and not _percent(words, j):
            j += 1
            if _year_word(words, j):  # "tháng mười hai | năm hai nghìn …"
                break
        run = words[i:j]
        if len(run) >= 2 and any(_kind(w) == "magnitude" for *_, w in run):
            value = words_to_number(" ".join(w for *_, w in run))
            if value:
                out += [text[last : run[0][0]], str(value)]
                last = run[-1][1]
        i = max(j, i + 1)
    out.append(text[last:])
    return re.sub(r"(\d)\s+(?:phần trăm|phan tram)\b", r"\1%", "".join(out))
