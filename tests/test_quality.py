"""The answer-chain quality bar on the public question set (the answer-chain issue's targets).

On failure the figures and every failed item are printed, so a red CI run says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import runner, scoring
from evals.report import COLUMNS, fmt

PUBLIC_SET = Path(__file__).resolve().parents[1] / "evals" / "public.jsonl"

# (score, comparison, bound): the targets of the answer-chain issue; do not lower them.
THRESHOLDS = [
    ("answer_accuracy", ">=", 0.90),
    ("citation_precision", ">=", 0.90),
    ("recall@5", ">=", 0.95),
    ("refusal_accuracy", ">=", 0.80),
    ("false_refusals", "<=", 0.05),
]


@pytest.fixture(scope="module")
def scores(assistant) -> dict:
    items = runner.load_questions(PUBLIC_SET)
    result = runner.run(items, assistant, progress=False)
    return scoring.evaluate(items, result.records)


def _explain(scores: dict) -> str:
    o = scores["overall"]
    lines = ["  ".join(f"{title}={fmt(o.get(k), kind)}" for k, title, kind in COLUMNS)]
    for f in scores["failures"]:
        lines.append(f"{f['id']} [{f['lang']}/{f['type']}] {f['question']}")
        lines.append(
            f"    expected: {f['expected']['answer']} | must include: "
            f"{f['expected']['must_include']}"
        )
        lines.append(f"    given: {' '.join(f['given'].split())[:240]}")
        lines.append(f"    why: {'; '.join(f['reasons'])}")
    return "\n".join(lines)


@pytest.mark.parametrize(("key", "op", "bound"), THRESHOLDS, ids=[t[0] for t in THRESHOLDS])
def test_public_set_quality(scores: dict, key: str, op: str, bound: float) -> None:
    value = scores["overall"][key]
    print(f"\n{key} = {value} (target {op} {bound})\n{_explain(scores)}")
    assert value is not None, f"{key}: nothing to score\n{_explain(scores)}"
    ok = value >= bound if op == ">=" else value <= bound
    assert ok, f"{key} = {value:.3f}, target {op} {bound}\n{_explain(scores)}"
