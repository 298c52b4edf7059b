"""Incremental, idempotent ingestion of the corpus into Chroma.

Unchanged files are skipped by content hash, changed files re-chunked and re-embedded,
removed files dropped; a changed model, chunker or chunk settings rebuilds everything.
Each run writes a new collection and switches the index pointer only when it is complete,
and only when the result is worth serving: an ingest that finds no readable document, or
that would drop more than ``settings.ingest.max_removed_share`` of the indexed documents
without ``force``, leaves the live index untouched and says why (``IngestReport.refused``).
One ingest at a time per data directory (a lock file); leftovers of interrupted builds are
removed by the next one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from ingest.chunking import CHUNKER_VERSION, chunk
from ingest.leftovers import IngestBusy, drop_interrupted, drop_orphan_folders, ingest_lock
from ingest.loaders import UnreadableFile, load_text, scan_corpus
from ingest.manifest import load_manifest, meta_for
from kernel import store
from kernel.embeddings import load_embeddings, model_id
from kernel.settings import Settings
from kernel.tokens import get_encoding
from kernel.types import Chunk, FileMeta

log = logging.getLogger(__name__)
_BATCH = 64


@dataclass
class IngestReport:
    """What an ingest did; printed as the closing summary."""

    files: int = 0
    embedded_files: list[str] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # file -> reason
    chunks: int = 0
    tokens: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    unchanged: bool = False
    collection: str = ""
    refused: str = ""  # why the live index was left untouched; empty when it was updated

    def summary(self) -> str:
        if self.refused:
            lines = [f"KHÔNG CẬP NHẬT CHỈ MỤC / INDEX NOT UPDATED: {self.refused}"]
            lines += [f"  LỖI / ERROR {f}: {why}" for f, why in sorted(self.errors.items())]
            return "\n".join(lines)
        lines = [
            f"Tệp: {self.files} · đoạn (chunks): {self.chunks} · tokens: {self.tokens} · "
            f"{self.seconds:.1f} s"
            + (" · không thay đổi (unchanged)" if self.unchanged else "")
            + (" · xây lại toàn bộ (full rebuild)" if self.rebuilt else ""),
            f"  nhúng mới (embedded): {len(self.embedded_files)} · giữ nguyên (kept): "
            f"{len(self.skipped_files)} · xoá (removed): {len(self.removed_files)}",
        ]
        lines += [f"  LỖI / ERROR {f}: {why}" for f, why in sorted(self.errors.items())]
        return "\n".join(lines)


def settings_hash(settings: Settings) -> str:
    """Hash of everything that changes chunk texts or vectors besides the model itself."""
    blob = json.dumps(
        {
            "chunking": settings.chunking.model_dump(),
            "prompts": [settings.embedding.query_prompt, settings.embedding.passage_prompt],
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_corpus(settings: Settings, report: IngestReport) -> dict[str, tuple[str, str]]:
    """file name -> (sha256, text) of every readable corpus file; errors go to the report."""
    out: dict[str, tuple[str, str]] = {}
    limits = settings.ingest
    paths, refused = scan_corpus(settings.corpus_dir, int(limits.max_file_mb * 1_000_000))
    report.errors.update(refused)
    for path in paths:
        try:
            text = load_text(path)
            if len(text) > limits.max_file_chars:
                raise UnreadableFile(
                    path,
                    f"văn bản quá dài ({len(text):,} ký tự, giới hạn {limits.max_file_chars:,}) / "
                    f"text too long ({len(text):,} characters, limit {limits.max_file_chars:,})",
                )
            out[path.name] = (_sha256(path), text)
        except UnreadableFile as exc:
            report.errors[path.name] = exc.reason
            log.warning("skipping %s: %s", path.name, exc.reason)
    return out


def file_metas(settings: Settings, texts: dict[str, str]) -> dict[str, FileMeta]:
    """Metadata of each file: its manifest entry, or what its text says."""
    manifest = load_manifest(settings.manifest_path)
    return {name: meta_for(name, text, manifest) for name, text in texts.items()}


def chunk_corpus(
    settings: Settings, texts: dict[str, str], metas: dict[str, FileMeta] | None = None
) -> dict[str, list[Chunk]]:
    """Chunks of each file (no embedding): used by ingest and tests."""
    metas = metas or file_metas(settings, texts)
    enc = get_encoding(settings.chunking.encoding)
    return {
        name: chunk(text, metas[name], enc, settings.chunking.max_tokens)
        for name, text in texts.items()
    }


def ingest(settings: Settings, *, force: bool = False, progress: bool = True) -> IngestReport:
    """Bring the index up to date with the corpus directory (see the module docstring)."""
    t0 = time.perf_counter()
    report = IngestReport()
    try:
        with ingest_lock(settings):
            _ingest(settings, report, force, progress)
    except IngestBusy as exc:
        report.refused = str(exc)
    report.seconds = time.perf_counter() - t0
    return report


def _ingest(settings: Settings, report: IngestReport, force: bool, progress: bool) -> None:
    if not settings.corpus_dir.is_dir():
        report.refused = (
            f"không tìm thấy thư mục văn bản {settings.corpus_dir} (NQCDS_CORPUS_DIR) / "
            "the corpus folder does not exist"
        )
        return
    corpus = read_corpus(settings, report)
    report.files = len(corpus)
    if not corpus:
        report.refused = (
            f"không có văn bản nào đọc được trong {settings.corpus_dir}; chỉ mục đang dùng "
            "được giữ nguyên / no readable document in the corpus folder; the live index "
            "is kept"
        )
        return
    cl = store.client(settings, recover=True)  # a corrupt store is set aside, rebuilt
    drop_interrupted(cl, settings)
    current = store.current_info(cl, settings)
    wanted = {
        "model": model_id(settings),
        "chunker_version": CHUNKER_VERSION,
        "settings_hash": settings_hash(settings),
    }
    rebuild = force or current is None or any(getattr(current, k) != v for k, v in wanted.items())
    old_files = {} if current is None else current.files
    # A file that cannot be read now but was indexed before keeps its old chunks.
    kept_unreadable = {f for f in report.errors if f in old_files and not rebuild}
    new_hashes = {name: h for name, (h, _) in corpus.items()}
    new_hashes.update({f: old_files[f] for f in kept_unreadable})
    lost = set(old_files) - set(new_hashes)
    share = settings.ingest.max_removed_share
    if not force and old_files and len(lost) > share * len(old_files):
        report.refused = (
            f"lần nạp này sẽ bỏ {len(lost)}/{len(old_files)} văn bản đang có trong chỉ mục "
            f"(quá {share:.0%}); chỉ mục được giữ nguyên. Nếu đúng là muốn bỏ, chạy lại với "
            f"--force / this ingest would drop {len(lost)} of {len(old_files)} indexed "
            "documents; the live index is kept. Run with --force if that is intended"
        )
        report.removed_files = sorted(lost)
        return
    if not rebuild and new_hashes == old_files:
        report.unchanged = True
        report.skipped_files = sorted(new_hashes)
        report.chunks = current.chunks
        report.collection = current.collection
        drop_orphan_folders(settings)
        return

    report.rebuilt = rebuild
    keep = set() if rebuild else {f for f, h in new_hashes.items() if old_files.get(f) == h}
    todo = sorted(f for f in corpus if f not in keep)
    report.skipped_files = sorted(keep)
    report.embedded_files = todo
    report.removed_files = sorted(set(old_files) - set(new_hashes))

    stamp = f"{datetime.now(UTC):%Y%m%d%H%M%S}_{uuid.uuid4().hex[:6]}"
    name = f"{settings.chroma.collection_prefix}_{stamp}"
    col = cl.create_collection(
        name,
        embedding_function=store.ChromaEmbeddingFunction(settings),
        configuration={"hnsw": {"space": "cosine"}},
        metadata={"state": "building"},
    )
    try:
        copied = _copy_unchanged(cl, settings, current, col, keep)
        metas = file_metas(settings, {f: t for f, (_, t) in corpus.items()})
        if current is not None:  # unreadable now, indexed before: keep its description
            metas.update({f: current.docs[f] for f in kept_unreadable if f in current.docs})
        chunks = chunk_corpus(settings, {f: corpus[f][1] for f in todo}, metas)
        new_chunks = [c for f in todo for c in chunks[f]]
        _embed_into(settings, col, new_chunks, progress)
        report.chunks = copied + len(new_chunks)
        report.tokens = sum(c.n_tokens for c in new_chunks)
        info = store.IndexInfo(
            collection=name,
            files=new_hashes,
            docs=metas,
            chunks=report.chunks,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            **wanted,
        )
        col.modify(metadata=info.to_metadata())
        store.set_current(cl, settings, name)
    except BaseException:
        cl.delete_collection(name)  # the previous index keeps serving
        raise
    _drop_stale(cl, settings, keep={name, current.collection if current else name})
    drop_orphan_folders(settings)
    report.collection = name


def _copy_unchanged(cl, settings: Settings, current, col, keep: set[str]) -> int:
    """Copy the records (with their vectors) of unchanged files into the new collection;
    returns how many of them are chunks."""
    if current is None or not keep:
        return 0
    old = store.open_collection(cl, settings, current.collection)
    got = old.get(
        where={"file": {"$in": sorted(keep)}}, include=["embeddings", "documents", "metadatas"]
    )
    for i in range(0, len(got["ids"]), _BATCH):
        col.add(
            ids=got["ids"][i : i + _BATCH],
            embeddings=got["embeddings"][i : i + _BATCH],
            documents=got["documents"][i : i + _BATCH],
            metadatas=got["metadatas"][i : i + _BATCH],
        )
    return sum(1 for md in got["metadatas"] if md.get("kind") == store.CHUNK)


def _embed_into(settings: Settings, col, chunks: list[Chunk], progress: bool) -> None:
    """Embed and add the chunks, each of their units and each distinct heading path.

    Units and headings are records of their own (``kind`` in the metadata), so the answerer
    scores every sentence against the question directly, not only through its passage.
    """
    if not chunks:
        return
    records = [(c.id, c.index_text, c.text, store.chunk_metadata(c)) for c in chunks]
    for c in chunks:
        records += [(i, t, t, md) for i, t, md in store.unit_records(c)]
    records += [(i, t, t, md) for i, t, md in store.heading_records(chunks)]
    # Similar lengths in a batch waste least on padding.
    records.sort(key=lambda r: len(r[1]))
    emb = load_embeddings(settings)
    bar = tqdm(total=len(records), desc="Nhúng (embedding)", unit="câu", disable=not progress)
    for i in range(0, len(records), _BATCH):
        batch = records[i : i + _BATCH]
        vectors = emb.embed_documents([r[1] for r in batch])
        col.add(
            ids=[r[0] for r in batch],
            embeddings=vectors,
            documents=[r[2] for r in batch],
            metadatas=[r[3] for r in batch],
        )
        bar.update(len(batch))
    bar.close()


def _drop_stale(cl, settings: Settings, keep: set[str]) -> None:
    """Delete collections of older or interrupted builds.

    The build that was live until now is kept: a running app still reading it keeps
    answering until it notices the pointer moved; the next ingest deletes it.
    """
    prefix = settings.chroma.collection_prefix + "_"
    for c in cl.list_collections():
        cname = c if isinstance(c, str) else c.name
        if cname.startswith(prefix) and cname not in keep and not cname.endswith("__current"):
            cl.delete_collection(cname)
