"""The web app factory and the HTTP API, on the real test index (no mocks)."""

from __future__ import annotations

import base64
from pathlib import Path

import gradio as gr
import pytest
from fastapi.testclient import TestClient

import app as webapp
from kernel.settings import ServerSettings, Settings

XSS = "<img src=x onerror=alert(1)><script>window.__xss=1</script>"
Q_2030 = "muc tieu chu ky so cua Quang Ngai den nam 2030"


def _settings(base: Settings, **server) -> Settings:
    """``base`` with some server settings changed (validated, so passwords become secrets)."""
    fresh = ServerSettings.model_validate({**base.server.model_dump(), **server})
    return base.model_copy(update={"server": fresh})


@pytest.fixture(scope="module")
def client(index_settings, assistant):
    """The real FastAPI app (API + mounted Gradio), rate limit high enough not to interfere."""
    app, _ = webapp.create_server(_settings(index_settings, rate_limit_per_minute=1000), assistant)
    with TestClient(app) as c:
        yield c


def test_build_app_returns_blocks_with_safe_chatbot(index_settings, assistant) -> None:
    demo = webapp.build_app(index_settings, assistant)
    assert isinstance(demo, gr.Blocks)
    chatbots = [b for b in demo.blocks.values() if isinstance(b, gr.Chatbot)]
    assert len(chatbots) == 1
    bot = chatbots[0]
    assert bot.sanitize_html is True and bot.allow_tags is False and bot.latex_delimiters == []
    # the queue bounds how many answers are computed at once
    assert demo._queue.default_concurrency_limit == index_settings.server.answer_slots()
    tabs = [b.label for b in demo.blocks.values() if isinstance(b, gr.Tab)]
    assert tabs == ["Hỏi đáp", "Văn bản", "Chỉ tiêu"]


def test_theme_uses_local_fonts_only() -> None:
    from assistant.web.ui.theme import make_theme

    theme = make_theme()
    assert theme._stylesheets == []  # nothing fetched from Google Fonts or any CDN
    css = theme._get_theme_css()
    assert "DejaVu Sans" in css and "googleapis" not in css


def test_health(client: TestClient) -> None:
    r = client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["documents"] >= 5 and body["passages"] > 0


def test_ask_returns_answer_and_citations(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": Q_2030})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "70%" in body["answer"] and "[1]" in body["answer"]
    c = body["citations"][0]
    assert c["province"] == "Quảng Ngãi" and c["file"].startswith("003_")
    assert c["start"] <= c["sentence_start"] < c["sentence_end"] <= c["end"]
    assert "70%" in c["text"][c["sentence_start"] - c["start"] : c["sentence_end"] - c["start"]]
    assert set(body) >= {"question", "answer", "citations", "passages", "refused", "timings"}


def test_ask_follow_up_uses_history(client: TestClient) -> None:
    first = client.post("/api/ask", json={"question": Q_2030}).json()
    history = [
        {"role": "user", "content": Q_2030},
        {"role": "assistant", "content": first["answer"]},
    ]
    r = client.post("/api/ask", json={"question": "còn năm 2025 thì sao?", "history": history})
    assert r.status_code == 200
    assert "50%" in r.json()["answer"]


def test_ask_filters_restrict_documents(client: TestClient) -> None:
    r = client.post(
        "/api/ask",
        json={
            "question": "mục tiêu kinh tế số đến năm 2025",
            "filters": {"provinces": ["Khánh Hòa"]},
        },
    )
    assert r.status_code == 200
    cites = r.json()["citations"]
    assert cites and all(c["province"] == "Khánh Hòa" for c in cites)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"not json at all", 400, "JSON"),
        (b"\xff\xfe\x00garbage", 400, "JSON"),
        (b'["a list"]', 422, "JSON"),
        (b'{"question": 5}', 422, "question"),
        (b'{"question": null}', 422, "question"),
        (b"{}", 422, "question"),
        (b'{"question": "   "}', 400, "Vui lòng nhập câu hỏi"),
        (b'{"question": "ok", "history": "not a list"}', 422, "history"),
        (b'{"question": "ok", "filters": ["x"]}', 422, "filters"),
        (b'{"question": "ok", "filters": {"files": "x.txt"}}', 422, "filters"),
    ],
)
def test_bad_requests_get_4xx_with_message(client: TestClient, body, status, words) -> None:
    r = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]


