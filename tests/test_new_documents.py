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
    return _doc_at(DATA / f"{name}.{fmt}")


def _doc_at(path: Path):
    text = load_text(path)
    meta = detect_meta(path.name, text)
    return text, meta, chunk(text, meta, get_encoding(), 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_plan_facts_in_every_format(fmt: str) -> None:
    _, meta, _ = _doc("nghean_kh_2023", fmt)
    p = meta.main
    assert meta.province == "Nghệ An" and p.kind == "kế hoạch"
    assert p.title == "Kế hoạch chuyển đổi số tỉnh Nghệ An năm 2023"
    assert (p.number, p.date) == ("312/KH-UBND", "20/3/2023")
    assert p.issuing_body == "Ủy ban nhân dân tỉnh Nghệ An"
    assert (p.signer, p.signer_title) == ("Phan Đức Thịnh", "KT. Chủ tịch, Phó Chủ tịch")
    assert p.period == "năm 2023"
    assert p.implements.startswith("Nghị quyết số 09-NQ/TU ngày 05/8/2021")


@pytest.mark.parametrize("fmt", FORMATS)
def test_resolution_facts_in_every_format(fmt: str) -> None:
    _, meta, _ = _doc("nghean_nq_2021", fmt)
    p = meta.main
    assert p.kind == "nghị quyết" and (p.number, p.date) == ("09-NQ/TU", "05/8/2021")
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
    if fmt != "txt":  # a Word or PDF table reads as it does copied into text: a quote of
        # the row (its cells with spaces between) is found in the passage cited
        assert " ".join(row.split()) == "11 Tỷ lệ bệnh viện sử dụng bệnh án điện tử 25% 80% Sở Y tế"
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
            "a.1 Phủ sóng 5G tại khu công nghiệp",
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
        "a.1 Phủ sóng 5G tại khu công nghiệp",
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
        "Chỉ tiêu\t2025\t2030\nTỷ lệ hộ gia đình có cáp quang\t60%\t90%",
    ],
    ids=["pipes", "markdown", "tabs"],
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


def test_an_empty_cell_keeps_its_column() -> None:
    from kernel.types import FileMeta

    text = (
        "I. CHỈ TIÊU\n\nSTT\tChỉ tiêu\tNăm 2025\tNăm 2030\n"
        "1\tTỷ lệ hộ gia đình có cáp quang\t \t90%\n\nII. NHIỆM VỤ\n\nTriển khai."
    )
    chunks = chunk(text, FileMeta(file="t.txt"), get_encoding(), 400)
    row = next(u for c in chunks for u in c.units if u.text.startswith("Tỷ lệ hộ gia đình"))
    assert row.text == "Tỷ lệ hộ gia đình có cáp quang: Năm 2030: 90%"


def test_a_note_under_the_title_is_not_the_title() -> None:
    text = (
        "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HUẾ\nSố: 46/KH-UBND\n\nHuế, ngày 23 tháng 01 năm 2026\n\n"
        "KẾ HOẠCH\nChuyển đổi số thành phố Huế năm 2026\n(Thực hiện Nghị quyết số 09-NQ/TU "
        "ngày 18/11/2025 của Ban Chấp hành Đảng bộ thành phố về chuyển đổi số)\n\n"
        "Căn cứ Luật Tổ chức chính quyền địa phương năm 2025;\n\nI. MỤC ĐÍCH, YÊU CẦU\n"
    )
    p = detect_meta("hue_kh.txt", text).main
    assert p.title == "Kế hoạch chuyển đổi số thành phố Huế năm 2026"
    assert p.implements == (
        "Nghị quyết số 09-NQ/TU ngày 18/11/2025 của Ban Chấp hành Đảng bộ thành phố về "
        "chuyển đổi số"
    )


def test_a_preamble_right_under_the_title_is_not_the_title() -> None:
    # A title wrapped before a name ("… tỉnh / Bạc Liêu …") goes on; the preamble that
    # follows it without a blank line ("Thời gian qua, …") does not.
    text = (
        "TỈNH ỦY BẠC LIÊU\nSố 28-CT/TU\nBạc Liêu, ngày 14 tháng 3 năm 2025\n\nCHỈ THỊ\n"
        "CỦA BAN THƯỜNG VỤ TỈNH ỦY\nvề đẩy mạnh chuyển đổi số tỉnh\nBạc Liêu đến năm 2030\n"
        "Thời gian qua, thực hiện Nghị quyết số 10-NQ/TU ngày 08/10/2021, các cấp ủy đã "
        "triển khai thực hiện.\nI. TÌNH HÌNH THỰC HIỆN\n"
    )
    p = detect_meta("bl_ct.txt", text).main
    assert p.kind == "chỉ thị"
    assert p.title == "Chỉ thị về đẩy mạnh chuyển đổi số tỉnh Bạc Liêu đến năm 2030"


