"""The web app's login in front of the MCP server's streamable-HTTP app."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.web.api import Guard
from kernel.settings import Settings


def with_login(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` behind the configured username/password (unchanged when there is none)."""
    guard = Guard(settings)

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not guard.login_ok(Request(scope)):
            denied = JSONResponse(
                {"detail": "Cần đăng nhập / Authentication required"},
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="nqcds"'},
            )
            await denied(scope, receive, send)
            return
        await app(scope, receive, send)

    return guarded
