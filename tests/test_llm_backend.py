"""The LLM backend against a real (fake) OpenAI-compatible server process.

Every failure mode of the server must end in the extractive answer with a notice, within
about the configured timeout; a faithful answer must be shown as the LLM's, with its
citations mapped to the passages it was given.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from assistant.answering.llm import check
from assistant.chain import Assistant
from kernel.settings import LLMSettings, Settings
from kernel.text import collapse_ws, numbers
from kernel.types import REFUSAL, Answer, Chunk, Passage

try:
    from tests.fake_openai_server import FakeServer, free_port, running
except ModuleNotFoundError:  # tests/ collected as plain directory (no __init__.py)
    from fake_openai_server import FakeServer, free_port, running  # type: ignore[no-redef]

TIMEOUT_S = 1.5
# The answer stage (LLM call + extractive draft) may exceed the timeout by this much...
STAGE_MARGIN_S = 0.75
# ...and the whole ask (retrieval included, on a busy shared 2-core box) by this much.
MARGIN_S = 3.0

Q_FAITHFUL = "Đến năm 2030, Hải Dương phấn đấu có bao nhiêu doanh nghiệp công nghệ số?"
Q_INVENTED = "Tỷ lệ đấu thầu qua mạng của Khánh Hòa năm 2020 đạt bao nhiêu?"
Q_SUBSTRING = (
    "Khi tới mốc 2030, Hải Dương kỳ vọng tỷ lệ người dân sở hữu tài khoản thanh toán "
    "điện tử đạt bao nhiêu?"
)
Q_SLOW = "Tỷ lệ thôn, bản của Thanh Hóa được phủ sóng băng thông rộng hiện đạt bao nhiêu?"
Q_TRICKLE = (
    "Chỉ tiêu của Quảng Ngãi đến năm 2025 về doanh nghiệp nhỏ và vừa sử dụng nền tảng số là "
    "bao nhiêu?"
)
Q_GARBAGE = "Chỉ tiêu năm 2025 của Quảng Ngãi về tỷ lệ người trưởng thành có chữ ký số là gì?"
Q_HTTP500 = "Phương châm hành động năm 2026 mà nghị quyết Thanh Hóa yêu cầu quán triệt là gì?"
Q_WRONG_SHAPE = "Trong lĩnh vực du lịch, Quảng Ngãi số hóa dữ liệu di tích bằng công nghệ gì?"
Q_NULL = "Quang Ngai ket noi voi nhung nen tang so quoc gia nao?"
Q_UNCITED = "Hải Dương định hướng dùng công nghệ nào để phân tích, dự báo, hỗ trợ lãnh đạo?"
Q_REFUSE = "Thành phố Hồ Chí Minh đặt mục tiêu bao nhiêu phần trăm dịch vụ công trực tuyến?"
Q_DOCFACT = "Ai ký Nghị quyết 16-NQ/TU về chuyển đổi số của Tỉnh ủy Khánh Hòa?"

INVENTED_FIGURE = "987.654"


def _figure_in(p: Passage) -> str:
    """A figure (two digits or more) written in the passage, as the check will see it."""
    figs = [n for n in numbers(collapse_ws(p.chunk.text)) if sum(ch.isdigit() for ch in n) >= 2]
    assert figs, f"passage has no figure: {p.chunk.text[:200]}"
    return figs[0]


def _substring_figure(p: Passage) -> str:
    """Digits that occur inside a figure of the passage but are not a figure of it."""
    figs = {n.rstrip("%") for n in numbers(collapse_ws(p.chunk.text))}
    for n in sorted(figs, key=len, reverse=True):
        digits = n.replace(".", "").replace(",", "")
        for cut in range(len(digits) - 1, 1, -1):
            if digits[:cut] not in figs:
                return digits[:cut]
    pytest.skip("no figure with a proper prefix in passage [1]")


@pytest.fixture(scope="module")
def plan(assistant: Assistant) -> dict[str, Any]:
    """The extractive answers, and the faithful reply built from passage [1] of the question."""
    extractive = {
        q: assistant.ask(q)
        for q in (
            Q_FAITHFUL,
            Q_INVENTED,
            Q_SUBSTRING,
            Q_SLOW,
            Q_TRICKLE,
            Q_GARBAGE,
            Q_HTTP500,
            Q_WRONG_SHAPE,
            Q_NULL,
            Q_UNCITED,
            Q_DOCFACT,
        )
    }
    first = extractive[Q_FAITHFUL].passages[0]
    figure = _figure_in(first)
    sub = _substring_figure(extractive[Q_SUBSTRING].passages[0])
    return {
        "extractive": extractive,
        "first_passage": first,
        "figure": figure,
        "faithful_reply": f"Theo nghị quyết của Hải Dương, chỉ tiêu nêu con số {figure} [1].",
        "substring_figure": sub,
    }


@pytest.fixture(scope="module")
def fake(plan: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    """The scripted server, running for the whole module."""
    script = {
        "rules": [
            {"match": "doanh nghiệp công nghệ số", "reply": plan["faithful_reply"]},
            {
                "match": "đấu thầu qua mạng",
                "reply": f"Tỷ lệ đấu thầu qua mạng năm 2020 đạt {INVENTED_FIGURE}% [1].",
            },
            {
                "match": "tài khoản thanh toán",
                "reply": f"Tỷ lệ này đạt {plan['substring_figure']} [1].",
            },
            {"match": "thôn, bản", "reply": "Đạt 100% [1].", "delay_s": 8},
            {
                "match": "doanh nghiệp nhỏ và vừa",
                "reply": "Đạt 100% theo nghị quyết [1].",
                "trickle_s": 0.25,
            },
            {"match": "chữ ký số", "status": 200, "body": "<html>this is not JSON{"},
            {"match": "Phương châm", "status": 500, "body": '{"error": {"message": "boom"}}'},
            {"match": "du lịch", "status": 200, "body": '{"unexpected": "shape"}'},
            {"match": "nen tang so", "reply": None},
            {"match": "phân tích, dự báo", "reply": "Trí tuệ nhân tạo và dữ liệu lớn."},
            {"match": "Hồ Chí Minh", "reply": REFUSAL},
        ],
        "default": {"reply": "Không rõ [1]."},
    }
    with running(script, tmp_path_factory.mktemp("fake_llm")) as server:
        yield server


def _llm_settings(base: Settings, base_url: str) -> Settings:
    return base.model_copy(
        update={
            "answer": base.answer.model_copy(update={"backend": "llm"}),
            "llm": LLMSettings(
                base_url=base_url, model="fake-model", timeout_s=TIMEOUT_S, api_key="sk-test-key"
            ),
        }
    )


@pytest.fixture(scope="module")
def llm_assistant(index_settings: Settings, assistant: Assistant, fake: FakeServer) -> Assistant:
    """An assistant over the session index whose answer backend is the fake server."""
    a = Assistant(_llm_settings(index_settings, fake.base_url), corpus=assistant.corpus)
    assert a.llm is not None
    return a


def _timed_ask(a: Assistant, q: str) -> tuple[Answer, float]:
    t = time.perf_counter()
    ans = a.ask(q)
    return ans, time.perf_counter() - t


def _llm_stage_s(ans: Answer) -> float:
    """Seconds spent in the answer stage, where the LLM is called."""
    return ans.timings["answer_ms"] / 1000


def _assert_fell_back(ans: Answer, extractive: Answer, notice_part: str) -> None:
    """The extractive answer, unchanged, with a notice saying why."""
    assert ans.backend == "extractive"
    assert notice_part in ans.notice
    assert ans.answer == extractive.answer
    assert ans.refused == extractive.refused
    assert [c.model_dump() for c in ans.citations] == [c.model_dump() for c in extractive.citations]


UNAVAILABLE = "The LLM server is unavailable"
UNSUPPORTED = "not supported by the passages"


def test_faithful_answer_is_shown_with_its_citation(llm_assistant, plan, fake) -> None:
    ans, secs = _timed_ask(llm_assistant, Q_FAITHFUL)
    first: Passage = plan["first_passage"]
    assert ans.backend == "llm" and ans.notice == "" and not ans.refused
    assert ans.answer == plan["faithful_reply"]
    assert plan["figure"] in ans.answer
    assert len(ans.citations) == 1
    c = ans.citations[0]
    assert (c.marker, c.file, c.start, c.end) == (
        1,
        first.chunk.file,
        first.chunk.start,
        first.chunk.end,
    )
    assert c.text == first.chunk.text and plan["figure"] in collapse_ws(c.text)
    # What went over the wire: the model name, the key, the question and passage [1].
    req = [r for r in fake.requests() if r["rule"] == "doanh nghiệp công nghệ số"][-1]
    assert req["model"] == "fake-model" and req["authorization_sent"]
    assert req["question"] == Q_FAITHFUL
    assert req["user_content"].startswith("Các đoạn trích:\n\n[1] ")
    assert collapse_ws(first.chunk.text)[:80] in req["user_content"]
    assert secs < TIMEOUT_S + MARGIN_S


def test_invented_figure_is_flagged(llm_assistant, plan) -> None:
    ans = llm_assistant.ask(Q_INVENTED)
    _assert_fell_back(ans, plan["extractive"][Q_INVENTED], UNSUPPORTED)
    assert INVENTED_FIGURE in ans.notice
    assert INVENTED_FIGURE not in ans.answer


def test_figure_that_is_only_a_substring_of_a_passage_figure_is_flagged(llm_assistant, plan):
    """'20' is not supported by '2025': the check compares whole figures."""
    ans = llm_assistant.ask(Q_SUBSTRING)
    _assert_fell_back(ans, plan["extractive"][Q_SUBSTRING], UNSUPPORTED)
    assert plan["substring_figure"] in ans.notice


def test_slow_server_falls_back_within_the_timeout(llm_assistant, plan) -> None:
    ans, secs = _timed_ask(llm_assistant, Q_SLOW)
    _assert_fell_back(ans, plan["extractive"][Q_SLOW], UNAVAILABLE)
    stage = _llm_stage_s(ans)
    print(
        f"\nslow server (replies after 8 s, timeout {TIMEOUT_S} s): fallback in {secs:.2f} s"
        f" (answer stage {stage:.2f} s)"
    )
    assert TIMEOUT_S * 0.9 <= stage < TIMEOUT_S + STAGE_MARGIN_S
    assert secs < TIMEOUT_S + MARGIN_S


def test_trickling_server_is_cut_off_at_the_timeout(llm_assistant, plan) -> None:
    """A server sending a byte every 0.25 s never trips a per-read timeout; the total does."""
    ans, secs = _timed_ask(llm_assistant, Q_TRICKLE)
    _assert_fell_back(ans, plan["extractive"][Q_TRICKLE], UNAVAILABLE)
    stage = _llm_stage_s(ans)
    print(
        f"\ntrickling server (1 byte / 0.25 s, timeout {TIMEOUT_S} s): fallback in {secs:.2f} s"
        f" (answer stage {stage:.2f} s)"
    )
    assert stage < TIMEOUT_S + STAGE_MARGIN_S
    assert secs < TIMEOUT_S + MARGIN_S


@pytest.mark.parametrize(
    "question",
    [Q_GARBAGE, Q_HTTP500, Q_WRONG_SHAPE, Q_NULL],
    ids=["200-invalid-json", "http-500", "200-wrong-shape", "null-content"],
)
def test_garbage_replies_fall_back(llm_assistant, plan, question: str) -> None:
    ans, secs = _timed_ask(llm_assistant, question)
    _assert_fell_back(ans, plan["extractive"][question], UNAVAILABLE)
    assert secs < TIMEOUT_S + MARGIN_S


def test_answer_without_citation_falls_back(llm_assistant, plan) -> None:
    ans = llm_assistant.ask(Q_UNCITED)
    _assert_fell_back(ans, plan["extractive"][Q_UNCITED], "không có trích dẫn")


def test_llm_refusal_is_a_refusal(llm_assistant) -> None:
    ans = llm_assistant.ask(Q_REFUSE)
    assert ans.backend == "llm" and ans.refused
    assert ans.answer == REFUSAL and ans.citations == [] and ans.notice == ""


def test_document_facts_do_not_go_to_the_llm(llm_assistant, plan, fake) -> None:
    """Signer/number/date questions are answered from the catalog, never by the model."""
    before = len(fake.requests())
    ans = llm_assistant.ask(Q_DOCFACT)
    ext = plan["extractive"][Q_DOCFACT]
    assert ans.backend == "extractive" and ans.notice == ""
    assert ans.answer == ext.answer
    assert len(fake.requests()) == before


def test_server_down_falls_back_fast(index_settings, assistant, plan) -> None:
    """Nothing listens on the port: connection refused, extractive answer with a notice."""
    a = Assistant(
        _llm_settings(index_settings, f"http://127.0.0.1:{free_port()}/v1"), corpus=assistant.corpus
    )
    ans, secs = _timed_ask(a, Q_FAITHFUL)
    _assert_fell_back(ans, plan["extractive"][Q_FAITHFUL], UNAVAILABLE)
    print(f"\nserver down: fallback in {secs:.2f} s (answer stage {_llm_stage_s(ans):.2f} s)")
    assert secs < TIMEOUT_S + MARGIN_S


def test_no_base_url_means_no_llm(index_settings, assistant) -> None:
    """backend=llm without a server URL quietly stays extractive (nothing to call)."""
    s = index_settings.model_copy(
        update={"answer": index_settings.answer.model_copy(update={"backend": "llm"})}
    )
    a = Assistant(s, corpus=assistant.corpus)
    assert a.llm is None
    assert a.ask(Q_FAITHFUL).backend == "extractive"


# -- the number check on its own ----------------------------------------------------------


def _passage(text: str) -> Passage:
    return Passage(
        chunk=Chunk(id="x", file="f.txt", start=0, end=len(text), text=text, index_text=text)
    )


@pytest.mark.parametrize(
    ("answer", "unsupported"),
    [
        ("Có trên 1.000 doanh nghiệp [1].", []),
        ("Kinh tế số chiếm 20% GRDP năm 2025 [1].", []),
        ("Kinh tế số chiếm 20 phần trăm [1].", []),  # same figure, written out
        ("Đạt 20 doanh nghiệp [1].", []),
        ("Đạt 10 doanh nghiệp [1].", ["10"]),  # only inside 100%
        ("Đạt 202 doanh nghiệp [1].", ["202"]),  # only inside 2025
        ("Có 1.000.000 doanh nghiệp [1].", ["1.000.000"]),
        ("1. Kinh tế số chiếm 20% [1].\n2. Có trên 1.000 doanh nghiệp [1].", []),  # list items
        ("Có trên 1.000 doanh nghiệp.", ["1.000"]),  # cites nothing: nothing supports it
    ],
)
def test_check_compares_whole_figures(answer: str, unsupported: list[str]) -> None:
    p = _passage(
        "Kinh tế số chiếm 20% GRDP; 100% xã có cáp quang; có trên 1.000 doanh "
        "nghiệp công nghệ số đến năm 2025."
    )
    assert check(answer, [p]).unsupported_numbers == unsupported


def test_markers_outside_the_context_are_dropped() -> None:
    r = check("Đạt 20% [1][7].", [_passage("đạt 20%")])
    assert r.cited == [1] and r.unsupported_numbers == []
