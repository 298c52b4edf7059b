"""OpenAI-compatible routes: the assistant as a "model" for the clients people already run.

``GET /v1/models`` lists one model (the assistant); ``POST /v1/chat/completions`` answers
the last user message, with the earlier user/assistant messages as history, either as one
JSON body or, with ``"stream": true``, as server-sent events in OpenAI's chunk format
ending with ``data: [DONE]``. The reply's text is the answer with its [n] markers followed
by the sources (title, number, date, section, quoted sentence); the structured citations
travel in the extra field ``nqcds`` (see :class:`~assistant.web.openai_types.AnswerDetails`).

Same login and rate limit as ``/api`` (the shared :class:`~assistant.web.api.Guard`): the
API key of an OpenAI client is ``user:password`` when a login is configured (HTTP Basic
works too), anything otherwise. Errors use OpenAI's shape
``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from assistant.chain import clean_question
from assistant.service import AssistantService, friendly_error
from assistant.web.errors import message
from assistant.web.guard import Denied, Guard
from assistant.web.openai_types import (
    AnswerDetails,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatMessage,
    Choice,
    ChunkChoice,
    Delta,
    ErrorBody,
    ErrorResponse,
    Model,
    ModelList,
    ResponseMessage,
    Usage,
)
from kernel.settings import Settings
from kernel.tokens import count_tokens, get_encoding
from kernel.types import Answer, Citation

log = logging.getLogger(__name__)

SOURCES_HEADING = "Nguồn / Sources:"
_STARTED = int(time.time())
_WORDS_PER_CHUNK = 6
_PIECES = re.compile(r"\S+\s*|\s+")

_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "model_not_found"),
    413: ("invalid_request_error", "request_too_large"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", "service_unavailable"),
}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 404, 413, 429, 500, 503)
}


def openai_error(
    status: int, message: str, *, param: str | None = None, headers: dict | None = None
) -> JSONResponse:
    """An error in OpenAI's shape (status code → type and code as OpenAI uses them)."""
    kind, code = _ERROR_TYPES.get(status, ("server_error", None))
    body = ErrorResponse(error=ErrorBody(message=message, type=kind, param=param, code=code))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def openai_error_of(status: int) -> JSONResponse:
    """The app's own errors (body too large, unhandled) in OpenAI's shape, for ``/v1``."""
    return openai_error(status, message(status))


def _denied(d: Denied) -> JSONResponse:
    return openai_error(d.status, d.detail, headers=d.headers)


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    """The first problem of a rejected body, as a sentence, and the field it concerns."""
    errors = exc.errors()
    if not errors:
        return "Yêu cầu không hợp lệ / Invalid request", None
    first = errors[0]
    loc = [str(x) for x in first.get("loc", ()) if x != "body"]
    param = ".".join(loc) or None
    if first.get("type") == "json_invalid":
        return "Nội dung không phải JSON hợp lệ / The body is not valid JSON", None
    where = f" ('{param}')" if param else ""
    return f"Yêu cầu không hợp lệ{where} / Invalid request{where}: {first.get('msg', '')}", param


def _guarded_route(guard: Guard, max_body: int) -> type[APIRoute]:
    """Routes that check login and rate limit first, then render every refusal — also a
    body FastAPI rejects — in OpenAI's error shape."""

    class OpenAIRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            limited = "POST" in self.methods

            async def guarded(request: Request) -> Response:
                if (denied := guard.check(request, limit=limited)) is not None:
                    return _denied(denied)
                length = request.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_body:
                    return openai_error(413, "Nội dung quá lớn / Request body too large")
                try:
                    return await handler(request)
                except RequestValidationError as exc:
                    message, param = _validation_message(exc)
                    return openai_error(400, message, param=param)

            return guarded

    return OpenAIRoute


# -- the reply -------------------------------------------------------------------------------
def citation_line(c: Citation) -> str:
    """``[1] Title — Quảng Ngãi · số 05-NQ/TU · ngày 11/3/2022``, the section, the sentence."""
    meta = " · ".join(
        x
        for x in (
            c.province,
            f"số {c.doc_number}" if c.doc_number else "",
            f"ngày {c.date}" if c.date else "",
        )
        if x
    )
    lines = [f"[{c.marker}] {c.title or c.file}" + (f" — {meta}" if meta else "")]
    if c.section:
        lines.append(f"    Mục: {c.section}")
    quoted = " ".join((c.sentence or c.text).split()).lstrip("-+•* ")
    if quoted:
        lines.append(f"    “{quoted}”")
    return "\n".join(lines)


def reply_text(answer: Answer) -> str:
    """The answer with its [n] markers, a notice if any, then the sources."""
    parts = [answer.answer.strip()]
    if answer.notice and answer.notice != answer.answer:
        parts.append(f"({answer.notice})")
    if answer.citations:
        parts.append("\n".join([SOURCES_HEADING, *(citation_line(c) for c in answer.citations)]))
    return "\n\n".join(parts)


