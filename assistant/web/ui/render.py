"""Text and HTML shown in the web app, built from answers and citations.

Everything that comes from users, passages or documents goes through :func:`html.escape`
here (and, for the chat, Markdown escaping too): no markup typed by a user or present in a
passage ever reaches the browser as markup. Passages keep their exact words; only the
Markdown-ish formatting of the source files (``**``, ``<sup>``, ``#``) is tidied and hard
line breaks inside a phrase are re-flowed (:mod:`.reflow`, offsets unchanged).

The few tags the chat message itself adds (``[n]`` links, the copy button) are ones the
Chatbot's sanitizer keeps: ``a`` with ``class``/``href``, ``button``, ``span hidden``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from assistant.web.ui.labels import words
from assistant.web.ui.reflow import reflow
from kernel.types import REFUSAL, Answer, Citation, FileMeta

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$<>])")
_SUP = re.compile(r"<sup>\s*([^<]{0,12}?)\s*</sup>", re.IGNORECASE)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_HEADING_HASHES = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]+")
_BLANK_LINES = re.compile(r"[ \t]*\n(?:[ \t]*\n)+")
_MARKER = re.compile(r"\\\[(\d{1,2})\\\]")


def esc(text: object) -> str:
    """HTML-escaped text (quotes too, so it is safe inside attributes)."""
    return html.escape("" if text is None else str(text), quote=True)


def plain_md(text: str) -> str:
    """``text`` as Markdown that renders literally: no HTML, no formatting, line breaks kept.

    HTML-special characters become entities and every Markdown punctuation mark is
    backslash-escaped, so ``<img onerror=…>`` or ``**x**`` typed by a user shows as typed.
    """
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text or "", quote=False))


def _sup(m: re.Match) -> str:
    inner = m.group(1)
    return inner.translate(_SUPERSCRIPT) if inner.isdigit() else f"({inner})"


def tidy(text: str) -> str:
    """Source-file formatting removed: bold markers, ``<sup>n</sup>``, heading hashes."""
    text = _SUP.sub(_sup, text or "")
    text = text.replace("**", "")
    text = _HEADING_HASHES.sub("", text)
    return _BLANK_LINES.sub("\n", text)


def sentence_span(
    text: str, start: int, sent_start: int, sent_end: int, sentence: str
) -> tuple[int, int] | None:
    """The supporting sentence's span relative to a passage starting at ``start``."""
    s, e = sent_start - start, sent_end - start
    if 0 <= s < e <= len(text):
        return s, e
    if sentence:  # offsets missing or stale: fall back to finding the sentence itself
        i = text.find(sentence)
        if i >= 0:
            return i, i + len(sentence)
    return None


def sentence_spans(c: Citation, text: str | None = None) -> list[tuple[int, int]]:
    """The supporting sentences' spans relative to the cited passage (``text``, by default
    ``c.text``): each one when the citation lists several, else its one span."""
    text = c.text if text is None else text
    rel = [(s - c.start, e - c.start) for s, e in c.spans]
    rel = [(s, e) for s, e in rel if 0 <= s < e <= len(text)]
    if rel:
        return rel
    one = sentence_span(text, c.start, c.sentence_start, c.sentence_end, c.sentence)
    return [one] if one else []


