"""The indexed corpus as the answering side sees it: every chunk and the document catalog."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.documents import Document

from kernel import store
from kernel.settings import Settings
from kernel.types import Chunk, FileMeta, Passage


@dataclass
class Corpus:
    """Every indexed chunk and the catalog of documents, loaded once from the index."""

    chunks: list[Chunk]
    docs: dict[str, FileMeta]
    collection: str

    def __post_init__(self) -> None:
        self.by_id = {c.id: i for i, c in enumerate(self.chunks)}


def load_corpus(settings: Settings) -> tuple[Corpus, object]:
    """The live collection's chunks and catalog, plus the collection itself."""
    col, info = store.live_collection(settings)
    return Corpus(store.all_chunks(col), info.docs, info.collection), col


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
