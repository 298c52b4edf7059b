"""Sizing of one app replica: answers per second per core on the JSON API and through the
web UI, and the memory the replica holds, measured against a real ``python app.py``.

    python -m evals.sizing --cores 1 --users 8 --seconds 20

The app is started as the environment configures it (``NQCDS_*``: the embedded index, or
a Chroma server and PostgreSQL as in a multi-replica deployment) on a free loopback port,
pinned to ``--cores`` CPUs with ``NQCDS_SERVER__CONCURRENCY`` = cores and the rate limit
off. For each path, after a warm-up, ``--users`` concurrent clients ask the public
evaluation questions round-robin for ``--seconds``:

* ``api``: ``POST /api/ask`` (what programs, the OpenAI route and the MCP server cost);
* ``ui``: the chat's own event (``/respond`` through Gradio's queue, with its streamed
  steps), driven by ``gradio_client`` the way a browser tab drives it.

Prints answers/s, answers/s per core, latency p50/p95 and the replica's resident memory
(after start, peak under load); ``--json`` prints the same as JSON. Everything is bounded
and on 127.0.0.1; the app is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_SET = Path(__file__).resolve().parent / "public.jsonl"


def questions(path: Path = PUBLIC_SET) -> list[str]:
    """The public evaluation set's questions, in file order."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line)["question"])
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PathResult:
    """One path's run: answers, errors, latencies, seconds."""

    path: str
    users: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def as_dict(self, cores: int) -> dict[str, Any]:
        lat = sorted(self.latencies)
        rate = len(lat) / self.seconds if self.seconds else 0.0

        def pct(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))], 3) if lat else None

        return {
            "path": self.path,
            "users": self.users,
            "answers": len(lat),
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "answers_per_s": round(rate, 2),
            "answers_per_s_per_core": round(rate / cores, 2),
            "p50_s": pct(50),
            "p95_s": pct(95),
        }


class App:
    """``python app.py`` pinned to some CPUs, on a free loopback port."""

    def __init__(self, cores: int, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cpus = sorted(os.sched_getaffinity(0))[:cores]
        env = {
            **os.environ,
            "NQCDS_SERVER__HOST": "127.0.0.1",
            "NQCDS_SERVER__PORT": str(self.port),
            "NQCDS_SERVER__CONCURRENCY": str(cores),
            "NQCDS_SERVER__RATE_LIMIT_PER_MINUTE": "0",
            "NQCDS_EMBEDDING__THREADS": str(cores),
        }
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "app.py"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: os.sched_setaffinity(0, cpus),
            )
        self.ps = psutil.Process(self.proc.pid)
        self.peak = 0

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the app exited; see its log")
            try:
                r = httpx.get(f"{self.url}/api/health", timeout=60)
                if r.status_code == 200:
                    return
                if r.status_code == 503:
                    raise RuntimeError(f"the app has no index: {r.json().get('detail')}")
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the app did not answer in time")

    def rss(self) -> int:
        rss = self.ps.memory_info().rss
        self.peak = max(self.peak, rss)
        return rss

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)


def _api_asker(url: str, timeout: float):
    client = httpx.Client(timeout=timeout)

    def ask(q: str) -> bool:
        r = client.post(f"{url}/api/ask", json={"question": q})
        return r.status_code == 200 and bool(r.json().get("answer"))

    return ask


def _ui_asker(url: str, timeout: float):
    from gradio_client import Client

    cfg = httpx.get(f"{url}/config", timeout=timeout).json()
    scope = next(
        c["props"]["value"]
        for c in cfg["components"]
        if c.get("props", {}).get("elem_id") == "nq-scope"
    )
    client = Client(url, verbose=False)

    def ask(q: str) -> bool:
        out = client.predict(q, scope, api_name="/respond")
        return bool(out and out[0])

    return ask


def run_path(app: App, path: str, users: int, seconds: float, warmup: float) -> PathResult:
    """``users`` clients asking without pause for ``warmup`` + ``seconds``; the warm-up's
    answers are not counted."""
    qs = questions()
    make = _api_asker if path == "api" else _ui_asker
    askers = [make(app.url, 120) for _ in range(users)]
    result = PathResult(path, users)
    lock = threading.Lock()
    t_start = time.monotonic() + warmup
    t_end = t_start + seconds

    def user(u: int) -> None:
        i = u
        while time.monotonic() < t_end:
            t = time.monotonic()
            try:
                ok = askers[u](qs[i % len(qs)])
            except Exception:
                ok = False
            done = time.monotonic()
            i += users
            if t >= t_start and done <= t_end:
                with lock:
                    if ok:
                        result.latencies.append(done - t)
                    else:
                        result.errors += 1

    threads = [threading.Thread(target=user, args=(u,), daemon=True) for u in range(users)]
    for th in threads:
        th.start()
    while any(th.is_alive() for th in threads):
        app.rss()
        time.sleep(0.5)
    result.seconds = seconds
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.sizing", description=__doc__)
    p.add_argument("--cores", type=int, default=1, help="CPUs the app may use (1)")
    p.add_argument("--users", type=int, default=8, help="concurrent clients per path (8)")
    p.add_argument("--seconds", type=float, default=20.0, help="measured seconds per path")
    p.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    p.add_argument("--paths", default="api,ui", help="api, ui or both (api,ui)")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args(argv)
    paths = [x for x in args.paths.split(",") if x]
    available = len(os.sched_getaffinity(0))
    if (
        not 1 <= args.cores <= available
        or not 1 <= args.users <= 200
        or set(paths)
        - {
            "api",
            "ui",
        }
    ):
        print(f"--cores 1..{available}, --users 1..200, --paths api,ui", file=sys.stderr)
        return 2
    log = Path(tempfile.gettempdir()) / f"nqcds-sizing-{os.getpid()}.log"
    app = App(args.cores, log)
    try:
        app.wait(300)
        idle = app.rss()
        results = [run_path(app, x, args.users, args.seconds, args.warmup) for x in paths]
        report = {
            "cores": args.cores,
            "rss_after_start_mib": round(idle / 2**20),
            "rss_peak_mib": round(app.peak / 2**20),
            "paths": [r.as_dict(args.cores) for r in results],
        }
    finally:
        app.stop()
    print(f"(app log: {log})", file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"Replica pinned to {args.cores} core(s): resident memory "
        f"{report['rss_after_start_mib']} MiB after start, {report['rss_peak_mib']} MiB peak"
    )
    for r in report["paths"]:
        print(
            f"  {r['path']:>3}: {r['answers_per_s']:.1f} answers/s "
            f"({r['answers_per_s_per_core']:.1f} per core) with {r['users']} users, "
            f"p50 {r['p50_s']} s, p95 {r['p95_s']} s, {r['answers']} answers, "
            f"{r['errors']} errors in {r['seconds']:.0f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
