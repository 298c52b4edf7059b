"""``python -m assistant.mcp``: the MCP server over stdio (for a client that starts it), or
``--http`` for streamable HTTP at ``http://HOST:PORT/mcp``.

Over HTTP the same login as the web app applies when one is configured (HTTP Basic, or a
Bearer token ``user:password``); it binds to loopback unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import logging
import sys

from kernel.offline import use_offline_environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.mcp", description=__doc__)
    parser.add_argument("--http", action="store_true", help="serve streamable HTTP, not stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="HTTP port (8765)")
    args = parser.parse_args(argv)
    use_offline_environment()
    # stdout is the protocol channel over stdio: every log line goes to stderr.
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    from assistant.mcp.server import build_server
    from kernel.settings import get_settings

    settings = get_settings()
    server = build_server(settings)
    if not args.http:
        server.run("stdio")
        return 0

    import uvicorn

    from assistant.mcp.http import with_login

    app = with_login(server.streamable_http_app(host=args.host), settings)
    logging.getLogger(__name__).info("MCP on http://%s:%d/mcp", args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
