"""Answer a question set with one or more answerers, write ``answers.jsonl``, score, report.

An answerer is anything with ``ask(question) -> Answer`` (the assistant, or a baseline of
:mod:`evals.baselines`), so every configuration is run and scored the same way.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from kernel.types import Answer

from . import scoring

log = logging.getLogger(__name__)

DEFAULT_CONFIG = "default"


class Answerer(Protocol):
    """What the runner needs of a configuration."""

    def ask(self, question: str, history: list | None = None) -> Answer: ...


@dataclass
class RunResult:
    """The answer records of one configuration, and the questions it failed to answer."""

    name: str
    records: list[dict]
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def load_questions(path: Path | str) -> list[dict]:
    """The items of a question set (one JSON object a line; blank lines ignored)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def to_record(item: dict, answer: Answer, latency_ms: float) -> dict:
    """One line of ``answers.jsonl``, exactly the fields of SCHEMA.md."""
    return {
        "id": item["id"],
        "question": item["question"],
        "answer": answer.answer,
        "refused": bool(answer.refused),
        "citations": [
            {"file": c.file, "text": c.text, "section": c.section} for c in answer.citations
        ],
        "retrieved": [{"file": p.chunk.file, "text": p.chunk.text} for p in answer.passages],
        "latency_ms": round(latency_ms, 1),
    }


def answers_path(out_dir: Path, name: str) -> Path:
    """``answers.jsonl`` for the default configuration, ``answers-<name>.jsonl`` for others."""
    return out_dir / ("answers.jsonl" if name == DEFAULT_CONFIG else f"answers-{name}.jsonl")


def run(
    items: list[dict],
    answerer: Answerer,
    out_path: Path | None = None,
    *,
    name: str = DEFAULT_CONFIG,
    progress: bool = True,
) -> RunResult:
    """Answer every item (timing each call) and write the records to ``out_path``."""
    result = RunResult(name, [])
    t0 = time.perf_counter()
    for item in tqdm(items, desc=name, unit="q", disable=not progress, leave=False):
        t = time.perf_counter()
        try:
            # A follow-up carries the conversation before it (SCHEMA.md: ``history``).
            answer = answerer.ask(item["question"], history=item.get("history") or None)
        except Exception as exc:  # one broken question must not lose the whole run
            log.exception("%s: question %s failed", name, item["id"])
            result.errors[item["id"]] = f"{type(exc).__name__}: {exc}"
            answer = Answer(question=item["question"], answer="")
        result.records.append(to_record(item, answer, (time.perf_counter() - t) * 1000))
    result.seconds = time.perf_counter() - t0
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        with out_path.open("w", encoding="utf-8") as f:
            for rec in result.records:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return result


Judge = Callable[[dict], dict]
"""Takes a failure entry, returns ``{"verdict": "yes"|"no"|"error", "reason": str}``."""


def judge_failures(failures: list[dict], judge: Judge) -> int:
    """Attach a second opinion to failures of the string check (refusals excluded)."""
    n = 0
    for f in failures:
        if "missing" in f["kinds"] and not f["refused"]:
            f["judge"] = judge(f)
            n += 1
    return n


def evaluate(
    items: list[dict],
    answerers: dict[str, Answerer],
    out_dir: Path | str,
    *,
    meta: dict | None = None,
    judge: Judge | None = None,
    progress: bool = True,
) -> dict:
    """Run and score every configuration on ``items``; write answers and the report.

    Returns the report (the content of ``report.json``).
    """
    from .report import write_report  # the report pulls in matplotlib: import when needed

    out = Path(out_dir)
    configs: dict[str, dict] = {}
    for name, answerer in answerers.items():
        res = run(items, answerer, answers_path(out, name), name=name, progress=progress)
        scores = scoring.evaluate(items, res.records)
        if judge is not None:
            scores["judged"] = judge_failures(scores["failures"], judge)
        scores["errors"] = res.errors
        scores["run_seconds"] = round(res.seconds, 2)
        scores["answers_file"] = answers_path(out, name).name
        configs[name] = scores
        log.info("%s: %d questions in %.1f s", name, len(items), res.seconds)
    report = {"meta": {"questions": len(items), **(meta or {})}, "configs": configs}
    write_report(out, report)
    return report