@pytest.mark.parametrize("rule", ["-----", "—————", "_____"])
def test_a_rule_under_the_title_ends_it(rule: str) -> None:
    text = (
        "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ ĐÀ NẴNG\nSố: 27/KH-UBND\n\nKẾ HOẠCH\n"
        f"Chuyển đổi số thành phố Đà Nẵng năm 2026\n{rule}\nCăn cứ Nghị quyết số 05-NQ/TU;\n"
    )
    p = detect_meta("dn_kh.txt", text).main
    assert p.title == "Kế hoạch chuyển đổi số thành phố Đà Nẵng năm 2026"


def test_lettered_sub_items_start_their_own_line_and_row() -> None:
    """ "a.1) …", "b.1) …" items open a line of their own even in hard-wrapped text (they
    start lower-case, like a broken sentence), and their figures become rows whose
    indicator does not carry the item's mark."""
    from assistant.targets.extract import extract_file_targets
    from ingest.cleaning import blocks
    from kernel.types import FileMeta

    filler = "Nội dung được trình bày đầy đủ trong các phần dưới đây của văn bản này nhé."
    text = "\n".join(
        [filler] * 20
        + [
            "2. Mục tiêu cụ thể đến năm 2025",
            "2.2. Về kinh tế số",
            "b.1) Kinh tế số chiếm 18% GRDP của tỉnh.",
            "b.2) Có 650 doanh nghiệp công nghệ số.",
        ]
    )
    texts = [b.text for b in blocks(text)]
    assert "2.2. Về kinh tế số" in texts
    assert "b.1) Kinh tế số chiếm 18% GRDP của tỉnh." in texts
    meta = FileMeta(file="da.txt")
    chunks = chunk(text, meta, get_encoding(), 400)
    # A numbered sentence is an item of its section, not the title of a section of its own.
    paths = {u.text: c.headings for c in chunks for u in c.units}
    assert paths["b.1) Kinh tế số chiếm 18% GRDP của tỉnh."] == [
        "2. Mục tiêu cụ thể đến năm 2025",
        "2.2. Về kinh tế số",
    ]
    rows = extract_file_targets(chunks, meta, text)
    by_value = {r.value_text: r for r in rows}
    assert by_value["18%"].metric == "Kinh tế số chiếm … GRDP của tỉnh"
    assert by_value["18%"].target_year == 2025
    assert by_value["650"].metric == "Doanh nghiệp công nghệ số"


def test_table_cells_take_the_unit_column_and_the_kind_of_their_column() -> None:
    from assistant.targets.extract import extract_file_targets
    from kernel.types import FileMeta

    text = (
        "II. MỤC TIÊU\n\n"
        "TT | Chỉ tiêu | Đơn vị tính | Thực hiện năm 2024 | Mục tiêu năm 2025\n"
        "1 | Tỷ trọng kinh tế số trong GRDP | % | 9,8 | 12\n"
        "2 | Số doanh nghiệp công nghệ số | doanh nghiệp | 285 | 320\n"
    )
    meta = FileMeta(file="bc.txt")
    rows = extract_file_targets(chunk(text, meta, get_encoding(), 400), meta, text)
    got = {(r.value_text, r.unit, r.kind, r.target_year) for r in rows}
    assert ("9,8", "%", "baseline", 2024) in got
    assert ("12", "%", "target", 2025) in got
    assert ("320", "doanh nghiệp", "target", 2025) in got


def test_a_cell_takes_a_unit_the_figure_list_does_not_know() -> None:
    from assistant.targets.extract import extract_file_targets
    from kernel.types import FileMeta

    text = (
        "II. MỤC TIÊU\n\n"
        "TT | Chỉ tiêu | Đơn vị | Thực hiện năm 2025 | Mục tiêu năm 2026\n"
        "1 | Số mã số vùng trồng quản lý trên nền tảng số | mã số | 1.250 | 1.400\n"
    )
    meta = FileMeta(file="kh.txt")
    rows = extract_file_targets(chunk(text, meta, get_encoding(), 400), meta, text)
    assert ("1.400", "mã số", "target", 2026) in {
        (r.value_text, r.unit, r.kind, r.target_year) for r in rows
    }


