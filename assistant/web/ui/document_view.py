"""A whole document as HTML for the "Văn bản" reader: headings once, contents, find box.

Headings come from the chunks' heading paths. A passage usually starts with its own
heading, often hard-wrapped or shortened with "…" in the path: the heading is printed
once, in full, from the passage's first (re-flowed) line. A heading that runs into its
paragraph ("1. Các cấp ủy … có trách nhiệm …") stays in the text and is not printed above
it. Every heading gets an anchor for the table of contents; the find box is wired by
``DOCUMENT_JS`` (client-side, ignoring case and diacritics).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.web.ui.reflow import reflow
from assistant.web.ui.render import esc, marked_html, tidy
from kernel.types import Chunk, Citation, FileMeta

_TERMINAL = re.compile(r"[.;!?]\)?[\"”']?$")
_MAX_HEADING = 220  # a first line longer than this is a paragraph, not a heading
TOC_LEVELS = 3  # I. / 1. / 1.1. — deeper headings stay out of the contents


@dataclass
class _Lead:
    """How a passage's first line relates to its heading."""

    skip: int = 0  # characters of the text that only repeat the heading
    title: str = ""  # the heading as the text writes it (in full)
    runs_in: bool = False  # the heading is the start of the paragraph


def _norm(text: str) -> str:
    return " ".join(tidy(text).split())


def _consume(text: str, target: str) -> int | None:
    """Index in ``text`` just after ``target``'s characters, whitespace and markup aside."""
    i = 0
    for ch in target:
        if ch.isspace():
            continue
        while i < len(text) and (text[i].isspace() or text[i] in "*#"):
            i += 1
        if i >= len(text) or text[i] != ch:
            return None
        i += 1
    return i


def _lead(text: str, heading: str) -> _Lead:
    """Does ``text`` start with ``heading`` — as a line of its own, or running in?"""
    target = _norm(heading.rstrip("…").rstrip())
    after = _consume(text, target) if target else None
    if after is None:
        return _Lead()
    flowed = reflow(text)
    end = flowed.find("\n", after)
    first = _norm(flowed if end < 0 else flowed[:end])
    if len(first) <= len(target) + 2 or (
        heading.endswith("…") and not _TERMINAL.search(first) and len(first) <= _MAX_HEADING
    ):
        skip = len(text) if end < 0 else end + 1
        while skip < len(text) and text[skip].isspace():
            skip += 1  # the blank lines after the heading would print as an empty line
        return _Lead(skip=skip, title=first)
    return _Lead(runs_in=True)


def document_html(meta: FileMeta, chunks: Iterable[Chunk], cite: Citation | None = None) -> str:
    """A whole document: tools (contents, find), title, facts, headings and passages.

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
    head.append(facts_html(meta))
    body: list[str] = []
    toc: list[tuple[int, str, str]] = []  # (level, anchor, title)
    prev: list[str] = []
    anchored = False
    for i, c in enumerate(chunks):
        # First heading level that differs from the previous passage: print from there.
        same = min(len(prev), len(c.headings))
        depth = next((k for k in range(same) if prev[k] != c.headings[k]), same)
        lead = _lead(c.text, c.headings[-1]) if depth < len(c.headings) else _Lead()
        shown = c.headings[depth : len(c.headings) - 1 if lead.runs_in else None]
        for level, title in enumerate(shown, start=depth):
            if level == len(c.headings) - 1 and lead.title:
                title = lead.title  # the full heading, not the path's shortened one
            anchor = f"nq-h-{len(toc)}"
            toc.append((level, anchor, title))
            tag = f"h{min(3 + level, 6)}"
            body.append(f'<{tag} class="nq-h nq-level-{level}" id="{anchor}">{esc(title)}</{tag}>')
        prev = c.headings
        skip = lead.skip
        cited = cite is not None and c.start < cite.end and cite.start < c.end
        spans = []
        if cited:
            whole = [(cite.sentence_start, cite.sentence_end)] if cite.sentence_end else []
            spans = [
                (s - c.start - skip, e - c.start - skip)
                for s, e in cite.spans or whole
                if e > c.start and s < c.end
            ]
        if not c.text[skip:].strip() and not cited:
            continue  # the passage was only its heading, already printed above
        section_id = "nq-cited" if cited and not anchored else f"nq-chunk-{i}"
        if lead.runs_in:
            toc.append((len(c.headings) - 1, section_id, c.headings[-1]))
        anchored = anchored or cited
        cls = "nq-chunk nq-cited" if cited else "nq-chunk"
        body.append(
            f'<section class="{cls}" id="{section_id}" data-start="{c.start}">'
            f"{marked_html(c.text[skip:], spans)}</section>"
        )
    if not body:
        body.append("<p>Không có nội dung cho văn bản này trong chỉ mục.</p>")
    return (
        '<div class="nq-doc" lang="vi">'
        + _tools(toc)
        + "".join(head)
        + '<div class="nq-doc-body">'
        + "".join(body)
        + "</div></div>"
    )


def _tools(toc: list[tuple[int, str, str]]) -> str:
    """The reader's sticky bar: a collapsible table of contents and the find box."""
    items = "".join(
        f'<li class="nq-toc-l{level}"><a class="nq-toc-link" href="#{anchor}">{esc(title)}</a></li>'
        for level, anchor, title in toc
        if level < TOC_LEVELS
    )
    contents = (
        f'<details class="nq-toc"><summary>Mục lục</summary><ol>{items}</ol></details>'
        if items
        else ""
    )
    return (
        '<div class="nq-doc-tools">' + contents + '<div class="nq-find" role="search">'
        '<input type="search" class="nq-find-input" aria-label="Tìm trong văn bản" '
        'placeholder="Tìm trong văn bản (có dấu hoặc không dấu)…" autocomplete="off">'
        '<button type="button" class="nq-find-prev" aria-label="Kết quả trước" '
        'title="Kết quả trước">↑</button>'
        '<button type="button" class="nq-find-next" aria-label="Kết quả sau" '
        'title="Kết quả sau">↓</button>'
        '<span class="nq-find-count" aria-live="polite"></span></div></div>'
    )


_FACT_LABELS = (
    ("kind", "Loại văn bản"),
    ("number", "Số hiệu"),
    ("date", "Ngày ban hành"),
    ("issuing_body", "Cơ quan ban hành"),
    ("signer", "Người ký"),
    ("signer_title", "Chức vụ người ký"),
    ("period", "Giai đoạn"),
    ("implements", "Thực hiện (văn bản căn cứ)"),
)


def facts_html(meta: FileMeta) -> str:
    """What is known of each document of the file, and whether it was read from its text,
    so an official can check what the assistant will say about it."""
    source = (
        "Các thông tin dưới đây được phát hiện tự động từ nội dung văn bản: vui lòng kiểm tra; "
        "có thể sửa bằng tệp corpus/manifest.json."
        if meta.detected
        else "Theo danh mục văn bản (corpus/manifest.json); ô trống được bổ sung từ nội dung."
    )
    rows = []
    for p in meta.parts:
        cells = "".join(
            f"<tr><th>{esc(label)}</th><td>{esc(getattr(p, name) or '—')}</td></tr>"
            for name, label in _FACT_LABELS
        )
        rows.append(f'<table class="nq-facts">{cells}</table>')
    return (
        '<details class="nq-facts-box"><summary>Thông tin văn bản</summary>'
        f'<p class="nq-meta">{esc(source)}</p>{"".join(rows)}</details>'
    )
