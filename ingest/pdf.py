"""A PDF's text layer as lines in reading order, with its ruled tables as rows.

Vietnamese administrative documents put two blocks side by side in their header (the
issuing body left, the national motto and the date right) and their closing (the
addressees left, the signature right). Read across the page, the two would be interleaved
("Nơi nhận: T/M TỈNH ỦY"), so lines are taken in the order the PDF draws them (its text
flow: one block, then the other), as the writing program laid them out. Tables, found by
pdfplumber from their rules, become one line per row (see ``table_row``), put back
before the first line drawn below them.
"""

from __future__ import annotations

from pathlib import Path

# How far (points) characters of one line may sit apart vertically. A glyph the main font
# lacks ("Ế", "Ị" in a bold title) comes from a fallback font whose box sits ~3 pt higher:
# pdfplumber's default (3) cut "QUYẾT ĐỊNH" into "QUY / Ế / T Đ / Ị / NH". Lines of body
# text are a font size (≥ 10 pt) apart, far more than this.
Y_TOLERANCE = 5


def table_row(cells: list[str | None]) -> str:
    """A table row as one line, its cells' own line breaks folded.

    A row of three filled cells or more is written as a spreadsheet copies it: cells
    separated by a tab, an empty cell as a space. Its text is then the row's words with
    whitespace between them, as the same table reads in a .txt file, so a passage quoted
    from it is found whatever format the document came in. A shorter row (a group row of
    merged cells, a two-column table) keeps " | " between its cells: a tab line that short
    is what a stamp copied from a scan looks like, which the cleaner drops.
    """
    texts = [" ".join((c or "").split()) for c in cells]
    if sum(bool(t) for t in texts) >= 3:
        return "\t".join(t or " " for t in texts)
    return " | ".join(texts) if any(texts) else ""


def pages(path: Path) -> list[str]:
    """Each page's text (see the module docstring)."""
    import pdfplumber

    out: list[str] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            tables = [t for t in page.find_tables() if len(t.rows) >= 2]
            boxes = [t.bbox for t in tables]

            def outside(obj: dict, boxes: list = boxes) -> bool:
                x = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
                y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
                return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

            text_page = page.filter(outside) if boxes else page
            lines = [
                (ln["top"], ln["text"])
                for ln in text_page.extract_text_lines(use_text_flow=True, y_tolerance=Y_TOLERANCE)
            ]
            for t in sorted(tables, key=lambda t: t.bbox[1]):
                rows = "\n".join(r for r in (table_row(c) for c in t.extract()) if r)
                at = next((i for i, (top, _) in enumerate(lines) if top >= t.bbox[1]), len(lines))
                lines.insert(at, (t.bbox[1], rows))
            out.append("\n".join(text for _, text in lines))
    return out
