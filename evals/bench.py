"""``python -m evals.bench``: warm answer latency (p50/p95) and resident memory.

Targets (2 CPU cores, extractive backend): p50 ≤ 300 ms, p95 ≤ 1 s, and a process that
has answered ≤ 2 GiB resident. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import psutil

from assistant.chain import Assistant
from kernel.settings import get_settings

DEFAULT_QUESTIONS = Path(__file__).with_name("public.jsonl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench", description=__doc__)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--rounds", type=int, default=2, help="passes over the questions")
    args = parser.parse_args(argv)
    questions = [json.loads(line)["question"] for line in args.questions.open(encoding="utf-8")]
    t = time.perf_counter()
    assistant = Assistant(get_settings())
    load_s = time.perf_counter() - t
    assistant.ask(questions[0])  # warm-up: first query pays for lazy initialisation
    lat: list[float] = []
    for _ in range(args.rounds):
        for q in questions:
            t = time.perf_counter()
            assistant.ask(q)
            lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    rss = psutil.Process().memory_info().rss / 2**20
    print(f"assistant load: {load_s:.1f} s; questions answered: {len(lat)}")
    print(f"warm latency p50: {statistics.median(lat):.0f} ms (target ≤ 300)")
    print(f"warm latency p95: {lat[int(0.95 * (len(lat) - 1))]:.0f} ms (target ≤ 1000)")
    print(f"warm latency max: {lat[-1]:.0f} ms")
    print(f"resident memory: {rss:.0f} MiB (target ≤ 2048)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
