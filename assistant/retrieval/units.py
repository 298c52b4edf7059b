"""Units (sentences, bullets, table rows) as first-class search items: dense and BM25.

Every unit of every chunk was embedded at ingest with its place in the document; its vector
and each heading path's vector are kept in memory, so one matrix product scores the question
against every unit (~1,000 for the five files, well under a millisecond). BM25 indexes the
units' words and their heading paths, as written and folded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import bm25s
import numpy as np

from kernel.store import Vectors
from kernel.text import lexical_terms
from kernel.types import Chunk


@dataclass
class UnitRef:
    """Where a unit sits: its chunk (index into the corpus' chunks) and its number in it."""

    chunk: int
    unit: int
    vector: int  # row of the unit matrix, -1 if the unit has no vector
    heading: int  # row of the heading matrix, -1 if the path has no vector


def _bm25(texts: list[str], folded: bool) -> bm25s.BM25:
    index = bm25s.BM25()
    index.index([lexical_terms(t, folded=folded) or ["∅"] for t in texts], show_progress=False)
    return index


@dataclass
class UnitIndex:
    """Every unit of the corpus with its dense and lexical indexes."""

    chunks: list[Chunk]
    vectors: Vectors | None
    refs: list[UnitRef] = field(default_factory=list)
    by_chunk: dict[int, list[int]] = field(default_factory=dict)  # chunk -> its unit refs

    def __post_init__(self) -> None:
        heads: list[str] = []
        head_of: dict[tuple[str, str], int] = {}
        unit_heads: list[int] = []
        texts: list[str] = []
        for ci, c in enumerate(self.chunks):
            path = json.dumps(c.headings, ensure_ascii=False)
            hi = head_of.setdefault((c.file, path), len(heads))
            if hi == len(heads):
                heads.append(" ".join(c.headings))
            for k, u in enumerate(c.units):
                v = self.vectors.units.get((c.id, k), -1) if self.vectors else -1
                h = self.vectors.headings.get((c.file, path), -1) if self.vectors else -1
                self.by_chunk.setdefault(ci, []).append(len(self.refs))
                self.refs.append(UnitRef(ci, k, v, h))
                unit_heads.append(hi)
                texts.append(u.text)
        self.head_row = np.asarray(unit_heads, dtype=np.int64)
        self._vrow = np.asarray([r.vector for r in self.refs], dtype=np.int64)
        self._hrow = np.asarray([r.heading for r in self.refs], dtype=np.int64)
        self._texts = {False: _bm25(texts, False), True: _bm25(texts, True)}
        self._heads = {False: _bm25(heads, False), True: _bm25(heads, True)}

    def __len__(self) -> int:
        return len(self.refs)

    def unit(self, i: int):
        r = self.refs[i]
        return self.chunks[r.chunk].units[r.unit]

    def dense(self, qvec: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Cosine of the question with every unit and with every unit's heading path."""
        n = len(self.refs)
        if qvec is None or self.vectors is None or not n:
            return np.zeros(n), np.zeros(n)
        return (
            _gather(self.vectors.unit_matrix, qvec, self._vrow),
            _gather(self.vectors.heading_matrix, qvec, self._hrow),
        )

    def similarity(self, i: int, j: int) -> float:
        """Cosine of units ``i`` and ``j`` (0 when either has no vector)."""
        if self.vectors is None or min(i, j) < 0:
            return 0.0
        a, b = self._vrow[i], self._vrow[j]
        if a < 0 or b < 0:
            return 0.0
        m = self.vectors.unit_matrix
        return float(m[a] @ m[b])

    def bm25(self, text: str, folded: bool) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of every unit's words and of its heading path, each scaled to 0..1."""
        terms = lexical_terms(text, folded=folded)
        if not terms or not self.refs:
            return np.zeros(len(self.refs)), np.zeros(len(self.refs))
        u = np.asarray(self._texts[folded].get_scores(terms), dtype=np.float64)
        h = np.asarray(self._heads[folded].get_scores(terms), dtype=np.float64)[self.head_row]
        return _scaled(u), _scaled(h)


def _scaled(x: np.ndarray) -> np.ndarray:
    top = float(x.max()) if len(x) else 0.0
    return x / top if top > 0 else x


def _gather(matrix: np.ndarray, qvec: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Cosines of ``qvec`` with ``matrix``'s rows, picked by ``rows`` (-1: no vector, 0)."""
    if not len(matrix):
        return np.zeros(len(rows))
    sims = matrix @ qvec.astype(np.float32)
    return np.where(rows >= 0, sims[np.clip(rows, 0, None)], 0.0).astype(np.float64)
