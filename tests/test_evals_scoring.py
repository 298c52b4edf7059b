"""The SCHEMA.md scores on small hand-made items, with exact expected numbers."""

from __future__ import annotations

import unicodedata

import pytest

from evals import scoring

F1, F2 = "a.txt", "b.txt"


def item(id_, *, must=(), quotes=(), answerable=True, lang="vi", type_="numeric_target"):
    return {
        "id": id_,
        "question": f"question {id_}?",
        "lang": lang,
        "type": type_,
        "answer": f"gold {id_}",
        "must_include": list(must),
        "sources": [{"file": f, "quote": q} for f, q in quotes],
        "answerable": answerable,
    }


def record(id_, answer="", *, refused=False, cited=(), retrieved=(), ms=100.0):
    return {
        "id": id_,
        "question": f"question {id_}?",
        "answer": answer,
        "refused": refused,
        "citations": [{"file": f, "text": t, "section": ""} for f, t in cited],
        "retrieved": [{"file": f, "text": t} for f, t in retrieved],
        "latency_ms": ms,
    }


GOLD = "Kinh tế số chiếm 20% GRDP;"


def test_must_include_is_nfc_case_and_whitespace_insensitive() -> None:
    nfd = unicodedata.normalize("NFD", "Vùng Miền Trung")
    assert scoring.missing_strings(f"trở thành tỉnh khá của {nfd}", ["vùng  miền\ntrung"]) == []
    assert scoring.missing_strings("TRÊN 1.000 DOANH NGHIỆP", ["trên 1.000"]) == []
    assert scoring.missing_strings("trên 1000 doanh nghiệp", ["1.000", "doanh"]) == ["1.000"]
    # Diacritics are not folded: "nam" is not "năm".
    assert scoring.missing_strings("nam 2030", ["năm 2030"]) == ["năm 2030"]


def test_quote_matches_after_whitespace_collapsing_only() -> None:
    it = item("q", quotes=[(F1, GOLD)])
    assert scoring.is_gold(it, {"file": F1, "text": "- Kinh tế số\n  chiếm 20%\nGRDP;\n- …"})
    assert not scoring.is_gold(it, {"file": F1, "text": "kinh tế số chiếm 20% grdp;"})  # case
    # The same sentence in another file (another province) is not evidence for this item.
    assert not scoring.is_gold(it, {"file": F2, "text": GOLD})


