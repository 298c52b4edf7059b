"""Understanding a question: language, document scope (province, number, year, pillar).

Scope comes from the corpus catalog (the index's document metadata), never from names
written here; it boosts retrieval and guards answers, it never empties a result by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from assistant.question.glossary import DOCUMENT_TERMS, vietnamese_terms
from assistant.question.intent import has
from assistant.question.language import detect_lang
from assistant.question.places import (
    FORMER,
    former_parts,
    local_places,
    merger_context,
    named_former,
    named_new,
)
from kernel.gazetteer import (
    MERGED_ON,
    canonical,
    find_mentions,
    find_provinces,
    merged_into,
    renamed,
)
from kernel.text import DOC_NUMBER, fold, nfc, number_key, year_spans, years
from kernel.types import NATIONAL, FileMeta, Lang
from kernel.vocabulary import cues, vocabulary

# Folded forms, so that questions typed without diacritics are recognised too.
_NATIONAL_HINTS = re.compile(
    r"mau nghi quyet|bo tt&tt|bo tttt|bo thong tin|ban can su dang bo|\bmic\b|model resolution|"
    r"ministry of information|"
    r"template|trung uong gui|national level"
)


def national_mention(text: str) -> str:
    """How ``text`` names the national template or the ministry's letter ("mẫu nghị quyết",
    "Bộ TTTT"), as written; empty when it does not."""
    folded = fold(nfc(text))
    m = _NATIONAL_HINTS.search(folded)
    if not m:
        return ""
    # Folding keeps one character per character of an NFC text: the span reads as written.
    return nfc(text)[m.start() : m.end()] if len(folded) == len(nfc(text)) else m.group(0)


@dataclass
class Scope:
    """What a question is about, as far as the catalog can tell."""

    lang: Lang = "vi"  # of the question as understood (a follow-up: completed)
    reply_lang: Lang = "vi"  # of what the user typed: the answer's frame follows it
    provinces: list[str] = field(default_factory=list)  # named, with documents
    unknown_provinces: list[str] = field(default_factory=list)  # named, no document
    national: bool = False  # the national template / ministry dispatch is asked about
    files: list[str] = field(default_factory=list)  # corpus files in scope, in mention order
    # A year the question ties to one of two documents it names ("năm 2026 của kế hoạch …
    # so với mục tiêu 2030 của Tỉnh ủy"): that document's figure is the year's answer.
    year_files: dict[int, str] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    pillar: str | None = None
    doc_numbers: list[str] = field(default_factory=list)
    search_text: str = ""  # the question plus Vietnamese terms for an English one
    concepts: list[str] = field(default_factory=list)  # Vietnamese terms of an English question
    # Places below the province the question names ("huyện Long Mỹ", "Nha Trang city").
    local_places: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)  # "xã" for "cấp xã" (see levels_of)
    # Documents of before the merger of a province asked as it was ("Khánh Hòa (cũ)"): they
    # speak of that place throughout, under the province's name alone.
    before_merger: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "lang": self.lang,
            "reply_lang": self.reply_lang,
            "provinces": self.provinces,
            "unknown_provinces": self.unknown_provinces,
            "national": self.national,
            "files": self.files,
            "years": self.years,
            "pillar": self.pillar,
            "doc_numbers": self.doc_numbers,
            "year_files": self.year_files,
            "local_places": self.local_places,
            "levels": self.levels,
        }


_WORD = re.compile(r"\S+")


def _focus(text: str, files: list[str], docs: dict[str, FileMeta]) -> str:
    """``text`` without the words that only name its documents: the province, the document's
    kind with the words of its title that follow ("Kế hoạch chuyển đổi số 2026 - 2030 giao
    Sở Công Thương …" asks what the plan gives that department), its number. The scope
    already keeps the search on those documents; left in, these words find the passages
    that repeat the title (the decision "ban hành kèm theo … Kế hoạch …"), not the answer."""
    words = [
        (m.start(), m.end(), fold(m.group(0)).strip(".,;:?!()\"'“”")) for m in _WORD.finditer(text)
    ]
    drop: set[int] = set()
    for mention in find_mentions(text):
        drop |= {i for i, (a, b, _) in enumerate(words) if a < mention.end and b > mention.start}
    numbers = {number_key(p.number) for f in files for p in docs[f].parts if p.number}
    for m in DOC_NUMBER.finditer(text):
        if number_key(m.group(0)) in numbers:  # another document's number stays asked
            drop |= {i for i, (a, b, _) in enumerate(words) if a < m.end() and b > m.start()}
    folded = [w for _, _, w in words]
    for f in files:
        for part in docs[f].parts:
            kind = fold(part.kind).split()
            title = set(fold(part.title).replace("-", " ").split()) | {"-", ""}
            own = {_digits(part.number), *map(str, years(f"{part.title} {part.period}"))}
            if not kind:
                continue
            for i in range(len(folded) - len(kind) + 1):
                j = i + len(kind)
                if folded[i:j] != kind:
                    continue
                if j < len(folded) and folded[j] in ("so", "nam"):
                    j += 1
                if j < len(folded) and folded[j][:1].isdigit() and j not in drop:
                    if folded[j].split("/")[0] not in own:
                        continue  # "nghị quyết 57-NQ/TW": a document this one is not
                    j += 1  # "Nghị quyết 15", "Kế hoạch 2026": this one
                elif j >= len(folded) or (folded[j] not in title and j not in drop):
                    continue  # a kind alone is a word of the question too ("công văn" of two)
                while j < len(folded) and (folded[j] in title or j in drop):
                    j += 1
                drop |= set(range(i, j))
    kept = [text[a:b] for i, (a, b, _) in enumerate(words) if i not in drop]
    return " ".join(kept) if len(kept) >= 2 else text


def without_own_numbers(text: str, scope: Scope) -> str:
    """``text`` without the numbers of the documents it names among ours ("Theo Nghị quyết
    24/2025/NQ-HĐND, …" places the question); another document's number ("thực hiện Nghị
    quyết 57-NQ/TW") is what is asked about, and stays."""
    return DOC_NUMBER.sub(
        lambda m: " " if number_key(m.group(0)) in scope.doc_numbers else m.group(0), text
    )


def _digits(number: str) -> str:
    """The leading digits of a document number: "1846/QĐ-UBND" -> "1846"."""
    m = re.match(r"\s*(\d+)", number)
    return m.group(1) if m else ""


def _files_of_province(docs: dict[str, FileMeta], province: str) -> list[str]:
    return [
        f for f, m in docs.items() if canonical(m.province) == province or m.province == province
    ]


@cache
def _level_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """The level phrases of ``cues.toml`` as one folded pattern, the pattern of a level listed
    after one ("…, huyện", "và xã"), and each folded phrase or name → its level."""
    level_of = {fold(p): level for level, phrases in cues().levels.items() for p in phrases}
    level_of |= {fold(level): level for level in cues().levels}
    phrases = sorted((fold(p) for ps in cues().levels.values() for p in ps), key=len, reverse=True)
    names = "|".join(map(re.escape, (fold(level) for level in cues().levels)))
    mentioned = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, phrases))})(?!\w)")
    # "xã hội" (society) is no commune: "cấp tỉnh và xã hội số".
    listed = re.compile(rf"\s*(?:,|va|hoac|and|or)\s*(?:cap\s+)?({names})(?!\w|\s+hoi\b)")
    return mentioned, listed, level_of


