"""Load test of the running app with locust: officials asking questions, headless and bounded.

Two kinds of user, each asking questions of ``evals/public.jsonl`` one after the other:

- ``ApiUser``: ``POST /api/ask`` (the JSON API);
- ``UiUser``: the chat's answer event through Gradio's HTTP API, as the browser sends it
  (``/gradio_api/queue/join``, then the session's event stream until the answer is
  complete), five questions per page. One sample is the whole answer.

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
import uuid
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
    parser.add_argument(
        "--ui-endpoint", default="ask", help="api_name of the chat's answer event (UiUser)"
    )


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
    """An official in the web app: the chat's answer event, one sample per whole answer.

    Spoken as the browser speaks it: ``POST /gradio_api/queue/join`` for the question (the
    same queue and handler as the page's "Gửi" button), then the session's
    ``/gradio_api/queue/data`` stream until the event completes. Each simulated page asks
    ``QUESTIONS_PER_PAGE`` questions in one conversation, then a new page (session) starts.
    """

    QUESTIONS_PER_PAGE = 5

    def on_start(self) -> None:
        # A plain session: locust records the answer as one sample, not its requests.
        self.http = requests.Session()
        if creds := self._credentials():
            r = self.http.post(
                f"{self.host}/login", data={"username": creds[0], "password": creds[1]}
            )
            r.raise_for_status()
        config = self.http.get(f"{self.host}/config", timeout=30).json()
        components = {c["id"]: c for c in config["components"]}
        name = self.environment.parsed_options.ui_endpoint
        ask = next(d for d in config["dependencies"] if d.get("api_name") == name)
        self.fn_index, self.trigger = ask["id"], ask["targets"][0][0]
        # What the page sends: the question box, the conversation state (kept on the
        # server, sent as null), the search scope as the page starts (every document).
        self.inputs = [
            (components[i]["type"], components[i].get("props", {}).get("value"))
            for i in ask["inputs"]
        ]
        self.asked = 0

    def on_stop(self) -> None:
        self.http.close()

    def _answer(self, question: str) -> int:
        if self.asked % self.QUESTIONS_PER_PAGE == 0:
            self.session = uuid.uuid4().hex[:11]  # a new page: a new conversation
        self.asked += 1
        data = [
            question if kind == "textbox" else None if kind == "state" else value
            for kind, value in self.inputs
        ]
        r = self.http.post(
            f"{self.host}/gradio_api/queue/join",
            json={
                "data": data,
                "fn_index": self.fn_index,
                "trigger_id": self.trigger,
                "session_hash": self.session,
                "event_data": None,
            },
            timeout=60,
        )
        r.raise_for_status()
        event = r.json()["event_id"]
        url = f"{self.host}/gradio_api/queue/data?session_hash={self.session}"
        with self.http.get(url, stream=True, timeout=60) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") == event and msg.get("msg") == "process_completed":
                    break
            else:
                raise RuntimeError("the event stream ended before the answer")
        if not msg.get("success"):
            raise RuntimeError(f"answer failed: {str(msg.get('output'))[:200]}")
        text = json.dumps(msg.get("output"), ensure_ascii=False)
        if RATE_LIMITED in text:
            raise RuntimeError("rate limited")
        return len(text)

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
