"""Load test of the running app with locust: officials asking questions, headless and bounded.

Two kinds of user, each asking questions of ``evals/public.jsonl`` one after the other:

- ``ApiUser``: ``POST /api/ask`` (the JSON API);
- ``UiUser``: the chat's answer event through Gradio's HTTP API (``POST
  /gradio_api/call/ask``, then the event's stream until ``complete``), which goes through
  the same queue as the browser's questions. One sample is the whole answer.

    .venv/bin/locust -f evals/locustfile.py --headless --host http://127.0.0.1:7860 \\
        --users 20 --spawn-rate 20 --run-time 30s --only-summary UiUser

Loopback only unless ``--allow-remote`` (a load test aimed at someone else's server by a
typo is an attack); ``--headless`` and ``--run-time`` are required, users are capped. The
app allows ``NQCDS_SERVER__RATE_LIMIT_PER_MINUTE`` questions per client address, and all
users here share one: raise it on the server for a load test, or the answers beyond it
count as failures ("rate limited"). With login on, pass ``--app-user`` and put the password
in ``LOCUST_APP_PASSWORD`` (never on the command line).
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from locust import HttpUser, constant, events, task

PUBLIC_SET = Path(__file__).resolve().parent / "public.jsonl"
MAX_USERS = 200
MAX_SECONDS = 600
RATE_LIMITED = "Too many questions"
_questions = itertools.cycle(
    [json.loads(line)["question"] for line in PUBLIC_SET.read_text("utf-8").splitlines() if line]
)


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback host")
    parser.add_argument("--app-user", env_var="LOCUST_APP_USER", default="", help="login user")
    parser.add_argument("--app-password", env_var="LOCUST_APP_PASSWORD", default="", is_secret=True)


def is_loopback(url: str) -> bool:
    """True for http(s) URLs whose host is localhost or a loopback address."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _seconds(run_time: object) -> float:
    if isinstance(run_time, int | float):
        return float(run_time)
    from locust.util.timespan import parse_timespan

    return float(parse_timespan(str(run_time))) if run_time else 0.0


@events.init.add_listener
def _bounded(environment, **_kw) -> None:
    """Refuse unbounded or off-host runs before any request is sent."""
    opts = environment.parsed_options
    if opts is None:  # used as a library
        return
    problems = []
    if not opts.headless:
        problems.append("run it --headless")
    seconds = _seconds(opts.run_time)
    if not 0 < seconds <= MAX_SECONDS:
        problems.append(f"give --run-time, at most {MAX_SECONDS}s")
    if not 0 < (opts.num_users or 0) <= MAX_USERS:
        problems.append(f"give --users, at most {MAX_USERS}")
    if not is_loopback(opts.host or "") and not opts.allow_remote:
        problems.append(f"--host {opts.host!r} is not loopback (use --allow-remote if intended)")
    if problems:
        sys.exit("Không chạy / not running: " + "; ".join(problems))


class _Official(HttpUser):
    abstract = True
    wait_time = constant(0)  # each user asks again as soon as it has its answer

    def _credentials(self) -> tuple[str, str] | None:
        opts = self.environment.parsed_options
        return (opts.app_user, opts.app_password) if opts and opts.app_user else None


class ApiUser(_Official):
    """A program asking through ``POST /api/ask``."""

    @task
    def ask(self) -> None:
        with self.client.post(
            "/api/ask",
            json={"question": next(_questions)},
            auth=self._credentials(),
            name="ask (API)",
            timeout=60,
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}: {r.text[:200]}")
            elif not r.json().get("answer"):
                r.failure("no answer in the response")


class UiUser(_Official):
    """An official in the web app: the chat's answer event, one sample per whole answer."""

    def on_start(self) -> None:
        # A plain session: locust records the answer as one sample, not its two requests.
        self.http = requests.Session()
        if creds := self._credentials():
            r = self.http.post(
                f"{self.host}/login", data={"username": creds[0], "password": creds[1]}
            )
            r.raise_for_status()
        info = self.http.get(f"{self.host}/gradio_api/info", timeout=30).json()
        params = info["named_endpoints"]["/ask"]["parameters"]
        # The scope: every document, as the page starts (the checkbox group's default).
        scope = next(p for p in params if p["parameter_name"] != "question")
        self.files = scope["parameter_default"]

    def on_stop(self) -> None:
        self.http.close()

    def _answer(self, question: str) -> int:
        r = self.http.post(
            f"{self.host}/gradio_api/call/ask", json={"data": [question, self.files]}, timeout=60
        )
        r.raise_for_status()
        url = f"{self.host}/gradio_api/call/ask/{r.json()['event_id']}"
        kind, data = None, ""
        with self.http.get(url, stream=True, timeout=60) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    data = line[5:]
                    break
        if kind != "complete":
            raise RuntimeError(f"answer event ended with {kind}: {data[:200]}")
        chat, sources = json.loads(data)[:2]
        if RATE_LIMITED in sources:
            raise RuntimeError("rate limited")
        if not chat:
            raise RuntimeError("no answer in the chat")
        return len(data)

    @task
    def ask(self) -> None:
        start = time.perf_counter()
        length, error = 0, None
        try:
            length = self._answer(next(_questions))
        except Exception as exc:  # every failure is a sample, named by what went wrong
            error = exc
        self.environment.events.request.fire(
            request_type="UI",
            name="ask (web app)",
            response_time=(time.perf_counter() - start) * 1000,
            response_length=length,
            exception=error,
            context={},
        )
