"""Incremental, idempotent ingestion into a real Chroma with the real embedding model."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import ingest
from kernel import store
from kernel.settings import Settings

HD = """NGHỊ QUYẾT về chuyển đổi số tỉnh Hải Dương

I. MỤC TIÊU

1. Mục tiêu đến năm 2025

- Kinh tế số chiếm 20% tổng sản phẩm trên địa bàn (GRDP);
- Phấn đấu có trên 700 doanh nghiệp công nghệ số;

T/M TỈNH ỦY
BÍ THƯ

Phạm Xuân Thăng
"""
QN = """NGHỊ QUYẾT về chuyển đổi số tỉnh Quảng Ngãi

I. MỤC TIÊU

1. Mục tiêu đến năm 2030

- Trên 70% dân số trưởng thành có chữ ký số hoặc chữ ký điện tử cá nhân.
"""


@pytest.fixture
def small(tmp_path: Path, model_dir: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hd.txt").write_text(HD, encoding="utf-8")
    (corpus / "qn.md").write_text(QN, encoding="utf-8")
    return Settings(
        corpus_dir=corpus, data_dir=tmp_path / "data", embedding={"model": str(model_dir)}
    )


def _data_collections(settings: Settings) -> list[str]:
    cl = store.client(settings)
    prefix = settings.chroma.collection_prefix + "_"
    pointer = settings.chroma.collection_prefix + "__current"
    return [
        c.name for c in cl.list_collections() if c.name.startswith(prefix) and c.name != pointer
    ]


def test_incremental_ingest(small: Settings):
    first = ingest(small, progress=False)
    assert first.rebuilt and first.embedded_files == ["hd.txt", "qn.md"] and first.chunks >= 2
    col, info = store.live_collection(small)
    assert info.docs["hd.txt"].province == "Hải Dương"  # detected: no manifest entry
    # The collection uses the project's embedding function, never Chroma's default.
    assert col._embedding_function.name() == "nqcds-sentence-transformers"

    again = ingest(small, progress=False)
    assert again.unchanged and again.collection == first.collection

    (small.corpus_dir / "qn.md").write_text(QN.replace("70%", "75%"), encoding="utf-8")
    changed = ingest(small, progress=False)
    assert changed.embedded_files == ["qn.md"] and changed.skipped_files == ["hd.txt"]
    col, _ = store.live_collection(small)
    texts = col.get(where={"file": "qn.md"})["documents"]
    assert any("75%" in t for t in texts) and not any("70%" in t for t in texts)

    (small.corpus_dir / "qn.md").unlink()
    removed = ingest(small, progress=False)
    assert removed.removed_files == ["qn.md"]
    col, _ = store.live_collection(small)
    assert set(m["file"] for m in col.get()["metadatas"]) == {"hd.txt"}
    # Older builds are dropped; the one live just before is kept for readers still on it.
    live = store.current_info(store.client(small), small).collection
    assert live in _data_collections(small) and len(_data_collections(small)) == 2


def test_changed_chunk_settings_rebuild(small: Settings):
    ingest(small, progress=False)
    smaller = small.model_copy(
        update={"chunking": small.chunking.model_copy(update={"max_tokens": 60})}
    )
    report = ingest(smaller, progress=False)
    assert report.rebuilt and report.embedded_files == ["hd.txt", "qn.md"]


def test_bad_files_are_reported_and_the_rest_ingests(small: Settings):
    (small.corpus_dir / "empty.txt").write_text("", encoding="utf-8")
    (small.corpus_dir / "binary.txt").write_bytes(b"\x00\x01\x02abc")
    (small.corpus_dir / "latin1.txt").write_bytes("Quảng Ngãi".encode("utf-16"))
    report = ingest(small, progress=False)
    assert set(report.errors) == {"empty.txt", "binary.txt", "latin1.txt"}
    assert all(report.errors.values())
    assert report.embedded_files == ["hd.txt", "qn.md"]
    assert "LỖI" in report.summary() and "empty.txt" in report.summary()


def test_missing_index_says_how_to_build(tmp_path: Path):
    with pytest.raises(store.IndexMissing, match="python -m ingest"):
        store.live_collection(Settings(data_dir=tmp_path / "nothing"))
