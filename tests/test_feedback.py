"""The feedback store: SQLite in WAL mode, concurrent writers, CSV/JSONL export and its CLI."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from assistant.web.feedback import COLUMNS, FeedbackStore, export, main
from kernel.types import Citation

ROOT = Path(__file__).resolve().parents[1]


def _citation() -> Citation:
    return Citation(
        marker=1,
        file="003_a83315fa0d19e00b.txt",
        title="Nghị quyết về chuyển đổi số",
        province="Quảng Ngãi",
        section="4.3. Phát triển xã hội số",
        text="- Trên 70% dân số…",
        start=10,
        end=30,
        sentence="Trên 70% dân số",
        sentence_start=12,
        sentence_end=27,
    )


def test_add_and_read_back_with_citations(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    rid = store.add(
        "up",
        question="Mục tiêu chữ ký số?",
        answer="Trên 70% [1]",
        citations=[_citation()],
        comment="Rất hữu ích",
    )
    rows = list(store.rows())
    assert [r["id"] for r in rows] == [rid]
    row = rows[0]
    assert row["vote"] == "up" and row["comment"] == "Rất hữu ích"
    assert row["question"] == "Mục tiêu chữ ký số?" and row["answer"] == "Trên 70% [1]"
    assert row["citations"][0]["province"] == "Quảng Ngãi"
    assert row["citations"][0]["sentence_start"] == 12
    assert row["created_at"].endswith("+00:00")  # timezone-aware UTC timestamp


def test_rejects_unknown_vote(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    with pytest.raises(ValueError):
        store.add("meh", question="q")
    assert store.count() == 0


def test_database_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "fb.sqlite3"
    FeedbackStore(path)
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    """20 threads × 25 writes, each through its own short transaction: 500 distinct rows."""
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    threads_n, writes_n = 20, 25
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def writer(t: int) -> None:
        try:
            start.wait()  # all threads hammer the database at the same moment
            for i in range(writes_n):
                store.add(
                    "up" if i % 2 else "down",
                    question=f"câu hỏi {t}",
                    comment=f"{t}-{i}",
                    citations=[_citation()],
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    rows = list(store.rows())
    assert len(rows) == threads_n * writes_n == store.count()
    assert {r["comment"] for r in rows} == {
        f"{t}-{i}" for t in range(threads_n) for i in range(writes_n)
    }
    assert len({r["id"] for r in rows}) == len(rows)


def test_export_csv_and_jsonl(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb.sqlite3")
    store.add("up", question='Hỏi, có "dấu phẩy"', answer="Đáp\nhai dòng", citations=[_citation()])
    store.add("down", question="<b>x</b>", comment="sai")

    out = io.StringIO()
    assert export(store, "jsonl", out) == 2
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [x["vote"] for x in lines] == ["up", "down"]
    assert lines[0]["citations"][0]["marker"] == 1 and lines[1]["citations"] == []

    out = io.StringIO()
    assert export(store, "csv", out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == COLUMNS
    assert rows[0]["question"] == 'Hỏi, có "dấu phẩy"' and rows[0]["answer"] == "Đáp\nhai dòng"
    assert json.loads(rows[0]["citations"])[0]["province"] == "Quảng Ngãi"

    with pytest.raises(ValueError):
        export(store, "xml", io.StringIO())


def test_cli_exports_the_configured_database(tmp_path: Path) -> None:
    # The autouse fixture points NQCDS_DATA_DIR at tmp_path/data: the state database is there.
    from kernel.settings import get_settings

    store = FeedbackStore.from_settings(get_settings())
    store.add("up", question="Bình dân học vụ số", comment="tốt")
    out_csv, out_jsonl = tmp_path / "fb.csv", tmp_path / "fb.jsonl"
    assert main(["export", "--format", "csv", "--out", str(out_csv)]) == 0
    assert main(["export", "--format", "jsonl", "--out", str(out_jsonl)]) == 0
    text = out_csv.read_text(encoding="utf-8-sig")  # BOM so Excel shows the diacritics
    assert "Bình dân học vụ số" in text
    assert json.loads(out_jsonl.read_text(encoding="utf-8"))["comment"] == "tốt"


def test_cli_without_database_says_so(tmp_path: Path) -> None:
    assert main(["export", "--format", "csv", "--db", str(tmp_path / "none.sqlite3")]) == 1


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite3"
    FeedbackStore(db).add("down", question="câu hỏi", comment="chưa đúng")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.web.feedback",
            "export",
            "--format",
            "jsonl",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.splitlines()[0])["comment"] == "chưa đúng"


# -- POST /api/feedback --------------------------------------------------------------------------
def _feedback_app(tmp_path: Path, **server):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from assistant.web.feedback_api import build_feedback_api
    from assistant.web.guard import Guard
    from kernel.settings import ServerSettings, Settings

    s = Settings(data_dir=tmp_path / "data", server=ServerSettings.model_validate(server))
    app = FastAPI()
    app.include_router(build_feedback_api(s, Guard(s)))
    return TestClient(app), FeedbackStore.from_settings(s)


def test_api_feedback_records_a_vote(tmp_path: Path) -> None:
    client, store = _feedback_app(tmp_path)
    body = {
        "vote": "down",
        "question": "Mục tiêu chữ ký số?",
        "answer": "Trên 70% [1]",
        "citations": [_citation().model_dump()],
        "comment": "thiếu năm 2025",
    }
    r = client.post("/api/feedback", json=body)
    assert r.status_code == 201 and isinstance(r.json()["id"], int)
    (row,) = list(store.rows())
    assert row["vote"] == "down" and row["source"] == "api" and row["comment"] == "thiếu năm 2025"
    assert row["citations"][0]["sentence_start"] == 12


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"not json", 400, "JSON"),
        (b'{"vote": "meh"}', 422, "vote"),
        (b'{"question": "x"}', 422, "vote"),
        (b'{"vote": "up", "question": 5}', 422, "question"),
        (b'{"vote": "up", "extra": 1}', 422, "extra"),
        (b'{"vote": "up", "citations": "x"}', 422, "citations"),
    ],
)
def test_api_feedback_rejects_bad_bodies(tmp_path: Path, body, status, words) -> None:
    client, store = _feedback_app(tmp_path)
    r = client.post("/api/feedback", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert words in r.json()["detail"] and " / " in r.json()["detail"]
    assert store.count() == 0


def test_api_feedback_takes_the_login_and_rate_limit(tmp_path: Path) -> None:
    client, store = _feedback_app(
        tmp_path, username="canbo", password="mat-khau", rate_limit_per_minute=2
    )
    assert client.post("/api/feedback", json={"vote": "up"}).status_code == 401
    ok = {"Authorization": "Bearer canbo:mat-khau"}
    assert client.post("/api/feedback", json={"vote": "up"}, headers=ok).status_code == 201
    over = client.post("/api/feedback", json={"vote": "up"}, headers=ok)
    assert over.status_code == 429 and "Retry-After" in over.headers
    assert store.count() == 1


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_database_is_set_aside_and_a_new_one_started(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(db)
    for i in range(200):
        store.add("up", question=f"q{i}", answer="a" * 500)
    with closing(sqlite3.connect(db)) as con:  # fold the WAL in: the file holds everything
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = db.read_bytes()
    bad = os.urandom(len(raw)) if damage == "garbage" else raw[:4096] + os.urandom(8192)
    db.write_bytes(bad)

    with caplog.at_level(logging.ERROR, logger="kernel.state"):
        fresh = FeedbackStore(db)  # what the app does at start: must not raise
    aside = [
        p
        for p in tmp_path.glob("feedback.sqlite3.corrupt-*")
        if not p.name.endswith(("-wal", "-shm"))  # its companions are moved along with it
    ]
    assert [p.read_bytes() for p in aside] == [bad]
    assert "damaged" in caplog.text and aside[0].name in caplog.text
    assert fresh.count() == 0
    fresh.add("down", question="still works")
    assert [r["question"] for r in fresh.rows()] == ["still works"]


def test_app_starts_and_answers_with_a_damaged_feedback_database(
    index_settings, assistant, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    import app as webapp

    settings = index_settings.model_copy(update={"data_dir": tmp_path / "data"})
    settings.state_db.parent.mkdir(parents=True)
    settings.state_db.write_bytes(b"not a database at all" * 100)
    settings.feedback_db.write_bytes(b"an old feedback file, damaged" * 100)
    server, _ = webapp.create_server(settings, assistant)
    with TestClient(server) as client:
        r = client.post("/api/ask", json={"question": "muc tieu chu ky so Quang Ngai 2030"})
    assert r.status_code == 200 and r.json()["citations"]
    assert list(settings.state_db.parent.glob(f"{settings.state_db.name}.corrupt-*"))
    assert settings.feedback_db.exists()  # unreadable old file: left in place, logged
