"""Questions about the documents themselves: who signed, number, date, issuing body, period.

Retrieval alone misses these (a signature block never contains the word "ký"), so they
are answered from the catalog's metadata, citing the passage of the file that states each
value.
"""

from __future__ import annotations

import re

from assistant.answering.citations import cite
from assistant.answering.fact_text import field_value, passages_stating, squash
from assistant.question.intent import has, spans, topic_words, without
from assistant.question.scope import Scope
from kernel.text import DOC_NUMBER, SIGN_PREFIX, fold, years
from kernel.types import REFUSAL, Chunk, Citation, DocumentPart, Draft, FileMeta
from kernel.vocabulary import cues, vocabulary

_LABELS_VI = {
    "signer": "Người ký",
    "number": "Số hiệu",
    "date": "Ngày ban hành",
    "issuing_body": "Cơ quan ban hành",
    "period": "Giai đoạn",
    "recipients": "Kính gửi",
    "distribution": "Nơi nhận",
    "implements": "Thực hiện",
    "session": "Hội nghị, kỳ họp",
}
_LABELS_EN = {
    "signer": "Signed by",
    "number": "Number",
    "date": "Date of issue",
    "issuing_body": "Issued by",
    "period": "Period",
    "recipients": "Addressed to",
    "distribution": "Distributed to",
    "implements": "Implements",
    "session": "Session",
}


def _kind_mentions() -> list[tuple[str, re.Pattern[str]]]:
    """(kind, folded words naming it) of every kind of document the vocabulary knows."""
    return [(k.name, k.mention) for k in vocabulary().document_kinds]


def _part_score(part: DocumentPart, question: str, fields: list[str], scope: Scope) -> float:
    q = fold(question)
    score = sum(1.0 for f in fields if getattr(part, f, ""))
    if part.number and any(
        fold(part.number).upper().startswith(n.split("-")[0]) for n in scope.doc_numbers
    ):
        score += 2
    if part.number and re.search(
        rf"\b{re.escape(part.number.split('-')[0].split('/')[0])}\b", question
    ):
        score += 1.5
    # The kind named first is the subject ("Công văn … triển khai Nghị quyết 16 …"), unless
    # it is what is asked: "Which resolution does the plan implement?", "… thực hiện nghị
    # quyết nào?".
    mentions = sorted(
        (m.start(), kind)
        for kind, p in _kind_mentions()
        if (m := p.search(q)) is not None
        and not ("implements" in fields and _asked_kind(q, m.start(), m.end()))
    )
    for rank, (_, kind) in enumerate(mentions):
        if kind == part.kind.lower():
            score += 4.0 if rank == 0 else 0.5
    return score


def _named_files(question: str, docs: dict[str, FileMeta]) -> list[str]:
    """The one file whose document the question names by kind and year without naming its
    province ("Who issued the 2027 digital transformation plan?", "kế hoạch năm 2027 do ai
    ký?"); empty when no year is typed or more than one file fits."""
    asked = set(years(question))
    q = fold(question)
    kinds = {kind for kind, p in _kind_mentions() if p.search(q)}
    if not asked or not kinds:
        return []
    fits = [f for f, meta in docs.items() if any(_of_years(p, kinds, asked) for p in meta.parts)]
    return fits if len(fits) == 1 else []


def _of_years(part: DocumentPart, kinds: set[str], asked: set[int]) -> bool:
    """Whether ``part`` is of one of ``kinds`` and its title or period names an ``asked`` year."""
    return part.kind.lower() in kinds and bool(asked & set(years(f"{part.title} {part.period}")))


def _asked_kind(q: str, start: int, end: int) -> bool:
    """Whether the kind of document named at ``q[start:end]`` (folded) is the one asked for:
    "which (central party) resolution", "nghị quyết nào"."""
    before = q[:start].split()[-3:]
    after = q[end:].split()[:2]
    return "which" in before or "what" in before or "nao" in after


