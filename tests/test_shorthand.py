"""Chat shorthand and initialisms, spelled out from what the corpus itself writes."""

from __future__ import annotations

from assistant.question.shorthand import Shorthand
from kernel.text import has_diacritics


def test_chat_words_and_the_corpus_initialisms_are_spelled_out(assistant) -> None:
    sh = assistant.corpus.shorthand
    text = sh.expand("TH năm 2025 tỷ lệ ng dân dùng DVCTT đạt bn, KTS của HD chiếm bn %")
    for words in ("Thanh Hóa", "người dân", "dịch vụ công trực tuyến", "bao nhiêu"):
        assert words in text, text
    assert "kinh tế số của Hải Dương" in text, text


def test_a_question_typed_without_diacritics_stays_without_them(assistant) -> None:
    text = assistant.corpus.shorthand.expand("TH nam 2025 ty le ng dan dung DVCTT dat bn")
    assert not has_diacritics(text), text
    assert "Thanh Hoa" in text and "dich vu cong truc tuyen" in text and "bao nhieu" in text


def test_codes_and_initialisms_the_corpus_does_not_spell_stay_as_written(assistant) -> None:
    sh = assistant.corpus.shorthand
    # "KH" next to a number is a plan's code ("KH năm 2026", "KH số 27"), "CV" a dispatch's;
    # no phrase of the corpus reads "ICT" or "PCI".
    for q in ("Theo KH năm 2026 và CV 11507 thì sao?", "KH số 27 ra ngày nào?", "ICT và PCI?"):
        assert sh.expand(q) == q
    # Standing alone, the same letters are the province ("UBND KH", "còn KH thì sao?").
    assert sh.expand("UBND KH ban hành CV 11507 ngày nào?").startswith("UBND Khánh Hòa ban hành")
    assert sh.expand("còn KH thì sao?") == "còn Khánh Hòa thì sao?"
    assert sh.expand("NQ của KH về chuyển đổi số").endswith("của Khánh Hòa về chuyển đổi số")
    # Where no province goes, a code's letters are the code: "lập KH tập huấn" is a plan.
    q = "Huyện em đang lập KH tập huấn kỹ năng số theo NQ Quảng Ngãi"
    assert sh.expand(q) == q


def test_initials_two_indexed_provinces_share_are_no_province(assistant) -> None:
    chunks = assistant.corpus.chunks
    assert Shorthand(chunks, ["Quảng Ngãi"]).expand("NQ của QN") == "NQ của Quảng Ngãi"
    both = Shorthand(chunks, ["Quảng Ngãi", "Quảng Ninh"])
    assert both.expand("NQ của QN") == "NQ của QN"


def test_lower_case_initials_are_a_province_only_where_a_chat_message_places_one(
    assistant,
) -> None:
    sh = assistant.corpus.shorthand
    assert sh.expand("hd 2030 kinh te so bn % grdp").startswith("Hai Duong 2030")
    assert (
        sh.expand("cv 11507 cua ubnd tinh kh giao ai") == "cv 11507 cua ubnd tinh Khanh Hoa giao ai"
    )
    # Inside a sentence, or in a question with diacritics, "kh", "hd" are other words.
    assert sh.expand("nghi quyet ve kh cn va cds") == "nghi quyet ve kh cn va cds"
    assert sh.expand("hd sử dụng dịch vụ công") == "hd sử dụng dịch vụ công"


def test_a_province_contracted_as_headlines_write_it_is_read(assistant) -> None:
    sh = assistant.corpus.shorthand
    assert sh.expand("qngai 2025 chi tieu la bn") == "Quang Ngai 2025 chi tieu la bao nhieu"
    assert sh.expand("Q.Ngãi đặt mục tiêu gì?") == "Quảng Ngãi đặt mục tiêu gì?"
    # "khoa" (Khánh Hòa so contracted) is a word of the corpus: it stays a word.
    assert sh.expand("khoa hoc cong nghe") == "khoa hoc cong nghe"
    both = Shorthand(assistant.corpus.chunks, ["Quảng Ngãi", "Quỳnh Ngãi"])
    assert both.expand("qngai") == "qngai"


def test_a_question_in_shorthand_finds_its_figure(assistant) -> None:
    a = assistant.ask("DVCTT của TH năm 2025 đạt bn % ng dân, DN sử dụng?")
    assert not a.refused and "97,9%" in a.answer, a.answer


def test_a_passage_abbreviating_what_the_corpus_spells_out_is_read_both_ways(assistant) -> None:
    sh = assistant.corpus.shorthand
    spelled = sh.spell_initialisms("Tỷ lệ DVCTT toàn trình của tỉnh")
    assert "DVCTT" in spelled and "dịch vụ công trực tuyến" in spelled, spelled
    # Two letters and what the corpus never spells out stay as written.
    assert sh.spell_initialisms("UBND KH và ICT") == "UBND KH và ICT"
