"""Trainer material from the targets table: quizzes and a printable handout.

Multiple-choice questions take their distractors from the table itself (the same metric
in other provinces or years first, then other figures of the same unit), never equal to
the right value; fill-in-the-number questions blank the figure in its own sentence.
Every question carries the sentence it was made from, so the answer key can quote it.
"""

from __future__ import annotations

import random
import re
from typing import Literal

from pydantic import BaseModel, Field

from assistant.targets.model import Target, format_value

_BLANK = "____"
_LETTERS = "ABCDEFGH"
_OPTIONS = 4


class QuizQuestion(BaseModel):
    """One question, its answer and the cited sentence that states the answer."""

    number: int
    kind: Literal["multiple_choice", "fill_in"]
    prompt: str
    options: list[str] = Field(default_factory=list, description="multiple choice only")
    option_values: list[float] = Field(default_factory=list)
    answer_index: int | None = Field(None, description="index of the right option")
    cloze: str = Field("", description="fill-in only: the sentence with the figure as ____")
    answer: str = Field(description="the figure as the document writes it, e.g. 35,8%")
    answer_display: str = Field(description="with comparator and unit, e.g. trên 80%")
    value: float
    target_id: str
    file: str
    province: str = ""
    doc_title: str = ""
    section: str = ""
    sentence: str
    start: int
    end: int
    value_start: int
    value_end: int


def make_quiz(
    rows: list[Target],
    file: str | None = None,
    pillar: str | None = None,
    n: int = 8,
    seed: int = 0,
) -> list[QuizQuestion]:
    """Up to ``n`` questions on the targets of ``file``/``pillar`` (None = all), same
    questions for the same seed. Roughly one in three is fill-in-the-number; a question
    whose unit has fewer than three other values in the table is fill-in too."""
    rng = random.Random(seed)
    targets = [r for r in rows if r.kind == "target"]
    pool = [
        r
        for r in targets
        if (file is None or r.file == file)
        and (pillar is None or r.pillar == pillar)
        and _blanked(r) is not None
    ]
    pool.sort(key=lambda r: r.id)
    rng.shuffle(pool)
    out: list[QuizQuestion] = []
    seen: set[tuple] = set()
    for row in pool:
        if len(out) >= n:
            break
        topic = (row.file, row.metric_key or row.metric, row.target_year)
        if topic in seen:
            continue
        seen.add(topic)
        distractors = _distractors(row, targets, rng)
        number = len(out) + 1
        if number % 3 == 0 or len(distractors) < _OPTIONS - 1:
            out.append(_fill_in(number, row))
        else:
            out.append(_multiple_choice(number, row, distractors, rng))
    return out


def _base(number: int, row: Target) -> dict:
    return {
        "number": number,
        "answer": row.value_text,
        "answer_display": row.display,
        "value": row.value,
        "target_id": row.id,
        "file": row.file,
        "province": row.province,
        "doc_title": row.doc_title,
        "section": row.section,
        "sentence": row.sentence,
        "start": row.start,
        "end": row.end,
        "value_start": row.value_start,
        "value_end": row.value_end,
    }


def _when(row: Target) -> str:
    return f"đến năm {row.target_year}" if row.target_year else "hằng năm"


def _multiple_choice(
    number: int, row: Target, distractors: list[Target], rng: random.Random
) -> QuizQuestion:
    options = [row, *distractors[: _OPTIONS - 1]]
    rng.shuffle(options)
    prompt = (
        f"Theo nghị quyết của {row.province}, chỉ tiêu {_when(row)}: “{row.metric}”. "
        "Mức chỉ tiêu là bao nhiêu?"
    )
    return QuizQuestion(
        kind="multiple_choice",
        prompt=prompt,
        options=[format_value("", o.value_text, o.unit) for o in options],
        option_values=[o.value for o in options],
        answer_index=options.index(row),
        **_base(number, row),
    )