def details(answer: Answer) -> AnswerDetails:
    return AnswerDetails(
        answer=answer.answer,
        citations=answer.citations,
        refused=answer.refused,
        notice=answer.notice,
        backend=answer.backend,
    )


def _pieces(text: str) -> Iterator[str]:
    """The reply in pieces of a few words, whitespace kept: joined, they are the text."""
    words = _PIECES.findall(text)
    for i in range(0, len(words), _WORDS_PER_CHUNK):
        yield "".join(words[i : i + _WORDS_PER_CHUNK])


def _sse(obj: ChatCompletionChunk) -> str:
    return f"data: {obj.model_dump_json(exclude_none=True)}\n\n"


def _stream(
    cid: str, model: str, text: str, extra: AnswerDetails, usage: Usage | None
) -> Iterator[str]:
    created = int(time.time())

    def chunk(delta: Delta, finish: str | None = None, **kw: Any) -> str:
        choice = ChunkChoice(delta=delta, finish_reason=finish)
        return _sse(
            ChatCompletionChunk(id=cid, created=created, model=model, choices=[choice], **kw)
        )

    yield chunk(Delta(role="assistant", content=""))
    for piece in _pieces(text):
        yield chunk(Delta(content=piece))
    yield chunk(Delta(), "stop", nqcds=extra)
    if usage is not None:  # stream_options.include_usage: a last chunk without choices
        last = ChatCompletionChunk(id=cid, created=created, model=model, choices=[], usage=usage)
        yield _sse(last)
    yield "data: [DONE]\n\n"


# -- the router ------------------------------------------------------------------------------
def _question(messages: list[ChatMessage], limit: int) -> tuple[str, list[dict], str | None]:
    """The question (last message, a user's), the history before it, or why not."""
    last = messages[-1]
    if last.role != "user":
        return (
            "",
            [],
            (
                "Tin nhắn cuối phải là câu hỏi của người dùng (role 'user') / "
                "The last message must be the user's question (role 'user')"
            ),
        )
    q, problem = clean_question(last.text, limit)
    turns = [m for m in messages[:-1] if m.role in ("user", "assistant")]
    history = [{"role": m.role, "content": m.text} for m in turns]
    return q, history, problem


def build_openai_api(settings: Settings, service: AssistantService, guard: Guard) -> APIRouter:
    """The ``/v1`` router: ``GET /v1/models``, ``GET /v1/models/{id}``,
    ``POST /v1/chat/completions``."""
    router = APIRouter(
        prefix="/v1",
        tags=["openai"],
        route_class=_guarded_route(guard, settings.server.max_body_bytes),
    )
    model_id = settings.server.openai_model
    enc = get_encoding(settings.chunking.encoding)

    def _model() -> Model:
        return Model(id=model_id, created=_STARTED)

    @router.get("/models", response_model=ModelList, responses=ERRORS)
    async def list_models() -> ModelList:
        """The one model this server offers: the assistant."""
        return ModelList(data=[_model()])

    @router.get("/models/{model}", response_model=Model, responses=ERRORS)
    async def get_model(model: str) -> Response:
        if model != model_id:
            return _unknown_model(model)
        return JSONResponse(_model().model_dump())

    def _unknown_model(model: str) -> JSONResponse:
        return openai_error(
            404,
            f"Không có mô hình '{model}'; dùng '{model_id}' / "
            f"The model '{model}' does not exist; use '{model_id}'",
            param="model",
        )

    def _ask(args: dict) -> Answer:
        with guard.slots:
            return service.get().ask(**args)

    @router.post("/chat/completions", response_model=ChatCompletion, responses=ERRORS)
    async def chat_completions(body: ChatCompletionRequest) -> Response:
        """Answer the last user message; ``stream: true`` for server-sent events."""
        if body.model != model_id:
            return _unknown_model(body.model)
        q, history, problem = _question(body.messages, settings.answer.max_question_chars)
        if problem:
            return openai_error(400, problem, param="messages")
        filters = body.filters.model_dump(exclude_none=True) if body.filters else None
        try:
            answer = await run_in_threadpool(
                _ask, {"question": q, "history": history, "filters": filters or None}
            )
        except Exception as exc:
            msg = friendly_error(exc)
            status = 500 if msg.startswith("Xin lỗi") else 503
            log.log(logging.ERROR if status == 500 else logging.WARNING, "v1 ask failed: %s", exc)
            return openai_error(status, msg)
        text = reply_text(answer)
        prompt = count_tokens(q, enc) + sum(count_tokens(m["content"], enc) for m in history)
        completion = count_tokens(text, enc)
        usage = Usage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )
        cid = f"chatcmpl-{uuid.uuid4().hex}"
        if body.stream:
            include = body.stream_options is not None and body.stream_options.include_usage
            return StreamingResponse(
                _stream(cid, model_id, text, details(answer), usage if include else None),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        reply = ChatCompletion(
            id=cid,
            created=int(time.time()),
            model=model_id,
            choices=[Choice(message=ResponseMessage(content=text))],
            usage=usage,
            nqcds=details(answer),
        )
        return JSONResponse(json.loads(reply.model_dump_json()))

    return router
