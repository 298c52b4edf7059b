"""Domain values passed between the stages: documents, chunks, passages, citations, answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field

from kernel.vocabulary import vocabulary

REFUSAL = "Không tìm thấy thông tin này trong các văn bản hiện có."
"""The one refusal phrase: the UI and the eval both recognise it."""
REFUSAL_EN = "The documents do not say this."
"""Added after :data:`REFUSAL` for a question asked in English."""
OTHER_LANGUAGE = (
    "Trợ lý trả lời câu hỏi bằng tiếng Việt (có dấu hoặc không dấu) hoặc tiếng Anh. / "
    "Please ask in Vietnamese or English."
)

NATIONAL = "Trung ương"
"""The ``province`` of a document issued at the national level (e.g. the MIC dispatch)."""

PREAMBLE_LABEL = "Phần mở đầu"
"""Heading of what a document says before its first numbered section."""
CLOSING_LABEL = "Nơi nhận, chữ ký"
"""Heading of a document's closing block (addressees, signature)."""

Lang = Literal["vi", "vi-nodiacritics", "en", "other"]
DocKind = Literal[
    "",
    "nghị quyết",
    "mẫu nghị quyết",
    "công văn",
    "kế hoạch",
    "đề án",
    "quyết định",
    "chỉ thị",
    "báo cáo",
    "chương trình hành động",
    "tờ trình",
    "thông báo",
    "phụ lục",
]
"""Kinds of document (``""``: not detected); ``kernel/vocabulary.toml`` describes each."""
Backend = Literal["extractive", "llm", "naive"]  # naive: the evaluation baseline


class Unit(NamedTuple):
    """A sentence or bullet of a chunk: its span in the original file, its cleaned text and
    the number of the block (paragraph) it belongs to. Stored as a JSON list."""

    start: int
    end: int
    text: str
    block: int


class DocumentPart(BaseModel):
    """One document inside a file (a file may hold a dispatch and the resolution it forwards)."""

    kind: DocKind = ""
    title: str = ""
    number: str = Field("", description="số ký hiệu as the document writes it, e.g. 16-NQ/TU")
    date: str = Field("", description="ngày ban hành as written, e.g. 19/10/2021")
    issuing_body: str = ""
    signer: str = ""
    signer_title: str = Field("", description="e.g. T/M Tỉnh ủy, Bí thư")
    period: str = Field("", description="e.g. 2021 - 2025, định hướng đến năm 2030")
    implements: str = Field("", description="the document(s) it implements, as written")
    anchor: str = Field("", description="text where this part starts in the file (first = 0)")

    @property
    def issued(self) -> tuple[int, int, int] | None:
        """Its date as (year, month, day), from the "d/m/yyyy" it is stored as; None without."""
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", self.date.strip())
        return (int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None

    @property
    def label(self) -> str:
        """Short name used as the root of heading paths: ``Nghị quyết 16-NQ/TU``."""
        kind = self.kind[:1].upper() + self.kind[1:]
        return " ".join(x for x in (kind, self.number) if x)


class FileMeta(BaseModel):
    """What a corpus file is, from the manifest or detected from its text."""

    file: str
    title: str = ""
    province: str = Field("", description="province name, or 'Trung ương' for national bodies")
    kind: str = ""
    parts: list[DocumentPart] = Field(default_factory=list)
    detected: bool = Field(False, description="True when no manifest entry existed")

    @property
    def issued(self) -> tuple[int, int, int]:
        """The latest date its parts were issued (year, month, day); zeros without one."""
        return max((d for p in self.parts if (d := p.issued)), default=(0, 0, 0))

    @property
    def main(self) -> DocumentPart:
        """The part the file is about (the resolution, when a dispatch forwards it)."""
        for p in self.parts:
            if p.kind in vocabulary().main_kinds:
                return p
        return self.parts[0] if self.parts else DocumentPart(title=self.title)


class Chunk(BaseModel):
    """A passage of one file: its original text, span, heading path and document metadata."""

    id: str = Field(description="stable hash of file, span and text")
    file: str
    start: int = Field(description="character offset of the passage in the original file")
    end: int
    text: str = Field(description="the original file text of [start, end)")
    index_text: str = Field(description="cleaned text used for embedding and BM25")
    headings: list[str] = Field(default_factory=list, description="heading path, outermost first")
    province: str = ""
    title: str = ""
    doc_number: str = ""
    n_tokens: int = 0
    units: list[Unit] = Field(
        default_factory=list, description="sentence-like units, in order (file offsets)"
    )
    lead: str = Field(
        "", description="when the passage starts inside a paragraph: that paragraph before it"
    )
    announced: str = Field(
        "",
        description="when the passage starts inside a list: the paragraph announcing it "
        '("… như sau:", in the passage before; set when the corpus is loaded, not stored)',
    )

    @property
    def section(self) -> str:
        """Heading path as shown to users: ``Quảng Ngãi › II. … › 4.3. …``."""
        return " › ".join(([self.province] if self.province else []) + self.headings)


class Passage(BaseModel):
    """A chunk as returned by retrieval, with its fused score and per-retriever ranks."""

    chunk: Chunk
    score: float = 0.0
    ranks: dict[str, int] = Field(default_factory=dict)


class Citation(BaseModel):
    """A cited passage; ``sentence_*`` is the supporting sentence, for highlighting."""

    marker: int
    file: str
    title: str = ""
    province: str = ""
    doc_number: str = ""
    date: str = ""
    section: str = ""
    text: str = Field(description="the cited passage as shown to the user (original text)")
    start: int = Field(description="passage span in the file")
    end: int
    sentence: str = ""
    sentence_start: int = Field(0, description="supporting sentence span in the file")
    sentence_end: int = 0
    spans: list[tuple[int, int]] = Field(
        default_factory=list,
        description="each supporting sentence's span in the file, when they are several "
        "(sentence_start/sentence_end then run from the first to the last)",
    )


@dataclass
class Draft:
    """An answer before it is wrapped into an :class:`Answer` (from any answerer)."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    ranking: list[str] = field(default_factory=list)  # chunk ids, best first


class Answer(BaseModel):
    """What ``ask`` returns."""

    question: str
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    refused: bool = False
    notice: str = Field("", description="e.g. LLM unavailable, extractive answer shown instead")
    backend: Backend = "extractive"
    scope: dict = Field(default_factory=dict, description="province/year/pillar understood")
    timings: dict[str, float] = Field(default_factory=dict, description="milliseconds per stage")