def about_the_document(
    question: str, scope: Scope, docs: dict[str, FileMeta], typed: str = ""
) -> bool:
    """Whether a question asking a fact (who signed, when, which period…) asks it of the
    document itself: little else besides the document's name, kind and issuer. "Quy hoạch
    … được tích hợp vào quy hoạch tỉnh thời kỳ nào?" asks about content, not the document."""
    parts = [p for f in (scope.files or list(docs)) for p in docs[f].parts]
    # "… bản đến năm 2025 định hướng 2030, số mấy?" of a 2026 resolution: a year the user
    # typed (``typed``; a follow-up's history may name other years) that none of them is of
    # (title, period, date) describes an earlier document the text cites. A title without
    # years says nothing either way.
    own_years = set(years(" ".join(f"{p.title} {p.period}" for p in parts)))
    if own_years and set(years(typed or question)) - own_years - {
        p.issued[0] for p in parts if p.issued
    }:
        return False
    named = " ".join(f"{p.title} {p.kind} {p.issuing_body} {p.label}" for p in parts)
    known = set(topic_words(named)) | set(
        topic_words(" ".join(k.name for k in vocabulary().document_kinds))
    )
    asked = _asking_clause(question, tuple(p for ps in cues().facts.values() for p in ps))
    if scope.lang == "en":
        # The documents are Vietnamese: an English question's other words cannot be checked
        # against them. It asks about the document when the asking clause names its kind
        # ("Who signed Khanh Hoa's provincial party resolution …?").
        # The kind's names ("resolution", "action programme") in any number ("resolutions").
        folded = fold(asked)
        # A document named by its number is named too ("Who signed it?" after an answer
        # quoting "Quyết định số 215/QĐ-UBND": the follow-up carries that number).
        compact = re.sub(r"\s+", "", fold(question))
        if any(p.number and re.sub(r"\s+", "", fold(p.number)) in compact for p in parts):
            return True
        return any(k.named.search(folded) for k in vocabulary().document_kinds)
    cue_free = without(
        without(asked, cues().filler), tuple(p for ps in cues().facts.values() for p in ps)
    )
    words = topic_words(cue_free)
    if scope.lang == "vi-nodiacritics":  # "nghi quyet … chuyen doi so" is the title's words
        known = {fold(w) for w in known}
        words = [fold(w) for w in words]
    return len([w for w in words if w not in known]) <= 4


def _asking_clause(question: str, phrases: tuple[str, ...]) -> str:
    """The clauses of ``question`` that ask: those holding a fact cue or naming a kind of
    document. A question wrapped in context ("Em là chuyên viên mới …, sếp hỏi nghị quyết
    … do ai ký, em tìm không thấy") asks in one clause; the others are about the asker."""
    kinds = tuple(n for k in vocabulary().document_kinds for n in (k.name, *k.names))
    clauses = [c for c in _CLAUSE_END.split(question) if c.strip()]
    cued = [i for i, c in enumerate(clauses) if has(c, phrases)]
    if not cued:
        return question
    # The clauses that ask, and the one naming the document just before them when they
    # name none ("Nghị quyết 16 của Khánh Hòa, ai ký?"); earlier context is the asker's.
    if not any(has(clauses[i], kinds) for i in cued):
        named = [i for i in range(cued[0]) if has(clauses[i], kinds)]
        cued = named[-1:] + cued
    return " ".join(clauses[i] for i in cued)


def answer_facts(
    question: str,
    scope: Scope,
    fields: list[str],
    docs: dict[str, FileMeta],
    chunks: list[Chunk],
) -> Draft | None:
    """An answer from the catalog, or None when the question is not about document facts.

    When the document does not state what is asked (e.g. a resolution whose text carries no
    date), the answer says so plainly rather than letting retrieval offer another date.
    """
    files = scope.files or (_named_files(question, docs) if len(docs) > 1 else list(docs))
    # "Kế hoạch 268-KH/TU ban hành ngày nào": a document the text cites, not one of ours.
    # Folded: "46-CV/BCSĐ" in a question is the catalog's "46-CV/BCSD".
    numbers = {fold(squash(m.group(0))) for m in DOC_NUMBER.finditer(question)}
    ours = {fold(squash(p.number)) for m in docs.values() for p in m.parts if p.number}
    if numbers - ours or _names_another_document(question, docs):
        return None
    if not fields or not files:
        return None
    # The clause that asks names the subject; context may name other kinds ("Tôi đang soạn
    # tờ trình về nghị quyết …, nghị quyết ấy do ai ký?").
    asking = _asking_clause(question, tuple(p for ps in cues().facts.values() for p in ps))
    metas = [docs[f] for f in files]
    if "implements" not in fields and (
        _names_another_kind(asking, metas) or _names_another_body(asking, metas)
    ):
        return None
    # "Nghị quyết của Thanh Hóa do ai ký? So với người ký chương trình của Đồng Tháp?": each
    # province named gets its own document's facts.
    by_province: dict[str, list[str]] = {}
    for f in files:
        by_province.setdefault(docs[f].province or f, []).append(f)
    drafts = [
        _facts_of(question, asking, scope, fields, docs, chunks, fs) for fs in by_province.values()
    ]
    answered = [d for d in drafts if d is not None and not d.refused]
    if len(drafts) == 1 or not answered:
        return drafts[0]
    return _joined(answered)


