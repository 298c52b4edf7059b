"""Understanding a question: its intent (from the cue file), its filler, its follow-ups."""

from __future__ import annotations

import pytest

from assistant.question.followup import is_follow_up, resolve
from assistant.question.intent import asked_measure, has, understand_intent, without
from kernel.gazetteer import find_provinces
from kernel.text import has_diacritics
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
    # Asked with another fact, "when" asks the date however the issuing is worded.
    both = understand_intent("Nghị quyết có số hiệu là gì và được thông qua ngày nào?")
    assert {"number", "date"} <= set(both.facts)
    assert "date" not in understand_intent("Nhiệm vụ này có thời hạn khi nào?").facts
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
    # Two sentences, each a question.
    i = understand_intent(
        "Cơ quan nào theo dõi, đôn đốc việc thực hiện? Và UBND tỉnh báo cáo theo chu kỳ nào?"
    )
    assert i.parts == [
        "Cơ quan nào theo dõi, đôn đốc việc thực hiện",
        "Và UBND tỉnh báo cáo theo chu kỳ nào?",
    ]
    # A comma between two clauses that each ask a figure; not between the names a
    # question compares, nor inside a clause.
    i = understand_intent(
        "Kinh tế số chiếm bao nhiêu GRDP, năng suất lao động tăng tối thiểu bao nhiêu mỗi năm?"
    )
    assert i.parts == [
        "Kinh tế số chiếm bao nhiêu GRDP",
        "năng suất lao động tăng tối thiểu bao nhiêu mỗi năm?",
    ]
    assert understand_intent("Hải Dương và Khánh Hòa, tỉnh nào cao hơn?").parts == []
    assert (
        understand_intent("Tỷ lệ hộ gia đình, doanh nghiệp dùng cáp quang là bao nhiêu?").parts
        == []
    )


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


def test_a_new_year_with_a_word_around_it_asks_the_base_question_again() -> None:
    history = [
        {
            "role": "user",
            "content": "Năng suất lao động của Quảng Ngãi tăng bao nhiêu đến năm 2025?",
        }
    ]
    for question in ("Còn mốc 2030 thì sao?", "con giai doan den 2030 thi sao?"):
        merged = resolve(question, history)
        assert "Năng suất lao động" in merged and "2030" in merged and "2025" not in merged


def test_a_province_carried_into_an_english_follow_up_is_still_a_name() -> None:
    history = [{"role": "user", "content": "What is Huế's 2027 target for Hue-S accounts?"}]
    merged = resolve("And how many accounts were registered by September 2025?", history)
    assert find_provinces(merged) == ["Huế"]


def test_a_new_topic_stays_on_the_document_the_last_answer_quoted() -> None:
    history = [
        {"role": "user", "content": "Văn bản nào gửi mẫu nghị quyết cho các tỉnh tham khảo?"},
        {"role": "assistant", "content": "Đó là Công văn số 46-CV/BCSĐ ngày 26/5/2021."},
    ]
    assert "46-CV/BCSĐ" in resolve("ai ký văn bản đó?", history)


@pytest.mark.parametrize(
    "question",
    ["Ai ký Quyết định 1846/QĐ-UBND?", "Quyết định số 1846 do ai ký?", "who signed decision 1846?"],
)
def test_a_document_named_by_its_number_is_in_scope(question: str) -> None:
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    docs = {
        "qd.pdf": FileMeta(
            file="qd.pdf", parts=[DocumentPart(kind="quyết định", number="1846/QĐ-UBND")]
        ),
        "bc.docx": FileMeta(
            file="bc.docx", parts=[DocumentPart(kind="báo cáo", number="286/BC-UBND")]
        ),
    }
    assert understand(question, docs).files == ["qd.pdf"]


def test_carrying_out_a_document_brings_in_the_plans_that_implement_it() -> None:
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    def meta(file: str, province: str, kind: str, number: str, implements: str) -> FileMeta:
        part = DocumentPart(kind=kind, number=number, implements=implements)
        return FileMeta(file=file, province=province, parts=[part])

    docs = {
        "nq.docx": meta("nq.docx", "Bắc Giang", "nghị quyết", "45-NQ/TU", "Nghị quyết số 52-NQ/TW"),
        "kh.pdf": meta(
            "kh.pdf", "Bắc Giang", "kế hoạch", "36/KH-UBND", "Nghị quyết số 45-NQ/TU ngày 16/8/2021"
        ),
        "hd.txt": meta("hd.txt", "Hải Dương", "nghị quyết", "145-NQ/TU", "Nghị quyết số 52-NQ/TW"),
    }
    carried = "Việc sơ kết 5 năm thực hiện Nghị quyết 45-NQ/TU được giao cho ai?"
    assert understand(carried, docs).files == ["nq.docx", "kh.pdf"]
    # The document itself holds what it says; a central one implemented everywhere is no
    # reason to bring in every province.
    assert understand("Nghị quyết 45-NQ/TU nêu những hạn chế nào?", docs).files == ["nq.docx"]
    assert understand("Nghị quyết 45-NQ/TU thực hiện Nghị quyết 52-NQ/TW thế nào?", docs).files == [
        "nq.docx"
    ]


