"""Load test of the running app's HTTP API: N concurrent users × M questions each.

    python -m evals.loadtest --url http://127.0.0.1:7860 --users 20 --questions 5 --timeout 30

Each simulated user is a thread with its own HTTP connection, asking its questions one
after the other (``POST /api/ask`` with ``{"question": ...}``); questions come from
``evals/public.jsonl`` round-robin, so users ask different things at the same moment.
Prints throughput, latency percentiles and errors by kind; ``--json`` prints the same as
JSON. Exit code 0 when every request got a JSON answer, 1 otherwise, 2 on bad arguments.

Loopback only unless ``--allow-remote``: a load test aimed at someone else's server by a
typo is an attack. Everything is bounded: users, questions, per-request timeout, and the
overall ``--max-seconds`` after which no new request starts. The app limits each client
to ``NQCDS_SERVER__RATE_LIMIT_PER_MINUTE`` requests (60 by default) and all users here
share one address: raise it on the server for a load test, or the 429s are counted as
``rate_limited``. With login enabled, pass ``--user`` and put the password in the
``NQCDS_LOADTEST_PASSWORD`` environment variable (never on the command line).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

PUBLIC_SET = Path(__file__).resolve().parent / "public.jsonl"
MAX_USERS = 200
MAX_QUESTIONS = 1000


@dataclass
class Result:
    """One request: how long it took and how it ended (``ok`` or an error kind)."""

    user: int
    seconds: float
    outcome: str


@dataclass
class Report:
    """The aggregate of a run."""

    url: str
    users: int
    questions_per_user: int
    wall_seconds: float
    results: list[Result] = field(default_factory=list)

    @property
    def ok(self) -> list[float]:
        return sorted(r.seconds for r in self.results if r.outcome == "ok")

    @property
    def errors(self) -> Counter[str]:
        return Counter(r.outcome for r in self.results if r.outcome != "ok")

    @property
    def not_started(self) -> int:
        """Requests never sent because ``--max-seconds`` ran out."""
        return self.users * self.questions_per_user - len(self.results)

    def as_dict(self) -> dict[str, Any]:
        ok = self.ok
        n = len(self.results)
        return {
            "url": self.url,
            "users": self.users,
            "questions_per_user": self.questions_per_user,
            "requests": n,
            "succeeded": len(ok),
            "errors": sum(self.errors.values()),
            "errors_by_kind": dict(self.errors),
            "not_started": self.not_started,
            "wall_seconds": round(self.wall_seconds, 3),
            "throughput_rps": round(len(ok) / self.wall_seconds, 3) if self.wall_seconds else 0.0,
            "latency_s": {
                "p50": _pct(ok, 50),
                "p95": _pct(ok, 95),
                "p99": _pct(ok, 99),
                "mean": round(sum(ok) / len(ok), 3) if ok else None,
                "max": round(ok[-1], 3) if ok else None,
            },
        }

    def render(self) -> str:
        d = self.as_dict()
        lat = d["latency_s"]

        def fmt(x: float | None) -> str:
            return "—" if x is None else f"{x:.3f} s"

        lines = [
            f"Load test of {d['url']}: {d['users']} users × {d['questions_per_user']} questions",
            f"  requests: {d['requests']} · succeeded: {d['succeeded']} · errors: {d['errors']}"
            f" · not started (time bound): {d['not_started']}"
            f" · wall time: {d['wall_seconds']:.2f} s",
            f"  throughput: {d['throughput_rps']:.2f} req/s (successful answers)",
            f"  latency: p50 {fmt(lat['p50'])} · p95 {fmt(lat['p95'])} · p99 {fmt(lat['p99'])}"
            f" · mean {fmt(lat['mean'])} · max {fmt(lat['max'])}",
        ]
        lines += [f"  error {kind}: {count}" for kind, count in sorted(d["errors_by_kind"].items())]
        return "\n".join(lines)


def _pct(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (the value at or below which p % of requests fall)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return round(sorted_values[rank - 1], 3)


def is_loopback(url: str) -> bool:
    """True when the URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: not resolved on purpose (DNS could say anything)
        return False


