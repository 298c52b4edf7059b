"""Vietnamese provinces and centrally-run cities, and finding them in text.

Covers the 63 units in use before the 2025 merger and the 34 in use after it (Nghị quyết
202/2025/QH15, effective 12/6/2025); a pre-2025 name stays canonical on its own, since
the corpus predates the merger ("Hải Dương" is not rewritten to "Hải Phòng").
``Province.merged_into`` records where a pre-2025 unit went.

Matching works on the folded text (``assistant.text.fold``), so "Khanh Hoa", "KHÁNH HÒA"
and "Khánh Hoà" all match, but a folded match is kept only where every diacritic the
writer did type agrees with the name: "đa năng" is not "Đà Nẵng", "năm" is not "Nam".
Names that are also common words (hòa bình = peace, bare "Hồ Chí Minh" = the person, as
in "Đoàn Thanh niên Cộng sản Hồ Chí Minh") need a "tỉnh"/"thành phố"/"TP" prefix, or for
some of them the exact title-case spelling with diacritics.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from kernel.text import collapse_ws, fold, has_diacritics, nfc

logger = logging.getLogger(__name__)

Level = Literal["free", "titlecase", "prefix"]
"""How strict matching a surface form is:

``free``: anywhere on word boundaries; ``titlecase``: without a prefix only when written
exactly as the title-case name with diacritics (else a prefix is needed); ``prefix``: only
after tỉnh / thành phố / TP.
"""


@dataclass(frozen=True)
class Province:
    """One province or centrally-run city."""

    name: str
    kind: Literal["tỉnh", "thành phố"]
    pre_2025: bool
    post_2025: bool
    merged_into: str | None = None
    variants: tuple[str, ...] = ()
    level: Level = "free"
    prefix_variants: tuple[str, ...] = ()
    """Forms too ambiguous alone (``Hồ Chí Minh``, ``HCM``), matched only after a prefix."""


def _p(
    name: str,
    *variants: str,
    kind: Literal["tỉnh", "thành phố"] = "tỉnh",
    pre: bool = True,
    post: bool = True,
    merged_into: str | None = None,
    level: Level = "free",
    prefix_variants: tuple[str, ...] = (),
) -> Province:
    return Province(name, kind, pre, post, merged_into, variants, level, prefix_variants)


HCMC = "Thành phố Hồ Chí Minh"

PROVINCES: tuple[Province, ...] = (
    # Centrally-run cities.
    _p("Hà Nội", "Hanoi", "Ha Noi", "Thủ đô Hà Nội", kind="thành phố"),
    _p(
        HCMC,
        "TP.HCM",
        "TP. HCM",
        "TPHCM",
        "Tp.HCM",
        "TP. Hồ Chí Minh",
        "TP Hồ Chí Minh",
        "Sài Gòn",
        "Saigon",
        "Sai Gon",
        "Ho Chi Minh City",
        "HCMC",
        "HCM City",
        kind="thành phố",
        prefix_variants=("Hồ Chí Minh", "HCM"),
    ),
    _p("Hải Phòng", "Haiphong", "Hai Phong", kind="thành phố"),
    _p("Đà Nẵng", "Danang", "Da Nang", kind="thành phố"),
    _p("Cần Thơ", "Can Tho", kind="thành phố"),
    # Thừa Thiên Huế became the centrally-run city Huế on 1/1/2025.
    _p("Thừa Thiên Huế", "Thừa Thiên - Huế", "Thua Thien Hue", post=False, merged_into="Huế"),
    _p("Huế", "Hue City", "Thành phố Huế", kind="thành phố", pre=False, level="titlecase"),
    # Provinces unchanged by the 2025 merger.
    _p("Cao Bằng", "Cao Bang", level="titlecase"),
    _p("Điện Biên", "Dien Bien"),
    _p("Hà Tĩnh", "Ha Tinh"),
    _p("Lai Châu", "Lai Chau"),
    _p("Lạng Sơn", "Lang Son"),
    _p("Nghệ An", "Nghe An"),
    _p("Quảng Ninh", "Quang Ninh"),
    _p("Sơn La", "Son La"),
    _p("Thanh Hóa", "Thanh Hoa"),
    # Provinces that absorbed others in 2025 (names kept).
    _p("An Giang", "An Giang province"),
    _p("Bắc Ninh", "Bac Ninh"),
    _p("Cà Mau", "Ca Mau"),
    _p("Đắk Lắk", "Đắc Lắc", "Đăk Lăk", "Đắk Lăk", "Daklak", "Dak Lak"),
    _p("Đồng Nai", "Dong Nai"),
    _p("Đồng Tháp", "Dong Thap"),
    _p("Gia Lai", "Gia Lai province"),
    _p("Hưng Yên", "Hung Yen"),
    _p("Khánh Hòa", "Khanh Hoa", "Khanh Hoa province"),
    _p("Lâm Đồng", "Lam Dong"),
    _p("Lào Cai", "Lao Cai"),
    _p("Ninh Bình", "Ninh Binh"),
    _p("Phú Thọ", "Phu Tho"),
    _p("Quảng Ngãi", "Quang Ngai"),
    _p("Quảng Trị", "Quang Tri"),
    _p("Tây Ninh", "Tay Ninh"),
    _p("Thái Nguyên", "Thai Nguyen"),
    _p("Tuyên Quang", "Tuyen Quang"),
    _p("Vĩnh Long", "Vinh Long"),
    # Pre-2025 provinces merged into another unit in 2025.
    _p(
        "Bà Rịa - Vũng Tàu",
        "Bà Rịa Vũng Tàu",
        "BR-VT",
        "BRVT",
        "Ba Ria - Vung Tau",
        post=False,
        merged_into=HCMC,
    ),
    _p("Bắc Giang", "Bac Giang", post=False, merged_into="Bắc Ninh"),
    _p("Bắc Kạn", "Bắc Cạn", "Bac Kan", post=False, merged_into="Thái Nguyên"),
    _p("Bạc Liêu", "Bac Lieu", post=False, merged_into="Cà Mau"),
    _p("Bến Tre", "Ben Tre", post=False, merged_into="Vĩnh Long"),
    _p("Bình Định", "Binh Dinh", post=False, merged_into="Gia Lai", level="titlecase"),
    _p("Bình Dương", "Binh Duong", post=False, merged_into=HCMC),
    _p("Bình Phước", "Binh Phuoc", post=False, merged_into="Đồng Nai"),
    _p("Bình Thuận", "Binh Thuan", post=False, merged_into="Lâm Đồng"),
    _p("Đắk Nông", "Đắc Nông", "Đăk Nông", "Dak Nong", post=False, merged_into="Lâm Đồng"),
    _p("Hà Giang", "Ha Giang", post=False, merged_into="Tuyên Quang"),
    _p("Hà Nam", "Ha Nam", post=False, merged_into="Ninh Bình"),
    _p("Hải Dương", "Hai Duong", post=False, merged_into="Hải Phòng"),
    _p("Hậu Giang", "Hau Giang", post=False, merged_into="Cần Thơ"),
    _p("Hòa Bình", "Hoa Binh", post=False, merged_into="Phú Thọ", level="titlecase"),
    _p("Kiên Giang", "Kien Giang", post=False, merged_into="An Giang"),
    _p("Kon Tum", "Kontum", post=False, merged_into="Quảng Ngãi"),
    _p("Long An", "Long An province", post=False, merged_into="Tây Ninh"),
    _p("Nam Định", "Nam Dinh", post=False, merged_into="Ninh Bình"),
    _p("Ninh Thuận", "Ninh Thuan", post=False, merged_into="Khánh Hòa"),
    _p("Phú Yên", "Phu Yen", post=False, merged_into="Đắk Lắk"),
    _p("Quảng Bình", "Quang Binh", post=False, merged_into="Quảng Trị"),
    _p("Quảng Nam", "Quang Nam", post=False, merged_into="Đà Nẵng"),
    _p("Sóc Trăng", "Soc Trang", post=False, merged_into="Cần Thơ"),
    _p("Thái Bình", "Thai Binh", post=False, merged_into="Hưng Yên", level="titlecase"),
    _p("Tiền Giang", "Tien Giang", post=False, merged_into="Đồng Tháp"),
    _p("Trà Vinh", "Tra Vinh", post=False, merged_into="Vĩnh Long"),
    _p("Vĩnh Phúc", "Vinh Phuc", post=False, merged_into="Phú Thọ"),
    _p("Yên Bái", "Yen Bai", post=False, merged_into="Lào Cai"),
)

BY_NAME: dict[str, Province] = {p.name: p for p in PROVINCES}
NAMES_PRE_2025: tuple[str, ...] = tuple(p.name for p in PROVINCES if p.pre_2025)
"""The 63 provinces and cities before the 2025 merger."""
NAMES_POST_2025: tuple[str, ...] = tuple(p.name for p in PROVINCES if p.post_2025)
"""The 34 provinces and cities after the 2025 merger."""

# Words that, right before a name, say "this is a place": they license ambiguous names.
_PREFIXES = (
    "ủy ban nhân dân tỉnh",
    "ủy ban nhân dân thành phố",
    "ubnd tỉnh",
    "ubnd thành phố",
    "tỉnh ủy",
    "thành ủy",
    "tỉnh",
    "thành phố",
    "tp.",
    "tp",
    "t.p.",
)

# Old-style tone placement ("hoà", "uỷ") rewritten to the style of the corpus ("hòa",
# "ủy"), character for character so that offsets do not move.
_OLD_TONE = re.compile(r"(?<![qQ])([oOuU])([àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ])(?!\w)")
_BASE = str.maketrans("àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ", "aaaaaeeeeeyyyyyAAAAAEEEEEYYYYY")
# Combining tone marks (grave, acute, hook, tilde, dot below) -> (lower, upper) vowel.
_TONE_ON_O = {"\u0300": "òÒ", "\u0301": "óÓ", "\u0309": "ỏỎ", "\u0303": "õÕ", "\u0323": "ọỌ"}
_TONE_ON_U = {"\u0300": "ùÙ", "\u0301": "úÚ", "\u0309": "ủỦ", "\u0303": "ũŨ", "\u0323": "ụỤ"}


def _tone_mark(ch: str) -> str:
    return next((c for c in unicodedata.normalize("NFD", ch) if c in _TONE_ON_O), "")


def _modern_tone(text: str) -> str:
    """``hoà`` -> ``hòa``, ``Thuỷ`` -> ``Thủy``; same length as the input."""

    def swap(m: re.Match[str]) -> str:
        vowel, marked = m.group(1), m.group(2)
        mark = _tone_mark(marked)
        table = _TONE_ON_O if vowel in "oO" else _TONE_ON_U
        new_vowel = table[mark][0 if vowel.islower() else 1] if mark else vowel
        return new_vowel + marked.translate(_BASE)

    return _OLD_TONE.sub(swap, text)


def _fold_same_length(text: str) -> str:
    """``fold`` applied character by character, so index i of the result is char i."""
    out = []
    for ch in text:
        f = fold(ch)
        out.append(f if len(f) == 1 else (ch.lower() if len(ch.lower()) == 1 else " "))
    return "".join(out)


def _letters(s: str) -> str:
    """Letters and digits only: aligns a written span with a name despite spacing/hyphens."""
    return "".join(ch for ch in s if ch.isalnum())


def _consistent(written: str, name: str) -> bool:
    """True if every diacritic in ``written`` agrees with ``name`` (case-insensitive).

    ``"Ha Noi"`` and ``"Hà Noi"`` fit ``"Hà Nội"``; ``"đa năng"`` does not fit ``"Đà Nẵng"``.
    """
    w, n = _letters(written).lower(), _letters(name).lower()
    if len(w) != len(n):
        return False
    return all(a == b or fold(a) == a for a, b in zip(w, n, strict=True))


@dataclass(frozen=True)
class _Form:
    written: str  # the surface form with diacritics (tone-normalised)
    canonical: str
    level: Level


@dataclass(frozen=True)
class Mention:
    """A province mentioned in a text: span of the whole match (prefix included)."""

    canonical: str
    start: int
    end: int
    prefix: str = ""
    """The place word before the name as written (``tỉnh``, ``TP.``, ``Tỉnh ủy``), or ``""``."""


def _pattern_for(folded_form: str) -> str:
    # Any run of spaces/hyphens/dots between syllables matches any other such run, so
    # "Bà Rịa - Vũng Tàu", "Bà Rịa–Vũng Tàu" and "Ba Ria Vung Tau" are one form.
    parts = [re.escape(p) for p in re.split(r"[\s\-–—.]+", folded_form) if p]
    return r"[\s\-–—.]+".join(parts)


@lru_cache(maxsize=1)
def _index() -> tuple[re.Pattern[str], dict[str, list[_Form]]]:
    forms: dict[str, list[_Form]] = {}
    for p in PROVINCES:
        entries: list[tuple[str, Level]] = [(p.name, p.level)]
        # Spelling variants are as ambiguous as the name itself ("Hoa Binh" = "hòa bình").
        entries += [(v, p.level) for v in p.variants]
        entries += [(v, "prefix") for v in p.prefix_variants]
        for written, level in entries:
            written = _modern_tone(nfc(written))
            key = _letters(fold(written))
            forms.setdefault(key, []).append(_Form(written, p.name, level))
    # Longest first: at one position the regex takes the first alternative that matches.
    folded_forms = sorted(
        {fold(f.written) for fs in forms.values() for f in fs}, key=len, reverse=True
    )
    prefixes = sorted({fold(x) for x in _PREFIXES}, key=len, reverse=True)
    prefix_re = "|".join(_pattern_for(x) + r"\.?" for x in prefixes)
    names_re = "|".join(_pattern_for(f) for f in folded_forms)
    rx = re.compile(rf"(?<!\w)(?:(?P<pre>{prefix_re})\s*)?(?P<name>{names_re})(?!\w)")
    return rx, forms


def _prefix_ok(written_prefix: str) -> bool:
    """The prefix as written must agree with a real prefix ("tính" is not "tỉnh")."""
    return any(_consistent(written_prefix, p) for p in _PREFIXES)


def _accept(
    written_name: str, has_prefix: bool, candidates: list[_Form], plain: bool = False
) -> str | None:
    """The province a matched name stands for, if its writing allows one. ``plain``: the
    text is typed without diacritics anywhere, where title case ("Hue", "Cao Bang") is the
    only sign of a name that it can give."""
    for f in candidates:
        if not _consistent(written_name, f.written):
            continue
        if f.level == "free" or has_prefix:
            return f.canonical
        name = collapse_ws(written_name)
        if f.level == "titlecase" and (
            name == f.written or (plain and name == plain_name(f.written))
        ):
            return f.canonical
    return None


def plain_name(name: str) -> str:
    """A name as it is typed without diacritics: "Hòa Bình" → "Hoa Binh"."""
    return " ".join(w[:1].upper() + w[1:] for w in fold(name).split())


def find_mentions(text: str) -> list[Mention]:
    """Every province mention in ``text``, in order, with its span and any place prefix."""
    if not text:
        return []
    written = _modern_tone(nfc(text))
    folded = _fold_same_length(written)
    plain = not has_diacritics(written)
    rx, forms = _index()
    out: list[Mention] = []
    pos = 0
    while True:
        m = rx.search(folded, pos)
        if m is None:
            break
        name_span = written[m.start("name") : m.end("name")]
        pre_span = written[m.start("pre") : m.end("pre")] if m.group("pre") else ""
        has_prefix = bool(pre_span) and _prefix_ok(pre_span)
        canonical = _accept(name_span, has_prefix, forms.get(_letters(m.group("name")), []), plain)
        if canonical is None:
            # Try again one character later: a shorter form may start inside this match.
            pos = m.start() + 1
            continue
        start = m.start() if has_prefix else m.start("name")
        out.append(Mention(canonical, start, m.end(), pre_span if has_prefix else ""))
        pos = m.end()
    return out


def ends_with_place_word(text: str) -> bool:
    """True when ``text`` ends with a word that says a place follows ("… ubnd tinh", "tỉnh"),
    as written or typed without diacritics."""
    folded = fold(nfc(text)).rstrip().lower()
    for p in _PREFIXES:
        word = fold(p)
        if folded.endswith(word) and not folded[: -len(word)][-1:].isalnum():
            return True
    return False


def find_provinces(text: str) -> list[str]:
    """Canonical names of the provinces mentioned in ``text``, in order of first mention."""
    seen: dict[str, None] = {}
    for m in find_mentions(text):
        seen.setdefault(m.canonical, None)
    return list(seen)


_STRIP_AFFIX = re.compile(
    r"^(?:tỉnh|thành phố|tp\.?|t\.p\.)\s*|\s+(?:province|city)$", re.IGNORECASE
)


def canonical(name: str) -> str | None:
    """The canonical province name for a name or variant (``"TP.HCM"``), else ``None``.

    A lone name is looked up without the prefix rules of free text: ``"Hue"`` is Huế here.
    """
    if not name or not name.strip():
        return None
    clean = collapse_ws(_modern_tone(nfc(name)))
    _, forms = _index()
    for candidate in (clean, _STRIP_AFFIX.sub("", clean)):
        for f in forms.get(_letters(fold(candidate)), []):
            if _consistent(candidate, f.written):
                return f.canonical
    found = find_mentions(clean)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(clean):
        return found[0].canonical
    return None


# The day the 2025 merger took effect (Nghị quyết 202/2025/QH15): a merged province's
# documents issued since speak of the provinces it absorbed as its parts ("tỉnh Hà Giang (cũ)").
MERGED_ON = (2025, 6, 12)


def merged_into(name: str) -> str | None:
    """The province a pre-2025 province ``name`` merged into (None: it did not merge)."""
    p = _named(name)
    return p.merged_into if p else None


def absorbed(name: str) -> list[str]:
    """The provinces merged in 2025 into ``name``, a province that kept its name."""
    return [p.name for p in PROVINCES if p.merged_into == name and p.name != name]


def renamed(name: str) -> str | None:
    """The other name of a unit that became a new one alone, with nothing merged into it
    ("Thừa Thiên Huế", the city "Huế" since 2025): the same place under either name. None
    for a unit that merged with others or absorbed them."""
    into = merged_into(name)
    if into is not None:
        alone = [p for p in PROVINCES if p.merged_into == into] == [_named(name)]
        return into if alone and not _named(into).pre_2025 else None
    before = [p for p in PROVINCES if p.merged_into == name]
    own = _named(name)
    return before[0].name if len(before) == 1 and own and not own.pre_2025 else None


def _named(name: str) -> Province | None:
    return next((p for p in PROVINCES if p.name == name), None)
