"""Where a document fact is written: the ways its value is written, its value as the text gives
it (the session that adopted it, the addressees it lists) and the passages that state it."""

from __future__ import annotations

import re

from assistant.answering.features import BULLET
from kernel.text import SIGNATURE_MARK, fold, nfc
from kernel.types import Chunk, DocumentPart, Unit

# The session that adopted a resolution, as its header or closing line writes it: "HỘI NGHỊ
# LẦN THỨ 7", "KHÓA XVIII, KỲ HỌP THỨ 4", "… khóa X, kỳ họp thứ tư thông qua".
_ORDINAL = (  # "7", "XIII", "thứ Mười Ba", "thứ tư" (not "BA BAN CHẤP HÀNH")
    r"(?:\d+|[IVXLC]+\b|"
    r"(?:(?:mười|mươi|một|mốt|hai|ba|bốn|tư|năm|lăm|sáu|bảy|tám|chín|nhất)\b\s*){1,3})"
)
_SESSION = re.compile(
    rf"(?:hội nghị lần thứ|kỳ họp thứ|kì họp thứ)\s+{_ORDINAL}|(?:khóa|khoá)\s+(?-i:[IVXLC]+)\b",
    re.IGNORECASE,
)
# The lists a document names its addressees in: "Kính gửi:" under its title, "Nơi nhận:"
# after its signature (the last item, "Lưu: VT, …", is its own archive copy).
_LISTS = {
    "recipients": re.compile(r"^Kính gửi\s*:?\s*", re.IGNORECASE),
    "distribution": re.compile(r"^Nơi nhận\s*:?\s*", re.IGNORECASE),
}
_FILED = re.compile(r"^Lưu\b")


def _in_part(c: Chunk, file: str, part: DocumentPart, multi: bool) -> bool:
    return c.file == file and (not multi or bool(c.headings and c.headings[0] == part.label))


def field_value(field: str, part: DocumentPart, file: str, chunks: list[Chunk], multi: bool) -> str:
    """A fact from the catalog; the addressees ("Kính gửi: …", "Nơi nhận: …") and the session
    that adopted the document ("Hội nghị lần thứ 7", "khóa XVIII") are read from the text."""
    if field == "session":
        found: dict[str, str] = {}
        for c in chunks:
            if _in_part(c, file, part, multi):
                for u in c.units:
                    for m in _SESSION.finditer(u.text):
                        # The first of each (conference, sitting, term): the header's; later
                        # ones cite other bodies' ("Hội nghị lần thứ ba Ban Chấp hành TW").
                        found.setdefault(fold(m.group(0)).split()[0], m.group(0).strip())
        return "; ".join(found.values())
    if field not in _LISTS:
        return str(getattr(part, field))
    label = _LISTS[field]
    for c in chunks:
        if _in_part(c, file, part, multi):
            for k, u in enumerate(c.units):
                if label.match(u.text):
                    rest = label.sub("", u.text).strip()
                    # "Kính gửi:" is a unit of its own when the colon ends a sentence unit;
                    # the addressees follow, one a line when they are listed ("- Ban Thường
                    # vụ Tỉnh ủy; / - Bộ Khoa học và Công nghệ."); "Nơi nhận: (VBĐT)" says
                    # only how the list below is sent.
                    if not rest or (rest.startswith("(") and rest.endswith(")")):
                        listed = []
                        for v in c.units[k + 1 :]:
                            bullet = bool(BULLET.match(v.text))
                            if (listed and not bullet) or _FILED.match(BULLET.sub("", v.text)):
                                break
                            listed.append(v.text)
                            if not bullet:
                                break
                        rest = " ".join(listed)
                    return rest
    return ""


def passages_stating(
    file: str, part: DocumentPart, values: dict[str, str], chunks: list[Chunk], multi: bool
) -> list[tuple[Chunk, list[Unit]]]:
    """Passages stating the values: the chunk stating most of them first (in the document
    asked about, then most in one sentence: a decision's own "Số: …" and date line before
    the plan it issues repeating both), then chunks for what is still unquoted."""
    raw = {f: v.split(" (")[0] if f == "signer" else v for f, v in values.items()}
    if "session" in raw:  # "HỘI NGHỊ LẦN THỨ 7; khóa XVIII": each where it is written
        parts = raw.pop("session").split("; ")
        raw |= {f"session:{i}": v for i, v in enumerate(parts)}
    out: list[tuple[Chunk, list[Unit]]] = []
    if "issuing_body" in raw and (header := _header_stating(file, part, raw, chunks, multi)):
        out.append(header)
        del raw["issuing_body"]
    while raw and len(out) < 3:
        found = _best_chunk(file, part, raw, chunks, multi)
        if found is None:
            break
        c, units, fields = found
        out.append((c, _with_signature_titles(c, units) if "signer" in fields else units))
        raw = {f: v for f, v in raw.items() if f not in fields}
    if not out:
        # Not written out verbatim: cite the part's opening lines (title, issuing body).
        opening = [c for c in chunks if _in_part(c, file, part, multi)]
        if opening and opening[0].units:
            out.append((opening[0], opening[0].units[:3]))
    return out


