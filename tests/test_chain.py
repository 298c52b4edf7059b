"""The answer chain on the real index: right province and year, citations, refusals."""

from __future__ import annotations

import json
import re

import pytest
from langchain_core.runnables import Runnable

from kernel.text import collapse_ws
from kernel.types import REFUSAL

from .conftest import ROOT

QN = "003_a83315fa0d19e00b.txt"
TH = "004_e6278164a908c064.txt"


def _original(file: str) -> str:
    return (ROOT / "corpus" / file).read_text(encoding="utf-8")


def test_right_province_and_year(assistant):
    a2030 = assistant.ask("Mục tiêu chữ ký số của Quảng Ngãi đến năm 2030?")
    a2025 = assistant.ask("Mục tiêu chữ ký số của Quảng Ngãi đến năm 2025?")
    assert "70%" in a2030.answer and "50%" not in a2030.answer
    assert "50%" in a2025.answer and "70%" not in a2025.answer
    for a in (a2030, a2025):
        assert not a.refused and a.citations and a.citations[0].file == QN


@pytest.mark.parametrize(
    "question",
    [
        "muc tieu chu ky so cua Quang Ngai den nam 2030",
        "What is Quảng Ngãi's e-signature target for 2030?",
    ],
)
def test_without_diacritics_and_in_english(assistant, question):
    a = assistant.ask(question)
    assert "70%" in a.answer and a.citations[0].file == QN


def test_citation_spans_point_at_the_supporting_sentence(assistant):
    a = assistant.ask("Hải Dương phấn đấu có bao nhiêu doanh nghiệp công nghệ số đến năm 2030?")
    c = a.citations[0]
    text = _original(c.file)
    assert text[c.start : c.end] == c.text
    assert c.start <= c.sentence_start < c.sentence_end <= c.end
    assert "1.000" in text[c.sentence_start : c.sentence_end]
    assert "2030" in c.section and c.title


def test_refuses_what_the_documents_do_not_say(assistant):
    for q in (
        "Thành phố Hồ Chí Minh đặt mục tiêu bao nhiêu phần trăm dịch vụ công trực tuyến?",
        "Quảng Ngãi đặt mục tiêu bao nhiêu % dân số có chữ ký số năm 2035?",
        "Hải Dương có bao nhiêu sân bay?",
    ):
        a = assistant.ask(q)
        assert a.refused and a.answer.startswith(REFUSAL) and not a.citations, q
        assert a.passages  # the closest passages are still shown


def test_document_facts_cite_the_signature(assistant):
    a = assistant.ask("Ai ký Nghị quyết 16-NQ/TU của Tỉnh ủy Khánh Hòa?")
    assert "Nguyễn Hải Ninh" in a.answer
    assert "Nguyễn Hải Ninh" in a.citations[0].text
    d = assistant.ask("Cong van cua UBND tinh Khanh Hoa co so hieu gi, ban hanh ngay nao?")
    assert "11507/UBND-KGVX" in d.answer and "15 tháng 11 năm 2021" in d.answer


def test_a_document_named_by_kind_and_year_alone_has_its_facts_answered(assistant):
    # No province is named, but one file only holds a resolution of 2026.
    a = assistant.ask("Who issued the 2026 digital transformation resolution, and who signed it?")
    assert "Nguyễn Hồng Phong" in a.answer and a.citations[0].file == TH, a.answer
    # A year several documents share names none of them.
    b = assistant.ask("Who signed the 2025 digital transformation resolution?")
    assert "Nguyễn Hồng Phong" not in b.answer


def test_follow_ups_carry_province_topic_and_year(assistant):
    first = "Mục tiêu chữ ký số của Quảng Ngãi đến năm 2030?"
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": "70%"}]
    a = assistant.ask("còn năm 2025 thì sao?", history=history)
    assert "50%" in a.answer and a.citations[0].file == QN
    history = [
        {"role": "user", "content": "Tỷ trọng kinh tế số trong GRDP của Quảng Ngãi năm 2030?"},
        {"role": "assistant", "content": "30%"},
    ]
    b = assistant.ask("thế còn Khánh Hòa?", history=history)
    assert "30%" in b.answer and b.citations[0].province == "Khánh Hòa"


def test_comparison_keeps_years_aligned(assistant):
    a = assistant.ask("So sánh mục tiêu kinh tế số của Hải Dương và Khánh Hòa")
    provinces = {c.province for c in a.citations}
    assert provinces == {"Hải Dương", "Khánh Hòa"}
    # One block per year, each listing both provinces: the 2030 figure never under 2025.
    blocks = re.split(r"(?m)^Năm (20\d\d):$", a.answer)[1:]
    by_year = dict(zip(blocks[::2], blocks[1::2], strict=True))
    assert set(by_year) == {"2025", "2030"}, a.answer
    assert "Hải Dương: 20%" in by_year["2025"] and "Khánh Hòa: tối thiểu 10%" in by_year["2025"]
    assert "30%" not in by_year["2025"]
    assert "Hải Dương: 30%" in by_year["2030"] and "Khánh Hòa: tối thiểu 30%" in by_year["2030"]


def test_filters_restrict_the_documents(assistant):
    a = assistant.ask(
        "Kinh tế số chiếm bao nhiêu phần trăm GRDP năm 2030?", filters={"provinces": ["Khánh Hòa"]}
    )
    assert a.citations and all(c.province == "Khánh Hòa" for c in a.citations)
    assert all(p.chunk.province == "Khánh Hòa" for p in a.passages)