def segments(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at ``spans`` (relative offsets, clipped, overlaps dropped): its pieces in
    order, each with whether it is a supporting sentence."""
    out: list[tuple[str, bool]] = []
    at = 0
    for s, e in sorted(spans):
        s, e = max(s, at), min(e, len(text))
        if s >= e:
            continue
        if s > at:
            out.append((text[at:s], False))
        out.append((text[s:e], True))
        at = e
    if at < len(text):
        out.append((text[at:], False))
    return out


def marked_html(text: str, spans: Sequence[tuple[int, int]], mark_id: str = "") -> str:
    """Escaped, re-flowed, tidied ``text`` with ``<mark>`` around each of ``spans``
    (relative offsets); ``mark_id`` goes on the first."""
    text = reflow(text)  # same length: the spans still point at the same characters
    out = []
    attr = f' id="{esc(mark_id)}"' if mark_id else ""
    for piece, marked in segments(text, spans):
        if marked:
            out.append(f'<mark class="nq-mark"{attr}>{esc(tidy(piece))}</mark>')
            attr = ""  # the id names the first supporting sentence only
        else:
            out.append(esc(tidy(piece)))
    return "".join(out)


def citation_meta(c: Citation, lang: str = "vi") -> str:
    """``Quảng Ngãi · Số 16-NQ/TU · ngày 19/10/2021`` (what the citation knows)."""
    w = words(lang=lang)
    bits = [c.province or "—"]
    if c.doc_number:
        bits.append(f"{w['number']} {c.doc_number}")
    if c.date:
        bits.append(f"{w['date']} {c.date}")
    if not (c.doc_number or c.date):
        bits.append(w["no_number"])
    return " · ".join(bits)


def section_path(c: Citation) -> str:
    """The heading path without the province in front (the group header names it)."""
    prefix = f"{c.province} › " if c.province else ""
    return c.section[len(prefix) :] if prefix and c.section.startswith(prefix) else c.section


def _last_heading(section: str) -> str:
    return section.split(" › ")[-1] if section else ""


def ref_link(turn: int, marker: int | str) -> str:
    """A ``[n]`` marker as a link to source ``n`` of answer ``turn`` (see SOURCES_JS)."""
    return f'<a class="nq-ref" href="#nq-src-{int(turn)}-{int(marker)}">\\[{int(marker)}\\]</a>'


def copy_text(answer: Answer) -> str:
    """What "Sao chép" puts on the clipboard: the answer, its note and full citations."""
    w = words(answer)
    parts = [answer.answer.strip()]
    if answer.notice and answer.notice != answer.answer:
        parts.append(f"{w['notice']}: {answer.notice}")
    if answer.citations:
        lines = [f"{w['sources']}:"]
        for c in answer.citations:
            where = section_path(c)
            lines.append(
                f"[{c.marker}] {c.title or c.province} — {citation_meta(c, w['lang'])}"
                + (f" — {w['section']}: {where}" if where else "")
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def answer_body(answer: Answer) -> str:
    """The answer text alone, literal, markers in bold (what is shown while it streams)."""
    return _MARKER.sub(r"**\\[\1\\]**", plain_md(answer.answer))


def answer_markdown(answer: Answer, turn: int = 1, note: str = "") -> str:
    """The assistant's chat message: answer with ``[n]`` links, notices, sources, copy button.

    ``turn`` (1-based) is the answer's place in the conversation, written into the links so
    a click shows that answer's sources even when another answer's are on screen; ``note``
    is the UI's own remark (e.g. about the user's search scope), shown under the answer.
    """
    w = words(answer)
    body = _MARKER.sub(lambda m: ref_link(turn, m.group(1)), plain_md(answer.answer))
    parts = [body]
    for extra in (answer.notice, note):
        if extra and extra != answer.answer:
            parts.append(f"_{plain_md(w['notice'])}:_ " + plain_md(extra))
    if answer.citations:
        where = (
            f'(<span class="nq-wide">{esc(w["sources_wide"])}</span>'
            f'<span class="nq-narrow">{esc(w["sources_narrow"])}</span>)'
        )
        lines = [f"_{plain_md(w['sources'])}_ {where}:"]
        for c in answer.citations:
            label = " — ".join(x for x in (c.province, _last_heading(c.section)) if x)
            lines.append(ref_link(turn, c.marker) + " " + plain_md(label or c.title))
        parts.append("  \n".join(lines))
    clip = plain_md(copy_text(answer)).replace("\n", "<br>")
    parts.append(
        f'<button type="button" class="nq-copy">{esc(w["copy"])}</button>'
        f'<span hidden class="nq-copytext">{clip}</span>'
    )
    return "\n\n".join(parts)


def _groups(citations: list[Citation]) -> list[list[Citation]]:
    """Citations of one document together, in the order the document is first cited."""
    groups: dict[str, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.file, []).append(c)
    return list(groups.values())


def sources_html(
    answer: Answer | None, message: str = "", turn: int | None = None, question: str = ""
) -> str:
    """The sources panel: citations grouped by document, the supporting sentence in ``<mark>``.

    ``turn`` (1-based) is written as ``data-turn`` so scripts and tests can tell which
    answer the panel belongs to, and that the answer has finished streaming.
    """
    w = words(answer)
    lang = w["lang"]
    attr = f' data-turn="{int(turn)}"' if turn is not None else ""
    attr += f' lang="{lang}"'
    if answer is None:
        note = message or "Các đoạn văn bản được trích dẫn sẽ hiện ở đây."
        return f'<div class="nq-sources nq-empty"{attr}><p>{esc(note)}</p></div>'
    out = [f'<div class="nq-sources"{attr}>']
    if answer.citations:
        out.append(f'<h3 class="nq-h">{esc(w["panel_title"])} ({len(answer.citations)})</h3>')
        if question:
            out.append(f'<p class="nq-for">{esc(w["sources_of"].format(question=question))}</p>')
        for group in _groups(answer.citations):
            first = group[0]
            out.append(
                '<section class="nq-src-group">'
                f'<div class="nq-group-head"><strong class="nq-title">'
                f"{esc(first.title or first.province)}</strong>"
                f'<div class="nq-meta">{esc(citation_meta(first, lang))}</div></div>'
            )
            for c in group:
                quoted = marked_html(c.text, sentence_spans(c))
                out.append(
                    f'<article class="nq-src" id="nq-src-{c.marker}">'
                    f'<div class="nq-src-head"><span class="nq-marker">[{c.marker}]</span> '
                    f'<span class="nq-section">{esc(w["section"])}: '
                    f"{esc(section_path(c) or '—')}</span></div>"
                    f'<blockquote class="nq-passage">{quoted}</blockquote>'
                    f'<button type="button" class="nq-open" data-marker="{c.marker}">'
                    f"{esc(w['open'])}</button></article>"
                )
            out.append("</section>")
    elif answer.refused or REFUSAL in answer.answer:
        out.append(f"<p>{esc(answer.answer if answer.refused else REFUSAL)}</p>")
        if message:
            out.append(f'<p class="nq-scope-note" role="note">{esc(message)}</p>')
        if answer.passages:
            out.append(f'<h3 class="nq-h">{esc(w["nearest"])}</h3><ul>')
            for p in answer.passages[:3]:
                out.append(f"<li>{esc(p.chunk.title)} — {esc(p.chunk.section)}</li>")
            out.append("</ul>")
    else:
        out.append(f"<p>{esc(message or w['no_citation'])}</p>")
    out.append("</div>")
    return "".join(out)


def document_label(meta: FileMeta, width: int = 90) -> str:
    """Short choice label: ``Quảng Ngãi — Nghị quyết về chuyển đổi số …``."""
    label = f"{meta.province or '—'} — {meta.title or meta.file}"
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def document_choices(metas: Iterable[FileMeta]) -> list[tuple[str, str]]:
    """``(label, file)`` choices of a document picker, in the catalog's order."""
    return [(document_label(m), m.file) for m in metas]
