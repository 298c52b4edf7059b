"""The targets table for people: table rows, CSV/XLSX exports and a comparison chart."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from .targets import LOWER_IS_BETTER, METRIC_LABELS, Target, filter_targets, one_per_province

if TYPE_CHECKING:  # matplotlib and pandas are heavy: imported where used
    from matplotlib.figure import Figure

TABLE_COLUMNS = [
    "Tỉnh/TP",
    "Trụ cột",
    "Chỉ tiêu",
    "Mức",
    "Năm",
    "Loại",
    "Mã chỉ tiêu",
    "Mục",
    "Tệp",
]
_KIND_VI = {"target": "mục tiêu", "baseline": "hiện trạng", "recommendation": "khuyến nghị"}
EXPORT_COLUMNS = [
    "id",
    "file",
    "province",
    "doc_title",
    "doc_number",
    "kind",
    "pillar",
    "metric",
    "metric_key",
    "comparator",
    "value",
    "value_text",
    "unit",
    "target_year",
    "section",
    "sentence",
    "start",
    "end",
    "value_start",
    "value_end",
]


def metric_choices(rows: list[Target], kind: str | None = "target") -> list[tuple[str, str]]:
    """(label, metric_key) of the keyed metrics present, for a dropdown; label order."""
    present = {r.metric_key for r in rows if r.metric_key and (kind is None or r.kind == kind)}
    return [(label, key) for key, label in METRIC_LABELS.items() if key in present]


def targets_table_rows(rows: list[Target]) -> list[list]:
    """Rows for a table widget, in :data:`TABLE_COLUMNS` order."""
    return [
        [
            r.province,
            r.pillar,
            r.metric,
            r.display,
            r.target_year if r.target_year is not None else "",
            _KIND_VI.get(r.kind, r.kind),
            r.metric_key,
            r.section,
            r.file,
        ]
        for r in rows
    ]


def _export_records(rows: list[Target]) -> list[list]:
    out = []
    for r in rows:
        d = r.model_dump()
        d["section"] = r.section
        out.append([d[c] if d[c] is not None else "" for c in EXPORT_COLUMNS])
    return out


def targets_dataframe(rows: list[Target]):
    """The table as a pandas DataFrame (:data:`EXPORT_COLUMNS`)."""
    import pandas as pd

    return pd.DataFrame(_export_records(rows), columns=EXPORT_COLUMNS)


def export_csv(rows: list[Target], path: str | Path) -> Path:
    """Write a CSV (UTF-8 with BOM, so Excel shows Vietnamese correctly)."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EXPORT_COLUMNS)
        w.writerows(_export_records(rows))
    return path


def export_xlsx(rows: list[Target], path: str | Path) -> Path:
    """Write an Excel workbook: one sheet, bold frozen header, filters, readable widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "Chỉ tiêu"
    ws.append(EXPORT_COLUMNS)
    for rec in _export_records(rows):
        ws.append(rec)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    widths = {"metric": 60, "sentence": 80, "section": 50, "doc_title": 40}
    for i, name in enumerate(EXPORT_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = widths.get(name, 14)
    wb.save(path)
    return path


def metric_chart(rows: list[Target], metric_key: str, year: int | None) -> Figure:
    """Bar chart of the provinces' targets for one metric and one year (Agg, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    chosen = filter_targets(rows, metric_key=metric_key, year=year)
    chosen = one_per_province(chosen) if chosen else []
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    label = METRIC_LABELS.get(metric_key, metric_key)
    when = f"năm {year}" if year is not None else "không nêu năm"
    ax.set_title(f"{label} — {when}", fontsize=10)
    if not chosen:
        ax.text(0.5, 0.5, "Không có dữ liệu", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    chosen.sort(key=lambda r: r.province)
    names = [r.province for r in chosen]
    bars = ax.bar(names, [r.value for r in chosen], color="#2f6db3")
    for bar, r in zip(bars, chosen, strict=True):
        ax.annotate(
            r.display,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    unit = chosen[0].unit
    ax.set_ylabel(unit + (" (nhỏ hơn = tốt hơn)" if unit in LOWER_IS_BETTER else ""))
    ax.set_ylim(0, max(r.value for r in chosen) * 1.18 or 1)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
