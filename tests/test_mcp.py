"""The MCP server, through the ``mcp`` SDK's own client: ``python -m assistant.mcp`` over
stdio (list the tools, call each, check that every cited span really is in its file), and
the streamable-HTTP app behind the web app's login."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from assistant.mcp.http import with_login
from assistant.mcp.server import build_server
from assistant.service import AssistantService
from ingest.loaders import load_text
from kernel.settings import ServerSettings, Settings

from .servers import ROOT, serving

Q_2030 = "muc tieu chu ky so cua Quang Ngai den nam 2030"
TOOLS = {"ask", "search_passages", "list_documents", "get_passage", "targets"}


async def _session(params: StdioServerParameters, first_file: str) -> dict[str, Any]:
    """Every call of the stdio test, in one session (one server start, one model load)."""
    out: dict[str, Any] = {}
    async with Client(params, read_timeout_seconds=300) as c:
        out["tools"] = (await c.list_tools()).tools
        out["ask"] = await c.call_tool("ask", {"question": Q_2030})
        cit = out["ask"].structured_content["citations"][0]
        out["follow_up"] = await c.call_tool(
            "ask",
            {
                "question": "còn năm 2025 thì sao?",
                "history": [{"role": "user", "content": Q_2030}],
                "filters": {"provinces": ["Quảng Ngãi"]},
            },
        )
        out["sentence"] = await c.call_tool(
            "get_passage",
            {"file": cit["file"], "start": cit["sentence_start"], "end": cit["sentence_end"]},
        )
        out["across"] = await c.call_tool(
            "get_passage", {"file": first_file, "start": 0, "end": 3000}
        )
        out["search"] = await c.call_tool("search_passages", {"query": "chữ ký số", "limit": 3})
        out["documents"] = await c.call_tool("list_documents", {})
        out["khanh_hoa"] = await c.call_tool("list_documents", {"province": "khanh hoa"})
        out["targets"] = await c.call_tool(
            "targets", {"provinces": ["quang ngai"], "year": 2030, "limit": 50}
        )
        out["empty"] = await c.call_tool("ask", {"question": "   "})
        out["unknown"] = await c.call_tool(
            "get_passage", {"file": "khong-co.txt", "start": 0, "end": 10}
        )
        out["bad_span"] = await c.call_tool(
            "get_passage", {"file": first_file, "start": 50, "end": 10}
        )
    return out


@pytest.fixture(scope="module")
def stdio(index_settings: Settings, tmp_path_factory) -> dict[str, Any]:
    # A copy of the session index: this server is another process opening it.
    data = tmp_path_factory.mktemp("mcp") / "data"
    shutil.copytree(index_settings.data_dir, data)
    env = {
        "NQCDS_DATA_DIR": str(data),
        "NQCDS_CORPUS_DIR": str(index_settings.corpus_dir),
        "NQCDS_EMBEDDING__MODEL": index_settings.embedding.model,
        "NQCDS_EMBEDDING__THREADS": "1",
        "PYTHONPATH": str(ROOT),
        "HOME": os.environ.get("HOME", "/root"),
    }
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "assistant.mcp"], env=env, cwd=str(ROOT)
    )
    first = sorted(p.name for p in index_settings.corpus_dir.glob("*.txt"))[0]
    return asyncio.run(_session(params, first))


def _text(settings: Settings, name: str) -> str:
    return load_text(settings.corpus_dir / name)


def test_lists_the_five_tools_with_schemas(stdio) -> None:
    tools = {t.name: t for t in stdio["tools"]}
    assert set(tools) == TOOLS
    for t in tools.values():
        assert t.description and t.input_schema["type"] == "object"
        assert t.output_schema is not None, t.name  # structured results
    assert "question" in tools["ask"].input_schema["required"]
    assert set(tools["get_passage"].input_schema["required"]) == {"file", "start", "end"}


def test_ask_cites_exact_spans_of_the_files(stdio, index_settings, assistant) -> None:
    res = stdio["ask"]
    assert not res.is_error
    got = res.structured_content
    direct = assistant.ask(Q_2030)
    assert got["answer"] == direct.answer and "70%" in got["answer"] and not got["refused"]
    assert got["citations"] == [c.model_dump(mode="json") for c in direct.citations]
    for c in got["citations"]:
        text = _text(index_settings, c["file"])
        assert text[c["start"] : c["end"]] == c["text"]  # the passage, character for character
        span = text[c["sentence_start"] : c["sentence_end"]]
        assert " ".join(span.split()) == " ".join(c["sentence"].split())
    follow = stdio["follow_up"].structured_content
    assert "50%" in follow["answer"]
    assert all(c["province"] == "Quảng Ngãi" for c in follow["citations"])


def test_get_passage_returns_the_file_text(stdio, index_settings) -> None:
    cit = stdio["ask"].structured_content["citations"][0]
    got = stdio["sentence"].structured_content
    text = _text(index_settings, cit["file"])
    assert got["text"] == text[cit["sentence_start"] : cit["sentence_end"]]
    assert got["section"] == cit["section"]
    across = stdio["across"].structured_content  # spans several passages: from the file
    first = sorted(p.name for p in index_settings.corpus_dir.glob("*.txt"))[0]
    assert across["text"] == _text(index_settings, first)[0:3000]


def test_search_passages_are_exact_spans(stdio, index_settings) -> None:
    hits = stdio["search"].structured_content["passages"]
    assert 1 <= len(hits) <= 3
    assert any("chữ ký số" in h["text"] for h in hits)
    for h in hits:
        assert _text(index_settings, h["file"])[h["start"] : h["end"]] == h["text"]


def test_list_documents_is_the_catalog(stdio, assistant) -> None:
    docs = stdio["documents"].structured_content["documents"]
    assert {d["file"] for d in docs} == set(assistant.corpus.docs)
    kh = stdio["khanh_hoa"].structured_content["documents"]
    assert [d["number"] for d in kh] == ["16-NQ/TU"] and kh[0]["passages"] > 0


def test_targets_rows_point_at_their_figures(stdio, index_settings) -> None:
    rows = stdio["targets"].structured_content["rows"]
    assert rows and all(r["province"] == "Quảng Ngãi" and r["target_year"] == 2030 for r in rows)
    for r in rows:
        text = _text(index_settings, r["file"])
        assert text[r["value_start"] : r["value_end"]] == r["value_text"]
        assert r["start"] <= r["value_start"] < r["value_end"] <= r["end"]
    assert any(r["value_text"] == "70%" for r in rows)


def test_errors_are_tool_errors_with_a_sentence(stdio) -> None:
    assert stdio["empty"].is_error and "Vui lòng nhập câu hỏi" in stdio["empty"].content[0].text
    assert stdio["unknown"].is_error and "khong-co.txt" in stdio["unknown"].content[0].text
    assert stdio["bad_span"].is_error


# -- streamable HTTP, behind the login -----------------------------------------------------------
async def _http_tools(url: str, auth: str | None) -> set[str]:
    headers = {"Authorization": auth} if auth else {}
    async with httpx2.AsyncClient(headers=headers, timeout=60) as http:
        async with Client(streamable_http_client(url, http_client=http)) as c:
            return {t.name for t in (await c.list_tools()).tools}


def test_http_transport_takes_the_web_login(index_settings, assistant) -> None:
    server = ServerSettings.model_validate(
        {**index_settings.server.model_dump(), "username": "canbo", "password": "mat-khau"}
    )
    s = index_settings.model_copy(update={"server": server})
    mcp = build_server(s, AssistantService(s, assistant))
    app = with_login(mcp.streamable_http_app(host="127.0.0.1"), s)
    with serving(app) as base:
        assert asyncio.run(_http_tools(f"{base}/mcp", "Bearer canbo:mat-khau")) == TOOLS
        r = httpx2.post(f"{base}/mcp", json={}, timeout=30)
        assert r.status_code == 401


def test_python_dash_m_help() -> None:
    import subprocess

    res = subprocess.run(
        [sys.executable, "-m", "assistant.mcp", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0 and "--http" in res.stdout
