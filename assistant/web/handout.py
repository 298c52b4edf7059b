"""Trainer quizzes as print-ready Word files: a question sheet and a separate answer key.

The sheet can be projected or handed out: it has no answers. The key gives, for each
question, the answer as the sheet's option reads (plus the document's own wording when it
says more), the sentence it comes from as a quotation with the figure in bold, and the
document's title, number, date and section — no file names or offsets.

One function per file (:func:`quiz_sheet_docx`, :func:`answer_key_docx`); where the files
are kept is the caller's business.
"""

from __future__ import annotations

from pathlib import Path

from docx.shared import Cm

from assistant.targets.quiz import QuizQuestion, figure_span, key_answer
from assistant.web.docx_style import labelled, new_document, quote
from assistant.web.ui.render import citation_meta, section_path, segments
from kernel.types import Citation

_LETTERS = "ABCDEFGH"
BLANK = "……………………………………"


def quiz_sheet_docx(
    questions: list[QuizQuestion], title: str, subtitle: str, path: str | Path
) -> Path:
    """The question sheet: name and unit lines, numbered questions, options, answer lines."""
    doc = new_document(title, subtitle)
    doc.add_paragraph(f"Họ và tên: {BLANK}   Đơn vị: {BLANK}")
    doc.add_heading(f"Câu hỏi ({len(questions)} câu)", level=1)
    for q in questions:
        p = labelled(doc, f"Câu {q.number}. ", q.prompt)
        p.paragraph_format.space_before = Cm(0.3)
        p.paragraph_format.keep_with_next = True
        if q.kind == "multiple_choice":
            last = len(q.options) - 1
            for i, option in enumerate(q.options):
                o = doc.add_paragraph(f"{_LETTERS[i]}. {option}")
                o.paragraph_format.left_indent = Cm(1)
                o.paragraph_format.keep_with_next = i < last
        else:
            a = doc.add_paragraph(f"Trả lời: {BLANK}")
            a.paragraph_format.left_indent = Cm(1)
    path = Path(path)
    doc.save(str(path))
    return path


def answer_key_docx(
    questions: list[QuizQuestion],
    citations: dict[int, Citation],
    title: str,
    subtitle: str,
    path: str | Path,
) -> Path:
    """The answer key: answer, cited sentence (figure in bold), document and section.

    ``citations`` maps a question number to its citation (title, number, date, section).
    """
    doc = new_document(f"Đáp án — {title}", subtitle)
    for q in questions:
        p = labelled(doc, f"Câu {q.number}: ", key_answer(q))
        p.paragraph_format.space_before = Cm(0.3)
        p.paragraph_format.keep_with_next = True
        quote(doc, [("“", False), *segments(q.sentence, [figure_span(q) or (0, 0)]), ("”", False)])
        c = citations.get(q.number)
        source = (
            f"{c.title or q.doc_title} — {citation_meta(c)}"
            if c
            else f"{q.doc_title} — {q.province}"
        )
        labelled(doc, "Nguồn: ", source)
        labelled(doc, "Mục: ", (section_path(c) if c else q.section) or "—")
    path = Path(path)
    doc.save(str(path))
    return path
