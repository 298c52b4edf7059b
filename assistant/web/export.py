"""A conversation and its sources as a Markdown file officials can keep or forward.

A turn is ``{"question": str, "answer": Answer | dict | None, "error": str}`` (what the web
app keeps per question). Text from users and passages is written with ``<``, ``>`` and
``&`` escaped, so opening the file in a Markdown viewer never runs markup someone typed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from kernel.types import Answer, Citation

TITLE = "Hỏi đáp về nghị quyết chuyển đổi số"
_SPACES = re.compile(r"[ \t]*\n(?:[ \t]*\n)+")


def _text(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=False)


def _quote(s: str) -> str:
    """A Markdown blockquote of ``s`` (blank lines folded so the quote stays together)."""
    return "\n".join("> " + line for line in _SPACES.sub("\n", s.strip()).splitlines())


def _as_answer(a: Any) -> Answer | None:
    if a is None or isinstance(a, Answer):
        return a
    if isinstance(a, dict):
        return Answer.model_validate(a)
    raise TypeError(f"not an answer: {type(a).__name__}")


def _passage(c: Citation) -> str:
    """The passage with the supporting sentence in bold (``**…**``)."""
    s, e = c.sentence_start - c.start, c.sentence_end - c.start
    if not (0 <= s < e <= len(c.text)):
        return _text(c.text)
    body = c.text.replace("**", "")  # the file's own bold markers would unbalance ours
    if body != c.text:  # offsets changed: find the sentence again in the cleaned text
        sent = c.text[s:e].replace("**", "").strip()
        i = body.find(sent) if sent else -1
        if i < 0:
            return _text(body)
        s, e = i, i + len(sent)
    return _text(body[:s]) + "**" + _text(body[s:e]) + "**" + _text(body[e:])


def _citation(c: Citation) -> list[str]:
    meta = " · ".join(
        x
        for x in (
            c.province,
            f"Số {c.doc_number}" if c.doc_number else "",
            f"ngày {c.date}" if c.date else "",
        )
        if x
    )
    lines = [f"**[{c.marker}]** {_text(c.title or c.file)}" + (f" — {_text(meta)}" if meta else "")]
    if c.section:
        lines.append(f"Mục: {_text(c.section)}  ")
    lines.append(f"Tệp: `{c.file}`, ký tự {c.start}–{c.end}")
    lines += ["", _quote(_passage(c)), ""]
    return lines


def conversation_markdown(turns: Iterable[dict], now: datetime | None = None) -> str:
    """The whole conversation, each answer followed by its cited passages."""
    now = now or datetime.now()
    out = [f"# {TITLE}", "", f"Xuất lúc {now:%H:%M ngày %d/%m/%Y}.", ""]
    n = 0
    for turn in turns:
        n += 1
        answer = _as_answer(turn.get("answer"))
        out += [f"## Câu hỏi {n}", "", _quote(_text(turn.get("question", ""))), ""]
        if answer is None:
            out += [f"_{_text(turn.get('error') or 'Không có câu trả lời.')}_", ""]
            continue
        # Two trailing spaces keep the answer's own line breaks in rendered Markdown.
        out += ["**Trả lời:**", "", "  \n".join(_text(answer.answer).splitlines()), ""]
        if answer.notice and answer.notice != answer.answer:
            out += [f"_Lưu ý: {_text(answer.notice)}_", ""]
        if answer.citations:
            out += ["### Nguồn", ""]
            for c in answer.citations:
                out += _citation(c)
    if n == 0:
        out += ["_Chưa có câu hỏi nào._", ""]
    return "\n".join(out).rstrip() + "\n"
