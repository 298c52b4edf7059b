"""Cleaning and structure-aware chunking of the real corpus (no embedding model needed)."""

from __future__ import annotations

import json
import re

import pytest

from ingest.chunking import sections
from ingest.cleaning import Block, blocks
from ingest.pipeline import IngestReport, chunk_corpus, file_metas, read_corpus
from kernel.settings import Settings
from kernel.text import collapse_ws
from kernel.types import FileMeta

from .conftest import PUBLIC_SET, ROOT


def _wrapped_blocks(*lines: str) -> list[str]:
    """The blocks of ``lines`` read after thirty full lines: text hard-wrapped at a fixed
    width, as a PDF gives it."""
    page = [
        f"Dòng {n} của một đoạn văn bản dài được ngắt theo độ rộng trang in cố định"
        for n in range(30)
    ]
    return [b.text for b in blocks("\n".join([*page, *lines]))]


@pytest.fixture(scope="module")
def corpus():
    settings = Settings(corpus_dir=ROOT / "corpus")
    texts = {f: t for f, (_, t) in read_corpus(settings, IngestReport()).items()}
    metas = file_metas(settings, texts)
    return texts, metas, chunk_corpus(settings, texts, metas)


def test_every_gold_quote_lies_inside_one_chunk(corpus):
    _, _, chunks = corpus
    missing = []
    for line in PUBLIC_SET.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for src in item["sources"]:
            quote = collapse_ws(src["quote"])
            if not any(quote in collapse_ws(c.text) for c in chunks[src["file"]]):
                missing.append((item["id"], quote[:60]))
    assert not missing


def test_chunk_text_is_the_original_span_and_within_budget(corpus):
    texts, _, chunks = corpus
    for name, cs in chunks.items():
        assert cs, name
        for c in cs:
            assert c.text == texts[name][c.start : c.end]
            assert c.n_tokens <= Settings().chunking.max_tokens
            assert "**" not in c.index_text and "<sup>" not in c.index_text
            for start, end, unit, _block in c.units:
                assert c.start <= start < end <= c.end
                # The cleaned unit is the original span without markup.
                original = re.sub(r"<sup>\s*\d+\s*</sup>|\*+|~~|#+ ", "", texts[name][start:end])
                assert collapse_ws(original) == unit


def test_no_chunk_spans_two_sections(corpus):
    texts, metas, chunks = corpus
    for name, text in texts.items():
        spans = [(s.blocks[0].start, s.blocks[-1].end) for s in sections(text, metas[name])]
        for c in chunks[name]:
            assert any(a <= c.start and c.end <= b for a, b in spans), (name, c.section)


def test_heading_paths_follow_the_numbering(corpus):
    _, _, chunks = corpus
    qn = chunks["003_a83315fa0d19e00b.txt"]
    target = next(c for c in qn if "Trên 70% dân số trưởng thành có chữ ký số" in c.text)
    assert target.headings[-2:] == [
        "4. Mục tiêu cơ bản đến năm 2030",
        "4.3. Phát triển xã hội số, thu hẹp khoảng cách số",
    ]
    assert target.section.startswith("Quảng Ngãi › II.")
    kh = chunks["001_9631579da6f4c830.txt"]
    # File 001 holds the UBND dispatch and Resolution 16-NQ/TU: paths start with the part.
    assert {c.headings[0] for c in kh} == {"Công văn 11507/UBND-KGVX", "Nghị quyết 16-NQ/TU"}


def test_signature_blocks_are_kept(corpus):
    _, _, chunks = corpus
    sig = [c for c in chunks["001_9631579da6f4c830.txt"] if "Nguyễn Hải Ninh" in c.text]
    assert sig and "T/M TỈNH ỦY" in sig[0].text


def test_wrapped_pdf_lines_are_rejoined_and_page_numbers_dropped(corpus):
    texts, _, _ = corpus
    qn = blocks(texts["003_a83315fa0d19e00b.txt"])
    assert any(
        b.text == "- Trên 80% dân số trưởng thành có điện thoại thông minh, có tài khoản giao "
        "dịch thanh toán tại ngân hàng hoặc tổ chức được phép khác."
        for b in qn
    )
    assert not any(re.fullmatch(r"\d{1,3}", b.text) for b in qn)


