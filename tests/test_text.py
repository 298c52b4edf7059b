"""Vietnamese text handling: NFC, folding, words, years, sentence units."""

from __future__ import annotations

import unicodedata

from kernel.text import (
    collapse_ws,
    fold,
    has_diacritics,
    lexical_terms,
    nfc,
    numbers,
    sentence_spans,
    syllables,
    years,
)


def test_fold_strips_diacritics_and_d_bar():
    assert fold("Quảng Ngãi") == "quang ngai"
    assert fold("ĐẢNG BỘ Đà Nẵng") == "dang bo da nang"
    # NFC text folds to the same length: offsets found in folded text map back.
    text = nfc("Chữ ký số của Khánh Hòa")
    assert len(fold(text)) == len(text)


def test_nfc_and_diacritics_detection():
    decomposed = unicodedata.normalize("NFD", "Thanh Hóa")
    assert nfc(decomposed) == "Thanh Hóa"
    assert has_diacritics("chữ ký số") and not has_diacritics("chu ky so")


def test_syllables_keep_numbers_and_technical_names_whole():
    toks = syllables("Phủ 4G/5G, IPv6, 3D; trên 1.000 doanh nghiệp, 35,8% và 100%")
    assert {"4g", "5g", "ipv6", "3d", "1.000", "35,8%", "100%"} <= set(toks)


def test_lexical_terms_as_written_and_folded():
    assert "kinh_tế" in lexical_terms("Kinh tế số", folded=False)
    assert "kinh_te" in lexical_terms("Kinh tế số", folded=True)


def test_years_ignore_dates_and_figures():
    assert years("đến năm 2030, thuộc nhóm 15") == [2030]
    assert years("Tính đến 31/12/2020") == []
    assert years("tăng 2025%") == []
    assert years("năm 2025.") == [2025]


def test_numbers_as_written():
    assert numbers("trên 1.000 doanh nghiệp, đạt 35,8 %") == ["1.000", "35,8%"]


def test_sentence_units_split_at_sentence_ends_not_list_numbers():
    text = "2. Mục tiêu tổng quát. Kinh tế số chiếm 20%; năng suất tăng 8%.\n- Gạch đầu dòng"
    units = [text[i:j] for i, j in sentence_spans(text)]
    assert units == [
        "2. Mục tiêu tổng quát.",
        "Kinh tế số chiếm 20%;",
        "năng suất tăng 8%.",
        "- Gạch đầu dòng",
    ]


def test_collapse_ws():
    assert collapse_ws(" a \n\n b\tc ") == "a b c"


def test_a_short_label_and_its_value_are_one_unit():
    text = (
        "Đào tạo chuyên sâu cho 150 cán bộ chuyên trách. Cơ quan chủ trì: Sở Nội vụ. "
        "Các nhiệm vụ cụ thể như sau: xây dựng kho dữ liệu dùng chung."
    )
    units = [text[i:j] for i, j in sentence_spans(text)]
    assert "Cơ quan chủ trì: Sở Nội vụ." in units
    # A sentence that announces what follows still ends at its colon.
    assert "Các nhiệm vụ cụ thể như sau:" in units


def test_a_part_mark_stays_with_its_title():
    text = "Phần III. TỔ CHỨC THỰC HIỆN\nĐiều 2. Hiệu lực thi hành. Nghị quyết có hiệu lực."
    units = [text[i:j] for i, j in sentence_spans(text)]
    assert units[0] == "Phần III. TỔ CHỨC THỰC HIỆN"
    assert units[1] == "Điều 2. Hiệu lực thi hành."


def test_document_numbers_and_dates_are_not_figures() -> None:
    from assistant.answering.features import has_figure
    from kernel.text import DOC_NUMBER

    assert DOC_NUMBER.search("Theo Nghị quyết 24/2025/NQ-HĐND của An Giang").group(0) == (
        "24/2025/NQ-HĐND"
    )
    assert DOC_NUMBER.search("Chỉ thị 15-CT/TU").group(0) == "15-CT/TU"
    assert not has_figure("Thực hiện Nghị quyết số 24/2025/NQ-HĐND ngày 26 tháng 9 năm 2025.")
    assert not has_figure("Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ")
    assert has_figure("Kinh tế số chiếm 25% GRDP của tỉnh;")
    assert has_figure("Toàn tỉnh hiện có 2.040 Tổ công nghệ số cộng đồng")


def test_a_time_is_a_date_a_quarter_a_month_or_a_year_as_deadline() -> None:
    from assistant.answering.features import states_time

    assert states_time("hoàn thành trước ngày 30/11/2026.")
    assert states_time("Cơ quan chủ trì: Sở Nội vụ. Thời hạn: Quý II/2026.")
    assert states_time("báo cáo Ủy ban nhân dân tỉnh hằng tháng")
    assert states_time("đưa vào vận hành trong năm 2026")
    assert not states_time("Thực hiện Nghị quyết số 24/2025/NQ-HĐND")
    assert not states_time("Tỷ lệ dân số có chữ ký số đạt 70%")


def test_an_agency_is_named_by_its_opening_noun_and_a_name() -> None:
    from kernel.vocabulary import vocabulary

    v = vocabulary()
    for text in ("Sở Công Thương chủ trì", "Công an tỉnh", "do UBND tỉnh", "VNPT Lai Châu"):
        assert v.names_agency(text), text
    for text in ("Ban hành kèm theo Quyết định này", "Bộ dữ liệu mở", "Hội nghị lần thứ tư"):
        assert not v.names_agency(text), text


def test_the_years_of_a_section_are_its_nearest_headings_that_names_any():
    from kernel.text import heading_years

    path = ["Điều 1. Mục tiêu đến năm 2025, năm 2027 và định hướng", "2. Mục tiêu đến hết năm 2025"]
    assert heading_years(path) == [2025]
    assert heading_years([*path, "b) Về kinh tế số"]) == [2025]
    assert heading_years(["I. MỤC TIÊU", "a) Về kinh tế số"]) == []


def test_a_question_typed_without_diacritics_gets_the_corpus_spelling_back():
    from assistant.retrieval.accents import Accents
    from kernel.types import Chunk

    text = "Triển khai bệnh án điện tử tại 100% bệnh viện. Năm 2025 Việt Nam có 63 tỉnh."
    chunk = Chunk(id="c", file="x.txt", text=text, index_text=text, start=0, end=len(text))
    accents = Accents([chunk])
    assert accents.restore("benh an dien tu nam 2025") == "bệnh án điện tử năm 2025"
    # The longest run wins: "viet nam" is the country, "nam" alone the year's "năm".
    assert accents.restore("viet nam") == "việt nam"
    assert accents.restore("tu khoa la") == "tử khoa la"  # unknown syllables stay as typed


def test_every_year_is_one_word_however_spelt() -> None:
    # "hàng năm" and "hằng năm" are both written for "every year"; "hàng hóa" is goods.
    assert syllables("kinh phí hàng năm") == syllables("kinh phí hằng năm")
    assert syllables("hàng hóa")[0] == "hàng"
    # A signature's "KT." opens its line, it ends no sentence.
    text = "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nĐã xong. Tiếp theo."
    assert [text[i:j] for i, j in sentence_spans(text)] == [
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Đã xong.",
        "Tiếp theo.",
    ]