def test_the_search_leaves_out_the_words_that_only_name_the_document() -> None:
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    title = "Kế hoạch chuyển đổi số tỉnh Hà Tĩnh giai đoạn 2026 - 2030"
    docs = {
        "kh.pdf": FileMeta(
            file="kh.pdf", province="Hà Tĩnh", parts=[DocumentPart(kind="kế hoạch", title=title)]
        )
    }
    scope = understand(
        "Kế hoạch chuyển đổi số 2026 - 2030 giao Sở Công Thương Hà Tĩnh những việc gì?", docs
    )
    assert scope.files == ["kh.pdf"]
    assert scope.search_text == "giao Sở Công Thương những việc gì?"
    # Without a document in scope nothing is left out: those words are all the search has.
    assert understand(
        "Kế hoạch chuyển đổi số giao Sở Công Thương việc gì?", {}
    ).search_text.startswith("Kế hoạch")
    # In English too: the province's name finds passages that name the province, not the
    # answer; the glossary's Vietnamese terms are added.
    en = understand("What standard must Hà Tĩnh's shared data centres meet?", docs)
    assert en.files == ["kh.pdf"] and "Hà Tĩnh" not in en.search_text
    assert "What standard must" in en.search_text


def test_the_words_matched_are_the_question_after_its_context() -> None:
    q = (
        "Mình chuẩn bị bài nói chuyện ở xã, cho mình vài ý: "
        "Hải Dương làm gì để phát triển hạ tầng số?"
    )
    intent = understand_intent(q)
    assert intent.content == "Hải Dương làm gì để phát triển hạ tầng số?"
    # The context is kept aside: the answerer weighs whether it names the topic after all.
    assert intent.context.startswith("Mình chuẩn bị")
    # A colon inside the question itself is no context.
    q = "Năm 2025 Khánh Hòa đặt chỉ tiêu: bao nhiêu % hộ có cáp quang"
    assert understand_intent(q).content.startswith("Năm 2025")
    # The part after the colon names no topic of its own: the part before it is the topic.
    q = "Tài khoản thanh toán điện tử năm 2025: Hải Dương và Khánh Hòa đặt chỉ tiêu bao nhiêu?"
    assert understand_intent(q).content.startswith("Tài khoản thanh toán điện tử")
    assert understand_intent(q).context == ""
    # … nor when it only names documents ("kế hoạch 2026 …, còn Nghị quyết …").
    q = (
        "Tỷ lệ người trưởng thành có tài khoản thanh toán điện tử: kế hoạch 2026 đặt bao "
        "nhiêu, còn Nghị quyết đặt cho 2030 bao nhiêu?"
    )
    assert understand_intent(q).content.startswith("Tỷ lệ người trưởng thành")


def test_english_glossary_phrases_match_their_inflected_forms() -> None:
    from assistant.question.glossary import vietnamese_terms

    assert "dữ liệu mở" in vietnamese_terms("How many open datasets will be published?")
    assert "chữ ký số" in vietnamese_terms("Who holds digital signatures?")
    # A document's name only in the plural: "planned" names no plan.
    assert "kế hoạch" not in vietnamese_terms("Which digital platforms are planned?")


def test_a_question_naming_no_place_stays_on_the_conversations_place() -> None:
    history = [{"role": "user", "content": "Nghị quyết Thanh Hóa giao Ban Thường vụ làm gì?"}]
    merged = resolve("thế báo cáo kết quả định kỳ bao lâu một lần?", history)
    assert "Thanh Hóa" in merged and "báo cáo kết quả định kỳ" in merged
    # … but one naming its own province does not.
    own = "Hải Dương báo cáo kết quả định kỳ bao lâu một lần?"
    assert resolve(own, history) == own


def test_a_new_year_keeps_the_words_that_narrow_it() -> None:
    history = [{"role": "user", "content": "Quảng Ngãi hồ sơ công việc xử lý trên mạng đến 2025?"}]
    merged = resolve("đến 2030 thì cấp xã bao nhiêu?", history)
    assert "hồ sơ công việc" in merged and "2030" in merged and "cấp xã" in merged
    assert "2025" not in merged


