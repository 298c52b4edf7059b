"""Ingest under faults: killed mid-way, missing or corrupt index, unreadable corpus files.

The promise being tested: whatever happens to an ingest, readers keep the last complete
index, and ``python -m ingest`` (the fix every error message names) gets things back.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.chain import Assistant
from ingest.pipeline import ingest
from kernel import store
from kernel.settings import Settings
from kernel.store import IndexMissing

ROOT = Path(__file__).resolve().parents[1]
KNOWN_Q = "Đến năm 2030, Hải Dương phấn đấu có bao nhiêu doanh nghiệp công nghệ số?"

# A tiny but well-formed resolution: a few chunks, so that building an index takes ~1 s.
TINY_DOC = """TỈNH ỦY CAO BẰNG
ĐẢNG CỘNG SẢN VIỆT NAM

Số: 99-NQ/TU

NGHỊ QUYẾT
về chuyển đổi số tỉnh Cao Bằng đến năm 2025

I. MỤC TIÊU

1. Mục tiêu đến năm 2025

- Kinh tế số chiếm 25% tổng sản phẩm trên địa bàn (GRDP);
- 90% hộ gia đình được phủ cáp quang;
- Phấn đấu có trên 300 doanh nghiệp công nghệ số.

II. NHIỆM VỤ

1. Phát triển hạ tầng số, phủ sóng di động 5G tại các khu công nghiệp.
"""
TINY_Q = "Tỉnh Cao Bằng phấn đấu có bao nhiêu doanh nghiệp công nghệ số?"


def _answers_tiny(ans) -> None:
    """The tiny document's own figure, cited from it: the index really serves answers."""
    assert not ans.refused and "300" in ans.answer, ans.answer
    assert ans.citations and ans.citations[0].file == "tiny.txt"
    assert "300 doanh nghiệp công nghệ số" in ans.citations[0].sentence


def _names(settings: Settings) -> set[str]:
    cl = store.client(settings)
    return {c if isinstance(c, str) else c.name for c in cl.list_collections()}


def _one_collection_and_pointer(settings: Settings) -> None:
    """The pointer, the live collection and at most the build live before it (kept for
    readers still on it); nothing half-built survives a completed ingest."""
    info = store.current_info(store.client(settings), settings)
    assert info is not None
    names = _names(settings)
    assert {f"{settings.chroma.collection_prefix}__current", info.collection} <= names
    assert len(names) <= 3, names


def _settings(data: Path, corpus: Path, model_dir: Path) -> Settings:
    return Settings(data_dir=data, corpus_dir=corpus, embedding={"model": str(model_dir)})


def _tiny_corpus(path: Path, **extra: bytes) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "tiny.txt").write_text(TINY_DOC, encoding="utf-8")
    for name, data in extra.items():
        (path / name.replace("__", ".")).write_bytes(data)
    return path


# -- (a) SIGKILL in the middle of an ingest -------------------------------------------------


def test_killed_ingest_leaves_previous_index_serving(
    index_settings: Settings, assistant: Assistant, model_dir: Path, tmp_path: Path
) -> None:
    # A data dir with a complete index (a copy of the session's) and its corpus.
    data, corpus = tmp_path / "data", tmp_path / "corpus"
    shutil.copytree(index_settings.data_dir, data)
    shutil.copytree(index_settings.corpus_dir, corpus)
    for f in corpus.iterdir():
        f.chmod(0o644)  # the checked-in corpus is read-only
    settings = _settings(data, corpus, model_dir)
    # Read from the original: this process opens the copy only after the kill, like an app
    # started after a crash (chromadb keeps one cached store per path and process).
    before = store.current_info(store.client(index_settings), index_settings)
    assert before is not None

    # A new file, so that the ingest after the kill has something to embed.
    (corpus / "zz_tiny.txt").write_text(TINY_DOC, encoding="utf-8")
    env = {
        **os.environ,
        "NQCDS_DATA_DIR": str(data),
        "NQCDS_CORPUS_DIR": str(corpus),
        "NQCDS_EMBEDDING__MODEL": str(model_dir),
        "NQCDS_EMBEDDING__THREADS": "1",  # it is killed anyway: leave the CPU to others
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    err_path = tmp_path / "ingest.stderr"
    with err_path.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ingest", "--force"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 180
        while "Nhúng" not in err_path.read_text(encoding="utf-8", errors="replace"):
            assert proc.poll() is None, f"ingest ended early: {err_path.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "ingest never started embedding"
            time.sleep(0.2)
        time.sleep(1.0)  # inside the embedding loop, new collection half-written
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)

    # The half-built collection is there, but readers still follow the pointer to the old one.
    after = store.current_info(store.client(settings), settings)
    assert after is not None and after.collection == before.collection
    leftovers = _names(settings) - {before.collection, "nqcds__current"}
    assert len(leftovers) == 1, leftovers
    served = Assistant(settings)
    assert len(served.corpus.chunks) == before.chunks
    a, b = assistant.ask(KNOWN_Q), served.ask(KNOWN_Q)
    assert b.answer == a.answer and not b.refused
    assert [c.model_dump() for c in b.citations] == [c.model_dump() for c in a.citations]

    # The next ingest completes: only the new file is embedded, the leftover is dropped.
    report = ingest(settings, progress=False)
    assert report.embedded_files == ["zz_tiny.txt"] and not report.rebuilt, report.summary()
    assert len(report.skipped_files) == len(before.files)
    _one_collection_and_pointer(settings)
    assert Assistant(settings).ask(KNOWN_Q).citations