def test_chunk_ids_are_stable(corpus):
    texts, metas, chunks = corpus
    settings = Settings(corpus_dir=ROOT / "corpus")
    again = chunk_corpus(settings, texts, metas)
    assert [c.id for c in again["000_702489c04bbe0e0b.txt"]] == [
        c.id for c in chunks["000_702489c04bbe0e0b.txt"]
    ]


def test_table_rows_keep_their_headers_across_group_rows_and_page_breaks():
    text = (
        "Bảng: Chỉ tiêu năm 2024\n"
        "TT | Chỉ tiêu | Kết quả 2023 | Kế hoạch 2024\n"
        "I | Chính quyền số |  | \n"
        "1 | Tỷ lệ hồ sơ công việc cấp xã được xử lý trên môi trường mạng | 68 | 72\n"
        "Trang 5\n"
        "2 | Tỷ lệ hộ gia đình có cáp quang | 60 | 75\n"
    )
    rows = _rows(text)
    # A group row ("I | Chính quyền số | | ") keeps its empty cells; a value such as 72 is
    # not mistaken for a row number; the row after the page number keeps the header.
    assert (
        "Tỷ lệ hồ sơ công việc cấp xã được xử lý trên môi trường mạng: Kết quả 2023: 68; "
        "Kế hoạch 2024: 72" in rows
    )
    assert "Tỷ lệ hộ gia đình có cáp quang: Kết quả 2023: 60; Kế hoạch 2024: 75" in rows


def test_a_group_row_of_merged_cells_does_not_start_a_new_table():
    text = (
        "TT | Chỉ tiêu | Đơn vị tính | Năm 2024 | Năm 2025\n"
        "I | CHÍNH QUYỀN SỐ\n"
        "1 | Tỷ lệ hồ sơ công việc cấp xã được xử lý trên môi trường mạng | % | 75 | 80\n"
        "II | XÃ HỘI SỐ\n"
        "2 | Tỷ lệ cơ sở giáo dục phổ thông triển khai học bạ số | % | 64,8 | 85\n"
    )
    rows = _rows(text)
    assert (
        "Tỷ lệ cơ sở giáo dục phổ thông triển khai học bạ số: Năm 2024: 64,8%; Năm 2025: 85%"
        in rows
    )


def _rows(text: str) -> list[str]:
    """The table rows of ``text`` as indexed (each value with its column header)."""
    from ingest.chunking import shown

    return [shown(b) for b in blocks(text) if b.cells is not None]


def _paths(text: str) -> list[str]:
    from kernel.types import FileMeta

    return [" › ".join(s.headings) for s in sections(text, FileMeta(file="x.txt"))]


def test_a_bare_part_mark_takes_its_title_from_the_next_line():
    text = (
        "Phần thứ nhất\n\nKẾT QUẢ THỰC HIỆN CHUYỂN ĐỔI SỐ NĂM 2025\n\n"
        "I. KẾT QUẢ ĐẠT ĐƯỢC\n\nTỷ lệ hộ gia đình có cáp quang đạt 82,5%.\n\n"
        "Phần thứ hai\n\nKẾ HOẠCH NĂM 2026\n\nI. MỤC TIÊU\n\nKinh tế số chiếm 11% GRDP.\n"
    )
    paths = _paths(text)
    assert "Phần thứ nhất. KẾT QUẢ THỰC HIỆN CHUYỂN ĐỔI SỐ NĂM 2025 › I. KẾT QUẢ ĐẠT ĐƯỢC" in paths
    assert "Phần thứ hai. KẾ HOẠCH NĂM 2026 › I. MỤC TIÊU" in paths
    # A mark followed by a sentence keeps its own label: the sentence is content.
    assert "Phần I › 1. Mục tiêu" in _paths("Phần I\n\nKinh tế số chiếm 11% GRDP.\n\n1. Mục tiêu\n")


def test_a_table_caption_titles_its_rows_and_the_text_after_returns_to_the_section():
    text = (
        "II. MỤC TIÊU\n\n2. Các chỉ tiêu chủ yếu\n\nd) An toàn thông tin: 100% hệ thống.\n\n"
        "Bảng 1. Chỉ tiêu chuyển đổi số năm 2026\n"
        "STT | Chỉ tiêu | Chỉ tiêu năm 2026\n1 | Kinh tế số trong GRDP | 10%\n\n"
        "Các chỉ tiêu trên được giao cho từng sở.\n\nIII. NHIỆM VỤ\n\nTriển khai nền tảng số.\n"
    )
    paths = _paths(text)
    table = "II. MỤC TIÊU › 2. Các chỉ tiêu chủ yếu › Bảng 1. Chỉ tiêu chuyển đổi số năm 2026"
    assert table in paths  # not under "d) An toàn thông tin", the item above it
    # The sentence after the table is where the text was before the caption.
    assert paths[paths.index(table) + 1] == paths[paths.index(table) - 1]
    # "Bảng 1" in a sentence above no table is not a caption.
    assert not any("Bảng" in p for p in _paths("1. Chỉ tiêu\n\nBảng 1 dưới đây nêu chi tiết.\n"))


