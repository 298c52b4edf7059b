"""Document metadata: the hand-checked ``manifest.json``, or a best effort from the text.

The manifest wins whenever it has an entry: detection is heuristic (header layouts of
extracted PDFs vary) and exists so that a file dropped into the corpus without a manifest
entry still gets a province, number, date and signer for scoping and citations.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from kernel.gazetteer import canonical, find_mentions
from kernel.text import MARKUP, SIGNATURE_MARK, collapse_ws
from kernel.types import NATIONAL, DocumentPart, FileMeta

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- manifest


def load_manifest(path: Path) -> dict[str, FileMeta]:
    """Manifest entries keyed by file name; ``{}`` if the file does not exist.

    Raises ``ValueError`` (naming the file and the reason) for invalid JSON, a top level
    that is not a list, an entry that does not validate, or a file listed twice.
    """
    path = Path(path)
    if not path.exists():
        logger.info("no manifest at %s: metadata will be detected from the texts", path)
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: không đọc được manifest / cannot read manifest: {e}") from e
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: JSON không hợp lệ / invalid JSON: {e}") from e
    if not isinstance(data, list):
        raise ValueError(
            f"{path}: manifest phải là một danh sách / manifest must be a JSON list "
            f"of file entries, got {type(data).__name__}"
        )
    out: dict[str, FileMeta] = {}
    for i, entry in enumerate(data):
        try:
            meta = FileMeta.model_validate(entry)
        except ValidationError as e:
            raise ValueError(f"{path}: mục {i} không hợp lệ / entry {i} is invalid: {e}") from e
        _warn_unknown_fields(path, i, entry)
        if meta.file in out:
            raise ValueError(f"{path}: tệp lặp lại / file listed twice: {meta.file}")
        out[meta.file] = meta
    return out


def _warn_unknown_fields(path: Path, index: int, entry: dict) -> None:
    # pydantic drops unknown keys silently; a typo such as "singer" would lose data.
    unknown = set(entry) - set(FileMeta.model_fields)
    for part in entry.get("parts") or []:
        if isinstance(part, dict):
            unknown |= set(part) - set(DocumentPart.model_fields)
    if unknown:
        logger.warning("%s: entry %d has unknown fields %s (ignored)", path, index, sorted(unknown))


def meta_for(file: str, text: str, manifest: dict[str, FileMeta]) -> FileMeta:
    """The manifest entry for ``file`` if there is one, else metadata detected from ``text``."""
    meta = manifest.get(file) or manifest.get(Path(file).name)
    if meta is not None:
        return meta
    logger.info("no manifest entry for %s: detecting metadata from its text", file)
    return detect_meta(file, text)


# ---------------------------------------------------------------------------- detection

_RES_HEADING = re.compile(r"(?m)^[ \t*#]*(?:MẪU )?NGHỊ QUYẾT\b")
_TEMPLATE_HEADING = re.compile(r"(?m)^[ \t*#]*MẪU NGHỊ QUYẾT\b")
_DISPATCH = re.compile(r"(?m)^[ \t*]*(?:V/v\b|Kính gửi\b)")
_SIGN_PREFIX = re.compile(r"^(T/M|TM\.|KT\.|K/T|TL\.|TUQ\.|Q\.)\s*(.*)$")
_NUMBER = re.compile(
    r"(?m)^[ \t]*Số\s*:?\s*(\d+)\s*([-/])\s*"
    r"([0-9A-ZĐ][0-9A-ZĐa-z]*(?:\s*[-/]\s*[0-9A-ZĐ][0-9A-ZĐa-z]*)*)"
)
_REFERENCED_RESOLUTION = re.compile(
    r"Nghị quyết số\s*(\d+)\s*-\s*(NQ/[A-ZĐ]+)(?:\s*,?\s*ngày\s*(\d{1,2})/(\d{1,2})/(\d{4}))?"
)
_DATE = re.compile(r"(?m)^[^\n,]{1,60},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_SURNAMES = frozenset(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đào Đoàn "
    "Trương Lâm Mai Trịnh Cao Lương Hà Tô Tạ Quách Châu Lưu Thái Vương La Lại Kiều Từ Triệu "
    "Chu Phùng Khổng Lò Mạc Tăng Tống Nông Hứa Diệp Thân Giang Âu Doãn Đàm Đồng Hầu Kim Lục "
    "Ninh Quan Tôn Vi Lã Khúc Bạch Cù Lù Sầm".split()
)
# Casing of office and role words, for signer titles written in capitals.
_ROLE_CASE = {
    "ban chấp hành trung ương": "Ban Chấp hành Trung ương",
    "ban chấp hành": "Ban Chấp hành",
    "ban thường vụ": "Ban Thường vụ",
    "ban cán sự đảng": "Ban cán sự đảng",
    "đảng ủy": "Đảng ủy",
    "tỉnh ủy": "Tỉnh ủy",
    "thành ủy": "Thành ủy",
    "huyện ủy": "Huyện ủy",
    "ủy ban nhân dân": "Ủy ban nhân dân",
    "hội đồng nhân dân": "Hội đồng nhân dân",
    "ubnd": "UBND",
    "hđnd": "HĐND",
    "phó bí thư": "Phó Bí thư",
    "bí thư": "Bí thư",
    "thường trực": "Thường trực",
    "phó chủ tịch": "Phó Chủ tịch",
    "chủ tịch": "Chủ tịch",
    "phó giám đốc": "Phó Giám đốc",
    "giám đốc": "Giám đốc",
    "bộ trưởng": "Bộ trưởng",
    "thứ trưởng": "Thứ trưởng",
    "phó chánh văn phòng": "Phó Chánh Văn phòng",
    "chánh văn phòng": "Chánh Văn phòng",
}
_ROLE_RE = re.compile(
    r"(?<!\w)(" + "|".join(sorted(map(re.escape, _ROLE_CASE), key=len, reverse=True)) + r")(?!\w)"
)
_CENTRAL_LINE = re.compile(
    r"^(?:BAN CHẤP HÀNH TRUNG ƯƠNG|BỘ CHÍNH TRỊ|BAN BÍ THƯ|CHÍNH PHỦ|THỦ TƯỚNG CHÍNH PHỦ"
    r"|QUỐC HỘI|VĂN PHÒNG TRUNG ƯƠNG ĐẢNG|BỘ\s+(?!TỈNH|THÀNH|HUYỆN|PHẬN)\w+)"
)


def detect_meta(file: str, text: str) -> FileMeta:
    """Metadata read from the text itself (``detected=True``), one part per document.

    A file that opens with a dispatch (``V/v``, ``Kính gửi``) and then carries a
    resolution or a model resolution is split after the dispatch's signer.
    """
    province = _detect_province(text)
    starts = _part_starts(text)
    bounds = list(zip(starts, [*starts[1:], len(text)], strict=True))
    segments = [text[a:b] for a, b in bounds]
    parts: list[DocumentPart] = []
    for i, ((start, _), seg) in enumerate(zip(bounds, segments, strict=True)):
        others = "\n".join(s for j, s in enumerate(segments) if j != i)
        part = _detect_part(seg, province, others)
        if i > 0:
            part.anchor = text[start : start + 60].split("\n", 1)[0].rstrip()
        parts.append(part)
    main = next((p for p in parts if "nghị quyết" in p.kind), parts[0])
    kind = " + ".join(dict.fromkeys(p.kind for p in parts if p.kind))
    return FileMeta(
        file=file, title=main.title, province=province, kind=kind, parts=parts, detected=True
    )


def _clean(line: str) -> str:
    return MARKUP.sub("", line).strip()


def _lines(text: str, base: int = 0) -> Iterator[tuple[int, str]]:
    """(offset, cleaned line) for the non-empty lines of ``text``."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        line = _clean(raw)
        if line:
            yield base + pos, line
        pos += len(raw)


