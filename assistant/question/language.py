"""The language a question is written in: Vietnamese (with or without diacritics), English,
or another language the documents cannot answer in."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from kernel.text import fold, has_diacritics
from kernel.types import Lang

# English words that are not also Vietnamese syllables typed without accents ("the" = thế,
# "an" = an toàn, "to" = tổ are left out): two of them make a question English.
_EN_WORDS = re.compile(
    r"\b(what|which|who|whom|how|does|did|is|are|of|by|for|target|targets|share|when|where|"
    r"list|compare|many|much|this|that|these|and|with|from|has|had|have|was|were|should|must|"
    r"will|would|its|their|digital|resolution|province|provincial|before|after|into|about)\b",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[^\W\d_]+")
# A Vietnamese syllable, folded: onset, vowels, and one of the codas Vietnamese allows.
_VI_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnpqrstvx])?[aeiouy]+(?:ng|nh|ch|[cmnpt])?"
)


def _foreign_script(question: str) -> bool:
    """Most letters outside the Latin script (Chinese, Russian, Arabic, Thai, …)."""
    letters = [ch for ch in question if ch.isalpha()]
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    return bool(letters) and latin < 0.5 * len(letters)


# A Latin-script question is another language only when the identifier is this sure and it
# has this many words: Vietnamese typed without diacritics scores at most ~0.7 for some
# other language (tl, ace, bcl), French, Spanish or German questions above 0.99.
OTHER_LANGUAGE_P = 0.9
OTHER_LANGUAGE_MIN_WORDS = 4


@cache
def _identifier():
    """py3langid's character n-gram model (97 languages; it ships in the package)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def _other_latin_language(question: str) -> bool:
    """French, Spanish, German, …: a language the documents cannot answer in."""
    if len(re.findall(r"[^\W\d_]{2,}", question)) < OTHER_LANGUAGE_MIN_WORDS:
        return False
    # Every word a Vietnamese syllable: Vietnamese typed without diacritics, whatever the
    # identifier says ("Quang Ngai dat muc tieu nang suat …" reads as Acehnese to it).
    words = [w for w in _LETTERS.findall(question) if not w.isupper()]
    if words and all(_VI_SYLLABLE.fullmatch(fold(w)) for w in words):
        return False
    lang, p = _identifier().classify(question)
    return lang not in ("vi", "en") and p >= OTHER_LANGUAGE_P


def detect_lang(question: str) -> Lang:
    """``vi``, ``vi-nodiacritics``, ``en``, or ``other`` for a question in another language."""
    if _foreign_script(question) or _other_latin_language(question):
        return "other"
    english = len({w.lower() for w in _EN_WORDS.findall(question)})
    # An English question may still name a province with its diacritics (Hải Dương).
    if english >= 3 or (english >= 2 and not has_diacritics(question)):
        return "en"
    # Words no Vietnamese syllable spells ("give", "summary", "overall", "goal"): most of
    # the question's words are English even where few are in the list above.
    words = [w for w in _LETTERS.findall(question) if not w.isupper()]
    foreign = [w for w in words if not _VI_SYLLABLE.fullmatch(fold(w))]
    if len(foreign) >= 3 and len(foreign) >= 0.4 * len(words):
        return "en"
    return "vi" if has_diacritics(question) else "vi-nodiacritics"
