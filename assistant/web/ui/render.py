"""Text and HTML shown in the web app, built from answers, citations and chunks.

Everything that comes from users, passages or documents goes through :func:`html.escape`
here (and, for the chat, Markdown escaping too): no markup typed by a user or present in a
passage ever reaches the browser as markup. Passages keep their exact words; only the
Markdown-ish formatting of the source files (``**``, ``<sup>``, ``#``) is tidied so it
reads as plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from kernel.types import REFUSAL, Answer, Chunk, Citation, FileMeta

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


def _span_in(
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


def marked_html(text: str, span: tuple[int, int] | None, mark_id: str = "") -> str:
    """Escaped, tidied ``text`` with ``<mark>`` around ``span`` (relative offsets)."""
    if not span:
        return esc(tidy(text))
    s, e = max(0, span[0]), min(len(text), span[1])
    if s >= e:
        return esc(tidy(text))
    attr = f' id="{esc(mark_id)}"' if mark_id else ""
    return (
        esc(tidy(text[:s]))
        + f'<mark class="nq-mark"{attr}>{esc(tidy(text[s:e]))}</mark>'
        + esc(tidy(text[e:]))
    )


def citation_meta(c: Citation) -> str:
    """``Quảng Ngãi · Số 16-NQ/TU · ngày 19/10/2021`` (what the citation knows)."""
    bits = [c.province or "—"]
    if c.doc_number:
        bits.append(f"Số {c.doc_number}")
    if c.date:
        bits.append(f"ngày {c.date}")
    if not (c.doc_number or c.date):
        bits.append("văn bản không ghi số, ngày")
    return " · ".join(bits)


def _last_heading(section: str) -> str:
    return section.split(" › ")[-1] if section else ""


def answer_markdown(answer: Answer) -> str:
    """The assistant's chat message: answer, notice and a short source list, all literal."""
    body = _MARKER.sub(r"**\\[\1\\]**", plain_md(answer.answer))
    parts = [body]
    if answer.notice and answer.notice != answer.answer:
        parts.append("_Lưu ý:_ " + plain_md(answer.notice))
    if answer.citations:
        lines = ["_Nguồn (xem khung bên phải):_"]
        for c in answer.citations:
            where = " — ".join(x for x in (c.province, _last_heading(c.section)) if x)
            lines.append(f"**\\[{c.marker}\\]** " + plain_md(where or c.title))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def sources_html(answer: Answer | None, message: str = "", turn: int | None = None) -> str:
    """The sources panel: one card per citation, the supporting sentence in ``<mark>``.

    ``turn`` (1-based) is written as ``data-turn`` so scripts and tests can tell which
    answer the panel belongs to, and that the answer has finished streaming.
    """
    attr = f' data-turn="{int(turn)}"' if turn is not None else ""
    if answer is None:
        note = message or "Các đoạn văn bản được trích dẫn sẽ hiện ở đây."
        return f'<div class="nq-sources nq-empty"{attr}><p>{esc(note)}</p></div>'
    out = [f'<div class="nq-sources"{attr}>']
    if answer.citations:
        out.append(f'<h3 class="nq-h">Nguồn trích dẫn ({len(answer.citations)})</h3>')
        for c in answer.citations:
            span = _span_in(c.text, c.start, c.sentence_start, c.sentence_end, c.sentence)
            out.append(
                f'<article class="nq-src" id="nq-src-{c.marker}">'
                f'<div class="nq-src-head"><span class="nq-marker">[{c.marker}]</span> '
                f'<strong class="nq-title">{esc(c.title or c.file)}</strong></div>'
                f'<div class="nq-meta">{esc(citation_meta(c))}</div>'
                f'<div class="nq-section">Mục: {esc(c.section or "—")}</div>'
                f'<blockquote class="nq-passage">{marked_html(c.text, span)}</blockquote>'
                f'<button type="button" class="nq-open" data-marker="{c.marker}">'
                "Mở trong văn bản</button></article>"
            )
    elif answer.refused or REFUSAL in answer.answer:
        out.append(f"<p>{esc(REFUSAL)}</p>")
        if answer.passages:
            out.append('<h3 class="nq-h">Các đoạn gần nhất (không đủ để trả lời)</h3><ul>')
            for p in answer.passages[:3]:
                out.append(f"<li>{esc(p.chunk.title)} — {esc(p.chunk.section)}</li>")
            out.append("</ul>")
    else:
        out.append(f"<p>{esc(message or 'Câu trả lời này không có trích dẫn.')}</p>")
    out.append("</div>")
    return "".join(out)