def test_each_figure_takes_the_year_written_right_after_it() -> None:
    from assistant.targets.extract import extract_file_targets
    from kernel.types import FileMeta

    text = (
        "II. MỤC TIÊU\n\n"
        "a) Tỷ trọng kinh tế số trong GRDP đạt 14% vào năm 2026 và 25% vào năm 2030;\n\n"
        "III. ĐỊNH HƯỚNG ĐẾN NĂM 2030\n\n"
        "Một số chỉ tiêu chủ yếu năm 2025: tỷ trọng kinh tế số đạt 12% GRDP; "
        "tỷ lệ hộ gia đình có cáp quang đạt 85%.\n"
    )
    meta = FileMeta(file="kh.txt")
    rows = extract_file_targets(chunk(text, meta, get_encoding(), 400), meta, text)
    years = {r.value_text: r.target_year for r in rows}
    assert years["14%"] == 2026 and years["25%"] == 2030
    # The year the paragraph opened with, not the heading's.
    assert years["12%"] == 2025 and years["85%"] == 2025


def test_a_plan_titled_by_what_it_implements_keeps_that_title() -> None:
    # "KẾ HOẠCH / Thực hiện Chỉ thị số 15-CT/TU … năm 2026" (tests/data/province15, a PDF
    # written by someone who never saw the code): the line after the kind is the title.
    path = Path(__file__).parent / "data" / "province15" / "phutho_kh_2026.pdf"
    p = detect_meta(path.name, load_text(path)).main
    assert p.kind == "kế hoạch" and p.number == "28/KH-UBND"
    assert p.title.startswith("Kế hoạch thực hiện Chỉ thị số 15-CT/TU ngày 18/11/2025")
    assert p.period == "năm 2026"


def test_a_bulleted_preamble_ends_the_title() -> None:
    # "NGHỊ QUYẾT / … / về đẩy mạnh chuyển đổi số … / - Căn cứ Điều lệ Đảng …" (tests/data/
    # province19, a .docx written by someone who never saw the code): the "- Căn cứ" lines
    # are the preamble, not the end of the title.
    path = Path(__file__).parent / "data" / "province19" / "quangtri_nq_2025.docx"
    p = detect_meta(path.name, load_text(path)).main
    assert p.kind == "nghị quyết" and p.number == "09-NQ/TU"
    assert p.title.endswith("tỉnh Quảng Trị đến năm 2027, định hướng đến năm 2030")
    assert "Căn cứ" not in p.title


def test_content_after_the_signature_opens_sections_again() -> None:
    # An HĐND resolution whose content follows its signature ("NỘI DUNG … (Kèm theo Nghị
    # quyết số 24/2025/NQ-HĐND …)", tests/data/province16, written by someone who never saw
    # the code): its parts are sections of their own, not lines of the recipients block.
    path = Path(__file__).parent / "data" / "province16" / "angiang_nq_2025.pdf"
    text = load_text(path)
    meta = detect_meta(path.name, text)
    chunks = chunk(text, meta, get_encoding(), 400)
    goal = next(c for c in chunks if any("Kinh tế số chiếm 25% GRDP" in u.text for u in c.units))
    assert goal.headings[0] == "II. QUAN ĐIỂM, MỤC TIÊU" and "Nơi nhận" not in goal.headings[0]
    closing = " ".join(
        u.text
        for c in chunks
        if c.headings and c.headings[0].startswith("Nơi nhận")
        for u in c.units
    )
    assert "Phạm Minh Khoa" in closing and "Lưu: VT" in closing
    assert "THỰC TRẠNG" not in closing and "GRDP" not in closing


def _facts(question: str, *paths: Path):
    from assistant.answering.facts import answer_facts
    from assistant.question.intent import understand_intent
    from assistant.question.scope import understand

    docs, chunks = {}, []
    for path in paths:
        text = load_text(path)
        docs[path.name] = detect_meta(path.name, text)
        chunks += chunk(text, docs[path.name], get_encoding(), 400)
    intent = understand_intent(question)
    return answer_facts(question, understand(question, docs), intent.facts, docs, chunks)


def test_a_decisions_facts_are_quoted_from_its_own_lines() -> None:
    # Hà Nội's decision (tests/data/province39, a .docx written by someone who never saw the
    # code): the plan it issues repeats its number and date in one line ("Ban hành kèm theo
    # Quyết định số 6218/QĐ-UBND ngày 24/12/2025 …"); the decision's own "Số:" and date
    # lines state them. "được thông qua ngày nào" asks the date as "ban hành" would.
    path = (
        Path(__file__).parent
        / "data"
        / "province39"
        / "hanoi_qd6218_ke_hoach_chuyen_doi_so_2026.docx"
    )
    a = _facts("Quyết định phê duyệt Kế hoạch năm 2026 của Hà Nội số hiệu gì, ký ngày nào?", path)
    assert a is not None and "Hà Nội, ngày 24 tháng 12 năm 2025" in a.text, a
    b = _facts("Quyết định 6218 có số hiệu là gì và được thông qua ngày nào?", path)
    assert b is not None and "24/12/2025" in b.text, b


