"""The domain vocabulary (``vocabulary.toml``), read once: pillars, metrics, document kinds.

Every stage that needs a metric label, a pillar or a kind of document asks this module,
so the words are written once, in a data file a domain expert can edit.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

from kernel.text import fold

# Words that carry an agency's name on from its opening noun ("Công an tỉnh", "Ủy ban nhân
# dân", "Văn phòng thành phố").
_PLACE = ("tỉnh", "thành", "nhân")
VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")
CUES_FILE = Path(__file__).with_name("cues.toml")
GLOSSARY_FILE = Path(__file__).with_name("glossary.toml")
LEXICON_FILE = Path(__file__).with_name("lexicon.json")


@dataclass(frozen=True)
class Pillar:
    """A pillar of digital transformation and the folded words that name it."""

    name: str
    heading: re.Pattern[str] | None
    question: re.Pattern[str] | None
    words: re.Pattern[str] | None
    words_first: bool = False  # its words are tried before the other pillars'


@dataclass(frozen=True)
class Metric:
    """A shared metric: figures of different documents that measure the same thing."""

    key: str
    label: str
    need: tuple[re.Pattern[str], ...]
    avoid: tuple[re.Pattern[str], ...] = ()
    unit: str = "%"
    pillar: str | None = None

    def matches(self, folded: str) -> bool:
        """True when every ``need`` and no ``avoid`` pattern is found in folded text."""
        return all(p.search(folded) for p in self.need) and not any(
            p.search(folded) for p in self.avoid
        )


@dataclass(frozen=True)
class DocumentKind:
    """A kind of document (nghị quyết, công văn, …) and how it is named."""

    name: str
    title: str = ""
    codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()
    main: bool = False
    appendix: bool = False  # part of the document before it, never what a file is about

    @cached_property
    def mention(self) -> re.Pattern[str]:
        """Folded words of a question that point at this kind."""
        return re.compile("|".join(self.names + self.hints))

    @cached_property
    def named(self) -> re.Pattern[str]:
        """The kind's names in folded text, in any number ("resolution", "resolutions")."""
        return re.compile(rf"\b(?:{'|'.join(re.escape(n) for n in self.names)})s?\b")


@dataclass(frozen=True)
class IssuingBody:
    """A kind of issuing body as a question names it (folded) and as documents write it."""

    mention: re.Pattern[str]
    body: re.Pattern[str]


@dataclass(frozen=True)
class Vocabulary:
    """Everything ``vocabulary.toml`` holds, compiled."""

    pillars: tuple[Pillar, ...]
    metrics: tuple[Metric, ...]
    levels: dict[str, str]
    target_kinds: dict[str, str]
    document_kinds: tuple[DocumentKind, ...]
    labels: dict[str, str] = field(default_factory=dict)  # metric key -> label, in order
    surnames: frozenset[str] = frozenset()
    offices: dict[str, str] = field(default_factory=dict)  # lower-case -> as written
    goal_sections: re.Pattern[str] | None = None  # folded heading words of goal sections
    baseline_sections: re.Pattern[str] | None = None  # … of sections on the current state
    baseline_columns: re.Pattern[str] | None = None  # … of a table column of results
    unit_columns: frozenset[str] = frozenset()  # folded headers of a table's unit column
    issuing_bodies: tuple[IssuingBody, ...] = ()
    agency: re.Pattern[str] | None = None  # the name of an agency, as written

    @property
    def pillar_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.pillars)

    @property
    def main_kinds(self) -> frozenset[str]:
        """Kinds a file is about when it holds several documents (a dispatch forwarding one)."""
        return frozenset(k.name for k in self.document_kinds if k.main)

    @property
    def appendix_kinds(self) -> frozenset[str]:
        """Kinds that only go with the document before them (a "Phụ lục")."""
        return frozenset(k.name for k in self.document_kinds if k.appendix)

    def _agency_mentions(self, text: str) -> Iterator[tuple[str, str]]:
        """Each agency ``text`` names: its opening noun and the text after it. The noun must
        be followed by a capitalised word or by "tỉnh" / "thành phố" / "nhân dân" ("Sở Nội
        vụ", "Công an tỉnh"), or be an acronym ("UBND", "VNPT"). "Ban hành", "Bộ dữ liệu"
        name none."""
        if self.agency is None:
            return
        for m in self.agency.finditer(text):
            rest = text[m.end() :].lstrip()
            if m.group(0).isupper() or rest[:1].isupper() or rest.split(" ", 1)[0] in _PLACE:
                yield m.group(0), rest

    def names_agency(self, text: str) -> bool:
        """True when ``text`` names an agency (see :meth:`_agency_mentions`)."""
        return next(self._agency_mentions(text), None) is not None

    def agencies(self, text: str) -> list[str]:
        """The agencies ``text`` names, each as its opening noun and up to two name words
        after it, folded ("Sở Khoa học và Công nghệ" → "so khoa", "Công an tỉnh" → "cong an
        tinh"): enough to tell one agency from another in a task list."""
        found = []
        for noun, rest in self._agency_mentions(text):
            words = []
            for w in re.findall(r"[^\W_]+", rest)[:2]:
                if not (w[:1].isupper() or w in _PLACE or w in ("phố", "dân")):
                    break
                words.append(w)
            found.append(fold(" ".join([noun, *words])))
        return list(dict.fromkeys(found))

    def metric_label(self, key: str, default: str = "") -> str:
        """The human name of a metric key (``default`` when the key is unknown)."""
        return self.labels.get(key, default)


