"""Indicators beyond the fixed metric keys: rows of different documents that measure the
same thing are linked by their wording, so a new indicator can be compared and ranked.

Two rows without a shared metric key of the vocabulary are the same indicator when their
units' e5 vectors are close, they are stated in the same unit (% with %, a count of
hospitals with a count of hospitals), and they share most of their content words — the
last two check what the embedding alone might blur ("bệnh án điện tử" vs "hồ sơ sức khỏe
điện tử"). Linked rows get a key ``~<n>`` and the shortest wording as their label.
"""

from __future__ import annotations

import numpy as np

from assistant.targets.model import Target
from kernel.store import Vectors
from kernel.text import STOPWORDS_FOLDED, folded_syllables
from kernel.types import Chunk

MIN_COSINE = 0.92  # e5 vectors of two indicator sentences naming the same measure
MIN_SHARED = 0.6  # share of the shorter wording's content words the other one holds


def _words(text: str) -> set[str]:
    return {w for w in folded_syllables(text) if w not in STOPWORDS_FOLDED and not w.isdigit()}


def _unit_vectors(rows: list[Target], chunks: list[Chunk], vectors: Vectors) -> list:
    """The vector of the unit each row's sentence starts with (None when there is none)."""
    at: dict[tuple[str, int], tuple[str, int]] = {}
    for c in chunks:
        for k, u in enumerate(c.units):
            at[(c.file, u.start)] = (c.id, k)
    out = []
    for r in rows:
        ref = at.get((r.file, r.start))
        row = vectors.units.get(ref, -1) if ref else -1
        out.append(vectors.unit_matrix[row] if row >= 0 else None)
    return out


def link_indicators(rows: list[Target], chunks: list[Chunk], vectors: Vectors | None) -> None:
    """Give rows of different documents that state the same new indicator a shared key."""
    free = [r for r in rows if not r.metric_key and r.kind == "target"]
    if vectors is None or len(free) < 2:
        return
    vecs = _unit_vectors(free, chunks, vectors)
    words = [_words(r.metric) for r in free]
    parent = list(range(len(free)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(free)):
        if vecs[i] is None or not words[i]:
            continue
        for j in range(i + 1, len(free)):
            a, b = free[i], free[j]
            if a.file == b.file or vecs[j] is None or a.unit != b.unit or not words[j]:
                continue
            shared = len(words[i] & words[j]) / min(len(words[i]), len(words[j]))
            if shared >= MIN_SHARED and float(np.dot(vecs[i], vecs[j])) >= MIN_COSINE:
                parent[root(j)] = root(i)
    groups: dict[int, list[Target]] = {}
    for i, r in enumerate(free):
        groups.setdefault(root(i), []).append(r)
    n = 0
    for members in groups.values():
        if len({r.file for r in members}) < 2:
            continue
        n += 1
        label = min((r.metric for r in members), key=len)
        for r in members:
            r.metric_key, r.indicator = f"~{n}", label
