"""Questions about documents the corpus does not hold: refused by naming the number, not
answered from the documents that happen to be in scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kernel.types import REFUSAL, Draft

if TYPE_CHECKING:
    from assistant.retrieval.corpus import Corpus

# Facts only the document itself states (its signature block, its "Nơi nhận"); a passage
# citing it gives its number and date at most.
OWN_FACTS = frozenset({"signer", "recipients", "distribution"})


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
