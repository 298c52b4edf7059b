"""``python -m evals.sizing``: its bounds and its questions (the measurement itself is a
benchmark that prints figures, run by ``make sizing``)."""

from __future__ import annotations

import os

from evals import sizing


def test_refuses_out_of_bounds_arguments(capsys) -> None:
    assert sizing.main(["--cores", "0"]) == 2
    assert sizing.main(["--cores", str(len(os.sched_getaffinity(0)) + 1)]) == 2
    assert sizing.main(["--users", "1000"]) == 2
    assert sizing.main(["--paths", "api,browser"]) == 2
    assert "--cores" in capsys.readouterr().err


def test_asks_the_public_questions() -> None:
    qs = sizing.questions()
    assert len(qs) >= 40 and all(isinstance(q, str) and q.strip() for q in qs)


def test_latency_percentiles_and_rates() -> None:
    r = sizing.PathResult("api", users=4, seconds=10.0, latencies=[0.1] * 18 + [1.0, 2.0])
    d = r.as_dict(cores=2)
    assert d["answers"] == 20 and d["answers_per_s"] == 2.0 and d["answers_per_s_per_core"] == 1.0
    assert d["p50_s"] == 0.1 and d["p95_s"] == 2.0