def test_a_document_described_by_kind_and_year_or_body_is_in_scope() -> None:
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    docs = {
        "kh.pdf": FileMeta(
            file="kh.pdf",
            parts=[
                DocumentPart(
                    kind="kế hoạch",
                    title="Kế hoạch chuyển đổi số năm 2025",
                    issuing_body="Ủy ban nhân dân tỉnh Hà Tĩnh",
                )
            ],
        ),
        "nq.docx": FileMeta(
            file="nq.docx",
            parts=[DocumentPart(kind="nghị quyết", issuing_body="Hội đồng nhân dân tỉnh Hà Tĩnh")],
        ),
        "nq2.txt": FileMeta(
            file="nq2.txt",
            parts=[DocumentPart(kind="nghị quyết", issuing_body="Ban Chấp hành Đảng bộ tỉnh")],
        ),
    }
    assert understand("Kế hoạch năm 2025 giao Công an tỉnh làm gì?", docs).files == ["kh.pdf"]
    assert understand("Nghị quyết của HĐND tỉnh giao những gì?", docs).files == ["nq.docx"]
    # A kind alone, or a kind used as a word ("đưa vào báo cáo"), describes no one document.
    assert understand("Nghị quyết ưu tiên những lĩnh vực nào?", docs).files == []
    assert understand("Kế hoạch năm 2030 đặt chỉ tiêu gì?", docs).files == []
    # Each part of a two-part question may name its own document: the resolution's target,
    # the plan's result (answered each from its own document).
    from assistant.question.scope import named_documents

    among = ["kh.pdf", "nq.docx"]
    first, second = (
        "mục tiêu năm 2025 của nghị quyết là bao nhiêu",
        "kết quả thực tế năm 2025 ghi trong kế hoạch là bao nhiêu",
    )
    assert {f for _, f, _ in named_documents(first, docs, among)} == {"nq.docx"}
    assert {f for _, f, _ in named_documents(second, docs, among)} == {"kh.pdf"}


def _province_docs():
    from kernel.types import DocumentPart, FileMeta

    def doc(file: str, province: str, **part: str) -> FileMeta:
        return FileMeta(file=file, province=province, parts=[DocumentPart(**part)])

    return {
        "kh.pdf": doc(
            "kh.pdf",
            "Gia Lai",
            kind="kế hoạch",
            number="312/KH-UBND",
            title="Kế hoạch chuyển đổi số năm 2026",
            issuing_body="Ủy ban nhân dân tỉnh Gia Lai",
        ),
        "ctr.docx": doc(
            "ctr.docx",
            "Gia Lai",
            kind="chương trình hành động",
            number="18-CTr/TU",
            issuing_body="Ban Thường vụ Tỉnh ủy",
        ),
        "nq.txt": doc("nq.txt", "Hải Dương", kind="nghị quyết", issuing_body="Tỉnh ủy Hải Dương"),
    }


@pytest.mark.parametrize(
    "question",
    [
        "Chỉ tiêu năm 2026 trong Kế hoạch 312 so với mục tiêu năm 2030 của Chương trình "
        "18-CTr/TU chênh nhau thế nào?",
        "Ty le chu ky so nam 2026 trong ke hoach cua UBND la bao nhieu, con muc tieu 2030 "
        "cua Tinh uy la bao nhieu?",
        "So sánh tỷ lệ cáp quang: kế hoạch 2026 của UBND và mục tiêu năm 2030 của Tỉnh ủy Gia Lai.",
    ],
)
def test_each_year_is_tied_to_the_document_named_next_to_it(question: str) -> None:
    from assistant.question.scope import understand

    scope = understand(question, _province_docs())
    assert set(scope.files) == {"kh.pdf", "ctr.docx"}
    assert scope.year_files == {2026: "kh.pdf", 2030: "ctr.docx"}


def test_one_named_document_ties_no_year() -> None:
    from assistant.question.scope import understand

    scope = understand("Kế hoạch 312 đặt chỉ tiêu năm 2026 và 2030 thế nào?", _province_docs())
    assert scope.files == ["kh.pdf"] and scope.year_files == {}
    # "Tỉnh ủy" fits two provinces' documents here: it names neither.
    assert understand("Tỉnh ủy đặt mục tiêu gì năm 2030?", _province_docs()).files == []


def test_a_document_named_by_its_number_narrows_its_province_to_it() -> None:
    from assistant.question.scope import understand

    docs = _province_docs()
    # Gia Lai's programme, named by number: the plan of the same province leaves the scope.
    scope = understand("Chương trình 18-CTr/TU của Gia Lai nêu những hạn chế nào?", docs)
    assert scope.files == ["ctr.docx"]
    # Another province named beside it stays.
    scope = understand("Chương trình 18-CTr/TU của Gia Lai và nghị quyết của Hải Dương?", docs)
    assert set(scope.files) == {"ctr.docx", "nq.txt"}
    # A kind alone is weaker ("… có đạt chỉ tiêu nghị quyết đề ra không?"): no narrowing.
    assert set(understand("Kế hoạch của Gia Lai có đạt không?", docs).files) == {
        "kh.pdf",
        "ctr.docx",
    }


def test_a_kind_with_its_year_names_that_years_document() -> None:
    from assistant.question.scope import understand

    scope = understand(
        "Chỉ tiêu DTI trong Kế hoạch 2026 và trong Chương trình hành động 18 đến năm 2030 ra sao?",
        _province_docs(),
    )
    assert scope.year_files == {2026: "kh.pdf", 2030: "ctr.docx"}
    # A year no document of that kind is of names nothing; nor does it for another province.
    assert understand("Kế hoạch 2027 của Gia Lai?", _province_docs()).year_files == {}
    assert (
        "kh.pdf"
        not in understand(
            "Theo kế hoạch 2026, Đắk Lắk lắp bao nhiêu trạm 5G?", _province_docs()
        ).files
    )


