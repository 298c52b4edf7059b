"""The "Chỉ tiêu" tab: the targets table filtered, charted, exported, cited; trainer quizzes.

The rows are the loaded assistant's (derived from the live index), so the tab follows a
re-ingest like the chat does. Rows are numbered ("STT") and the number, not the on-screen
position, identifies a row: sorting or searching in the table cannot make a click open the
wrong passage.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.service import AssistantService
from assistant.targets.model import Target, metric_label, target_citation
from assistant.targets.quiz import make_quiz, quiz_markdown
from assistant.targets.table import (
    COLUMNS,
    NO_YEAR,
    chart_choice,
    export_csv,
    export_xlsx,
    highlight,
    metric_chart,
    metric_choices,
    select,
    table_frame,
)
from assistant.web.downloads import Downloads
from assistant.web.ui.documents import DOCS_TAB, DocumentHandlers
from assistant.web.ui.render import citation_meta, document_choices, esc, plain_md
from kernel.vocabulary import vocabulary

log = logging.getLogger(__name__)

TARGETS_TAB = "targets"
ALL = "*"  # "any" in the dropdowns ("" would read as no value in the browser)
KIND_CHOICES = [
    ("Mục tiêu", "target"),
    ("Hiện trạng (số liệu đã đạt)", "baseline"),
    ("Khuyến nghị của mẫu nghị quyết", "recommendation"),
    ("Tất cả", ALL),
]
PICK_ROW = "Bấm vào một dòng của bảng để xem câu gốc nêu chỉ tiêu đó."
TABLE_STYLE = (
    "<style>#nq-targets-table .body-cell, #nq-targets-table .body-cell *, "
    "#nq-targets-table .header-content { font-family: var(--font) !important; }</style>"
)


def _note(text: str, error: bool = False) -> str:
    cls = "nq-banner" if error else "nq-meta"
    return f'<div class="{cls}" role="{"alert" if error else "status"}">{esc(text)}</div>'


def _any(value: Any) -> bool:
    return value in (None, "", ALL)


def _given(value: Any) -> Any:
    """A dropdown's value as a filter: "any" becomes None."""
    return None if _any(value) else value


