"""A PDF's text layer as lines in reading order, with its ruled tables as rows.

Vietnamese administrative documents put two blocks side by side in their header (the
issuing body left, the national motto and the date right) and their closing (the
addressees left, the signature right). Read across the page, the two would be interleaved
("Nơi nhận: T/M TỈNH ỦY"), so lines are taken in the order the PDF draws them (its text
flow: one block, then the other), as the writing program laid them out. Tables, found by
pdfplumber from their rules, become one line per row (see ``table_row``), put back
before the first line drawn below them. A table running over a page break is read as one:
the row the break cuts is made whole and a header row repeated on the next page is dropped,
so the rows read as they do in the document's .txt.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

# How far (points) characters of one line may sit apart vertically. A glyph the main font
# lacks ("Ế", "Ị" in a bold title) comes from a fallback font whose box sits ~3 pt higher:
# pdfplumber's default (3) cut "QUYẾT ĐỊNH" into "QUY / Ế / T Đ / Ị / NH". Lines of body
# text are a font size (≥ 10 pt) apart, far more than this.
Y_TOLERANCE = 5
COLUMN_GAP = 40  # points: wider than any gap between words of one column


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


def _settings(page) -> dict:
    """Table settings closing rows cut by a page break: a row split over two pages has its
    cell rules on both sides but no rule where the page cuts it, so pdfplumber would not see
    it as cells. A line at the top and the bottom of the page's vertical rules closes them."""
    vertical = [e for e in page.edges if e["orientation"] == "v"]
    if not vertical:
        return {}
    return {
        "explicit_horizontal_lines": [
            min(e["top"] for e in vertical),
            max(e["bottom"] for e in vertical),
        ]
    }


def _continues(rows: list[list[str | None]], last: list[list[str | None]] | None) -> bool:
    """Whether the first row of a table opening a page is the rest of ``last``'s final row
    (the previous page ended in that table): same columns, its first cell (the row's number)
    empty, and some other cell empty too (the cut row goes on in only some columns)."""
    if not last or not rows or len(rows[0]) != len(last[-1]):
        return False
    cells = [(c or "").strip() for c in rows[0]]
    return not cells[0] and any(cells[1:]) and not all(cells[1:])


def _columns(line: dict) -> list[str]:
    """A text line's parts, split where a wide gap parts two columns on one baseline: the
    signer's name level with "- Lưu: VT, …" of the recipients is a line of its own."""
    chars = line["chars"]
    text = line["text"]
    cuts = {i + 1 for i, (a, b) in enumerate(pairwise(chars)) if b["x0"] - a["x1"] > COLUMN_GAP}
    if not cuts or len(text.replace(" ", "")) != len(chars):
        return [text]  # one column, or glyphs the text does not map one to one
    parts, seen, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch == " ":
            continue
        if seen in cuts:
            parts.append(text[start:k].strip())
            start = k
        seen += 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def pages(path: Path) -> list[str]:
    """Each page's text (see the module docstring)."""
    import pdfplumber

    out: list[list[tuple[float, str | list[list[str | None]]]]] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            # One ruled row of three columns or more is a table (the last row of one,
            # carried over to a new page); a lone box of one or two cells is a frame.
            tables = [
                t
                for t in page.find_tables(_settings(page))
                if len(t.rows) >= 2 or len(t.rows[0].cells) >= 3
            ]
            boxes = [t.bbox for t in tables]

            def outside(obj: dict, boxes: list = boxes) -> bool:
                x = (obj.get("x0", 0) + obj.get("x1", 0)) / 2
                y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
                return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

            text_page = page.filter(outside) if boxes else page
            items: list[tuple[float, str | list[list[str | None]]]] = [
                (ln["top"], part)
                for ln in text_page.extract_text_lines(use_text_flow=True, y_tolerance=Y_TOLERANCE)
                for part in _columns(ln)
            ]
            for t in sorted(tables, key=lambda t: t.bbox[1]):
                at = next((i for i, (top, _) in enumerate(items) if top >= t.bbox[1]), len(items))
                items.insert(at, (t.bbox[1], t.extract()))
            # A table that ended the last page and opens this one is one table: a repeated
            # header row goes, and a row the page break cut is made whole again.
            last = out[-1][-1][1] if out and out[-1] and isinstance(out[-1][-1][1], list) else None
            if last is not None and items and isinstance(items[0][1], list):
                rows = items[0][1]
                if rows and rows[0] == last[0]:
                    rows = rows[1:]
                if _continues(rows, last):
                    last[-1] = [
                        " ".join(filter(None, (a, b))) or None
                        for a, b in zip(last[-1], rows[0], strict=True)
                    ]
                    rows = rows[1:]
                items[0] = (items[0][0], rows)
            out.append(items)
    return [
        "\n".join(
            it if isinstance(it, str) else "\n".join(r for r in map(table_row, it) if r)
            for _, it in items
        )
        for items in out
    ]
