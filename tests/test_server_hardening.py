"""The served app under abuse (issue 14, items 7–10): real uvicorn on loopback ports.

Each server is the real app (``create_server`` over the session index) run by uvicorn with
the configuration ``python app.py`` uses (``assistant.web.server.uvicorn_config``), in a
thread. Tests connect from different loopback source addresses (127.0.0.x) so that each
has its own per-client budgets.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

import app as webapp
from assistant.web.server import uvicorn_config
from kernel.settings import ServerSettings, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
Q = "muc tieu chu ky so cua Quang Ngai den nam 2030"
USER, PASSWORD = "canbo", "mat-khau-dung-0042"
LIMITS = {
    "rate_limit_per_minute": 3,
    "header_timeout_s": 1.5,
    "body_timeout_s": 1.5,
    "login_failures_per_client": 3,
    "login_failures_per_username": 10,
    "login_window_s": 60,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(base: Settings, assistant, **server) -> Iterator[str]:
    values = {**base.server.model_dump(), "port": _free_port(), **server}
    settings = base.model_copy(update={"server": ServerSettings.model_validate(values)})
    app, _ = webapp.create_server(settings, assistant)
    # log_config=None: uvicorn's records reach pytest's caplog (it would stop propagation).
    srv = uvicorn.Server(uvicorn_config(app, settings, log_config=None, log_level="info"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert th.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{settings.server.port}"
    finally:
        srv.should_exit = True
        th.join(timeout=15)


@pytest.fixture(scope="module")
def server(index_settings, assistant, tmp_path_factory) -> Iterator[str]:
    """Login on, small limits, no trusted proxy (the default)."""
    data = tmp_path_factory.mktemp("server-data")
    base = index_settings.model_copy(update={"data_dir": data})
    # The index is read from the session's directory; feedback and exports go to ``data``.
    (data / "chroma").symlink_to(index_settings.chroma_dir)
    yield from _serve(base, assistant, username=USER, password=PASSWORD, **LIMITS)


@pytest.fixture(scope="module")
def proxied(index_settings, assistant) -> Iterator[str]:
    """No login, behind a trusted proxy at 127.0.0.1."""
    yield from _serve(
        index_settings, assistant, trusted_proxies="127.0.0.1", rate_limit_per_minute=3
    )


def _client(base: str, source: str, **kw) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=base, transport=transport, timeout=30, **kw)


AUTH = (USER, PASSWORD)


# -- 7. forwarded headers and the web app's own answering endpoint --------------------------


def test_forwarded_for_does_not_reset_the_budget(server: str) -> None:
    # From 127.0.0.1, the address uvicorn trusts forwarded headers from by default.
    with _client(server, "127.0.0.1", auth=AUTH) as c:
        codes = [
            c.post("/api/ask", json={"question": Q}, headers={"X-Forwarded-For": f"10.0.0.{i}"})
            for i in range(4)
        ]
    assert [r.status_code for r in codes] == [200, 200, 200, 429], [r.text for r in codes]
    assert int(codes[-1].headers["retry-after"]) > 0


def test_forwarded_for_from_a_trusted_proxy_names_the_client(proxied: str) -> None:
    with _client(proxied, "127.0.0.1") as c:
        spread = [
            c.post("/api/ask", json={"question": Q}, headers={"X-Forwarded-For": f"10.1.0.{i}"})
            for i in range(4)
        ]
        one = [
            c.post("/api/ask", json={"question": Q}, headers={"X-Forwarded-For": "10.2.0.1"})
            for _ in range(4)
        ]
    assert [r.status_code for r in spread] == [200] * 4  # four officials behind the proxy
    assert [r.status_code for r in one] == [200, 200, 200, 429]  # one official, over budget


def _gradio_login(c: httpx.Client, user: str = USER, pw: str = PASSWORD) -> httpx.Response:
    return c.post("/login", data={"username": user, "password": pw})


def _ui_ask(c: httpx.Client, question: str, files: list[str]) -> list:
    """The chat's answer event through Gradio's HTTP API: its final outputs."""
    r = c.post("/gradio_api/call/ask", json={"data": [question, files]})
    assert r.status_code == 200, r.text
    event = r.json()["event_id"]
    with c.stream("GET", f"/gradio_api/call/ask/{event}") as s:
        kind = None
        for line in s.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                assert kind == "complete", line
                return json.loads(line[5:])
    raise AssertionError("no complete event")


def test_web_answer_event_is_rate_limited(server: str, assistant) -> None:
    files = sorted(assistant.corpus.docs)
    with _client(server, "127.0.0.12") as c:
        assert _gradio_login(c).status_code == 200
        answers = [_ui_ask(c, Q, files) for _ in range(4)]
    for chat, *_ in answers[:3]:
        assert "70%" in json.dumps(chat, ensure_ascii=False)
    chat, sources, _turns, _shown, box = answers[3][:5]  # states come back as None
    assert "Too many questions" in sources and "70%" not in json.dumps(chat)
    assert box == Q  # the question stays in the box


# -- 8. password guessing -------------------------------------------------------------------


def test_failed_web_logins_are_throttled_per_client(server: str) -> None:
    with _client(server, "127.0.0.13") as c:
        wrong = [_gradio_login(c, USER, f"doan-{i}").status_code for i in range(3)]
        blocked = _gradio_login(c)  # even the right password, while blocked
    assert wrong == [400, 400, 400]
    assert blocked.status_code == 429, blocked.text
    assert "Too many failed logins" in blocked.json()["detail"]
    assert int(blocked.headers["retry-after"]) > 0
    with _client(server, "127.0.0.14") as other:  # another client is not blocked
        assert _gradio_login(other).status_code == 200


def test_failed_logins_are_throttled_per_username(server: str) -> None:
    codes = []
    for i in range(11):  # a spray from many addresses at one username
        with _client(server, f"127.0.1.{i + 1}") as c:
            codes.append(_gradio_login(c, "quantri", "sai").status_code)
    assert codes[:10] == [400] * 10 and codes[10] == 429, codes


def test_failed_api_logins_are_throttled(server: str) -> None:
    with _client(server, "127.0.0.16") as c:
        codes = [c.get("/api/health", auth=(USER, f"doan-{i}")).status_code for i in range(3)] + [
            c.get("/api/health", auth=AUTH).status_code
        ]
    assert codes == [401, 401, 401, 429]


# -- 9. a username with an empty password ---------------------------------------------------


@pytest.mark.parametrize("password", ["", "   ", None])
def test_username_without_password_refuses_to_start(tmp_path: Path, password) -> None:
    env = {**os.environ, "NQCDS_DATA_DIR": str(tmp_path), "NQCDS_SERVER__USERNAME": USER}
    env["NQCDS_SERVER__PORT"] = str(_free_port())
    env.pop("NQCDS_SERVER__PASSWORD", None)
    if password is not None:
        env["NQCDS_SERVER__PASSWORD"] = password
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2, err[-2000:]
    assert "password is empty" in err and "Traceback" not in err


def test_create_server_refuses_half_a_login(index_settings) -> None:
    server = ServerSettings(username=USER, password="")
    with pytest.raises(SettingsError, match="password is empty"):
        webapp.create_server(index_settings.model_copy(update={"server": server}))
    server = ServerSettings(password="x")
    with pytest.raises(SettingsError, match="without a username"):
        webapp.create_server(index_settings.model_copy(update={"server": server}))


# -- 10. bodies, slow clients, disconnects --------------------------------------------------


def _raw(server: str, source: str) -> socket.socket:
    host, port = server.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=10, source_address=(source, 0))
    return s


def _auth_header() -> bytes:
    return b"Authorization: Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()) + b"\r\n"


def test_body_limit_is_enforced_while_the_body_streams(server: str) -> None:
    s = _raw(server, "127.0.0.17")
    s.sendall(
        b"POST /api/ask HTTP/1.1\r\nHost: x\r\n"
        + _auth_header()
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
    sent, reply = 0, b""
    s.settimeout(0.0)
    while sent < 200_000_000:
        try:
            reply += s.recv(65536)
            if reply:
                break
        except BlockingIOError:
            pass
        except (ConnectionResetError, BrokenPipeError):
            break
        try:
            sent += s.send(chunk)
        except BlockingIOError:
            time.sleep(0.001)
        except (ConnectionResetError, BrokenPipeError):
            break
    s.settimeout(5)
    try:
        while b"\r\n\r\n" not in reply:
            more = s.recv(65536)
            if not more:
                break
            reply += more
    except OSError:
        pass
    s.close()
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert sent < 8_000_000, f"{sent:,} bytes were read before the 413"


def test_declared_oversized_body_is_refused_before_it_is_sent(server: str) -> None:
    s = _raw(server, "127.0.0.17")
    s.sendall(
        b"POST /api/ask HTTP/1.1\r\nHost: x\r\n"
        + _auth_header()
        + b"Content-Type: application/json\r\nContent-Length: 200000000\r\n\r\n"
    )
    reply = s.recv(65536)
    s.close()
    assert reply.startswith(b"HTTP/1.1 413")
    assert b"application/json" in reply and b"Request body too large" in reply


@pytest.mark.parametrize(
    "start",
    [
        b"GET /api/health HTTP/1.1\r\nHost: x\r\n",  # headers never finish
        b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + _auth_header()
        + b'Content-Length: 100\r\n\r\n{"question',  # body never finishes
        b"",  # connects, says nothing
    ],
    ids=["headers", "body", "silent"],
)
def test_slow_requests_are_cut_off(server: str, start: bytes) -> None:
    s = _raw(server, "127.0.0.18")
    t0 = time.monotonic()
    s.sendall(start)
    s.settimeout(15)
    reply = b""
    try:
        while more := s.recv(65536):
            reply += more
    except (ConnectionResetError, TimeoutError):
        pass
    waited = time.monotonic() - t0
    s.close()
    assert waited < 1.5 + 2.0, f"connection held {waited:.1f} s"
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert b"Request timeout" in reply


def test_client_that_leaves_mid_body_logs_no_traceback(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        s = _raw(server, "127.0.0.19")
        s.sendall(
            b"POST /api/ask HTTP/1.1\r\nHost: x\r\n"
            + _auth_header()
            + b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"quest'
        )
        time.sleep(0.3)
        s.close()
        time.sleep(1.0)
    text = caplog.text
    assert "Exception in ASGI application" not in text and "Traceback" not in text, text
    assert "left before sending its whole request" in text