def test_bad_input_gets_a_message(assistant):
    assert "nhập câu hỏi" in assistant.ask("   ").answer
    long = assistant.ask("chuyển đổi số " * 2000)
    assert "giới hạn" in long.answer and not long.citations


def test_chain_is_a_runnable(assistant):
    assert isinstance(assistant.chain, Runnable)
    a = assistant.as_runnable().invoke({"question": "Quảng Ngãi năng suất lao động 2030?"})
    assert "8%" in a.answer
    assert set(a.timings) >= {"understand_ms", "retrieve_ms", "answer_ms", "total_ms"}


def test_cli_json(index_settings, monkeypatch, capsys):
    from assistant.__main__ import main

    monkeypatch.setenv("NQCDS_DATA_DIR", str(index_settings.data_dir))
    from kernel.settings import get_settings

    get_settings.cache_clear()
    assert main(["--json", "Hai Duong nam 2025 bao nhieu doanh nghiep cong nghe so?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "700" in out["answer"] and out["citations"][0]["file"].startswith("000_")
    assert collapse_ws(out["citations"][0]["text"])


def test_list_questions_name_the_sections_of_the_list(assistant):
    a = assistant.ask("Khánh Hòa chọn những lĩnh vực nào để ưu tiên chuyển đổi số?")
    for field in ("du lịch", "y tế", "giáo dục", "nông nghiệp", "giao thông vận tải"):
        assert field in a.answer
    # The sub-sections follow one another: one passage cites them all, each inside it.
    assert {c.province for c in a.citations} == {"Khánh Hòa"}
    for field in ("du lịch", "y tế", "giáo dục", "nông nghiệp", "giao thông vận tải"):
        assert any(field in c.text for c in a.citations)


def test_current_figures_are_not_taken_from_targets(assistant):
    a = assistant.ask("Hiện có bao nhiêu phần trăm dân số Hải Dương sử dụng điện thoại thông minh?")
    assert "72%" in a.answer


def test_document_facts_read_from_the_text(assistant):
    a = assistant.ask(
        "Công văn của Bộ Thông tin và Truyền thông về xây dựng nghị quyết gửi tới ai?"
    )
    assert "tỉnh ủy, thành ủy" in a.answer
    b = assistant.ask("Nghị quyết chuyển đổi số của Hải Dương ban hành ngày nào?")
    assert b.refused and "không ghi" in b.answer  # the text states no date: no other date


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Before this resolution, which directive had Quảng Ngãi issued?", "en"),
        ("Hai Duong co bao nhieu doanh nghiep cong nghe so nam 2030?", "vi-nodiacritics"),
        ("the nao la chuyen doi so an toan cho to chuc?", "vi-nodiacritics"),
        ("Mục tiêu chữ ký số của Quảng Ngãi?", "vi"),
    ],
)
def test_language_detection(question, lang):
    from assistant.question.language import detect_lang

    assert detect_lang(question) == lang


def test_the_distribution_list_after_the_signature_is_a_document_fact(assistant):
    a = assistant.ask("Nghị quyết 16-NQ/TU của Khánh Hòa có nơi nhận gồm những cơ quan nào?")
    assert "Ban Kinh tế Trung ương" in a.answer, a.answer
    assert any("Ban Kinh tế Trung ương" in c.text for c in a.citations)
    # The dispatch's own addressee stays what "kính gửi" asks.
    b = assistant.ask("Công văn 11507/UBND-KGVX của UBND tỉnh Khánh Hòa kính gửi ai?")
    assert "Sở Thông tin và Truyền thông" in b.answer, b.answer


def test_an_english_question_matches_the_abbreviations_the_documents_write(assistant):
    _, scope, intent = assistant.interpret("What was Hai Duong's SIPAS Index ranking in 2019?")
    text = assistant.extractor.content_text(
        "What was Hai Duong's SIPAS Index ranking?", scope, intent
    )
    assert "SIPAS" in text.split()
    # One the documents never write is left out (it would only count as unmatched words).
    assert "XYZQ" not in assistant.extractor.content_text("What is the XYZQ target?", scope, intent)
    # Nor the letters of a document's number ("16-NQ/TU": "NQ", "TU").
    numbered = assistant.extractor.content_text("Under Resolution 16-NQ/TU?", scope, intent)
    assert "NQ" not in numbered.split() and "TU" not in numbered.split()


def test_a_document_of_another_kind_asked_for_is_looked_up_in_the_text(assistant):
    # Khánh Hòa's resolution implements Resolution 52-NQ/TW (its preamble); the Prime
    # Minister's decision asked for is one its text tells Party committees to carry out.
    a = assistant.ask(
        "Which Prime Minister's decision on e-government does the Khánh Hòa resolution "
        "tell Party committees to implement?"
    )
    assert "942/QĐ-TTg" in a.answer and not a.refused, a.answer


def test_a_document_fact_is_asked_of_the_document_the_asking_clause_names(assistant):
    # The context ("văn phòng UBND phường") names the People's Committee, whose dispatch
    # shares Khánh Hòa's file; the asking clause names the Party resolution.
    a = assistant.ask(
        "Em ở văn phòng UBND phường, đang làm báo cáo tháng, cần ghi cho chuẩn: Nghị quyết về "
        "chuyển đổi số của Tỉnh ủy Khánh Hòa được ban hành tại hội nghị lần thứ mấy?"
    )
    assert "LẦN THỨ 7" in a.answer and not a.refused, a.answer
    # What a document implements is quoted where its preamble says it.
    b = assistant.ask("Nghị quyết 16 của Khánh Hòa ban hành để thực hiện những nghị quyết nào?")
    assert "“Thực hiện Nghị quyết số 52-NQ/TW" in b.answer, b.answer
