"""Follow-up questions: "còn năm 2030 thì sao?", "Khánh Hòa thì sao?" against the history.

An elliptical question takes what it lacks from the last complete question of the
conversation: its topic when it names only a new province or year, or its province and
year when it names only a new topic ("thế còn về kinh tế số?"). A question with a topic of
its own and a province or document of its own is a new question, whatever came before.

History is Gradio's messages format (``{"role", "content"}`` dicts) or ``(user, assistant)``
pairs; anything malformed in it is ignored, not fatal.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from assistant.question.intent import YEAR as _YEAR
from assistant.question.intent import (
    Intent,
    spans,
    topic_text,
    topic_words,
    understand_intent,
    without,
)
from assistant.question.language import detect_lang
from assistant.question.places import as_former, named_former, without_former_markers
from assistant.question.scope import national_mention
from kernel.gazetteer import find_mentions, find_provinces, plain_name
from kernel.text import DOC_NUMBER, fold, folded_syllables, has_diacritics, nfc
from kernel.vocabulary import cues, vocabulary

# "16-NQ/TU", "312/KH-UBND", "46-CV/BCSĐ": the whole number.


def user_turns(history: Any, max_turns: int = 10) -> list[str]:
    """The user's earlier questions, oldest first; malformed entries are skipped."""
    return _turns(history, "user", max_turns)


def _turns(history: Any, role: str, max_turns: int) -> list[str]:
    out: list[str] = []
    if not isinstance(history, list | tuple):
        return out
    for item in history:
        text = None
        if isinstance(item, dict) and item.get("role") == role:
            text = item.get("content")
        elif isinstance(item, list | tuple) and len(item) == 2:
            text = item[0 if role == "user" else 1]
        if isinstance(text, list):  # Gradio multimodal content parts
            text = " ".join(
                p["text"] for p in text if isinstance(p, dict) and isinstance(p.get("text"), str)
            )
        if isinstance(text, str) and text.strip():
            out.append(nfc(text.strip())[:2000])
    return out[-max_turns:] if max_turns > 0 else []


def _doc_numbers(text: str) -> list[str]:
    return [m.group(0) for m in DOC_NUMBER.finditer(text)]


def _names_a_document(question: str) -> bool:
    return bool(find_provinces(question) or DOC_NUMBER.search(question))


def is_follow_up(question: str) -> bool:
    """True when ``question`` leans on an earlier one: a follow-up wording with little topic
    of its own, or no topic at all. A question naming its own province or document and
    its own topic stands alone."""
    topic = len(set(topic_words(question)))
    cue = bool(spans(question, cues().intents["follow_up"]))
    if _names_a_document(question):
        return topic < 3 and (cue or topic == 0)
    if spans(question, cues().intents["refers_back"]):
        return True  # "ai ký văn bản đó?": its document is the one talked about
    # "đến 2030 thì cấp xã bao nhiêu?": a new year with a word or two asks the last again.
    return topic == 0 or (cue and topic <= 4) or (bool(_YEAR.search(question)) and topic <= 2)


def resolve(question: str, history: Any, max_turns: int = 10) -> str:
    """The question to answer: a follow-up is rewritten into a complete question."""
    turns = user_turns(history, max_turns)
    if not turns:
        return question
    base = next((t for t in reversed(turns) if not is_follow_up(t)), turns[0])
    for later in turns[turns.index(base) + 1 :]:  # earlier follow-ups refine the base
        base = _merge(base, later)
    c = cues()
    answers = _turns(history, "assistant", 1)
    if not is_follow_up(question):
        # A question of its own that names no province or document is still asked in the
        # conversation: it stays on the province and document being talked about — for a
        # fact of a document ("ai ký, chức vụ gì?"), the one the last answer quoted.
        if _names_a_document(question):
            return question
        # (Unless it names a kind of document or an issuer of its own: "thế nghị quyết gốc
        # của Tỉnh ủy thì ai ký?" after an answer quoting a dispatch.)
        fact = any(spans(question, phrases) for phrases in c.facts.values())
        own = _without_documents(question) != question
        quoted = _doc_numbers(answers[-1]) if answers and fact and not own else []
        return _placed(question, base, quoted)
    if (
        spans(question, c.intents["source"])
        # "nguồn ở đâu, văn bản nào?" is answered by the last answer's frame; "ai ký?" is not.
        and not any(spans(question, phrases) for phrases in c.facts.values())
        and not _names_a_document(question)
        and len(set(topic_words(question))) <= 4
    ):
        # "Con số này lấy ở đâu, mục nào?", "where is that stated?": the last question again;
        # its answer names the document, section and passage it comes from.
        return base
    # The documents the last answer quoted ("ai ký văn bản đó?"): a new topic stays on them.
    documents = _doc_numbers(answers[-1]) if answers else []
    return _merge(base, question, documents)


