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
from assistant.targets.model import Target, kind_label, metric_label, target_citation
from assistant.targets.quiz import QuizQuestion, answer_key_markdown, make_quiz, quiz_markdown
from assistant.targets.table import (
    COLUMNS,
    NO_YEAR,
    chart_choice,
    export_csv,
    export_xlsx,
    highlight,
    metric_chart,
    metric_choices,
    search,
    select,
    table_frame,
)
from assistant.web.downloads import Downloads
from assistant.web.handout import answer_key_docx, quiz_sheet_docx
from assistant.web.ui.documents import DOCS_TAB, DocumentHandlers
from assistant.web.ui.render import document_choices, esc, plain_md
from assistant.web.ui.targets_view import CARDS_JS, cards_html, passage_html
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
PICK_CARD = "Mở “Câu gốc và mục” của một thẻ để xem câu gốc nêu chỉ tiêu đó."
SEARCH_HINT = "Có dấu hoặc không dấu, vd: chu ky so"
TABLE_STYLE = (
    "<style>#nq-targets-table .body-cell, #nq-targets-table .body-cell *, "
    "#nq-targets-table .header-content { font-family: var(--font) !important; }</style>"
)


def _note(text: str, error: bool = False) -> str:
    cls = "nq-banner" if error else "nq-meta"
    return f'<div class="{cls}" role="{"alert" if error else "status"}">{esc(text)}</div>'


