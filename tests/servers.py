"""Real servers for tests, on loopback: ``chroma run``, a throwaway PostgreSQL, the app.

Each starter waits (bounded) until its server answers and returns a handle whose ``stop``
ends it (killed if need be); output goes to a log file in the test's directory (a full
pipe would block the server), and the last lines are shown when it fails to start.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .processes import stop

ROOT = Path(__file__).resolve().parents[1]
CHROMA_BIN = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerFailed(RuntimeError):
    """A server did not come up; the message ends with its log."""


def _tail(log: Path, n: int = 3000) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-n:]
    except OSError:
        return ""


def wait_until(
    ready: Callable[[], bool], proc: subprocess.Popen | None, log: Path, timeout: float, what: str
) -> None:
    """Poll ``ready`` until it is true; fail early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while not ready():
        if proc is not None and proc.poll() is not None:
            raise ServerFailed(f"{what} exited ({proc.returncode}):\n{_tail(log)}")
        if time.monotonic() > deadline:
            raise ServerFailed(f"{what} not ready within {timeout:.0f} s:\n{_tail(log)}")
        time.sleep(0.1)


def _http_ok(url: str) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            return httpx.get(url, timeout=1).status_code < 500
        except httpx.HTTPError:
            return False

    return ready


@dataclass
class Server:
    """A started server process and where it listens."""

    proc: subprocess.Popen
    port: int
    log: Path
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            stop(self.proc)
        for f in self.cleanup:
            f()


def start_chroma(work: Path) -> Server:
    """``chroma run`` with its data under ``work``."""
    port = free_port()
    log = work / "chroma.log"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    cmd = [str(CHROMA_BIN), "run", "--path", str(work / "chroma")]
    cmd += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(proc, port, log)
    try:
        wait_until(_http_ok(f"{server.url}/api/v2/heartbeat"), proc, log, 30, "chroma")
    except BaseException:
        server.stop()
        raise
    return server


def postgres_bin() -> Path | None:
    """The folder of Debian's ``initdb``/``pg_ctl`` (not on PATH there), or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


@dataclass
class Postgres(Server):
    """A throwaway cluster; ``url`` is the SQLAlchemy URL of its ``nqcds`` database."""

    database_url: str = ""


def start_postgres() -> Postgres:
    """initdb + pg_ctl in a fresh temporary folder, loopback TCP only, no fsync (throwaway).

    PostgreSQL refuses to run as root: as root, the cluster runs as the ``postgres`` user
    that Debian's package creates (its folder is made outside pytest's root-only tmp).
    """
    bindir = postgres_bin()
    if bindir is None:
        raise FileNotFoundError("initdb not found: apt-get install -y postgresql")
    as_user: dict = {}
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise FileNotFoundError("running as root and no 'postgres' user exists") from exc
        as_user = {"user": pw.pw_uid, "group": pw.pw_gid}
    work = Path(tempfile.mkdtemp(prefix="nqcds-pg-"))
    if as_user:
        os.chown(work, as_user["user"], as_user["group"])
    data, log = work / "data", work / "server.log"
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "nqcds", "--auth=trust"]
        + ["-E", "UTF8", "--no-sync", "--locale=C.UTF-8"],
        check=True,
        capture_output=True,
        env=env,
        cwd=work,
        timeout=120,
        **as_user,
    )
    opts = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    # The postmaster outlives pg_ctl: it is stopped with pg_ctl below, not as a child.
    starter = subprocess.Popen(
        [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w", "start"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=work,
        **as_user,
    )

    def shutdown() -> None:
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            env=env,
            cwd=work,
            timeout=60,
            check=False,
            **as_user,
        )
        shutil.rmtree(work, ignore_errors=True)

    server = Postgres(starter, port, log, [shutdown])
    try:
        if starter.wait(timeout=60) != 0:
            raise ServerFailed(f"pg_ctl start failed:\n{_tail(log)}")
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=port, user="nqcds", dbname="postgres", autocommit=True
        ) as con:
            con.execute("CREATE DATABASE nqcds")
    except BaseException:
        server.stop()
        raise
    server.database_url = f"postgresql+psycopg://nqcds@127.0.0.1:{port}/nqcds"
    return server


def app_env(**settings: str) -> dict[str, str]:
    """The environment of an app or ingest subprocess: offline, one torch thread, and
    ``NQCDS_*`` variables from ``settings`` (``state__database_url`` → NQCDS_STATE__…)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NQCDS_")}
    env.update(
        HF_HUB_OFFLINE="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
        ANONYMIZED_TELEMETRY="False",
        TOKENIZERS_PARALLELISM="false",
        NQCDS_EMBEDDING__THREADS="1",
    )
    env.update({f"NQCDS_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def launch_app(work: Path, env: dict[str, str], name: str = "app") -> Server:
    """``python app.py`` on a free loopback port, not waited for (see :func:`wait_ready`)."""
    port = free_port()
    log = work / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=ROOT,
            env={**env, "NQCDS_SERVER__PORT": str(port), "NQCDS_SERVER__HOST": "127.0.0.1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Server(proc, port, log)


def wait_ready(app: Server, timeout: float = 300) -> None:
    """Until the app answers HTTP (``/v1/models``: 200 even while there is no index)."""
    wait_until(_http_ok(f"{app.url}/v1/models"), app.proc, app.log, timeout, app.log.stem)


@contextmanager
def serving(app) -> Iterator[str]:
    """An ASGI app served by uvicorn in a thread on a free loopback port; yields its URL."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:  # bounded wait
            assert th.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        th.join(timeout=15)
