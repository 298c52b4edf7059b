"""Numbers dictated as words, read as digits before a question is interpreted."""

from __future__ import annotations

import pytest

from assistant.question.numerals import spoken_numbers


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        (
            "năm hai nghìn không trăm ba mươi quảng ngãi đạt bao nhiêu",
            "năm 2030 quảng ngãi đạt bao nhiêu",
        ),
        (
            "đến ba mươi mốt tháng mười hai năm hai nghìn không trăm hai mươi",
            "đến 31 tháng 12 năm 2020",
        ),
        ("dat tam muoi phan tram nam 2025", "dat 80% nam 2025"),
        ("năm mươi xã có một trăm phần trăm", "50 xã có 100%"),
        ("ba trăm năm mươi doanh nghiệp", "350 doanh nghiệp"),
    ],
)
def test_spoken_numbers_are_written_in_digits(spoken: str, written: str) -> None:
    assert spoken_numbers(spoken) == written


@pytest.mark.parametrize(
    "text",
    [
        "một số nhiệm vụ mỗi năm một lần",
        "bao nhiêu phần trăm",
        "dịch vụ công mức độ bốn",
        "năm 2025",
    ],
)
def test_words_that_are_not_unmistakably_numbers_stay(text: str) -> None:
    assert spoken_numbers(text) == text


def test_the_assistant_reads_a_dictated_year(assistant) -> None:
    _, scope, _ = assistant.interpret("năm hai nghìn không trăm ba mươi quảng ngãi đặt chỉ tiêu gì")
    assert 2030 in scope.years
