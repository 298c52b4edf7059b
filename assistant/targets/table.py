"""The targets table for people: one filter, one table, CSV/XLSX exports and a chart.

The web tab, the exports and the chart all go through :func:`select` and :func:`table_frame`,
so what is filtered, shown and downloaded is the same rows with the same columns.
"""

from __future__ import annotations

import csv
import re
import textwrap
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.targets.model import (
    LOWER_IS_BETTER,
    Target,
    kind_label,
    metric_label,
    one_per_province,
)
from kernel.text import fold
from kernel.vocabulary import vocabulary

if TYPE_CHECKING:  # matplotlib and pandas are heavy: imported where used
    from matplotlib.figure import Figure

NO_YEAR = "none"
"""``year=NO_YEAR`` selects the rows that state no year."""

COLUMNS = ["STT", "Tỉnh/TP", "Trụ cột", "Chỉ tiêu (theo văn bản)", "Mức", "Năm", "Loại", "Mục"]
EXPORT_COLUMNS = [
    "STT",
    "Tỉnh/TP",
    "Văn bản",
    "Số hiệu",
    "Trụ cột",
    "Chỉ tiêu (theo văn bản)",
    "Chỉ tiêu chung",
    "Mức",
    "Giá trị (số)",
    "Đơn vị",
    "Năm",
    "Loại",
    "Mục",
    "Câu trích dẫn",
]
"""Downloads: the columns and values on screen, plus what a report needs beside them."""

# "(tăng 7 bậc so với năm 2018)": a change whose subject is earlier in the sentence.
_BARE = re.compile(r"^(?:tăng|giảm|đạt|lên|thêm|trên|dưới)?\s*…\s*\S{0,12}$", re.IGNORECASE)
_VERB = re.compile(r"\s(?:đứng|đạt|xếp|là|có|chiếm)\s")


def metric_text(row: Target) -> str:
    """The row's metric as the table shows it: the document's words, with the subject added
    when they only say "Tăng … bậc" (the subject is the clause before the figure)."""
    if not _BARE.match(row.metric.strip()):
        return row.metric
    words = row.metric.replace("…", "").split()
    pattern = r"\s*".join([*map(re.escape, words[:1]), re.escape(row.value_text)])
    hit = re.search(pattern, row.sentence, re.IGNORECASE)
    if not hit:
        return row.metric
    clause = re.split(r"[;:]", row.sentence[: hit.start()])[-1].rstrip(" (,")
    verb = _VERB.search(clause)
    subject = (clause[: verb.start()] if verb else clause).strip(" ,")
    tail = re.split(r"[),;]", row.sentence[hit.end() :])[0].strip()
    if not subject:
        return row.metric
    subject = subject[:1].upper() + subject[1:]
    change = row.metric.strip()
    change = change[:1].lower() + change[1:]
    return f"{subject}: {change}" + (f" {tail}" if tail else "")


def select(
    rows: list[Target],
    provinces: list[str] | None = None,
    pillar: str | None = None,
    year: int | str | None = None,
    metric: str | None = None,
    kind: str | None = "target",
) -> list[Target]:
    """Rows matching every given criterion; ``None`` means any.

    ``provinces=[]`` selects nothing; province and pillar names ignore case and diacritics
    ("quang ngai" is Quảng Ngãi); ``year=NO_YEAR`` keeps rows without a year; ``kind=None``
    keeps baselines and recommendations too.
    """
    wanted = None if provinces is None else {fold(p) for p in provinces}
    out = []
    for r in rows:
        if wanted is not None and fold(r.province) not in wanted:
            continue
        if pillar and fold(r.pillar) != fold(pillar):
            continue
        if year == NO_YEAR and r.target_year is not None:
            continue
        if year not in (None, NO_YEAR) and r.target_year != int(year):
            continue
        if metric and r.metric_key != metric:
            continue
        if kind and r.kind != kind:
            continue
        out.append(r)
    return out


def table_frame(rows: list[Target]):
    """The rows as the table shows them: Vietnamese columns (:data:`COLUMNS`), STT from 1."""
    import pandas as pd

    data = [
        [
            str(i),
            r.province,
            r.pillar,
            metric_text(r),
            r.display,
            str(r.target_year) if r.target_year is not None else "—",
            kind_label(r.kind),
            r.headings[-1] if r.headings else "",  # the full path is shown with the passage
        ]
        for i, r in enumerate(rows, start=1)
    ]
    return pd.DataFrame(data, columns=COLUMNS)


def metric_choices(rows: list[Target], kind: str | None = "target") -> list[tuple[str, str]]:
    """(label, metric_key) of the keyed metrics present, for a dropdown; vocabulary order."""
    present = {r.metric_key for r in rows if r.metric_key and (kind is None or r.kind == kind)}
    return [(label, key) for key, label in vocabulary().labels.items() if key in present]


def search(rows: list[Target], query: str | None) -> list[Target]:
    """Rows whose shown text contains the phrase ``query`` from the start of a word,
    ignoring case and diacritics: "chu ky" finds "chữ ký", not "định kỳ"."""
    phrase = " ".join(fold(query or "").split())
    if not phrase:
        return rows
    pattern = re.compile(r"(?<!\w)" + re.escape(phrase))
    out = []
    for r in rows:
        shown = " | ".join(
            [r.province, r.pillar, metric_text(r), r.label, r.display, kind_label(r.kind)]
            + [str(r.target_year or ""), r.section]
        )
        if pattern.search(" ".join(fold(shown).split())):
            out.append(r)
    return out