def test_vietnamese_without_diacritics_is_never_another_language() -> None:
    from assistant.question.language import detect_lang

    # py3langid reads this one as Acehnese (p 0.90).
    q = "Quang Ngai dat muc tieu nang suat lao dong moi nam tang toi thieu bao nhieu den nam 2025?"
    assert detect_lang(q) == "vi-nodiacritics"
    assert detect_lang("Quel est l'objectif de la province pour 2030 ?") == "other"


def test_a_long_plural_phrase_still_asks_for_a_list() -> None:
    # "những nhóm nhiệm vụ, giải pháp nào": five words between the plural and "nào".
    assert understand_intent(
        "Kế hoạch 2026 của Lâm Đồng có những nhóm nhiệm vụ, giải pháp nào?"
    ).listing
    assert understand_intent(
        "ke hoach 2026 cua lam dong co nhung nhom nhiem vu, giai phap nao"
    ).listing


def test_a_question_asking_which_document_names_its_kind() -> None:
    i = understand_intent("Trước đó, Ban Thường vụ Tỉnh ủy đã ban hành chỉ thị nào, ngày nào?")
    assert i.which_document and i.documents == ("CT",)
    assert understand_intent("ke hoach duoc ban hanh de thuc hien nghi quyet nao").documents == (
        "NQ",
    )
    assert not understand_intent(
        "Hải Dương đặt mục tiêu bao nhiêu doanh nghiệp công nghệ số?"
    ).which_document
    # A kind with its number is named, not asked for: "nào" asks which limitations.
    assert not understand_intent("Nghị quyết 15 nêu những hạn chế chính nào?").which_document
    # English: "which" with words qualifying the kind, not a clause with its own verb.
    i = understand_intent("Which Politburo resolution does Hai Duong's resolution implement?")
    assert i.which_document and i.documents == ("NQ",) and i.facts == ["implements"]
    assert not understand_intent("Which sectors does the resolution name?").which_document


def test_a_time_or_an_owner_asked_is_a_kind_of_answer() -> None:
    i = understand_intent("Cơ quan nào chủ trì làm sạch dữ liệu đất đai, hạn hoàn thành khi nào?")
    assert i.owner and i.when
    i = understand_intent("Which agency leads the cyber-security drill, and by when?")
    assert i.owner and i.when
    i = understand_intent("Hải Dương đặt mục tiêu bao nhiêu doanh nghiệp công nghệ số?")
    assert not (i.owner or i.when)
    # "when" joining two clauses asks no time.
    assert not understand_intent("What does Thanh Hoa do when citizens do paperwork?").when


def test_a_plan_named_with_its_year_is_named_not_asked_for() -> None:
    # "… kế hoạch 2026 là khi nào": a time is asked, not which plan (with or without marks).
    for q in (
        "Thời hạn các sở báo cáo kết quả thực hiện kế hoạch 2026 là khi nào?",
        "thoi han cac so bao cao ket qua thuc hien ke hoach 2026 la khi nao?",
    ):
        i = understand_intent(q)
        assert i.when and not i.which_document, q


def test_a_question_typed_without_diacritics_keeps_its_spelling_when_placed() -> None:
    # The conversation's province is added folded: "Thanh Hóa" would make the whole question
    # read as written with diacritics, and "con … thi sao" would match no cue.
    history = [
        {
            "role": "user",
            "content": "thanh hoa nam 2026 cat giam thoi gian giai quyet tthc bao nhieu",
        },
        {"role": "assistant", "content": "Thanh Hóa: tối thiểu 30%."},
    ]
    q = resolve("con muc tieu dich vu cong truc tuyen thi sao", history)
    assert "thanh hoa" in q.lower() and "Hóa" not in q


def test_english_cue_words_match_inflected() -> None:
    assert understand_intent("In Hai Duong, what fibre coverage is targeted for 2025?").target
    assert understand_intent("How do the two provinces' goals compared?").compare


def test_the_ministry_named_in_english_is_the_national_document() -> None:
    from assistant.question.scope import understand
    from kernel.types import NATIONAL, FileMeta

    docs = {
        "a.txt": FileMeta(file="a.txt", province=NATIONAL),
        "b.txt": FileMeta(file="b.txt", province="Hải Dương"),
    }
    q = "Who signed the Ministry of Information and Communications party committee letter?"
    s = understand(q, docs)
    assert s.national and s.files == ["a.txt"]


def test_a_new_topic_stays_on_the_national_document_talked_about() -> None:
    history = [
        {
            "role": "user",
            "content": "Mẫu nghị quyết của Bộ TTTT đề nghị bố trí kinh phí bao nhiêu?",
        },
        {"role": "assistant", "content": "Tối thiểu khoảng 1% ngân sách nhà nước của tỉnh."},
    ]
    q = resolve("công văn gửi kèm mẫu đó do ai ký?", history)
    assert "Mẫu nghị quyết" in q or "Bộ TTTT" in q


def test_an_english_follow_up_asks_its_year_in_english() -> None:
    history = [
        {"role": "user", "content": "In Khánh Hòa, what share of inspections go online by 2025?"},
        {"role": "assistant", "content": "50%."},
    ]
    q = resolve("and by 2030?", history)
    assert "2030" in q and "năm" not in q


