"""Several app replicas on shared servers: ``chroma run``, a throwaway PostgreSQL, two
``python app.py`` processes on two ports (each with its own empty data folder), and the
ingest job run by the test process (``python -m ingest`` itself is run as a command by
tests/test_ingest_faults.py; here a third process is what matters, and the model this
process has loaded keeps the test well under a minute).

One ingest; both replicas give identical answers; votes through both land in PostgreSQL,
none lost; the pointer, catalog and targets table are in PostgreSQL; a re-ingest of a changed
corpus switches both replicas without a restart while questions keep being answered.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from ingest.pipeline import ingest
from kernel.settings import Settings

from .servers import (
    CHROMA_BIN,
    app_env,
    launch_app,
    postgres_bin,
    start_chroma,
    start_postgres,
    wait_ready,
)
from .test_ingest_faults import TINY_DOC

pytestmark = [
    pytest.mark.skipif(not CHROMA_BIN.exists(), reason=f"{CHROMA_BIN} not installed"),
    pytest.mark.skipif(
        postgres_bin() is None,
        reason="Debian's PostgreSQL is not installed: apt-get install -y postgresql (make test)",
    ),
]

DOC = TINY_DOC  # the same one-document resolution as the ingest fault tests
SECOND = """ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH CAO BẰNG

Số: 12-KH/ĐU

KẾ HOẠCH
về trung tâm dữ liệu của tỉnh Cao Bằng

I. MỤC TIÊU