def test_a_labelled_paragraph_is_titled_by_its_label():
    text = "1. Kết quả\n\n(4) Về kinh tế số: Tỷ trọng kinh tế số trong GRDP năm 2024 đạt 9,1%\n"
    assert "1. Kết quả › (4) Về kinh tế số" in _paths(text)


def test_a_full_pdf_line_ending_at_a_semicolon_goes_on_when_the_next_starts_lower():
    line = "b) Kinh tế số: kinh tế số chiếm 11% GRDP; có 400 doanh nghiệp công nghệ số;"
    got = _wrapped_blocks(line, "45% doanh nghiệp nhỏ và vừa sử dụng nền tảng số.", "c) Xã hội số")
    assert any(t.startswith("b) Kinh tế số") and t.endswith("nền tảng số.") for t in got)
    assert "c) Xã hội số" in got


def test_a_wrapped_line_goes_on_into_an_amount_that_starts_the_next_line():
    # "1.000.000 đồng" is an amount, not a numbered heading "1." followed by a capital.
    got = _wrapped_blocks(
        "b) Hỗ trợ hộ nghèo, hộ cận nghèo 50% giá trị điện thoại thông minh, tối đa",
        "1.000.000 đồng/hộ, hỗ trợ 01 lần trong giai đoạn 2026 - 2030.",
        "6. Nguyên tắc áp dụng",
    )
    assert any(t.startswith("b) Hỗ trợ") and t.endswith("2026 - 2030.") for t in got)
    assert "6. Nguyên tắc áp dụng" in got


def test_a_percent_unit_column_is_written_after_each_figure_of_its_row():
    text = (
        "STT | Chỉ tiêu | Đơn vị | Thực hiện 2025 | Kế hoạch 2026\n"
        "1 | Số doanh nghiệp công nghệ số | doanh nghiệp | 468 | 520\n"
        "2 | Tỷ lệ hộ gia đình có cáp quang | % | 86,1 | Trên 90\n"
    )
    rows = _rows(text)
    # Another unit stays in its column, where the targets read it for every cell.
    assert (
        "Số doanh nghiệp công nghệ số: Đơn vị: doanh nghiệp; Thực hiện 2025: 468; "
        "Kế hoạch 2026: 520" in rows
    )
    # A value that is not a bare figure keeps its own words.
    assert "Tỷ lệ hộ gia đình có cáp quang: Thực hiện 2025: 86,1%; Kế hoạch 2026: Trên 90" in rows


def test_a_task_item_followed_by_its_lead_agency_stays_an_item():
    text = (
        "IV. NHIỆM VỤ, GIẢI PHÁP\n"
        "3. Phát triển dữ liệu số\n"
        "a) Hoàn thành hợp nhất, làm sạch cơ sở dữ liệu đất đai của hai tỉnh trước hợp nhất "
        "trong Quý III/2026. Cơ quan chủ trì: Sở Nông nghiệp và Môi trường.\n"
        "b) Xây dựng Kho dữ liệu dùng chung của tỉnh.\n"
    )
    paths = _paths(text)
    assert all("a) Hoàn thành" not in p for p in paths)


def test_a_short_task_stating_a_figure_is_an_item_not_a_title():
    # Eight words before the first full stop, but "64 bản" is a figure: a task, not a topic
    # ("1. Hạ tầng số. Đầu tư …" opens with a title).
    text = (
        "IV. NHIỆM VỤ CỤ THỂ\n"
        "2. Phát triển hạ tầng số\n"
        "a) Xóa toàn bộ 64 bản còn lõm sóng di động. Cơ quan chủ trì: Sở Khoa học và "
        "Công nghệ. Thời hạn: hoàn thành trước ngày 30/9/2026.\n"
        "b) Lắp đặt mới 450 trạm phát sóng 5G. Thời hạn: trong năm 2026.\n"
        "3. Hạ tầng số. Đầu tư hạ tầng băng rộng.\n"
    )
    paths = _paths(text)
    assert all("a) Xóa" not in p and "b) Lắp" not in p for p in paths)
    assert any(p.endswith("› 3. Hạ tầng số. Đầu tư hạ tầng băng rộng.") for p in paths), paths