def test_english_is_told_by_words_no_vietnamese_syllable_spells() -> None:
    from assistant.question.language import detect_lang

    q = "Give me a short summary of the overall goal of Tuyên Quang's 2026 plan."
    assert detect_lang(q) == "en"
    assert detect_lang("Mình cần số liệu smartphone, 5G, IoT của Hải Dương") == "vi"
    assert detect_lang("chi so DTI cua Hai Duong nam 2019 xep thu may") == "vi-nodiacritics"


def test_a_year_the_document_is_not_of_asks_about_an_earlier_one() -> None:
    from assistant.answering.facts import about_the_document
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    part = DocumentPart(
        kind="nghị quyết",
        title="Nghị quyết về chuyển đổi số tỉnh Thanh Hóa năm 2026",
        date="05/12/2025",
    )
    docs = {"th.txt": FileMeta(file="th.txt", province="Thanh Hóa", parts=[part])}

    def asks_ours(q: str, typed: str = "") -> bool:
        return about_the_document(q, understand(q, docs), docs, typed or q)

    assert asks_ours("Nghị quyết năm 2026 của Thanh Hóa số mấy?")
    assert asks_ours("Nghị quyết ban hành năm 2025 của Thanh Hóa do ai ký?")  # its date's year
    # "bản đến năm 2025 định hướng 2030": the earlier resolution its text cites.
    assert not asks_ours("Nghị quyết của Thanh Hóa bản đến năm 2025 định hướng 2030 số mấy?")
    # Years a follow-up took from the history are not the user's: only what was typed counts.
    assert asks_ours("Nghị quyết của Thanh Hóa đến năm 2030 ai ký?", typed="Ai ký?")


def test_an_english_fact_question_naming_the_document_by_its_number_asks_about_it() -> None:
    # "Who signed it?" after an answer quoting "Quyết định số 215/QĐ-UBND": the follow-up
    # carries that number, not the word "decision".
    from assistant.answering.facts import about_the_document
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    part = DocumentPart(kind="quyết định", number="215/QĐ-UBND", title="Quyết định về kế hoạch")
    docs = {"hg.docx": FileMeta(file="hg.docx", province="Hậu Giang", parts=[part])}
    q = "Who signed it, what capacity Hau Giang 215/QĐ-UBND in 2026?"
    assert about_the_document(q, understand(q, docs), docs, "Who signed it?")
    q = "Who signed it, what capacity Hau Giang in 2026?"
    assert not about_the_document(q, understand(q, docs), docs, "Who signed it?")


def test_the_kind_asked_for_in_which_central_party_resolution_is_not_the_subject() -> None:
    from assistant.answering.facts import _asked_kind

    q = "which central party resolution does the action programme implement?"
    at = q.index("resolution")
    assert _asked_kind(q, at, at + len("resolution"))
    at = q.index("action programme")
    assert not _asked_kind(q, at, at + len("action programme"))


def test_asking_where_the_last_answer_comes_from_asks_the_last_question_again() -> None:
    from assistant.question.followup import resolve

    history = [
        {"role": "user", "content": "Hải Dương có bao nhiêu dịch vụ công mức độ 3, 4 năm 2020?"},
        {"role": "assistant", "content": "1.588 dịch vụ công mức độ 3 …"},
    ]
    last = history[0]["content"]
    assert resolve("Con số này lấy ở đâu vậy, mục nào của văn bản?", history) == last
    assert resolve("And where exactly is that stated?", history) == last
    # "… nằm trong văn bản nào?" is answered by the last answer's frame (document, section).
    assert resolve("Số liệu này nguồn ở đâu, nằm trong văn bản nào?", history) == last
    # A document fact is not: "ai ký?" asks the catalog.
    assert resolve("Nguồn ở văn bản nào, ai ký?", history) != last
    # A place of its own makes it a question about that place.
    assert resolve("Thế Khánh Hòa thì mục tiêu này ở đâu?", history) != last


def test_a_document_named_by_its_signer_is_in_scope() -> None:
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    docs = _province_docs() | {
        "th.txt": FileMeta(
            file="th.txt",
            province="Thanh Hóa",
            parts=[DocumentPart(kind="nghị quyết", signer="Nguyễn Hồng Phong")],
        )
    }
    asked = "Nghị quyết do đồng chí Nguyễn Hồng Phong ký đặt mục tiêu gì?"
    assert understand(asked, docs).files == ["th.txt"]
    assert understand("nghi quyet do nguyen hong phong ky?", docs).files == ["th.txt"]
    # A part of the name is not the name.
    assert understand("Đồng chí Phong nói gì về chuyển đổi số?", docs).files == []


def test_agencies_are_told_apart_by_their_name_words() -> None:
    from kernel.vocabulary import vocabulary

    v = vocabulary()
    assert v.agencies("Sở Khoa học và Công nghệ chủ trì những nhiệm vụ nào?") == ["so khoa"]
    assert v.agencies("Công an tỉnh chủ trì những việc gì?") == ["cong an tinh"]
    row = "Cơ quan chủ trì: Sở Tài chính; Cơ quan phối hợp: Sở Khoa học và Công nghệ"
    assert v.agencies(row) == ["so tai", "so khoa"]
    assert v.agencies("Ban hành kế hoạch và bộ dữ liệu") == []  # no agency's name


