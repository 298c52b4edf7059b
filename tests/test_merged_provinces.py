"""Questions about a province merged in 2025 whose older documents are also held: the old
and the new province, the part that merged into it, and the years that only name a document."""

from __future__ import annotations

import pytest

from assistant.answering.place_fit import missing_places
from assistant.question.scope import understand
from kernel.types import Chunk, DocumentPart, FileMeta, Unit


def _meta(file: str, number: str, date: str, period: str) -> FileMeta:
    part = DocumentPart(kind="nghị quyết", number=number, date=date, period=period)
    return FileMeta(file=file, province="Khánh Hòa", parts=[part])


@pytest.fixture
def docs() -> dict[str, FileMeta]:
    return {
        "old.txt": _meta(
            "old.txt", "16-NQ/TU", "19/10/2021", "2021 - 2025, định hướng đến năm 2030"
        ),
        "new.docx": _meta(
            "new.docx", "07-NQ/TU", "16/12/2025", "đến năm 2030, tầm nhìn đến năm 2045"
        ),
    }


def test_the_province_it_merged_with_named_as_context_is_no_place_asked(docs) -> None:
    q = "Khánh Hòa (tỉnh mới sau hợp nhất với Ninh Thuận) đặt mục tiêu kinh tế số bao nhiêu?"
    assert understand(q, docs).local_places == []
    # Asked for itself, the merged part is a place of the province's documents.
    assert understand("Khu vực Ninh Thuận có bao nhiêu tổ công nghệ số?", docs).local_places == [
        "Ninh Thuận"
    ]


def test_the_new_province_is_asked_in_its_documents_since_the_merger(docs) -> None:
    for q in ("Nghị quyết của Khánh Hòa (mới) số mấy?", "What does the new Khánh Hòa target?"):
        assert understand(q, docs).files == ["new.docx"], q
    # "mới" that is no marker ("vừa mới ban hành") keeps every document.
    assert set(understand("Khánh Hòa mới ban hành nghị quyết gì?", docs).files) == set(docs)


def test_the_old_province_is_spoken_of_by_its_documents_before_the_merger(docs) -> None:
    scope = understand("Khánh Hòa (cũ) đặt mục tiêu cáp quang bao nhiêu?", docs)
    assert scope.before_merger == ["old.txt"]
    unit = Unit(text="Cáp quang phủ trên 80% hộ gia đình.", start=0, end=34, block=0)
    old = Chunk(
        id="a",
        file="old.txt",
        start=0,
        end=34,
        text=unit.text,
        index_text=unit.text,
        province="Khánh Hòa",
        units=[unit],
    )
    new = old.model_copy(update={"file": "new.docx"})
    assert missing_places(old, 0, scope) == []
    assert missing_places(new, 0, scope) == ["Khánh Hòa cũ"]


def test_a_year_that_dates_a_named_document_is_not_the_year_asked(docs) -> None:
    q = "Theo Nghị quyết 07-NQ/TU năm 2025, đến năm 2030 kinh tế số chiếm bao nhiêu?"
    assert understand(q, docs).years == [2030]
    compared = "So sánh mục tiêu 2030 giữa Nghị quyết 16-NQ/TU (2021) và Nghị quyết 07-NQ/TU (2025)"
    scope = understand(compared, docs)
    assert scope.years == [2030] and set(scope.files) == set(docs)
    # Its year alone is still the question's year.
    assert understand("Nghị quyết 07-NQ/TU năm 2025 nêu gì?", docs).years == [2025]
