"""Loading corpus files: real files of each format, and each way a file can be unreadable."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from ingest.loaders import SUPPORTED_SUFFIXES, UnreadableFile, iter_corpus, load_text
from kernel.text import nfc

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

VI = "Nghị quyết số 16-NQ/TU về chuyển đổi số tỉnh Khánh Hòa"

# A ToUnicode CMap so the hand-built PDF carries Vietnamese text: single-byte codes map to
# themselves for ASCII, and 0x80-0x82 to ị, ế, ố.
_CMAP = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<00> <FF>
endcodespacerange
1 beginbfrange
<20> <7E> <0020>
endbfrange
3 beginbfchar
<80> <1ECB>
<81> <1EBF>
<82> <1ED1>
endbfchar
endcmap
CMapName currentdict /CMap defineresource pop
end
end"""


def make_pdf(pages: list[list[bytes]]) -> bytes:
    """A minimal valid PDF, one text line per item, with correct xref offsets."""
    n = len(pages)
    font_id, cmap_id = 3 + 2 * n, 4 + 2 * n
    objs: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n)), n),
    ]
    for i, lines in enumerate(pages):
        ops = b"BT /F1 12 Tf 72 720 Td 14 TL "
        ops += b" ".join(b"(" + line + b") Tj T*" for line in lines) + b" ET"
        objs.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font_id, 4 + 2 * i)
        )
        objs.append(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
    objs.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode %d 0 R >>" % cmap_id
    )
    objs.append(b"<< /Length %d >>\nstream\n" % len(_CMAP) + _CMAP + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _reason(path: Path) -> str:
    with pytest.raises(UnreadableFile) as exc:
        load_text(path)
    assert exc.value.path == path
    assert str(path) in str(exc.value)
    return exc.value.reason


# ------------------------------------------------------------------------ readable files


def test_txt_utf8_is_returned_nfc_with_unix_newlines(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    # Decomposed (NFD) input, as some macOS tools write it, and Windows line ends.
    p.write_bytes(unicodedata.normalize("NFD", VI + "\r\nDòng hai\r\n").encode("utf-8"))
    text = load_text(p)
    assert text == VI + "\nDòng hai\n"
    assert text == nfc(text)


def test_md_with_bom(tmp_path: Path) -> None:
    p = tmp_path / "b.md"
    p.write_bytes(b"\xef\xbb\xbf" + f"# {VI}\n\n**I. TÌNH HÌNH**\n".encode())
    text = load_text(p)
    assert text.startswith("# Nghị quyết")
    assert "\ufeff" not in text


def test_uppercase_suffix_is_accepted(tmp_path: Path) -> None:
    p = tmp_path / "C.TXT"
    p.write_text(VI, encoding="utf-8")
    assert load_text(p) == VI


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("NGHỊ QUYẾT về chuyển đổi số", level=1)
    d.add_paragraph("Đoạn mở đầu.")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Chỉ tiêu"
    table.cell(0, 1).text = "Năm 2025"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "Kinh tế số chiếm 20% GRDP"
    d.add_paragraph("")  # empty paragraphs are dropped
    d.add_paragraph("Đoạn kết thúc.")
    p = tmp_path / "d.docx"
    d.save(str(p))

    text = load_text(p)
    # A table keeps its rows: one line each, cells joined by " | ".
    assert text.split("\n\n") == [
        "NGHỊ QUYẾT về chuyển đổi số",
        "Đoạn mở đầu.",
        "Chỉ tiêu | Năm 2025\nKinh tế số chiếm 20% GRDP",  # merged: once, not per column
        "Đoạn kết thúc.",
    ]


def test_pdf_text_layer_pages_joined(tmp_path: Path) -> None:
    p = tmp_path / "e.pdf"
    p.write_bytes(make_pdf([[b"Ngh\\200 quy\\201t s\\202 16-NQ/TU"], [b"Trang hai", b"Dong ba"]]))
    text = load_text(p)
    assert text.startswith("Nghị quyết số 16-NQ/TU")
    first, second = text.split("\n\n")
    assert "Trang hai" in second and "Dong ba" in second
    assert "Trang hai" not in first
    assert text == nfc(text)


def test_real_corpus_files_load() -> None:
    for path in iter_corpus(CORPUS):
        text = load_text(path)
        assert text.strip() and text == nfc(text)
        assert "\r" not in text


# ------------------------------------------------------------------------ unreadable files


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    assert _reason(p) == "tệp rỗng / empty file"


def test_whitespace_only_file(tmp_path: Path) -> None:
    p = tmp_path / "blank.md"
    p.write_text(" \n\t\n  ", encoding="utf-8")
    assert _reason(p).startswith("tệp rỗng / empty file")


def test_empty_pdf_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    assert _reason(p) == "tệp rỗng / empty file"


def test_binary_file(tmp_path: Path) -> None:
    p = tmp_path / "bin.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert _reason(p) == "tệp nhị phân / binary file (NUL bytes)"


def test_latin1_file_is_rejected_not_guessed(tmp_path: Path) -> None:
    p = tmp_path / "latin1.txt"
    p.write_bytes("Cà Mau và Hà Giang".encode("latin-1"))
    assert _reason(p) == "không phải UTF-8 / not valid UTF-8 at byte 1"


def test_cp1258_file_is_rejected(tmp_path: Path) -> None:
    # Windows-1258, the legacy Vietnamese code page: base letters + combining tone marks.
    p = tmp_path / "cp1258.txt"
    p.write_bytes(
        "Tỉnh ủy Hà Nô\u0323i".replace("ỉ", "i\u0309").replace("ủ", "u\u0309").encode("cp1258")
    )
    assert _reason(p) == "không phải UTF-8 / not valid UTF-8 at byte 2"


def test_utf16_file_is_named_as_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "u16.txt"
    p.write_bytes(VI.encode("utf-16"))
    assert _reason(p).startswith("không phải UTF-8 / not valid UTF-8")


def test_unparsable_pdf(tmp_path: Path) -> None:
    p = tmp_path / "broken.pdf"
    p.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    assert _reason(p).startswith("PDF không đọc được / unparsable PDF: ")


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    w = PdfWriter()
    w.add_blank_page(width=612, height=792)
    p = tmp_path / "scan.pdf"
    with p.open("wb") as f:
        w.write(f)
    assert _reason(p).startswith("PDF không có lớp văn bản / PDF has no text layer")


def test_unparsable_docx(tmp_path: Path) -> None:
    p = tmp_path / "broken.docx"
    p.write_bytes(b"PK\x03\x04 not a zip really")
    assert _reason(p).startswith("DOCX không đọc được / unparsable DOCX: ")


def test_unsupported_format(tmp_path: Path) -> None:
    p = tmp_path / "old.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0")
    assert _reason(p) == "định dạng không hỗ trợ / unsupported format .doc"


def test_unreadable_file_is_an_exception_with_path_and_reason() -> None:
    e = UnreadableFile("x.txt", "tệp rỗng / empty file")
    assert isinstance(e, Exception)
    assert e.path == Path("x.txt") and e.reason == "tệp rỗng / empty file"


# ------------------------------------------------------------------------ iter_corpus


def test_iter_corpus_filters_and_sorts(tmp_path: Path) -> None:
    for name in [
        "b.md",
        "a.txt",
        "d.docx",
        "c.pdf",
        "manifest.json",
        ".hidden.txt",
        "README.md",
        "readme.txt",
        "old.doc",
        "E.PDF",
    ]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.txt").mkdir()
    names = [p.name for p in iter_corpus(tmp_path)]
    assert names == ["E.PDF", "a.txt", "b.md", "c.pdf", "d.docx"]


def test_iter_corpus_real_corpus() -> None:
    files = iter_corpus(CORPUS)
    assert [p.suffix for p in files] == [".txt"] * 5
    assert all(p.suffix in SUPPORTED_SUFFIXES for p in files)
    assert files == sorted(files, key=lambda p: p.name)


def test_iter_corpus_missing_dir(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        iter_corpus(tmp_path / "nope")


def test_pdf_glyphs_of_a_fallback_font_stay_on_their_line(tmp_path: Path) -> None:
    # A letter the title's font lacks is drawn from a fallback font whose box sits ~3 pt
    # higher (text rise 3.5 here): it must not become a line of its own ("QUY / ế / T").
    p = tmp_path / "f.pdf"
    p.write_bytes(make_pdf([[b"QUY) Tj 3.5 Ts (\\201) Tj 0 Ts (T DINH", b"Dong hai"]]))
    assert load_text(p).split("\n")[:2] == ["QUYếT DINH", "Dong hai"]


def test_docx_one_row_layout_table_reads_as_lines(tmp_path: Path) -> None:
    d = docx.Document()
    header = d.add_table(rows=1, cols=2)  # issuer and number | motto and date, side by side
    header.cell(0, 0).text = "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH"
    header.cell(0, 0).add_paragraph("Số: 286/BC-UBND")
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    header.cell(0, 1).add_paragraph("Bình Định, ngày 18 tháng 12 năm 2024")
    d.add_paragraph("BÁO CÁO")
    p = tmp_path / "h.docx"
    d.save(str(p))
    text = load_text(p)
    assert text.split("\n\n") == [
        "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH",
        "Số: 286/BC-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Bình Định, ngày 18 tháng 12 năm 2024",
        "BÁO CÁO",
    ]


def test_docx_header_laid_out_in_rows_reads_as_lines(tmp_path: Path) -> None:
    d = docx.Document()
    header = d.add_table(rows=2, cols=2)  # issuer | motto, then number | place and date
    header.cell(0, 0).text = "ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH"
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    header.cell(1, 0).text = "Số: 412/BC-UBND"
    header.cell(1, 1).text = "Hà Tĩnh, ngày 16 tháng 12 năm 2024"
    d.add_paragraph("BÁO CÁO")
    p = tmp_path / "h.docx"
    d.save(str(p))
    assert load_text(p).split("\n\n") == [
        "ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số: 412/BC-UBND",
        "Hà Tĩnh, ngày 16 tháng 12 năm 2024",
        "BÁO CÁO",
    ]


def test_pdf_table_row_cut_by_a_page_break_reads_whole() -> None:
    """A row the page break cuts (its last words on the next page), and a last row alone on
    a new page, read as the row does in the .txt: one line, cells tab-separated."""
    text = load_text(ROOT / "tests" / "data" / "province38" / "danang_kehoach_chuyendoiso_2026.pdf")
    lines = text.splitlines()
    assert (
        "14\tTỷ lệ người trưởng thành có tài khoản định danh điện tử mức độ 2\t%\t79,6\t85\t"
        "Công an thành phố"
    ) in lines
    assert (
        "7\tBố trí công chức có chuyên môn công nghệ thông tin cho 38 xã, phường, đặc khu còn "
        "thiếu\tSở Nội vụ\tỦy ban nhân dân các xã, phường, đặc khu\tTháng 12/2026"
    ) in lines
    assert (
        "8\tVận hành Trung tâm giám sát an toàn thông tin (SOC) tập trung của thành phố\t"
        "Công an thành phố\tSở Khoa học và Công nghệ\tQuý II/2026"
    ) in lines
    assert "độ 2" not in lines  # no piece of a row left on its own


def test_pdf_table_header_repeated_on_the_next_page_is_read_once() -> None:
    text = load_text(ROOT / "tests" / "data" / "province6" / "nghean_kh_2023.pdf")
    assert text.count("STT\tChỉ tiêu\tNăm 2023\tNăm 2025\tCơ quan chủ trì") == 1