def _words(phrases: list[str]) -> re.Pattern[str]:
    """Any of ``phrases`` (folded words) at word boundaries."""
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")


def _rx(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


def _metrics(raw: list[dict], levels: dict[str, str]) -> tuple[list[Metric], dict[str, str]]:
    """Metrics in matching order, and the label of every key a metric can produce."""
    metrics, labels = [], {}
    for m in raw:
        metric = Metric(
            key=m["key"],
            label=m["label"],
            need=tuple(re.compile(p) for p in m["need"]),
            avoid=tuple(re.compile(p) for p in m.get("avoid", ())),
            unit=m.get("unit", "%"),
            pillar=m.get("pillar"),
        )
        metrics.append(metric)
        if "{level}" in metric.key:
            for folded, written in levels.items():
                labels[metric.key.format(level=folded)] = metric.label.format(level=written)
        else:
            labels[metric.key] = metric.label
    return metrics, labels


@cache
def vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    """The vocabulary of ``path`` (cached: the file is read once per process)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    levels = dict(data["levels"])
    metrics, labels = _metrics(data["metrics"], levels)
    return Vocabulary(
        pillars=tuple(
            Pillar(
                p["name"],
                _rx(p.get("heading")),
                _rx(p.get("question")),
                _rx(p.get("words")),
                bool(p.get("words_first", False)),
            )
            for p in data["pillars"]
        ),
        metrics=tuple(metrics),
        levels=levels,
        target_kinds=dict(data["target_kinds"]),
        document_kinds=tuple(
            DocumentKind(
                name=k["name"],
                title=k.get("title", ""),
                codes=tuple(k.get("codes", ())),
                names=tuple(k.get("names", ())),
                hints=tuple(k.get("hints", ())),
                main=bool(k.get("main", False)),
                appendix=bool(k.get("appendix", False)),
            )
            for k in data["document_kinds"]
        ),
        labels=labels,
        surnames=frozenset(data["people"]["surnames"]),
        offices=dict(data["offices"]),
        goal_sections=_words(data["sections"]["goals"]),
        baseline_sections=_words(data["sections"]["baseline"]),
        baseline_columns=_words(data["sections"].get("baseline_columns", [])),
        unit_columns=frozenset(data["sections"].get("unit_columns", [])),
        issuing_bodies=tuple(
            IssuingBody(_words(b["names"]), re.compile(b["body"]))
            for b in data.get("issuing_bodies", ())
        ),
        agency=_agency(data.get("agencies", {}).get("nouns", [])),
    )


def _agency(nouns: list[str]) -> re.Pattern[str] | None:
    """The opening nouns of an agency's name, as written (see :meth:`Vocabulary.names_agency`)."""
    if not nouns:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(nouns, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@dataclass(frozen=True)
class Cues:
    """Cue phrases of each kind of request (``cues.toml``), with diacritics as written."""

    intents: dict[str, tuple[str, ...]]
    facts: dict[str, tuple[str, ...]]
    filler: tuple[str, ...]
    shorthand: dict[str, str]  # chat shorthand → the words it stands for ("bn" → "bao nhiêu")
    optional: tuple[str, ...] = ()  # words a question may insert inside a cue phrase
    implementing: tuple[str, ...] = ()  # "thực hiện" before a document's name
    local_units: tuple[str, ...] = ()  # "huyện", "thị xã" … before a place's name
    local_units_after: tuple[str, ...] = ()  # "district", "city" … after it (English)
    before_initials: tuple[str, ...] = ()  # "của", "UBND" … before a province's initials
    own_place: tuple[str, ...] = ()  # "tỉnh mình", "our province": the asker's own province
    former_after: tuple[str, ...] = ()  # "cũ" after a province: as it was before the merger
    former_before: tuple[str, ...] = ()  # "former" before it
    new_after: tuple[str, ...] = ()  # "(mới)" after a province: as it is since the merger
    new_before: tuple[str, ...] = ()  # "new" before it
    merged_with: tuple[str, ...] = ()  # "hợp nhất với" before a province: what merged, not asked
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "xã" → "cấp xã", …


@cache
def cues(path: Path = CUES_FILE) -> Cues:
    """The cue phrases of ``path`` (cached: the file is read once per process)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Cues(
        intents={k: tuple(v) for k, v in data["intents"].items()},
        facts={k: tuple(v) for k, v in data["facts"].items()},
        filler=tuple(data["filler"]["phrases"]),
        shorthand=dict(data.get("shorthand", {})),
        optional=tuple(data.get("matching", {}).get("optional", ())),
        implementing=tuple(data.get("matching", {}).get("implementing", ())),
        local_units=tuple(data.get("places", {}).get("local", ())),
        local_units_after=tuple(data.get("places", {}).get("local_after", ())),
        before_initials=tuple(data.get("places", {}).get("before_initials", ())),
        own_place=tuple(data.get("places", {}).get("own", ())),
        former_after=tuple(data.get("places", {}).get("former_after", ())),
        former_before=tuple(data.get("places", {}).get("former_before", ())),
        new_after=tuple(data.get("places", {}).get("new_after", ())),
        new_before=tuple(data.get("places", {}).get("new_before", ())),
        merged_with=tuple(data.get("places", {}).get("merged_with", ())),
        levels={k: tuple(v) for k, v in data.get("places", {}).get("levels", {}).items()},
    )


@dataclass(frozen=True)
class Glossary:
    """English phrases and the Vietnamese terms they stand for (``glossary.toml``)."""

    terms: dict[str, str]
    document_terms: frozenset[str]  # terms that name a document or its issuer
    english_stopwords: frozenset[str]  # English words that never carry a question's topic
    learned: dict[str, tuple[str, ...]]  # English word stem → Vietnamese terms (lexicon.json)


@cache
def glossary(path: Path = GLOSSARY_FILE, lexicon: Path | None = None) -> Glossary:
    """The English → Vietnamese glossary of ``path`` and the learned lexicon of ``lexicon``
    (default :data:`LEXICON_FILE`; cached: read once per process; a missing lexicon is an
    empty one)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    lexicon = lexicon or LEXICON_FILE
    learned = json.loads(lexicon.read_text(encoding="utf-8"))["terms"] if lexicon.exists() else {}
    return Glossary(
        terms=dict(data["terms"]),
        document_terms=frozenset(data["document_terms"]["terms"]),
        english_stopwords=frozenset(data["english"]["stopwords"]),
        learned={e: tuple(v) for e, v in learned.items()},
    )