def _year_word(text: str) -> str:
    """ "năm" as ``text`` spells it: "nam" in a question typed without diacritics ("năm" would
    make the whole question read as written with them), "in" in an English one."""
    if detect_lang(text) == "en":
        return "in"
    return "năm" if has_diacritics(text) else "nam"


def _spelled(names: list[str], text: str, source: str = "") -> list[str]:
    """Province ``names`` as ``text`` spells words: folded in a question typed without
    diacritics ("Thanh Hóa" would make "con … thi sao" read as written, its cues unmatched),
    in title case, as a name is typed so ("Hue": lower-case "hue" names no province). A name
    ``source`` marks as before the 2025 merger keeps its mark ("Hải Dương (cũ)")."""
    former = set(named_former(source))
    return [
        as_former(n, text) if n in former else n if has_diacritics(text) else plain_name(n)
        for n in names
    ]


def _numbers_spelled(numbers: list[str], text: str) -> list[str]:
    """Document ``numbers`` (each once) as ``text`` spells words: without diacritics in a
    question typed without them ("2418/QD-UBND"), so it is still read as typed so."""
    once = list(dict.fromkeys(numbers))
    return once if has_diacritics(text) else [fold(n).upper() for n in once]


def _placed(question: str, base: str, documents: list[str] | tuple[str, ...] = ()) -> str:
    """``question`` with the provinces and document numbers ``base`` names, or else the
    ``documents`` given (not its years: a new question's year is its own — unless it is
    worded as a follow-up and names none: "Còn nhiệm vụ học bạ số thì ai chủ trì?" after a
    question on the 2027 plan is asked of that plan)."""
    numbers = _doc_numbers(base) or list(documents)
    extra = [*_spelled(find_provinces(base), question, base), *_numbers_spelled(numbers, question)]
    if spans(question, cues().intents["follow_up"]) and not _YEAR.search(question):
        extra += [f"{_year_word(question)} {m.group(1)}" for m in _YEAR.finditer(base)]
    if not extra:
        return question
    return re.sub(r"\s+", " ", " ".join([question.rstrip(" ?.!"), *extra])).strip() + "?"