def test_a_full_pdf_line_ending_at_a_label_goes_on_with_its_value():
    got = _wrapped_blocks(
        "c) Ban hành quy chế quản lý, khai thác Kho dữ liệu dùng chung. Cơ quan chủ trì:",
        "Sở Khoa học và Công nghệ; phối hợp: Công an tỉnh. Thời hạn: tháng 5/2026.",
        "d) Mở rộng Trung tâm giám sát, điều hành thông minh.",
    )
    assert any(t.startswith("c) Ban hành") and t.endswith("tháng 5/2026.") for t in got), got


def test_a_long_paragraph_cut_between_passages_keeps_its_years() -> None:
    from assistant.answering.features import year_context
    from ingest.chunking import chunk
    from kernel.tokens import get_encoding
    from kernel.types import FileMeta

    goals = "; ".join(f"chỉ tiêu số {n} đạt {n}% vào cuối kỳ kế hoạch của tỉnh" for n in range(40))
    text = (
        f"1. Mục tiêu\nĐến năm 2027, {goals}. Đến năm 2030, {goals}. Trung tâm IOC kết nối 100% xã."
    )
    chunks = chunk(text, FileMeta(file="x.txt"), get_encoding(), 120)
    last = chunks[-1]
    assert len(chunks) >= 3 and "Đến năm 2030" in last.lead and "IOC" in last.units[-1].text
    assert year_context(last, len(last.units) - 1) == {2027, 2030}
    # Pieces of one paragraph in one passage are one paragraph.
    assert {u.block for u in last.units} == {0}


def test_a_paragraph_opening_on_its_own_year_is_about_that_year() -> None:
    from assistant.answering.features import year_context
    from ingest.chunking import chunk
    from kernel.tokens import get_encoding
    from kernel.types import FileMeta

    text = (
        "II. KẾT QUẢ THỰC HIỆN NĂM 2024\n"
        "Chỉ số DTI năm 2023 của tỉnh xếp thứ 6/63, tăng 5 bậc so với năm 2021.\n"
        "Toàn tỉnh có 1.620 doanh nghiệp công nghệ số.\n"
        "Chỉ số PAR INDEX năm 2023 do Bộ Nội vụ công bố trong năm 2024 xếp thứ 12/63.\n"
        "III. CHỈ TIÊU NĂM 2025\n"
        "Số doanh nghiệp công nghệ số đạt 1.800 doanh nghiệp (năm 2024 ước đạt 1.620)."
    )
    chunks = chunk(text, FileMeta(file="x.txt"), get_encoding(), 400)

    def context(words: str) -> set[int]:
        c = next(c for c in chunks if any(words in u.text for u in c.units))
        return year_context(c, next(k for k, u in enumerate(c.units) if words in u.text))

    # Opening on its own year, before any figure: about that year, not the one it compares
    # with; a line naming none is the heading's; a year after a figure leaves the heading's.
    assert context("DTI") == {2023}
    assert context("PAR INDEX") == {2023}  # published in 2024, about 2023
    assert context("1.620 doanh nghiệp") == {2024}
    assert context("1.800") == {2024, 2025}


def test_the_items_of_a_list_are_about_the_date_its_announcing_paragraph_gives() -> None:
    from assistant.answering.features import year_context
    from assistant.retrieval.corpus import Corpus
    from ingest.chunking import chunk
    from kernel.tokens import get_encoding
    from kernel.types import FileMeta

    items = "\n".join(
        f"- Chỉ tiêu thứ {n} của tỉnh đạt {n}% tại các xã vùng cao." for n in range(60)
    )
    text = (
        "Điều 1. Thực trạng và mục tiêu chuyển đổi số đến năm 2025, định hướng đến năm 2030\n"
        "1. Thực trạng\n"
        "Một số kết quả chủ yếu tính đến ngày 31 tháng 12 năm 2021 như sau:\n"
        f"{items}\n"
    )
    chunks = chunk(text, FileMeta(file="x.txt"), get_encoding(), 200)
    Corpus(chunks, {}, "c")  # links each passage opening inside the list to its announcement
    first = next(c for c in chunks if "tính đến ngày 31" in c.text)
    last = chunks[-1]
    assert len(chunks) >= 3 and "tính đến ngày 31" in last.announced
    # Not the heading's 2025/2030: the date the list is announced with, in every passage.
    assert year_context(first, len(first.units) - 1) == {2021}
    assert year_context(last, len(last.units) - 1) == {2021}