def test_scores_exact_numbers() -> None:
    items = [
        # 1: correct, one gold citation (whitespace differs) + one wrong, gold retrieved at 2.
        item("a", must=["20%"], quotes=[(F1, GOLD)], lang="vi"),
        # 2: answer misses one string, gold cited, gold retrieved at 1.
        item(
            "b",
            must=["1.000", "Doanh nghiệp"],
            quotes=[(F2, "trên 1.000 doanh nghiệp")],
            lang="en",
            type_="list",
        ),
        # 3: refused although answerable; gold retrieved at rank 6 only.
        item("c", must=["8%"], quotes=[(F1, "tối thiểu 8%")], lang="vi"),
        # 4, 5: unanswerable, one refused, one answered.
        item("d", answerable=False, lang="vi", type_="unanswerable"),
        item("e", answerable=False, lang="en", type_="unanswerable"),
    ]
    other = (F1, "khác")
    records = [
        record(
            "a",
            "Kinh tế số chiếm  20%  GRDP [1]",
            cited=[(F1, "x\nKinh tế số   chiếm 20%\n GRDP; y"), (F2, "khác")],
            retrieved=[other, (F1, GOLD)],
            ms=10,
        ),
        record(
            "b",
            "Có trên 1.000 DN",
            cited=[(F2, "Trên 1.000 DN; trên 1.000 doanh nghiệp.")],
            retrieved=[(F2, "trên 1.000 doanh nghiệp")],
            ms=20,
        ),
        record(
            "c",
            "Không tìm thấy",
            refused=True,
            retrieved=[other] * 5 + [(F1, "mức tối thiểu 8%")],
            ms=30,
        ),
        record("d", "Không tìm thấy", refused=True, ms=40),
        record("e", "Một câu trả lời bịa", ms=50),
    ]
    r = scoring.evaluate(items, records)
    o = r["overall"]
    assert (o["n"], o["answerable"], o["unanswerable"]) == (5, 3, 2)
    assert o["answer_accuracy"] == pytest.approx(1 / 3)
    assert o["citation_precision"] == pytest.approx(2 / 3)  # 3 cited passages, 2 gold
    assert o["citation_recall"] == pytest.approx(2 / 3)
    assert o["recall@1"] == pytest.approx(1 / 3)
    assert o["recall@3"] == pytest.approx(2 / 3)
    assert o["recall@5"] == pytest.approx(2 / 3)
    assert o["recall@8"] == pytest.approx(1.0)
    assert o["mrr"] == pytest.approx((1 / 2 + 1 + 1 / 6) / 3)
    assert o["refusal_accuracy"] == pytest.approx(0.5)
    assert o["false_refusals"] == pytest.approx(1 / 3)
    assert o["latency_p50_ms"] == pytest.approx(30.0)
    assert o["latency_p95_ms"] == pytest.approx(48.0)  # linear: 40 + 0.8 * (50 - 40)

    en = r["by_lang"]["en"]
    assert en["n"] == 2 and en["answer_accuracy"] == 0.0 and en["refusal_accuracy"] == 0.0
    assert r["by_lang"]["vi"]["answer_accuracy"] == pytest.approx(0.5)
    una = r["by_type"]["unanswerable"]
    assert una["answer_accuracy"] is None and una["citation_precision"] is None
    assert una["refusal_accuracy"] == pytest.approx(0.5)

    fails = {f["id"]: f for f in r["failures"]}
    assert set(fails) == {"a", "b", "c", "e"}
    assert fails["a"]["kinds"] == ["citation"]  # correct answer, one wrong extra citation
    assert fails["b"]["kinds"] == ["missing"]
    assert "«Doanh nghiệp»" in fails["b"]["reasons"][0]
    assert fails["b"]["expected"] == {
        "answer": "gold b",
        "must_include": ["1.000", "Doanh nghiệp"],
        "answerable": True,
        "sources": [F2],
    }
    assert fails["c"]["kinds"] == ["refused", "missing", "citation", "retrieval"]
    assert fails["c"]["gold_rank"] == 6
    assert fails["e"]["kinds"] == ["refusal"]
    assert fails["e"]["given"] == "Một câu trả lời bịa"


def test_refused_answer_with_all_strings_is_not_correct() -> None:
    it = item("a", must=["20%"], quotes=[(F1, GOLD)])
    rec = record(
        "a", "20% — nhưng không tìm thấy", refused=True, cited=[(F1, GOLD)], retrieved=[(F1, GOLD)]
    )
    o = scoring.evaluate([it], [rec])["overall"]
    assert o["answer_accuracy"] == 0.0 and o["false_refusals"] == 1.0
    assert o["citation_precision"] == 1.0


def test_missing_record_and_no_citations() -> None:
    items = [item("a", must=["x"], quotes=[(F1, "x")]), item("b", quotes=[(F1, "y")])]
    r = scoring.evaluate(items, [record("b", "ok", retrieved=[(F1, "y")])])
    o = r["overall"]
    assert o["answer_accuracy"] == 0.5  # "b" has nothing to include and is not refused
    assert o["citation_precision"] is None  # nothing cited at all
    assert o["citation_recall"] == 0.0 and o["mrr"] == 0.5
    a = next(f for f in r["failures"] if f["id"] == "a")
    assert a["kinds"][0] == "error" and a["given"] == ""


def test_percentile() -> None:
    assert scoring.percentile([], 50) is None
    assert scoring.percentile([7.0], 95) == 7.0
    assert scoring.percentile([4, 1, 3, 2], 50) == 2.5
    assert scoring.percentile(list(range(1, 21)), 95) == pytest.approx(19.05)
