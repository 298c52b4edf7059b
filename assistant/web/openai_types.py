"""Request and response bodies of the OpenAI-compatible routes (the Chat Completions wire
format), plus the one extension: ``nqcds``, the structured citations of an answer.

Fields OpenAI clients send that mean nothing here (temperature, top_p, max_tokens, tools,
…) are accepted and ignored, as most OpenAI-compatible servers do, so that any client's
defaults work.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kernel.types import Citation


class ContentPart(BaseModel):
    """One part of a message's content; only ``text`` parts carry words for the assistant."""

    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """A message of the conversation, as OpenAI clients send it."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None

    @property
    def text(self) -> str:
        """The message's words (text parts joined; images and audio are not read)."""
        if isinstance(self.content, str):
            return self.content
        return " ".join(p.text for p in self.content or [] if p.type == "text" and p.text)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class Filters(BaseModel):
    """Extension: restrict the search to some documents (file names) or provinces."""

    model_config = ConfigDict(extra="forbid")

    files: list[str] | None = None
    provinces: list[str] | None = None


class ChatCompletionRequest(BaseModel):
    """``POST /v1/chat/completions``: the last user message is the question, the earlier
    user and assistant messages are the history (follow-ups such as "còn năm 2025?")."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(description="the assistant's model id, from GET /v1/models")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1, le=1, description="one answer per request")
    filters: Filters | None = Field(
        None, description="extension (send with the OpenAI SDK as extra_body={'filters': …})"
    )
    user: str | None = None


class Usage(BaseModel):
    """Token counts (tiktoken cl100k_base) of the question with its history and the reply."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AnswerDetails(BaseModel):
    """Extension ``nqcds``: the answer's structured sources, as ``POST /api/ask`` gives them.

    ``citations[i].marker`` is the ``[n]`` of the reply's text; ``file`` with
    ``start``/``end`` is the cited passage's exact span in the original file, and
    ``sentence_start``/``sentence_end`` the supporting sentence's.
    """

    answer: str = Field(description="the answer alone, with its [n] markers, no source list")
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = Field(False, description="the documents do not answer the question")
    notice: str = ""
    backend: str = "extractive"


class ResponseMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str
    refusal: str | None = None


class Choice(BaseModel):
    index: int = 0
    message: ResponseMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    """The non-streaming reply."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    system_fingerprint: str | None = None
    nqcds: AnswerDetails


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One server-sent event of a streamed reply; the last one with a finish reason also
    carries ``nqcds``."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    nqcds: AnswerDetails | None = None


class Model(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "nqcds"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Model]


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """OpenAI's error shape: ``{"error": {"message", "type", "param", "code"}}``."""

    error: ErrorBody
