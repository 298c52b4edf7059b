"""Read corpus files (.txt, .md, .pdf, .docx) into NFC text, or say plainly why not.

Encodings are never guessed: a text file must be UTF-8 (a BOM is allowed). A wrong guess
would silently corrupt Vietnamese diacritics, and every later offset and citation with them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ingest import pdf
from ingest.pdf import table_row
from kernel.text import SIGNATURE_MARK, nfc

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")

_SKIPPED_NAMES = {"manifest.json"}
_NEWLINES = re.compile(r"\r\n?")


class UnreadableFile(Exception):
    """A corpus file that cannot be turned into text; ``reason`` is Vietnamese / English."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def load_text(path: Path) -> str:
    """The text of ``path`` in NFC, with ``\\n`` line ends; raises ``UnreadableFile``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableFile(
            path, f"định dạng không hỗ trợ / unsupported format {suffix or '(none)'}"
        )
    try:
        size = path.stat().st_size
    except OSError as e:
        raise UnreadableFile(path, f"không mở được tệp / cannot open file: {e}") from e
    if size == 0:
        raise UnreadableFile(path, "tệp rỗng / empty file")

    if suffix in (".txt", ".md"):
        text = _read_utf8(path)
    elif suffix == ".pdf":
        text = _read_pdf(path)
    else:
        text = _read_docx(path)

    text = nfc(_NEWLINES.sub("\n", text))
    if not text.strip():
        raise UnreadableFile(path, "tệp rỗng / empty file (no text)")
    logger.debug("loaded %s: %d characters", path, len(text))
    return text


def _read_utf8(path: Path) -> str:
    data = path.read_bytes()
    # UTF-16/32 text is full of NUL bytes too; name it rather than calling it binary.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(path, "không phải UTF-8 / not valid UTF-8 (UTF-16/32 byte-order mark)")
    if b"\x00" in data:
        raise UnreadableFile(path, "tệp nhị phân / binary file (NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UnreadableFile(path, f"không phải UTF-8 / not valid UTF-8 at byte {e.start}") from e


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    # pypdf raises many exception types on damaged files (PdfReadError, ValueError,
    # KeyError, ...): any failure here means "cannot parse", reported with its message.
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile(path, "PDF được mã hóa / encrypted PDF (password required)")
        pages = pdf.pages(path)
    except UnreadableFile:
        raise
    except Exception as e:
        raise UnreadableFile(path, f"PDF không đọc được / unparsable PDF: {e}") from e
    if not any(p.strip() for p in pages):
        raise UnreadableFile(path, "PDF không có lớp văn bản / PDF has no text layer (scanned?)")
    return "\n\n".join(p.strip("\n") for p in pages)


def _read_docx(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as e:  # python-docx, zipfile and lxml errors alike
        raise UnreadableFile(path, f"DOCX không đọc được / unparsable DOCX: {e}") from e
    blocks = list(_docx_blocks(document))
    return "\n\n".join(b for b in blocks if b.strip())


def _docx_blocks(container: object) -> list[str]:
    """Paragraphs of a document, in order; a table becomes one line per row (see
    ``table_row``; a merged cell counts once per row)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[str] = []
    for item in container.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Paragraph):
            out.append(item.text)
        elif isinstance(item, Table) and _layout(item):
            # A table that lays out blocks side by side (the issuer and number left, the
            # motto and date right; the addressees and the signature): no data, so each
            # cell's paragraphs are read as lines, cell after cell.
            seen_cells: dict[int, object] = {}
            for row in item.rows:
                for cell in row.cells:
                    if id(cell._tc) not in seen_cells:
                        seen_cells[id(cell._tc)] = cell._tc
                        out += _docx_blocks(cell)
        elif isinstance(item, Table):
            rows = []
            for row in item.rows:
                # A merged cell is returned once per grid column it spans. The dict keeps
                # the elements alive: a freed lxml proxy's id() could be reused.
                seen: dict[int, object] = {}
                cells = []
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen[id(cell._tc)] = cell._tc
                    cells.append(" ".join(b for b in _docx_blocks(cell) if b.strip()))
                rows.append(table_row(cells))
            out.append("\n".join(r for r in rows if r))
    return out


_LAYOUT_MARK = re.compile(r"CỘNG HÒA XÃ HỘI CHỦ NGHĨA|Độc lập - Tự do|Nơi nhận", re.I)


def _layout(table: object) -> bool:
    """A table used for layout, not data: one row, or two columns at most holding the
    national motto, the addressees or a signature (the header and closing blocks)."""
    rows = table.rows  # type: ignore[attr-defined]
    if len(rows) == 1:
        return True
    cells = [{id(c._tc): c for c in row.cells} for row in rows]
    if max(len(r) for r in cells) > 2:
        return False
    texts = [line.strip() for r in cells for c in r.values() for line in c.text.split("\n")]
    return any(_LAYOUT_MARK.search(t) or SIGNATURE_MARK.match(t) for t in texts)


def iter_corpus(corpus_dir: Path) -> list[Path]:
    """Supported files directly in ``corpus_dir``, sorted by name.

    Skips ``manifest.json``, hidden files and README files; other unsupported files and
    links leading out of the folder are logged (:func:`scan_corpus` also says why).
    """
    return scan_corpus(corpus_dir)[0]


def scan_corpus(
    corpus_dir: Path, max_bytes: int | None = None
) -> tuple[list[Path], dict[str, str]]:
    """The files to read, sorted by name, and ``{name: reason}`` for those that will not be.

    Refused, each with a Vietnamese / English reason: unsupported formats (a forgotten
    ``.doc`` must show up in the ingest summary, not only in a log), links that lead out
    of the corpus folder (a link to ``/etc/passwd`` must never be indexed and quoted),
    and files over ``max_bytes``. Raises ``FileNotFoundError`` when the folder is missing.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus directory not found: {corpus_dir}")
    root = corpus_dir.resolve()
    files: list[Path] = []
    refused: dict[str, str] = {}
    for path in sorted(corpus_dir.iterdir(), key=lambda p: p.name):
        name = path.name
        if not path.is_file() or name.startswith(".") or name in _SKIPPED_NAMES:
            continue
        if name.lower().startswith("readme"):
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            refused[name] = (
                "liên kết trỏ ra ngoài thư mục corpus, không đọc / "
                "link leads outside the corpus folder, not followed"
            )
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            refused[name] = f"định dạng không hỗ trợ / unsupported format {path.suffix or '(none)'}"
        elif max_bytes is not None and (size := path.stat().st_size) > max_bytes:
            refused[name] = (
                f"tệp quá lớn ({size / 1e6:.1f} MB, giới hạn {max_bytes / 1e6:.1f} MB) / "
                f"file too large ({size / 1e6:.1f} MB, limit {max_bytes / 1e6:.1f} MB)"
            )
        else:
            files.append(path)
            continue
        logger.warning("skipping %s: %s", path, refused[name])
    return files, refused
