"""How the app is served: uvicorn with request deadlines and forwarded headers only from
configured proxies.

uvicorn waits forever for a request whose headers or body never finish (one slow client
can hold connections open for minutes), and by default believes ``X-Forwarded-For`` from
127.0.0.1, so anything on the host could pick its own client address and dodge the rate
limit. Here the headers must arrive within ``header_timeout_s`` of the request's first
byte (or of the connection, for a client that sends nothing), the body within
``body_timeout_s`` of the headers, and forwarded headers are used only from
``trusted_proxies``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from assistant.web.errors import message
from kernel.settings import Settings


def _timeout_response() -> bytes:
    body = json.dumps({"detail": message(408)}, ensure_ascii=False).encode("utf-8")
    head = (
        "HTTP/1.1 408 Request Timeout\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class DeadlineHTTPProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus a deadline for headers and one for the body."""

    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float, phase: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired, phase)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self, phase: str) -> None:
        """Too slow: answer 408 unless this request was answered already, and close."""
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if phase == "headers":  # no response of this request can have started
            self.transport.write(_timeout_response())
        elif cycle is not None and not cycle.response_started:
            cycle.disconnected = True  # the app's late reply, if any, goes nowhere
            self.transport.write(_timeout_response())
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout_s, "headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self.header_timeout_s, "headers")

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self.parser.should_upgrade():  # a websocket: no request body to wait for
            self._disarm()
        else:
            self._arm(self.body_timeout_s, "body")

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()


def protocol_for(settings: Settings) -> type[DeadlineHTTPProtocol]:
    """The protocol class with this configuration's deadlines."""
    s = settings.server
    return type(
        "ConfiguredDeadlineHTTPProtocol",
        (DeadlineHTTPProtocol,),
        {"header_timeout_s": s.header_timeout_s, "body_timeout_s": s.body_timeout_s},
    )


def uvicorn_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """The uvicorn configuration the app is served with (``python app.py``)."""
    s = settings.server
    trusted = s.trusted_proxies.strip()
    options: dict[str, Any] = {
        "host": s.host,
        "port": s.port,
        "http": protocol_for(settings),
        # Without a configured proxy the connecting address is the client, whatever
        # X-Forwarded-For says (uvicorn would otherwise trust it from 127.0.0.1).
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
        "log_level": "info",
        "access_log": False,
    }
    return uvicorn.Config(app, **(options | overrides))
