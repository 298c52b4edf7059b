"""What every programmatic route shares: the login (throttled), the per-client question
budget and the bound on answers computed at once.

One :class:`Guard` serves ``/api``, ``/v1`` and the MCP HTTP endpoint, so a client has one
question budget and one failed-login count whichever way it comes in; the web app's
answer event shares the same :class:`~assistant.web.throttle.RateLimiter` and
:class:`~assistant.web.throttle.LoginThrottle`.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass

from starlette.requests import Request

from assistant.web.errors import message
from assistant.web.throttle import LoginThrottle, RateLimiter, too_many_logins
from kernel.settings import Settings


@dataclass(frozen=True)
class Denied:
    """Why a request may not go ahead; each router renders it in its own error shape."""

    status: int
    detail: str  # "tiếng Việt / English"
    headers: dict[str, str] | None = None


def credentials(request: Request) -> tuple[str, str] | None:
    """``(user, password)`` from HTTP Basic, or from a Bearer token ``user:password`` (what
    OpenAI-style clients send as their API key)."""
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


def _same(given: tuple[str, str], expected: tuple[str, str]) -> bool:
    # compare_digest on both, always: no timing hint of which part was wrong
    ok_user = secrets.compare_digest(given[0].encode(), expected[0].encode())
    ok_pw = secrets.compare_digest(given[1].encode(), expected[1].encode())
    return ok_user and ok_pw


def client_of(request: Request) -> str:
    """The client's address (forwarded headers are believed only from trusted proxies,
    which the server configuration decides)."""
    return request.client.host if request.client else "unknown"


class Guard:
    """Login, rate limit and answer slots for the programmatic routes.

    Raises :class:`~kernel.settings.SettingsError` for a username without a password.
    """

    def __init__(
        self,
        settings: Settings,
        limiter: RateLimiter | None = None,
        logins: LoginThrottle | None = None,
    ) -> None:
        s = settings.server
        self.limiter = limiter or RateLimiter(s.rate_limit_per_minute)
        self.logins = logins or LoginThrottle.from_settings(s)
        # Bounds CPU work from the API the way the queue bounds it for the web app.
        self.slots = threading.BoundedSemaphore(s.answer_slots())
        self.expected = s.login()

    def authenticate(self, request: Request) -> Denied | None:
        """None without a configured login or with the right credentials; else 401/429."""
        if self.expected is None:
            return None
        client = client_of(request)
        given = credentials(request)
        if given is None:
            return _login_required()
        wait = self.logins.retry_after(client, given[0])
        if wait:
            e = too_many_logins(wait)
            return Denied(429, e.detail, headers=e.headers)
        if not _same(given, self.expected):
            self.logins.failed(client, given[0])
            return _login_required()
        self.logins.succeeded(client, given[0])
        return None

    def check(self, request: Request, *, limit: bool = True) -> Denied | None:
        """None when the request may go ahead (and is counted), else why not."""
        if limit:
            wait = self.limiter.check(client_of(request))
            if wait:
                return Denied(429, message(429), headers={"Retry-After": str(int(wait) + 1)})
        return self.authenticate(request)


def _login_required() -> Denied:
    return Denied(401, message(401), headers={"WWW-Authenticate": 'Basic realm="nqcds"'})
