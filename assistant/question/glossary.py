"""English → Vietnamese terms of the digital-transformation domain, for English questions.

The documents are Vietnamese; an English question is searched with the Vietnamese terms
its phrases stand for (the dense model is multilingual, BM25 is not). The terms live in
``kernel/glossary.toml``.
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
    return r"\s+".join(
        re.escape(w)
        + ((_PLURAL if document else _ENDING) if len(w) >= 4 and w[-1].isalpha() else "")
        for w in words
    )


def vietnamese_terms(question: str) -> list[str]:
    """Vietnamese terms for the English phrases of ``question``, longest phrases first."""
    found: list[str] = []
    text = question
    for pattern, vi in _patterns():
        if pattern.search(text):
            found.append(vi)
            text = pattern.sub(" ", text)
    return found
