"""HTTP API for programs, mounted beside the web app.

``POST /api/ask`` takes ``{"question": str, "history": [...]?, "filters": {...}?}`` and
returns the :class:`~assistant.types.Answer` as JSON; ``GET /api/health`` says whether the
index is loaded. Requests are limited per client address, validated before they reach the
assistant (a bad body is a 4xx with a message, never a 500), and protected by the same
username/password as the web app when those are set (HTTP Basic).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assistant.chain import clean_question
from assistant.service import AssistantService, friendly_error
from assistant.web.schema import ASK_RESPONSES, HEALTH_RESPONSES, ask_body
from assistant.web.throttle import LoginThrottle, RateLimiter, too_many_logins
from kernel.settings import Settings

log = logging.getLogger(__name__)

MAX_HISTORY = 100  # messages


def _error(status: int, vi: str, en: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": f"{vi} / {en}"}, status_code=status, headers=headers)


def _login_required() -> JSONResponse:
    return _error(
        401,
        "Cần đăng nhập",
        "Authentication required",
        headers={"WWW-Authenticate": 'Basic realm="nqcds"'},
    )


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """``(user, password)`` from an HTTP Basic ``Authorization`` header, if well-formed."""
    import base64

    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, pw = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except Exception:
        return None
    return user, pw


def _same(given: tuple[str, str], expected: tuple[str, str]) -> bool:
    # compare_digest on both, always: no timing hint of which part was wrong
    ok_user = secrets.compare_digest(given[0].encode(), expected[0].encode())
    ok_pw = secrets.compare_digest(given[1].encode(), expected[1].encode())
    return ok_user and ok_pw


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
        and all(
            isinstance(m, dict)
            and m.get("role") in ("user", "assistant")
            and isinstance(m.get("content"), str)
            for m in hist
        )
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
    settings: Settings,
    service: AssistantService,
    limiter: RateLimiter | None = None,
    logins: LoginThrottle | None = None,
) -> APIRouter:
    """The ``/api`` router: ``POST /api/ask`` and ``GET /api/health``.

    ``limiter`` and ``logins`` are shared with the web app when given (one question budget
    and one failed-login count per client, whichever way it comes in).
    """
    router = APIRouter(prefix="/api", tags=["api"])
    limiter = limiter or RateLimiter(settings.server.rate_limit_per_minute)
    logins = logins or LoginThrottle.from_settings(settings.server)
    # Bounds CPU work from the API the way the queue bounds it for the web app.
    busy = threading.BoundedSemaphore(settings.server.answer_slots())
    credentials = settings.server.login()  # raises on a username without a password

    def authenticate(request: Request, client: str) -> JSONResponse | None:
        """None when no login is configured or the Basic credentials are right."""
        if credentials is None:
            return None
        given = _basic_credentials(request)
        if given is None:
            return _login_required()
        wait = logins.retry_after(client, given[0])
        if wait:
            e = too_many_logins(wait)
            return JSONResponse({"detail": e.detail}, status_code=429, headers=e.headers)
        if not _same(given, credentials):
            logins.failed(client, given[0])
            return _login_required()
        logins.succeeded(client, given[0])
        return None

    def guard(request: Request) -> JSONResponse | None:
        client = request.client.host if request.client else "unknown"
        wait = limiter.check(client)
        if wait:
            return _error(
                429,
                "Quá nhiều yêu cầu, vui lòng thử lại sau",
                "Too many requests, please retry later",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        return authenticate(request, client)

    def _ask(args: dict):
        with busy:
            return service.get().ask(**args)

    body_schema = ask_body(settings.answer.max_question_chars)

    @router.post("/ask", responses=ASK_RESPONSES, openapi_extra=body_schema)
    async def ask(request: Request) -> JSONResponse:
        """Answer a question; the Answer as JSON (answer, citations, passages, …)."""
        if (denied := guard(request)) is not None:
            return denied
        raw = await request.body()  # the app's body limit stops it while it streams in
        if len(raw) > settings.server.max_body_bytes:
            return _error(413, "Nội dung quá lớn", "Request body too large")
        try:
            # utf-8-sig: a BOM in front is still UTF-8 JSON. ValueError covers bad UTF-8, bad
            # JSON and integers too long to convert; RecursionError, nesting too deep.
            body = json.loads(raw.decode("utf-8-sig"))
        except (ValueError, RecursionError):
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

    @router.get("/health", responses=HEALTH_RESPONSES)
    async def health(request: Request) -> JSONResponse:
        """``{"status": "ok", "documents": n, "passages": n}`` after a real lookup in the live
        index, or 503 ``{"status": "unavailable", "detail": ..., "reason": ...}``."""
        client = request.client.host if request.client else "unknown"
        if (denied := authenticate(request, client)) is not None:
            return denied
        ok, report = await run_in_threadpool(service.health)
        return JSONResponse(report, status_code=200 if ok else 503)

    return router
