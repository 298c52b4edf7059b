"""``python -m evals run --questions FILE --out DIR [--compare] [--llm] [--judge]``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from kernel.offline import use_offline_environment  # noqa: E402

# Nothing is fetched from a hub: set before anything imports sentence-transformers.
use_offline_environment()

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_QUESTIONS = ROOT / "evals" / "public.jsonl"
DEFAULT_OUT = ROOT / "evals" / "out"

JUDGE_PROMPT = (
    "You grade answers about Vietnamese digital-transformation resolutions. Given a "
    "question, the gold answer and a candidate answer, say whether the candidate gives the "
    "same facts as the gold answer (other wording is fine, a different figure is not). "
    "Reply with 'yes' or 'no' on the first line, then one short sentence why."
)

log = logging.getLogger("evals")


def make_judge(settings):
    """A judge calling the configured LLM; verdicts never change a score."""
    from assistant.answering.llm import LLMClient

    chat = LLMClient(settings.llm).chat

    def judge(failure: dict) -> dict:
        exp = failure["expected"]
        user = (
            f"Question: {failure['question']}\nGold answer: {exp['answer']}\n"
            f"Must include: {', '.join(exp['must_include'])}\nCandidate: {failure['given']}"
        )
        try:
            reply = chat.invoke(
                [
                    {"role": "system", "content": JUDGE_PROMPT},
                    {"role": "user", "content": user},
                ]
            )
        except Exception as exc:  # the judge is advisory: a dead server must not end the run
            return {"verdict": "error", "reason": f"{type(exc).__name__}: {exc}"}
        text = str(reply.content).strip()
        first, _, rest = text.partition("\n")
        word = first.strip().strip(".*:").lower()
        verdict = "yes" if word.startswith("yes") else "no" if word.startswith("no") else "?"
        return {"verdict": verdict, "reason": (rest.strip() or first)[:500]}

    return judge


def cmd_run(args: argparse.Namespace) -> int:
    """Answer, score and report; print the summary table and the report path."""
    from kernel.settings import get_settings
    from kernel.store import IndexMissing

    from . import baselines, runner
    from .report import summary_text

    t0 = time.perf_counter()
    settings = get_settings()
    extra = list(args.docs or [])
    if args.set:  # a named set: its questions, and an index with the documents it needs
        from .sets import by_name

        qset = by_name(args.set)
        args.questions = qset.path
        extra += list(qset.extra_docs)
    if extra:  # an index of corpus/ plus these documents, beside the output
        from ingest.pipeline import ingest

        from .sets import with_extra_docs

        settings = with_extra_docs(settings, extra, args.out.parent / "sets")
        print(ingest(settings, progress=False).summary().splitlines()[0])
    items = runner.load_questions(args.questions)
    has_llm = bool(settings.llm.base_url)
    names = list(baselines.COMPARE) if args.compare else ["default"]
    if args.llm:
        if has_llm:
            names.append("llm")
        else:
            print(
                "--llm: no LLM server configured (NQCDS_LLM__BASE_URL unset); "
                "skipping the LLM backend."
            )
    judge = None
    if args.judge:
        if has_llm:
            judge = make_judge(settings)
        else:
            print("--judge: no LLM server configured (NQCDS_LLM__BASE_URL unset); no judge.")
    try:
        answerers, setup = baselines.build(names, settings)
    except IndexMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    meta = {
        "question_file": str(args.questions),
        "llm": settings.llm.base_url or "none",
        "judge": "yes" if judge else "no",
        "setup_seconds": setup,
    }
    report = runner.evaluate(items, answerers, args.out, meta=meta, judge=judge)
    total = time.perf_counter() - t0
    print(summary_text(report))
    print(
        f"\n{len(items)} questions, {len(answerers)} configuration(s), {total:.1f} s in all "
        f"(set-up: {', '.join(f'{k} {v:.1f} s' for k, v in setup.items())})"
    )
    print(f"Report: {Path(args.out) / 'report.md'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``nqcds-evals``)."""
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="answer a question set, score it, write the report")
    run.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="question set")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    run.add_argument(
        "--set",
        help="a named set of evals/sets.py (public, extra, extra2…, province6…): its "
        "questions, and for a province set an index of corpus/ plus its two documents",
    )
    run.add_argument(
        "--docs",
        type=Path,
        nargs="+",
        help="documents to add to corpus/ for this run (a question set about them)",
    )
    run.add_argument(
        "--compare",
        action="store_true",
        help="also run dense-only, bm25-only and the naive LangChain baseline",
    )
    run.add_argument(
        "--llm", action="store_true", help="also score the LLM backend (needs NQCDS_LLM__BASE_URL)"
    )
    run.add_argument(
        "--judge",
        action="store_true",
        help="ask the LLM for a second opinion on string-check failures",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Some libraries (bm25s) set their own logger to DEBUG: filter at the handler too.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    return cmd_run(args)


if __name__ == "__main__":
    sys.exit(main())
