"""``evals/locustfile.py`` run by locust for a few seconds against the real app (issue 14, 15).

The app (``create_server`` over the session index, served by uvicorn with the configuration
of ``python app.py``) runs in a thread on a free loopback port, rate limit raised since all
simulated users share 127.0.0.1; locust runs headless in its own process, as users run it.
"""

from __future__ import annotations

import csv
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

import app as webapp
from assistant.web.server import uvicorn_config
from kernel.settings import ServerSettings

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = ROOT / "evals" / "locustfile.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(index_settings, assistant) -> Iterator[str]:
    values = {
        **index_settings.server.model_dump(),
        "port": _free_port(),
        "rate_limit_per_minute": 100_000,
    }
    settings = index_settings.model_copy(update={"server": ServerSettings.model_validate(values)})
    app, _ = webapp.create_server(settings, assistant)
    srv = uvicorn.Server(uvicorn_config(app, settings, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        assert th.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{settings.server.port}"
    srv.should_exit = True
    th.join(timeout=15)


def _locust(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_locust_drives_the_api_and_the_web_app(base_url: str, tmp_path: Path) -> None:
    prefix = tmp_path / "run"
    done = _locust(
        "--headless",
        "--host",
        base_url,
        "--users",
        "4",
        "--spawn-rate",
        "4",
        "--run-time",
        "4s",
        "--only-summary",
        "--csv",
        str(prefix),
        "ApiUser",
        "UiUser",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {r["Name"]: r for r in csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8"))}
    for name in ("ask (API)", "ask (web app)"):
        row = rows[name]
        assert int(row["Request Count"]) > 0 and int(row["Failure Count"]) == 0, row
        assert 0 < float(row["50%"]) <= float(row["95%"]) < 30_000, row
    assert "Response time percentiles" in done.stdout + done.stderr  # the printed summary


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--host", "http://192.0.2.10:7860", "-u", "2", "-t", "2s"], "not loopback"),
        (["--host", "http://127.0.0.1:9", "-u", "2"], "--run-time"),
        (["--host", "http://127.0.0.1:9", "-u", "500", "-t", "2s"], "--users"),
    ],
    ids=["remote", "unbounded", "too-many-users"],
)
def test_unbounded_or_remote_runs_are_refused(args: list[str], why: str) -> None:
    t0 = time.monotonic()
    done = _locust("--headless", *args, "ApiUser", timeout=60)
    assert done.returncode != 0 and why in done.stderr, done.stderr[-2000:]
    assert "not running" in done.stderr
    assert time.monotonic() - t0 < 30  # refused at start, no request sent
