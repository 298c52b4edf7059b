"""HTTP API for programs, mounted beside the web app.

``POST /api/ask`` takes ``{"question": str, "history": [...]?, "filters": {...}?}`` and
returns the :class:`~assistant.types.Answer` as JSON; ``GET /api/health`` says whether the
index is loaded. Requests are limited per client address, validated before they reach the
assistant (a bad body is a 4xx with a message, never a 500), and protected by the same
username/password as the web app when those are set (HTTP Basic, or a Bearer token
``user:password``); :class:`~assistant.web.guard.Guard` is shared with ``/v1``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assistant.chain import clean_question
from assistant.service import AssistantService, friendly_error
from assistant.web.guard import Denied, Guard
from assistant.web.schema import ASK_RESPONSES, HEALTH_RESPONSES, ask_body
from kernel.settings import Settings

log = logging.getLogger(__name__)

MAX_HISTORY = 100  # messages


def _error(status: int, vi: str, en: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": f"{vi} / {en}"}, status_code=status, headers=headers)


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
    settings: Settings, service: AssistantService, guard: Guard | None = None
) -> APIRouter:
    """The ``/api`` router: ``POST /api/ask`` and ``GET /api/health``.

    ``guard`` is shared with the other routers and the web app when given (one question
    budget and one failed-login count per client, whichever way it comes in).
    """
    router = APIRouter(prefix="/api", tags=["api"])
    guard = guard or Guard(settings)

    def _denied(d: Denied) -> JSONResponse:
        return JSONResponse({"detail": d.detail}, status_code=d.status, headers=d.headers)

    def _ask(args: dict):
        with guard.slots:
            return service.get().ask(**args)

    body_schema = ask_body(settings.answer.max_question_chars)

    @router.post("/ask", responses=ASK_RESPONSES, openapi_extra=body_schema)
    async def ask(request: Request) -> JSONResponse:
        """Answer a question; the Answer as JSON (answer, citations, passages, …)."""
        if (denied := guard.check(request)) is not None:
            return _denied(denied)
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
        if (denied := guard.authenticate(request)) is not None:
            return _denied(denied)
        ok, report = await run_in_threadpool(service.health)
        return JSONResponse(report, status_code=200 if ok else 503)

    return router