def levels_of(text: str) -> set[str]:
    """The levels of government ``text`` names ("cấp xã", "district level"): "tỉnh", "huyện",
    "xã" (matched folded: a unit's text and a question typed without diacritics alike). A
    list after one names each ("cấp tỉnh, huyện, xã")."""
    folded = fold(text)
    mentioned, listed, level_of = _level_patterns()
    out = set()
    for m in mentioned.finditer(folded):
        out.add(level_of[m.group(0)])
        end = m.end()
        while more := listed.match(folded, end):
            out.add(level_of[more.group(1)])
            end = more.end()
    return out


def _home_province(docs: dict[str, FileMeta]) -> str | None:
    """The province of the documents the user added (those the manifest does not describe),
    when they are all of one province."""
    added = {m.province for m in docs.values() if m.detected} - {NATIONAL, ""}
    return next(iter(added)) if len(added) == 1 else None


def _since_merger(docs: dict[str, FileMeta], province: str) -> list[str]:
    """The files of the province ``province`` merged into in 2025 that were issued since the
    merger (they speak of it as their part); empty when it did not merge."""
    into = merged_into(province)
    if into is None:
        return []
    return [f for f in _files_of_province(docs, into) if docs[f].issued >= MERGED_ON]


_NEAR = 6  # a kind and what narrows it ("Kế hoạch chuyển đổi số năm 2025") within this many words


