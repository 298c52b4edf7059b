"""Sections as answers: "gồm những nội dung gì", "tóm tắt", "cho vài ý", "làm gì để …".

Such a question is answered by a section of a document, not by one sentence, so whether it
can be answered is a section's score: a second, small logistic regression over what its
units and its heading say (:data:`SECTION_FEATURES`), fitted like the unit scorer on the
gold quotes of the question sets. The sections considered are those of the best candidate
units, and the sections above them (a question may name a whole chapter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from assistant.answering.features import (
    FEATURES,
    Candidate,
    QuestionTerms,
    coverage,
    heading_words,
)
from kernel.text import bigrams, folded_syllables
from kernel.types import PREAMBLE_LABEL, Chunk

if TYPE_CHECKING:
    from assistant.answering.extractive import Extractor, Scored
    from assistant.question.intent import Intent
    from assistant.question.scope import Scope

SECTION_FEATURES = (
    "max_p",  # the unit scorer's best probability among the section's units
    "top3_p",  # the mean of its three best
    "head_cov",  # share of the question's content weight its heading path covers
    "head_bm25",  # the best BM25 of its units' heading paths (scaled)
    "head_dense",  # the best cosine question ↔ heading path of its units
    "depth",  # how deep its heading sits
    "size",  # log of its number of units
    "province_in",  # the question names documents and the section is in one of them
    "province_out",  # … and it is in another
    "parent",  # the section was reached as the parent of a candidate's own section
    "own_cov",  # how much its own heading adds to its parent's coverage of the question (none:
    # "Khánh Hòa chọn những lĩnh vực nào …?" matches "5. Một số lĩnh vực", not "5.2. … du lịch")
    "inherited",  # its heading path matches the question only through the headings above it
    "child_cov",  # how much better a section under it covers the question with its heading
    # ("… trong y tế gồm những gì?": "5.3. … lĩnh vực y tế" rather than "5. Một số lĩnh vực")
    "parent_tie",  # a parent none of whose sections below covers the question better
    "preamble",  # the document's opening (header block, legal bases) rather than a section
)
MAX_LEAVES = 8  # sections of the best units considered
MAX_UNITS = 200  # a section above them is considered up to this many units


@dataclass
class Section:
    """A run of a document under one heading path, with its units scored."""

    file: str
    path: tuple[str, ...]
    chunks: list[Chunk]
    units: list[Candidate] = field(default_factory=list)
    parent: bool = False  # it holds sections below it
    head_own: float = 0.0  # the question's coverage by its own heading alone
    outline: bool = False  # the question names the list of its sections, not one of them
    x: np.ndarray = field(default_factory=lambda: np.zeros(len(SECTION_FEATURES)))
    p: float = 0.0


def candidate_sections(
    ext: Extractor,
    scored: Scored,
    scope: Scope,
    intent: Intent,
    cands: list[Candidate],
    max_leaves: int = MAX_LEAVES,
) -> list[Section]:
    """The sections of the best candidates and the sections above them, scored."""
    corpus = ext.corpus
    leaves: dict[tuple[str, tuple[str, ...]], None] = {}
    for c in cands:
        leaves.setdefault((c.chunk.file, tuple(c.chunk.headings)), None)
        if len(leaves) >= max_leaves:
            break
    keys: dict[tuple[str, tuple[str, ...]], bool] = {k: False for k in leaves}
    for file, path in leaves:
        # Every section above, a top-level part too ("III. NHIỆM VỤ, GIẢI PHÁP": its
        # sub-sections' titles answer "những nhóm nhiệm vụ, giải pháp nào?").
        for depth in range(1, len(path)):
            keys.setdefault((file, path[:depth]), True)
    out: list[Section] = []
    for (file, path), parent in keys.items():
        chunks = [
            c for c in corpus.chunks if c.file == file and tuple(c.headings[: len(path)]) == path
        ]
        n = sum(len(c.units) for c in chunks)
        if not chunks or (parent and n > MAX_UNITS):
            continue
        members = [ext.compose.candidate(c, k) for c in chunks for k in range(len(c.units))]
        ext.rescore(scored, members, scope, intent)
        sec = Section(file, path, chunks, members, parent)
        featurize_section(sec, scored.qt, scope)
        out.append(sec)
    set_child_cov(out)
    if out and ext.scorer is not None and ext.scorer.section is not None:
        probs = ext.scorer.section.predict(np.vstack([s.x for s in out]))
        for s, p in zip(out, probs, strict=True):
            s.p = float(p)
    out.sort(key=lambda s: (-s.p, len(s.path) * -1))
    return out


def set_child_cov(sections: list[Section]) -> None:
    """Set each section's ``child_cov`` (the best heading coverage of a section below it,
    less its own; 0 when none covers more) and ``parent_tie``."""
    at = SECTION_FEATURES.index("child_cov")
    cov = SECTION_FEATURES.index("head_cov")
    tie = SECTION_FEATURES.index("parent_tie")
    for s in sections:
        below = [
            o.x[cov]
            for o in sections
            if o.file == s.file and len(o.path) > len(s.path) and o.path[: len(s.path)] == s.path
        ]
        s.x[at] = max(0.0, max(below, default=0.0) - s.x[cov])
        s.x[tie] = float(s.parent and s.x[at] <= 0)


def featurize_section(sec: Section, qt: QuestionTerms, scope: Scope) -> None:
    """Fill the section's feature vector from its units (their ``p`` and features)."""
    ps = sorted((u.p for u in sec.units), reverse=True)
    cov = coverage(qt.in_corpus, heading_words(" ".join(sec.path), qt.folded))
    own = cov - coverage(qt.in_corpus, heading_words(" ".join(sec.path[:-1]), qt.folded))
    sec.head_own = (
        coverage(qt.in_corpus, heading_words(sec.path[-1], qt.folded)) if sec.path else 0.0
    )
    col = {name: FEATURES.index(name) for name in ("bm25_head", "dense_head")}
    x = {
        "max_p": ps[0] if ps else 0.0,
        "top3_p": float(np.mean(ps[:3])) if ps else 0.0,
        "head_cov": cov,
        "head_bm25": max((u.x[col["bm25_head"]] for u in sec.units), default=0.0),
        "head_dense": max((u.x[col["dense_head"]] for u in sec.units), default=0.0),
        "depth": float(len(sec.path)),
        "size": math.log1p(len(sec.units)),
        "province_in": float(bool(scope.files) and sec.file in scope.files),
        "province_out": float(bool(scope.files) and sec.file not in scope.files),
        "parent": float(sec.parent),
        "own_cov": own,
        "inherited": float(cov > 0 and own <= 0 and len(sec.path) > 1),
        "preamble": float(PREAMBLE_LABEL in sec.path),
        "child_cov": 0.0,  # these two are set once every candidate section is known
        "parent_tie": 0.0,  # (set_child_cov)
    }
    sec.x = np.array([x[name] for name in SECTION_FEATURES], dtype=np.float64)


def singled_out(title: str, siblings: list[str], question: str) -> bool:
    """Whether ``question`` names what sets ``title`` apart from its ``siblings`` ("giáo dục"
    of "5.4. Chuyển đổi số trong lĩnh vực giáo dục"): a two-word phrase of the question in it
    and in none of theirs. "các lĩnh vực cần ưu tiên" names none: the list of them answers."""

    def pairs(text: str) -> set[str]:
        return set(bigrams(folded_syllables(text)))

    others = set().union(*(pairs(t) for t in siblings)) if siblings else set()
    return bool((pairs(title) - others) & pairs(question))


def named_share(title: str, question: str) -> float:
    """The share of ``title``'s two-word phrases the question names (folded)."""
    have = set(bigrams(folded_syllables(title)))
    return len(have & set(bigrams(folded_syllables(question)))) / len(have) if have else 0.0