def test_a_plan_attached_to_a_decision_answers_with_the_decisions_number() -> None:
    # A decision approving a plan, the plan attached after it with no number of its own
    # (tests/data/province17, a .docx written by someone who never saw the code).
    path = Path(__file__).parent / "data" / "province17" / "lamdong_qd_kh_2026.docx"
    d = _facts(
        "Kế hoạch chuyển đổi số năm 2026 của Lâm Đồng được phê duyệt bằng Quyết định số mấy?", path
    )
    assert d is not None and not d.refused
    assert "2846/QĐ-UBND" in d.text and "ban hành kèm theo" in d.text


@pytest.mark.parametrize(
    ("folder", "name", "expected"),
    [
        ("province17", "lamdong_nq_2025.pdf", ["HỘI NGHỊ LẦN THỨ BA", "KHÓA I"]),
        ("province10", "hatinh_nq61_hdnd_chuyen_doi_so_2030.docx", ["KHÓA XVIII", "KỲ HỌP THỨ 4"]),
    ],
)
def test_the_session_that_adopted_a_resolution_is_read_from_its_text(
    folder: str, name: str, expected: list[str]
) -> None:
    path = Path(__file__).parent / "data" / folder / name
    d = _facts("Nghị quyết này được thông qua tại hội nghị hay kỳ họp nào, khóa mấy?", path)
    assert d is not None and not d.refused
    for s in expected:
        assert s.lower() in d.text.lower()
    assert d.citations


def test_a_title_in_capitals_naming_its_meeting_reads_as_its_subject() -> None:
    text = (
        "TỈNH ỦY VĨNH PHÚC\nSố 11-NQ/TU\nVĩnh Phúc, ngày 17 tháng 3 năm 2026\n\n"
        "NGHỊ QUYẾT CHUYÊN ĐỀ\nHỘI NGHỊ LẦN THỨ NĂM BAN CHẤP HÀNH ĐẢNG BỘ TỈNH KHÓA XVIII\n"
        "về đẩy mạnh chuyển đổi số tỉnh Vĩnh Phúc giai đoạn 2026 - 2030\n\n"
        "Căn cứ Điều lệ Đảng;\n"
    )
    p = detect_meta("vp.txt", text).main
    assert p.title == (
        "Nghị quyết chuyên đề về đẩy mạnh chuyển đổi số tỉnh Vĩnh Phúc giai đoạn 2026 - 2030"
    )


def test_a_document_named_in_a_title_is_ours_and_its_issuer_is_quoted_from_the_header() -> None:
    # Tiền Giang (tests/data/province64, written by someone who never saw the code): the
    # plan's title carries "Đề án 06", which names no other document; its issuer is quoted
    # from the header's two lines, not from a sentence citing another plan of the same body.
    folder = Path(__file__).parent / "data" / "province64"
    plan = folder / "tiengiang_kh415_cds-de-an-06_2026.pdf"
    programme = folder / "tiengiang_ctr68_khcn-dmst-cds_2025.docx"
    q = "Cơ quan nào ban hành Kế hoạch chuyển đổi số và thực hiện Đề án 06 năm 2026 của Tiền Giang?"
    a = _facts(q, plan, programme)
    assert a is not None and "Ủy ban nhân dân tỉnh Tiền Giang" in a.text, a
    assert "“ỦY BAN NHÂN DÂN” … “TỈNH TIỀN GIANG”" in a.text and "118/KH-UBND" not in a.text
    # A date written in words ("ngày 14 tháng 3 năm 2025") is given as it is cited.
    b = _facts("Chương trình hành động số 68-CTr/TU được ban hành ngày nào?", programme)
    assert b is not None and "14/3/2025" in b.text, b


def test_a_plan_citing_a_party_resolution_in_its_title_is_issued_by_the_ubnd() -> None:
    # Bắc Kạn (tests/data/province65, written by someone who never saw the code): "Kế hoạch
    # thực hiện Nghị quyết số 25-NQ/TU ngày 18/4/2023 của Ban Chấp hành Đảng bộ tỉnh …" is the
    # UBND's plan; the Ban Chấp hành issued the resolution it cites. Its signature block
    # "KT. CHỦ TỊCH" is one line, not "KT." and "CHỦ TỊCH".
    plan = Path(__file__).parent / "data" / "province65" / "bac-kan_kh58_chuyen-doi-so_2024.docx"
    _, meta, chunks = _doc_at(plan)
    assert meta.main.issuing_body == "Ủy ban nhân dân tỉnh Bắc Kạn"
    a = _facts("ai ky ke hoach 58/KH-UBND cua UBND tinh Bac Kan, chuc vu gi", plan)
    assert a is not None and "Lương Văn Khiêm" in a.text and "“KT. CHỦ TỊCH”" in a.text, a


