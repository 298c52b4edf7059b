"""The English → Vietnamese lexicon learned from English questions and their gold passages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kernel.vocabulary as vocabulary_module
from assistant.question.glossary import english_words, vietnamese_terms
from evals.lexicon import candidates, confirm, passages


def _item(question: str, *quotes: str) -> dict:
    return {
        "lang": "en",
        "answerable": True,
        "question": question,
        "sources": [{"file": "x.txt", "quote": q} for q in quotes],
    }


ITEMS = [
    _item("Which hospitals keep records online?", "Các bệnh viện triển khai bệnh án điện tử."),
    _item("How many hospitals use telehealth?", "100% bệnh viện tuyến tỉnh khám chữa bệnh từ xa."),
    _item("What do hospitals report?", "Bệnh viện báo cáo định kỳ hằng tháng."),
    _item("Are hospitals paid online?", "Bệnh viện thu phí không dùng tiền mặt."),
    _item("Which hospitals share data?", "Kết nối dữ liệu giữa các bệnh viện."),
    _item("Do hospitals sign records?", "Bệnh viện ký số hồ sơ."),
    _item("When will clinics connect?", "Trạm y tế kết nối mạng năm 2025."),
    # The same passage asked twice counts once.
    _item("Do hospitals report monthly?", "Bệnh viện báo cáo định kỳ hằng tháng."),
]


def test_english_words_are_content_words_without_plural_endings() -> None:
    assert english_words("Which hospitals keep the records of cities?") == [
        "hospital",
        "keep",
        "record",
        "city",
    ]


def test_alignment_finds_the_term_each_passage_shares() -> None:
    pairs = passages(ITEMS)
    assert len(pairs) == 7
    found = candidates(pairs)
    assert found["hospital"][0] == "bệnh viện"
    # One passage is not evidence: "clinic" is asked once.
    assert "clinic" not in found


def test_english_words_written_in_the_passages_are_not_learned() -> None:
    items = [_item("What does GRDP mean here?", "Kinh tế số chiếm 20% GRDP.")] * 3
    assert all("grdp" not in en for en, _ in passages(items))


def test_the_embedding_model_keeps_translations_not_neighbours(index_settings) -> None:
    from kernel.embeddings import load_embeddings

    model = load_embeddings(index_settings)
    kept = confirm(
        {"hospital": ["bệnh viện", "báo cáo"]}, lambda ts: [model.embed_query(t) for t in ts]
    )
    assert kept == {"hospital": ["bệnh viện"]}


def test_learned_terms_fill_in_for_the_words_the_glossary_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lexicon = tmp_path / "lexicon.json"
    lexicon.write_text(
        json.dumps({"terms": {"hospital": ["bệnh viện"], "signature": ["chữ ký"]}}),
        encoding="utf-8",
    )
    monkeypatch.setattr(vocabulary_module, "LEXICON_FILE", lexicon)
    vocabulary_module.glossary.cache_clear()
    try:
        assert "bệnh viện" in vietnamese_terms("Which hospitals are connected?")
        # "digital signature" is the glossary's: its words are not looked up again.
        assert vietnamese_terms("Who holds digital signatures?") == ["chữ ký số"]
    finally:
        vocabulary_module.glossary.cache_clear()


def test_glossary_phrases_joined_by_a_hyphen_are_the_same_phrases() -> None:
    spaced = vietnamese_terms("What is the 2030 smart city goal?")
    assert "đô thị thông minh" in spaced
    assert vietnamese_terms("What is the 2030 smart-city goal?") == spaced