def test_a_party_documents_hyphen_numbering_makes_headings() -> None:
    # "I- …", "1- …" (the Party's own style) rank as "I.", "1.": the targets under "3- Mục
    # tiêu cụ thể đến năm 2025" are 2025's.
    text = (
        "I- TÌNH HÌNH VÀ NGUYÊN NHÂN\n"
        "1- Kết quả đạt được\n"
        "Năm 2020, tỷ lệ hồ sơ giải quyết trực tuyến đạt 18,7%.\n"
        "II- QUAN ĐIỂM, MỤC TIÊU\n"
        "3- Mục tiêu cụ thể đến năm 2025\n"
        "b) Về kinh tế số\n"
        "- Kinh tế số chiếm 15% GRDP của tỉnh.\n"
    )
    got = [" › ".join(s.headings) for s in sections(text, FileMeta(file="x"))]
    assert "I- TÌNH HÌNH VÀ NGUYÊN NHÂN › 1- Kết quả đạt được" in got, got
    assert "II- QUAN ĐIỂM, MỤC TIÊU › 3- Mục tiêu cụ thể đến năm 2025 › b) Về kinh tế số" in got, (
        got
    )


def test_a_numbered_item_after_a_labelled_sibling_is_not_its_part():
    # "3.1. …: …" is titled by its label; "3.2. …" is its sibling, under "3. Xã hội số".
    text = (
        "III. NHIỆM VỤ NĂM 2026\n"
        "3. Xã hội số\n"
        "3.1. Tổ chức phong trào “Bình dân học vụ số” năm 2026: mở 1.500 lớp phổ cập kỹ năng "
        "số. Cơ quan chủ trì: Sở Khoa học và Công nghệ.\n"
        "3.2. Triển khai bệnh án điện tử tại 100% bệnh viện công lập. Cơ quan chủ trì: Sở Y "
        "tế.\n"
    )
    got = {s.blocks[0].text[:4]: " › ".join(s.headings) for s in sections(text, FileMeta(file="x"))}
    assert got["3.1."].endswith(
        "3. Xã hội số › 3.1. Tổ chức phong trào “Bình dân học vụ số” năm 2026"
    )
    assert got["3.2."].endswith("› 3. Xã hội số"), got


def test_no_section_is_numbered_zero():
    # "… phiên bản / 4.0. Cơ quan chủ trì: …" (a PDF written by someone who never saw the
    # code): a version number wrapped to the line start is no "4.0." section, and a
    # thousand ("1.093 Tổ …", "2.450 Tổ …") is no section number; the tasks after it stay
    # under their own.
    got = _wrapped_blocks(
        "2. Cập nhật, ban hành Kiến trúc chính quyền số tỉnh Hòa Bình phiên bản",
        "4.0. Cơ quan chủ trì: Sở Khoa học và Công nghệ; thời hạn: 31/3/2026.",
        "- Toàn tỉnh đã thành lập 151 Tổ công nghệ số cộng đồng cấp xã và",
        "1.093 Tổ công nghệ số cộng đồng cấp thôn, bản với 6.742 thành viên.",
        "3. Đào tạo, bồi dưỡng kỹ năng số cho 4.500 cán bộ, duy trì hoạt động của",
        "2.450 Tổ công nghệ số cộng đồng tại thôn, buôn, bon, tổ dân phố.",
    )
    assert got[-3].endswith(
        "phiên bản 4.0. Cơ quan chủ trì: Sở Khoa học và Công nghệ; thời hạn: 31/3/2026."
    ), got[-3:]
    assert got[-2].endswith(
        "cấp xã và 1.093 Tổ công nghệ số cộng đồng cấp thôn, bản với 6.742 thành viên."
    ), got[-3:]
    assert got[-1].startswith("3. Đào tạo") and got[-1].endswith(
        "của 2.450 Tổ công nghệ số cộng đồng tại thôn, buôn, bon, tổ dân phố."
    ), got[-1]
    text = "IV. NHIỆM VỤ\n2. Ban hành Kiến trúc phiên bản\n4.0. Cơ quan chủ trì: Sở X.\n"
    heads = [" › ".join(s.headings) for s in sections(text, FileMeta(file="x"))]
    assert not any("4.0." in h for h in heads), heads


