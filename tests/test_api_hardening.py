"""The JSON API under what a tester threw at it (issue 14, items 2, 11, 13), on the real index.

The real FastAPI app (API + mounted Gradio) through Starlette's TestClient; the server-level
defences (timeouts, forwarded headers, login throttling) are in test_server_hardening.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import app as webapp
from assistant.chain import EMPTY_QUESTION, Assistant
from kernel.settings import ServerSettings, Settings

Q = "muc tieu chu ky so cua Quang Ngai den nam 2030"


def _settings(base: Settings, **server) -> Settings:
    fresh = ServerSettings.model_validate({**base.server.model_dump(), **server})
    return base.model_copy(update={"server": fresh})


@pytest.fixture(scope="module")
def client(index_settings, assistant):
    app, _ = webapp.create_server(_settings(index_settings, rate_limit_per_minute=0), assistant)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _json_error(r, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json"), r.headers
    detail = r.json()["detail"]
    assert " / " in detail, detail  # Vietnamese first, then English
    return detail


# -- 2. health exercises what answering uses ----------------------------------------------


def test_health_fails_when_the_live_index_file_is_overwritten(
    index_settings: Settings, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(index_settings.data_dir, data)
    settings = _settings(index_settings.model_copy(update={"data_dir": data}))
    app, _ = webapp.create_server(settings, Assistant(settings))
    with TestClient(app, raise_server_exceptions=False) as c:
        ok = c.get("/api/health")
        assert ok.status_code == 200 and ok.json()["status"] == "ok", ok.text
        db = settings.chroma_dir / "chroma.sqlite3"
        db.write_bytes(b"\x00garbage" * (db.stat().st_size // 8))
        import time

        time.sleep(2.1)  # health results are reused for 2 s
        r = c.get("/api/health")
        assert r.status_code == 503, r.text
        body = r.json()
        assert body["status"] == "unavailable" and "python -m ingest" in body["detail"]
        assert "not a database" in body["reason"], body
        # ...and it is true: questions fail too.
        assert c.post("/api/ask", json={"question": Q}).status_code >= 500


# -- 11. unparsable bodies are the documented JSON 400 --------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"question": ' + b"1" * 5001 + b"}",  # int longer than Python converts
        b"[" * 990 + b"]" * 990,  # nesting deeper than the decoder's recursion
        b'{"question": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"question": 1e999999}',
        b'{"question": "\\ud800"',
        b"\xff\xfe{}",
        b"",
    ],
    ids=["5001-digits", "nested-990", "nested-5000", "huge-float", "truncated", "utf16", "empty"],
)
def test_unparsable_body_is_json_400(client: TestClient, body: bytes) -> None:
    r = client.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    if r.status_code == 422:  # valid JSON of the wrong shape (1e999999 is inf)
        _json_error(r, 422)
        return
    assert "not valid UTF-8 JSON" in _json_error(r, 400)


def test_unexpected_error_is_json_500_without_a_trace(
    index_settings: Settings, tmp_path: Path
) -> None:
    settings = _settings(index_settings.model_copy(update={"data_dir": tmp_path / "d"}))
    app, _ = webapp.create_server(settings, None)
    app.router.routes.insert(0, _boom_route())
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/boom")
    detail = _json_error(r, 500)
    assert "Traceback" not in r.text and "RuntimeError" not in detail


def _boom_route():
    from fastapi.routing import APIRoute

    def boom() -> None:
        raise RuntimeError("secret internal detail")

    return APIRoute("/api/boom", boom, methods=["GET"])


# -- 13. small things ----------------------------------------------------------------------


@pytest.mark.parametrize("q", ["\u200b\u200b\u200b", "\u200c\u200d\ufeff", " \u2060 \u00ad "])
def test_only_zero_width_characters_is_an_empty_question(client: TestClient, q: str) -> None:
    r = client.post("/api/ask", json={"question": q})
    assert r.status_code == 400 and r.json()["detail"] == EMPTY_QUESTION


def test_zero_width_characters_inside_words_do_not_stop_an_answer(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "muc tieu chu\u200b ky so Quang Ngai 2030"})
    assert r.status_code == 200 and "70%" in r.json()["answer"]


def test_json_body_with_a_utf8_bom_is_accepted(client: TestClient) -> None:
    body = "\ufeff" + json.dumps({"question": Q})
    r = client.post(
        "/api/ask", content=body.encode("utf-8"), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 200, r.text
    assert "70%" in r.json()["answer"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_on_ask_is_a_bilingual_405(client: TestClient, method: str) -> None:
    r = client.request(method, "/api/ask")
    assert "POST" in _json_error(r, 405) and r.headers["allow"] == "POST"


def test_unknown_api_path_is_a_bilingual_json_404(client: TestClient) -> None:
    assert "Không" in _json_error(client.get("/api/nope"), 404)