def _described(folded: str, asked_years: list[int], docs: dict[str, FileMeta]) -> list[str]:
    """The one document a question describes without naming its province or number: its
    kind with the year of its title close by, or with the body that issued it ("Kế hoạch năm
    2025 giao …", "Nghị quyết … được HĐND tỉnh thông qua"). Empty unless exactly one file
    fits."""
    v = vocabulary()
    fits: set[str] = set()
    for kind in v.document_kinds:
        if kind.appendix:
            continue
        for m in kind.mention.finditer(folded):
            near = " ".join(folded[m.end() :].split()[:_NEAR])
            near_years = {y for y in asked_years if str(y) in near}
            bodies = [b for b in v.issuing_bodies if b.mention.search(near)]
            # Else a body named anywhere else ("Nghị quyết … được HĐND tỉnh thông qua …"),
            # one of them when the question names two ("kế hoạch … của UBND, còn Tỉnh ủy?").
            rest = f"{folded[: m.start()]} {folded[m.end() :]}"  # not the kind's own words
            elsewhere = [b for b in v.issuing_bodies if b.mention.search(rest)]
            if not near_years and not bodies and not elsewhere:
                continue  # "báo cáo kết quả", "lập kế hoạch": a word, not a document
            for f, meta in docs.items():
                for part in meta.parts:
                    if part.kind != kind.name:
                        continue
                    own = set(years(f"{part.title} {part.period}"))
                    body = fold(part.issuing_body)
                    if not near_years <= own:
                        continue
                    if bodies or near_years:
                        fit = all(b.body.search(body) for b in bodies)
                    else:
                        fit = any(b.body.search(body) for b in elsewhere)
                    if fit:
                        fits.add(f)
    return sorted(fits) if len(fits) == 1 else []


_KIND_NUMBER = r"\s*(?:so\s*|no\.?\s*)?(\d{1,5})\b"  # "Nghị quyết số 09", "Kế hoạch 312"


def _implements(meta: FileMeta, numbers: set[str]) -> bool:
    """Whether a part of the file says it implements one of the documents ``numbers``."""
    said = [number_key(p.implements) for p in meta.parts if p.implements]
    return any(re.search(rf"(?<!\d){re.escape(n)}", s) for s in said for n in numbers)


def _carried_out(before: str) -> bool:
    """Whether the words before a document's number say it is carried out ("sơ kết thực hiện
    Nghị quyết số …"): the cue, then at most the document's kind."""
    words = fold(before).split()[-5:]
    tail = " ".join(words)
    for cue in cues().implementing:
        c = fold(cue)
        at = tail.rfind(c)
        if at >= 0 and len(tail[at + len(c) :].split()) <= 3:
            return True
    return False


def _numbered(
    question: str, docs: dict[str, FileMeta], among: list[str]
) -> list[tuple[int, str, list[str]]]:
    """Each document number ``question`` writes, with its offset, its key (empty for a kind's
    name with the number's digits: "Quyết định 1846") and the files of ``among`` holding it:
    all number matches first, in order, then the kinds' digits."""
    out = []
    for m in DOC_NUMBER.finditer(question):
        key = number_key(m.group(0))
        out.append(
            (
                m.start(),
                key,
                [f for f in among if any(number_key(p.number) == key for p in docs[f].parts)],
            )
        )
    folded = fold(question)
    for kind in vocabulary().document_kinds:
        # Its names ("kế hoạch 415"), and its code as written ("KH 415", "CTr 68").
        named = [
            re.finditer(rf"\b{re.escape(name)}(?:\s+nam)?{_KIND_NUMBER}", folded)
            for name in kind.names
        ] + [
            re.finditer(rf"(?<!\w){re.escape(c)}\s*(?:số\s*)?(\d{{1,5}})\b", question)
            for c in kind.codes
        ]
        for m in (m for found in named for m in found):
            digits = m.group(1)
            owners = [
                f
                for f in among
                if any(_digits(p.number) == digits for p in docs[f].parts if p.number)
            ]
            if not owners and years(digits):  # "Kế hoạch 2026": the year's plan
                owners = [
                    f
                    for f in among
                    if any(
                        p.kind == kind.name and int(digits) in years(f"{p.title} {p.period}")
                        for p in docs[f].parts
                    )
                ]
                owners = owners if len(owners) == 1 else []  # the year names one, or none
            out.append((m.start(), "", owners))
    return out