def _is_name(line: str) -> bool:
    """A person's name on its own line: 2-5 capitalised syllables, not a place."""
    tokens = line.split()
    if not 2 <= len(tokens) <= 5:
        return False
    if not all(t.isalpha() and t[0].isupper() and (t[1:].islower() or len(t) == 1) for t in tokens):
        return False
    return canonical(line) is None


def _part_starts(text: str) -> list[int]:
    res = _RES_HEADING.search(text)
    disp = _DISPATCH.search(text)
    if not (res and disp and disp.start() < res.start()):
        return [0]
    # The dispatch ends with its signer's name; the next line opens the enclosed document
    # (its header, or a digital-signature stamp that belongs to it).
    seen_mark = seen_name = False
    for offset, line in _lines(text[disp.start() : res.start()], disp.start()):
        if seen_name:
            return [0, offset]
        if not seen_mark:
            seen_mark = bool(SIGNATURE_MARK.match(line))
        elif _is_name(line):
            seen_name = True
    return [0, text.rfind("\n", 0, res.start()) + 1]


def _detect_part(seg: str, province: str, others: str) -> DocumentPart:
    lines = [line for _, line in _lines(seg)]
    cleaned = "\n".join(lines)
    kind = _detect_kind(seg)
    part = DocumentPart(kind=kind)
    part.title = _detect_title(kind, lines)
    part.number, part.date = _detect_number(cleaned), _detect_date(cleaned)
    if kind == "nghị quyết" and not part.number:
        # A cover dispatch in the same file names the resolution it forwards.
        part.number, date = _referenced_resolution(others)
        part.date = part.date or date
    part.signer, part.signer_title = _detect_signer(lines)
    part.issuing_body = _detect_issuer(cleaned[:1500], province)
    part.period = "" if kind == "công văn" else _detect_period(part.title, cleaned[:1500])
    return part


