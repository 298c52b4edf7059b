"""English → Vietnamese terms of the digital-transformation domain, for English questions.

The documents are Vietnamese; an English question is searched with the Vietnamese terms
its phrases stand for (the dense model is multilingual, BM25 is not). The written terms
live in ``kernel/glossary.toml``; the English words they leave are looked up in a lexicon
learned from English questions and the Vietnamese passages that answer them
(``kernel/lexicon.json``, written by ``python -m evals.lexicon``).
"""

from __future__ import annotations

import re
from functools import cache

from kernel.vocabulary import glossary

# Terms that name a document or its issuer: they scope a question, they are not its topic.
DOCUMENT_TERMS = glossary().document_terms


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Longer phrases first ("model resolution" before "resolution"): a match consumes its
    words."""
    terms = glossary().terms
    return [
        (re.compile(rf"\b{_inflected(en, terms[en] in DOCUMENT_TERMS)}\b", re.I), terms[en])
        for en in sorted(terms, key=lambda en: -len(en))
    ]


_ENDING = r"[a-z]{0,4}"  # "services", "datasets" (of "data"), "ranked", "reporting"
_PLURAL = r"(?:s|es)?"  # a document's name: "plans", not "planned"


def _inflected(phrase: str, document: bool = False) -> str:
    """``phrase`` as a pattern that also matches its words' inflected or compounded forms:
    "open data" finds "open datasets", "digital signature" "digital signatures"; words of
    three letters or fewer ("IT", "app") are matched as written; a document's name only in
    the plural."""
    words = phrase.split()
    # "smart-city goal", "e-government": words joined by a hyphen are the same words.
    return r"(?:\s+|-)".join(
        re.escape(w)
        + ((_PLURAL if document else _ENDING) if len(w) >= 4 and w[-1].isalpha() else "")
        for w in words
    )


_WORD = re.compile(r"[a-z][a-z-]*[a-z]")


def english_words(text: str) -> list[str]:
    """The content words of English ``text``, lower-cased, plural endings cut
    ("centres" → "centr", "cities" → "city"), stopwords and one- or two-letter words left out."""
    stop = glossary().english_stopwords
    out: list[str] = []
    for w in _WORD.findall(text.lower()):
        if len(w) < 3 or w in stop:
            continue
        w = re.sub(r"(?<=[a-z]{3})(?:es|s)$", "", re.sub(r"ies$", "y", w))
        if w not in out:
            out.append(w)
    return out


def vietnamese_terms(question: str) -> list[str]:
    """Vietnamese terms for the English phrases of ``question``: the glossary's, longest
    phrases first, then the learned lexicon's for the words the glossary left."""
    found: list[str] = []
    text = question
    for pattern, vi in _patterns():
        if pattern.search(text):
            found.append(vi)
            text = pattern.sub(" ", text)
    have = " ".join(found)
    learned = glossary().learned
    for word in english_words(text):
        found += [vi for vi in learned.get(word, ()) if vi not in have and vi not in found]
    return found
