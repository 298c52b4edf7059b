"""Secrets (the LLM API key, the login password) never show in reprs, dumps or logs."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.answering.llm import LLMClient, LLMUnavailable
from assistant.chain import Assistant
from kernel.settings import LLMSettings, Settings
from kernel.types import Chunk, Passage

try:
    from tests.fake_openai_server import running
except ModuleNotFoundError:  # tests/ collected as plain directory (no __init__.py)
    from fake_openai_server import running  # type: ignore[no-redef]

API_KEY = "sk-live-5ecr3t-API-KEY-0042"
PASSWORD = "hunter2-Pa55w0rd-xyz"
SECRETS = (API_KEY, PASSWORD)


def _assert_clean(text: str) -> None:
    for s in SECRETS:
        assert s not in text


def _secret_settings(**kw) -> Settings:
    return Settings(
        llm={"api_key": API_KEY, "base_url": "http://127.0.0.1:9/v1"},
        server={"username": "admin", "password": PASSWORD},
        **kw,
    )


def test_settings_never_show_secrets() -> None:
    s = _secret_settings()
    for text in (
        repr(s),
        str(s),
        repr(s.llm),
        repr(s.server),
        s.model_dump_json(),
        str(s.model_dump()),
        repr(s.model_dump()),
        f"{s}",
        f"{s.llm!r}",
    ):
        _assert_clean(text)
    # ...while the values themselves are there for the code that needs them.
    assert s.llm.api_key.get_secret_value() == API_KEY
    assert s.server.password.get_secret_value() == PASSWORD


def test_secrets_from_the_environment_stay_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NQCDS_LLM__API_KEY", API_KEY)
    monkeypatch.setenv("NQCDS_SERVER__PASSWORD", PASSWORD)
    monkeypatch.setenv("NQCDS_SERVER__USERNAME", "admin")
    s = Settings()
    assert s.llm.api_key.get_secret_value() == API_KEY
    assert s.server.password.get_secret_value() == PASSWORD
    _assert_clean(repr(s) + s.model_dump_json())


def test_llm_client_repr_hides_the_key() -> None:
    client = LLMClient(LLMSettings(base_url="http://127.0.0.1:9/v1", api_key=API_KEY))
    _assert_clean(repr(client.chat) + str(client.chat) + repr(client.cfg))


def _passage() -> Passage:
    text = "Phấn đấu có trên 1.000 doanh nghiệp công nghệ số."
    return Passage(
        chunk=Chunk(id="c", file="f.txt", start=0, end=len(text), text=text, index_text=text)
    )


def test_key_echoed_by_a_server_is_masked(tmp_path: Path) -> None:
    """A proxy that echoes request headers in its error body must not leak the key."""
    script = {"rules": [{"match": "echo", "status": 502, "echo_auth": True}]}
    with running(script, tmp_path / "srv") as server:
        client = LLMClient(LLMSettings(base_url=server.base_url, api_key=API_KEY, timeout_s=5))
        with pytest.raises(LLMUnavailable) as exc:
            client.generate("echo", [_passage()])
        assert server.requests()[0]["authorization_sent"]  # the key was really sent
    assert "***" in str(exc.value)
    _assert_clean(str(exc.value) + repr(exc.value))
    assert exc.value.__cause__ is None and exc.value.__suppress_context__


def test_nothing_secret_is_logged_on_the_llm_path(
    index_settings: Settings,
    assistant: Assistant,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every logger at DEBUG (ours, openai, httpx, langchain) across ok and failed calls."""
    script = {
        "rules": [
            {"match": "doanh nghiệp", "reply": "Có trên 1.000 doanh nghiệp [1]."},
            {"match": "GRDP", "status": 500, "echo_auth": True},
        ],
        "default": {"body": "not json{"},
    }
    with running(script, tmp_path / "srv") as server, caplog.at_level(logging.DEBUG):
        s = index_settings.model_copy(
            update={
                "answer": index_settings.answer.model_copy(update={"backend": "llm"}),
                "llm": LLMSettings(base_url=server.base_url, api_key=API_KEY, timeout_s=5),
                "server": index_settings.server.model_copy(
                    update={"password": SecretStr(PASSWORD)}
                ),
            }
        )
        a = Assistant(s, corpus=assistant.corpus)
        logging.getLogger("tests").debug("settings in use: %r", s)  # as a careless log would
        answers = [
            a.ask(q)
            for q in (
                "Hải Dương phấn đấu có bao nhiêu doanh nghiệp công nghệ số?",
                "Kinh tế số chiếm bao nhiêu phần trăm GRDP của Hải Dương?",
                "Khánh Hòa có bao nhiêu dịch vụ công trực tuyến?",
            )
        ]
    assert any("LLM unavailable" in r.getMessage() for r in caplog.records)
    logged = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    )
    _assert_clean(logged + caplog.text)
    for ans in answers:
        _assert_clean(ans.model_dump_json())


def test_api_login_password_is_not_logged(
    index_settings: Settings, assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    """The HTTP API with a login: right and wrong passwords, nothing secret in the logs."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from assistant.service import AssistantService
    from assistant.web import api

    s = index_settings.model_copy(
        update={
            "server": index_settings.server.model_copy(
                update={"username": "admin", "password": SecretStr(PASSWORD)}
            )
        }
    )
    app = FastAPI()
    app.include_router(api.build_api(s, AssistantService(s, assistant)))

    def basic(pw: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"admin:{pw}".encode()).decode()}

    with caplog.at_level(logging.DEBUG), TestClient(app) as http:
        denied = http.post("/api/ask", json={"question": "xin chào"}, headers=basic("wrong"))
        ok = http.post(
            "/api/ask",
            json={"question": "Hải Dương có bao nhiêu doanh nghiệp?"},
            headers=basic(PASSWORD),
        )
    assert denied.status_code == 401 and ok.status_code == 200
    assert isinstance(ok.json()["answer"], str)
    _assert_clean(caplog.text + denied.text + ok.text)
