"""Request budgets per client: questions per minute, and failed logins.

:class:`RateLimiter` bounds how many questions one client address asks per minute (the
JSON API and the web app's answer event share it). :class:`LoginThrottle` counts failed
logins per client address and per username; past the limit, logins are refused with 429
(without checking the password) until the oldest failure leaves the window, so password
guessing runs at a few tries per several minutes instead of a hundred per second.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from kernel.settings import ServerSettings

# The address of the client being served (set by ClientAddress, read by the login check,
# which Gradio calls with a username and password only).
CLIENT: contextvars.ContextVar[str] = contextvars.ContextVar("nqcds_client", default="unknown")


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


class LoginThrottle:
    """Failed logins per client address and per username, in a sliding window."""

    def __init__(
        self,
        per_client: int,
        per_username: int,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = {"client": per_client, "user": per_username}
        self.window_s = window_s
        self.clock = clock
        self._fails: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, s: ServerSettings) -> LoginThrottle:
        return cls(s.login_failures_per_client, s.login_failures_per_username, s.login_window_s)

    def _keys(self, client: str, username: str) -> list[tuple[str, str]]:
        return [("client", client), ("user", username.strip().casefold()[:200])]

    def retry_after(self, client: str, username: str) -> float:
        """Seconds until this client may try this username again; 0 when it may now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in self._keys(client, username):
                fails = self._fails.get(key)
                if not fails:
                    continue
                while fails and now - fails[0] >= self.window_s:
                    fails.popleft()
                limit = self.limits[key[0]]
                if limit > 0 and len(fails) >= limit:
                    wait = max(wait, self.window_s - (now - fails[-limit]))
        return wait

    def failed(self, client: str, username: str) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(client, username):
                self._fails.setdefault(key, deque(maxlen=1000)).append(now)
            if len(self._fails) > 20_000:  # bounded memory under a spray of usernames
                idle = [k for k, d in self._fails.items() if not d or now - d[-1] >= self.window_s]
                for k in idle:
                    del self._fails[k]

    def succeeded(self, client: str, username: str) -> None:
        with self._lock:
            for key in self._keys(client, username):
                self._fails.pop(key, None)


def too_many_logins(wait: float) -> HTTPException:
    """The 429 for a throttled login (JSON detail, ``Retry-After``)."""
    seconds = int(wait) + 1
    return HTTPException(
        status_code=429,
        detail=(
            f"Đăng nhập sai quá nhiều lần; vui lòng thử lại sau {seconds} giây. / "
            f"Too many failed logins; try again in {seconds} s."
        ),
        headers={"Retry-After": str(seconds)},
    )


def gradio_login(throttle: LoginThrottle, username: str, password: str) -> Callable:
    """The ``auth`` callable for Gradio: one user, compared in constant time, throttled.

    Gradio passes only the typed username and password; the client address comes from
    :data:`CLIENT`, set by :class:`ClientAddress` for every request.
    """
    import secrets

    def check(user: str, pw: str) -> bool:
        client = CLIENT.get()
        wait = throttle.retry_after(client, user)
        if wait:
            raise too_many_logins(wait)
        ok_user = secrets.compare_digest(user.encode(), username.encode())
        ok_pw = secrets.compare_digest(pw.encode(), password.encode())
        if ok_user and ok_pw:
            throttle.succeeded(client, user)
            return True
        throttle.failed(client, user)
        return False

    return check


class ClientAddress:
    """ASGI middleware: the client address of the request, for code that gets no request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        token = CLIENT.set(client[0] if client else "unknown")
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT.reset(token)