- Xây dựng 12 trung tâm dữ liệu dùng chung đạt chuẩn an toàn thông tin cấp độ 3;
- Kết nối toàn bộ cơ quan nhà nước với mạng truyền số liệu chuyên dùng.
"""
Q_DATA_CENTRES = "Tỉnh Cao Bằng xây dựng bao nhiêu trung tâm dữ liệu dùng chung?"
Q_FIRMS = "Tỉnh Cao Bằng phấn đấu có bao nhiêu doanh nghiệp công nghệ số?"
QUESTIONS = [
    Q_FIRMS,
    "Kinh tế số của tỉnh Cao Bằng chiếm bao nhiêu phần trăm GRDP đến năm 2025?",
    "Tỷ lệ hộ gia đình được phủ cáp quang?",
    "Ai ký nghị quyết 99-NQ/TU?",
    "Mục tiêu phủ sóng 5G ở đâu?",
]
VOTES_PER_REPLICA = 15


def _job(corpus: Path, data: Path, model_dir: Path, chroma_port: int, database_url: str):
    """The ingest job (what ``python -m ingest`` runs), in this process: another process
    than either replica, sharing nothing with them but the two servers."""
    settings = Settings(
        data_dir=data,
        corpus_dir=corpus,
        embedding={"model": str(model_dir)},  # the model the suite has loaded already
        chroma={"host": "127.0.0.1", "port": chroma_port},
        state={"database_url": database_url},
    )
    report = ingest(settings, progress=False)
    assert not report.errors, report.summary()
    return report


def _ask(client: httpx.Client, url: str, q: str) -> dict:
    r = client.post(f"{url}/api/ask", json={"question": q}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def _until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_two_replicas_share_index_feedback_and_switch_together(
    tmp_path: Path, model_dir: Path
) -> None:
    t0 = time.monotonic()

    def mark(what: str) -> None:
        print(f"  {time.monotonic() - t0:6.1f} s  {what}")

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "thu_nghiem.txt").write_text(DOC, encoding="utf-8")
    servers = []
    try:
        chroma = start_chroma(tmp_path)
        servers.append(chroma)
        pg = start_postgres()
        servers.append(pg)
        mark("chroma and postgresql up")
        env = app_env(
            chroma__host="127.0.0.1",
            chroma__port=str(chroma.port),
            state__database_url=pg.database_url,
            state__check_interval_s="0.5",
            embedding__model=str(model_dir),
            server__rate_limit_per_minute="10000",
            corpus_dir=str(tmp_path / "no-corpus-on-replicas"),
        )
        # Replicas first (they start without an index and say so), the ingest job beside.
        replicas = [
            launch_app(tmp_path, {**env, "NQCDS_DATA_DIR": str(tmp_path / f"r{i}")}, f"r{i}")
            for i in (1, 2)
        ]
        servers += replicas
        first_job = _job(corpus, tmp_path / "job", model_dir, chroma.port, pg.database_url)
        assert first_job.embedded_files == ["thu_nghiem.txt"]
        mark("first ingest done")
        for r in replicas:
            wait_ready(r)
        mark("replicas listening")
        urls = [r.url for r in replicas]
        engine = sa.create_engine(pg.database_url)

        with httpx.Client() as http:
            # -- one index, identical answers -------------------------------------------------
            with ThreadPoolExecutor(2) as pool:  # each replica loads the index on its own
                health = list(pool.map(lambda u: httpx.get(f"{u}/api/health", timeout=120), urls))
            health = [h.json() for h in health]
            assert health[0] == health[1] and health[0]["documents"] == 1, health
            mark("replicas loaded the index")
            answers = {q: [_ask(http, u, q) for u in urls] for q in QUESTIONS}
            mark("questions asked")
            for q, (a, b) in answers.items():
                assert a["answer"] == b["answer"], q
                assert a["citations"] == b["citations"], q
                assert [p["chunk"]["id"] for p in a["passages"]] == [
                    p["chunk"]["id"] for p in b["passages"]
                ], q
            first = answers[Q_FIRMS][0]
            assert "300" in first["answer"] and first["citations"][0]["file"] == "thu_nghiem.txt"

            # -- the shared state is in PostgreSQL ------------------------------------------
            with engine.connect() as con:
                live = con.execute(sa.text("SELECT collection FROM active_index")).scalar_one()
                files = con.execute(
                    sa.text("SELECT file FROM index_documents WHERE collection = :c"), {"c": live}
                ).scalars()
                assert list(files) == ["thu_nghiem.txt"]
                figures = con.execute(
                    sa.text("SELECT row FROM targets WHERE collection = :c ORDER BY position"),
                    {"c": live},
                ).scalars()
                values = {r["value_text"] for r in figures}
                assert {"25%", "90%", "300"} <= values, values

            # -- votes through both replicas, at once: all in PostgreSQL, none lost ----------
            def vote(i: int) -> int:
                url = urls[i % 2]
                body = {
                    "vote": "up" if i % 3 else "down",
                    "question": Q_FIRMS,
                    "answer": first["answer"],
                    "citations": first["citations"],
                    "comment": f"vote-{i}",
                }
                r = httpx.post(f"{url}/api/feedback", json=body, timeout=30)
                assert r.status_code == 201, r.text
                return r.json()["id"]

            n = 2 * VOTES_PER_REPLICA
            with ThreadPoolExecutor(8) as pool:
                ids = list(pool.map(vote, range(n)))
            assert len(set(ids)) == n
            with engine.connect() as con:
                rows = con.execute(sa.text("SELECT comment, source, citations FROM feedback"))
                rows = rows.all()
            assert sorted(r.comment for r in rows) == sorted(f"vote-{i}" for i in range(n))
            assert {r.source for r in rows} == {"api"}
            assert rows[0].citations[0]["file"] == "thu_nghiem.txt"

            # -- re-ingest a changed corpus; questions keep being answered meanwhile --------
            (corpus / "thu_nghiem.txt").write_text(DOC.replace("300", "450"), encoding="utf-8")
            (corpus / "kiem_thu.txt").write_text(SECOND, encoding="utf-8")
            stop_asking = threading.Event()
            seen: list[tuple[int, str]] = []

            def keep_asking() -> None:
                with httpx.Client() as c:
                    while not stop_asking.is_set():
                        r = c.post(f"{urls[0]}/api/ask", json={"question": Q_FIRMS}, timeout=60)
                        seen.append((r.status_code, r.json().get("answer", r.text)))

            asker = threading.Thread(target=keep_asking)
            asker.start()
            try:
                mark("votes checked; re-ingest")
                report = _job(corpus, tmp_path / "job", model_dir, chroma.port, pg.database_url)
                assert report.embedded_files == ["kiem_thu.txt", "thu_nghiem.txt"]
                mark("re-ingest done")
                with engine.connect() as con:
                    new = con.execute(sa.text("SELECT collection FROM active_index")).scalar_one()
                assert new != live

                def switched(url: str) -> bool:
                    return http.get(f"{url}/api/health", timeout=30).json().get("documents") == 2

                for u in urls:
                    _until(lambda u=u: switched(u), 60, f"{u} did not switch to the new index")
                mark("both replicas switched")
            finally:
                stop_asking.set()
                asker.join(timeout=60)
            assert seen and all(status == 200 for status, _ in seen), seen[-3:]
            odd = [a for _, a in seen if "300" not in a and "450" not in a]
            assert not odd, odd
            after = [_ask(http, u, Q_FIRMS) for u in urls]
            assert after[0]["answer"] == after[1]["answer"] and "450" in after[0]["answer"]
            assert "300" not in after[0]["answer"]
            second = [_ask(http, u, Q_DATA_CENTRES) for u in urls]
            assert second[0]["answer"] == second[1]["answer"]
            assert "12 trung tâm" in second[0]["answer"]
            assert second[0]["citations"][0]["file"] == "kiem_thu.txt"
            with engine.connect() as con:
                n_docs = con.execute(
                    sa.text("SELECT count(*) FROM index_documents WHERE collection = :c"),
                    {"c": new},
                ).scalar_one()
                stored = con.execute(
                    sa.text("SELECT count(*) FROM targets WHERE collection = :c"), {"c": new}
                ).scalar_one()
            assert n_docs == 2 and stored > 0
        engine.dispose()
    finally:
        for s in reversed(servers):
            s.stop()
    print(f"\nreplicas test: {time.monotonic() - t0:.1f} s")
