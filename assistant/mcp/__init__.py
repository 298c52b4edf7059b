"""The assistant as an MCP server (the ``mcp`` SDK), for agents and MCP-aware clients.

``python -m assistant.mcp`` speaks MCP over stdio; ``--http`` serves streamable HTTP
instead. See :mod:`assistant.mcp.server` for the tools.
"""
