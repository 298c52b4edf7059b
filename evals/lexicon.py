"""``python -m evals.lexicon``: learn the English → Vietnamese lexicon of English questions
(``kernel/lexicon.json``) from the question sets.

Every answerable English item pairs a question with the Vietnamese passages that answer it:
a small parallel corpus. Two signals, each weak alone, are combined:

1. IBM Model 1 alignment (EM): each English content word of a question is explained by one
   Vietnamese syllable pair of its gold quotes (or by nothing). Alignment explains words
   away, so "broadband" goes to "băng rộng", not to "hộ gia đình" that the same targets
   mention beside it. Items sharing the same gold quotes count once: a passage asked about
   by many sets must not outvote the rest.
2. The multilingual embedding model: an aligned pair is kept only when the English word is
   nearer to the Vietnamese term than to the other candidate terms on average. Pairs that
   merely co-occur ("compare" → "tối thiểu", the sentence comparisons often quote) fail it.

The glossary (``kernel/glossary.toml``) stays the curated part; the lexicon covers the
English words it leaves.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from kernel.offline import use_offline_environment

use_offline_environment()

from assistant.question.glossary import english_words  # noqa: E402
from evals import runner  # noqa: E402
from evals.sets import SETS  # noqa: E402
from kernel.text import STOPWORDS, bigrams, collapse_ws, fold, syllables  # noqa: E402
from kernel.vocabulary import LEXICON_FILE  # noqa: E402

ITERATIONS = 12
# Two-fold cross-validation over the English items of 79 sets (lexicon learned on the other
# half): 1.5 / 0.2 answered 805 of 1135 answerable items right (783 without a lexicon),
# refused 190 of 267 unanswerable ones (193); 32 items fixed, 13 broken.
MIN_COUNT = 1.5  # expected alignments of a pair (over distinct passages) to be a candidate
MIN_SHARE = 0.2  # share of the English word's occurrences aligned to the term
MAX_TERMS = 3  # candidates per English word, best aligned first
# Cosine of the word to the term minus its mean cosine to every candidate term. Over 89 sets
# true translations scored +.02 to +.11 ("using" → "sử dụng" +.106, "broadband" →
# "băng rộng" +.031), co-occurrences -.03 to +.01 ("compare" → "tối thiểu" -.004).
MIN_SIMILARITY = 0.02
NULL = ""


def _vietnamese_terms(quote: str) -> set[str]:
    """The syllable pairs of a quote that can name a thing (no stopword, no number)."""
    toks = syllables(quote)
    return {
        b.replace("_", " ")
        for b in bigrams(toks)
        if not any(p in STOPWORDS or not p.isalpha() for p in b.split("_"))
    }


def passages(items: list[dict]) -> list[tuple[list[str], list[str]]]:
    """(English words, Vietnamese terms) per distinct set of gold quotes; English words that
    are written in the quotes too (names, codes: "grdp", "tier") are left out."""
    groups: dict[tuple[str, ...], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    written: set[str] = set()
    for it in items:
        if it.get("lang") != "en" or not it.get("answerable") or not it.get("sources"):
            continue
        quotes = tuple(sorted(collapse_ws(s["quote"]) for s in it["sources"]))
        en, vi = groups[quotes]
        en.update(english_words(it["question"]))
        for q in quotes:
            vi.update(_vietnamese_terms(q))
            written.update(fold(s) for s in syllables(q))
    return [(sorted(en - written), sorted(vi)) for en, vi in groups.values() if en - written and vi]


def align(pairs: list[tuple[list[str], list[str]]]) -> dict[tuple[str, str], float]:
    """IBM Model 1 (English word given Vietnamese term, with a null term): the expected
    number of alignments of each (word, term) pair after EM."""
    t: dict[tuple[str, str], float] = defaultdict(lambda: 1.0)
    counts: Counter[tuple[str, str]] = Counter()
    for _ in range(ITERATIONS):
        counts = Counter()
        total: Counter[str] = Counter()
        for en, vi in pairs:
            terms = [*vi, NULL]
            for e in en:
                z = sum(t[e, v] for v in terms)
                for v in terms:
                    p = t[e, v] / z
                    counts[e, v] += p
                    total[v] += p
        t = defaultdict(float, {(e, v): c / total[v] for (e, v), c in counts.items()})
    return counts


def candidates(pairs: list[tuple[list[str], list[str]]]) -> dict[str, list[str]]:
    """Each English word's best-aligned Vietnamese terms that pass the count and share."""
    counts = align(pairs)
    seen = Counter(e for en, _ in pairs for e in en)
    by_word: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for (e, v), c in counts.items():
        if v != NULL:
            by_word[e].append((c, v))
    out: dict[str, list[str]] = {}
    for e, row in by_word.items():
        row.sort(reverse=True)
        keep = [v for c, v in row[:MAX_TERMS] if c >= MIN_COUNT and c / seen[e] >= MIN_SHARE]
        if keep:
            out[e] = keep
    return out


def confirm(cands: dict[str, list[str]], embed) -> dict[str, list[str]]:
    """The candidates the embedding model confirms (see :data:`MIN_SIMILARITY`)."""
    words = sorted(cands)
    terms = sorted({v for vs in cands.values() for v in vs})
    if not words:
        return {}
    ew = np.array(embed(words))
    ev = np.array(embed(terms))
    sim = ew @ ev.T
    mean = sim.mean(axis=1)
    col = {v: j for j, v in enumerate(terms)}
    out = {}
    for i, e in enumerate(words):
        keep = [v for v in cands[e] if sim[i, col[v]] - mean[i] >= MIN_SIMILARITY]
        if keep:
            out[e] = keep
    return out


def learn(items: list[dict], embed) -> dict[str, list[str]]:
    """The lexicon of ``items``: English word → Vietnamese terms."""
    return confirm(candidates(passages(items)), embed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.lexicon", description=__doc__)
    parser.add_argument("--out", type=Path, default=LEXICON_FILE, help="lexicon file to write")
    parser.add_argument(
        "--exclude", nargs="*", default=[], help="sets left out (for cross-validation)"
    )
    args = parser.parse_args(argv)
    from kernel.embeddings import load_embeddings
    from kernel.settings import get_settings

    t0 = time.perf_counter()
    used = [s for s in SETS if s.name not in set(args.exclude)]
    items = [it for s in used for it in runner.load_questions(s.path)]
    model = load_embeddings(get_settings())
    lexicon = learn(items, lambda texts: [model.embed_query(t) for t in texts])
    args.out.write_text(
        json.dumps(
            {
                "about": "English word stem → Vietnamese terms, learned by python -m evals.lexicon",
                "sets": len(used),
                "left_out": sorted(args.exclude),
                "terms": dict(sorted(lexicon.items())),
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    n = sum(len(v) for v in lexicon.values())
    print(f"{len(lexicon)} words, {n} terms from {len(used)} sets → {args.out}")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
