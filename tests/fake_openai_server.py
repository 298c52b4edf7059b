"""A scripted stand-in for an OpenAI-compatible server (vLLM, llama.cpp, Ollama), for tests.

It is a real HTTP server speaking the real protocol (``POST /v1/chat/completions``,
``GET /v1/models``), so the assistant's real client code is exercised end to end. The
reply to each request is chosen by the first rule of a JSON script whose ``match``
substring occurs in the question (the text after the last ``Câu hỏi:`` of the last user
message, or the whole message), case-insensitively::

    {"rules": [
        {"match": "doanh nghiệp", "reply": "Trên 1.000 doanh nghiệp [1]."},
        {"match": "chậm", "reply": "…", "delay_s": 5},
        {"match": "rác", "status": 200, "body": "not json{"},
        {"match": "lỗi", "status": 500, "body": "{\"error\": \"boom\"}"},
        {"match": "nhỏ giọt", "reply": "…", "trickle_s": 0.3}
     ],
     "default": {"reply": "Không tìm thấy thông tin này trong các văn bản hiện có."}}

Rule fields: ``reply`` (assistant message content; ``null`` sends a null content),
``delay_s`` (sleep before answering), ``status`` (HTTP status), ``body`` (raw body sent
instead of a chat completion), ``trickle_s`` (send the body one byte at a time with this
pause, i.e. a server that keeps the connection alive but never finishes in time),
``echo_auth`` (put the received Authorization header in an error body, like a chatty proxy).

Run: ``python tests/fake_openai_server.py --port N --script FILE [--log FILE]``. With
``--log`` every request is appended as a JSON line (path, model, question, whether an
Authorization header came) so tests can check what the client sent. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

QUESTION_MARK = "Câu hỏi:"


def question_of(body: dict[str, Any]) -> str:
    """The user's question inside a chat request (what the rules match against)."""
    msgs = body.get("messages") or []
    users = [m for m in msgs if isinstance(m, dict) and m.get("role") == "user"]
    content = users[-1].get("content", "") if users else ""
    if isinstance(content, list):  # content parts
        content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    content = str(content)
    return content.rsplit(QUESTION_MARK, 1)[-1].strip() if QUESTION_MARK in content else content


def pick_rule(script: dict[str, Any], question: str) -> dict[str, Any]:
    """The first rule whose ``match`` occurs in the question, else the default rule."""
    q = question.casefold()
    for rule in script.get("rules", []):
        if str(rule.get("match", "")).casefold() in q:
            return rule
    return script.get("default") or {"reply": "OK"}


def completion(reply: str | None, model: str) -> dict[str, Any]:
    """A non-streaming chat.completion object."""
    return {
        "id": f"chatcmpl-fake-{time.time_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


class Handler(BaseHTTPRequestHandler):
    """Serves the two endpoints the OpenAI client uses; everything else is a 404."""

    server_version = "FakeOpenAI/1.0"
    protocol_version = "HTTP/1.1"  # keep-alive, like real servers (the client pools connections)

    # set on the class by main()
    script: dict[str, Any] = {}
    log_path: Path | None = None
    lock = threading.Lock()

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet: tests read --log instead
        pass

    def _send(self, status: int, body: bytes, trickle_s: float = 0.0) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            if trickle_s > 0:
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(trickle_s)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout): that is what the slow rules are for

    def _record(self, entry: dict[str, Any]) -> None:
        if self.log_path is None:
            return
        with self.lock, self.log_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if self.path.rstrip("/").endswith("/models"):
            data = {
                "object": "list",
                "data": [
                    {"id": "fake-model", "object": "model", "created": 0, "owned_by": "tests"}
                ],
            }
            self._send(200, json.dumps(data).encode())
        else:
            self._send(404, b'{"error": "not found"}')

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, b'{"error": "not found"}')
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, b'{"error": "bad json"}')
            return
        question = question_of(body)
        rule = pick_rule(self.script, question)
        self._record(
            {
                "path": self.path,
                "model": body.get("model"),
                "question": question,
                "n_messages": len(body.get("messages") or []),
                "user_content": (body.get("messages") or [{}])[-1].get("content", ""),
                "authorization_sent": bool(self.headers.get("Authorization")),
                "rule": rule.get("match", "<default>"),
            }
        )
        if rule.get("delay_s"):
            time.sleep(float(rule["delay_s"]))
        status = int(rule.get("status", 200))
        if rule.get("echo_auth"):
            payload = json.dumps(
                {
                    "error": {
                        "message": "upstream failed for request with "
                        f"Authorization: {self.headers.get('Authorization')}"
                    }
                }
            )
        elif "body" in rule:
            payload = str(rule["body"])
        else:
            payload = json.dumps(
                completion(rule.get("reply"), str(body.get("model", ""))), ensure_ascii=False
            )
        self._send(status, payload.encode("utf-8"), float(rule.get("trickle_s", 0)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Scripted fake OpenAI-compatible server")
    parser.add_argument("--port", type=int, required=True, help="0 = any free port")
    parser.add_argument("--script", type=Path, required=True, help="JSON rules file")
    parser.add_argument("--log", type=Path, default=None, help="append requests as JSON lines")
    args = parser.parse_args(argv)
    Handler.script = json.loads(args.script.read_text(encoding="utf-8"))
    Handler.log_path = args.log
    # Loopback only: this is a test double, never something to expose.
    httpd = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    httpd.daemon_threads = True  # slow replies must not keep the process alive on shutdown
    print(f"listening on 127.0.0.1:{httpd.server_address[1]}", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


# -- for tests: run it as a subprocess -----------------------------------------------------


def free_port() -> int:
    """A port nothing listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class FakeServer:
    """A running fake server: its base URL and its request log."""

    port: int
    log_path: Path
    proc: subprocess.Popen

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def requests(self) -> list[dict[str, Any]]:
        """Every request received so far, oldest first."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


@contextlib.contextmanager
def running(
    script: dict[str, Any], workdir: Path, start_timeout_s: float = 15.0
) -> Iterator[FakeServer]:
    """Start the server on a free loopback port, wait until it answers, always stop it."""
    workdir.mkdir(parents=True, exist_ok=True)
    script_path, log_path = workdir / "llm_script.json", workdir / "llm_requests.jsonl"
    script_path.write_text(json.dumps(script, ensure_ascii=False), encoding="utf-8")
    port = free_port()
    # stderr goes to a file, not a pipe: a pipe nobody reads could fill up and block it.
    err_path = workdir / "llm_server.stderr"
    with err_path.open("wb") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--port",
                str(port),
                "--script",
                str(script_path),
                "--log",
                str(log_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:  # bounded wait for GET /v1/models
            if proc.poll() is not None:
                raise RuntimeError(f"fake server exited: {err_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("fake OpenAI server did not start") from None
                time.sleep(0.05)
        yield FakeServer(port, log_path, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
