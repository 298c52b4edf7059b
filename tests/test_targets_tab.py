"""The "Chỉ tiêu" tab: filters, chart, exports, row → passage, quizzes, on the real index."""

from __future__ import annotations

import copy
import csv
import re
from pathlib import Path

import gradio as gr
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from openpyxl import load_workbook

from assistant.service import AssistantService
from assistant.targets.table import COLUMNS, NO_YEAR, chart_choice, select
from assistant.web.ui.documents import DOCS_TAB, DocumentHandlers
from assistant.web.ui.targets_tab import ALL, TargetHandlers
from kernel.settings import Settings

QN = "003_a83315fa0d19e00b.txt"
XSS = "<img src=x onerror=alert(1)>"
GREY = "#c3cddb"


@pytest.fixture(scope="module")
def handlers(index_settings, assistant) -> TargetHandlers:
    service = AssistantService(index_settings, assistant)
    return TargetHandlers(service, DocumentHandlers(service))


def _apply(
    h: TargetHandlers, provinces=None, pillar=ALL, year=ALL, metric=ALL, kind="target", query=""
):
    out = h.apply(provinces, pillar, year, metric, kind, query)
    keys = ["metric", "year", "table", "cards", "ids", "note", "csv", "xlsx", "plot", "caption"]
    return dict(zip(keys, out, strict=True))


def _path(button: gr.DownloadButton) -> Path:
    v = button.value
    return Path(v["path"] if isinstance(v, dict) else v)


def test_app_builds_with_the_tab(index_settings, assistant) -> None:
    import app as webapp

    demo = webapp.build_app(index_settings, assistant)
    labels = [b.label for b in demo.blocks.values() if isinstance(b, gr.Tab)]
    assert labels == ["Hỏi đáp", "Văn bản", "Chỉ tiêu"]


def test_filter_quang_ngai_social_2030(handlers: TargetHandlers) -> None:
    out = _apply(handlers, ["Quảng Ngãi"], "xã hội số", "2030")
    df = out["table"]
    assert list(df.columns) == COLUMNS and len(df) == 3 and len(out["ids"]) == 3
    assert list(df["STT"]) == ["1", "2", "3"]
    assert set(df["Tỉnh/TP"]) == {"Quảng Ngãi"} and set(df["Năm"]) == {"2030"}
    assert "trên 70%" in list(df["Mức"])
    assert any("chữ ký số" in m for m in df["Chỉ tiêu (theo văn bản)"])
    assert all("4.3. Phát triển xã hội số" in s for s in df["Mục"])
    assert "3 dòng" in out["note"]


def test_kinds_years_and_empty_filters(handlers: TargetHandlers) -> None:
    rows = handlers.rows()
    every = _apply(handlers, kind=ALL)
    assert len(every["table"]) == len(rows)
    base = select(rows, kind="baseline")
    assert base and all(r.kind == "baseline" for r in base)
    rec = _apply(handlers, kind="recommendation")
    assert len(rec["table"]) >= 1 and set(rec["table"]["Loại"]) == {"khuyến nghị"}
    assert all(r.target_year is None for r in select(rows, year=NO_YEAR, kind=None))
    # metric and year choices follow the kind; a metric no longer offered falls back to all
    years = [v for _, v in every["year"].choices]
    assert "2030" in years and "2019" in years
    assert "2019" not in [v for _, v in _apply(handlers)["year"].choices]
    none = _apply(handlers, provinces=[])
    assert len(none["table"]) == 0 and "Không có dòng nào khớp bộ lọc" in none["note"]
    assert none["csv"].interactive is False


