"""The corpus manifest against the texts, and metadata detection against the manifest."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from ingest.loaders import iter_corpus, load_text
from ingest.manifest import detect_meta, load_manifest, meta_for
from kernel.gazetteer import NAMES_PRE_2025
from kernel.types import NATIONAL, FileMeta

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
MANIFEST = CORPUS / "manifest.json"

FILES = [p.name for p in iter_corpus(CORPUS)]


@pytest.fixture(scope="module")
def manifest() -> dict[str, FileMeta]:
    return load_manifest(MANIFEST)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {p.name: load_text(p) for p in iter_corpus(CORPUS)}


def _squash(s: str) -> str:
    # Numbers are compared modulo spacing ("46 - CV/BCSD") and Markdown emphasis left by
    # the PDF extraction ("~~11507~~/UBND-KGVX").
    return re.sub(r"[\s~*]+", "", s)


# ------------------------------------------------------------------------ manifest file


def test_manifest_covers_exactly_the_corpus(manifest: dict[str, FileMeta]) -> None:
    assert sorted(manifest) == FILES
    assert len(FILES) == 5


def test_manifest_has_only_known_fields() -> None:
    raw = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(raw, list)
    for entry in raw:
        assert set(entry) <= set(FileMeta.model_fields)
        FileMeta.model_validate(entry)


@pytest.mark.parametrize("name", FILES)
def test_manifest_entry_is_consistent(
    name: str, manifest: dict[str, FileMeta], texts: dict[str, str]
) -> None:
    meta, text = manifest[name], texts[name]
    assert meta.file == name
    assert not meta.detected
    assert meta.parts
    assert meta.province == NATIONAL or meta.province in NAMES_PRE_2025
    assert meta.title in [p.title for p in meta.parts]
    assert meta.kind == " + ".join(p.kind for p in meta.parts)
    assert meta.parts[0].anchor == ""
    positions = [0]
    for part in meta.parts:
        assert part.kind and part.title
        if part.anchor:
            assert len(part.anchor) <= 60
            assert part.anchor in text
            positions.append(text.index(part.anchor))
        if part.signer:
            assert part.signer in text
        if part.number:
            assert _squash(part.number) in _squash(text)
            assert part.number == _squash(part.number)  # stored without inner spaces
        if part.date:
            assert re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", part.date)  # as the text writes it
    assert positions == sorted(positions)


def test_main_part_is_the_resolution(manifest: dict[str, FileMeta]) -> None:
    kh = manifest["001_9631579da6f4c830.txt"]
    assert kh.main.number == "16-NQ/TU" and kh.main.signer == "Nguyễn Hải Ninh"
    assert manifest["002_f0f42730fb7e6be3.txt"].province == NATIONAL


# ------------------------------------------------------------------------ detection


@pytest.mark.parametrize("name", FILES)
def test_detect_meta_agrees_with_manifest(
    name: str, manifest: dict[str, FileMeta], texts: dict[str, str]
) -> None:
    expected, text = manifest[name], texts[name]
    got = detect_meta(name, text)
    assert got.detected
    assert got.province == expected.province
    assert [p.signer for p in got.parts] == [p.signer for p in expected.parts]
    # Beyond the brief (province, signer): the heuristics recover every field here.
    assert got.kind == expected.kind
    assert got.title == expected.title
    for g, e in zip(got.parts, expected.parts, strict=True):
        assert (g.kind, g.number, g.date, g.period) == (e.kind, e.number, e.date, e.period)
        assert (g.title, g.signer_title, g.issuing_body) == (
            e.title,
            e.signer_title,
            e.issuing_body,
        )
        if e.anchor:  # same start, though the detected anchor may be longer
            assert text.find(g.anchor) == text.find(e.anchor)
        else:
            assert g.anchor == ""


def test_detect_ignores_cited_resolutions() -> None:
    text = (
        "NGHỊ QUYẾT\nvề chuyển đổi số\n\nI. TÌNH HÌNH\n"
        "Thực hiện Nghị quyết số 06-NQ/TU ngày 10/11/2021 của Ban Thường vụ Tỉnh ủy "
        "về chuyển đổi số tỉnh Thanh Hóa; Nghị quyết số 52-NQ/TW ngày 27/9/2019.\n"
    )
    meta = detect_meta("x.txt", text)
    assert meta.main.number == "" and meta.main.date == ""
    assert meta.province == "Thanh Hóa"


def test_detect_number_date_signer_variants() -> None:
    text = (
        "TỈNH ỦY QUẢNG NGÃI\n*\nSố 7 - NQ/TU\n\nQuảng Ngãi, ngày 5 tháng 3 năm 2022\n\n"
        "**NGHỊ QUYẾT**\n**về chuyển đổi số giai đoạn 2021 – 2025,**\n"
        "**tầm nhìn đến năm 2030**\n\nI. TÌNH HÌNH\n...\n"
        "**T/M TỈNH ỦY\nBÍ THƯ**\n\n\n**Nguyễn Văn A**\n"
    )
    meta = detect_meta("x.txt", text)
    part = meta.main
    assert meta.province == "Quảng Ngãi"
    assert (part.number, part.date) == ("7-NQ/TU", "5/3/2022")
    assert part.title == "Nghị quyết về chuyển đổi số giai đoạn 2021 – 2025, tầm nhìn đến năm 2030"
    assert part.period == "2021 - 2025, tầm nhìn đến năm 2030"
    assert (part.signer, part.signer_title) == ("Nguyễn Văn A", "T/M Tỉnh ủy, Bí thư")
    assert part.issuing_body == "Tỉnh ủy Quảng Ngãi"


def test_a_report_on_one_year_and_the_tasks_of_the_next_covers_both_years() -> None:
    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH TRÀ VINH\nSố: 468/BC-UBND\n"
        "Trà Vinh, ngày 26 tháng 12 năm 2024\nBÁO CÁO\n"
        "Kết quả thực hiện chuyển đổi số năm 2024; nhiệm vụ trọng tâm năm 2025\n"
        "I. KẾT QUẢ\n- 05/11 bệnh viện công lập đã triển khai bệnh án điện tử.\n"
    )
    # Not only its last year: the results it reports are 2024's.
    assert detect_meta("x.txt", text).main.period == "năm 2024, năm 2025"
    one = text.replace("; nhiệm vụ trọng tâm năm 2025", "")
    assert detect_meta("x.txt", one).main.period == "năm 2024"


def test_a_document_attached_after_a_signature_is_a_part_of_its_own() -> None:
    from ingest.chunking import sections

    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH PHÚ YÊN\n\nSố: 512/QĐ-UBND\nTuy Hòa, ngày 14 tháng 3 năm 2023\n\n"
        "QUYẾT ĐỊNH\nBan hành Kế hoạch chuyển đổi số tỉnh Phú Yên năm 2023\n\n"
        "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch chuyển đổi số năm 2023.\n"
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.\n\n"
        "Nơi nhận:\n- Như Điều 2;\n- Lưu: VT.\n\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nTrần Hữu Thế\n\n"
        "KẾ HOẠCH\nChuyển đổi số tỉnh Phú Yên năm 2023\n"
        "(Kèm theo Quyết định số 512/QĐ-UBND ngày 14/3/2023 của UBND tỉnh Phú Yên)\n\n"
        "I. KẾT QUẢ NĂM 2022\nNăm 2022, 60% hồ sơ được xử lý trên môi trường mạng.\n\n"
        "II. CHỈ TIÊU NĂM 2023\n1. Kinh tế số chiếm 12% GRDP.\n"
    )
    meta = detect_meta("x.txt", text)
    assert [p.kind for p in meta.parts] == ["quyết định", "kế hoạch"]
    decision, plan = meta.parts
    assert (decision.number, decision.signer) == ("512/QĐ-UBND", "Trần Hữu Thế")
    assert plan.title == "Kế hoạch chuyển đổi số tỉnh Phú Yên năm 2023"
    paths = [s.headings for s in sections(text, meta)]
    # The plan's sections are its own, not the decision's signature block.
    assert ["Kế hoạch", "II. CHỈ TIÊU NĂM 2023"] in paths


@pytest.mark.parametrize("mark", ["PHỤ LỤC", "Phụ lục"])
def test_an_appendix_after_the_signature_goes_with_the_report(mark: str) -> None:
    from ingest.chunking import sections

    text = (
        "ỦY BAN NHÂN DÂN\nTỈNH PHÚ YÊN\n\nSố: 88/BC-UBND\nTuy Hòa, ngày 9 tháng 12 năm 2024\n\n"
        "BÁO CÁO\nKết quả chuyển đổi số năm 2024\n\n"
        "I. KẾT QUẢ\nNăm 2024, 60% hồ sơ được xử lý trên môi trường mạng.\n"
        "Các chỉ tiêu năm 2025 tại Phụ lục kèm theo.\n\n"
        "Nơi nhận:\n- Lưu: VT.\n\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nTrần Hữu Thế\n\n"
        f"{mark}\nCHỈ TIÊU CHUYỂN ĐỔI SỐ TỈNH PHÚ YÊN\n"
        "(Kèm theo Báo cáo số 88/BC-UBND ngày 9/12/2024 của UBND tỉnh Phú Yên)\n\n"
        "TT | Chỉ tiêu | Năm 2025\n1 | Tỷ lệ hộ gia đình có cáp quang | 85\n"
    )
    meta = detect_meta("x.txt", text)
    assert [p.kind for p in meta.parts] == ["báo cáo", "phụ lục"]
    # The file is the report; its appendix's rows are not under the signature block.
    assert meta.title == "Báo cáo kết quả chuyển đổi số năm 2024"
    # A title in capitals keeps its place names as names.
    assert meta.parts[1].title == "Phụ lục chỉ tiêu chuyển đổi số tỉnh Phú Yên"
    found = sections(text, meta)
    rows = [s.headings for s in found if any("cáp quang" in b.text for b in s.blocks)]
    # The rows are the appendix's, not the signature block's; the sentence that names the
    # appendix stays in the report.
    assert rows and all(p[0] == "Phụ lục" and "Nơi nhận, chữ ký" not in p for p in rows)
    assert any(
        p[0] != "Phụ lục" for s in found for p in [s.headings] if "kèm theo" in s.blocks[-1].text
    )


def test_the_issuer_of_a_two_column_header_read_line_by_line() -> None:
    # A PDF's two-column header comes out with the motto inside the issuer's lines.
    text = (
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "TỈNH QUẢNG NAM Độc lập - Tự do - Hạnh phúc\n"
        "Số: 57/BC-UBND Quảng Nam, ngày 07 tháng 3 năm 2024\nBÁO CÁO\nKết quả chuyển đổi số\n"
    )
    assert detect_meta("x.txt", text).parts[0].issuing_body == "Ủy ban nhân dân tỉnh Quảng Nam"


def test_the_issuer_named_in_a_programme_title_ends_before_what_it_implements() -> None:
    text = (
        "ĐẢNG BỘ TỈNH QUẢNG NINH\nTỈNH ỦY\nSố: 09-CTr/TU\nQuảng Ninh, ngày 16 tháng 01 năm 2026\n"
        "CHƯƠNG TRÌNH HÀNH ĐỘNG\ncủa Ban Chấp hành Đảng bộ tỉnh thực hiện Nghị quyết số "
        "57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về chuyển đổi số quốc gia\n"
    )
    part = detect_meta("x.txt", text).parts[0]
    assert part.issuing_body == "Ban Chấp hành Đảng bộ tỉnh Quảng Ninh"


def test_every_kind_of_the_vocabulary_is_a_kind_a_part_can_have() -> None:
    from typing import get_args

    from kernel.types import DocKind
    from kernel.vocabulary import vocabulary

    assert {k.name for k in vocabulary().document_kinds} <= set(get_args(DocKind))
    meta = detect_meta(
        "x.txt", "QUYẾT ĐỊNH\nPhê duyệt\n\nKT. CHỦ TỊCH\n\nTrần Văn B\n\nĐỀ ÁN\nChuyển đổi số\n"
    )
    assert [p.kind for p in meta.parts] == ["quyết định", "đề án"]


def test_detect_on_text_without_metadata() -> None:
    meta = detect_meta("x.txt", "Một đoạn văn không có tiêu đề, số hay chữ ký.")
    assert meta.detected and meta.province == "" and meta.main.signer == ""


# ------------------------------------------------------------------------ load/meta_for


def test_missing_manifest_is_empty(tmp_path: Path) -> None:
    assert load_manifest(tmp_path / "manifest.json") == {}


def test_invalid_json_raises_with_path(tmp_path: Path) -> None:
    p = tmp_path / "manifest.json"
    p.write_text('[{"file": "a.txt",]', encoding="utf-8")
    with pytest.raises(ValueError, match="invalid JSON") as exc:
        load_manifest(p)
    assert str(p) in str(exc.value)


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"file": "a.txt"}, "must be a JSON list"),
        ([{"title": "no file"}], "entry 0 is invalid"),
        ([{"file": "a.txt", "parts": [{"number": 16}]}], "entry 0 is invalid"),
        ([{"file": "a.txt"}, {"file": "a.txt"}], "listed twice"),
    ],
)
def test_bad_manifest_raises(tmp_path: Path, payload: object, message: str) -> None:
    p = tmp_path / "manifest.json"
    p.write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_manifest(p)


def test_unknown_fields_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    p = tmp_path / "manifest.json"
    p.write_text(json.dumps([{"file": "a.txt", "notes": "x", "parts": [{"singer": "A"}]}]))
    with caplog.at_level(logging.WARNING, logger="ingest.manifest"):
        assert "a.txt" in load_manifest(p)
    assert "notes" in caplog.text and "singer" in caplog.text


def test_meta_for_prefers_manifest(manifest: dict[str, FileMeta], texts: dict[str, str]) -> None:
    name = FILES[0]
    merged = meta_for(name, texts[name], manifest)
    entry = manifest[name]
    # What the manifest states wins; what it leaves empty is taken from the text.
    for part, given in zip(merged.parts, entry.parts, strict=True):
        for field, value in given.model_dump().items():
            assert value == "" or getattr(part, field) == value, field
    assert not entry.main.implements and "52-NQ/TW" in merged.main.implements
    assert (merged.title, merged.province) == (entry.title, entry.province)
    detected = meta_for("new.txt", texts[name], manifest)
    assert detected.detected and detected.file == "new.txt"
    assert detected.province == manifest[name].province
