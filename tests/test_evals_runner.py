"""The eval runner: answers.jsonl exactly as SCHEMA.md says, and the report files."""

from __future__ import annotations

import json
from pathlib import Path

from evals import runner
from kernel.types import Answer, Chunk, Citation, Passage

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_SET = ROOT / "evals" / "public.jsonl"
FIELDS = ["id", "question", "answer", "refused", "citations", "retrieved", "latency_ms"]


def _check_answers(path: Path, items: list[dict]) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [it["id"] for it in items]
    for rec, it in zip(records, items, strict=True):
        assert list(rec) == FIELDS
        assert rec["question"] == it["question"]
        assert isinstance(rec["answer"], str) and isinstance(rec["refused"], bool)
        assert isinstance(rec["latency_ms"], float) and rec["latency_ms"] >= 0
        for c in rec["citations"]:
            assert list(c) == ["file", "text", "section"]
        for p in rec["retrieved"]:
            assert list(p) == ["file", "text"]
    return records


def test_runner_on_three_questions(assistant, tmp_path: Path) -> None:
    items = runner.load_questions(PUBLIC_SET)[:3]
    report = runner.evaluate(items, {"default": assistant}, tmp_path, progress=False)
    records = _check_answers(tmp_path / "answers.jsonl", items)
    assert any(r["citations"] and r["retrieved"] for r in records)
    assert (tmp_path / "report.md").read_text(encoding="utf-8").startswith("# Evaluation report")
    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(report))
    assert saved["configs"]["default"]["overall"]["n"] == 3
    assert not (tmp_path / "compare.png").exists()  # one configuration: nothing to compare


class _Fake:
    """An answerer citing the gold quote of every question it knows, refusing the rest."""

    def __init__(self, items: list[dict]) -> None:
        self.gold = {it["question"]: it for it in items}
        self.histories: dict[str, list | None] = {}

    def ask(self, question: str, history: list | None = None) -> Answer:
        self.histories[question] = history
        it = self.gold[question]
        if not it["answerable"]:
            return Answer(question=question, answer="Không tìm thấy", refused=True)
        src = it["sources"][0]
        chunk = Chunk(id="c", file=src["file"], start=0, end=1, text=src["quote"], index_text="")
        cite = Citation(marker=1, file=src["file"], text=src["quote"], start=0, end=1)
        return Answer(
            question=question,
            answer=" ".join(it["must_include"]),
            citations=[cite],
            passages=[Passage(chunk=chunk)],
        )


def test_cli_compare_writes_everything(tmp_path: Path, monkeypatch, capsys) -> None:
    from evals import __main__ as cli
    from evals import baselines

    items = runner.load_questions(PUBLIC_SET)
    picked = [items[0], next(it for it in items if not it["answerable"])]
    qfile = tmp_path / "q.jsonl"
    qfile.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in picked))
    monkeypatch.setattr(
        baselines,
        "build",
        lambda names, settings: ({n: _Fake(picked) for n in names}, {n: 0.0 for n in names}),
    )
    out = tmp_path / "out"
    assert (
        cli.main(["run", "--questions", str(qfile), "--out", str(out), "--compare", "--llm"]) == 0
    )
    printed = capsys.readouterr().out
    assert "skipping the LLM backend" in printed and str(out / "report.md") in printed
    _check_answers(out / "answers.jsonl", picked)
    _check_answers(out / "answers-naive-langchain.jsonl", picked)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert list(report["configs"]) == ["default", "dense-only", "bm25-only", "naive-langchain"]
    overall = report["configs"]["bm25-only"]["overall"]
    assert overall["answer_accuracy"] == 1.0 and overall["refusal_accuracy"] == 1.0
    assert overall["citation_precision"] == 1.0 and overall["recall@1"] == 1.0
    assert (out / "compare.png").stat().st_size > 0


def test_runner_passes_each_items_history() -> None:
    items = [
        {
            "id": "a",
            "question": "Mục tiêu chữ ký số của Quảng Ngãi đến năm 2030?",
            "answerable": False,
        },
        {
            "id": "b",
            "question": "còn năm 2025 thì sao?",
            "answerable": False,
            "history": [{"role": "user", "content": "Mục tiêu chữ ký số của Quảng Ngãi?"}],
        },
    ]
    fake = _Fake(items)
    runner.run(items, fake, progress=False)
    assert fake.histories == {items[0]["question"]: None, items[1]["question"]: items[1]["history"]}