def _detect_kind(seg: str) -> str:
    if _TEMPLATE_HEADING.search(seg):
        return "mẫu nghị quyết"
    if _RES_HEADING.search(seg):
        return "nghị quyết"
    if _DISPATCH.search(seg) or re.search(r"-CV/|/UBND-", seg):
        return "công văn"
    return ""


def _continues(line: str) -> bool:
    return bool(line) and (line[0].islower() or line[0].isdigit())


def _detect_title(kind: str, lines: list[str]) -> str:
    if kind == "mẫu nghị quyết":
        line = next((x for x in lines if x.startswith("MẪU NGHỊ QUYẾT")), "")
        return _sentence_case(line)
    if kind == "công văn":
        for i, line in enumerate(lines):
            if line.startswith("V/v"):
                taken = [line]
                for nxt in lines[i + 1 : i + 4]:
                    if not _continues(nxt):
                        break
                    taken.append(nxt)
                return collapse_ws(" ".join(taken))
        return ""
    if kind != "nghị quyết":
        return ""
    idx = next((i for i, x in enumerate(lines) if x.startswith("NGHỊ QUYẾT")), None)
    if idx is None:
        return "Nghị quyết"
    head = lines[idx][len("NGHỊ QUYẾT") :].strip()
    subject: list[str] = []
    if re.match(r"(?i)về\b", head):
        subject.append(head)
        rest = lines[idx + 1 : idx + 4]
    else:
        # Skip "CỦA BAN ...", "HỘI NGHỊ LẦN THỨ 7" lines up to the "về ..." subject line.
        rest = []
        for j in range(idx + 1, min(idx + 7, len(lines))):
            if re.match(r"(?i)về\b", lines[j]):
                subject.append(lines[j])
                rest = lines[j + 1 : j + 4]
                break
    for nxt in rest if subject else []:
        if not _continues(nxt):
            break
        subject.append(nxt)
    if not subject:
        return "Nghị quyết"
    about = collapse_ws(" ".join(subject))
    if about.isupper():
        about = about.lower()
    return "Nghị quyết " + about[0].lower() + about[1:]


def _sentence_case(s: str) -> str:
    s = collapse_ws(s)
    return s[:1].upper() + s[1:].lower() if s.isupper() else s


def _detect_number(cleaned: str) -> str:
    m = _NUMBER.search(cleaned)
    if not m:
        return ""
    return re.sub(r"\s*([-/])\s*", r"\1", f"{m.group(1)}{m.group(2)}{m.group(3)}")


def _fmt_date(day: str, month: str, year: str) -> str:
    d, mth = int(day), int(month)
    if not (1 <= d <= 31 and 1 <= mth <= 12):
        return ""
    return f"{d:02d}/{mth:02d}/{year}"


def _detect_date(cleaned: str) -> str:
    m = _DATE.search(cleaned)
    return _fmt_date(*m.groups()) if m else ""


def _referenced_resolution(text: str) -> tuple[str, str]:
    for m in _REFERENCED_RESOLUTION.finditer(text):
        if m.group(2).endswith("/TW"):  # a Politburo resolution, not the enclosed one
            continue
        date = _fmt_date(*m.group(3, 4, 5)) if m.group(3) else ""
        return f"{m.group(1)}-{m.group(2)}", date
    return "", ""


def _detect_signer(lines: list[str]) -> tuple[str, str]:
    marks = [i for i, x in enumerate(lines) if SIGNATURE_MARK.match(x)]
    for k in reversed(marks):
        names = [j for j in range(k + 1, len(lines)) if _is_name(lines[j])]
        if not names:
            continue
        # The block may span lines ("T/M TỈNH ỦY" / "BÍ THƯ"): go back to its first line.
        while k > 0 and SIGNATURE_MARK.match(lines[k - 1]):
            k -= 1
        block = []
        for x in lines[k:]:
            if not (x.isupper() and any(ch.isalpha() for ch in x)):
                break
            block.append(_role_case(x))
        # Prefer a line starting with a family name over e.g. a stray stamp word pair.
        pick = next((j for j in names if lines[j].split()[0] in _SURNAMES), names[0])
        return lines[pick], ", ".join(block)
    if marks:  # a block with no name under it: an unsigned template ("T/M ... BÍ THƯ ...")
        return "", ""
    # No signature block (e.g. only the name after "Nơi nhận"): last name near the end.
    tail_from = max(
        [i for i, x in enumerate(lines) if x.startswith("Nơi nhận")] or [len(lines) - 12]
    )
    names = [lines[j] for j in range(max(tail_from, 0), len(lines)) if _is_name(lines[j])]
    return (names[-1], "") if names else ("", "")


