"""``python -m assistant "câu hỏi"``: answer one question and print its sources."""

from __future__ import annotations

import argparse
import logging
import sys

from kernel.offline import use_offline_environment
from kernel.settings import get_settings
from kernel.store import IndexMissing
from kernel.types import Answer


def render(answer: Answer) -> str:
    """The answer and its sources as plain text for a terminal."""
    lines = [answer.answer]
    if answer.notice and answer.notice != answer.answer:
        lines += ["", f"Lưu ý: {answer.notice}"]
    if answer.citations:
        lines += ["", "Nguồn / Sources:"]
        for c in answer.citations:
            lines.append(f"[{c.marker}] {c.file} — {c.title} — {c.section}")
            if c.sentence:
                lines.append(f"    “{c.sentence}” (ký tự {c.sentence_start}–{c.sentence_end})")
    elif answer.refused and answer.passages:
        lines += ["", "Các đoạn gần nhất / Closest passages:"]
        for p in answer.passages[:3]:
            lines.append(f"- {p.chunk.file} — {p.chunk.section}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    parser.add_argument("question", help="the question, in Vietnamese or English")
    parser.add_argument("--json", action="store_true", help="print the Answer as JSON")
    parser.add_argument("--province", action="append", help="restrict to a province (repeatable)")
    args = parser.parse_args(argv)
    use_offline_environment()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from assistant.chain import Assistant

    try:
        assistant = Assistant(get_settings())
    except IndexMissing as exc:
        print(str(exc), file=sys.stderr)
        return 2
    filters = {"provinces": args.province} if args.province else None
    answer = assistant.ask(args.question, filters=filters)
    print(answer.model_dump_json(indent=2) if args.json else render(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