def test_downloads_hold_the_filtered_rows(handlers: TargetHandlers) -> None:
    out = _apply(handlers, ["Quảng Ngãi"], "xã hội số", "2030")
    df = out["table"]
    csv_path, xlsx_path = _path(out["csv"]), _path(out["xlsx"])
    assert csv_path.suffix == ".csv" and xlsx_path.suffix == ".xlsx"
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        records = list(csv.DictReader(fh))
    # The columns and values on screen, in Vietnamese: no developer names or codes.
    assert list(records[0])[:2] == ["STT", "Tỉnh/TP"] and "metric_key" not in records[0]
    for col in ("STT", "Tỉnh/TP", "Trụ cột", "Chỉ tiêu (theo văn bản)", "Mức", "Năm", "Loại"):
        assert [r[col] for r in records] == list(df[col]), col
    assert {r["Loại"] for r in records} == {"mục tiêu"} and "trên 70%" in df["Mức"].tolist()
    assert all(r["Văn bản"].startswith("Nghị quyết") and r["Câu trích dẫn"] for r in records)
    ws = load_workbook(xlsx_path).active
    header, *body = list(ws.values)
    assert [dict(zip(header, r, strict=True))["Mức"] for r in body] == list(df["Mức"])
    assert {dict(zip(header, r, strict=True))["Tỉnh/TP"] for r in body} == {"Quảng Ngãi"}


def test_search_ignores_diacritics_and_says_when_nothing_matches(handlers) -> None:
    out = _apply(handlers, query="chu ky")
    df = out["table"]
    assert len(df) >= 2 and all("chữ ký" in m for m in df["Chỉ tiêu (theo văn bản)"])
    assert "chứa “chu ky”" in out["note"] and len(out["ids"]) == len(df)
    assert out["cards"].count('class="nq-card"') == len(df)  # the phone layout: same rows
    nothing = _apply(handlers, query="xyz khong co")
    assert len(nothing["table"]) == 0 and "Không có dòng nào chứa “xyz khong co”" in nothing["note"]
    assert nothing["csv"].interactive is False


def test_baseline_view_charts_baselines(handlers: TargetHandlers) -> None:
    out = _apply(handlers, kind="baseline")
    assert set(out["table"]["Loại"]) == {"hiện trạng"}
    assert "hiện trạng" in out["caption"] and "mục tiêu" not in out["caption"]
    title = out["plot"].axes[0].get_title()
    assert title.startswith("Hiện trạng") and "2030" not in title


def test_rows_without_a_subject_get_one(handlers: TargetHandlers) -> None:
    df = _apply(handlers, ["Hải Dương"], kind="baseline")["table"]
    metrics = [m for m in df["Chỉ tiêu (theo văn bản)"] if "bậc" in m]
    assert metrics and not [m for m in metrics if m.startswith("Tăng")]
    assert any(m.startswith("Chỉ số cải cách hành chính (PAR Index): tăng") for m in metrics)


def test_chart_for_metric_and_year(handlers: TargetHandlers) -> None:
    out = _apply(handlers, year="2025", metric="kinh_te_so_grdp")
    assert isinstance(out["plot"], Figure)
    ax = out["plot"].axes[0]
    assert "2025" in ax.get_title() and len(ax.patches) == 3  # three provinces compared
    assert "Tỷ trọng kinh tế số trong GRDP" in out["caption"]
    two = _apply(handlers, ["Quảng Ngãi", "Khánh Hòa"], year="2025", metric="kinh_te_so_grdp")
    # every province stays on the chart; the ones not ticked are greyed out
    colors = [to_hex(b.get_facecolor()) for b in two["plot"].axes[0].patches]
    assert colors.count(GREY) == 1 and "màu xám" in two["caption"]
    assert "màu xám" not in out["caption"]
    # nothing chosen: the metric most provinces share, in one single year
    key, year, chosen = chart_choice(handlers.rows())
    assert key and chosen and {r.target_year for r in chosen} == {year}
    assert {r.metric_key for r in chosen} == {key}
    assert _apply(handlers, provinces=[])["plot"] is None