def _header_stating(
    file: str, part: DocumentPart, raw: dict[str, str], chunks: list[Chunk], multi: bool
) -> tuple[Chunk, list[Unit]] | None:
    """The header lines naming the issuer, which headers break over lines ("ỦY BAN NHÂN DÂN"
    / "TỈNH TIỀN GIANG"): quoted before a sentence of the text that names the same body."""
    opening = next((c for c in chunks if _in_part(c, file, part, multi)), None)
    if opening is None:
        return None
    variants = [squash(x) for x in _value_variants("issuing_body", raw["issuing_body"])]
    units = opening.units[:_HEADER_LINES]
    for i in range(len(units)):
        for j in range(i + 1, min(i + 3, len(units)) + 1):
            if squash(" ".join(u.text for u in units[i:j])) in variants:
                return opening, units[i:j]
    # Written otherwise in the header ("ĐẢNG BỘ TỈNH BẮC KẠN" / "TỈNH ỦY" for a resolution
    # of the Ban Chấp hành): the header's issuer lines, those in capitals above "Số …".
    numbered = next((k for k, u in enumerate(units) if _NUMBER_LINE.match(u.text)), None)
    if numbered:
        lines = [
            u
            for u in units[:numbered]
            if u.text.isupper() and any(ch.isalpha() for ch in u.text) and not _MOTTO.match(u.text)
        ]
        if lines:
            return opening, lines
    return None


_HEADER_LINES = 6  # the issuer's lines open a document (national motto, issuer, "Số:")
_NUMBER_LINE = re.compile(r"^\**Số\b")
_MOTTO = re.compile(r"^\**(?:CỘNG HÒA|CỘNG HOÀ|ĐẢNG CỘNG SẢN|ĐỘC LẬP)")


def _best_chunk(
    file: str, part: DocumentPart, raw: dict[str, str], chunks: list[Chunk], multi: bool
) -> tuple[Chunk, list[Unit], set[str]] | None:
    best: tuple[tuple[int, int, int, int], Chunk, list[Unit], set[str]] | None = None
    for c in chunks:
        if c.file != file:
            continue
        hits: list[Unit] = []
        per_unit: dict[int, int] = {}
        fields: set[str] = set()
        found = 0
        for f, v in raw.items():
            variants = [squash(x) for x in _value_variants(f.split(":")[0], v)]
            listed = f in _LISTS  # a list's items are quoted each where it is
            for k, u in enumerate(c.units):
                if any(x and x in squash(u.text) for x in variants):
                    if u not in hits:
                        hits.append(u)
                    per_unit[k] = per_unit.get(k, 0) + 1
                    fields.add(f)
                    found += 1
                    if not listed:
                        break
        if not hits:
            continue
        in_part = int(_in_part(c, file, part, multi))
        key = (len(fields), in_part, found, max(per_unit.values()))
        if best is None or key > best[0]:
            best = (key, c, hits, fields)
    if best is None:
        return None
    _, c, units, fields = best
    return c, sorted(units, key=lambda u: u.start), fields


def _with_signature_titles(c: Chunk, units: list[Unit]) -> list[Unit]:
    """A name alone says little: quote the "T/M …, BÍ THƯ" lines above it too."""
    i = next(k for k, u in enumerate(c.units) if u == units[0])
    titles = [u for u in c.units[max(0, i - 14) : i] if SIGNATURE_MARK.match(u.text)]
    return titles + units


def _value_variants(field: str, value: str) -> list[str]:
    """Ways a value is written in documents: 19/10/2021 ~ ngày 19 tháng 10 năm 2021."""
    out = [value]
    if field == "date":
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
        if m:
            d, mo, y = (int(x) for x in m.groups())
            written = "{} tháng {} năm {}".format(*m.groups())  # "05 tháng 8 năm 2021"
            out += [written, f"{d} tháng {mo} năm {y}", f"{d:02d} tháng {mo:02d} năm {y}"]
    if field == "number":
        out.append(value.split("/")[0])
    if field in ("session", "implements"):  # each where it is written
        out += value.split("; ")
    if field in _LISTS:  # addressees listed a line each are quoted where each is
        items = [
            BULLET.sub("", x).strip(" ;.,")
            for x in re.split(r"(?<=;)\s+|(?<=,)\s+(?=[-–•+]\s)", value)
        ]
        out += [x for x in items if len(x) > 3] if len(items) > 1 else []
    if field == "issuing_body":
        # Headers say "BAN CHẤP HÀNH ĐẢNG BỘ TỈNH" without the province's name.
        words = value.split()
        out += [" ".join(words[:-k]) for k in (1, 2) if len(words) - k >= 3]
    return out


def squash(text: str) -> str:
    """``text`` without spaces or Markdown marks, lower case: "Số 16 -NQ/TU" ~ "16-NQ/TU"."""
    return re.sub(r"[\s*~]+", "", nfc(text)).lower()