def _facts_of(
    question: str,
    asking: str,
    scope: Scope,
    fields: list[str],
    docs: dict[str, FileMeta],
    chunks: list[Chunk],
    files: list[str],
) -> Draft | None:
    """The facts of the document among ``files`` (one province's) the question's ``asking``
    clauses name (its context may name others: "Em ở văn phòng UBND phường, …")."""
    best: tuple[float, str, DocumentPart] | None = None
    for f in files:  # a province may have several documents: the wording picks one
        for part in docs[f].parts:
            s = _part_score(part, asking, fields, scope)
            if best is None or s > best[0]:
                best = (s, f, part)
    if best is None:
        return None
    _, file, part = best
    meta = docs[file]
    multi = len(meta.parts) > 1
    found = {f: field_value(f, part, file, chunks, multi) for f in fields}
    if found.get("implements") and not _names_asked_kind(question, found["implements"]):
        found["implements"] = ""  # "Which Prime Minister's decision …": the text may cite it
    issuer = _issued_with(meta, part)
    attached = ""
    if not any(found.values()) and issuer is not None:
        # "Kế hoạch … được phê duyệt bằng Quyết định số mấy?": a plan attached to a decision
        # has no number, date or signer of its own; those of the decision issuing it answer.
        found = {f: field_value(f, issuer, file, chunks, multi) for f in fields}
        if any(found.values()):
            attached, part = part.label or meta.title, issuer
    if not any(found.values()):
        if not set(fields) <= _CATALOG_FIELDS:
            return None  # the text itself may say it ("khóa XVIII"): the passages answer
        missing = ", ".join(_LABELS_VI[f].lower() for f in fields)
        name = part.label or meta.title
        return Draft(
            f"{REFUSAL} Văn bản “{name}” ({meta.province}) không ghi {missing}.", refused=True
        )
    values = {f: v for f, v in found.items() if v}
    name = part.label or meta.title
    if attached:
        link = "attached to" if scope.reply_lang == "en" else "ban hành kèm theo"
        name = f"{attached}, {link} {name}"
    where = f"{name} ({meta.province})" if meta.province else name
    asked_as = _other_capacity(question, part, docs) if "signer" in values else ""
    if asked_as:
        # "Chủ tịch UBND tỉnh, người ký Kế hoạch 28, tên là gì?" when a Phó Chủ tịch signed
        # on the Chủ tịch's behalf: the document does not name the one asked about.
        return Draft(
            f"{REFUSAL} {where} không do {asked_as} ký: người ký là {part.signer}"
            f" ({part.signer_title}).",
            refused=True,
        )
    if "signer" in values and part.signer_title:
        values["signer"] = f"{part.signer} ({part.signer_title})"
    evidence = passages_stating(file, part, values, chunks, multi=multi)
    labels = _LABELS_EN if scope.reply_lang == "en" else _LABELS_VI
    lines = [f"{where}:"] + [f"- {labels[f]}: {v}" for f, v in values.items()]
    quote = "Quoted: " if scope.reply_lang == "en" else "Trích văn bản: "
    citations: list[Citation] = []
    for n, (chunk, units) in enumerate(evidence, start=1):
        quoted = " … ".join(f"“{u.text}”" for u in units)
        lines.append((quote if n == 1 else "") + f"{quoted} [{n}]")
        citations.append(cite(n, chunk, units, docs, part))
    return Draft("\n".join(lines), citations)


def _names_asked_kind(question: str, value: str) -> bool:
    """Whether ``value`` (the documents a document implements) names the kind of document the
    question asks for ("which decision …", "quyết định nào"); True when it asks for none."""
    q = fold(question)
    asked = [
        k
        for k in vocabulary().document_kinds
        for m in k.named.finditer(q)
        if _asked_kind(q, m.start(), m.end())
    ]
    v = fold(value)
    return not asked or any(
        re.search(rf"\b{re.escape(fold(k.name))}\b", v)
        or any(re.search(rf"\b{re.escape(fold(c))}\b", v, re.I) for c in k.codes)
        for k in asked
    )


def _issued_with(meta: FileMeta, part: DocumentPart) -> DocumentPart | None:
    """The document of the same file that issues ``part`` when ``part`` is attached to it and
    carries no number of its own (a plan or scheme after its decision): the file's first part."""
    first = meta.parts[0] if meta.parts else None
    if first is None or part is first or part.number or not first.number:
        return None
    return first


def _capacities(title: str) -> list[str]:
    """The offices of a signature block ("TM. Ủy ban nhân dân, KT. Chủ tịch, Phó Chủ tịch"
    → Chủ tịch, Phó Chủ tịch); the bodies signed for on behalf of (T/M …) are not offices."""
    out = []
    for piece in title.split(","):
        m = SIGN_PREFIX.match(piece.strip())
        prefix, office = (m.group(1), m.group(2)) if m else ("", piece.strip())
        if office and prefix.upper() not in {"T/M", "TM."}:
            out.append(office)
    return out