def test_addressees_listed_a_line_each_are_all_read() -> None:
    # "Kính gửi: / - Ban Thường vụ Tỉnh ủy Thái Bình; / - Bộ Khoa học và Công nghệ." (a report
    # written by someone who never saw the code): both addressees, not the first alone.
    from assistant.answering.fact_text import field_value
    from kernel.types import Chunk, DocumentPart, Unit

    lines = [
        "Kính gửi:",
        "- Ban Thường vụ Tỉnh ủy Thái Bình;",
        "- Bộ Khoa học và Công nghệ.",
        "Thực hiện Nghị quyết số 09-NQ/TU, Ủy ban nhân dân tỉnh báo cáo như sau:",
    ]
    units = [Unit(k * 100, k * 100 + len(t), t, k) for k, t in enumerate(lines)]
    chunk = Chunk.model_construct(file="bc.pdf", headings=[], units=units)
    got = field_value("recipients", DocumentPart(kind="báo cáo"), "bc.pdf", [chunk], False)
    assert got == "- Ban Thường vụ Tỉnh ủy Thái Bình; - Bộ Khoa học và Công nghệ.", got


def test_a_document_fact_asked_without_a_document_is_of_the_one_the_last_answer_quoted() -> None:
    history = [
        {"role": "user", "content": "Quyết định ban hành kế hoạch 2027 của Vĩnh Phúc số mấy?"},
        {"role": "assistant", "content": "Quyết định số 2418/QĐ-UBND ngày 22/12/2026."},
    ]
    merged = resolve("ai ky, chuc vu gi?", history)
    # Typed without diacritics, the number is added without them: still read as typed.
    assert "2418/QD-UBND" in merged and not has_diacritics(merged), merged
    # A question on a topic, not a document's fact, does not take the quoted number.
    assert "2418" not in resolve("ty le ho so truc tuyen nam 2027 bao nhieu?", history)


def test_a_follow_up_pointing_back_from_another_document_keeps_the_topic_not_the_number():
    history = [
        {"role": "user", "content": "Mục tiêu tỷ lệ hồ sơ trực tuyến đến năm 2030 của Vĩnh Phúc?"},
        {"role": "assistant", "content": "Theo Nghị quyết 11-NQ/TU: 95%."},
    ]
    merged = resolve("Còn kế hoạch năm 2027 thì UBND tỉnh giao chỉ tiêu này bao nhiêu?", history)
    assert "hồ sơ trực tuyến" in merged and "2027" in merged and "Vĩnh Phúc" in merged
    assert "2030" not in merged and "11-NQ/TU" not in merged, merged
    assert asked_measure(merged) == "", merged  # "bao nhiêu Vĩnh Phúc" counts no Vĩnh


def test_a_fact_asked_of_a_document_it_names_does_not_take_the_last_answers_number():
    history = [
        {"role": "user", "content": "UBND Khánh Hòa giao Sở báo cáo trước ngày nào?"},
        {"role": "assistant", "content": "Theo Công văn 11507/UBND-KGVX: trước 30/11/2021."},
    ]
    merged = resolve("thế nghị quyết gốc của Tỉnh ủy thì ai ký?", history)
    assert "11507" not in merged, merged


def test_a_follow_up_asking_nothing_of_its_own_kind_asks_what_the_last_did() -> None:
    from assistant.question.followup import asked_as_before

    last = "Chỉ số ICT index của Hải Dương năm 2019 đứng thứ mấy?"
    follow = understand_intent("What about its PAPI and SIPAS indices that year?")
    assert not follow.figure
    assert asked_as_before(follow, last).figure
    # A follow-up that asks its own kind of thing keeps it.
    own = understand_intent("Who leads that?")
    assert asked_as_before(own, last) == own


def test_a_kind_s_code_with_the_number_s_digits_names_that_document() -> None:
    from assistant.question.scope import understand

    docs = _province_docs()
    assert understand("Đến 2030 theo CTr 18 tỷ lệ này là bao nhiêu?", docs).files == ["ctr.docx"]
    assert understand("KH 312 giao Sở nào chủ trì?", docs).files == ["kh.pdf"]
    # In lower case, two letters are many things: no document is named by them.
    assert understand("ctr 18 la gi", docs).files != ["ctr.docx"]


def test_an_english_ranking_asks_a_figure_as_thu_may_does() -> None:
    assert understand_intent("What was Hai Duong's ICT Index ranking in 2020?").figure
    assert understand_intent("Chỉ số ICT của Hải Dương năm 2019 đứng thứ mấy?").figure


