"""The "Văn bản" tab: read a whole document with its structure, open a citation in place."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.service import AssistantService, friendly_error
from assistant.web.ui.document_view import document_html
from assistant.web.ui.render import document_choices, esc
from assistant.web.ui.theme import DOCUMENT_JS
from assistant.web.upload import add_documents
from kernel.types import Citation

log = logging.getLogger(__name__)

DOCS_TAB = "docs"
CHAT_TAB = "chat"
PICK = "Chọn một văn bản để đọc toàn văn, theo cấu trúc mục."


def _note(text: str) -> str:
    return f'<div class="nq-doc"><p>{esc(text)}</p></div>'


UPLOAD_TYPES = [".txt", ".md", ".pdf", ".docx"]


@dataclass
class DocumentHandlers:
    """Event handlers of the document tab."""

    service: AssistantService

    def upload(self, files: list | None, progress: gr.Progress | None = gr.Progress()) -> tuple:  # noqa: B008
        """Add the uploaded files to the corpus and the index; a line per file."""
        if not files:
            return gr.skip(), _status("Chưa chọn tệp nào.")
        # Gradio keeps an upload under its own name, in a folder of its own.
        named = [(Path(str(f)).name, Path(str(f))) for f in files]
        step = (lambda f, m: progress(f, desc=m)) if progress is not None else None
        try:
            res = add_documents(
                self.service.settings, named, self.service.settings.ingest.max_file_bytes, step
            )
        except Exception as exc:  # the live index is untouched: say so, keep the files
            log.exception("upload failed")
            return gr.skip(), _status(f"Không thêm được văn bản: {friendly_error(exc)}", error=True)
        lines = [f"✔ Đã thêm: {name}" for name in res.added]
        lines += [f"✘ {name}: {why}" for name, why in res.errors.items()]
        if res.added:
            self.service.refresh()
        choices = document_choices(self.service.catalog())
        value = res.added[0] if res.added else None
        return gr.Dropdown(choices=choices, value=value), _status(
            "\n".join(lines), bool(res.errors)
        )

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


def _status(text: str, error: bool = False) -> str:
    cls = "nq-banner" if error else "nq-meta"
    lines = "".join(f"<div>{esc(line)}</div>" for line in text.splitlines())
    return f'<div class="{cls}" role="status">{lines}</div>'


def build_documents_tab(
    h: DocumentHandlers, catalog: list[tuple[str, str]], uploads: bool = False
) -> dict[str, Any]:
    """Lay out the document tab inside the current Blocks context; returns its components.

    ``uploads``: signed-in users may add documents (only where a login is configured).
    """
    pick = gr.Dropdown(
        choices=catalog, value=None, label="Văn bản", elem_id="nq-doc-pick", interactive=True
    )
    out: dict[str, Any] = {}
    if uploads:
        limit = h.service.settings.ingest.max_file_bytes / 1e6
        with gr.Accordion("Thêm văn bản vào kho", open=False, elem_id="nq-upload-box"):
            gr.Markdown(
                f"Tệp .txt, .md, .pdf (có lớp chữ) hoặc .docx, tối đa {limit:.0f} MB mỗi tệp. "
                "Văn bản được thêm vào kho và lập chỉ mục; có thể hỏi ngay sau khi xong."
            )
            files = gr.File(
                file_count="multiple",
                file_types=UPLOAD_TYPES,
                label="Chọn tệp",
                elem_id="nq-upload",
            )
            add = gr.Button("Thêm vào kho văn bản", variant="primary", elem_id="nq-upload-add")
            status = gr.HTML(elem_id="nq-upload-status")
        out |= {"upload": files, "upload_add": add, "upload_status": status}
    view = gr.HTML(_note(PICK), js_on_load=DOCUMENT_JS, elem_id="nq-doc-view")
    # .input, not .change: setting the dropdown from a citation must not redraw unmarked.
    pick.input(h.render, [pick], view, show_progress="hidden")
    if uploads:
        add.click(h.upload, [files], [pick, status]).then(h.render, [pick], view)
    return {"pick": pick, "view": view, **out}