def named_documents(
    question: str, docs: dict[str, FileMeta], among: list[str]
) -> list[tuple[int, str, str]]:
    """Where ``question`` names one of the files ``among`` (offset, file): by its number, by
    its kind with the number's digits, or by its kind or issuing body alone when only one of
    ``among`` is of that kind or from that body ("kế hoạch của UBND", "Tỉnh ủy"). The third
    field says how: ``number`` (also a kind with digits or with its year), ``kind``, ``body``."""
    written, folded = nfc(question), fold(nfc(question))
    if len(written) != len(folded):  # offsets must mean the same in both
        return []
    v = vocabulary()
    found = [(at, set(owners), "number") for at, _, owners in _numbered(written, docs, among)]
    for kind in v.document_kinds:
        of_kind = {f for f in among if any(p.kind == kind.name for p in docs[f].parts)}
        for name in kind.names:  # the kind alone (with digits, it is a number above)
            for m in re.finditer(rf"\b{re.escape(name)}\b(?!{_KIND_NUMBER})", folded):
                found.append((m.start(), of_kind, "kind"))
    for body in v.issuing_bodies:
        hit = {
            f for f in among if any(body.body.search(fold(p.issuing_body)) for p in docs[f].parts)
        }
        found += [(m.start(), hit, "body") for m in body.mention.finditer(folded)]
    return sorted((at, next(iter(hit)), how) for at, hit, how in found if len(hit) == 1)


def _signed_by(question: str, docs: dict[str, FileMeta]) -> list[str]:
    """Files with a document signed by a person the question names (in full, with or
    without diacritics)."""
    written, folded = f" {' '.join(nfc(question).split())} ", f" {fold(nfc(question))} "
    out = []
    for f, meta in docs.items():
        for part in meta.parts:
            name = " ".join(nfc(part.signer).split())
            if len(name.split()) >= 2 and (f" {name} " in written or f" {fold(name)} " in folded):
                out.append(f)
                break
    return out


def _year_files(question: str, named: list[tuple[int, str, str]]) -> dict[int, str]:
    """Each year of ``question`` with the document named nearest to it (``named``: two
    documents or more; one says nothing about which year is whose)."""
    out: dict[int, str] = {}
    for year, at in year_spans(fold(nfc(question))):
        out.setdefault(year, min(named, key=lambda n: abs(n[0] - at))[1])
    return out


_ISSUED_NEAR = 30  # characters: a year this close after a document's name can be its date


def _issue_years(
    question: str, named: list[tuple[int, str, str]], docs: dict[str, FileMeta]
) -> set[int]:
    """Years that name a document rather than ask about one: right after a document the
    question names and its year of issue ("Nghị quyết 07-NQ/TU năm 2025 … đến năm 2030",
    "Nghị quyết 16-NQ/TU (2021)"), unless the document is about that year alone ("Kế hoạch
    năm 2026": its year is also what it plans)."""
    out: set[int] = set()
    for year, at in year_spans(fold(nfc(question))):
        for start, f, _ in named:
            meta = docs[f]
            about = {y for p in meta.parts for y in years(p.period)}
            if 0 < at - start <= _ISSUED_NEAR and meta.issued[0] == year and about != {year}:
                out.add(year)
    return out