def _merge(base: str, follow: str, documents: list[str] | tuple[str, ...] = ()) -> str:
    """``base`` with what ``follow`` names anew: places, years, a document, or a new topic."""
    base, documents, rest = _with_document_of(base, follow, documents)
    rest = without_former_markers(rest)  # "(cũ)" goes with its name, not the topic
    places = find_provinces(follow)
    years = [m.group(1) for m in _YEAR.finditer(follow)]
    topic = set(topic_words(rest))
    c = cues()
    # A follow-up naming a kind of document ("còn kế hoạch năm 2027 thì …"): its words
    # without the document's; empty when it names none.
    bare = _without_documents(follow)
    own_document = bare if bare != follow else ""
    if (
        spans(follow, c.intents["refers_back"])
        # "thế tỷ lệ dân số dùng smartphone lúc đó?" has a topic of its own; "còn kế hoạch năm
        # 2027 thì UBND tỉnh giao chỉ tiêu này bao nhiêu?" names only a document and a year.
        and not DOC_NUMBER.search(follow)
        and not any(spans(follow, phrases) for phrases in c.facts.values())
        and (
            (len(topic) <= 2 and not (places or years))
            or (own_document and len(set(topic_words(own_document))) <= 2)
        )
    ):
        # "Who leads that, and by when?", "Việc đó do cơ quan nào chủ trì?": a new aspect
        # (who, when, how much) of what was just asked — the follow-up's words on the base's
        # topic, and its place, year and document unless it names its own. (A document
        # fact, "ai ký văn bản đó?", asks about the document, not the topic: below.)
        text = without(follow, c.intents["follow_up"]).rstrip(" ?.!")
        if own_document:  # its own document, not the base's nor the last answer's; the
            # topic first, so "… bao nhiêu" still ends the question
            return _in_scope(
                f"{_topic(base)} {text}",
                "",
                places or find_provinces(base),
                years,
                [],
                follow if places else base,
            )
        return _in_scope(f"{text} {_topic(base)}", base, [], [], documents, base)
    # "Còn mốc 2030 thì sao?", "con giai doan den 2030?": a new year or place with a word
    # or two around it asks the base question again for them; more words are a new topic.
    if topic and not ((places or years) and len(topic) <= 2):
        # A new topic for the same place, year and document: the follow-up's words, the
        # base's scope.
        text = without(follow, c.intents["follow_up"])
        return _in_scope(text, base, places, years, documents, follow if places else base)
    text = base
    if places:
        text = without_former_markers(text)
        for m in reversed(find_mentions(text)):
            text = text[: m.start] + " " + text[m.end :]
        text = text.rstrip(" ?.!") + " " + " ".join(_spelled(places, base, follow))
    if years:
        year_word = f" {_year_word(base)} "
        text = _YEAR.sub(" ", text).rstrip(" ?.!") + year_word + year_word.join(years)
    if topic:  # "đến 2030 thì cấp xã bao nhiêu?": the word or two that narrow it stay
        text = text.rstrip(" ?.!") + " " + " ".join(topic_words(without_former_markers(follow)))
    return re.sub(r"\s+", " ", text).strip()