def _count_note(text: str) -> str:
    """ "88 dòng." and how to see a row's sentence, for the layout in use (table or cards)."""
    return (
        f'<div class="nq-meta" role="status">{esc(text)} '
        f'<span class="nq-on-wide">{esc(PICK_ROW)}</span>'
        f'<span class="nq-on-narrow">{esc(PICK_CARD)}</span></div>'
    )


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

    def apply(self, provinces, pillar, year, metric, kind, query: str = "") -> tuple:
        """Any filter or the search changed: table, cards, row ids, note, downloads, chart
        and its caption. Also the metric and year choices, which depend on the kind shown.
        """
        rows, problem = self._try_rows()
        kind = kind or "target"
        metrics = [("Tất cả chỉ tiêu", ALL)] + metric_choices(rows, None if _any(kind) else kind)
        # A value is sent back only when it has to change: another filter's answer arriving
        # late must not undo a year or metric the user picked meanwhile.
        keep_metric = metric in {v for _, v in metrics}
        metric = metric if keep_metric else ALL
        years = self._years(rows, kind)
        keep_year = year in {v for _, v in years}
        year = year if keep_year else ALL
        filtered = select(
            rows, provinces, _given(pillar), _given(year), _given(metric), _given(kind)
        )
        chosen = search(filtered, query)
        if problem:
            note = _note(problem, error=True)
        elif not filtered:
            note = _note("Không có dòng nào khớp bộ lọc. Hãy bỏ bớt điều kiện lọc.")
        elif not chosen:
            note = _note(
                f"Không có dòng nào chứa “{query.strip()}” trong {len(filtered)} dòng đã lọc. "
                "Hãy thử từ khác hoặc xoá ô tìm kiếm."
            )
        else:
            found = f" chứa “{query.strip()}”" if (query or "").strip() else ""
            note = _count_note(f"{len(chosen)} dòng{found}.")
        csv_file, xlsx_file = self.export(chosen) if chosen else (None, None)
        # The chart compares all provinces; the ticked ones stand out. It shows the kind of
        # figure listed (targets when every kind is).
        charted_kind = "target" if _any(kind) else kind
        key, when, charted = chart_choice(
            rows, _given(metric), _given(year), provinces, _given(pillar), kind=charted_kind
        )
        fig = metric_chart(charted, key, when, kind=charted_kind) if charted else None
        if fig is not None:
            label = metric_label(key, key)
            what = kind_label(charted_kind)
            caption = f"Biểu đồ: {what} “{label}”, {f'năm {when}' if when else 'không nêu năm'}."
            if highlight(fig, provinces):
                caption += " Tỉnh đang chọn tô màu xanh, các tỉnh khác màu xám."
            if _any(metric):
                caption += " Chọn một chỉ tiêu và năm để đổi biểu đồ."
        else:
            caption = (
                f"Không có số liệu “{kind_label(charted_kind)}” nào để vẽ biểu đồ với bộ lọc này."
            )
        return (
            gr.Dropdown(choices=metrics)
            if keep_metric
            else gr.Dropdown(choices=metrics, value=ALL),
            gr.Dropdown(choices=years) if keep_year else gr.Dropdown(choices=years, value=ALL),
            table_frame(chosen),
            cards_html(chosen),
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
            *self.apply(c["provinces"], ALL, ALL, ALL, "target", ""),
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

    def open_card(self, evt: gr.EventData) -> tuple:
        """A card's "Mở trong văn bản" (phone layout): the row's id comes with the click."""
        data = getattr(evt, "_data", None) or {}
        return self.open_row(data.get("id") if isinstance(data, dict) else None)

    def quiz(self, file: str | None, pillar: str | None, n: Any, seed: Any) -> tuple:
        """A quiz for trainers: the question sheet shown, the key apart (folded away), both
        as print-ready Word files. Returns sheet, key, sheet download, key download."""
        none = gr.DownloadButton(value=None, interactive=False)
        rows, problem = self._try_rows()
        if problem:
            return plain_md(problem), "", none, none
        n = min(30, max(1, _int(n, 8)))
        file = None if _any(file) else file
        pillar = None if _any(pillar) else pillar
        questions = make_quiz(rows, file=file, pillar=pillar, n=n, seed=_int(seed, 0))
        if not questions:
            msg = "Không đủ chỉ tiêu để tạo câu hỏi cho lựa chọn này. Hãy chọn văn bản khác."
            return plain_md(msg), "", none, none
        title = "Bộ câu hỏi ôn tập chỉ tiêu chuyển đổi số"
        subtitle = self._quiz_scope(rows, file, pillar) + f" · Mã đề {_int(seed, 0)}"
        sheet, key = self._quiz_files(questions, rows, title, subtitle)
        # Shown in the browser: the same texts, every document text made literal.
        text_fields = ("prompt", "answer", "answer_display", "sentence", "doc_title", "section")
        safe = [
            q.model_copy(
                update={f: plain_md(getattr(q, f)) for f in text_fields}
                | {"options": [plain_md(o) for o in q.options]}
            )
            for q in questions
        ]
        return (
            quiz_markdown(safe, plain_md(title), plain_md(subtitle)),
            answer_key_markdown(safe, plain_md(title)),
            sheet,
            key,
        )

    @staticmethod
    def _quiz_scope(rows: list[Target], file: str | None, pillar: str | None) -> str:
        """ "Quảng Ngãi — Nghị quyết về …" (the full title) and the pillar, for the heading."""
        doc = next((r for r in rows if r.file == file), None) if file else None
        where = f"{doc.province} — {doc.doc_title}" if doc else "Tất cả văn bản"
        return where + (f" · Trụ cột: {pillar}" if pillar else "")

    def _quiz_files(
        self, questions: list[QuizQuestion], rows: list[Target], title: str, subtitle: str
    ) -> tuple[gr.DownloadButton, gr.DownloadButton]:
        by_id = {r.id: r for r in rows}
        docs = self._docs()
        cites = {q.number: target_citation(q.number, by_id[q.target_id], docs) for q in questions}
        try:
            out = Downloads.of(self.service.settings)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            sheet_path = out.new_path(f"cau-hoi-{stamp}.docx")
            sheet = quiz_sheet_docx(questions, title, subtitle, sheet_path)
            key = answer_key_docx(
                questions, cites, title, subtitle, sheet_path.with_name(f"dap-an-{stamp}.docx")
            )
        except Exception:
            log.exception("could not write the quiz handouts")
            none = gr.DownloadButton(value=None, interactive=False)
            return none, none
        return (
            gr.DownloadButton(value=out.seal(sheet), interactive=True),
            gr.DownloadButton(value=out.seal(key), interactive=True),
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
            min_width=320,
            elem_id="nq-targets-provinces",
        )
        kind = gr.Radio(
            KIND_CHOICES,
            value="target",
            label="Loại số liệu",
            scale=2,
            min_width=320,
            elem_id="nq-targets-kind",
        )
    with gr.Row():
        pillar = gr.Dropdown(
            [("Tất cả", ALL), *[(p, p) for p in vocabulary().pillar_names]],
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
            min_width=300,  # a row of its own on a phone: metric names are long
            elem_id="nq-targets-metric",
        )
        search_box = gr.Textbox(
            label="Tìm trong bảng",
            placeholder=SEARCH_HINT,
            scale=2,
            min_width=300,
            elem_id="nq-targets-search",
            max_lines=1,
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
        show_search="none",
        buttons=["fullscreen"],
        elem_id="nq-targets-table",
        label="Bảng chỉ tiêu",
    )
    # The phone layout of the same rows (CSS shows one or the other by screen width).
    cards = gr.HTML(cards_html([]), js_on_load=CARDS_JS, elem_id="nq-targets-cards")
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
            q_sheet = gr.DownloadButton(
                "Tải phiếu câu hỏi (Word)", interactive=False, elem_id="nq-quiz-download"
            )
            q_key_file = gr.DownloadButton(
                "Tải đáp án (Word)", interactive=False, elem_id="nq-quiz-key-download"
            )
        q_out = gr.Markdown(elem_id="nq-quiz", latex_delimiters=[], line_breaks=True)
        with gr.Accordion("Đáp án (dành cho giảng viên — không chiếu)", open=False):
            q_key = gr.Markdown(elem_id="nq-quiz-key", latex_delimiters=[], line_breaks=True)
    ids = gr.State([])
    picked = gr.State(None)

    filters = [provinces, pillar, year, metric, kind, search_box]
    outs = [metric, year, table, cards, ids, note, csv_btn, xlsx_btn, plot, caption]
    # .input, not .change: the handler sets metric/year itself and must not re-trigger.
    # The search box only changes by the user (typing, pasting): .change sees both.
    gr.on(
        [f.input for f in filters[:-1]] + [search_box.change],
        h.apply,
        filters,
        outs,
        show_progress="hidden",
        trigger_mode="always_last",
    )
    table.select(h.select, [ids], [passage, picked, open_btn], show_progress="hidden")
    tabs, pick, view = open_in
    open_btn.click(h.open_row, [picked], [tabs, pick, view], show_progress="hidden")
    cards.click(h.open_card, None, [tabs, pick, view], show_progress="hidden")
    q_make.click(h.quiz, [q_file, q_pillar, q_n, q_seed], [q_out, q_key, q_sheet, q_key_file])
    demo.load(h.refresh, None, [provinces, q_file, *outs], show_progress="hidden")
    return {
        "provinces": provinces,
        "pillar": pillar,
        "year": year,
        "metric": metric,
        "kind": kind,
        "search": search_box,
        "table": table,
        "cards": cards,
        "note": note,
        "passage": passage,
        "open": open_btn,
        "csv": csv_btn,
        "xlsx": xlsx_btn,
        "plot": plot,
        "quiz": q_out,
        "quiz_key": q_key,
    }
