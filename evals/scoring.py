"""The scores of /work/shared/evals/SCHEMA.md, as pure functions over question items and
answer records (both plain dicts, as read from ``public.jsonl`` and ``answers.jsonl``).

Every ratio is ``None`` when its denominator is empty (e.g. accuracy of the unanswerable
type), so that "nothing to score" is never shown as 0 % or 100 %.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from kernel.text import collapse_ws, normalize_for_match

K_VALUES = (1, 3, 5, 8)
RANK_TARGET = 5
"""A gold passage ranked below this is listed as a retrieval problem (recall@5 is a target)."""


@dataclass
class ItemScore:
    """How one answer record fares against its question item."""

    id: str
    lang: str
    type: str
    answerable: bool
    refused: bool
    latency_ms: float
    correct: bool = False
    missing: list[str] = field(default_factory=list)
    cited: int = 0
    cited_gold: int = 0
    wrong_citations: list[str] = field(default_factory=list)
    gold_rank: int | None = None
    n_retrieved: int = 0
    reasons: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.reasons)


def contains_quote(text: str, quotes: Iterable[str]) -> bool:
    """True when ``text`` contains one of ``quotes`` once whitespace runs are collapsed."""
    hay = collapse_ws(text)
    return any(q and q in hay for q in (collapse_ws(x) for x in quotes))


def _gold_quotes(item: dict, file: str) -> list[str]:
    # A gold source is a (file, quote) pair: the same sentence in another province's
    # resolution (the "shared metric" traps) is not evidence for this item.
    return [s["quote"] for s in item.get("sources") or [] if s.get("file") == file]


def is_gold(item: dict, passage: dict) -> bool:
    """Whether a cited or retrieved passage ``{"file", "text"}`` holds a gold quote of ``item``."""
    return contains_quote(passage.get("text", ""), _gold_quotes(item, passage.get("file", "")))


def missing_strings(answer: str, must_include: Iterable[str]) -> list[str]:
    """The ``must_include`` strings missing from ``answer`` (NFC, any case, spaces collapsed)."""
    hay = normalize_for_match(answer)
    return [m for m in must_include if normalize_for_match(m) not in hay]


def score_item(item: dict, record: dict | None) -> ItemScore:
    """Score one answer record; ``None`` (the run lost this item) scores as an empty answer."""
    rec = record or {}
    s = ItemScore(
        id=item["id"],
        lang=item.get("lang", ""),
        type=item.get("type", ""),
        answerable=bool(item.get("answerable", True)),
        refused=bool(rec.get("refused", False)),
        latency_ms=float(rec.get("latency_ms", 0.0)),
    )
    if record is None:
        s.reasons.append("no answer recorded")
        s.kinds.append("error")
    if not s.answerable:
        if not s.refused:
            s.reasons.append("not refused: the documents do not answer this question")
            s.kinds.append("refusal")
        return s

    s.missing = missing_strings(rec.get("answer", ""), item.get("must_include") or [])
    s.correct = not s.missing and not s.refused
    if s.refused:
        s.reasons.append("refused an answerable question")
        s.kinds.append("refused")
    if s.missing:
        s.reasons.append("missing: " + ", ".join(f"«{m}»" for m in s.missing))
        s.kinds.append("missing")

    citations = rec.get("citations") or []
    s.cited = len(citations)
    for n, c in enumerate(citations, 1):
        if is_gold(item, c):
            s.cited_gold += 1
        else:
            s.wrong_citations.append(f"[{n}] {c.get('file', '?')}")
    if s.wrong_citations:
        s.reasons.append("citation without gold quote: " + ", ".join(s.wrong_citations))
    if not s.cited_gold:
        s.reasons.append("no citation holds a gold quote" if s.cited else "no citation")
    if s.wrong_citations or not s.cited_gold:
        s.kinds.append("citation")

    retrieved = rec.get("retrieved") or []
    s.n_retrieved = len(retrieved)
    s.gold_rank = next((r for r, p in enumerate(retrieved, 1) if is_gold(item, p)), None)
    if s.gold_rank is None:
        s.reasons.append(f"retrieval miss: no gold passage among {s.n_retrieved} retrieved")
        s.kinds.append("retrieval")
    elif s.gold_rank > RANK_TARGET:
        s.reasons.append(f"retrieval: first gold passage at rank {s.gold_rank} (> {RANK_TARGET})")
        s.kinds.append("retrieval")
    return s


def _ratio(num: float, den: int) -> float | None:
    return num / den if den else None


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile, linear between closest ranks (numpy's default method)."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def aggregate(scores: list[ItemScore]) -> dict:
    """All scores of a group of items: counts, ratios (or None), latency percentiles."""
    ans = [s for s in scores if s.answerable]
    una = [s for s in scores if not s.answerable]
    cited = sum(s.cited for s in ans)
    out: dict = {
        "n": len(scores),
        "answerable": len(ans),
        "unanswerable": len(una),
        "answer_accuracy": _ratio(sum(s.correct for s in ans), len(ans)),
        "citation_precision": _ratio(sum(s.cited_gold for s in ans), cited),
        "citation_recall": _ratio(sum(s.cited_gold > 0 for s in ans), len(ans)),
    }
    for k in K_VALUES:
        hits = sum(s.gold_rank is not None and s.gold_rank <= k for s in ans)
        out[f"recall@{k}"] = _ratio(hits, len(ans))
    out["mrr"] = _ratio(sum(1 / s.gold_rank for s in ans if s.gold_rank), len(ans))
    out["refusal_accuracy"] = _ratio(sum(s.refused for s in una), len(una))
    out["false_refusals"] = _ratio(sum(s.refused for s in ans), len(ans))
    lat = [s.latency_ms for s in scores]
    out["latency_p50_ms"] = percentile(lat, 50)
    out["latency_p95_ms"] = percentile(lat, 95)
    out["cited_passages"] = cited
    out["failed"] = sum(s.failed for s in scores)
    return out


def failure(item: dict, record: dict | None, s: ItemScore) -> dict:
    """A failed item as listed in the report: what was asked, expected, given, and why."""
    rec = record or {}
    return {
        "id": s.id,
        "lang": s.lang,
        "type": s.type,
        "question": item.get("question", ""),
        "expected": {
            "answer": item.get("answer", ""),
            "must_include": item.get("must_include") or [],
            "answerable": s.answerable,
            "sources": [s_["file"] for s_ in item.get("sources") or []],
        },
        "given": rec.get("answer", ""),
        "refused": s.refused,
        "cited_files": [c.get("file", "") for c in rec.get("citations") or []],
        "gold_rank": s.gold_rank,
        "reasons": s.reasons,
        "kinds": s.kinds,
    }


def _by(scores: list[ItemScore], key: str) -> dict[str, dict]:
    groups: dict[str, list[ItemScore]] = {}
    for s in scores:
        groups.setdefault(getattr(s, key), []).append(s)
    return {g: aggregate(v) for g, v in sorted(groups.items())}


def evaluate(items: list[dict], records: list[dict]) -> dict:
    """Scores overall, by ``lang`` and by ``type``, and the failed items, of one run."""
    by_id = {r["id"]: r for r in records}
    scores = [score_item(it, by_id.get(it["id"])) for it in items]
    return {
        "overall": aggregate(scores),
        "by_lang": _by(scores, "lang"),
        "by_type": _by(scores, "type"),
        "failures": [
            failure(it, by_id.get(it["id"]), s)
            for it, s in zip(items, scores, strict=True)
            if s.failed
        ],
    }