def _other_capacity(question: str, part: DocumentPart, docs: dict[str, FileMeta]) -> str:
    """The office the question says signed ``part`` when its signer held another one ("Bí
    thư Tỉnh ủy ký Chỉ thị 15 tên gì?" of a directive a Phó Bí thư signed); "" otherwise.
    The offices are those the catalog's signature blocks name."""
    own = _capacities(part.signer_title)
    if not own:
        return ""
    offices = {o for m in docs.values() for p in m.parts for o in _capacities(p.signer_title)}
    found = [(s, e, o) for o in offices for s, e in spans(question, (o,))]
    # The longest office at a place ("Phó Chủ tịch" holds "Chủ tịch").
    named = {
        o.lower(): o
        for s, e, o in found
        if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, _ in found)
    }
    if not named or own[-1].lower() in named:
        return ""
    return named[min(named)]


def _joined(drafts: list[Draft]) -> Draft:
    """Several documents' facts as one answer, their citations numbered on."""
    text: list[str] = []
    citations: list[Citation] = []
    for d in drafts:
        shift = len(citations)
        text.append(re.sub(r"\[(\d+)\]", lambda m, k=shift: f"[{int(m.group(1)) + k}]", d.text))
        citations += [c.model_copy(update={"marker": c.marker + shift}) for c in d.citations]
    return Draft("\n\n".join(text), citations)


# Fields a document states in its header and signature, or nowhere: when the catalog has no
# value, the document does not give one, and no passage should be offered as the answer.
_CATALOG_FIELDS = {"number", "date", "signer"}


def _names_another_document(question: str, docs: dict[str, FileMeta]) -> bool:
    """ "Chỉ thị 19 ban hành ngày nào": a kind and a number that none of our documents has
    (nor their titles: "Kế hoạch chuyển đổi số và thực hiện Đề án 06 năm 2026" is ours)."""
    q = fold(question)
    titles = " ".join(fold(p.title) for meta in docs.values() for p in meta.parts)
    for k in vocabulary().document_kinds:
        for name in k.names:
            for m in re.finditer(rf"\b{re.escape(name)}\s+(?:so\s*)?(\d{{1,5}})\b", q):
                if re.search(rf"\b{re.escape(m.group(0))}\b", titles):
                    continue
                ours = [
                    p
                    for meta in docs.values()
                    for p in meta.parts
                    if p.number.split("-")[0].split("/")[0] == m.group(1)
                ]
                if not ours and not _of_year(k.name, int(m.group(1)), docs):
                    return True
    return False


def _of_year(kind: str, year: int, docs: dict[str, FileMeta]) -> bool:
    """Whether one of our documents of ``kind`` is the one of ``year`` ("Kế hoạch 2026")."""
    return any(_of_years(p, {kind}, {year}) for meta in docs.values() for p in meta.parts)


def _names_another_kind(question: str, metas: list[FileMeta]) -> bool:
    """ "Nghị quyết Quảng Ngãi nhắc đến chỉ thị nào, ban hành ngày nào?": a question whose
    subject is a kind of document that none of the named files is asks about a document the
    text cites (the text itself may describe it), not about ours."""
    q = fold(question)
    have = {p.kind.lower() for m in metas for p in m.parts if p.kind}
    if not have:
        return False
    named: list[tuple[int, str]] = []  # (where, kind) of every kind the question names
    asked: set[str] = set()  # kinds asked after ("chỉ thị nào", "kế hoạch số mấy")
    for k in vocabulary().document_kinds:
        for name in {fold(k.name), *k.names}:
            for m in re.finditer(rf"\b{re.escape(name)}\b", q):
                named.append((m.start(), k.name))
                if re.match(r"\s+(?:nao|gi|so)\b", q[m.end() :]):
                    asked.add(k.name)
    # The kind named first is the question's subject ("Kế hoạch … thực hiện Nghị quyết 16
    # có số hiệu gì?" asks about a plan, not about the resolution).
    first = {min(named)[1]} if named else set()
    return bool((asked | first) - have)


def _names_another_body(question: str, metas: list[FileMeta]) -> bool:
    """ "Which Politburo resolution does the Thanh Hóa document refer to, and when was it
    issued?": the asking clause names a body that issued none of the named files (as far as
    their headers tell), so it asks about a document the text cites."""
    issuers = [fold(p.issuing_body) for m in metas for p in m.parts]
    if not issuers or not all(issuers):  # a header read without its issuer tells nothing
        return False
    q = fold(question)
    return any(
        b.mention.search(q) and not any(b.body.search(i) for i in issuers)
        for b in vocabulary().issuing_bodies
    )


_CLAUSE_END = re.compile(r"[,.;:?!\n]")