def test_too_long_question_is_400(client: TestClient, index_settings) -> None:
    q = "chuyển đổi số " * (index_settings.answer.max_question_chars // 10)
    r = client.post("/api/ask", json={"question": q})
    assert r.status_code == 400
    assert "quá dài" in r.json()["detail"]


def test_markup_question_comes_back_as_data(client: TestClient) -> None:
    question = XSS + " Hải Dương có bao nhiêu doanh nghiệp công nghệ số?"
    r = client.post("/api/ask", json={"question": question})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")  # never rendered as HTML
    body = r.json()
    # What was understood comes back: the words, not the tags around them.
    assert body["question"] == question.removeprefix(XSS).strip()
    assert "doanh nghiệp công nghệ số" in body["answer"]
    # Markup alone asks nothing: a clear message, as JSON.
    r = client.post("/api/ask", json={"question": XSS})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    assert "Vui lòng nhập câu hỏi" in r.json()["detail"]


def test_rate_limit_returns_429_per_client(index_settings, assistant) -> None:
    app, _ = webapp.create_server(_settings(index_settings, rate_limit_per_minute=3), assistant)
    with TestClient(app) as c:
        # bad bodies are cheap and still count: the limiter runs before anything else
        codes = [c.post("/api/ask", content=b"x").status_code for _ in range(3)]
        assert codes == [400, 400, 400]
        r = c.post("/api/ask", json={"question": Q_2030})
        assert r.status_code == 429
        assert "Quá nhiều yêu cầu" in r.json()["detail"] and "Too many" in r.json()["detail"]
        assert int(r.headers["retry-after"]) >= 1
        assert c.get("/api/health").status_code == 200  # monitoring is not rate limited


def test_rate_limiter_window_slides() -> None:
    from assistant.web.throttle import RateLimiter

    now = [0.0]
    lim = RateLimiter(2, clock=lambda: now[0])
    assert lim.check("a") == 0 and lim.check("a") == 0
    assert lim.check("a") > 0 and lim.check("b") == 0  # per client
    now[0] = 61.0
    assert lim.check("a") == 0


def test_basic_auth_when_credentials_are_set(index_settings, assistant) -> None:
    s = _settings(index_settings, username="canbo", password="mật-khẩu")
    app, _ = webapp.create_server(s, assistant)
    good = "Basic " + base64.b64encode("canbo:mật-khẩu".encode()).decode()
    bad = "Basic " + base64.b64encode(b"canbo:sai").decode()
    with TestClient(app) as c:
        r = c.post("/api/ask", json={"question": Q_2030})
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
        assert (
            c.post("/api/ask", json={"question": "x"}, headers={"authorization": bad}).status_code
            == 401
        )
        assert c.get("/api/health").status_code == 401
        r = c.post("/api/ask", json={"question": Q_2030}, headers={"authorization": good})
        assert r.status_code == 200 and "70%" in r.json()["answer"]
        # the web app itself asks for the login too
        assert c.get("/config").status_code in (401, 403)


def test_missing_index_is_a_readable_503(tmp_path: Path, model_dir) -> None:
    s = Settings(data_dir=tmp_path / "empty", embedding={"model": str(model_dir)})
    app, _ = webapp.create_server(s)
    with TestClient(app) as c:
        r = c.get("/api/health")
        assert r.status_code == 503 and "python -m ingest" in r.json()["detail"]
        r = c.post("/api/ask", json={"question": Q_2030})
        assert r.status_code == 503
        assert "chưa có chỉ mục" in r.json()["detail"] and "Traceback" not in r.text
        assert c.get("/").status_code == 200  # the page still loads and shows the banner
