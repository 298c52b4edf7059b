"""Words the web app itself writes around answers, in the language of the question.

The answer text comes from the answerer; everything the UI adds to it (source list headings,
buttons, notes about the search scope) follows ``Answer.scope["lang"]``: English for an
English question, Vietnamese otherwise (with or without diacritics).
"""

from __future__ import annotations

from typing import Any

VI = {
    "lang": "vi",
    "sources_wide": "xem khung bên phải",
    "sources_narrow": "xem ngay bên dưới",
    "sources": "Nguồn",
    "notice": "Lưu ý",
    "copy": "Sao chép",
    "copied": "Đã sao chép",
    "panel_title": "Nguồn trích dẫn",
    "section": "Mục",
    "open": "Mở trong văn bản",
    "no_number": "văn bản không ghi số, ngày",
    "number": "Số",
    "date": "ngày",
    "nearest": "Các đoạn gần nhất (không đủ để trả lời)",
    "no_citation": "Câu trả lời này không có trích dẫn.",
    "scope_note": (
        "Bạn đang giới hạn tìm kiếm trong: {allowed}. Câu hỏi nhắc đến {asked}, không thuộc "
        "phạm vi này — mở “Phạm vi tìm kiếm” và chọn thêm văn bản (hoặc “Chọn tất cả”)."
    ),
    "sources_of": "Nguồn của câu trả lời cho: “{question}”",
}
EN = {
    "lang": "en",
    "sources_wide": "see the panel on the right",
    "sources_narrow": "see right below",
    "sources": "Sources",
    "notice": "Note",
    "copy": "Copy",
    "copied": "Copied",
    "panel_title": "Cited sources",
    "section": "Section",
    "open": "Open in the document",
    "no_number": "the document states no number or date",
    "number": "No.",
    "date": "dated",
    "nearest": "Closest passages (not enough to answer)",
    "no_citation": "This answer has no citation.",
    "scope_note": (
        "Your search is limited to: {allowed}. The question is about {asked}, which is outside "
        "that scope — open “Phạm vi tìm kiếm” (search scope) and add documents (or select all)."
    ),
    "sources_of": "Sources of the answer to: “{question}”",
}


def lang_of(answer: Any) -> str:
    """``"en"`` or ``"vi"``: the language of the question an answer (or None) replies to."""
    scope = getattr(answer, "scope", None) or {}
    return "en" if scope.get("lang") == "en" else "vi"


def words(answer: Any = None, lang: str | None = None) -> dict[str, str]:
    """The UI words for ``answer``'s question (or for ``lang``)."""
    return EN if (lang or lang_of(answer)) == "en" else VI