def understand(
    question: str, docs: dict[str, FileMeta], content: str = "", home: bool = False
) -> Scope:
    """The scope of ``question`` against the catalog ``docs`` (file -> metadata).

    ``content`` is the question without its filler (see :mod:`.intent`): what is searched.
    ``home``: a question naming no place asks about the documents the user added, when they
    are of one province (not for a question across provinces: "tỉnh nào cao nhất?").
    """
    scope = Scope(lang=detect_lang(question), reply_lang=detect_lang(question))
    folded = fold(question)
    files: list[str] = []
    former: list[str] = []  # provinces merged into one whose documents, issued since, we hold
    marked = set(named_former(question))
    context = merger_context(question)  # "(sau hợp nhất với Ninh Thuận)": asks no place
    new = set(named_new(question))
    for name in find_provinces(question):
        if name in context:
            continue
        # A unit renamed in 2025 ("Thừa Thiên Huế", now the city "Huế") is one place.
        owned = _files_of_province(docs, name)
        if other := renamed(name):
            owned += [f for f in _files_of_province(docs, other) if f not in owned]
        if name in new and (since := [f for f in owned if docs[f].issued >= MERGED_ON]):
            owned = since  # "Khánh Hòa (mới)": the merged province, in its documents since
        if not owned and (owned := _since_merger(docs, name)):
            # "tỉnh Hà Giang (cũ)": a part of the province it merged into, whose documents
            # give its figures; a place of theirs, not a province whose documents are missing.
            former.append(name)
            name = docs[owned[0]].province
        elif name in marked and (since := _since_merger(docs, name)):
            # "Hải Dương (cũ)" with its own documents and those of the city it merged into:
            # both speak of it (the latter of its last years, under its name).
            former.append(name)
            owned += [f for f in since if f not in owned]
        if name not in scope.provinces + scope.unknown_provinces:
            (scope.provinces if owned else scope.unknown_provinces).append(name)
        files += [f for f in owned if f not in files]
    asker = _home_province(docs) if has(question, cues().own_place) else None
    if asker and asker not in scope.provinces:  # "tỉnh mình": the province of the user's files
        scope.provinces.append(asker)
        files += [f for f in _files_of_province(docs, asker) if f not in files]
    if _NATIONAL_HINTS.search(folded):
        scope.national = True
        files += [f for f, m in docs.items() if m.province == NATIONAL and f not in files]
    implemented: set[str] = set()  # numbers of documents the question says are carried out
    for at, number, owners in _numbered(nfc(question), docs, list(docs)):
        if number and owners and _carried_out(nfc(question)[:at]):
            implemented.add(number)
        if not number and (scope.provinces or scope.unknown_provinces):
            # "Kế hoạch 2026 … Đắk Lắk": a kind with digits names a document of a named province.
            owners = [
                f
                for f in owners
                if {docs[f].province, renamed(docs[f].province)} & set(scope.provinces)
            ]
        scope.doc_numbers += [number] * len(owners) if number else []
        files += [f for f in owners if f not in files]
    # "Nghị quyết do đồng chí Nguyễn Hồng Phong ký …": a document named by its signer.
    files += [f for f in _signed_by(question, docs) if f not in files]
    scope.years = sorted(set(years(question)))
    scope.local_places = local_places(question)
    scope.local_places += [p for p in former if p not in scope.local_places]
    # "Gia Lai (cũ)" where the merged Gia Lai's documents are held: its part of them.
    for name in former_parts(question):
        own = _files_of_province(docs, name)
        if any(docs[f].issued >= MERGED_ON for f in own):
            scope.local_places.append(f"{name} {FORMER}")
            # Its documents of before the merger speak of that part throughout.
            scope.before_merger += [f for f in own if docs[f].issued < MERGED_ON]
    scope.levels = sorted(levels_of(question))
    if not files and not scope.unknown_provinces and not scope.national:
        # A number the catalog does not hold names another document: no guessing then.
        unknown_number = DOC_NUMBER.search(question) is not None
        mine = _home_province(docs) if home and not unknown_number else None
        pool = {f: m for f, m in docs.items() if m.province == mine} if mine else docs
        files = [] if unknown_number else _described(fold(content or question), scope.years, pool)
        if mine:  # "Ai ký nghị quyết?" after adding a province's resolution: that one
            files = files or list(pool)
            scope.provinces.append(mine)
    # Two documents named by kind or body ("kế hoạch 2026 của UBND và mục tiêu của Tỉnh ủy"):
    # among one province's files when the question has one, else among all.
    own = {docs[f].province for f in files}
    among = [f for f, m in docs.items() if m.province in own] if len(own) == 1 else list(docs)
    named = named_documents(question, docs, among)
    if len({f for _, f, _ in named}) >= 2 and (files or not scope.unknown_provinces):
        files += [f for _, f, _ in named if f not in files]
        scope.year_files = _year_files(question, named)
    dates = _issue_years(question, named, docs)
    if dates and set(scope.years) - dates:  # another year is the one asked
        scope.years = [y for y in scope.years if y not in dates]
        scope.year_files = {y: f for y, f in scope.year_files.items() if y not in dates}
    # A document named by its number ("Nghị quyết 15 nêu những hạn chế nào?") holds the
    # answer, not the plan of its province that repeats its targets: the province's other
    # files leave the scope unless named too. Other provinces stay. (A kind alone is weaker:
    # "… có đạt chỉ tiêu nghị quyết đề ra không?" asks the plan's result against it.)
    by_number = {f for _, f, how in named if how == "number" and f in files}
    kept = {f for _, f, _ in named} | by_number
    narrowed = {docs[f].province for f in by_number}
    # "… thực hiện Nghị quyết 45-NQ/TU": the plans implementing it say how it is carried out.
    # (Our own document: a central one many provinces implement does not widen the scope.)
    carrying = [
        f for f in docs if docs[f].province in narrowed and _implements(docs[f], implemented)
    ]
    files += [f for f in carrying if f not in files]
    kept |= set(carrying)
    files = [f for f in files if f in kept or docs[f].province not in narrowed]
    scope.files = files
    for pillar in vocabulary().pillars:
        if pillar.question and pillar.question.search(folded):
            scope.pillar = pillar.name
            break
    scope.search_text = _focus(content or question, files, docs) if files else content or question
    if scope.lang == "en":
        terms = vietnamese_terms(question)
        scope.concepts = [t for t in terms if t not in DOCUMENT_TERMS]
        # As in Vietnamese, without the words that only name the document ("Quảng Ngãi's").
        scope.search_text = f"{scope.search_text} {' '.join(terms)}"
    return scope