def test_a_new_topic_worded_as_a_follow_up_is_asked_in_the_last_question_s_year() -> None:
    history = [
        {
            "role": "user",
            "content": "Ai chủ trì nhiệm vụ trợ lý ảo trong kế hoạch 2027 của Vĩnh Phúc?",
        }
    ]
    merged = resolve("Còn nhiệm vụ học bạ số thì ai chủ trì và thời hạn thế nào?", history)
    assert "2027" in merged and "Vĩnh Phúc" in merged, merged
    # Not worded as a follow-up, a new question's year is its own (none here).
    assert "2027" not in resolve("Nhiệm vụ học bạ số do ai chủ trì, thời hạn thế nào?", history)


def test_a_follow_up_naming_its_own_document_asks_the_last_question_of_it() -> None:
    # "thế còn báo cáo 418 …" after a question on resolution 37: the report, not the
    # resolution (nor the number the last answer quoted), typed with or without diacritics.
    history = [
        {"role": "user", "content": "nghi quyet 37 ve chuyen doi so do ai ky"},
        {"role": "assistant", "content": "Nghị quyết 37/NQ-HĐND do ông Hoàng Văn Chiến ký."},
    ]
    merged = resolve("the con bao cao 418 nam 2026 thi ai ky", history)
    assert merged.startswith("bao cao 418") and "37" not in merged and "ai ky" in merged, merged
    plan = resolve("Còn kế hoạch năm 2026 thì sao?", history)
    assert "kế hoạch" in plan and "nghi quyet" not in plan and "2026" in plan, plan
    # Pointing back at a kind ("nghị quyết đó") or asking for one ("kế hoạch năm nào") is
    # not naming a document of its own.
    same = resolve("còn nghị quyết đó thì ai trình?", history)
    assert "37" in same, same


def test_a_province_merged_in_2025_is_a_part_of_the_documents_of_its_new_province() -> None:
    # Tuyên Quang after the merger (tests/data/province70): its documents of late 2025 give the
    # figures of "tỉnh Hà Giang (cũ)". Hà Giang is then a place of theirs, not a province whose
    # documents are missing; a Tuyên Quang document of before the merger covers no Hà Giang.
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    def meta(file: str, date: str) -> FileMeta:
        part = DocumentPart(kind="nghị quyết", number="12-NQ/TU", date=date)
        return FileMeta(file=file, province="Tuyên Quang", parts=[part])

    question = "Năm 2024 Chỉ số DTI của tỉnh Hà Giang (cũ) xếp thứ mấy?"
    scope = understand(question, {"tq.pdf": meta("tq.pdf", "14/11/2025")})
    assert scope.files == ["tq.pdf"] and scope.provinces == ["Tuyên Quang"], scope
    assert scope.unknown_provinces == [] and "Hà Giang" in scope.local_places
    before = understand(question, {"tq.pdf": meta("tq.pdf", "14/11/2022")})
    assert before.files == [] and before.unknown_provinces == ["Hà Giang"], before


def test_a_follow_up_keeps_the_mark_of_a_former_province_with_its_name() -> None:
    # "Hải Dương (cũ)" is a part of Hải Phòng's documents, "Hải Dương" the province of its own:
    # a follow-up carries the name with its mark, and a new one's mark is no topic word.
    from assistant.question.followup import resolve

    def history(q: str) -> list[dict]:
        return [{"role": "user", "content": q}, {"role": "assistant", "content": "…"}]

    land = history("Ai chủ trì hoàn thành cơ sở dữ liệu đất đai khu vực Hải Dương cũ năm 2026?")
    when = resolve("Hạn hoàn thành việc đó là khi nào?", land)
    assert "Hải Dương (cũ)" in when and "2026" in when, when
    dti = history("Nam 2024 Hai Duong cu xep thu may ve chi so DTI?")
    other = resolve("con Hai Phong cu thi xep thu may?", dti)
    assert "Hai Phong cu" in other and "Hai Duong" not in other, other
    assert "DTI" in other and "2024" in other, other


def test_a_former_province_with_documents_of_its_own_is_also_a_part_of_its_new_city() -> None:
    # Hải Dương merged into Hải Phòng in 2025 (tests/data/province79). With the resolution of
    # Hải Dương of 2021 and Hải Phòng's directive of late 2025 held, "Hải Dương (cũ)" asks of
    # both: the directive gives its figures of 2024 under "2. Tỉnh Hải Dương (cũ)". Without
    # the marker the name is the province of its own documents.
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    def meta(file: str, province: str, date: str) -> FileMeta:
        return FileMeta(file=file, province=province, parts=[DocumentPart(date=date)])

    docs = {
        "hd.txt": meta("hd.txt", "Hải Dương", "16/08/2021"),
        "hp.pdf": meta("hp.pdf", "Hải Phòng", "24/11/2025"),
    }
    for q in ("Năm 2024 tỉnh Hải Dương (cũ) xếp thứ mấy về DTI?", "hai duong cu xep thu may"):
        scope = understand(q, docs)
        assert scope.files == ["hd.txt", "hp.pdf"] and scope.provinces == ["Hải Dương"], scope
        assert "Hải Dương" in scope.local_places
    assert understand("Hải Dương đặt mục tiêu gì đến năm 2025?", docs).files == ["hd.txt"]
    # A document of Hải Phòng from before the merger speaks of no part of Hải Dương.
    docs["hp.pdf"] = meta("hp.pdf", "Hải Phòng", "24/11/2023")
    assert understand("Năm 2024 tỉnh Hải Dương (cũ) xếp thứ mấy?", docs).files == ["hd.txt"]