def test_text_broken_mid_sentence_at_line_ends_is_read_as_wrapped():
    # A PDF page whose header block and closing lines leave few full-width lines: its
    # sentences still break at line ends, so its lines are joined back into paragraphs.
    header = ["ỦY BAN NHÂN DÂN", "TỈNH X", "Số: 27/KH-UBND", "KẾ HOẠCH", "Chuyển đổi số năm 2026"]
    body = [
        "- Triển khai Trợ lý ảo hỗ trợ giải quyết thủ tục hành chính tại 94 xã, phường,",
        "đặc khu. Cơ quan chủ trì: Trung tâm Phục vụ hành chính công tỉnh; thời hạn:",
        "tháng 8/2026.",  # a label's value goes on after a full line only in wrapped text
    ] * 8
    closing = ["Nơi nhận:", "- Như trên;", "- Lưu: VT.", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    got = [b.text for b in blocks("\n".join(header + body + closing))]
    task = (
        "- Triển khai Trợ lý ảo hỗ trợ giải quyết thủ tục hành chính tại 94 xã, phường, đặc "
        "khu. Cơ quan chủ trì: Trung tâm Phục vụ hành chính công tỉnh; thời hạn: tháng 8/2026."
    )
    assert got.count(task) == 8, got


def test_a_count_wrapped_to_the_line_start_and_a_short_title_line_end_where_they_should():
    # (A PDF written by someone who never saw the code.) "75 Tổ …" after a full line that
    # stops mid-sentence goes on with it: a heading writes "75."; and a numbered title that
    # stops well short of the width has ended, so the capitalised line after it opens the
    # section's first paragraph instead of lengthening its title.
    got = _wrapped_blocks(
        "1. Về nhận thức và công tác lãnh đạo, chỉ đạo",
        "Sau hơn 3 năm thực hiện Nghị quyết, nhận thức của cấp ủy về chuyển đổi số có",
        "chuyển biến rõ nét trên địa bàn toàn tỉnh. Toàn tỉnh đã thành lập được tổng số",
        "75 Tổ Công nghệ số cộng đồng cấp xã và 536 Tổ ở ấp, khu vực với 3.870 thành viên.",
    )
    assert got[-2] == "1. Về nhận thức và công tác lãnh đạo, chỉ đạo", got[-3:]
    assert got[-1].startswith("Sau hơn 3 năm") and got[-1].endswith(
        "tổng số 75 Tổ Công nghệ số cộng đồng cấp xã và 536 Tổ ở ấp, khu vực với 3.870 thành viên."
    ), got[-1]


def test_a_table_cell_holding_only_a_dash_is_left_out_of_its_row():
    # "Thực hiện năm 2024: -" states no figure for 2024; written out, the row reads as an
    # answer about that year.
    from ingest.chunking import shown

    row = Block("x", [0], cells=["Tỷ lệ dân số được phủ sóng 5G", "-", "62%", "80%"])
    row.header = ["Chỉ tiêu", "Thực hiện năm 2024", "Ước thực hiện năm 2025", "Kế hoạch 2026"]
    assert shown(row) == (
        "Tỷ lệ dân số được phủ sóng 5G: Ước thực hiện năm 2025: 62%; Kế hoạch 2026: 80%"
    )


def test_a_header_line_of_number_and_date_side_by_side_is_kept_a_stamp_is_not():
    text = (
        "TỈNH ỦY THÁI BÌNH\tĐẢNG CỘNG SẢN VIỆT NAM\n\n"
        "Số 09-NQ/TU\tThái Bình, ngày 28 tháng 9 năm 2021\n\n"
        "ĐẾN\tSố: 50H (BES)\n\tNgày: 21/10\n\nNGHỊ QUYẾT\n"
    )
    texts = [b.text for b in blocks(text)]
    assert "Số 09-NQ/TU Thái Bình, ngày 28 tháng 9 năm 2021" in texts
    assert not any("50H" in t or "21/10" in t or "ĐẢNG CỘNG SẢN" in t for t in texts)
