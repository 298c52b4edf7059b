"""``python -m evals.loadtest`` against real HTTP servers on 127.0.0.1.

Two servers, each uvicorn in a thread on a free loopback port: the app's real API router
(``assistant.web.api.build_api`` over the session index, no Gradio) for the numbers, and a tiny
stand-in whose replies are chosen by the question, for the error accounting.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from assistant.chain import Assistant
from evals import loadtest
from kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve() -> Iterator:
    """Start FastAPI apps on free loopback ports; every one is stopped after the test."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: FastAPI) -> str:
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        th = threading.Thread(target=server.run, daemon=True)
        th.start()
        servers.append((server, th))
        deadline = time.monotonic() + 15
        while not server.started:  # bounded wait
            assert th.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return f"http://127.0.0.1:{port}"

    yield start
    for server, _ in servers:
        server.should_exit = True
    for _, th in servers:
        th.join(timeout=10)
        assert not th.is_alive()


def _stand_in() -> FastAPI:
    """An /api/ask whose behaviour is named by the question."""
    app = FastAPI()

    @app.post("/api/ask")
    async def ask(request: Request):
        q = (await request.json())["question"]
        if q == "slow":
            await asyncio.sleep(3)
        if q == "boom":
            return JSONResponse({"detail": "boom"}, status_code=500)
        if q == "busy":
            return JSONResponse({"detail": "later"}, status_code=429)
        if q == "garbage":
            return PlainTextResponse("not json{")
        if q == "shape":
            return JSONResponse([1, 2, 3])
        await asyncio.sleep(0.01)
        return JSONResponse({"question": q, "answer": f"trả lời: {q}", "citations": []})

    return app


def test_errors_are_counted_by_kind(serve) -> None:
    url = serve(_stand_in())
    bank = ["ok", "slow", "boom", "busy", "garbage", "shape"]
    # 6 users × 1 question: user u asks bank[u], all at the same moment.
    report = loadtest.run(url, users=6, questions=1, timeout=1.0, question_bank=bank)
    d = report.as_dict()
    assert d["requests"] == 6 and d["succeeded"] == 1
    assert d["errors_by_kind"] == {
        "timeout": 1,
        "http_500": 1,
        "rate_limited": 1,
        "invalid_json": 1,
        "not_an_answer": 1,
    }
    assert report.wall_seconds < 1.0 + 3  # the slow reply was cut at the timeout
    assert d["latency_s"]["p50"] is not None and d["throughput_rps"] > 0


def test_round_robin_and_concurrency(serve) -> None:
    url = serve(_stand_in())
    bank = ["ok"] * 7
    report = loadtest.run(url, users=10, questions=3, timeout=5, question_bank=bank)
    assert len(report.results) == 30 and not report.errors
    assert sorted({r.user for r in report.results}) == list(range(10))
    assert report.as_dict()["throughput_rps"] > 5


def test_time_bound_stops_new_requests(serve) -> None:
    url = serve(_stand_in())
    t = time.perf_counter()
    report = loadtest.run(
        url, users=2, questions=50, timeout=5, question_bank=["slow"], max_seconds=1.0
    )
    assert time.perf_counter() - t < 1.0 + 5 + 2
    # Each user's first request (3 s) outlives the 1 s bound; nothing is sent after it.
    assert len(report.results) == 2 and report.not_started == 98


def test_percentiles() -> None:
    values = sorted(float(i) for i in range(1, 101))
    assert (loadtest._pct(values, 50), loadtest._pct(values, 95), loadtest._pct(values, 99)) == (
        50.0,
        95.0,
        99.0,
    )
    assert loadtest._pct([], 50) is None
    assert loadtest._pct([2.0], 99) == 2.0


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:7860", True),
        ("http://localhost:7860", True),
        ("http://127.5.6.7:80", True),
        ("http://[::1]:7860", True),
        ("http://0.0.0.0:7860", False),
        ("http://10.0.0.5:7860", False),
        ("http://192.168.1.10:7860", False),
        ("http://example.com", False),
        ("http://localhost.example.com:7860", False),
        ("http://127.0.0.1.nip.io:7860", False),
    ],
)
def test_loopback_guard(url: str, loopback: bool) -> None:
    assert loadtest.is_loopback(url) is loopback


def test_cli_refuses_remote_and_bad_arguments(capsys) -> None:
    assert loadtest.main(["--url", "http://10.0.0.5:7860", "--users", "1"]) == 2
    assert "refusing" in capsys.readouterr().err
    assert loadtest.main(["--url", "ftp://127.0.0.1/x"]) == 2
    assert loadtest.main(["--users", "100000"]) == 2
    assert loadtest.main(["--questions", "0"]) == 2
    assert loadtest.main(["--timeout", "-1"]) == 2


def _real_api(settings: Settings, assistant: Assistant, rate_limit: int) -> FastAPI:
    from assistant.service import AssistantService
    from assistant.web.api import build_api

    s = settings.model_copy(
        update={
            "server": settings.server.model_copy(
                update={"rate_limit_per_minute": rate_limit, "concurrency": 2}
            )
        }
    )
    app = FastAPI()
    app.include_router(build_api(s, AssistantService(s, assistant)))
    return app


def test_cli_against_the_real_api(serve, index_settings: Settings, assistant: Assistant) -> None:
    """The real ``POST /api/ask`` over the session index, driven by the CLI in a subprocess."""
    url = serve(_real_api(index_settings, assistant, rate_limit=1000))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals.loadtest",
            "--url",
            url,
            "--users",
            "4",
            "--questions",
            "3",
            "--timeout",
            "30",
            "--max-seconds",
            "60",
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    d = json.loads(proc.stdout)
    assert d["requests"] == 12 and d["succeeded"] == 12 and d["errors"] == 0
    lat = d["latency_s"]
    assert 0 < lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"] < 30
    print(
        f"\nreal API, 4 users × 3 questions: {d['throughput_rps']} req/s, "
        f"p50 {lat['p50']} s, p95 {lat['p95']} s, p99 {lat['p99']} s"
    )


def test_rate_limit_shows_up_as_rate_limited(
    serve, index_settings: Settings, assistant: Assistant
) -> None:
    url = serve(_real_api(index_settings, assistant, rate_limit=2))
    report = loadtest.run(
        url,
        users=2,
        questions=2,
        timeout=30,
        question_bank=["Hải Dương có bao nhiêu doanh nghiệp công nghệ số?"],
    )
    assert len(report.ok) == 2 and report.errors == {"rate_limited": 2}
