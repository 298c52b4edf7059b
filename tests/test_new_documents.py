"""Documents nobody tuned for: facts of every common kind, any numbering, tables as rows.

The Nghệ An resolution and plan (tests/data/province6) were written by someone who never
saw the code, delivered as .txt, .pdf (HTML printed by Chromium) and .docx (a real Word
table); whatever the format, the same facts, headings and table rows come out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import chunk
from ingest.detect import detect_meta
from ingest.loaders import load_text
from kernel.tokens import get_encoding

DATA = Path(__file__).parent / "data" / "province6"
FORMATS = ("txt", "pdf", "docx")


def _doc(name: str, fmt: str):
    path = DATA / f"{name}.{fmt}"
    text = load_text(path)
    meta = detect_meta(path.name, text)
    return text, meta, chunk(text, meta, get_encoding(), 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_plan_facts_in_every_format(fmt: str) -> None:
    _, meta, _ = _doc("nghean_kh_2023", fmt)
    p = meta.main
    assert meta.province == "Nghệ An" and p.kind == "kế hoạch"
    assert p.title == "Kế hoạch chuyển đổi số tỉnh Nghệ An năm 2023"
    assert (p.number, p.date) == ("312/KH-UBND", "20/03/2023")
    assert p.issuing_body == "Ủy ban nhân dân tỉnh Nghệ An"
    assert (p.signer, p.signer_title) == ("Phan Đức Thịnh", "KT. Chủ tịch, Phó Chủ tịch")
    assert p.period == "năm 2023"
    assert p.implements.startswith("Nghị quyết số 09-NQ/TU ngày 05/8/2021")


@pytest.mark.parametrize("fmt", FORMATS)
def test_resolution_facts_in_every_format(fmt: str) -> None:
    _, meta, _ = _doc("nghean_nq_2021", fmt)
    p = meta.main
    assert p.kind == "nghị quyết" and (p.number, p.date) == ("09-NQ/TU", "05/08/2021")
    assert p.issuing_body == "Ban Chấp hành Đảng bộ tỉnh Nghệ An"
    assert (p.signer, p.signer_title) == ("Đặng Quang Hiển", "T/M Tỉnh ủy, Bí thư")
    assert p.period == "2021 - 2025, định hướng đến năm 2030"
    assert "52-NQ/TW" in p.implements


@pytest.mark.parametrize("fmt", FORMATS)
def test_table_rows_are_units_with_their_headers(fmt: str) -> None:
    text, _, chunks = _doc("nghean_kh_2023", fmt)
    rows = [u for c in chunks for u in c.units if u.text.startswith("Tỷ lệ bệnh viện sử dụng")]
    assert len(rows) == 1, [u.text for u in rows]
    u = rows[0]
    assert u.text == (
        "Tỷ lệ bệnh viện sử dụng bệnh án điện tử: Năm 2023: 25%; Năm 2025: 80%; "
        "Cơ quan chủ trì: Sở Y tế"
    )
    # The citation span is the row as the file (its text layer) writes it.
    row = text[u.start : u.end]
    assert "bệnh án điện tử" in row and "25%" in row and "80%" in row and "Sở Y tế" in row
    section = next(c for c in chunks if u in c.units).headings
    assert section == ["III. CHỈ TIÊU"]


def test_headings_for_any_numbering() -> None:
    from kernel.types import FileMeta

    text = "\n\n".join(
        [
            "QUYẾT ĐỊNH",
            "Phần thứ nhất. KẾT QUẢ ĐẠT ĐƯỢC",
            "Năm 2021, tỷ lệ hồ sơ trực tuyến đạt 31,4%.",
            "Phần thứ hai. NHIỆM VỤ",
            "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch chuyển đổi số.",
            "a) Về hạ tầng số",
            "a.1 Phủ sóng 5G tại khu công nghiệp.",
            "(1) Ưu tiên các khu công nghiệp phía Bắc.",
            "Điều 2. Tổ chức thực hiện",
            "Các sở, ngành triển khai.",
        ]
    )
    chunks = chunk(text, FileMeta(file="qd.txt"), get_encoding(), 400)
    paths = {u.text: c.headings for c in chunks for u in c.units}
    assert paths["Năm 2021, tỷ lệ hồ sơ trực tuyến đạt 31,4%."] == [
        "Phần thứ nhất. KẾT QUẢ ĐẠT ĐƯỢC"
    ]
    assert paths["(1) Ưu tiên các khu công nghiệp phía Bắc."][:4] == [
        "Phần thứ hai. NHIỆM VỤ",
        "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch chuyển đổi số.",
        "a) Về hạ tầng số",
        "a.1 Phủ sóng 5G tại khu công nghiệp.",
    ]
    assert paths["Các sở, ngành triển khai."] == [
        "Phần thứ hai. NHIỆM VỤ",
        "Điều 2. Tổ chức thực hiện",
    ]


@pytest.mark.parametrize(
    "table",
    [
        "Chỉ tiêu | 2025 | 2030\nTỷ lệ hộ gia đình có cáp quang | 60% | 90%",
        "| Chỉ tiêu | 2025 | 2030 |\n|---|---|---|\n| Tỷ lệ hộ gia đình có cáp quang | 60% | 90% |",
    ],
    ids=["pipes", "markdown"],
)
def test_text_tables_become_rows(table: str) -> None:
    from kernel.types import FileMeta

    text = "I. CHỈ TIÊU\n\n" + table + "\n\nII. NHIỆM VỤ\n\nTriển khai."
    chunks = chunk(text, FileMeta(file="t.md"), get_encoding(), 400)
    units = [u for c in chunks for u in c.units]
    row = next(u for u in units if u.text.startswith("Tỷ lệ hộ gia đình"))
    assert row.text == "Tỷ lệ hộ gia đình có cáp quang: 2025: 60%; 2030: 90%"
    assert text[row.start : row.end].strip("| ").startswith("Tỷ lệ hộ gia đình có cáp quang")
    assert not any("---" in u.text for u in units)