def _document_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` names a document by its kind, with the number after it ("báo cáo 418",
    "Nghị quyết số 37/NQ-HĐND", "Resolution 37"), or by its number alone ("28/KH-UBND")."""
    folded = fold(text)  # same length as ``text`` (NFC)
    names = "|".join(k.named.pattern for k in vocabulary().document_kinds)
    kinds = re.finditer(rf"(?:{names})(?:\s+(?:so\s*)?\d+(?:[/-][\w/-]*\w)?)?", folded)
    found = [m.span() for m in kinds]
    found += [
        m.span() for m in DOC_NUMBER.finditer(text) if not any(a <= m.start() < b for a, b in found)
    ]
    return sorted(found)


# A kind of document pointed back at or asked for, not named: "báo cáo đó", "kế hoạch
# nào", "which plan", "that resolution" (folded; "do" not before "ai": "quyết định do ai ký").
_POINTED_AFTER = re.compile(r"\s+(?:do(?!\s+ai)|nay|ay|tren|(?:nam\s+)?nao|gi|so may)\b")
_POINTED_BEFORE = re.compile(r"\b(?:which|what|that|this|its|same)\s+$")


def _pointing(text: str, start: int, end: int) -> bool:
    folded = fold(text)
    return bool(
        not re.search(r"\d", text[start:end])
        and (_POINTED_AFTER.match(folded, end) or _POINTED_BEFORE.search(folded[:start]))
    )


def _with_document_of(
    base: str, follow: str, documents: list[str] | tuple[str, ...]
) -> tuple[str, list[str] | tuple[str, ...], str]:
    """``base`` asked of the document ``follow`` names instead of its own ("nghị quyết 37 do
    ai ký" + "thế còn báo cáo 418 thì ai ký?" asks who signed report 418), and no longer of
    the documents the last answer quoted. A follow-up naming the base's kind again without a
    number ("còn nghị quyết đó …") stays on the base's document. Also returns ``follow``
    without the document it names (what is left of its topic)."""
    own = [(a, b) for a, b in _document_spans(follow) if not _pointing(follow, a, b)]
    if not own:
        return base, documents, follow
    named = [follow[a:b] for a, b in own]
    theirs = _document_spans(base)
    kinds = {fold(base[a:b]).split()[0] for a, b in theirs}
    if not any(re.search(r"\d", n) for n in named) and {fold(n).split()[0] for n in named} <= kinds:
        return base, documents, follow
    # The follow-up's words without its document's: its topic, if it has one.
    rest = "".join(" " if any(a <= i < b for a, b in own) else ch for i, ch in enumerate(follow))
    if not theirs:
        return f"{base.rstrip(' ?.!')} {' '.join(named)}", [], rest
    (a, b), others = theirs[0], theirs[1:]
    out = base[:a] + " ".join(named) + base[b:]
    for x, y in reversed(others):  # offsets after the first are shifted by the replacement
        shift = len(" ".join(named)) - (b - a)
        out = out[: x + shift] + out[y + shift :]
    return re.sub(r"\s+", " ", out).strip(), [], rest


def _without_documents(text: str) -> str:
    """``text`` without the words naming a kind of document or an issuer ("kế hoạch", "Ủy
    ban nhân dân tỉnh"): they say which document, not what about."""
    folded = fold(text)  # same length as ``text`` (NFC): marks go, letters stay
    patterns = [k.mention for k in vocabulary().document_kinds]
    patterns += [b.mention for b in vocabulary().issuing_bodies]
    chars = list(text)
    for pattern in patterns:
        for m in pattern.finditer(folded):
            chars[m.start() : m.end()] = " " * (m.end() - m.start())
    return "".join(chars)


def _topic(text: str) -> str:
    """The topic words of ``text`` as written, without the marks of former provinces."""
    return topic_text(without_former_markers(text))


def _in_scope(
    text: str,
    base: str,
    places: list[str],
    years: list[str],
    documents: list[str] | tuple[str, ...],
    marks: str = "",
) -> str:
    """``text`` asked of the places and years it names, else of the base's, and of the base's
    documents (or those the last answer quoted) when it names none. ``marks``: the question
    whose marks of former provinces the places keep ("Hải Dương (cũ)")."""
    keep_places = places or find_provinces(base)
    keep_years = years or [m.group(1) for m in _YEAR.finditer(base)]
    extra = _spelled([p for p in keep_places if p not in find_provinces(text)], text, marks)
    if not keep_places and not national_mention(text) and (named := national_mention(base)):
        # "công văn gửi kèm mẫu đó do ai ký?" after a question on the ministry's template:
        # the national document stays the one talked about, as a province would.
        extra.append(named)
    if not DOC_NUMBER.search(text):
        extra += _numbers_spelled([*_doc_numbers(base), *documents], text)
    extra += [f"{_year_word(text)} {y}" for y in keep_years if y not in text]
    return re.sub(r"\s+", " ", " ".join([text.rstrip(" ?.!"), *extra])).strip() + "?"


def asked_as_before(intent: Intent, last_question: str) -> Intent:
    """A follow-up that asks nothing of its own kind ("What about its PAPI and SIPAS indices
    that year?", "còn về hạ tầng số?") asks what the last question asked: a figure, a list,
    who or when."""
    if any(getattr(intent, k) for k in (*_ASKED, "compare", "facts")) or not last_question:
        return intent
    base = understand_intent(last_question)
    asked = {k: getattr(base, k) for k in _ASKED}
    return replace(intent, **asked, measure=intent.measure or base.measure)


# The kinds of answer a follow-up takes from the last question when it asks none itself.
_ASKED = ("figure", "summary", "listing", "rank", "baseline", "target", "when", "owner")


def folded_topic(question: str) -> set[str]:
    """Folded topic words, for comparing two questions' topics."""
    return {t for w in topic_words(question) for t in folded_syllables(w)}