def load_questions(path: Path = PUBLIC_SET) -> list[str]:
    """The questions of the public evaluation set, in file order."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line).get("question")
            if isinstance(q, str) and q.strip():
                out.append(q)
    if not out:
        raise ValueError(f"no question in {path}")
    return out


def classify(resp: httpx.Response) -> str:
    """``ok`` for a JSON Answer, else a short error kind."""
    if resp.status_code == 429:
        return "rate_limited"
    if resp.status_code != 200:
        return f"http_{resp.status_code}"
    try:
        body = resp.json()
    except ValueError:
        return "invalid_json"
    if not isinstance(body, dict) or not isinstance(body.get("answer"), str):
        return "not_an_answer"
    return "ok"


def run(
    url: str,
    users: int,
    questions: int,
    timeout: float,
    *,
    question_bank: list[str] | None = None,
    max_seconds: float = 600.0,
    auth: tuple[str, str] | None = None,
) -> Report:
    """Send ``users`` × ``questions`` requests to ``url``/api/ask and collect the results."""
    bank = question_bank or load_questions()
    endpoint = url.rstrip("/") + "/api/ask"
    results: list[Result] = []
    lock = threading.Lock()
    start = threading.Barrier(users)  # every user starts at the same moment
    deadline = [0.0]

    def user(u: int) -> None:
        with httpx.Client(timeout=timeout, auth=auth, trust_env=False) as client:
            try:
                start.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            for j in range(questions):
                if time.monotonic() > deadline[0]:
                    break  # the run is over: no new request
                q = bank[(u * questions + j) % len(bank)]
                t = time.perf_counter()
                try:
                    outcome = classify(client.post(endpoint, json={"question": q}))
                except httpx.TimeoutException:
                    outcome = "timeout"
                except httpx.TransportError as exc:
                    outcome = f"connection_error:{type(exc).__name__}"
                with lock:
                    results.append(Result(u, time.perf_counter() - t, outcome))

    threads = [threading.Thread(target=user, args=(u,), daemon=True) for u in range(users)]
    t0 = time.perf_counter()
    deadline[0] = time.monotonic() + max_seconds
    for th in threads:
        th.start()
    for th in threads:
        # A request started before the deadline may still take up to `timeout`.
        th.join(timeout=max(0.0, deadline[0] - time.monotonic()) + timeout + 5)
    wall = time.perf_counter() - t0
    with lock:
        done = list(results)
    return Report(url, users, questions, wall, done)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evals.loadtest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default="http://127.0.0.1:7860", help="the running app")
    parser.add_argument("--users", type=int, default=20, help=f"concurrent users (≤ {MAX_USERS})")
    parser.add_argument(
        "--questions", type=int, default=5, help=f"questions per user (≤ {MAX_QUESTIONS})"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument(
        "--max-seconds", type=float, default=600.0, help="no new request after this many seconds"
    )
    parser.add_argument(
        "--questions-file",
        type=Path,
        default=PUBLIC_SET,
        help="JSONL with a 'question' field per line",
    )
    parser.add_argument(
        "--user", default=None, help="login user (password from NQCDS_LOADTEST_PASSWORD)"
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a host other than this machine"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)

    if urlsplit(args.url).scheme not in ("http", "https") or not urlsplit(args.url).hostname:
        print(f"--url must be http(s)://host:port, got {args.url!r}", file=sys.stderr)
        return 2
    if not is_loopback(args.url) and not args.allow_remote:
        print(
            f"refusing to load-test {args.url}: not a loopback address "
            "(pass --allow-remote if you own that server)",
            file=sys.stderr,
        )
        return 2
    if not (1 <= args.users <= MAX_USERS and 1 <= args.questions <= MAX_QUESTIONS):
        print(f"--users must be 1..{MAX_USERS} and --questions 1..{MAX_QUESTIONS}", file=sys.stderr)
        return 2
    if not (0 < args.timeout <= 600 and 0 < args.max_seconds <= 3600):
        print("--timeout must be in (0, 600] and --max-seconds in (0, 3600]", file=sys.stderr)
        return 2
    auth = None
    if args.user:
        password = os.environ.get("NQCDS_LOADTEST_PASSWORD")
        if not password:
            print("--user needs the password in NQCDS_LOADTEST_PASSWORD", file=sys.stderr)
            return 2
        auth = (args.user, password)

    report = run(
        args.url,
        args.users,
        args.questions,
        args.timeout,
        question_bank=load_questions(args.questions_file),
        max_seconds=args.max_seconds,
        auth=auth,
    )
    print(
        json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if args.json else report.render()
    )
    return 0 if report.results and not report.errors and not report.not_started else 1


if __name__ == "__main__":
    sys.exit(main())
