"""The JSON API's request and response shapes, for its OpenAPI schema (``/api/openapi.json``).

``POST /api/ask`` parses its body itself (so that a body that is not JSON gets the
documented bilingual 400, not a framework 422); these models document what it accepts and
what it answers, and schemathesis fuzzes the API from them (``tests/test_api_schema.py``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kernel.types import Answer


class Message(BaseModel):
    """One earlier turn of the conversation."""

    role: Literal["user", "assistant"]
    content: str


class Filters(BaseModel):
    """Restrict the search to some documents (file names) and/or provinces."""

    model_config = ConfigDict(extra="forbid")

    files: list[str] = Field(default_factory=list, description="file names, as in the catalog")
    provinces: list[str] = Field(default_factory=list, description="e.g. “Quảng Ngãi”")


# At least one character that is not a space, a control or an invisible format character:
# a question of only those is refused as empty (see assistant.chain.clean_question).
VISIBLE = "[^\\s\\x00-\\x1f\\x7f\\u00ad\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\ufeff]"


class AskRequest(BaseModel):
    """What ``POST /api/ask`` takes."""

    question: str = Field(min_length=1, pattern=VISIBLE, description="the question")
    history: list[Message] | None = Field(None, description="earlier turns, for follow-ups")
    filters: Filters | None = None


class ErrorBody(BaseModel):
    """Every error: one sentence in Vietnamese, then English (``"… / …"``)."""

    detail: str


class Health(BaseModel):
    """``GET /api/health``: ``ok`` after a real lookup, or why not."""

    status: Literal["ok", "unavailable"]
    documents: int | None = None
    passages: int | None = None
    detail: str | None = None
    reason: str | None = None


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its local ``$defs`` references replaced by the definitions."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


def ask_body(max_chars: int) -> dict[str, Any]:
    """The request body of ``POST /api/ask`` for OpenAPI, with this server's length limit."""
    schema = _inline(AskRequest.model_json_schema())
    schema["properties"]["question"]["maxLength"] = max_chars
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_ERROR = {"model": ErrorBody}
ASK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": Answer, "description": "the answer, its citations and passages"},
    400: _ERROR | {"description": "not UTF-8 JSON, empty or too long question"},
    401: _ERROR | {"description": "login required (HTTP Basic)"},
    408: _ERROR | {"description": "the request arrived too slowly"},
    413: _ERROR | {"description": "body over server.max_body_bytes"},
    422: _ERROR | {"description": "valid JSON of the wrong shape"},
    429: _ERROR | {"description": "too many questions or failed logins; see Retry-After"},
    500: _ERROR | {"description": "unexpected error (generic message)"},
    503: _ERROR | {"description": "index or model missing"},
}
HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": Health, "description": "a lookup in the live index worked"},
    401: _ERROR | {"description": "login required (HTTP Basic)"},
    429: _ERROR | {"description": "too many failed logins"},
    503: {"model": Health, "description": "the index cannot be searched; detail and reason"},
}
