"""The OpenAI-compatible routes, driven by the official ``openai`` client and LangChain's
``ChatOpenAI`` against the real app (API, /v1 and Gradio) served on a loopback port."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from langchain_openai import ChatOpenAI

import app as webapp
from ingest.loaders import load_text
from kernel.settings import ServerSettings, Settings

from .servers import serving

MODEL = "nqcds-assistant"
Q_2030 = "muc tieu chu ky so cua Quang Ngai den nam 2030"


def _settings(base: Settings, **server) -> Settings:
    fresh = ServerSettings.model_validate({**base.server.model_dump(), **server})
    return base.model_copy(update={"server": fresh})


@pytest.fixture(scope="module")
def url(index_settings, assistant) -> Iterator[str]:
    """The whole app (create_server) on a free loopback port."""
    app, _ = webapp.create_server(_settings(index_settings, rate_limit_per_minute=1000), assistant)
    with serving(app) as base:
        yield base


@pytest.fixture(scope="module")
def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="none", max_retries=0, timeout=60)


def _file_text(settings: Settings, name: str) -> str:
    return load_text(settings.corpus_dir / name)


def test_models_lists_the_assistant(client: openai.OpenAI) -> None:
    models = client.models.list()
    assert [m.id for m in models.data] == [MODEL]
    assert client.models.retrieve(MODEL).id == MODEL
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_completion_has_answer_sources_and_exact_citations(
    client: openai.OpenAI, assistant, index_settings
) -> None:
    r = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": Q_2030}])
    assert r.object == "chat.completion" and r.model == MODEL and len(r.choices) == 1
    choice = r.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    text = choice.message.content
    direct = assistant.ask(Q_2030)
    assert text.startswith(direct.answer) and "70%" in text and "[1]" in text
    # The sources follow the answer: title, number/date when known, section, the sentence.
    sources = text.split("Nguồn / Sources:")[1]
    c = direct.citations[0]
    assert f"[1] {c.title}" in sources and c.section in sources and "Trên 70% dân số" in sources
    # The extension field: the same citations as the Python API, exact spans in the file.
    extra = r.model_extra["nqcds"]
    assert extra["answer"] == direct.answer and extra["refused"] is False
    assert extra["citations"] == [x.model_dump(mode="json") for x in direct.citations]
    for cit in extra["citations"]:
        original = _file_text(index_settings, cit["file"])
        assert original[cit["start"] : cit["end"]] == cit["text"]
        assert cit["start"] <= cit["sentence_start"] < cit["sentence_end"] <= cit["end"]
    assert r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens


def test_stream_sends_the_same_reply_in_chunks(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": Q_2030}]
    whole = client.chat.completions.create(model=MODEL, messages=messages)
    stream = client.chat.completions.create(
        model=MODEL, messages=messages, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    assert deltas[0].role == "assistant"
    assert len(deltas) > 3  # really in pieces
    assert "".join(d.content or "" for d in deltas) == whole.choices[0].message.content
    finishing = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert [c.choices[0].finish_reason for c in finishing] == ["stop"]
    assert finishing[0].model_extra["nqcds"]["citations"] == whole.model_extra["nqcds"]["citations"]
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == whole.usage.total_tokens
    assert len({c.id for c in chunks}) == 1 and all(
        c.object == "chat.completion.chunk" for c in chunks
    )


def test_raw_stream_is_server_sent_events_ending_with_done(url: str) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": Q_2030}], "stream": True}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=60) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"


def test_history_makes_follow_ups_work(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": Q_2030}]
    )
    r = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},  # ignored
            {"role": "user", "content": Q_2030},
            {"role": "assistant", "content": first.choices[0].message.content},
            {"role": "user", "content": [{"type": "text", "text": "còn năm 2025 thì sao?"}]},
        ],
    )
    assert "50%" in r.choices[0].message.content


def test_filters_travel_as_an_extra_body_field(client: openai.OpenAI) -> None:
    r = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "mục tiêu kinh tế số đến năm 2025"}],
        extra_body={"filters": {"provinces": ["khanh hoa"]}},
    )
    cites = r.model_extra["nqcds"]["citations"]
    assert cites and all(c["province"] == "Khánh Hòa" for c in cites)


def test_refusal_is_a_normal_reply_marked_refused(client: openai.OpenAI) -> None:
    q = "Thành phố Hồ Chí Minh đặt mục tiêu bao nhiêu phần trăm dịch vụ công trực tuyến?"
    r = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": q}])
    assert r.model_extra["nqcds"]["refused"] is True
    assert "Không tìm thấy thông tin" in r.choices[0].message.content


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}, 404, "model"),
        ({"model": MODEL, "messages": []}, 400, "messages"),
        ({"model": MODEL}, 400, "messages"),
        ({"model": MODEL, "messages": [{"role": "user", "content": "  "}]}, 400, "messages"),
        ({"model": MODEL, "messages": [{"role": "assistant", "content": "hi"}]}, 400, "messages"),
        ({"model": MODEL, "messages": [{"role": "robot", "content": "hi"}]}, 400, None),
        ({"model": MODEL, "messages": [{"role": "user", "content": "x" * 5000}]}, 400, None),
        (
            {"model": MODEL, "messages": [{"role": "user", "content": "x"}], "n": 3},
            400,
            "n",
        ),
        (
            {"model": MODEL, "messages": [{"role": "user", "content": "x"}], "filters": [1]},
            400,
            "filters",
        ),
    ],
)
def test_bad_requests_get_openai_shaped_errors(url: str, body, status, param) -> None:
    r = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=60)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"} and " / " in err["message"]
    assert err["type"] == "invalid_request_error"
    if param:
        assert err["param"].startswith(param)


def test_unparsable_body_is_a_400_in_openai_shape(url: str) -> None:
    r = httpx.post(
        f"{url}/v1/chat/completions",
        content=b"{not json",
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"


def test_the_client_raises_its_own_errors(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as exc:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert exc.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=MODEL, messages=[])


def test_langchain_chat_openai_uses_the_assistant(url: str) -> None:
    llm = ChatOpenAI(base_url=f"{url}/v1", api_key="none", model=MODEL, max_retries=0)
    msg = llm.invoke(Q_2030)
    assert "70%" in msg.content and "Nguồn / Sources:" in msg.content
    streamed = "".join(str(chunk.content) for chunk in llm.stream(Q_2030))
    assert streamed == msg.content


def test_openapi_schema_documents_the_routes(url: str) -> None:
    schema = httpx.get(f"{url}/api/openapi.json", timeout=30).json()
    assert {"/v1/chat/completions", "/v1/models", "/api/ask"} <= set(schema["paths"])
    assert "AnswerDetails" in schema["components"]["schemas"]


# -- the login and rate limit shared with /api ---------------------------------------------------
@pytest.fixture(scope="module")
def guarded(index_settings, assistant) -> Iterator[TestClient]:
    s = _settings(index_settings, username="canbo", password="mat-khau", rate_limit_per_minute=4)
    app, _ = webapp.create_server(s, assistant)
    with TestClient(app) as c:
        yield c


def test_login_is_the_same_as_for_the_api(guarded: TestClient) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": Q_2030}]}
    r = guarded.post("/v1/chat/completions", json=body)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    r = guarded.get("/v1/models", headers={"Authorization": "Bearer canbo:sai"})
    assert r.status_code == 401
    # An OpenAI client's API key is user:password; HTTP Basic works as on /api.
    r = guarded.post(
        "/v1/chat/completions", json=body, headers={"Authorization": "Bearer canbo:mat-khau"}
    )
    assert r.status_code == 200, r.text
    basic = base64.b64encode(b"canbo:mat-khau").decode()
    assert guarded.get("/v1/models", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    assert (
        guarded.get("/api/health", headers={"Authorization": "Bearer canbo:mat-khau"}).status_code
        == 200
    )


def test_one_rate_limit_budget_across_api_and_v1(index_settings, assistant) -> None:
    s = _settings(index_settings, rate_limit_per_minute=2)
    app, _ = webapp.create_server(s, assistant)
    body = {"model": MODEL, "messages": [{"role": "user", "content": Q_2030}]}
    with TestClient(app) as c:
        assert c.post("/api/ask", json={"question": Q_2030}).status_code == 200
        assert c.post("/v1/chat/completions", json=body).status_code == 200
        over = c.post("/v1/chat/completions", json=body)
        assert over.status_code == 429 and "Retry-After" in over.headers
        assert over.json()["error"]["code"] == "rate_limit_exceeded"
        assert c.post("/api/ask", json={"question": Q_2030}).status_code == 429


def test_oversized_body_is_refused_before_it_is_read(url: str) -> None:
    big = b'{"model": "nqcds-assistant", "messages": [' + b" " * 1_100_000 + b"]}"
    r = httpx.post(
        f"{url}/v1/chat/completions",
        content=big,
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