@dataclass
class TargetHandlers:
    """Event handlers of the targets tab (plain methods, so tests can call them directly)."""

    service: AssistantService
    docs: DocumentHandlers

    def rows(self) -> list[Target]:
        """The targets table of the loaded index; raises the service's errors."""
        return self.service.get().targets

    def _try_rows(self) -> tuple[list[Target], str]:
        a, problem = self.service.try_get()
        return (a.targets, "") if a is not None else ([], problem)

    def choices(self) -> dict[str, list]:
        """Choices of the filter and quiz controls, from the table as it is now."""
        rows, _ = self._try_rows()
        files: dict[str, str] = {}
        for r in rows:
            if r.kind == "target":
                files.setdefault(r.file, _short(f"{r.province or '—'} — {r.doc_title or r.file}"))
        return {
            "provinces": sorted({r.province for r in rows if r.province}),
            "files": [("Tất cả văn bản", ALL)] + sorted((v, k) for k, v in files.items()),
        }

    def _years(self, rows: list[Target], kind: str) -> list[tuple[str, str]]:
        present = {r.target_year for r in rows if _any(kind) or r.kind == kind}
        years = [(str(y), str(y)) for y in sorted(y for y in present if y is not None)]
        return [("Tất cả", ALL), *years] + ([("Không nêu năm", NO_YEAR)] if None in present else [])

    def apply(self, provinces, pillar, year, metric, kind) -> tuple:
        """Any filter changed: table, row ids, note, downloads, chart and its caption.

        Also the metric and year choices, which depend on the kind of rows shown.
        """
        rows, problem = self._try_rows()
        kind = kind or "target"
        metrics = [("Tất cả chỉ tiêu", ALL)] + metric_choices(rows, None if _any(kind) else kind)
        metric = metric if metric in {v for _, v in metrics} else ALL
        years = self._years(rows, kind)
        year = year if year in {v for _, v in years} else ALL
        chosen = select(rows, provinces, _given(pillar), _given(year), _given(metric), _given(kind))
        if problem:
            note = _note(problem, error=True)
        elif not chosen:
            note = _note("Không có chỉ tiêu nào khớp bộ lọc. Hãy bỏ bớt điều kiện lọc.")
        else:
            note = _note(f"{len(chosen)} dòng. {PICK_ROW}")
        csv_file, xlsx_file = self.export(chosen) if chosen else (None, None)
        # The chart compares all provinces; the ticked ones stand out.
        key, when, charted = chart_choice(
            rows, _given(metric), _given(year), provinces, _given(pillar)
        )
        fig = metric_chart(charted, key, when) if charted else None
        if fig is not None:
            label = metric_label(key, key)
            caption = f"Biểu đồ: mục tiêu “{label}”, {f'năm {when}' if when else 'không nêu năm'}."
            if highlight(fig, provinces):
                caption += " Tỉnh đang chọn tô màu xanh, các tỉnh khác màu xám."
            if _any(metric):
                caption += " Chọn một chỉ tiêu và năm để đổi biểu đồ."
        else:
            caption = "Không có mục tiêu nào để vẽ biểu đồ với bộ lọc này."
        return (
            gr.Dropdown(choices=metrics, value=metric),
            gr.Dropdown(choices=years, value=year),
            table_frame(chosen),
            [r.id for r in chosen],
            note,
            gr.DownloadButton(value=csv_file, interactive=bool(csv_file)),
            gr.DownloadButton(value=xlsx_file, interactive=bool(xlsx_file)),
            fig,
            plain_md(caption),
        )

    def refresh(self) -> tuple:
        """Page load: fresh choices (ingest may have run since start) and the default view."""
        c = self.choices()
        return (
            gr.CheckboxGroup(choices=c["provinces"], value=c["provinces"]),
            gr.Dropdown(choices=c["files"], value=ALL),
            *self.apply(c["provinces"], ALL, ALL, ALL, "target"),
        )

    def export(self, rows: list[Target]) -> tuple[str | None, str | None]:
        """The rows as private CSV and XLSX files for the download buttons (old ones pruned)."""
        try:
            out = Downloads.of(self.service.settings)
            stem = f"chi-tieu-{time.strftime('%Y%m%d-%H%M%S')}"
            csv_path = out.new_path(f"{stem}.csv")
            return (
                out.seal(export_csv(rows, csv_path)),
                out.seal(export_xlsx(rows, csv_path.with_suffix(".xlsx"))),
            )
        except Exception:  # a full disk must not break the table
            log.exception("could not write the targets export")
            return None, None

    def _row(self, target_id: str | None) -> Target | None:
        rows, _ = self._try_rows()
        return next((r for r in rows if r.id == target_id), None) if target_id else None

    def select(self, ids: list[str] | None, evt: gr.SelectData) -> tuple:
        """A row clicked: its cited sentence and section under the table; enables "open"."""
        ids = ids or []
        stt = (evt.row_value or [None])[0] if isinstance(evt.row_value, list) else None
        try:
            i = int(stt) - 1  # the STT column: right even when the table is sorted
        except (TypeError, ValueError):
            i = evt.index[0] if isinstance(evt.index, list | tuple) else -1
        row = self._row(ids[i]) if 0 <= i < len(ids) else None
        if row is None:
            return gr.skip(), gr.skip(), gr.skip()
        return passage_html(row, self._docs()), row.id, gr.Button(interactive=True)

    def _docs(self) -> dict:
        a, _ = self.service.try_get()
        return a.corpus.docs if a is not None else {}

    def open_row(self, target_id: str | None) -> tuple:
        """The "Mở trong văn bản" button: switch tabs, open the document at the sentence."""
        row = self._row(target_id)
        if row is None:
            return gr.skip(), gr.skip(), gr.skip()
        cite = target_citation(1, row, self._docs())
        return (
            gr.Tabs(selected=DOCS_TAB),
            gr.Dropdown(choices=document_choices(self.service.catalog()), value=row.file),
            self.docs.render(row.file, cite),
        )

    def quiz(self, file: str | None, pillar: str | None, n: Any, seed: Any) -> tuple:
        """A quiz for trainers: the handout shown (text escaped) and as a .md download."""
        rows, problem = self._try_rows()
        if problem:
            return plain_md(problem), gr.DownloadButton(value=None, interactive=False)
        n = min(30, max(1, _int(n, 8)))
        file = None if _any(file) else file
        pillar = None if _any(pillar) else pillar
        questions = make_quiz(rows, file=file, pillar=pillar, n=n, seed=_int(seed, 0))
        if not questions:
            msg = "Không đủ chỉ tiêu để tạo câu hỏi cho lựa chọn này. Hãy chọn văn bản khác."
            return plain_md(msg), gr.DownloadButton(value=None, interactive=False)
        files = {k: v for v, k in self.choices()["files"]}
        title = "Bộ câu hỏi ôn tập chỉ tiêu chuyển đổi số"
        title += f" — {files.get(file, file)}" if file else " — tất cả văn bản"
        title += f" — trụ cột {pillar}" if pillar else ""
        handout = quiz_markdown(questions, title)
        try:
            out = Downloads.of(self.service.settings)
            path = out.write_text(f"bo-cau-hoi-{time.strftime('%Y%m%d-%H%M%S')}.md", handout)
            download = gr.DownloadButton(value=path, interactive=True)
        except Exception:
            log.exception("could not write the quiz handout")
            download = gr.DownloadButton(value=None, interactive=False)
        # Shown in the browser: the same handout, every document text made literal.
        text_fields = ("prompt", "answer_display", "sentence", "doc_title", "section", "file")
        safe = [
            q.model_copy(
                update={f: plain_md(getattr(q, f)) for f in text_fields}
                | {"options": [plain_md(o) for o in q.options]}
            )
            for q in questions
        ]
        return quiz_markdown(safe, plain_md(title)), download


