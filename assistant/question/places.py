"""Places below the province a question names: local units ("huyện Châu Thành A", "Nha
Trang city") and the parts of a province merged in 2025 ("tỉnh Gia Lai (cũ)"). A passage
that does not speak of the place asked is its near miss (:mod:`assistant.answering`)."""

from __future__ import annotations

import re
from collections.abc import Callable

from kernel.gazetteer import absorbed, find_mentions, find_provinces, merged_into, plain_name
from kernel.text import fold, has_diacritics, nfc
from kernel.vocabulary import cues, glossary

FORMER = "cũ"  # how the merged province's documents name a part that kept its name


_NAME_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def local_places(question: str) -> list[str]:
    """Names of places below the province a question names: after "huyện", "thị xã", "xã"…
    ("huyện Châu Thành A"), before "district", "city"… in English ("Nha Trang city"). A name is
    written capitalised (typed without capitals, a name cannot be told from other words); a
    province's own name ("thành phố Cần Thơ") is no place below it."""
    words = [(m.group(0), m.start(), m.end()) for m in _NAME_WORD.finditer(nfc(question))]
    # Typed without diacritics, the unit words are matched folded too ("huyen Chau Thanh").
    bare = not has_diacritics(question)
    low = [fold(w) if bare else w.lower() for w, _, _ in words]
    c = cues()
    stop = glossary().english_stopwords

    def named(k: int, before: int, english: bool = False) -> bool:
        """Word ``k`` is part of a name, joined by a space alone to word ``before`` ("What
        city …": an English question word is none; "Châu Thành A", "Chiềng An" are)."""
        w = words[k][0]
        gap = question[min(words[k][2], words[before][2]) : max(words[k][1], words[before][1])]
        return w[:1].isupper() and not (english and w.lower() in stop) and not gap.strip()

    out: list[str] = []

    def keep(first: int, last: int, unit: str) -> None:
        name = question[words[first][1] : words[last][2]]
        province = any(find_provinces(f"{p} {name}") for p in (unit, "thành phố", "tỉnh"))
        if not province and name not in out:
            out.append(name)

    for unit in c.local_units:
        parts = (fold(unit) if bare else unit).split()
        for i in range(len(words) - len(parts)):
            if low[i : i + len(parts)] != parts:
                continue
            j = i + len(parts)
            k = j
            while k < len(words) and k < j + 4 and named(k, k - 1):
                k += 1
            if k > j:
                keep(j, k - 1, unit)
    for unit in c.local_units_after:
        parts = unit.split()  # "district", "special zone"
        for i in range(len(low) - len(parts) + 1):
            if low[i : i + len(parts)] != parts:
                continue
            k = i
            while k > 0 and k > i - 4 and named(k - 1, k, english=True):
                k -= 1
            if k < i:
                keep(k, i - 1, unit)
    return out


def former_parts(question: str) -> list[str]:
    """The provinces a question names as they were before the 2025 merger, where the
    province kept its name and absorbed others ("Gia Lai (cũ)", "the former Gia Lai"): the
    merged province's documents give such a part's figures under "tỉnh Gia Lai (cũ)", beside
    those of the parts it absorbed. Canonical names; the place is ``f"{name} {FORMER}"``."""
    return [name for name in named_former(question) if absorbed(name)]


def named_former(question: str) -> list[str]:
    """The provinces a question marks as they were before the 2025 merger ("Hải Dương (cũ)",
    "the former Gia Lai", "trước sáp nhập"), whether they kept their name or not. Canonical
    names."""
    return list(dict.fromkeys(name for name, _, _ in _marked(question)))


def _normalizer(question: str) -> Callable[[str], str]:
    """How the question's words are compared with marker words: as written, folded only for
    a question typed without diacritics ("cũ" is not "cụ thể")."""
    return (lambda t: t.lower()) if has_diacritics(question) else (lambda t: fold(t).lower())


def merger_context(question: str) -> set[str]:
    """The provinces a question names only to say what merged into another province it names
    ("Khánh Hòa (tỉnh mới sau hợp nhất với Ninh Thuận)"): every mention right after a merger
    word. Such a name asks for no place of its own."""
    text = nfc(question)
    norm = _normalizer(question)
    words = cues().merged_with
    named = set(find_provinces(text))
    said: dict[str, bool] = {}
    for m in find_mentions(text):
        before = norm(text[: m.start])
        merged = any(re.search(rf"(?<!\w){re.escape(norm(w))}\s*$", before) for w in words)
        said[m.canonical] = said.get(m.canonical, True) and merged
    return {name for name, only in said.items() if only and merged_into(name) in named}


def without_former_markers(text: str) -> str:
    """``text`` without the markers of the provinces it marks as before the merger, the names
    kept ("Hải Dương (cũ) năm 2024" → "Hải Dương năm 2024"): a marker is no topic word."""
    text = nfc(text)
    for _, start, end in reversed(_marked(text)):
        text = f"{text[:start]} {text[end:]}"
    return re.sub(r"\s+", " ", text).strip()


def as_former(name: str, text: str) -> str:
    """``name`` marked as before the merger, spelled as ``text`` spells words."""
    return f"{name} ({FORMER})" if has_diacritics(text) else f"{plain_name(name)} cu"


def named_new(question: str) -> list[str]:
    """The provinces a question marks as they are since the 2025 merger ("Khánh Hòa (mới)",
    "Khánh Hòa sau hợp nhất", "the new Khánh Hòa"): their documents issued since. Canonical
    names."""
    c = cues()
    marked = _marked(question, c.new_after, c.new_before, clause_end=True)
    return list(dict.fromkeys(n for n, _, _ in marked))


def _marked(
    question: str,
    after_words: tuple[str, ...] = (),
    before_words: tuple[str, ...] = (),
    clause_end: bool = False,
) -> list[tuple[str, int, int]]:
    """Each marked province: its canonical name and the span of its marker (by default the
    former one: "(cũ)" after the name, "former" before it). With ``clause_end``, a one-word
    marker after the name stands in brackets or ends a clause ("Khánh Hòa mới." is the new
    province, "Khánh Hòa mới ban hành" did something just now)."""
    text = nfc(question)
    norm = _normalizer(question)
    c = cues()
    after_words = after_words or c.former_after
    before_words = before_words or c.former_before
    out: list[tuple[str, int, int]] = []
    for m in find_mentions(text):
        after = norm(text[m.end :])
        before = norm(text[: m.start])
        for w in after_words:
            w = re.escape(norm(w))
            ends = r"(?=\s*[),.;:?!]|\s*$)" if clause_end and " " not in w else ""
            pattern = rf"\s*\(\s*{w}\s*\)|\s*{w}(?!\w){ends}"
            if found := re.match(pattern, after):
                out.append((m.canonical, m.end, m.end + found.end()))
                break
        else:
            for w in before_words:
                if found := re.search(rf"(?<!\w){re.escape(norm(w))}\s*$", before):
                    out.append((m.canonical, found.start(), m.start))
                    break
    return out
