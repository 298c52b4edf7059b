"""``POST /api/feedback``: a 👍/👎 on an answer from a program (what the web app's buttons
record), into the shared feedback table, behind the same login and rate limit as ``/api``.

Body: ``{"vote": "up"|"down", "question": str, "answer": str, "citations": [...]?,
"comment": str?}``; reply ``201 {"id": n}``; errors ``{"detail": "tiếng Việt / English"}``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from assistant.web.feedback import MAX_TEXT, FeedbackStore
from assistant.web.guard import Guard
from kernel.settings import Settings

log = logging.getLogger(__name__)


class FeedbackIn(BaseModel):
    """One vote on one answer, with what was shown."""

    model_config = ConfigDict(extra="forbid")

    vote: Literal["up", "down"]
    question: str = Field("", max_length=MAX_TEXT)
    answer: str = Field("", max_length=MAX_TEXT)
    citations: list[dict[str, Any]] = Field(default_factory=list, max_length=100)
    comment: str = Field("", max_length=MAX_TEXT)


def _detail(status: int, vi: str, en: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": f"{vi} / {en}"}, status_code=status, headers=headers)


def build_feedback_api(settings: Settings, guard: Guard) -> APIRouter:
    """The ``/api/feedback`` route; the store is opened on the first vote."""
    router = APIRouter(prefix="/api", tags=["api"])
    lock = threading.Lock()
    opened: list[FeedbackStore] = []

    def store() -> FeedbackStore:
        with lock:
            if not opened:
                opened.append(FeedbackStore.from_settings(settings))
            return opened[0]

    def _add(vote: FeedbackIn) -> int:
        return store().add(
            vote.vote,
            question=vote.question,
            answer=vote.answer,
            citations=vote.citations,
            comment=vote.comment,
            source="api",
        )

    @router.post("/feedback", status_code=201)
    async def add_feedback(request: Request) -> JSONResponse:
        """Record a vote; ``{"id": n}``."""
        if (d := guard.check(request)) is not None:
            return JSONResponse({"detail": d.detail}, status_code=d.status, headers=d.headers)
        raw = await request.body()
        if len(raw) > settings.server.max_body_bytes:
            return _detail(413, "Nội dung quá lớn", "Request body too large")
        try:
            vote = FeedbackIn.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            if first.get("type") == "json_invalid":
                return _detail(400, "Nội dung không phải JSON hợp lệ", "The body is not valid JSON")
            field = ".".join(str(x) for x in first.get("loc", ())) or "body"
            return _detail(
                422,
                f"Trường '{field}' không hợp lệ (vote phải là 'up' hoặc 'down')",
                f"Invalid field '{field}': {first.get('msg', '')}",
            )
        try:
            rid = await run_in_threadpool(_add, vote)
        except Exception:
            log.exception("could not store feedback")
            return _detail(503, "Không lưu được góp ý, vui lòng thử lại sau", "Feedback not stored")
        return JSONResponse({"id": rid}, status_code=201)

    return router