def _fill_in(number: int, row: Target) -> QuizQuestion:
    blanked = _blanked(row) or row.sentence
    where = row.headings[-1] if row.headings else ""
    prompt = f"Điền số còn thiếu ({row.province}, {_when(row)}; mục “{where}”): “{blanked}”"
    return QuizQuestion(kind="fill_in", prompt=prompt, cloze=blanked, **_base(number, row))


def _blanked(row: Target) -> str | None:
    """The sentence with this row's figure (not another one that looks alike) blanked."""
    body = r"\s*".join(map(re.escape, row.value_text.split()))
    hits = list(re.finditer(rf"(?<![\d.,]){body}(?!\d)", row.sentence))
    if not hits:
        return None
    m = hits[_nearest(row, hits)] if len(hits) > 1 else hits[0]
    return row.sentence[: m.start()] + _BLANK + row.sentence[m.end() :]


def _nearest(row: Target, hits: list[re.Match]) -> int:
    """Which of several equal figures is the row's: the one at the same relative place.

    The sentence is the file span [start, end) cleaned (markup and line breaks dropped),
    so relative positions agree closely enough to tell equal figures apart.
    """
    share = (row.value_start - row.start) / max(1, row.end - row.start)
    size = max(1, len(row.sentence))
    return min(range(len(hits)), key=lambda i: abs(hits[i].start() / size - share))


def _distractors(row: Target, targets: list[Target], rng: random.Random) -> list[Target]:
    """Up to three rows with other values of the same unit, same metric first."""
    chosen: list[Target] = []
    used = {row.value}
    same_metric = [r for r in targets if row.metric_key and r.metric_key == row.metric_key]
    same_pillar = [r for r in targets if r.pillar == row.pillar]
    for tier in (same_metric, same_pillar, targets):
        cands = sorted(
            (r for r in tier if r.unit == row.unit and r.value not in used), key=lambda r: r.id
        )
        rng.shuffle(cands)
        for r in cands:
            if len(chosen) == _OPTIONS - 1:
                return chosen
            if r.value not in used:
                used.add(r.value)
                chosen.append(r)
    return chosen


def key_answer(q: QuizQuestion) -> str:
    """The answer as the key prints it: the option exactly as the sheet lists it ("A. 95%"),
    and the document's own wording when it says more ("trên 95%")."""
    if q.answer_index is None:
        return q.answer
    option = q.options[q.answer_index]
    shown = f"{_LETTERS[q.answer_index]}. {option}"
    return shown if q.answer_display == option else f"{shown} (văn bản ghi: “{q.answer_display}”)"


def figure_span(q: QuizQuestion) -> tuple[int, int] | None:
    """Where the answer's figure is in ``q.sentence`` (the one the question is about)."""
    body = r"\s*".join(map(re.escape, q.answer.split()))
    hits = list(re.finditer(rf"(?<![\d.,]){body}(?!\d)", q.sentence))
    if not hits:
        return None
    share = (q.value_start - q.start) / max(1, q.end - q.start)
    size = max(1, len(q.sentence))
    m = min(hits, key=lambda h: abs(h.start() / size - share))
    return m.start(), m.end()


def quiz_markdown(questions: list[QuizQuestion], title: str, subtitle: str = "") -> str:
    """The question sheet (no answers: it may be projected or handed out)."""
    lines = [f"# {title}", ""] + ([subtitle, ""] if subtitle else []) + ["## Câu hỏi", ""]
    for q in questions:
        lines.append(f"**Câu {q.number}.** {q.prompt}")
        lines.append("")
        if q.kind == "multiple_choice":
            lines += [f"- {_LETTERS[i]}. {opt}" for i, opt in enumerate(q.options)]
        else:
            lines.append("Trả lời: ______________")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def answer_key_markdown(questions: list[QuizQuestion], title: str) -> str:
    """The answer key, for the trainer: each answer with the sentence and document it is from."""
    lines = [f"## Đáp án — {title}", ""]
    for q in questions:
        lines.append(f"**Câu {q.number}.** {key_answer(q)}")
        lines.append(f"> “{q.sentence}”")
        lines.append(f"> Nguồn: {q.doc_title} — {q.section}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
