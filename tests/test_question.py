"""Understanding a question: its intent (from the cue file), its filler, its follow-ups."""

from __future__ import annotations

import pytest

from assistant.question.followup import is_follow_up, resolve
from assistant.question.intent import has, understand_intent, without
from kernel.vocabulary import cues


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Quảng Ngãi đặt mục tiêu bao nhiêu phần trăm dân số có chữ ký số?", {"figure", "target"}),
        ("quang ngai dat muc tieu bao nhieu phan tram chu ky so", {"figure", "target"}),
        ("Tóm tắt các nhiệm vụ trọng tâm về kinh tế số của Quảng Ngãi", {"listing"}),
        ("Cho mình vài ý: Hải Dương làm gì để phát triển hạ tầng số?", {"listing"}),
        ("So sánh tỷ trọng kinh tế số của Hải Dương và Khánh Hòa", {"compare", "figure"}),
        ("Hiện nay Hải Dương có bao nhiêu trạm BTS?", {"figure", "baseline"}),
        ("What are Thanh Hoa's digital transformation targets for 2026?", {"listing", "target"}),
        # "những … nào": the plural and the question word around what is asked
        ("Tỉnh ưu tiên chuyển đổi số ở những ngành nào?", {"listing"}),
        ("nghi quyet giao cac so nganh nao phoi hop", {"listing"}),
    ],
)
def test_intent_kinds(question: str, kinds: set[str]) -> None:
    i = understand_intent(question)
    got = {k for k in ("figure", "listing", "compare", "baseline", "target") if getattr(i, k)}
    assert kinds <= got, got


def test_document_facts_and_ranking() -> None:
    assert understand_intent("Ai ký Nghị quyết 16-NQ/TU?").facts == ["signer"]
    assert understand_intent("Nghị quyết do đồng chí nào ký?").facts == ["signer"]
    assert "date" in understand_intent("nghi quyet ban hanh ngay nao").facts
    assert understand_intent("Tỉnh nào đặt mục tiêu cao nhất?").rank == "high"
    assert understand_intent("Which province sets the lowest target?").rank == "low"


def test_cues_match_as_written_before_folded() -> None:
    # "năm" (year) is not "nam", and "nhà" in "nhà nước" is no filler: written forms first.
    assert not has("Doanh nghiệp nhà nước năm 2025", ("nam", "nha"))
    assert has("doanh nghiep nha nuoc", ("nhà",))  # typed without marks: folded fallback


def test_filler_is_not_content() -> None:
    q = (
        "Mình chuẩn bị bài nói chuyện ở xã, cho mình vài ý: "
        "Hải Dương làm gì để phát triển hạ tầng số?"
    )
    content = understand_intent(q).content
    assert "hạ tầng số" in content and "Hải Dương" in content
    assert "bài nói chuyện" not in content and "cho mình" not in content
    assert without("Cho tôi số liệu để đưa vào báo cáo", cues().filler).startswith("số liệu")


def test_two_part_questions_split() -> None:
    i = understand_intent("Quảng Ngãi đặt mục tiêu chữ ký số bao nhiêu, và cơ quan nào chủ trì?")
    assert len(i.parts) == 2


QN = [{"role": "user", "content": "Mục tiêu chữ ký số của Quảng Ngãi đến năm 2030?"}]


@pytest.mark.parametrize(
    "question", ["còn năm 2025 thì sao?", "Khánh Hòa thì sao?", "con 2025?", "What about 2025?"]
)
def test_elliptical_questions_take_what_they_lack(question: str) -> None:
    assert is_follow_up(question)
    merged = resolve(question, QN)
    assert "chữ ký số" in merged  # the topic comes from the history


def test_new_topic_keeps_place_and_year() -> None:
    merged = resolve("thế còn về kinh tế số?", QN)
    assert "kinh tế số" in merged and "Quảng Ngãi" in merged and "2030" in merged
    assert "chữ ký số" not in merged


@pytest.mark.parametrize(
    "question",
    [
        "Ai ký nghị quyết của Hải Dương?",
        "Hải Dương đặt mục tiêu bao nhiêu doanh nghiệp công nghệ số đến năm 2030?",
        "Kế hoạch 312/KH-UBND giao Sở Y tế chủ trì những chỉ tiêu nào?",
    ],
)
def test_complete_questions_stand_alone(question: str) -> None:
    assert resolve(question, QN) == question
