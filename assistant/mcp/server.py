"""The MCP tools: ask, search_passages, list_documents, get_passage, targets.

Every tool reads the same :class:`~assistant.service.AssistantService` the web app uses, so
the server loads the index lazily, follows a re-ingest like a replica does, and answers
"index missing" with the same sentence. Results are structured (pydantic models: each
tool's output schema is listed with the tool) and carry exact spans: ``file`` with
``start``/``end`` (and ``sentence_start``/``sentence_end``) are character offsets into the
original corpus file, which ``get_passage`` returns again.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from assistant.chain import Assistant
from assistant.service import AssistantService, friendly_error
from assistant.targets.table import select
from ingest.loaders import load_text
from kernel.settings import Settings
from kernel.state import state_store
from kernel.text import fold
from kernel.types import Citation

log = logging.getLogger(__name__)

MAX_SPAN = 20_000  # characters get_passage returns at most
READ_ONLY = ToolAnnotations(readOnlyHint=True, openWorldHint=False)
INSTRUCTIONS = (
    "Trợ lý về các nghị quyết chuyển đổi số của các tỉnh Việt Nam. Dùng `ask` để hỏi (tiếng "
    "Việt có/không dấu hoặc tiếng Anh); mỗi câu trả lời kèm trích dẫn chính xác (tệp, vị trí "
    "ký tự). / Assistant for Vietnamese provincial digital-transformation resolutions: `ask` "
    "answers with exact citations (file and character span); `search_passages`, "
    "`list_documents`, `get_passage` and `targets` read the documents and their figures."
)


class Filters(BaseModel):
    """Restrict to some documents (file names from list_documents) and/or provinces."""

    files: list[str] | None = None
    provinces: list[str] | None = Field(None, description='e.g. ["Quảng Ngãi"], accents optional')


class Message(BaseModel):
    """An earlier message of the conversation (for follow-ups such as "còn năm 2025?")."""

    role: Literal["user", "assistant"]
    content: str


class AskResult(BaseModel):
    """An answer: text with [n] markers, and the citation for each marker."""

    answer: str
    refused: bool = Field(description="true when the documents do not answer the question")
    notice: str = ""
    citations: list[Citation]


class PassageHit(BaseModel):
    """A retrieved passage: its exact span in the original file and its heading path."""

    file: str
    title: str
    province: str
    doc_number: str
    section: str
    start: int
    end: int
    text: str = Field(description="the original file's text of [start, end)")
    score: float


class SearchResult(BaseModel):
    passages: list[PassageHit]


class DocumentInfo(BaseModel):
    """An indexed document (file) and what it is."""

    file: str
    title: str
    province: str
    kind: str
    number: str
    date: str
    issuing_body: str
    signer: str
    passages: int


class DocumentList(BaseModel):
    documents: list[DocumentInfo]


class PassageText(BaseModel):
    """The exact text of a span of an indexed file."""

    file: str
    start: int
    end: int
    text: str
    section: str = Field(description="heading path where the span starts")
    title: str
    province: str


class TargetRow(BaseModel):
    """A quantitative figure (chỉ tiêu) with the sentence that states it."""

    province: str
    file: str
    doc_title: str
    doc_number: str
    kind: str
    pillar: str
    metric: str
    metric_key: str
    value: float
    value_text: str
    display: str = Field(description="the figure as a reader says it, e.g. 'trên 80%'")
    unit: str
    target_year: int | None
    section: str
    sentence: str
    start: int = Field(description="supporting sentence span in the original file")
    end: int
    value_start: int = Field(description="span of value_text in the original file")
    value_end: int


class TargetTable(BaseModel):
    rows: list[TargetRow]
    total: int = Field(description="rows matching before the limit")


def build_server(settings: Settings, service: AssistantService | None = None) -> MCPServer:
    """The MCP server with its five tools (transport chosen by the caller)."""
    service = service or AssistantService(settings)
    server = MCPServer(
        name="nqcds", title="Trợ lý nghị quyết chuyển đổi số", instructions=INSTRUCTIONS
    )

    def assistant() -> Assistant:
        try:
            return service.get()
        except Exception as exc:
            log.warning("assistant unavailable: %s", exc)
            raise ToolError(friendly_error(exc)) from exc

    def _filters(f: Filters | None) -> dict | None:
        return f.model_dump(exclude_none=True) or None if f else None

    @server.tool(annotations=READ_ONLY)
    def ask(
        question: str, history: list[Message] | None = None, filters: Filters | None = None
    ) -> AskResult:
        """Answer a question about the resolutions, citing the exact passages relied on."""
        a = assistant().ask(
            question,
            history=[m.model_dump() for m in history or []],
            filters=_filters(filters),
        )
        if a.notice and a.notice == a.answer and not a.citations:  # empty or too long
            raise ToolError(a.notice)
        return AskResult(answer=a.answer, refused=a.refused, notice=a.notice, citations=a.citations)

    @server.tool(annotations=READ_ONLY)
    def search_passages(
        query: str,
        filters: Filters | None = None,
        limit: Annotated[int, Field(ge=1, le=20)] = 8,
    ) -> SearchResult:
        """The passages the assistant retrieves for a query, best first (no answer written)."""
        a = assistant()
        got = a.ask(query, filters=_filters(filters))
        if got.notice and got.notice == got.answer and not got.passages:
            raise ToolError(got.notice)
        hits = [
            PassageHit(
                file=p.chunk.file,
                title=p.chunk.title,
                province=p.chunk.province,
                doc_number=p.chunk.doc_number,
                section=p.chunk.section,
                start=p.chunk.start,
                end=p.chunk.end,
                text=p.chunk.text,
                score=round(p.score, 6),
            )
            for p in got.passages[:limit]
        ]
        return SearchResult(passages=hits)

    @server.tool(annotations=READ_ONLY)
    def list_documents(province: str | None = None) -> DocumentList:
        """Every indexed document (optionally of one province), with number, date, signer."""
        a = assistant()
        counts: dict[str, int] = {}
        for c in a.corpus.chunks:
            counts[c.file] = counts.get(c.file, 0) + 1
        metas = sorted(a.corpus.docs.values(), key=lambda m: (m.province, m.title, m.file))
        if province:
            metas = [m for m in metas if fold(m.province) == fold(province)]
        return DocumentList(
            documents=[
                DocumentInfo(
                    file=m.file,
                    title=m.main.title or m.title,
                    province=m.province,
                    kind=m.main.kind or m.kind,
                    number=m.main.number,
                    date=m.main.date,
                    issuing_body=m.main.issuing_body,
                    signer=m.main.signer,
                    passages=counts.get(m.file, 0),
                )
                for m in metas
            ]
        )

    @server.tool(annotations=READ_ONLY)
    def get_passage(
        file: str, start: Annotated[int, Field(ge=0)], end: Annotated[int, Field(ge=1)]
    ) -> PassageText:
        """The exact text of characters [start, end) of an indexed file (e.g. a citation's
        span), with the heading path where it starts."""
        a = assistant()
        meta = a.corpus.docs.get(file)
        if meta is None:
            raise ToolError(f"Không có văn bản '{file}' / No indexed file '{file}'")
        if not start < end or end - start > MAX_SPAN:
            raise ToolError(
                f"Đoạn phải có 0 < end - start ≤ {MAX_SPAN} / Need 0 < end - start ≤ {MAX_SPAN}"
            )
        chunks = [c for c in a.corpus.chunks if c.file == file]
        at = next((c for c in chunks if c.start <= start < c.end), None)
        inside = next((c for c in chunks if c.start <= start and end <= c.end), None)
        if inside is not None:
            text = inside.text[start - inside.start : end - inside.start]
        else:
            text = _from_corpus_file(settings, a, file, start, end)
        return PassageText(
            file=file,
            start=start,
            end=end,
            text=text,
            section=(at or inside).section if (at or inside) else "",
            title=meta.main.title or meta.title,
            province=meta.province,
        )

    @server.tool(annotations=READ_ONLY)
    def targets(
        provinces: list[str] | None = None,
        year: int | None = None,
        pillar: str | None = None,
        metric_key: str | None = None,
        kind: Literal["target", "baseline", "recommendation", "any"] = "target",
        limit: Annotated[int, Field(ge=1, le=1000)] = 100,
    ) -> TargetTable:
        """Rows of the targets table (chỉ tiêu): each figure with its province, year, metric
        and the exact sentence stating it. Filters are optional; names ignore diacritics."""
        rows = select(
            assistant().targets,
            provinces=provinces,
            pillar=pillar,
            year=year,
            metric=metric_key,
            kind=None if kind == "any" else kind,
        )
        return TargetTable(
            rows=[
                TargetRow(
                    **r.model_dump(include=set(TargetRow.model_fields) - {"display", "section"}),
                    display=r.display,
                    section=r.section,
                )
                for r in rows[:limit]
            ],
            total=len(rows),
        )

    return server


def _from_corpus_file(settings: Settings, a: Assistant, file: str, start: int, end: int) -> str:
    """A span across passages: from the corpus file, if it is the very file indexed."""
    path = settings.corpus_dir / file
    recorded = state_store(settings).build(a.corpus.collection)
    want = recorded[0].get("files", {}).get(file) if recorded else None
    try:
        raw = path.read_bytes()
    except OSError:
        raw = None
    if raw is None or want is None or hashlib.sha256(raw).hexdigest() != want:
        raise ToolError(
            "Đoạn này vượt ra ngoài một đoạn trích đã lập chỉ mục và tệp gốc không có ở đây / "
            "The span crosses indexed passages and the original file is not available here"
        )
    text = load_text(path)  # offsets are into the loaded text, as at ingest
    if end > len(text):
        raise ToolError(f"Tệp chỉ có {len(text)} ký tự / The file has {len(text)} characters")
    return text[start:end]
