"""``python -m evals.query_bench``: the latency of embedding one question.

sentence-transformers (torch) against the ONNX export (onnxruntime), each on 1 and 2
threads, over the questions of ``evals/public.jsonl``; the configurations take turns round by
round, so a busy machine slows them alike. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from kernel.embeddings import E5Embeddings, load_embeddings
from kernel.offline import use_offline_environment
from kernel.settings import get_settings

DEFAULT_QUESTIONS = Path(__file__).with_name("public.jsonl")


def _percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[int(q * (len(sorted_ms) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.query_bench", description=__doc__)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the questions")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    use_offline_environment()
    import torch

    lines = args.questions.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line]
    base = get_settings()
    configs: dict[tuple[str, int], E5Embeddings] = {}
    for threads in args.threads:
        for onnx in (False, True):
            embedding = base.embedding.model_copy(update={"threads": threads, "onnx_queries": onnx})
            emb = load_embeddings(base.model_copy(update={"embedding": embedding}))
            configs[(emb.query_backend, threads)] = emb
    lat: dict[tuple[str, int], list[float]] = {key: [] for key in configs}
    for _ in range(args.rounds):
        for (backend, threads), emb in configs.items():
            torch.set_num_threads(threads)  # process-wide: the torch configurations share it
            emb.embed_query(questions[0])  # warm
            for q in questions:
                t = time.perf_counter()
                emb.embed_query(q)
                lat[(backend, threads)].append((time.perf_counter() - t) * 1000)
    print(f"one question embedded ({len(questions)} questions × {args.rounds} rounds):")
    for (backend, threads), ms in lat.items():
        ms.sort()
        print(
            f"  {backend:<22} {threads} thread(s): p50 {statistics.median(ms):6.1f} ms, "
            f"p95 {_percentile(ms, 0.95):6.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
