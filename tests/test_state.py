"""The shared-state database (kernel/state.py): the pointer with its catalog, the targets
table, feedback; SQLite by default and a real throwaway PostgreSQL; upgrades from the
Chroma pointer and the old feedback file; a running service switching index in the
background while the answers it started finish on the old one."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.chain import Assistant
from assistant.service import AssistantService
from assistant.shared import share_targets, targets_version
from assistant.web.feedback import FeedbackStore
from ingest.pipeline import ingest
from kernel import store
from kernel.settings import Settings, StateSettings
from kernel.state import StateStore, database_url, state_store

from .servers import postgres_bin, start_postgres
from .test_ingest_faults import TINY_DOC, TINY_Q, _answers_tiny


def _with_url(s: Settings, url: str | None) -> Settings:
    state = StateSettings(database_url=SecretStr(url) if url else None, check_interval_s=0.0)
    return s.model_copy(update={"state": state})


def test_database_url_default_and_postgres_driver(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    assert database_url(s) == f"sqlite:///{tmp_path / 'state.sqlite3'}"
    pg = _with_url(s, "postgresql://u:secret@db:5432/nqcds")
    assert database_url(pg) == "postgresql+psycopg://u:secret@db:5432/nqcds"
    assert "secret" not in repr(pg) and "secret" not in repr(StateStore(database_url(s)))


def _exercise(shared: StateStore) -> None:
    """The pointer, catalog, pruning and targets contract, on any database."""
    docs = {"a.txt": {"file": "a.txt", "province": "Khánh Hòa", "title": "NQ"}}
    assert shared.active("p") is None
    shared.activate("p", "p_1", {"model": "m", "files": {"a.txt": "h1"}, "chunks": 3}, docs)
    assert shared.active("p") == "p_1"
    info, catalog = shared.build("p_1")
    assert info["files"] == {"a.txt": "h1"} and info["chunks"] == 3 and catalog == docs
    shared.activate("p", "p_2", {"chunks": 4}, docs)
    shared.activate("p", "p_3", {"chunks": 5}, {})
    # The live build and the one before it are kept (readers may still be on it).
    assert shared.active("p") == "p_3"
    assert shared.build("p_2") is not None and shared.build("p_1") is None
    assert shared.active("other") is None  # prefixes are independent
    assert shared.targets("p_3", "v1") is None
    assert shared.put_targets("p_3", "v1", [{"value_text": "70%"}, {"value_text": "50%"}])
    assert not shared.put_targets("p_3", "v1", [{"value_text": "other"}])  # first one wins
    assert shared.targets("p_3", "v1") == [{"value_text": "70%"}, {"value_text": "50%"}]
    assert shared.targets("p_3", "v2") is None  # another code version derives its own
    assert shared.put_targets("p_3", "v2", []) and shared.targets("p_3", "v2") == []


def test_sqlite_state(tmp_path: Path) -> None:
    _exercise(StateStore(f"sqlite:///{tmp_path / 's.sqlite3'}"))


def _hammer(feedback: FeedbackStore, threads_n: int, writes_n: int) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def writer(t: int) -> None:
        try:
            start.wait()
            for i in range(writes_n):
                feedback.add("up" if i % 2 else "down", question=f"q{t}", comment=f"{t}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    ths = [threading.Thread(target=writer, args=(t,)) for t in range(threads_n)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    assert not errors, errors


@pytest.fixture(scope="module")
def postgres():
    if postgres_bin() is None:
        pytest.skip("Debian's PostgreSQL is not installed: apt-get install -y postgresql")
    pg = start_postgres()
    yield pg
    pg.stop()


def test_postgresql_state_and_concurrent_feedback(postgres) -> None:
    shared = StateStore(postgres.database_url)
    _exercise(shared)
    StateStore(postgres.database_url)  # a second process starting: schema already there
    fb = FeedbackStore(shared)
    _hammer(fb, threads_n=12, writes_n=20)
    rows = list(fb.rows())
    assert len(rows) == fb.count() == 240
    assert {r["comment"] for r in rows} == {f"{t}-{i}" for t in range(12) for i in range(20)}
    # Two writers of the same targets table at once: exactly one stores it.
    wins: list[bool] = []
    gate = threading.Barrier(4)

    def put() -> None:
        gate.wait()
        wins.append(shared.put_targets("race", "v", [{"i": i} for i in range(50)]))

    ths = [threading.Thread(target=put) for _ in range(4)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    assert sorted(wins) == [False, False, False, True]
    assert shared.targets("race", "v") == [{"i": i} for i in range(50)]
    # Replicas adopting the same index at the same moment: both succeed, one record.
    errors: list[BaseException] = []
    gate = threading.Barrier(4)

    def adopt() -> None:
        try:
            gate.wait()
            shared.activate("q", "q_1", {"chunks": 1}, {"a.txt": {"file": "a.txt"}})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    ths = [threading.Thread(target=adopt) for _ in range(4)]
    for th in ths:
        th.start()
    for th in ths:
        th.join()
    assert not errors, errors
    assert shared.active("q") == "q_1" and shared.build("q_1")[0]["chunks"] == 1


def test_unreachable_state_database_is_a_readable_message(tmp_path: Path) -> None:
    from .servers import free_port

    s = _with_url(Settings(data_dir=tmp_path), f"postgresql://x@127.0.0.1:{free_port()}/x")
    with pytest.raises(store.IndexMissing, match="cơ sở dữ liệu trạng thái"):
        store.live_collection(s)


# -- upgrades -------------------------------------------------------------------------------------
def test_index_from_before_the_state_database_is_adopted(index_settings, tmp_path) -> None:
    """An index whose pointer is only in Chroma (as ingest wrote it before) keeps serving."""
    data = tmp_path / "data"
    shutil.copytree(index_settings.data_dir, data)
    for f in data.glob("state.sqlite3*"):
        f.unlink()
    s = index_settings.model_copy(update={"data_dir": data})
    before = store.client(s)
    assert store.current_collection_name(s) is None
    info = store.current_info(before, s)
    assert info is not None and len(info.docs) >= 5
    assert store.current_collection_name(s) == info.collection
    assert state_store(s).build(info.collection)[1].keys() == info.docs.keys()


def test_feedback_file_from_before_is_imported_once(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "data")
    s.data_dir.mkdir()
    with sqlite3.connect(s.feedback_db) as con:  # the old file, as FeedbackStore wrote it
        con.execute(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT,"
            " vote TEXT, comment TEXT, question TEXT, answer TEXT, citations TEXT, source TEXT)"
        )
        con.executemany(
            "INSERT INTO feedback (created_at, vote, comment, question, answer, citations, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                ("2026-01-02T03:04:05+00:00", "up", "tốt", "q1", "a1", '[{"marker": 1}]', "chat"),
                ("2026-01-03T03:04:05+00:00", "down", "", "q2", "a2", "[]", "chat-form"),
            ],
        )
    fb = FeedbackStore.from_settings(s)
    rows = list(fb.rows())
    assert [(r["vote"], r["comment"], r["created_at"]) for r in rows] == [
        ("up", "tốt", "2026-01-02T03:04:05+00:00"),
        ("down", "", "2026-01-03T03:04:05+00:00"),
    ]
    assert rows[0]["citations"] == [{"marker": 1}]
    assert not s.feedback_db.exists() and list(s.data_dir.glob("feedback.sqlite3.imported-*"))
    assert FeedbackStore.from_settings(s).count() == 2  # not imported twice


# -- a running service and a re-ingest --------------------------------------------------------
def test_service_switches_in_background_and_answers_in_flight_finish(
    model_dir: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tiny.txt").write_text(TINY_DOC, encoding="utf-8")
    s = _with_url(
        Settings(
            data_dir=tmp_path / "data", corpus_dir=corpus, embedding={"model": str(model_dir)}
        ),
        None,
    )
    ingest(s, progress=False)
    service = AssistantService(s)
    old = service.get()
    _answers_tiny(old.ask(TINY_Q))

    (corpus / "tiny.txt").write_text(TINY_DOC.replace("300", "450"), encoding="utf-8")
    ingest(s, progress=False)
    # The question that notices the move is answered at once, by the assistant loaded.
    assert service.get() is old
    service.wait_for_reload(timeout=120)
    new = service.get()
    assert new is not old and new.corpus.collection == store.current_collection_name(s)
    assert "450" in new.ask(TINY_Q).answer
    # An answer started on the old index still finishes on it (its build is kept).
    assert "300" in old.ask(TINY_Q).answer


def test_targets_table_is_stored_once_and_read_by_every_process(model_dir, tmp_path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tiny.txt").write_text(TINY_DOC, encoding="utf-8")
    s = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, embedding={"model": str(model_dir)})
    ingest(s, progress=False)
    first, second = Assistant(s), Assistant(s)
    assert share_targets(s, first) == "stored"
    # What every later process reads is the stored table, even where it would differ.
    second.targets = second.targets[:1]
    assert share_targets(s, second) == "loaded"
    assert [t.model_dump() for t in second.targets] == [t.model_dump() for t in first.targets]
    rows = state_store(s).targets(first.corpus.collection, targets_version())
    assert {r["value_text"] for r in rows} >= {"25%", "90%", "300"}


def test_state_restored_from_an_older_backup_follows_the_chroma_mirror(
    index_settings, tmp_path
) -> None:
    """The state database names a build Chroma no longer has: the mirror's one is used."""
    data = tmp_path / "data"
    shutil.copytree(index_settings.data_dir, data)
    s = index_settings.model_copy(update={"data_dir": data})
    live = store.current_collection_name(s)
    state_store(s).activate("nqcds", "nqcds_gone", {"chunks": 1}, {})
    info = store.current_info(store.client(s), s)
    assert info is not None and info.collection == live
    assert store.current_collection_name(s) == live
