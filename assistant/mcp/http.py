"""The web app's login in front of the MCP server's streamable-HTTP app."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.web.guard import Guard
from kernel.settings import Settings


def with_login(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` behind the configured username/password (unchanged when there is none);
    failed logins are throttled like the web app's."""
    guard = Guard(settings)

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            denied = guard.authenticate(Request(scope))
            if denied is not None:
                response = JSONResponse(
                    {"detail": denied.detail}, status_code=denied.status, headers=denied.headers
                )
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded
