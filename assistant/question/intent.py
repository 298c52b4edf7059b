"""What a question asks for, computed once: a figure, a list, a comparison, a document fact…

The cue phrases come from one data file (``kernel/cues.toml``). They are matched as written
when the question carries diacritics, on folded text only when it carries none (folding
merges distinct words such as năm/nam). The filler around a request ("mình cần vài ý để phát
biểu", "cho tôi số liệu để đưa vào báo cáo") is located here so that it never counts as
content: the answerer scores passages against the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from kernel.gazetteer import find_mentions
from kernel.text import STOPWORDS, STOPWORDS_FOLDED, fold, has_diacritics, nfc
from kernel.vocabulary import cues, vocabulary

# Where a question asks a second thing: "…, và … nào?" (the second clause asks), "…; …", or
# a second sentence after a question mark ("Cơ quan nào theo dõi? Và báo cáo theo chu kỳ
# nào?"); and between two clauses that each ask a figure ("… chiếm bao nhiêu GRDP, năng
# suất lao động tăng bao nhiêu?"), or two things of one kind ("tỷ lệ A và tỷ lệ B"). Not
# at a bare comma before a clause that asks no figure ("… bao nhiêu phần trăm, sở nào chủ
# trì?": the row that states the figure names its lead agency), nor in "Hải Dương và Khánh
# Hòa, tỉnh nào cao hơn?".
_PARTS = re.compile(r",?\s+(?:và|va|and)\s+|,\s+|;\s*|\?\s+", re.I)
_ASKS = re.compile(r"\b(?:nào|nao|gì|gi|bao|ai|which|what|how)\b", re.I)


def split_parts(text: str) -> list[str]:
    """The sub-questions of ``text`` (one when it asks one thing)."""
    out: list[str] = []
    start = 0
    figure = cues().intents["figure"]
    for m in _PARTS.finditer(text):
        sep = m.group(0).strip(" ,").lower()
        if sep in {"và", "va", "and", ""}:
            before = text[start : m.start()]
            # The clause after a comma or "và" runs to the end of its sentence.
            after = re.split(r"[?;]", text[m.end() :], maxsplit=1)[0]
            asks = sep != "" and bool(_ASKS.search(after.split(",")[0]))
            # After a bare comma the next clause is the comma's ("bao nhiêu xã, phường, …").
            clause = after if sep else after.split(",")[0]
            figures = all(_ASKS.search(c) and has(c, figure) for c in (before, clause))
            head = " ".join(after.split()[:2]).lower()
            parallel = sep != "" and len(head.split()) == 2 and head in before.lower()
            if not (asks or figures or parallel):
                continue
        out.append(text[start : m.start()])
        start = m.end()
    out.append(text[start:])
    return [p.strip() for p in out if p.strip()]


@dataclass
class Intent:
    """The kinds of answer a question asks for (several may hold at once)."""

    figure: bool = False
    summary: bool = False  # a summary, a list, talking points: a section's content
    listing: bool = False  # a "what / which / how" question, or a summary
    compare: bool = False
    rank: Literal["high", "low"] | None = None
    baseline: bool = False
    target: bool = False
    when: bool = False  # a time or deadline ("hạn hoàn thành khi nào?")
    owner: bool = False  # who is in charge ("cơ quan nào chủ trì?")
    indicators: bool = False  # names targets or indicators as such ("các chỉ tiêu")
    facts: list[str] = field(default_factory=list)  # document facts asked (signer, date, …)
    follow_up_cue: bool = False  # worded like a follow-up ("còn …", "… thì sao?")
    documents: tuple[str, ...] = ()  # number codes of the document kinds asked for ("CT")
    which_document: bool = False  # asks which document, or a document's number or date
    content: str = ""  # the question without its filler phrases
    context: str = ""  # the words before a colon that ``content`` leaves out ("…: question?")
    parts: list[str] = field(default_factory=list)  # the sub-questions of a two-part question
    measure: str = ""  # what a count is of ("bao nhiêu doanh nghiệp": "doanh"), or "%"

    def as_dict(self) -> dict:
        return {
            "figure": self.figure,
            "summary": self.summary,
            "listing": self.listing,
            "compare": self.compare,
            "rank": self.rank,
            "baseline": self.baseline,
            "target": self.target,
            "when": self.when,
            "owner": self.owner,
            "facts": self.facts,
            "follow_up_cue": self.follow_up_cue,
            "which_document": self.which_document,
            "measure": self.measure,
        }


# "bao nhiêu doanh nghiệp", "mấy xã", "bao nhiêu %": the word after the question word names
# what is counted ("mấy" only as written: folded, "may" is also "máy"; "thứ mấy", "số mấy",
# "nhóm mấy" ask a rank or a number, not a count).
_MEASURE = re.compile(
    r"(?i)\b(?:bao nhiêu|bao nhieu|(?<!thứ )(?<!số )(?<!nhóm )mấy)\s+([^\W\d_]+|%)"
)


def asked_measure(question: str) -> str:
    """The first word of what a count asks for ("doanh", "tỷ", "xã"), "%" for a percentage,
    or "" when the question names none ("đạt bao nhiêu?", "thứ mấy")."""
    text = nfc(question)
    m = _MEASURE.search(text)
    if m is None:
        return ""
    # "… bao nhiêu Vĩnh Phúc?": a province a follow-up's rewriting put there is no measure.
    if any(p.start == m.start(1) for p in find_mentions(text)):
        return ""
    word = m.group(1).lower()
    if word in ("%", "phần", "phan"):  # "bao nhiêu phần trăm"
        return "%"
    if fold(word) in ("ty", "trieu", "nghin", "ngan"):  # "bao nhiêu tỷ đồng": a scale
        return word
    stop = STOPWORDS if has_diacritics(question) else STOPWORDS_FOLDED
    return "" if word in stop else word


# "những … nào" in a cue list: the two words with up to six words between them
# ("những nhóm nhiệm vụ, giải pháp nào").
_GAP = r"(?:\s+\S+){1,6}?\s+"


# An English cue word inflects ("target" → "targeted", "compare" → "compared").
_INFLECTION = re.compile(r"[a-z]{3,}")
_ENDINGS = "(?:s|es|d|ed|ing)?"


def _phrase(p: str) -> str:
    body = _GAP.join(_words(w.strip()) for w in p.split("…"))
    last = p.split()[-1] if p.split() else ""
    return body + _ENDINGS if _INFLECTION.fullmatch(last) else body


@cache
def _optional() -> str:
    """A plural or quantifier word a question may insert between a cue's words."""
    words = {f for w in cues().optional for f in (nfc(w).lower(), fold(w))}
    return rf"\s+(?:(?:{'|'.join(map(re.escape, sorted(words)))})\s+)?" if words else r"\s+"


