"""HTML of the targets tab: a row's cited sentence, and the rows as cards for phones."""

from __future__ import annotations

from assistant.targets.model import Target, kind_label, metric_label, target_citation
from assistant.targets.table import metric_text
from assistant.web.ui.render import citation_meta, esc


def cards_html(rows: list[Target]) -> str:
    """The rows as cards (the phone layout of the table): figure, year, sentence, open."""
    if not rows:
        return '<div class="nq-cards"></div>'
    out = ['<div class="nq-cards" role="list" aria-label="Bảng chỉ tiêu">']
    for i, r in enumerate(rows, start=1):
        year = f"năm {r.target_year}" if r.target_year is not None else "không nêu năm"
        out.append(
            '<article class="nq-card" role="listitem">'
            f'<div class="nq-card-head">{i} · {esc(r.province)} · {esc(r.pillar)} · '
            f"{esc(kind_label(r.kind))}</div>"
            f'<div class="nq-card-metric">{esc(metric_text(r))}</div>'
            f'<div><span class="nq-card-value">{esc(r.display)}</span> · {esc(year)}</div>'
            "<details><summary>Câu gốc và mục</summary>"
            f'<div class="nq-section">Mục: {esc(r.section)}</div>'
            f'<blockquote class="nq-passage"><mark class="nq-mark">{esc(r.sentence)}</mark>'
            f'</blockquote><button type="button" class="nq-open" data-id="{esc(r.id)}">'
            "Mở trong văn bản</button></details></article>"
        )
    out.append("</div>")
    return "".join(out)


CARDS_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.nq-open');
  if (b && element.contains(b)) trigger('click', {id: b.dataset.id});
});
"""
"""A card's "Mở trong văn bản" sends the row's id to the server."""


def passage_html(row: Target, docs: dict | None = None) -> str:
    """The cited sentence of ``row`` with its document, section and figure, all escaped."""
    c = target_citation(1, row, docs)
    return (
        '<article class="nq-src">'
        f'<div class="nq-src-head"><strong class="nq-title">{esc(c.title or c.file)}</strong>'
        f" — {esc(metric_label(row.metric_key, metric_text(row)))}: "
        f"<strong>{esc(row.display)}</strong></div>"
        f'<div class="nq-meta">{esc(citation_meta(c))}</div>'
        f'<div class="nq-section">Mục: {esc(c.section or "—")}</div>'
        f'<blockquote class="nq-passage"><mark class="nq-mark">{esc(c.sentence)}</mark>'
        "</blockquote></article>"
    )