def test_select_row_shows_and_opens_its_passage(handlers: TargetHandlers) -> None:
    out = _apply(handlers, ["Quảng Ngãi"], "xã hội số", "2030")
    df = out["table"]
    i = next(k for k, v in enumerate(df["Mức"]) if v == "trên 70%")
    # The STT column identifies the row, even if the table is shown sorted differently.
    evt = gr.SelectData(None, {"index": [0, 4], "value": "x", "row_value": list(df.iloc[i])})
    passage, picked, button = handlers.select(out["ids"], evt)
    row = handlers._row(picked)
    assert row.file == QN and "70%" in row.sentence and button.interactive
    assert "70%" in re.search(r'<mark class="nq-mark">(.*?)</mark>', passage, re.S).group(1)
    assert "4.3. Phát triển xã hội số" in passage and "Quảng Ngãi" in passage
    tabs, pick, view = handlers.open_row(picked)
    assert tabs.selected == DOCS_TAB and pick.value == QN
    assert view.count('id="nq-cited"') == 1
    mark = re.search(r'<mark class="nq-mark">(.*?)</mark>', view, re.S)
    assert mark and "70%" in mark.group(1)
    # a table event without a row value falls back to its position
    evt = gr.SelectData(None, {"index": [i, 1], "value": "x"})
    assert handlers.select(out["ids"], evt)[1] == picked


def _docx(path: Path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_quiz_sheet_and_key_are_separate(handlers: TargetHandlers) -> None:
    shown, key, sheet, key_file = handlers.quiz(QN, ALL, 5, 3)
    assert shown.count("**Câu ") == 5 and "Đáp án" not in shown  # the sheet has no answers
    assert key.count("**Câu ") == 5 and "> Nguồn:" in key
    title = next(r.doc_title for r in handlers.rows() if r.file == QN)
    assert title in shown  # the full title, not cut at 90 characters
    sheet_text, key_text = _docx(_path(sheet)), _docx(_path(key_file))
    assert _path(sheet).suffix == ".docx" and sheet_text.count("Câu ") >= 5
    assert "Đáp án" in key_text and "Đáp án" not in sheet_text and title in sheet_text
    assert QN not in key_text and "ký tự" not in key_text  # nothing a reader cannot use
    assert key_text.count("Nguồn: ") == 5 and "Mục: " in key_text
    assert handlers.quiz(QN, ALL, 5, 3)[:2] == (shown, key)  # same seed, same quiz
    empty, _, dl, _ = handlers.quiz("no-such-file.txt", ALL, 5, 0)
    assert "Không đủ chỉ tiêu" in empty and dl.interactive is False


def test_quiz_display_escapes_document_text(index_settings, assistant) -> None:
    bad = [
        r.model_copy(update={"doc_title": XSS, "sentence": r.sentence + " **x**"})
        for r in assistant.targets
    ]
    tampered = copy.copy(assistant)  # the same index, with document text full of markup
    tampered.targets = bad
    service = AssistantService(index_settings, tampered)
    h = TargetHandlers(service, DocumentHandlers(service))
    shown, key, _, key_file = h.quiz(ALL, "kinh tế số", 3, 0)
    assert "<img" not in key and "&lt;img" in key and "\\*\\*x\\*\\*" in key
    assert "<img" not in shown
    assert XSS in _docx(_path(key_file))  # the Word file keeps the words as text


def test_missing_index_is_a_readable_message(tmp_path: Path, model_dir: Path) -> None:
    s = Settings(data_dir=tmp_path / "empty", embedding={"model": str(model_dir)})
    service = AssistantService(s)
    h = TargetHandlers(service, DocumentHandlers(service))
    out = _apply(h)
    assert "python -m ingest" in out["note"] and "Traceback" not in out["note"]
    assert len(out["table"]) == 0 and out["plot"] is None
    shown, *_ = h.quiz(ALL, ALL, 5, 0)
    assert "python" in shown and "ingest" in shown
    assert h.refresh()[0].choices == []