def test_a_fact_of_a_document_of_a_year_not_held_is_refused_naming_the_ones_held() -> None:
    from assistant.answering.missing import missing_of_year

    corpus = _corpus_of(Path(__file__).parent / "data" / "province65")
    files = list(corpus.docs)
    q = "ke hoach chuyen doi so nam 2025 cua UBND tinh Bac Kan la van ban so may"
    a = missing_of_year(q, ["number"], files, corpus)
    assert a is not None and a.refused and "Kế hoạch 58/KH-UBND (năm 2024)" in a.text, a
    # The plan of the year held, or a resolution whose period names the year, is answered.
    assert missing_of_year(q.replace("2025", "2024"), ["number"], files, corpus) is None
    r = "Nghị quyết về chuyển đổi số đến năm 2025 của Bắc Kạn do ai ký?"
    assert missing_of_year(r, ["signer"], files, corpus) is None
    # A plan of 2026 signed in December 2025 is "the 2025 plan" too; one named by its number is
    # the one asked about, whatever year is typed.
    tien_giang = _corpus_of(Path(__file__).parent / "data" / "province64")
    held = list(tien_giang.docs)
    for q in ("Kế hoạch ban hành năm 2025 của Tiền Giang số mấy?", "Kế hoạch 415 năm 2027 ai ký?"):
        assert missing_of_year(q, ["number"], held, tien_giang) is None, q
    assert missing_of_year("Kế hoạch năm 2027 ai ký?", ["signer"], held, tien_giang)
    # The year qualifies the plan, not the decision it is asked of (Đắk Nông, province68):
    # the text cites a decision of 2020 "đến năm 2025", which is no plan of 2025.
    dak_nong = _corpus_of(Path(__file__).parent / "data" / "province68")
    q = (
        "Kế hoạch chuyển đổi số năm 2025 của UBND tỉnh Đắk Nông được ban hành theo quyết định "
        "số mấy?"
    )
    a = missing_of_year(q, ["number"], list(dak_nong.docs), dak_nong)
    assert a is not None and a.refused and "kế hoạch năm 2025" in a.text, a


def _corpus_of(folder: Path):
    """The documents of a test province's folder, read and chunked as ingestion does."""
    from assistant.retrieval.corpus import Corpus

    docs, chunks = {}, []
    for path in sorted(folder.glob("*.*")):
        if path.suffix in {".pdf", ".docx"}:
            text = load_text(path)
            docs[path.name] = detect_meta(path.name, text)
            chunks += chunk(text, docs[path.name], get_encoding(), 400)
    return Corpus(chunks, docs, "test")


def test_a_sub_row_carries_the_indicator_of_the_row_it_details() -> None:
    # Bắc Kạn's plan table (tests/data/province65): row 14 "Trong đó: huyện Pác Nặm" gives the
    # district's figures for row 13's indicator, written in row 13 only.
    plan = Path(__file__).parent / "data" / "province65" / "bac-kan_kh58_chuyen-doi-so_2024.docx"
    _, _, chunks = _doc_at(plan)
    rows = [u.text for c in chunks for u in c.units if "Trong đó: huyện Pác Nặm" in u.text]
    assert rows and rows[0].startswith(
        "Tỷ lệ hộ gia đình có kết nối Internet băng rộng cáp quang (toàn tỉnh) – Trong đó"
    ), rows
    assert "Kế hoạch năm 2024: 50%" in rows[0]


def test_a_heading_between_ends_the_announcement_of_a_list() -> None:
    # Bà Rịa – Vũng Tàu's 2024 plan (tests/data/province69): the items under "Phần thứ nhất.
    # KẾT QUẢ CHUYỂN ĐỔI SỐ NĂM 2023 › (3) Về xã hội số:" are 2023's; the preamble's "… ban
    # hành Kế hoạch … năm 2024 như sau:" announces no list past the headings after it.
    from assistant.answering.features import year_context

    corpus = _corpus_of(Path(__file__).parent / "data" / "province69")
    found = [(c, k) for c in corpus.chunks for k, u in enumerate(c.units) if "958 Tổ" in u.text]
    assert found and all(year_context(c, k) == {2023} for c, k in found), [
        (c.headings, c.announced) for c, _ in found
    ]
