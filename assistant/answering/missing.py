"""Questions about documents the corpus does not hold: refused by naming the number, not
answered from the documents that happen to be in scope."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kernel.text import DOC_NUMBER, fold, year_spans, years
from kernel.types import REFUSAL, DocumentPart, Draft
from kernel.vocabulary import vocabulary

if TYPE_CHECKING:
    from assistant.retrieval.corpus import Corpus

# Facts only the document itself states (its signature block, its "Nơi nhận"); a passage
# citing it gives its number and date at most.
OWN_FACTS = frozenset({"signer", "recipients", "distribution"})
DATED_WITHIN = 8  # words after a document's kind in which a year still qualifies it


def missing_document(question: str, facts: list[str], corpus: Corpus) -> Draft | None:
    """The refusal for a question about a document the files are not, naming it: none of
    them holds or cites its number ("Ai ký Nghị quyết 09-NQ/TU của Ninh Thuận?", whose
    resolution is 58/NQ-HĐND), or they only cite it and a fact only the document itself
    states is asked (who signed it). None when every number named is the corpus's."""
    unknown = corpus.unknown_numbers(question)
    cited = (
        [n for n in corpus.unknown_numbers(question, held=True) if n not in unknown]
        if set(facts) & OWN_FACTS
        else []
    )
    if not unknown and not cited:
        return None
    parts = []
    if unknown:
        parts.append(f"Các văn bản hiện có không có và không dẫn văn bản số {', '.join(unknown)}.")
    if cited:
        parts.append(
            f"Các văn bản hiện có chỉ dẫn văn bản số {', '.join(cited)}, không có toàn văn "
            "(người ký, nơi nhận do chính văn bản đó ghi)."
        )
    return Draft(f"{REFUSAL} {' '.join(parts)}", refused=True)


def missing_of_year(
    question: str, facts: list[str], files: list[str], corpus: Corpus
) -> Draft | None:
    """The refusal for a fact of a document named by its kind and a year that no document of
    that kind in ``files`` is of ("kế hoạch chuyển đổi số năm 2025 số mấy?" where the plan is
    the 2024 one), naming the ones held. None when the text cites one of that kind and year
    by its number (the passages may answer), or when the question names a number."""
    if not facts or DOC_NUMBER.search(question) or not (asked := set(years(question))):
        return None
    q = fold(question)
    named = [k for k in vocabulary().document_kinds if k.named.search(q)]
    # The kind the year qualifies ("Kế hoạch … năm 2025 … theo quyết định số mấy?" asks of a
    # 2025 plan; the decision is only what is asked), else every kind named.
    kinds = {k.name for k in named if _dated(k.named, q)} or {k.name for k in named}
    held = [p for f in files for p in corpus.docs[f].parts if p.kind.lower() in kinds]
    if not held:
        return None
    if any(asked & _years_of(p) or _named_by_number(p, q) for p in held):
        return None
    for c in corpus.chunks:
        if c.file in files:
            for u in c.units:
                text = fold(u.text)
                cites = any(re.search(rf"\b{fold(k)}\s+(?:so\s*)?\d", text, re.I) for k in kinds)
                if cites and asked & set(years(u.text)):
                    return None
    names = "; ".join(
        (p.label or p.title) + (f" ({p.period})" if p.period else f" ({p.date})" if p.date else "")
        for p in held
    )
    asked_years = ", ".join(str(y) for y in sorted(asked))
    return Draft(
        f"{REFUSAL} Các văn bản hiện có không có {' / '.join(sorted(kinds))} năm {asked_years};"
        f" văn bản hiện có: {names}.",
        refused=True,
    )


def _dated(kind: re.Pattern[str], folded_question: str) -> bool:
    """Whether a year follows a mention of ``kind`` within :data:`DATED_WITHIN` words, with
    no document kind named between them."""
    for m in kind.finditer(folded_question):
        rest = folded_question[m.end() :]
        spans = year_spans(rest)
        if not spans:
            continue
        between = rest[: spans[0][1]]
        if len(between.split()) <= DATED_WITHIN and not any(
            k.named.search(between) for k in vocabulary().document_kinds
        ):
            return True
    return False


def _years_of(part: DocumentPart) -> set[int]:
    """The years a document is of: those its title or period names, and the year it was
    signed ("kế hoạch năm 2026" is often signed in December 2025)."""
    signed = {part.issued[0]} if part.issued else set()
    return set(years(f"{part.title} {part.period}")) | signed


def _named_by_number(part: DocumentPart, folded_question: str) -> bool:
    """Whether the question names ``part`` by its number's digits ("kế hoạch 415 năm 2025")."""
    digits = part.number.split("/")[0].split("-")[0]
    return bool(digits) and bool(re.search(rf"\b{re.escape(digits)}\b", folded_question))
