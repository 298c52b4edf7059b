"""Every error the app's own routes send is JSON ``{"detail": "tiếng Việt / English"}``.

- HTTP errors raised by FastAPI/Starlette (404, 405, 413 from the body limit, …) get the
  documented bilingual message instead of the framework's English one.
- An exception nobody handled becomes a JSON 500 with a generic message; its trace goes to
  the log once, under this module's logger, never to the client.
- A client that disconnects before its request body arrived is not an error of ours: one
  line at INFO level, no traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
# Where the web app receives files (Gradio's upload route).
UPLOAD_PATHS = ("/gradio_api/upload",)

MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Cần đăng nhập", "Authentication required"),
    403: ("Không có quyền truy cập", "Forbidden"),
    404: ("Không tìm thấy địa chỉ này", "Not found"),
    405: ("Phương thức không được hỗ trợ tại địa chỉ này", "Method not allowed"),
    408: ("Yêu cầu gửi quá chậm, đã hết thời gian chờ", "Request timeout"),
    413: ("Nội dung quá lớn", "Request body too large"),
    415: ("Kiểu nội dung không được hỗ trợ", "Unsupported media type"),
    422: ("Dữ liệu không đúng dạng", "Unprocessable content"),
    429: ("Quá nhiều yêu cầu, vui lòng thử lại sau", "Too many requests, please retry later"),
    500: (
        "Xin lỗi, đã có lỗi ở máy chủ. Vui lòng thử lại sau hoặc báo quản trị viên",
        "Sorry, something went wrong on the server",
    ),
    503: ("Hệ thống tạm thời chưa sẵn sàng", "Service unavailable"),
}


def message(status: int) -> str:
    """The bilingual sentence for ``status`` (a generic one for unlisted codes)."""
    vi, en = MESSAGES.get(status, ("Yêu cầu không thành công", "Request failed"))
    return f"{vi} / {en}"


def json_error(status: int, detail: str | None = None, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail or message(status)}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) and " / " in exc.detail else None
    return json_error(exc.status_code, detail, headers=getattr(exc, "headers", None))


def allowed_methods(request: Request) -> set[str]:
    """Methods the app's documented routes accept at this request's path (405 vs 404)."""
    ops = request.app.openapi().get("paths", {}).get(request.url.path, {})
    return {m.upper() for m in ops if m.upper() in _METHODS}


class BodyTooLarge(HTTPException):
    """Raised while a request body streams in, as soon as it passes the limit."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=message(413))


class JSONErrors:
    """ASGI middleware: the body limit, JSON 500 for anything unhandled, quiet disconnects.

    A body over ``max_body_bytes`` is refused before it is read when its length is declared,
    and otherwise as soon as it passes the limit while streaming in (a 200 MB body is never
    held in memory). Starlette's own limiter answers in English plain text, hence this one.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int | None = None,
        upload_bytes: int | None = None,
        upload_paths: tuple[str, ...] = UPLOAD_PATHS,
        shapes: dict[str, Callable[[int], Response]] | None = None,
    ) -> None:
        self.app = app
        self.shapes = shapes or {}  # path prefix -> error response in that API's own shape
        self.max_body_bytes = max_body_bytes
        self.upload_bytes = upload_bytes
        self.upload_paths = upload_paths

    def _error(self, scope: Scope, status: int) -> Response:
        for prefix, shape in self.shapes.items():
            if scope["path"].startswith(prefix):
                return shape(status)
        return json_error(status)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        if self.upload_bytes is not None and scope["path"] in self.upload_paths:
            limit = self.upload_bytes  # a document (plus its multipart framing), not a question
        if limit is not None and _declared_length(scope) > limit:
            await self._error(scope, 413)(scope, receive, send)
            return
        started = False
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            msg = await receive()
            if limit is not None and msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:  # raised where nothing turned it into a response
            if not started:
                await self._error(scope, 413)(scope, receive, send)
        except ClientDisconnect:
            client = scope.get("client") or ("?", 0)
            log.info("%s left before sending its whole request (%s)", client[0], scope["path"])
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if not started:
                await self._error(scope, 500)(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def install(
    app: FastAPI,
    max_body_bytes: int | None = None,
    upload_bytes: int | None = None,
    shapes: dict[str, Callable[[int], Response]] | None = None,
) -> None:
    """Bilingual JSON for HTTP errors and for anything unhandled; bodies limited to
    ``max_body_bytes``, file uploads to ``upload_bytes`` (plus room for the form framing).

    ``shapes`` renders the middleware's own errors (413, 500) for a path prefix whose API
    has another error format (``/v1``: OpenAI's).
    """
    app.add_exception_handler(HTTPException, _http_error)
    room = None if upload_bytes is None else upload_bytes + 64_000
    app.add_middleware(JSONErrors, max_body_bytes=max_body_bytes, upload_bytes=room, shapes=shapes)


def api_fallback(prefix: str = "/api") -> APIRouter:
    """Unknown paths and wrong methods under ``prefix``: bilingual JSON 404/405.

    Without it they fall through to the web app mounted at ``/`` (an English 404 page).
    Include it after every other ``prefix`` route, just before the web app is mounted.
    """
    router = APIRouter(prefix=prefix, include_in_schema=False)

    @router.api_route("/{rest:path}", methods=sorted(_METHODS))
    async def fallback(request: Request, rest: str) -> JSONResponse:
        methods = allowed_methods(request)
        if methods:
            allow = ", ".join(sorted(methods))
            vi, en = MESSAGES[405]
            return json_error(405, f"{vi} (dùng {allow}) / {en} (use {allow})", {"Allow": allow})
        return json_error(404)

    return router