def _words(segment: str) -> str:
    return _optional().join(re.escape(w) for w in segment.split())


def _alternation(phrases: tuple[str, ...]) -> str:
    ordered = sorted(set(phrases), key=len, reverse=True)
    return "|".join(_phrase(p) for p in ordered)


@cache
def _pattern(phrases: tuple[str, ...], folded: bool) -> re.Pattern[str]:
    forms = tuple(fold(p) for p in phrases) if folded else tuple(nfc(p).lower() for p in phrases)
    return re.compile(rf"(?<!\w)(?:{_alternation(forms)})(?!\w)")


def _form(question: str) -> tuple[str, bool]:
    """The question as matched: lower-cased as written, or folded when typed without marks.

    Both keep one character per character of the NFC question, so spans line up.
    """
    q = nfc(question)
    if has_diacritics(q):
        return q.lower(), False
    return "".join(fold(ch) if len(fold(ch)) == 1 else ch.lower() for ch in q), True


def spans(question: str, phrases: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans of the cue ``phrases`` in ``question`` (as written, or folded if unmarked)."""
    text, folded = _form(question)
    return [m.span() for m in _pattern(phrases, folded).finditer(text)]


def has(question: str, phrases: tuple[str, ...]) -> bool:
    """True when one of ``phrases`` occurs in ``question``."""
    return bool(spans(question, phrases))


def without(question: str, phrases: tuple[str, ...]) -> str:
    """``question`` with every occurrence of ``phrases`` blanked out (spaces collapsed)."""
    q = nfc(question)
    for s, e in reversed(spans(q, phrases)):
        q = q[:s] + " " + q[e:]
    return re.sub(r"\s+", " ", q).strip()


# A year as a question names it ("năm 2025", "by 2030").
YEAR = re.compile(r"\b(?:năm\s+|nam\s+|by\s+|in\s+)?(20[0-4]\d)\b", re.IGNORECASE)


def _cue_phrases() -> tuple[str, ...]:
    c = cues()
    return tuple(p for phrases in c.intents.values() for p in phrases) + c.filler


def topic_text(question: str) -> str:
    """``question`` without its places, years, cues and filler, as written ("5G" stays)."""
    text = without(question, _cue_phrases())
    for m in reversed(find_mentions(text)):
        text = text[: m.start] + " " + text[m.end :]
    return re.sub(r"\s+", " ", YEAR.sub(" ", text)).strip(" ?.!")


def topic_words(question: str) -> list[str]:
    """The words of ``question`` that name a topic: no place, year, cue, filler or stopword."""
    text = topic_text(question)
    # Folding merges words (ký/kỳ): a question with diacritics is checked as written.
    written = has_diacritics(text)
    stop = STOPWORDS if written else STOPWORDS_FOLDED
    words = [w if written else fold(w) for w in re.findall(r"[^\W\d_]+", nfc(text).lower())]
    return [w for w in words if w not in stop]


def _asked_part(text: str) -> tuple[str, str]:
    """What is asked in "context: question" ("Mình chuẩn bị bài nói chuyện ở xã, cho mình vài
    ý: Hải Dương làm gì để phát triển hạ tầng số?"): the part after the last colon, when it
    is a question of its own (three words or more, ending with "?", naming a topic of its
    own, besides the names of document kinds); the context's words ("xã", "chuẩn bị") are
    not what the answer should match. In
    "Tài khoản thanh toán điện tử năm 2025: Hải Dương và Khánh Hòa đặt chỉ tiêu bao nhiêu?"
    the part before the colon is the topic, and stays. Scope (province, year) is read
    from the whole question, not from this. Returns the asked part and the context left out
    (empty when the whole is asked); the answerer weighs whether the context holds the topic
    after all ("Tỷ lệ … thanh toán điện tử ở Bình Phước: mục tiêu năm 2025 là bao nhiêu và
    kết quả thực tế là bao nhiêu?")."""
    head, sep, tail = text.rpartition(":")
    if (
        sep
        and len(tail.split()) >= 3
        and tail.rstrip().endswith("?")
        and head.strip()
        and len(set(topic_words(tail)) - _kind_words()) >= 2
    ):
        return tail.strip(), head.strip()
    return text, ""


@cache
def _kind_words() -> frozenset[str]:
    """The words of the document kinds' names ("kế", "hoạch"): "…: kế hoạch 2026 đặt bao
    nhiêu, còn Nghị quyết …?" names documents after the colon, not a topic of its own."""
    names = " ".join(n for k in vocabulary().document_kinds for n in (k.name, *k.names))
    return frozenset(topic_words(names)) | frozenset(topic_words(fold(names)))


@cache
def _kind_questions() -> dict[str, tuple[str, ...]]:
    """Per document kind, how a question asks for one: "chỉ thị nào", "nghị quyết … nào",
    "which directive" (from the vocabulary's kinds, "văn bản" for any)."""
    out: dict[str, tuple[str, ...]] = {}
    for k in vocabulary().document_kinds:
        names = [k.name, *k.names]
        out[k.name] = tuple(
            p for n in names for p in (f"{n} nào", f"{n} … nào", f"which {n}", f"what {n}")
        )
    return out


@cache
def _numbered_kind() -> re.Pattern[str]:
    """A kind of document followed by its number ("Nghị quyết 15", "ke hoach so 28")."""
    # Folded forms too: "ke hoach 2026" typed without marks names the plan as well.
    names = sorted(
        {f for k in vocabulary().document_kinds for n in (k.name, *k.names) for f in (n, fold(n))},
        key=len,
        reverse=True,
    )
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?i)\b(?:{alternatives})\s+(?:số\s+|so\s+)?\d\S*")


# English auxiliaries: "which sectors does the resolution name" asks for sectors; the words
# between "which" and the kind's name ("which Politburo resolution") qualify the kind.
_AUXILIARIES = "does|do|did|is|are|was|were|will|would|must|should|can|has|have|had"


@cache
def _which_kind(names: tuple[str, ...]) -> re.Pattern[str]:
    """ "Which Politburo resolution …", "what earlier plan …": an English question asking
    for a document of a kind named (up to four words between, none an auxiliary)."""
    kinds = "|".join(re.escape(n) for n in names if n.isascii())
    between = rf"(?:(?!(?:{_AUXILIARIES})\b)[\w'’-]+\s+){{0,4}}?"
    return re.compile(rf"(?i)\b(?:which|what)\s+{between}(?:{kinds})s?\b")


def _asked_documents(question: str, facts: list[str]) -> tuple[tuple[str, ...], bool]:
    """The number codes of the kinds of document ``question`` asks for, and whether it asks
    which document (or a document's number, date, what it implements)."""
    c = cues()
    codes: list[str] = []
    which = bool({"number", "date", "implements"} & set(facts)) or has(
        question, c.intents["which_document"]
    )
    # A kind with its number is a document named, not asked for: in "Nghị quyết 15 nêu những
    # hạn chế nào?" the "nào" asks which limitations; in "kế hoạch … là khi nào?", a time.
    unnamed = without(_numbered_kind().sub(" ", nfc(question)), c.intents["when"])
    for k in vocabulary().document_kinds:
        if has(unnamed, _kind_questions()[k.name]) or _which_kind(k.names).search(unnamed):
            which = True
            codes += k.codes
    return tuple(dict.fromkeys(codes)), which


def understand_intent(question: str) -> Intent:
    """The intent of ``question`` (one pass over the cue lists)."""
    c = cues()
    i = c.intents
    text, _ = _form(question)
    facts = [name for name, phrases in c.facts.items() if has(question, phrases)]
    # A question about the document itself that also asks when ("số hiệu là gì và được
    # thông qua ngày nào?") asks its date, however the act of issuing is worded.
    if facts and "date" not in facts and has(question, i["when"]):
        facts.append("date")
    documents, which_document = _asked_documents(question, facts)
    intent = Intent(
        figure=has(question, i["figure"]),
        summary=has(question, i["summary"]),
        listing=has(question, i["list"]) or has(question, i["summary"]),
        compare=has(question, i["compare"]),
        baseline=has(question, i["baseline"]),
        target=has(question, i["target"]),
        when=has(question, i["when"]),
        owner=has(question, i["owner"]),
        indicators=has(question, i["indicators"]),
        facts=facts,
        documents=documents,
        which_document=which_document,
        measure=asked_measure(question),
    )
    intent.content, intent.context = _asked_part(without(question, c.filler))
    if has(question, i["rank_high"]):
        intent.rank = "high"
    elif has(question, i["rank_low"]):
        intent.rank = "low"
    first = spans(question, i["follow_up"])
    intent.follow_up_cue = bool(first) and (
        first[0][0] == 0 or text.rstrip(" ?.!").endswith(text[first[-1][0] : first[-1][1]])
    )
    parts = split_parts(intent.content)
    intent.parts = parts if len(parts) >= 2 else []
    return intent
