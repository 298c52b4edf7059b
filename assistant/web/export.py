"""A conversation and its sources as a Word file (.docx) officials can print or forward.

A turn is ``{"question": str, "answer": Answer | dict | None, "error": str}`` (what the web
app keeps per question). The document has a heading per question, the answer, then its
sources grouped by document: title, province, number and date, the section, and the cited
passage as a quotation with the supporting sentence in bold. Nothing a reader does not
need — no file names, no character offsets — is printed.

One function per format (:func:`conversation_docx`, :func:`conversation_markdown`); where
the files are kept is the caller's business.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.web.docx_style import labelled, new_document, quote
from assistant.web.ui.reflow import reflow
from assistant.web.ui.render import citation_meta, section_path, segments, sentence_spans, tidy
from kernel.types import Answer, Citation

TITLE = "Hỏi đáp về nghị quyết chuyển đổi số"
_SPACES = re.compile(r"[ \t]*\n(?:[ \t]*\n)+")
_RUNS = re.compile(r"[ \t]{2,}")


def _as_answer(a: Any) -> Answer | None:
    if a is None or isinstance(a, Answer):
        return a
    if isinstance(a, dict):
        return Answer.model_validate(a)
    raise TypeError(f"not an answer: {type(a).__name__}")


def _clean(text: str) -> str:
    """Tidied, re-flowed text with single spaces (no blank lines)."""
    return _RUNS.sub(" ", tidy(text))


def passage_segments(c: Citation) -> list[tuple[str, bool]]:
    """The passage re-flowed and tidied, in pieces, each with whether it is a supporting
    sentence (to set in bold)."""
    text = reflow(c.text)
    pieces = [(_clean(t), marked) for t, marked in segments(text, sentence_spans(c, text))]
    if pieces:
        pieces[0] = (pieces[0][0].lstrip(), pieces[0][1])
        pieces[-1] = (pieces[-1][0].rstrip(), pieces[-1][1])
    return [(t, marked) for t, marked in pieces if t]


def _groups(citations: list[Citation]) -> list[list[Citation]]:
    groups: dict[str, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.file, []).append(c)
    return list(groups.values())


def _stamp(now: datetime, n: int) -> str:
    return f"Xuất lúc {now:%H:%M} ngày {now:%d/%m/%Y} · {n} câu hỏi"


def conversation_docx(turns: Iterable[dict], path: str | Path, now: datetime | None = None) -> Path:
    """Write the conversation as a print-ready Word document at ``path``."""
    turns = list(turns)
    doc = new_document(TITLE, _stamp(now or datetime.now(), len(turns)))
    if not turns:
        doc.add_paragraph("Chưa có câu hỏi nào.")
    for n, turn in enumerate(turns, start=1):
        question = " ".join(str(turn.get("question", "")).split())
        doc.add_heading(f"Câu hỏi {n}: {question}", level=1)
        answer = _as_answer(turn.get("answer"))
        if answer is None:
            doc.add_paragraph().add_run(turn.get("error") or "Không có câu trả lời.").italic = True
            continue
        doc.add_paragraph().add_run("Trả lời:").bold = True
        for line in answer.answer.strip().splitlines():
            if line.strip():
                doc.add_paragraph(line.strip())
        for note in (answer.notice, turn.get("note", "")):
            if note and note != answer.answer:
                doc.add_paragraph().add_run(f"Lưu ý: {note}").italic = True
        if not answer.citations:
            continue
        doc.add_heading("Nguồn", level=2)
        for group in _groups(answer.citations):
            first = group[0]
            head = doc.add_paragraph()
            head.add_run(first.title or first.province).bold = True
            head.add_run(f" — {citation_meta(first)}")
            for c in group:
                labelled(doc, f"[{c.marker}] ", f"Mục: {section_path(c) or '—'}")
                pieces = [("“", False), *passage_segments(c), ("”", False)]
                quote(doc, pieces)
    path = Path(path)
    doc.save(str(path))
    return path


def _text(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=False)


def _quote_md(s: str) -> str:
    """A Markdown blockquote of ``s`` (blank lines folded so the quote stays together)."""
    return "\n".join("> " + line for line in _SPACES.sub("\n", s.strip()).splitlines())


def _citation_md(c: Citation) -> list[str]:
    lines = [f"**[{c.marker}]** {_text(c.title or c.province)} — {_text(citation_meta(c))}  "]
    if c.section:
        lines.append(f"Mục: {_text(section_path(c))}")
    body = "".join(_bold(_text(t)) if marked else _text(t) for t, marked in passage_segments(c))
    return [*lines, "", _quote_md(body), ""]


def _bold(s: str) -> str:
    """``s`` in Markdown bold, its outer spaces kept outside the markers (or it is not bold)."""
    core = s.strip()
    if not core:
        return s
    lead, trail = s[: len(s) - len(s.lstrip())], s[len(s.rstrip()) :]
    return f"{lead}**{core}**{trail}"


def conversation_markdown(turns: Iterable[dict], now: datetime | None = None) -> str:
    """The same conversation as Markdown (text from users and passages HTML-escaped)."""
    turns = list(turns)
    now = now or datetime.now()
    out = [f"# {TITLE}", "", _stamp(now, len(turns)) + ".", ""]
    for n, turn in enumerate(turns, start=1):
        answer = _as_answer(turn.get("answer"))
        out += [f"## Câu hỏi {n}", "", _quote_md(_text(turn.get("question", ""))), ""]
        if answer is None:
            out += [f"_{_text(turn.get('error') or 'Không có câu trả lời.')}_", ""]
            continue
        # Two trailing spaces keep the answer's own line breaks in rendered Markdown.
        out += ["**Trả lời:**", "", "  \n".join(_text(answer.answer).splitlines()), ""]
        for note in (answer.notice, turn.get("note", "")):
            if note and note != answer.answer:
                out += [f"_Lưu ý: {_text(note)}_", ""]
        if answer.citations:
            out += ["### Nguồn", ""]
            for c in answer.citations:
                out += _citation_md(c)
    if not turns:
        out += ["_Chưa có câu hỏi nào._", ""]
    return "\n".join(out).rstrip() + "\n"
