"""The app's HTML page in Vietnamese: ``lang="vi"``, title and description for link previews.

Gradio's page template declares ``lang="en"`` and carries its own link-preview tags
("Gradio", "Click to try out the app!", an image on GitHub). :class:`LocalizedPage` rewrites
the HTML page (only ``text/html`` responses; assets and the API pass through untouched).
"""

from __future__ import annotations

import html
import re

_LANG = re.compile(r'(<html\b[^>]*?)\blang="[^"]*"', re.IGNORECASE)
_PREVIEW = re.compile(
    r'\s*<meta\s+(?:property|name)="(?:og|twitter):(?:title|description|image|creator|url)"'
    r'\s+content="[^"]*"\s*/?>',
    re.IGNORECASE,
)
_HEAD_END = re.compile(r"</head>", re.IGNORECASE)


def localize(page: str, title: str, description: str) -> str:
    """``page`` with Vietnamese language, title and description tags (nothing external)."""
    page = _LANG.sub(r'\1lang="vi"', page, count=1)
    page = _PREVIEW.sub("", page)
    t, d = html.escape(title, quote=True), html.escape(description, quote=True)
    tags = (
        f'<meta name="description" content="{d}" />'
        f'<meta property="og:title" content="{t}" />'
        f'<meta property="og:description" content="{d}" />'
        '<meta property="og:locale" content="vi_VN" />'
        f'<meta name="twitter:title" content="{t}" />'
        f'<meta name="twitter:description" content="{d}" />'
    )
    return _HEAD_END.sub(lambda _: tags + "</head>", page, count=1)


class LocalizedPage:
    """ASGI middleware: HTML responses rewritten by :func:`localize`."""

    def __init__(self, app, title: str, description: str) -> None:
        self.app, self.title, self.description = app, title, description

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []

        async def capture(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                html_page = headers.get(b"content-type", b"").startswith(b"text/html")
                if html_page and b"content-encoding" not in headers:
                    start = message
                    return
                await send(message)
            elif start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                try:
                    body = localize(body.decode("utf-8"), self.title, self.description).encode()
                except UnicodeDecodeError:
                    pass  # not ours to fix: sent as it came
                headers = [
                    (k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"
                ]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
            else:
                await send(message)

        await self.app(scope, receive, capture)
