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

# The evidence of one question (the best units' probabilities and what they hold).
EVIDENCE = (
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
    "miss_max1",  # the weightiest question word the best unit lacks (see ``miss_max``)
)
# What the documents the question names lack and others hold: the near miss ("Khánh Hòa
# có bao nhiêu doanh nghiệp công nghệ số?" when only Hải Dương counts them).
ELSEWHERE = (
    "cov_gap_out",  # how much better a unit of another document covers the question
    "dense_gap_out",  # … is closer to it (cosine)
    "year_miss5",  # a year is asked and none of the five best units is about it
    "figure_no5",  # a figure is asked and none of the five best units states one
)
# The kind of question: how much each piece of evidence weighs depends on it (a list's answer
# is spread over units, an English question is matched through its Vietnamese terms, a
# figure needs a number), so each kind gets its own weight for every piece of evidence.
KINDS = ("listing", "figure", "english", "scoped")
ANSWER_FEATURES = (
    *EVIDENCE,
    *ELSEWHERE,
    *KINDS,
    *(f"{kind}*{name}" for kind in KINDS for name in EVIDENCE),
)
# Evidence whose direction is known (kept by the fit, as for the unit scorer).
ANSWER_MONOTONE = {
    "p1": 1,
    "logit_p1": 1,
    "p_sum5": 1,
    "cov1": 1,
    "cov_clause_max": 1,
    "dense_max": 1,
    "oov_share": -1,
    "cov_gap_out": -1,
    "dense_gap_out": -1,
    "year_miss5": -1,
    "figure_no5": -1,
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
    outside = ~inside
    p_out = float(p[outside].max()) if outside.any() else 0.0

    def col(name: str, rows: list[int] | np.ndarray) -> np.ndarray:
        values = x[rows, _COL[name]]
        return values if len(values) else np.zeros(1)

    def gap(name: str) -> float:
        """How far the best of another document beats the best of the named ones."""
        if not outside.any():
            return 0.0
        return max(0.0, float(col(name, outside).max() - col(name, inside).max()))

    clipped = min(max(p1, 1e-4), 1 - 1e-4)
    first = [best] if best is not None else []
    oov = float(x[0, _COL["oov_share"]]) if len(x) else 1.0
    year_asked = bool(len(x)) and bool(
        (x[:, [_COL["year_hit"], _COL["year_other"], _COL["year_none"]]] > 0).any()
    )
    evidence = np.array(
        [
            p1,
            float(np.log(clipped / (1 - clipped))),
            p_in[1] if len(p_in) > 1 else 0.0,
            float(sum(p_in)),
            p_out,
            float(col("cov", first)[0]),
            float(col("cov_clause", top).max()),
            float(col("bm25_unit", first)[0]),
            float(col("dense_unit", inside).max()),
            float(col("dense_head", top).max()),
            float(col("year_other", first)[0]),
            float(col("figure_no", first)[0]),
            float(col("measure_no", first)[0]),
            oov,
            float(col("miss_max", first)[0]),
        ]
    )
    elsewhere = np.array(
        [
            gap("cov"),
            gap("dense_unit"),
            float(year_asked and not col("year_hit", top).any()),
            float(col("figure_no", top).min()),
        ]
    )
    kinds = np.array([float(getattr(asked, kind)) for kind in KINDS])
    return np.concatenate([evidence, elsewhere, kinds, np.outer(kinds, evidence).ravel()])


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