def _export_records(rows: list[Target]) -> list[list]:
    return [
        [
            i,
            r.province,
            r.doc_title,
            r.doc_number,
            r.pillar,
            metric_text(r),
            metric_label(r.metric_key) if r.metric_key else "",
            r.display,
            r.value,
            r.unit,
            r.target_year if r.target_year is not None else "",
            kind_label(r.kind),
            r.section,
            r.sentence,
        ]
        for i, r in enumerate(rows, start=1)
    ]


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
    from openpyxl.styles import Alignment, Font

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
    widths = {
        "STT": 6,
        "Văn bản": 40,
        "Chỉ tiêu (theo văn bản)": 60,
        "Chỉ tiêu chung": 30,
        "Mục": 50,
        "Câu trích dẫn": 80,
    }
    for i, name in enumerate(EXPORT_COLUMNS, start=1):
        letter = ws.cell(1, i).column_letter
        ws.column_dimensions[letter].width = widths.get(name, 14)
        if widths.get(name, 0) >= 40:
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)
    return path


def chart_choice(
    rows: list[Target],
    metric: str | None = None,
    year: int | str | None = None,
    provinces: list[str] | None = None,
    pillar: str | None = None,
    kind: str = "target",
) -> tuple[str | None, int | None, list[Target]]:
    """``(metric_key, year, rows)`` to chart, every province's row for that metric and year.

    Only rows of ``kind`` (targets, or the baselines when "Hiện trạng" is shown). Without a
    chosen metric: of the metrics the chosen provinces have (in ``pillar``), the one most
    provinces share; without a year, its best-covered year. One year only: figures of
    different years are never compared in one chart.
    """
    targets = select([r for r in rows if r.metric_key], year=year, metric=metric, kind=kind)
    if not metric:
        shown = {r.metric_key for r in select(targets, provinces, pillar, kind=None)}
        targets = [r for r in targets if r.metric_key in shown]
    if not targets:
        return None, None, []
    order = {k: i for i, k in enumerate(vocabulary().labels)}
    spread = Counter(k for k, _ in {(r.metric_key, r.province) for r in targets})
    key = min(spread, key=lambda k: (-spread[k], order.get(k, len(order))))
    years = Counter(
        y for k, _, y in {(r.metric_key, r.province, r.target_year) for r in targets} if k == key
    )
    # Most provinces first; on a tie the latest year, a stated year before none.
    when = max(years, key=lambda y: (years[y], -1 if y is None else y))
    chosen = [r for r in targets if r.metric_key == key and r.target_year == when]
    return key, when, chosen


def metric_chart(
    rows: list[Target], metric_key: str, year: int | None, kind: str = "target"
) -> Figure:
    """Horizontal bar chart of the provinces' figures for one metric and one year.

    Horizontal bars and a narrow figure: province names and values stay readable when the
    image is shrunk to a phone's width (about 340 px); 150 dpi keeps it sharp when a wide
    screen scales it up. Agg canvas, no pyplot.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    chosen = select(rows, metric=metric_key, year=NO_YEAR if year is None else year, kind=kind)
    chosen = one_per_province(chosen) if chosen else []
    fig = Figure(figsize=(4.4, 1.6 + 0.5 * max(1, len(chosen))), layout="constrained", dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    label = metric_label(metric_key, metric_key)
    when = f"năm {year}" if year is not None else "không nêu năm"
    what = "" if kind == "target" else f"{kind_label(kind).capitalize()}: "
    ax.set_title(textwrap.fill(f"{what}{label} — {when}", 36), fontsize=13)
    if not chosen:
        ax.text(0.5, 0.5, "Không có dữ liệu", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    chosen.sort(key=lambda r: r.province, reverse=True)  # A at the top
    names = [r.province for r in chosen]
    bars = ax.barh(names, [r.value for r in chosen], color="#2f6db3", height=0.6)
    top = max(r.value for r in chosen) or 1
    for bar, r in zip(bars, chosen, strict=True):
        ax.annotate(
            r.display,
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            ha="left",
            va="center",
            fontsize=12,
            xytext=(4, 0),
            textcoords="offset points",
        )
    unit = chosen[0].unit
    ax.set_xlabel(unit + (" (nhỏ hơn = tốt hơn)" if unit in LOWER_IS_BETTER else ""), fontsize=12)
    ax.set_xlim(0, top * 1.35)
    ax.tick_params(axis="y", labelsize=13)
    ax.tick_params(axis="x", labelsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def highlight(fig: Figure, provinces: list[str] | None) -> bool:
    """Grey out the bars of provinces not chosen (True if any was), and keep a lone bar
    or two narrow. The official sees their province against all the others."""
    ax = fig.axes[0]
    bars = list(ax.patches)
    if not bars:
        return False
    pad = max(0, 3 - len(bars)) / 2
    ax.set_ylim(-0.5 - pad, len(bars) - 0.5 + pad)
    if provinces is None:
        return False
    ticked = set()
    for name in provinces:
        try:
            ticked.add(round(float(ax.yaxis.convert_units(name))))
        except (KeyError, TypeError, ValueError):
            continue  # that province has no bar
    greyed = False
    for bar in bars:
        if round(bar.get_y() + bar.get_height() / 2) not in ticked:
            bar.set_color("#c3cddb")
            greyed = True
    return greyed