def passage_html(row: Target, docs: dict | None = None) -> str:
    """The cited sentence of ``row`` with its document, section and figure, all escaped."""
    c = target_citation(1, row, docs)
    return (
        '<article class="nq-src">'
        f'<div class="nq-src-head"><strong class="nq-title">{esc(c.title or c.file)}</strong>'
        f" — {esc(row.label)}: <strong>{esc(row.display)}</strong></div>"
        f'<div class="nq-meta">{esc(citation_meta(c))}</div>'
        f'<div class="nq-section">Mục: {esc(c.section or "—")}</div>'
        f'<blockquote class="nq-passage"><mark class="nq-mark">{esc(c.sentence)}</mark>'
        "</blockquote></article>"
    )


def _short(label: str, width: int = 90) -> str:
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def _int(value: Any, default: int) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def build_targets_tab(
    h: TargetHandlers, demo: gr.Blocks, open_in: tuple[gr.Tabs, gr.Dropdown, gr.HTML]
) -> dict[str, Any]:
    """Lay out the targets tab in the current Blocks context; ``open_in`` is the app's
    tabs and the document tab's picker and view. Returns the components."""
    c = h.choices()
    with gr.Row():
        provinces = gr.CheckboxGroup(
            c["provinces"],
            value=c["provinces"],
            label="Tỉnh/thành phố",
            scale=3,
            elem_id="nq-targets-provinces",
        )
        kind = gr.Radio(
            KIND_CHOICES, value="target", label="Loại số liệu", scale=2, elem_id="nq-targets-kind"
        )
    with gr.Row():
        pillar = gr.Dropdown(
            [("Tất cả trụ cột", ALL), *[(p, p) for p in vocabulary().pillar_names]],
            value=ALL,
            label="Trụ cột",
            scale=1,
            elem_id="nq-targets-pillar",
        )
        year = gr.Dropdown(
            [("Tất cả", ALL)], value=ALL, label="Năm", scale=1, elem_id="nq-targets-year"
        )
        metric = gr.Dropdown(
            [("Tất cả chỉ tiêu", ALL)],
            value=ALL,
            label="Chỉ tiêu",
            scale=2,
            elem_id="nq-targets-metric",
        )
    # head=: the app CSS does not reach the table's cells, whose default monospace font
    # has no glyphs for letters like "ố" on a stock Debian (DejaVu Sans Mono).
    note = gr.HTML(elem_id="nq-targets-note", head=TABLE_STYLE)
    table = gr.Dataframe(
        headers=COLUMNS,
        interactive=False,
        wrap=True,
        max_height=460,
        column_widths=["5%", "10%", "9%", "36%", "10%", "6%", "8%", "16%"],
        show_search="search",
        elem_id="nq-targets-table",
        label="Bảng chỉ tiêu",
    )
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=320):
            passage = gr.HTML(_note(PICK_ROW), elem_id="nq-targets-passage")
            open_btn = gr.Button(
                "Mở trong văn bản", size="sm", interactive=False, elem_id="nq-targets-open"
            )
            with gr.Row():
                csv_btn = gr.DownloadButton(
                    "Tải CSV", size="sm", interactive=False, elem_id="nq-targets-csv"
                )
                xlsx_btn = gr.DownloadButton(
                    "Tải Excel (.xlsx)", size="sm", interactive=False, elem_id="nq-targets-xlsx"
                )
        with gr.Column(scale=1, min_width=320):
            plot = gr.Plot(
                label="So sánh giữa các tỉnh",
                show_label=False,
                format="png",
                elem_id="nq-targets-chart",
            )
            caption = gr.Markdown(elem_id="nq-targets-caption")
    with gr.Accordion("Tạo bộ câu hỏi (tài liệu cho giảng viên Bình dân học vụ số)", open=False):
        with gr.Row():
            q_file = gr.Dropdown(c["files"], value=ALL, label="Văn bản", scale=3)
            q_pillar = gr.Dropdown(
                [("Tất cả trụ cột", ALL), *[(p, p) for p in vocabulary().pillar_names]],
                value=ALL,
                label="Trụ cột",
                scale=1,
            )
            q_n = gr.Slider(1, 30, value=8, step=1, label="Số câu hỏi", scale=1)
            q_seed = gr.Number(0, precision=0, label="Mã đề (seed)", scale=1, minimum=0)
        with gr.Row():
            q_make = gr.Button("Tạo bộ câu hỏi", variant="primary", elem_id="nq-quiz-make")
            q_download = gr.DownloadButton(
                "Tải bộ câu hỏi (.md)", interactive=False, elem_id="nq-quiz-download"
            )
        q_out = gr.Markdown(elem_id="nq-quiz", latex_delimiters=[], line_breaks=True)
    ids = gr.State([])
    picked = gr.State(None)

    filters = [provinces, pillar, year, metric, kind]
    outs = [metric, year, table, ids, note, csv_btn, xlsx_btn, plot, caption]
    # .input, not .change: the handler sets metric/year itself and must not re-trigger.
    gr.on([f.input for f in filters], h.apply, filters, outs, show_progress="hidden")
    table.select(h.select, [ids], [passage, picked, open_btn], show_progress="hidden")
    tabs, pick, view = open_in
    open_btn.click(h.open_row, [picked], [tabs, pick, view], show_progress="hidden")
    q_make.click(h.quiz, [q_file, q_pillar, q_n, q_seed], [q_out, q_download])
    demo.load(h.refresh, None, [provinces, q_file, *outs], show_progress="hidden")
    return {
        "provinces": provinces,
        "pillar": pillar,
        "year": year,
        "metric": metric,
        "kind": kind,
        "table": table,
        "note": note,
        "passage": passage,
        "open": open_btn,
        "csv": csv_btn,
        "xlsx": xlsx_btn,
        "plot": plot,
        "quiz": q_out,
    }
