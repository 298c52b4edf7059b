"""Whether the documents answer a question at all: a question-level learned decision.

The unit scorer says how likely each unit is to (partly) answer; its best probability alone
is a poor refusal rule, because how high the best unit scores depends on the kind of question
(a list or task question spreads its answer over several units, each only part of it; a
question wrapped in context has more words no unit holds). This model looks at the whole
candidate list at once — the best units' probabilities and evidence, how much of the
question the corpus holds, what kind of answer is asked — and is fitted on answerable vs
unanswerable questions of the sets in ``evals/`` (``python -m evals.train``), with its
threshold chosen there by balanced accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.answering.features import FEATURES

if TYPE_CHECKING:
    from assistant.answering.scorer import Scorer

ANSWER_FEATURES = (
    "p1",  # the best unit's probability (in the documents the question names)
    "logit_p1",  # … as log-odds: the model can weigh the high end differently
    "p2",  # the second best unit's probability
    "p_sum5",  # the sum of the five best (a list's answer is spread over units)
    "p_out",  # the best unit's probability in documents the question does not name
    "cov1",  # the best unit's coverage of the question's content words
    "cov_clause_max",  # the best clause coverage among the five best units
    "bm25_1",  # the best unit's BM25 (scaled)
    "dense_max",  # the highest question ↔ unit cosine
    "dense_head_max",  # the highest question ↔ heading cosine among the five best units
    "year_other1",  # a year is asked and the best unit is about another year
    "figure_no1",  # a figure is asked and the best unit states none
    "measure_no1",  # a count of something is asked and the best unit states no number of it
    "oov_share",  # the share of the question's content no unit of the corpus holds
    "listing",  # the question asks for a list, a summary, tasks ("những … nào")
    "figure",  # the question asks for a figure
    "english",  # the question is in English
    "scoped",  # the question names a province or document
    # An English question is matched through its Vietnamese terms: the same evidence is
    # weaker there (a unit covers a glossary term, not the question), so it gets its own
    # weight for the three strongest signals.
    "english_logit_p1",
    "english_bm25_1",
    "english_cov_clause_max",
)
# The base features an English question weighs on its own (see the last three above).
_ENGLISH_TIMES = ("logit_p1", "bm25_1", "cov_clause_max")
# Evidence whose direction is known (kept by the fit, as for the unit scorer).
ANSWER_MONOTONE = {
    "p1": 1,
    "logit_p1": 1,
    "p_sum5": 1,
    "cov1": 1,
    "cov_clause_max": 1,
    "dense_max": 1,
    "oov_share": -1,
}
_COL = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class Asked:
    """What kind of answer the question wants, as the answerability model sees it."""

    listing: bool
    figure: bool
    english: bool
    scoped: bool


def question_row(p: np.ndarray, x: np.ndarray, inside: np.ndarray, asked: Asked) -> np.ndarray:
    """The answerability features of one question from its candidates' probabilities ``p``,
    feature rows ``x`` and in-scope mask ``inside`` (any order)."""
    pin = np.where(inside, p, -1.0)
    order = np.argsort(-pin, kind="stable")
    top = [i for i in order[:5] if inside[i]]
    p_in = [float(p[i]) for i in top]
    p1 = p_in[0] if p_in else 0.0
    best = top[0] if top else None
    p_out = float(p[~inside].max()) if (~inside).any() else 0.0

    def col(name: str, rows: list[int]) -> np.ndarray:
        return x[rows, _COL[name]] if rows else np.zeros(1)

    clipped = min(max(p1, 1e-4), 1 - 1e-4)
    first = [best] if best is not None else []
    oov = float(x[0, _COL["oov_share"]]) if len(x) else 1.0
    base = np.array(
        [
            p1,
            float(np.log(clipped / (1 - clipped))),
            p_in[1] if len(p_in) > 1 else 0.0,
            float(sum(p_in)),
            p_out,
            float(col("cov", first)[0]),
            float(col("cov_clause", top).max()),
            float(col("bm25_unit", first)[0]),
            float(x[inside, _COL["dense_unit"]].max()) if inside.any() else 0.0,
            float(col("dense_head", top).max()),
            float(col("year_other", first)[0]),
            float(col("figure_no", first)[0]),
            float(col("measure_no", first)[0]),
            oov,
            float(asked.listing),
            float(asked.figure),
            float(asked.english),
            float(asked.scoped),
        ]
    )
    names = ANSWER_FEATURES[: len(base)]
    english = [float(asked.english) * base[names.index(n)] for n in _ENGLISH_TIMES]
    return np.concatenate([base, english])


def answers(unit: Scorer, p: np.ndarray, x: np.ndarray, inside: np.ndarray, asked: Asked) -> bool:
    """The answer-or-refuse rule (the chain's and the training's): the best in-scope unit
    clears its floor, or the answerability model says the documents answer the question."""
    if not inside.any():
        return False
    model = unit.answerable
    if model is None:
        return bool(p[inside].max() >= unit.threshold)
    # The unit floor of this decision was chosen with the model's threshold (evals.train).
    if p[inside].max() >= model.meta.get("unit_threshold", unit.threshold):
        return True
    return float(model.predict(question_row(p, x, inside, asked))[0]) >= model.threshold