def document_html(meta: FileMeta, chunks: Iterable[Chunk], cite: Citation | None = None) -> str:
    """A whole document: its headings (from the chunks' heading paths) and passages in order.

    With ``cite``, the passages it spans get the ``nq-cited`` class, the first one the
    ``nq-cited`` anchor id, and the supporting sentence a ``<mark>``.
    """
    chunks = sorted(chunks, key=lambda c: c.start)
    head = [f'<h2 class="nq-doc-title">{esc(meta.title or meta.file)}</h2>']
    facts = [f"Tỉnh/cơ quan: {meta.province or '—'}"]
    for p in meta.parts:
        bits = [
            p.label or p.kind,
            f"ngày {p.date}" if p.date else "",
            p.issuing_body,
            f"ký: {p.signer}" if p.signer else "",
        ]
        facts.append(" · ".join(b for b in bits if b))
    head.append("".join(f'<div class="nq-meta">{esc(f)}</div>' for f in facts))
    body: list[str] = []
    prev: list[str] = []
    anchored = False
    for i, c in enumerate(chunks):
        # First heading level that differs from the previous passage: print from there.
        same = min(len(prev), len(c.headings))
        depth = next((k for k in range(same) if prev[k] != c.headings[k]), same)
        new_heading = depth < len(c.headings)
        # The passage usually repeats its heading as its first line: print it once. A line
        # that only repeats the heading is skipped; a run-in heading ("a) Về …: 100% …")
        # stays in the text and is not printed above it.
        skip = _repeated_heading(c.text, c.headings[-1]) if new_heading else 0
        runin = new_heading and not skip and _runs_in(c.text, c.headings[-1])
        shown = c.headings[depth : len(c.headings) - 1 if runin else None]
        for level, title in enumerate(shown, start=depth):
            tag = f"h{min(3 + level, 6)}"
            body.append(f'<{tag} class="nq-h nq-level-{level}">{esc(title)}</{tag}>')
        prev = c.headings
        cited = cite is not None and c.start < cite.end and cite.start < c.end
        span = None
        if cited and cite.sentence_end > c.start and cite.sentence_start < c.end:
            span = (cite.sentence_start - c.start - skip, cite.sentence_end - c.start - skip)
        if not c.text[skip:].strip() and not cited:
            continue  # the passage was only its heading, already printed above
        attrs = ' id="nq-cited"' if cited and not anchored else f' id="nq-chunk-{i}"'
        anchored = anchored or cited
        cls = "nq-chunk nq-cited" if cited else "nq-chunk"
        body.append(
            f'<section class="{cls}"{attrs} data-start="{c.start}">'
            f"{marked_html(c.text[skip:], span)}</section>"
        )
    if not body:
        body.append("<p>Không có nội dung cho văn bản này trong chỉ mục.</p>")
    return '<div class="nq-doc">' + "".join(head) + "".join(body) + "</div>"


def _repeated_heading(text: str, heading: str) -> int:
    """Length of ``text``'s first line when it just repeats ``heading`` (else 0)."""
    line_end = text.find("\n")
    first = text if line_end < 0 else text[:line_end]
    norm = " ".join(tidy(first).split())
    target = " ".join(heading.rstrip("…").split())
    if norm and target and norm.startswith(target) and len(norm) <= len(target) + 2:
        return len(text) if line_end < 0 else line_end + 1
    return 0


def _runs_in(text: str, heading: str) -> bool:
    """True when ``text`` starts with ``heading`` (maybe shortened with …) and goes on."""
    first = " ".join(tidy(text.split("\n", 1)[0]).split())
    target = " ".join(heading.rstrip("…").split())
    return bool(target) and first.startswith(target) and len(first) > len(target) + 2


def document_label(meta: FileMeta, width: int = 90) -> str:
    """Short choice label: ``Quảng Ngãi — Nghị quyết về chuyển đổi số …``."""
    label = f"{meta.province or '—'} — {meta.title or meta.file}"
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def document_choices(metas: Iterable[FileMeta]) -> list[tuple[str, str]]:
    """``(label, file)`` choices of a document picker, in the catalog's order."""
    return [(document_label(m), m.file) for m in metas]
