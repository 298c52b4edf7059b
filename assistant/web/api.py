"""HTTP API for programs, mounted beside the web app.

``POST /api/ask`` takes ``{"question": str, "history": [...]?, "filters": {...}?}`` and
returns the :class:`~assistant.types.Answer` as JSON; ``GET /api/health`` says whether the
index is loaded. Requests are limited per client address, validated before they reach the
assistant (a bad body is a 4xx with a message, never a 500), and protected by the same
username/password as the web app when those are set (HTTP Basic, or a Bearer token
``user:password``). :class:`Guard` is shared with the OpenAI-compatible routes (``/v1``).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assistant.chain import clean_question
from assistant.service import AssistantService, friendly_error
from kernel.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000  # bytes; a question is at most a few thousand characters
MAX_HISTORY = 100  # messages


def _error(status: int, vi: str, en: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": f"{vi} / {en}"}, status_code=status, headers=headers)


class RateLimiter:
    """At most ``per_minute`` requests per key in any sliding 60-second window."""

    def __init__(
        self, per_minute: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """0 when the request may go ahead (and is counted), else seconds to wait."""
        if self.per_minute <= 0:  # 0 or less turns limiting off
            return 0.0
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.window_s:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(0.1, self.window_s - (now - hits[0]))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
                idle = [k for k, d in self._hits.items() if now - d[-1] >= self.window_s]
                for k in idle:
                    del self._hits[k]
            return 0.0


def _credentials(request: Request) -> tuple[str, str] | None:
    """``(user, password)`` from HTTP Basic, or from a Bearer token ``user:password`` (what
    OpenAI-style clients send as their API key)."""
    import base64

    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except Exception:
            return None
    elif scheme.lower() == "bearer":
        decoded = value.strip()
    else:
        return None
    user, sep, pw = decoded.partition(":")
    return (user, pw) if sep else None


def _basic_auth_ok(request: Request, username: str, password: str) -> bool:
    got = _credentials(request)
    user, pw = got if got is not None else ("", "")
    # compare_digest on both, always: no timing hint of which part was wrong
    ok_user = secrets.compare_digest(user.encode(), username.encode())
    ok_pw = secrets.compare_digest(pw.encode(), password.encode())
    return got is not None and ok_user and ok_pw


@dataclass(frozen=True)
class Denied:
    """Why a request may not go ahead; each router renders it in its own error shape."""

    status: int
    vi: str
    en: str
    headers: dict[str, str] | None = None


class Guard:
    """What every programmatic route shares: the login, the per-client rate limit (one
    budget per client across ``/api`` and ``/v1``) and the bound on answers computed at once.
    """

    def __init__(self, settings: Settings) -> None:
        s = settings.server
        self.limiter = RateLimiter(s.rate_limit_per_minute)
        # Bounds CPU work from the API the way the queue bounds it for the web app.
        self.slots = threading.BoundedSemaphore(max(1, s.concurrency))
        self.user = s.username
        self.password = s.password.get_secret_value() if s.password else None

    def login_ok(self, request: Request) -> bool:
        """True without a configured login, else when the request carries it."""
        if not (self.user and self.password):
            return True
        return _basic_auth_ok(request, self.user, self.password)

    def check(self, request: Request, *, limit: bool = True) -> Denied | None:
        """None when the request may go ahead (and is counted), else why not."""
        if limit:
            client = request.client.host if request.client else "unknown"
            wait = self.limiter.check(client)
            if wait:
                return Denied(
                    429,
                    "Quá nhiều yêu cầu, vui lòng thử lại sau",
                    "Too many requests, please retry later",
                    headers={"Retry-After": str(int(wait) + 1)},
                )
        if not self.login_ok(request):
            return Denied(
                401,
                "Cần đăng nhập",
                "Authentication required",
                headers={"WWW-Authenticate": 'Basic realm="nqcds"'},
            )
        return None


def _validate(body: Any, max_chars: int) -> tuple[dict | None, JSONResponse | None]:
    """The ``ask`` arguments from a decoded JSON body, or the 4xx response saying why not."""
    if not isinstance(body, dict):
        return None, _error(
            422,
            "Nội dung phải là một đối tượng JSON",
            'The body must be a JSON object like {"question": "..."}',
        )
    q = body.get("question")
    if not isinstance(q, str):
        return None, _error(
            422,
            "Trường 'question' phải là chuỗi ký tự",
            "'question' is required and must be a string",
        )
    q, problem = clean_question(q, max_chars)
    if problem:
        return None, JSONResponse({"detail": problem}, status_code=400)
    hist = body.get("history")
    if hist is not None and not (
        isinstance(hist, list)
        and all(isinstance(m, dict) and isinstance(m.get("content", ""), str | list) for m in hist)
    ):
        return None, _error(
            422,
            "Trường 'history' phải là danh sách tin nhắn {role, content}",
            "'history' must be a list of {role, content} messages",
        )
    filters = body.get("filters")
    if filters is not None:
        ok = (
            isinstance(filters, dict)
            and set(filters) <= {"files", "provinces"}
            and all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in filters.values()
            )
        )
        if not ok:
            return None, _error(
                422,
                'Trường \'filters\' phải có dạng {"files": [...]} hoặc {"provinces": [...]}',
                '\'filters\' must be {"files": [str]} and/or {"provinces": [str]}',
            )
    return {"question": q, "history": (hist or [])[-MAX_HISTORY:], "filters": filters}, None


def build_api(
    settings: Settings, service: AssistantService, guard: Guard | None = None
) -> APIRouter:
    """The ``/api`` router: ``POST /api/ask`` and ``GET /api/health``."""
    router = APIRouter(prefix="/api", tags=["api"])
    guard = guard or Guard(settings)

    def _denied(d: Denied) -> JSONResponse:
        return _error(d.status, d.vi, d.en, headers=d.headers)

    def _ask(args: dict):
        with guard.slots:
            return service.get().ask(**args)

    @router.post("/ask")
    async def ask(request: Request) -> JSONResponse:
        """Answer a question; the Answer as JSON (answer, citations, passages, …)."""
        if (denied := guard.check(request)) is not None:
            return _denied(denied)
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return _error(413, "Nội dung quá lớn", "Request body too large")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(
                400,
                "Nội dung không phải JSON hợp lệ (UTF-8)",
                'The body is not valid UTF-8 JSON; send {"question": "..."}',
            )
        args, problem = _validate(body, settings.answer.max_question_chars)
        if problem is not None:
            return problem
        try:
            answer = await run_in_threadpool(_ask, args)
        except Exception as exc:
            log.exception("API ask failed")
            msg = friendly_error(exc)
            return JSONResponse(
                {"detail": msg}, status_code=500 if msg.startswith("Xin lỗi") else 503
            )
        return JSONResponse(answer.model_dump(mode="json"))

    @router.get("/health")
    async def health(request: Request) -> JSONResponse:
        """``{"status": "ok", "documents": n, "passages": n}`` or 503 with the reason."""
        if (denied := guard.check(request, limit=False)) is not None:
            return _denied(denied)
        a, message = await run_in_threadpool(service.try_get)
        if a is None:
            return JSONResponse({"status": "unavailable", "detail": message}, status_code=503)
        return JSONResponse(
            {"status": "ok", "documents": len(a.corpus.docs), "passages": len(a.corpus.chunks)}
        )

    return router
