"""What an ingest refuses to do to the live index, and what it cleans up (issue 14, 1 and 4–6).

Real ingests of a tiny corpus into a real embedded Chroma; the command-line cases run
``python -m ingest`` as users do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from assistant.chain import Assistant
from ingest.pipeline import ingest
from kernel import store
from kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# Real provinces (a made-up one is not recognised as a province, and the answerer weighs
# the province a question names).
PROVINCES = ("Cao Bằng", "Bắc Kạn", "Lai Châu", "Điện Biên", "Hà Giang", "Sơn La")
DOC = """NGHỊ QUYẾT về chuyển đổi số tỉnh {province}

I. MỤC TIÊU

1. Mục tiêu đến năm 2025

- Phấn đấu có trên {n}00 doanh nghiệp công nghệ số.
"""
QUESTION = "Tỉnh Cao Bằng phấn đấu có bao nhiêu doanh nghiệp công nghệ số?"


def _settings(tmp_path: Path, model_dir: Path, **kw) -> Settings:
    return Settings(
        corpus_dir=tmp_path / "corpus",
        data_dir=tmp_path / "data",
        embedding={"model": str(model_dir)},
        **kw,
    )


def _doc(n: int) -> str:
    return DOC.format(n=n, province=PROVINCES[n - 1])


def _corpus(tmp_path: Path, n: int = 3) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    for i in range(1, n + 1):
        (corpus / f"doc{i}.txt").write_text(_doc(i), encoding="utf-8")
    return corpus


def _collections(settings: Settings) -> set[str]:
    return {c.name for c in store.client(settings).list_collections()}


def _live(settings: Settings) -> store.IndexInfo:
    info = store.current_info(store.client(settings), settings)
    assert info is not None
    return info


def _cli(settings: Settings, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "NQCDS_DATA_DIR": str(settings.data_dir),
        "NQCDS_CORPUS_DIR": str(settings.corpus_dir),
        "NQCDS_EMBEDDING__MODEL": settings.embedding.model,
        "NQCDS_EMBEDDING__THREADS": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "ingest", "--quiet", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def built(tmp_path: Path, model_dir: Path) -> Settings:
    """Three tiny documents, indexed."""
    _corpus(tmp_path)
    settings = _settings(tmp_path, model_dir)
    report = ingest(settings, progress=False)
    assert report.chunks > 0, report.summary()
    return settings


# -- 1. an empty corpus, or one that lost most of its documents, never replaces the index --


@pytest.mark.parametrize("how", ["empty", "unreadable"])
def test_no_readable_document_leaves_the_live_index(built: Settings, how: str) -> None:
    before, names = _live(built), _collections(built)
    for f in built.corpus_dir.iterdir():
        if how == "empty":
            f.unlink()
        else:
            f.write_bytes(b"\x00\x01 binary")
    report = ingest(built, progress=False)
    assert report.refused and "no readable document" in report.refused, report.summary()
    assert _live(built).collection == before.collection
    assert _collections(built) == names  # nothing written, nothing dropped
    ans = Assistant(built).ask(QUESTION)
    assert not ans.refused and "100" in ans.answer


def test_first_ingest_of_an_empty_folder_creates_no_index(tmp_path: Path, model_dir) -> None:
    (tmp_path / "corpus").mkdir()
    settings = _settings(tmp_path, model_dir)
    done = _cli(settings)
    assert done.returncode == 1
    assert "no readable document" in done.stderr and "Traceback" not in done.stderr
    assert store.current_info(store.client(settings), settings) is None
    assert not [n for n in _collections(settings) if not n.endswith("__current")]


def test_losing_most_documents_needs_force(built: Settings) -> None:
    before = _live(built)
    (built.corpus_dir / "doc2.txt").unlink()
    (built.corpus_dir / "doc3.txt").unlink()
    report = ingest(built, progress=False)
    assert report.refused and "--force" in report.refused
    assert report.removed_files == ["doc2.txt", "doc3.txt"]
    assert _live(built).collection == before.collection
    assert set(_live(built).files) == {"doc1.txt", "doc2.txt", "doc3.txt"}

    report = ingest(built, force=True, progress=False)
    assert not report.refused and set(_live(built).files) == {"doc1.txt"}


def test_losing_a_few_documents_is_normal(built: Settings) -> None:
    (built.corpus_dir / "doc3.txt").unlink()  # 1 of 3: under the default share of 0.5
    report = ingest(built, progress=False)
    assert not report.refused and report.removed_files == ["doc3.txt"]
    assert set(_live(built).files) == {"doc1.txt", "doc2.txt"}


# -- 4. leftovers of interrupted builds; two ingests at once -------------------------------


def _segment_folders(settings: Settings) -> set[str]:
    return {p.name for p in settings.chroma_dir.iterdir() if p.is_dir()}


def test_next_ingest_removes_interrupted_builds_and_orphan_folders(built: Settings) -> None:
    # What a killed ingest leaves: a collection still marked "building", with vectors.
    cl = store.client(built)
    live = _live(built)
    old = store.open_collection(cl, built, live.collection)
    got = old.get(include=["embeddings", "documents", "metadatas"])
    half = cl.create_collection(
        f"{built.chroma.collection_prefix}_20000101000000_dead00", metadata={"state": "building"}
    )
    half.add(
        ids=got["ids"],
        embeddings=got["embeddings"],
        documents=got["documents"],
        metadatas=got["metadatas"],
    )
    # Two more real builds: each deletes an older collection (chromadb keeps its folder).
    for i in (4, 5):
        (built.corpus_dir / f"doc{i}.txt").write_text(_doc(i), encoding="utf-8")
        assert not ingest(built, progress=False).refused

    report = ingest(built, progress=False)  # nothing changed in the corpus
    assert report.unchanged
    names = _collections(built)
    assert half.name not in names
    assert len(names) <= 3, names  # pointer, live build, the build live before it
    # Every vector folder left belongs to a collection that still exists.
    cl = store.client(built)
    in_use = set()
    for name in names:
        col = cl.get_collection(name)
        if col.count():
            in_use.add(name)
    assert len(_segment_folders(built)) <= len(in_use), (_segment_folders(built), names)
    ans = Assistant(built).ask(QUESTION)
    assert not ans.refused and "100" in ans.answer


def test_second_ingest_at_once_exits_with_a_sentence(built: Settings) -> None:
    (built.corpus_dir / "doc4.txt").write_text(_doc(4), encoding="utf-8")
    before = _live(built)
    with FileLock(built.data_dir / "ingest.lock"):  # an ingest in progress elsewhere
        done = _cli(built)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "another ingest is running" in done.stderr
        assert "Traceback" not in done.stderr
        assert ingest(built, progress=False).refused
    assert _live(built).collection == before.collection
    assert not ingest(built, progress=False).refused  # once it is free, it runs


# -- 5. links out of the corpus folder ------------------------------------------------------


def test_links_leaving_the_corpus_are_not_followed(tmp_path: Path, model_dir: Path) -> None:
    corpus = _corpus(tmp_path, n=1)
    secret = tmp_path / "secret.txt"
    secret.write_text("mật khẩu quản trị: hunter2-outside-corpus", encoding="utf-8")
    (corpus / "secret.txt").symlink_to(secret)
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "same.txt").symlink_to(corpus / "doc1.txt")  # inside the folder: fine
    settings = _settings(tmp_path, model_dir)
    report = ingest(settings, progress=False)
    assert set(report.errors) == {"secret.txt", "passwd.txt"}
    assert all("outside the corpus folder" in why for why in report.errors.values())
    assert set(_live(settings).files) == {"doc1.txt", "same.txt"}
    texts = " ".join(c.text for c in Assistant(settings).corpus.chunks)
    assert "hunter2" not in texts and "root:" not in texts


# -- 6. size caps, a missing folder, unsupported formats ------------------------------------


def test_size_caps_are_per_file_errors(tmp_path: Path, model_dir: Path) -> None:
    corpus = _corpus(tmp_path, n=1)
    (corpus / "huge.txt").write_text("Chuyển đổi số. " * 20_000, encoding="utf-8")  # ~340 kB
    (corpus / "long.md").write_text("Kinh tế số. " * 3_000, encoding="utf-8")  # 36,000 chars
    settings = _settings(tmp_path, model_dir, ingest={"max_file_mb": 0.1, "max_file_chars": 30_000})
    report = ingest(settings, progress=False)
    assert "file too large" in report.errors["huge.txt"]
    assert "0.1 MB" in report.errors["huge.txt"]
    assert "text too long" in report.errors["long.md"] and "30,000" in report.errors["long.md"]
    assert set(_live(settings).files) == {"doc1.txt"}
    assert "huge.txt: " in report.summary()


def test_doc_file_is_listed_among_the_errors(tmp_path: Path, model_dir: Path) -> None:
    corpus = _corpus(tmp_path, n=1)
    (corpus / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" * 10)
    report = ingest(_settings(tmp_path, model_dir), progress=False)
    assert report.errors == {"old.doc": "định dạng không hỗ trợ / unsupported format .doc"}
    assert "old.doc: " in report.summary()


def test_missing_corpus_folder_is_a_sentence(tmp_path: Path, model_dir: Path) -> None:
    settings = _settings(tmp_path, model_dir)  # corpus/ never created
    report = ingest(settings, progress=False)
    assert "corpus folder does not exist" in report.refused
    done = _cli(settings)
    assert done.returncode == 1
    assert "corpus folder does not exist" in done.stderr and "Traceback" not in done.stderr