# -- (b) missing or corrupt index ---------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Settings:
    """A complete index of the one-document corpus (to copy, then damage)."""
    base = tmp_path_factory.mktemp("tiny")
    settings = _settings(base / "data", _tiny_corpus(base / "corpus"), model_dir)
    assert ingest(settings, progress=False).chunks > 0
    return settings


def test_missing_index_says_how_to_build_it(tiny_index: Settings, tmp_path: Path) -> None:
    settings = tiny_index.model_copy(update={"data_dir": tmp_path / "never_built"})
    with pytest.raises(IndexMissing, match=r"python -m ingest"):
        Assistant(settings)
    report = ingest(settings, progress=False)
    assert report.rebuilt and report.chunks > 0
    _answers_tiny(Assistant(settings).ask(TINY_Q))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_index_says_how_to_rebuild_and_ingest_rebuilds(
    tiny_index: Settings, tmp_path: Path, damage: str
) -> None:
    # A copy this process never opened: chromadb caches open stores per path.
    data = tmp_path / "data"
    shutil.copytree(tiny_index.data_dir, data)
    settings = tiny_index.model_copy(update={"data_dir": data})
    db = settings.chroma_dir / "chroma.sqlite3"
    raw = db.read_bytes()
    if damage == "garbage":
        db.write_bytes(os.urandom(len(raw)))
    elif damage == "truncated":
        db.write_bytes(raw[: len(raw) // 2])
    else:
        db.write_bytes(b"")

    with pytest.raises(IndexMissing, match=r"python -m ingest") as exc:
        Assistant(settings)
    assert "rebuild" in str(exc.value) or "No index" in str(exc.value)
    with pytest.raises(IndexMissing):  # twice in one process: still a clear message
        Assistant(settings)

    report = ingest(settings, progress=False)
    assert report.rebuilt and report.chunks > 0 and not report.errors
    if damage != "empty":  # an empty file is a valid empty database, nothing to set aside
        assert list(data.glob("chroma.corrupt-*")), "the damaged store is kept for inspection"
    _one_collection_and_pointer(settings)
    _answers_tiny(Assistant(settings).ask(TINY_Q))


def test_running_assistant_survives_a_reingest(tiny_index: Settings, tmp_path: Path) -> None:
    shutil.copytree(tiny_index.data_dir, tmp_path / "data")
    shutil.copytree(tiny_index.corpus_dir, tmp_path / "corpus")
    settings = tiny_index.model_copy(
        update={"data_dir": tmp_path / "data", "corpus_dir": tmp_path / "corpus"}
    )
    running = Assistant(settings)  # the app, loaded before the re-ingest
    _answers_tiny(running.ask(TINY_Q))
    (tmp_path / "corpus" / "tiny2.txt").write_text(TINY_DOC.replace("300", "400"), "utf-8")
    assert ingest(settings, progress=False).embedded_files == ["tiny2.txt"]
    _answers_tiny(running.ask(TINY_Q))  # still answers, from the index it loaded
    assert {c.file for c in Assistant(settings).corpus.chunks} == {"tiny.txt", "tiny2.txt"}


# -- (c) unreadable corpus files ----------------------------------------------------------


def test_bad_files_are_reported_and_the_rest_indexed(model_dir: Path, tmp_path: Path) -> None:
    corpus = _tiny_corpus(
        tmp_path / "corpus",
        empty__txt=b"",
        binary__txt=b"\x00\x01\x02PK\x03\x04" * 50,
        latin1__txt="Nghị quyết về chuyển đổi số".encode("cp1258", errors="replace")
        + b" \xe9\xe8\xff caf\xe9",
    )
    settings = _settings(tmp_path / "data", corpus, model_dir)
    report = ingest(settings, progress=False)

    assert set(report.errors) == {"empty.txt", "binary.txt", "latin1.txt"}
    assert "empty" in report.errors["empty.txt"]
    assert "binary" in report.errors["binary.txt"]
    assert "UTF-8" in report.errors["latin1.txt"]
    assert report.embedded_files == ["tiny.txt"] and report.chunks > 0
    summary = report.summary()
    for name, why in report.errors.items():
        assert f"{name}: {why}" in summary  # what `python -m ingest` prints
    info = store.current_info(store.client(settings), settings)
    assert set(info.files) == {"tiny.txt"}

    # tiny.txt becomes unreadable (someone saves it as Windows-1258) while another file
    # arrives: the new index is built, and tiny.txt keeps its old chunks.
    old_ids = _chunk_ids(settings, "tiny.txt")
    (corpus / "tiny.txt").write_bytes(TINY_DOC.encode("utf-16"))
    (corpus / "tiny2.txt").write_text(TINY_DOC.replace("300", "400"), encoding="utf-8")
    report = ingest(settings, progress=False)
    assert "tiny.txt" in report.errors and "UTF-8" in report.errors["tiny.txt"]
    assert report.embedded_files == ["tiny2.txt"], report.summary()
    assert "tiny.txt" in report.skipped_files and "tiny.txt" not in report.removed_files
    assert _chunk_ids(settings, "tiny.txt") == old_ids
    info = store.current_info(store.client(settings), settings)
    assert set(info.files) == {"tiny.txt", "tiny2.txt"} and "tiny.txt" in info.docs
    _one_collection_and_pointer(settings)

    # Unchanged since: a further run changes nothing and still names the bad file.
    report = ingest(settings, progress=False)
    assert report.unchanged and "tiny.txt" in report.errors
    assert _chunk_ids(settings, "tiny.txt") == old_ids


def _chunk_ids(settings: Settings, file: str) -> list[str]:
    col, _ = store.live_collection(settings)
    return sorted(col.get(where={"file": file}, include=[])["ids"])
