"""Server mode: the index in a real ``chroma run`` process answers like the embedded one.

A full ingest embeds the whole corpus (~1.5 min on 2 cores). To stay fast the server is
seeded with the session index minus its smallest file, so ``ingest`` runs for real
against the server (reads its pointer, creates a collection, copies the unchanged
records with their vectors, embeds the missing file, flips the pointer, drops the seed).
Set ``NQCDS_TEST_FULL_SERVER_INGEST=1`` to embed everything from scratch instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.chain import Assistant
from ingest.pipeline import ingest
from kernel import store
from kernel.settings import Settings

from .processes import stop

CHROMA_BIN = Path(sys.executable).parent / "chroma"
FULL_INGEST = os.environ.get("NQCDS_TEST_FULL_SERVER_INGEST") == "1"

QUESTIONS = [
    "Đến năm 2030, Hải Dương phấn đấu có bao nhiêu doanh nghiệp công nghệ số?",
    "Hai Duong muon lot vao nhom bao nhieu tinh dan dau ve chuyen doi so vao nam 2030?",
    "What share of online public services must be offered at level 4 in Khánh Hòa by 2025?",
    "Tỷ lệ thôn, bản của Thanh Hóa được phủ sóng băng thông rộng hiện đạt bao nhiêu?",
    "Đến 2030, tỷ trọng kinh tế số trong GRDP mà Khánh Hòa và Quảng Ngãi đặt ra chênh nhau "
    "bao nhiêu?",
    "Ai ký Nghị quyết 16-NQ/TU về chuyển đổi số của Tỉnh ủy Khánh Hòa?",
    "Thành phố Hồ Chí Minh đặt mục tiêu bao nhiêu phần trăm dịch vụ công trực tuyến toàn trình?",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A ``chroma run`` server on a free loopback port, stopped (killed if need be) after."""
    if not CHROMA_BIN.exists():
        pytest.skip(f"{CHROMA_BIN} not installed")
    work = tmp_path_factory.mktemp("chroma_server")
    port = _free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with (work / "server.log").open("wb") as log:  # a file: a full pipe would block it
        proc = subprocess.Popen(
            [
                str(CHROMA_BIN),
                "run",
                "--path",
                str(work / "db"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 30
        while True:  # bounded wait for the heartbeat
            if proc.poll() is not None:
                pytest.fail(f"chroma exited: {(work / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chroma server did not answer its heartbeat within 30 s")
            time.sleep(0.1)
        yield port
    finally:
        stop(proc)


def _seed_without_smallest_file(index_settings: Settings, server: Settings) -> str:
    """Copy the session index, minus its smallest file, into the server; return that file."""
    src = store.client(index_settings)
    info = store.current_info(src, index_settings)
    assert info is not None
    left_out = min(info.files, key=lambda f: (index_settings.corpus_dir / f).stat().st_size)
    got = store.open_collection(src, index_settings, info.collection).get(
        where={"file": {"$ne": left_out}}, include=["embeddings", "documents", "metadatas"]
    )
    seed = store.IndexInfo(
        collection=f"{server.chroma.collection_prefix}_seed",
        model=info.model,
        chunker_version=info.chunker_version,
        settings_hash=info.settings_hash,
        files={f: h for f, h in info.files.items() if f != left_out},
        docs={f: m for f, m in info.docs.items() if f != left_out},
        chunks=len(got["ids"]),
        built_at=info.built_at,
    )
    dst = store.client(server)
    col = dst.create_collection(
        seed.collection,
        embedding_function=store.ChromaEmbeddingFunction(server),
        configuration={"hnsw": {"space": "cosine"}},
        metadata=seed.to_metadata(),
    )
    for i in range(0, len(got["ids"]), 64):
        col.add(
            ids=got["ids"][i : i + 64],
            embeddings=got["embeddings"][i : i + 64],
            documents=got["documents"][i : i + 64],
            metadatas=got["metadatas"][i : i + 64],
        )
    store.set_current(dst, server, seed.collection)
    return left_out


@pytest.fixture(scope="module")
def server_settings(index_settings: Settings, chroma_port: int, tmp_path_factory) -> Settings:
    """Settings of an index in the Chroma server, brought up to date by ``ingest``."""
    server = Settings(
        data_dir=tmp_path_factory.mktemp("server_data"),
        corpus_dir=index_settings.corpus_dir,
        embedding=index_settings.embedding,
        chroma={"host": "127.0.0.1", "port": chroma_port},
    )
    left_out = None if FULL_INGEST else _seed_without_smallest_file(index_settings, server)
    report = ingest(server, progress=False)
    assert not report.errors, report.summary()
    if left_out:
        assert report.embedded_files == [left_out] and not report.rebuilt, report.summary()
        assert left_out not in report.skipped_files and len(report.skipped_files) >= 1
    # Nothing was written to the embedded store of this data dir.
    assert not server.chroma_dir.exists()
    return server


def test_ingest_leaves_one_collection_and_pointer(server_settings: Settings) -> None:
    cl = store.client(server_settings)
    names = {c if isinstance(c, str) else c.name for c in cl.list_collections()}
    info = store.current_info(cl, server_settings)
    assert info is not None
    # The seed build live before the ingest may remain (kept for readers still on it).
    assert {f"{server_settings.chroma.collection_prefix}__current", info.collection} <= names
    assert len(names) <= 3, names


def test_second_ingest_is_a_no_op(server_settings: Settings) -> None:
    report = ingest(server_settings, progress=False)
    assert report.unchanged and report.embedded_files == []


def test_server_index_answers_like_the_embedded_index(
    server_settings: Settings, assistant: Assistant
) -> None:
    served = Assistant(server_settings)
    assert len(served.corpus.chunks) == len(assistant.corpus.chunks)
    assert {c.id for c in served.corpus.chunks} == {c.id for c in assistant.corpus.chunks}
    for q in QUESTIONS:
        a, b = assistant.ask(q), served.ask(q)
        assert b.answer == a.answer, q
        assert b.refused == a.refused, q
        assert [c.model_dump() for c in b.citations] == [c.model_dump() for c in a.citations], q
        assert [p.chunk.id for p in b.passages] == [p.chunk.id for p in a.passages], q


def test_server_down_is_index_missing(server_settings: Settings) -> None:
    """A configured but unreachable server is reported as such, with where it was looked for."""
    down = server_settings.model_copy(
        update={"chroma": server_settings.chroma.model_copy(update={"port": _free_port()})}
    )
    with pytest.raises(store.IndexMissing, match="máy chủ Chroma"):
        store.live_collection(down)
