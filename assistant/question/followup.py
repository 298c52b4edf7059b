"""Follow-up questions: "còn năm 2030 thì sao?", "thế còn Khánh Hòa?" against the history.

A follow-up keeps the topic of the last full question and replaces what it names anew
(province, year). History is Gradio's messages format (``{"role", "content"}`` dicts) or
``(user, assistant)`` pairs; anything malformed in it is ignored, not fatal.
"""

from __future__ import annotations

import re
from typing import Any

from kernel.gazetteer import find_provinces
from kernel.text import STOPWORDS_FOLDED, fold, folded_syllables, nfc

_FOLLOW_UP = re.compile(
    r"^(con|the con|vay con|con voi|con o|con tinh|con nam|con doi voi|what about|how about|"
    r"and for|and in|and what about|same for|va)\b"
)
_YEAR = re.compile(r"\b(?:năm\s+|nam\s+)?20[2-4]\d\b", re.IGNORECASE)


def user_turns(history: Any, max_turns: int = 10) -> list[str]:
    """The user's earlier questions, oldest first; malformed entries are skipped."""
    out: list[str] = []
    if not isinstance(history, list | tuple):
        return out
    for item in history:
        text = None
        if isinstance(item, dict) and item.get("role") == "user":
            text = item.get("content")
        elif isinstance(item, list | tuple) and len(item) == 2:
            text = item[0]
        if isinstance(text, list):  # Gradio multimodal content parts
            text = " ".join(
                p["text"] for p in text if isinstance(p, dict) and isinstance(p.get("text"), str)
            )
        if isinstance(text, str) and text.strip():
            out.append(nfc(text.strip())[:2000])
    return out[-max_turns:]


def _topic_words(text: str) -> list[str]:
    names = {t for n in find_provinces(text) for t in folded_syllables(n)}
    return [
        t
        for t in folded_syllables(_YEAR.sub(" ", text))
        if t not in STOPWORDS_FOLDED and t not in names and t not in {"thi", "sao", "con", "about"}
    ]


def is_follow_up(question: str) -> bool:
    """A question that names a new place or year but no topic of its own."""
    q = fold(question).strip()
    return (
        bool(_FOLLOW_UP.match(q))
        and len(_topic_words(question)) <= 2
        or len(_topic_words(question)) == 0
    )


def _remove_spans(text: str, names: list[str]) -> str:
    """Remove province mentions (with or without diacritics) from ``text``."""
    folded = fold(text)  # same length as NFC text: one base letter per letter
    for name in names:
        for m in list(re.finditer(re.escape(fold(name)), folded))[::-1]:
            text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    return re.sub(r"\s+", " ", text).strip()


def resolve(question: str, history: Any) -> str:
    """The question to answer: a follow-up is rewritten into a full question."""
    turns = user_turns(history)
    if not turns or not is_follow_up(question):
        return question
    base = next((t for t in reversed(turns) if not is_follow_up(t)), turns[-1])
    for t in turns[turns.index(base) + 1 :]:  # earlier follow-ups refine the base too
        base = _merge(base, t)
    return _merge(base, question)


def _merge(base: str, follow: str) -> str:
    new_places = find_provinces(follow)
    new_years = re.findall(r"20[2-4]\d", follow)
    text = base
    if new_places:
        text = _remove_spans(text, find_provinces(base)) + " " + " ".join(new_places)
    if new_years:
        text = _YEAR.sub(" ", text).strip() + " " + " ".join(new_years)
    return re.sub(r"\s+", " ", text).strip()
