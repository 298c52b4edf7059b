"""Document facts read from the text itself: kind, title, number, date, signer, issuing body,
period and the document it implements, for every common kind of administrative document.

Used when the manifest has no entry for a file (the manifest always wins). Works on the
header and closing blocks every Vietnamese administrative document has: "Số: 312/KH-UBND",
"Nghệ An, ngày 20 tháng 3 năm 2023", a title line in capitals ("KẾ HOẠCH", "NGHỊ QUYẾT"…),
a preamble ("Thực hiện Nghị quyết số 09-NQ/TU …") and a signature block ("KT. CHỦ TỊCH /
PHÓ CHỦ TỊCH / <name>"). A file that opens with a dispatch (V/v, Kính gửi) and then carries
another document is split after the dispatch's signer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import cache

from kernel.gazetteer import canonical, find_mentions
from kernel.text import MARKUP, SIGN_PREFIX, SIGNATURE_MARK, collapse_ws
from kernel.types import NATIONAL, DocumentPart, FileMeta
from kernel.vocabulary import DocumentKind, vocabulary

_DISPATCH = re.compile(r"(?m)^[ \t*]*(?:V/v\b|Kính gửi\b)")
_NUMBER = re.compile(
    r"(?m)^[ \t]*Số\s*:?\s*(\d+)\s*([-/])\s*"
    r"([0-9A-ZĐ][0-9A-ZĐa-z]*(?:\s*[-/]\s*[0-9A-ZĐ][0-9A-ZĐa-z]*)*)"
)
_REFERENCED_RESOLUTION = re.compile(
    r"Nghị quyết số\s*(\d+)\s*-\s*(NQ/[A-ZĐ]+)(?:\s*,?\s*ngày\s*(\d{1,2})/(\d{1,2})/(\d{4}))?"
)
_DATE = re.compile(r"(?m)^[^\n,]{1,60},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_CENTRAL_LINE = re.compile(
    r"^(?:BAN CHẤP HÀNH TRUNG ƯƠNG|BỘ CHÍNH TRỊ|BAN BÍ THƯ|CHÍNH PHỦ|THỦ TƯỚNG CHÍNH PHỦ"
    r"|QUỐC HỘI|VĂN PHÒNG TRUNG ƯƠNG ĐẢNG|BỘ\s+(?!TỈNH|THÀNH|HUYỆN|PHẬN)\w+)"
)
# Lines that end a title: the preamble (bulleted or not), a separator, a heading, the
# addressee.
_TITLE_STOP = re.compile(
    r"^(?:[-_—–]{3,}|\*|(?:[-–•+]\s*)?(?:Căn cứ|Thực hiện|Xét)\b|Kính gửi|Điều\s+\d|Phần thứ"
    r"|[IVX]+[.-]\s|\d+[.-]\s)",
    re.I,
)
# "Thực hiện Nghị quyết số 09-NQ/TU …, Ủy ban nhân dân tỉnh ban hành …": what it implements.
_IMPLEMENTS = re.compile(
    r"(?:Thực hiện|Triển khai)\s+((?:Nghị quyết|Chỉ thị|Kết luận|Quyết định|Kế hoạch|Chương trình"
    r"|Công văn|Luật|Nghị định|Thông tư)\b.{5,600}?)"
    r"(?=\.\s|:|\)|;\s+(?i:trên cơ sở|theo đề nghị)\b"
    r"|,\s+(?:Ban|Ủy ban|UBND|Tỉnh ủy|Thành ủy|Hội đồng|Hội nghị|Sở|Bộ)\b[^,;.:]{0,80}?"
    r"(?:ban hành|có ý kiến|chỉ đạo|quyết định|yêu cầu)|$)",
    re.S,
)
# "(Kèm theo Quyết định số …)", "(Thực hiện Nghị quyết số …)" under a title: where the
# document comes from, not its subject.
_ATTACHED_NOTE = re.compile(
    r"\s*\((?:(?:Ban hành )?kèm theo|Thực hiện|Triển khai)\b[^)]*\)?\s*$", re.I
)
_MOTTO = re.compile(
    r"(?:CỘNG HÒA XÃ HỘI CHỦ NGHĨA|ĐẢNG CỘNG SẢN) VIỆT NAM|Độc lập - Tự do - Hạnh phúc"
)
_HEAD_LINES = 40  # the header and title of a document sit in its first lines
# An attached document's title follows its signer's name within a few lines ("Nơi nhận" list).
_AFTER_SIGNATURE_LINES = 15


def detect_meta(file: str, text: str) -> FileMeta:
    """Metadata read from the text itself (``detected=True``), one part per document."""
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
    main_kinds, appendices = vocabulary().main_kinds, vocabulary().appendix_kinds
    own = [p for p in parts if p.kind not in appendices] or parts
    main = next((p for p in parts if p.kind in main_kinds), own[-1])
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


@cache
def _title_line() -> re.Pattern[str]:
    """A line opening a document title with its kind, longest kind first ("MẪU NGHỊ QUYẾT")."""
    titles = sorted(
        (k.title for k in vocabulary().document_kinds if k.title), key=len, reverse=True
    )
    return re.compile(rf"^[ \t*#]*({'|'.join(map(re.escape, titles))})(?![^\W\d_])")


def _kind_of_title(title: str) -> DocumentKind | None:
    return next((k for k in vocabulary().document_kinds if k.title == title), None)


def _part_starts(text: str) -> list[int]:
    """Where each document of the file starts: a dispatch may carry another document, and a
    signed document may have another attached after its signature (a decision and the plan
    it issues: "KẾ HOẠCH … (Kèm theo Quyết định số …)")."""
    starts = _dispatch_starts(text)
    for signed, title in _attachments(text):
        # A document already starting between the signature and the title (the one a
        # dispatch forwards) holds that title.
        if signed > starts[-1]:
            starts.append(title)
    return starts


def _attachments(text: str) -> list[tuple[int, int]]:
    """(signer's name, title) offsets of document titles that follow a signature block."""
    out: list[tuple[int, int]] = []
    seen_mark = False
    name: int | None = None
    since_name = 0
    for offset, line in _lines(text):
        if name is not None:
            since_name += 1
            if _title_match(line):
                out.append((name, offset))
                seen_mark, name = False, None
                continue
            if since_name > _AFTER_SIGNATURE_LINES:
                seen_mark, name = False, None
        if SIGNATURE_MARK.match(line):
            seen_mark, name = True, None
        elif seen_mark and name is None and _is_name(line):
            name, since_name = offset, 0
    return out


def _title_match(line: str) -> re.Match[str] | None:
    """A document title's first line: its kind in capitals ("KẾ HOẠCH …"), or the kind alone
    in sentence case ("Phụ lục", "Phụ lục 2"), as an attachment after a signature is titled."""
    opened = _title_line().match(line)
    if opened is None:
        opened = _title_line().match(line.upper())
        if opened is not None and len(line[opened.end() :].split()) > 1:
            return None
    return opened


def _dispatch_starts(text: str) -> list[int]:
    """[0], and where the document a dispatch forwards starts (if it forwards one)."""
    disp = _DISPATCH.search(text)
    if not disp:
        return [0]
    later = None
    for offset, line in _lines(text[disp.start() :], disp.start()):
        if _title_line().match(line):
            later = offset
            break
    if later is None:
        return [0]
    # The dispatch ends with its signer's name; the next line opens the enclosed document
    # (its header, or a digital-signature stamp that belongs to it).
    seen_mark = seen_name = False
    for offset, line in _lines(text[disp.start() : later], disp.start()):
        if seen_name:
            return [0, offset]
        if not seen_mark:
            seen_mark = bool(SIGNATURE_MARK.match(line))
        elif _is_name(line):
            seen_name = True
    return [0, text.rfind("\n", 0, later) + 1]


def _detect_part(seg: str, province: str, others: str) -> DocumentPart:
    lines = [line for _, line in _lines(seg)]
    cleaned = "\n".join(lines)
    kind, title_idx = _detect_kind(lines, cleaned)
    part = DocumentPart(kind=kind)
    part.title = _detect_title(kind, lines, title_idx)
    raw_title = _detect_title(kind, lines, title_idx, keep_issuer=True)
    part.number, part.date = _detect_number(cleaned), _detect_date(cleaned)
    if kind == "nghị quyết" and not part.number:
        # A cover dispatch in the same file names the resolution it forwards.
        part.number, date = _referenced_resolution(others)
        part.date = part.date or date
    part.signer, part.signer_title = _detect_signer(lines)
    head = "\n".join(lines[: title_idx + 6 if title_idx >= 0 else _HEAD_LINES])
    part.issuing_body = _detect_issuer(head[:1500], province, raw_title)
    part.period = "" if kind == "công văn" else _detect_period(part.title, cleaned[:1500])
    part.implements = "" if kind == "mẫu nghị quyết" else _detect_implements(cleaned[:4000])
    return part


def _detect_kind(lines: list[str], cleaned: str) -> tuple[str, int]:
    """The kind of a document and the index of its title line (-1 when it has none)."""
    for i, line in enumerate(lines[: _HEAD_LINES + 1]):
        m = _title_match(line)
        if m and (line.isupper() or len(line) <= len(m.group(0)) + 80):
            kind = _kind_of_title(m.group(1))
            if kind is not None:
                return kind.name, i
    number = _NUMBER.search(cleaned)
    if number:
        code = re.split(r"[-/\s]", number.group(3))[0]
        for k in vocabulary().document_kinds:
            if code in k.codes:
                return k.name, -1
    if _DISPATCH.search(cleaned):
        return "công văn", -1
    return "", -1


def _continues(line: str) -> bool:
    return bool(line) and (line[0].islower() or line[0].isdigit())


def _continues_title(line: str, last: str) -> bool:
    """Whether ``line`` goes on with a title whose last line is ``last``: in lower case, in
    capitals after capitals, or opening with a name after a sentence-case line ("… tỉnh /
    Bạc Liêu đến năm 2030"). A capitalised word then a lower-case one ("Thời gian qua, …")
    begins the preamble."""
    if _continues(line):
        return True
    if line.isupper() != last.isupper():
        return False
    words = line.split()
    return last.isupper() or (len(words) >= 2 and words[1][:1].isupper())


def _detect_title(kind: str, lines: list[str], idx: int, keep_issuer: bool = False) -> str:
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
    if idx < 0:
        return ""
    m = _title_match(lines[idx])
    head = lines[idx][m.end() :].strip() if m else ""
    subject: list[str] = [head] if head else []
    for nxt in lines[idx + 1 : idx + 6]:
        # "KẾ HOẠCH / Thực hiện Chỉ thị số 15-CT/TU … năm 2026": a plan titled by what it
        # implements (a line, not the sentence "Thực hiện …, Ủy ban nhân dân tỉnh ban hành
        # Kế hoạch … như sau:" that follows a title).
        titled_by_basis = not subject and _IMPLEMENTS.match(nxt) and nxt.rstrip()[-1:] not in ".:;,"
        if (
            (_TITLE_STOP.match(nxt) and not titled_by_basis)
            or _DATE.match(nxt)
            or SIGNATURE_MARK.match(nxt)
        ):
            break
        if subject and not _continues_title(nxt, subject[-1]):
            break
        subject.append(nxt)
    name = kind[:1].upper() + kind[1:]
    if not subject:
        return name
    # Lines in capitals ("CHUYÊN ĐỀ", "HỘI NGHỊ LẦN THỨ NĂM …") read in lower case, whether
    # or not a line in sentence case ("về chuyển đổi số …") follows them.
    lines = [_lower_keeping_names(ln) if ln.isupper() else ln for ln in subject]
    about = _ATTACHED_NOTE.sub("", collapse_ws(" ".join(lines))).strip()
    if not about:
        return name
    if keep_issuer:
        return f"{name} {about}"
    # "của Ban Chấp hành Đảng bộ tỉnh về chuyển đổi số …": the issuer is not the subject; nor
    # is the meeting, after a word or two qualifying the kind ("chuyên đề hội nghị … về").
    about = re.sub(r"(?i)^(?:của|CỦA)\s+[^,]*?\s+(?=về\s)", "", about)
    about = re.sub(
        r"(?i)^((?:\S+\s+){0,2}?)(?:hội nghị|khóa|khoá)\s[^,]*?\s+(?=về\s)", r"\1", about
    )
    return f"{name} {about[0].lower()}{about[1:]}"


def _lower_keeping_names(upper: str) -> str:
    """An all-capitals title in lower case, its place names written as names again
    ("… TỈNH QUẢNG BÌNH …" → "… tỉnh Quảng Bình …")."""
    # Roman numerals ("KHÓA XVIII", "PHẦN II") stay numerals.
    out = re.sub(r"\b[ivxl]+\b", lambda r: r.group(0).upper(), upper.lower())
    for m in find_mentions(upper):
        start = m.end - len(m.canonical)
        if out[start : m.end] == m.canonical.lower():
            out = out[:start] + m.canonical + out[m.end :]
    return out


def _sentence_case(s: str) -> str:
    s = collapse_ws(s)
    return s[:1].upper() + s[1:].lower() if s.isupper() else s


def _detect_number(cleaned: str) -> str:
    m = _NUMBER.search(cleaned)
    if not m:
        return ""
    return re.sub(r"\s*([-/])\s*", r"\1", f"{m.group(1)}{m.group(2)}{m.group(3)}")


def _fmt_date(day: str, month: str, year: str) -> str:
    """``day/month/year`` as the document writes its digits ("06/01/2022" stays padded); a
    date written in words ("ngày 14 tháng 3 năm 2025") reads "14/3/2025", as it is cited."""
    d, mth = int(day), int(month)
    if not (1 <= d <= 31 and 1 <= mth <= 12):
        return ""
    return f"{day}/{month}/{year}"


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
    surnames = vocabulary().surnames
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
        pick = next((j for j in names if lines[j].split()[0] in surnames), names[0])
        return lines[pick], ", ".join(block)
    if marks:  # a block with no name under it: an unsigned template ("T/M ... BÍ THƯ ...")
        return "", ""
    # No signature block (e.g. only the name after "Nơi nhận"): last name near the end.
    tail_from = max(
        [i for i, x in enumerate(lines) if x.startswith("Nơi nhận")] or [len(lines) - 12]
    )
    names = [lines[j] for j in range(max(tail_from, 0), len(lines)) if _is_name(lines[j])]
    return (names[-1], "") if names else ("", "")


@cache
def _role_re() -> re.Pattern[str]:
    roles = sorted(map(re.escape, vocabulary().offices), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(roles) + r")(?!\w)")


def _role_case(line: str) -> str:
    m = SIGN_PREFIX.match(line)
    prefix, rest = (m.group(1), m.group(2)) if m else ("", line)
    rest = _role_re().sub(lambda r: vocabulary().offices[r.group(1)], rest.lower())
    rest = rest[:1].upper() + rest[1:]
    return f"{prefix} {rest}".strip()


def _ministry_case(name: str) -> str:
    # "THÔNG TIN VÀ TRUYỀN THÔNG" -> "Thông tin và Truyền thông".
    return " và ".join(_sentence_case(p) for p in re.split(r"\s+VÀ\s+", collapse_ws(name)))


def _detect_issuer(head: str, province: str, title: str = "") -> str:
    place = "" if province == NATIONAL else province
    # A two-column header read line by line puts the motto between the issuer's two lines
    # ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / TỈNH QUẢNG NAM Độc lập …").
    head = _MOTTO.sub("", head)

    def named(rest: str) -> str:
        return canonical(rest.strip()) or place

    # "NGHỊ QUYẾT của Ban Chấp hành Đảng bộ tỉnh về …": the body named in the title (not
    # the issuer of a document the title cites: "Kế hoạch thực hiện Nghị quyết số 25-NQ/TU
    # ngày 18/4/2023 của Ban Chấp hành Đảng bộ tỉnh …" is the UBND's plan).
    if (
        m := re.search(
            r"(?i)\bcủa (Ban (?:Chấp hành|Thường vụ) [^\n]*?)"
            r"\s+(?:về|khóa|khoá|thực hiện|triển khai)\b",
            title,
        )
    ) and not re.search(r"(?i)\bsố\s*\d", title[: m.start()]):
        body = _role_case(collapse_ws(m.group(1)))
        return collapse_ws(f"{body} {place}") if place and place not in body else body
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
    if m := re.search(r"(?m)^ĐẢNG BỘ (TỈNH|THÀNH PHỐ)\s+([^\n]+)\n(?:TỈNH|THÀNH) ỦY\b", head):
        return collapse_ws(f"Tỉnh ủy {named(m.group(2))}")
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
        if text is title and re.search(r"\bnăm \d{4}$", title):
            # A title naming several years ("… kết quả năm 2024 …; nhiệm vụ trọng tâm năm
            # 2025") covers them all, not only its last: a report's 2024 results are 2024's.
            named = dict.fromkeys(re.findall(r"\bnăm (\d{4})\b", title))
            return ", ".join(f"năm {y}" for y in named)
    return ""


def _detect_implements(text: str) -> str:
    """The documents the preamble says this one implements ("Thực hiện Nghị quyết số …")."""
    flat = collapse_ws(text)
    m = _IMPLEMENTS.search(flat)
    return m.group(1).strip(" ,;") if m else ""


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
