"""The "Văn bản" tab: read a whole document with its structure, open a citation in place."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.service import AssistantService, friendly_error
from assistant.web.ui.document_view import document_html
from assistant.web.ui.render import document_choices, esc
from assistant.web.ui.theme import DOCUMENT_JS
from kernel.types import Citation

log = logging.getLogger(__name__)

DOCS_TAB = "docs"
CHAT_TAB = "chat"
PICK = "Chọn một văn bản để đọc toàn văn, theo cấu trúc mục."


def _note(text: str) -> str:
    return f'<div class="nq-doc"><p>{esc(text)}</p></div>'


@dataclass
class DocumentHandlers:
    """Event handlers of the document tab."""

    service: AssistantService

    def render(self, file: str | None, cite: Citation | None = None) -> str:
        """The document ``file`` as HTML (the cited span marked), or a readable note."""
        if not file:
            return _note(PICK)
        try:
            found = self.service.document(file)
        except Exception as exc:
            log.exception("could not render document %s", file)
            return _note(friendly_error(exc))
        if found is None:
            return _note("Không tìm thấy văn bản này trong chỉ mục.")
        return document_html(*found, cite=cite)

    def open_citation(self, turns: list[dict] | None, shown: int, evt: gr.EventData) -> tuple:
        """A source's "Mở trong văn bản": switch tabs, pick the document, mark the passage."""
        turns = turns or []
        marker = getattr(evt, "_data", None) or {}
        marker = marker.get("marker") if isinstance(marker, dict) else None
        i = shown if isinstance(shown, int) and 0 <= shown < len(turns) else len(turns) - 1
        answer = turns[i].get("answer") if i >= 0 else None
        cite = next(
            (c for c in (answer.citations if answer else []) if str(c.marker) == str(marker)), None
        )
        if cite is None:
            return gr.skip(), gr.skip(), gr.skip()
        return (
            gr.Tabs(selected=DOCS_TAB),
            gr.Dropdown(choices=document_choices(self.service.catalog()), value=cite.file),
            self.render(cite.file, cite),
        )


def build_documents_tab(h: DocumentHandlers, catalog: list[tuple[str, str]]) -> dict[str, Any]:
    """Lay out the document tab inside the current Blocks context; returns its components."""
    pick = gr.Dropdown(
        choices=catalog, value=None, label="Văn bản", elem_id="nq-doc-pick", interactive=True
    )
    view = gr.HTML(_note(PICK), js_on_load=DOCUMENT_JS, elem_id="nq-doc-view")
    # .input, not .change: setting the dropdown from a citation must not redraw unmarked.
    pick.input(h.render, [pick], view, show_progress="hidden")
    return {"pick": pick, "view": view}