def test_a_unit_renamed_in_2025_is_one_place_under_either_name() -> None:
    # Huế (tests/data/province72): the 2022 resolution is Thừa Thiên Huế's, the 2025 report
    # the city Huế's; a question naming either name asks of both documents.
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    docs = {
        "nq.pdf": FileMeta(
            file="nq.pdf", province="Thừa Thiên Huế", parts=[DocumentPart(kind="nghị quyết")]
        ),
        "bc.docx": FileMeta(file="bc.docx", province="Huế", parts=[DocumentPart(kind="báo cáo")]),
    }
    for q in ("Den nam 2030 Hue phan dau kinh te so bao nhieu?", "Thừa Thiên Huế đặt mục tiêu gì?"):
        assert sorted(understand(q, docs).files) == ["bc.docx", "nq.pdf"], q
    # Provinces merged with others are not renamed ones.
    tq = {"tq.pdf": FileMeta(file="tq.pdf", province="Tuyên Quang", parts=[DocumentPart()])}
    assert understand("Hà Giang đặt mục tiêu gì?", tq).files == []


@pytest.mark.parametrize(
    "question",
    [
        "So với Hải Dương, mục tiêu kinh tế số năm 2030 của tỉnh mình cao hay thấp hơn?",
        "doanh nghiep cong nghe so: hai duong muc tieu 2030 tren 1.000, con minh bao nhieu",
        "How does our 2030 DTI ranking ambition compare with Hải Dương's?",
    ],
)
def test_the_askers_own_province_is_that_of_the_documents_they_added(question: str) -> None:
    from assistant.question.scope import understand
    from kernel.types import FileMeta

    shipped = FileMeta(file="hd.txt", province="Hải Dương")
    docs = {
        "hd.txt": shipped,
        "ag.pdf": FileMeta(file="ag.pdf", province="An Giang", detected=True),
        "ag.docx": FileMeta(file="ag.docx", province="An Giang", detected=True),
    }
    scope = understand(question, docs)
    assert scope.provinces == ["Hải Dương", "An Giang"]
    assert scope.files == ["hd.txt", "ag.pdf", "ag.docx"]
    # Documents of two provinces added: "ours" is neither of them.
    docs["bd.pdf"] = FileMeta(file="bd.pdf", province="Bình Định", detected=True)
    assert understand(question, docs).provinces == ["Hải Dương"]
    # Without the words "ours" the question is about the province it names.
    del docs["bd.pdf"]
    plain = "So với Hải Dương, mục tiêu kinh tế số năm 2030 của An Giang cao hay thấp hơn?"
    assert understand(plain.replace("An Giang", "Khánh Hòa"), docs).files == ["hd.txt"]


def test_a_question_naming_no_place_is_about_the_documents_the_user_added() -> None:
    from assistant.question.scope import understand
    from kernel.types import DocumentPart, FileMeta

    def meta(file: str, province: str, kind: str, detected: bool) -> FileMeta:
        return FileMeta(
            file=file, province=province, parts=[DocumentPart(kind=kind)], detected=detected
        )

    docs = {
        "hd.txt": meta("hd.txt", "Hải Dương", "nghị quyết", False),
        "ag_nq.pdf": meta("ag_nq.pdf", "An Giang", "nghị quyết", True),
        "ag_kh.docx": meta("ag_kh.docx", "An Giang", "kế hoạch", True),
    }
    q = "Ai ký nghị quyết về chuyển đổi số?"
    assert understand(q, docs, home=True).files == ["ag_nq.pdf", "ag_kh.docx"]
    assert understand("Chỉ tiêu kinh tế số năm 2030?", docs, home=True).files == [
        "ag_nq.pdf",
        "ag_kh.docx",
    ]
    # Not asked for (a question across provinces), or a place named: as before.
    assert understand(q, docs).files == []
    assert understand("Hải Dương: ai ký nghị quyết?", docs, home=True).files == ["hd.txt"]


def test_levels_of_government_are_read_as_written_folded_or_in_english() -> None:
    from assistant.question.scope import levels_of

    assert levels_of("Tỷ lệ hồ sơ công việc tại cấp xã năm 2026?") == {"xã"}
    assert levels_of("ty le ho so cap huyen va cap tinh") == {"huyện", "tỉnh"}
    assert levels_of("What is the commune-level target?") == {"xã"}
    assert levels_of("các xã, phường") == set()
    # A list after "cấp" names each level; "xã hội" (society) is none.
    assert levels_of("ở cấp tỉnh, huyện, xã lần lượt bao nhiêu?") == {"tỉnh", "huyện", "xã"}
    assert levels_of("cấp tỉnh và xã hội số") == {"tỉnh"}
    # A centrally governed city's own level ("cấp thành phố" in Cần Thơ's plan).
    assert levels_of("hồ sơ công việc cấp thành phố") == {"tỉnh"}