def _role_case(line: str) -> str:
    m = _SIGN_PREFIX.match(line)
    prefix, rest = (m.group(1), m.group(2)) if m else ("", line)
    rest = _ROLE_RE.sub(lambda r: _ROLE_CASE[r.group(1)], rest.lower())
    rest = rest[:1].upper() + rest[1:]
    return f"{prefix} {rest}".strip()


def _ministry_case(name: str) -> str:
    # "THÔNG TIN VÀ TRUYỀN THÔNG" -> "Thông tin và Truyền thông".
    return " và ".join(_sentence_case(p) for p in re.split(r"\s+VÀ\s+", collapse_ws(name)))


def _detect_issuer(head: str, province: str) -> str:
    place = "" if province == NATIONAL else province

    def named(rest: str) -> str:
        return canonical(rest.strip()) or place

    if m := re.search(r"BAN CHẤP HÀNH ĐẢNG BỘ (TỈNH|THÀNH PHỐ)([^\n]*)", head):
        return collapse_ws(f"Ban Chấp hành Đảng bộ {m.group(1).lower()} {named(m.group(2))}")
    if m := re.search(r"BAN THƯỜNG VỤ (TỈNH|THÀNH) ỦY([^\n]*)", head):
        return collapse_ws(f"Ban Thường vụ {m.group(1).title()} ủy {named(m.group(2))}")
    if m := re.search(r"BAN CÁN SỰ ĐẢNG\s+BỘ ([^\n]+)", head):
        return "Ban cán sự đảng Bộ " + _ministry_case(m.group(1))
    if m := re.search(r"(?:ỦY BAN NHÂN DÂN|UBND)\s+(TỈNH|THÀNH PHỐ)\s+([^\n]+)", head):
        return collapse_ws(f"Ủy ban nhân dân {m.group(1).lower()} {named(m.group(2))}")
    if m := re.search(r"(?:HỘI ĐỒNG NHÂN DÂN|HĐND)\s+(TỈNH|THÀNH PHỐ)\s+([^\n]+)", head):
        return collapse_ws(f"Hội đồng nhân dân {m.group(1).lower()} {named(m.group(2))}")
    if (m := re.search(r"(?m)^BỘ\s+((?!TỈNH|THÀNH|HUYỆN|PHẬN)[^\n]+)$", head)) and m.group(
        1
    ).isupper():
        return "Bộ " + _ministry_case(m.group(1))
    if m := re.search(r"của (Ban cán sự đảng Bộ [^)\n]+)", head):
        return collapse_ws(m.group(1))
    if m := re.search(r"(?m)^(TỈNH|THÀNH) ỦY\s+([^\n/]+)$", head):
        return collapse_ws(f"{m.group(1).title()} ủy {named(m.group(2))}")
    return ""


def _detect_period(title: str, head: str) -> str:
    for text in (title, collapse_ws(head)):
        if m := re.search(
            r"giai đoạn\s+(\d{4})\s*[-–]\s*(\d{4})"
            r"(?:\s*,\s*((?:định hướng|tầm nhìn) đến năm \d{4}))?",
            text,
        ):
            return f"{m.group(1)} - {m.group(2)}" + (f", {m.group(3)}" if m.group(3) else "")
        if m := re.search(r"đến năm (\d{4})\s*,\s*((?:định hướng|tầm nhìn) đến năm \d{4})", text):
            return f"đến năm {m.group(1)}, {m.group(2)}"
        if text is title and (m := re.search(r"\bnăm (\d{4})$", title)):
            return f"năm {m.group(1)}"
    return ""


def _detect_province(text: str) -> str:
    """Province the document is about; ``NATIONAL`` for a ministry or central body."""
    head_lines = [line for _, line in _lines(text[:800])]
    head_mentions = [m for m in find_mentions("\n".join(head_lines)) if m.prefix]
    if not head_mentions and any(_CENTRAL_LINE.match(x) and x.isupper() for x in head_lines):
        return NATIONAL
    mentions = find_mentions(text)
    # "tỉnh X", "Tỉnh ủy X", "UBND tỉnh X" say whose document it is; bare names are weaker.
    pool = [m.canonical for m in mentions if m.prefix] or [m.canonical for m in mentions]
    if not pool:
        return ""
    counts = Counter(pool)
    return max(counts, key=lambda name: (counts[name], -pool.index(name)))
