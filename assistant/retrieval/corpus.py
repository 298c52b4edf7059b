"""The indexed corpus as the answering side sees it: every chunk and the document catalog."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from langchain_core.documents import Document

from assistant.question.scope import Scope
from assistant.question.shorthand import Shorthand
from assistant.retrieval.accents import Accents
from assistant.retrieval.units import UnitIndex
from kernel import store
from kernel.settings import Settings
from kernel.store import Vectors
from kernel.text import DOC_NUMBER, ITEM_MARK, number_key
from kernel.types import NATIONAL, Chunk, FileMeta, Passage, Unit


@dataclass
class Corpus:
    """Every indexed chunk and the catalog of documents, loaded once from the index."""

    chunks: list[Chunk]
    docs: dict[str, FileMeta]
    collection: str
    vectors: Vectors | None = None  # unit and heading vectors (None: no dense scoring)

    def __post_init__(self) -> None:
        self.by_id = {c.id: i for i, c in enumerate(self.chunks)}
        _link_announcements(self.chunks)

    @cached_property
    def units(self) -> UnitIndex:
        """Every unit with its dense and BM25 indexes (built on first use)."""
        return UnitIndex(self.chunks, self.vectors)

    @cached_property
    def held_numbers(self) -> frozenset[str]:
        """The document numbers of the indexed documents themselves (see :func:`_loose`)."""
        return frozenset(_loose(p.number) for d in self.docs.values() for p in d.parts if p.number)

    @cached_property
    def numbers(self) -> frozenset[str]:
        """Every document number the corpus holds: its documents' own and those its text
        cites ("Thực hiện Nghị quyết số 52-NQ/TW …")."""
        cited = {_loose(m.group(0)) for c in self.chunks for m in DOC_NUMBER.finditer(c.text)}
        return self.held_numbers | cited

    def unknown_numbers(self, text: str, held: bool = False) -> list[str]:
        """The document numbers ``text`` writes that the corpus neither holds nor cites (with
        ``held``: that it does not hold, cited or not)."""
        known = self.held_numbers if held else self.numbers
        found = (m.group(0) for m in DOC_NUMBER.finditer(text))
        return list(dict.fromkeys(n for n in found if _loose(n) not in known))

    @cached_property
    def accents(self) -> Accents:
        """The corpus's written forms of folded words, for questions typed without
        diacritics (built on first use)."""
        return Accents(self.chunks)

    @cached_property
    def shorthand(self) -> Shorthand:
        """Chat shorthand and initialisms read from this corpus (built on first use)."""
        return Shorthand(
            self.chunks,
            sorted(
                {d.province for d in self.docs.values() if d.province and d.province != NATIONAL}
            ),
        )

    def dense_text(self, scope: Scope) -> str:
        """What the dense model embeds for a question: its search text, with the corpus's
        spelling put back when it was typed without diacritics (e5 reads unaccented
        Vietnamese as other words)."""
        if scope.lang == "vi-nodiacritics":
            return self.accents.restore(scope.search_text)
        return scope.search_text


def load_corpus(settings: Settings) -> tuple[Corpus, object]:
    """The live collection's chunks, catalog and unit vectors, plus the collection itself."""
    col, info = store.live_collection(settings)
    corpus = Corpus(store.all_chunks(col), info.docs, info.collection, store.all_vectors(col))
    return corpus, col


def to_document(p: Passage) -> Document:
    """A passage as a LangChain document (metadata keeps the span and heading path)."""
    c = p.chunk
    return Document(
        id=c.id,
        page_content=c.text,
        metadata={
            "file": c.file,
            "start": c.start,
            "end": c.end,
            "section": c.section,
            "score": p.score,
        },
    )


def _link_announcements(chunks: list[Chunk]) -> None:
    """Give each passage that opens inside a list the paragraph announcing that list, when
    a passage before ends with it ("Một số kết quả … tính đến ngày 31 tháng 12 năm 2021
    như sau:"): its items are about what it announces. A heading between them ends it: the
    list under "KẾT QUẢ NĂM 2023" is not announced by the preamble's "… năm 2024 như sau:"."""
    by_file: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_file.setdefault(c.file, []).append(c)
    for group in by_file.values():
        group.sort(key=lambda c: c.start)
        for before, c in zip(group, group[1:], strict=False):
            if c.units and ITEM_MARK.match(c.units[0].text) and c.headings == before.headings:
                said = announcement(before.units, len(before.units))
                c.announced = before.announced if said is None else said


def _loose(number: str) -> str:
    """A document number's digits and letters only: "16/NQ-TU" typed for "16-NQ/TU" is the
    same document."""
    return re.sub(r"[^0-9A-Z]", "", number_key(number))


def announcement(units: list[Unit], stop: int) -> str | None:
    """The paragraph announcing the list that ``units[:stop]`` end inside: walking back over
    the list's items, the first other paragraph when it ends with ":" ("… như sau:"), else
    ""; None when all of them are items (the list began in an earlier passage)."""
    blocks: dict[int, list[str]] = {}
    for u in units[:stop]:
        blocks.setdefault(u.block, []).append(u.text)
    for lines in reversed(blocks.values()):
        if not ITEM_MARK.match(lines[0]):
            text = " ".join(lines)
            return text if text.rstrip().endswith(":") else ""
    return None
