"""Print-ready Word documents with python-docx: A4, Times New Roman, page numbers, quotes.

Shared by the conversation export and the trainer quiz handouts: the layout of an
administrative document (A4, 2 cm top/bottom, 3 cm left, 2 cm right margins; Times New
Roman 13 pt, which Word renders with every Vietnamese diacritic).
"""

from __future__ import annotations

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"


def _font(style, size: float, bold: bool | None = None) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)  # print in black, not the template's blue
    if bold is not None:
        style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme_attr), None)


def new_document(title: str, subtitle: str = "") -> DocxDocument:
    """An A4 document with the title (and an optional line under it) and page numbers."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    _font(doc.styles["Normal"], 13)
    doc.styles["Normal"].paragraph_format.space_after = Pt(4)
    _font(doc.styles["Title"], 16, bold=True)
    for name, size in (("Heading 1", 14), ("Heading 2", 13), ("Heading 3", 13)):
        _font(doc.styles[name], size, bold=True)
    quote = doc.styles["Quote"]
    _font(quote, 12)
    quote.font.italic = False
    quote.paragraph_format.left_indent = Cm(1)
    quote.paragraph_format.right_indent = Cm(0.5)
    doc.core_properties.title = title
    doc.core_properties.language = "vi-VN"
    heading = doc.add_paragraph(title, style="Title")
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if subtitle:
        sub = doc.add_paragraph(subtitle)
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_numbers(section)
    return doc


def _page_numbers(section) -> None:
    """ "Trang N" centred in the footer (a PAGE field Word fills in)."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("Trang ")
    run = p.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def quote(doc: DocxDocument, pieces: list[tuple[str, bool]]) -> Paragraph:
    """A quoted passage (style "Quote") from its pieces, those marked set in bold."""
    p = doc.add_paragraph(style="Quote")
    for text, bold in pieces:
        p.add_run(text).bold = bold or None
    return p


def labelled(doc: DocxDocument, label: str, text: str, style: str | None = None) -> Paragraph:
    """``label`` in bold followed by ``text`` in one paragraph."""
    p = doc.add_paragraph(style=style)
    p.add_run(label).bold = True
    p.add_run(text)
    return p
