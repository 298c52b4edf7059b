"""The Chroma index: client (embedded or server), the live collection, chunk records.

Ingest writes every build into a fresh collection and then moves a pointer (in the
shared-state database, :mod:`kernel.state`) to it, so a failed or killed ingest never
leaves a half-written index in use: readers follow the pointer to the last complete one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaClientSettings
from chromadb.errors import NotFoundError
from sqlalchemy.exc import SQLAlchemyError

from kernel import state
from kernel.embeddings import ChromaEmbeddingFunction
from kernel.settings import Settings
from kernel.text import fold
from kernel.types import Chunk, FileMeta

log = logging.getLogger(__name__)


class IndexMissing(RuntimeError):
    """No complete index exists yet (or the store cannot be read)."""


@dataclass
class IndexInfo:
    """How the live collection was built: compared on every ingest to detect rebuilds."""

    collection: str
    model: str = ""
    chunker_version: str = ""
    settings_hash: str = ""
    files: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    docs: dict[str, FileMeta] = field(default_factory=dict)  # file name -> metadata
    chunks: int = 0
    built_at: str = ""

    def to_metadata(self) -> dict[str, str | int]:
        return {
            "model": self.model,
            "chunker_version": self.chunker_version,
            "settings_hash": self.settings_hash,
            "files": json.dumps(self.files, ensure_ascii=False, sort_keys=True),
            "chunks": self.chunks,
            "built_at": self.built_at,
            "docs": json.dumps(
                {f: m.model_dump() for f, m in self.docs.items()}, ensure_ascii=False
            ),
        }

    @classmethod
    def from_metadata(cls, name: str, md: dict | None) -> IndexInfo:
        md = md or {}
        return cls(
            collection=name,
            model=str(md.get("model", "")),
            chunker_version=str(md.get("chunker_version", "")),
            settings_hash=str(md.get("settings_hash", "")),
            files=json.loads(str(md.get("files", "{}"))),
            chunks=int(md.get("chunks", 0)),
            built_at=str(md.get("built_at", "")),
            docs={f: FileMeta(**m) for f, m in json.loads(str(md.get("docs", "{}"))).items()},
        )


# SQLite errors that mean the file itself is damaged (not busy, not missing).
_CORRUPT = ("file is not a database", "database disk image is malformed")


def client(settings: Settings, *, recover: bool = False) -> ClientAPI:
    """A Chroma server client when a host is configured, else the embedded store.

    With ``recover`` (ingest only: readers never move files) a corrupt embedded store is
    renamed to ``chroma.corrupt-<time>`` for inspection and a fresh one is opened, so that
    ``python -m ingest`` can rebuild what the error message tells users to rebuild.
    """
    cfg = ChromaClientSettings(anonymized_telemetry=False)
    if settings.chroma.host:
        return chromadb.HttpClient(
            host=settings.chroma.host, port=settings.chroma.port, settings=cfg
        )
    try:
        return _persistent(settings.chroma_dir, cfg)
    except Exception as exc:
        if not (recover and any(m in str(exc) for m in _CORRUPT)):
            raise
        aside = settings.chroma_dir.with_name(
            f"{settings.chroma_dir.name}.corrupt-{datetime.now():%Y%m%d%H%M%S}"
        )
        log.warning(
            "index store %s is corrupt (%s); moved to %s, building a new one",
            settings.chroma_dir,
            exc,
            aside,
        )
        settings.chroma_dir.rename(aside)
    return _persistent(settings.chroma_dir, cfg)


def _persistent(path: Path, cfg: ChromaClientSettings) -> ClientAPI:
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=cfg)
    except Exception:
        # chromadb caches a path's System *before* starting it, so after a failed start
        # every later client of that path in this process got the broken one (AttributeError
        # 'bindings') until a restart, even once the store was rebuilt. Forget it.
        SharedSystemClient._identifier_to_system.pop(str(path), None)
        raise


def _pointer_name(settings: Settings) -> str:
    return f"{settings.chroma.collection_prefix}__current"


def _pointer(cl: ClientAPI, settings: Settings) -> Collection:
    return cl.get_or_create_collection(
        _pointer_name(settings), embedding_function=ChromaEmbeddingFunction(settings)
    )


# -- the index pointer: in the shared-state database (kernel.state) --------------------
# Readers follow the state database's pointer; ingest records a build there (with its
# catalog) when it is complete. The pointer is also mirrored into the metadata of the
# ``<prefix>__current`` collection, where it lived before: an index built by an older
# version is adopted from there on first read, and a lost state database recovers from it.


def current_info(cl: ClientAPI, settings: Settings) -> IndexInfo | None:
    """Description of the live collection, or None when there is none."""
    shared = state.state_store(settings)
    name = shared.active(settings.chroma.collection_prefix)
    recorded = shared.build(name) if name else None
    if not name or recorded is None:
        return _adopt_legacy_pointer(cl, settings)
    try:
        cl.get_collection(name, embedding_function=ChromaEmbeddingFunction(settings))
    except NotFoundError:  # gone from Chroma (data lost, or a state database restored
        log.warning("index pointer names missing collection %s", name)  # from a backup)
        return _adopt_legacy_pointer(cl, settings)  # the mirror may name a newer one
    info, docs = recorded
    return IndexInfo(
        collection=name,
        model=str(info.get("model", "")),
        chunker_version=str(info.get("chunker_version", "")),
        settings_hash=str(info.get("settings_hash", "")),
        files=dict(info.get("files", {})),
        docs={f: FileMeta(**m) for f, m in docs.items()},
        chunks=int(info.get("chunks", 0)),
        built_at=str(info.get("built_at", "")),
    )


def _adopt_legacy_pointer(cl: ClientAPI, settings: Settings) -> IndexInfo | None:
    """The build the Chroma pointer names (indexes made before the state database)."""
    name = (_pointer(cl, settings).metadata or {}).get("current")
    if not name:
        return None
    try:
        col = cl.get_collection(name, embedding_function=ChromaEmbeddingFunction(settings))
    except Exception:  # the pointer names a collection that is gone
        log.warning("index pointer names missing collection %s", name)
        return None
    info = IndexInfo.from_metadata(name, col.metadata)
    _record(settings, info)
    log.info("adopted index %s into the state database", name)
    return info


def _record(settings: Settings, info: IndexInfo) -> None:
    md = info.to_metadata()
    fields = {k: md[k] for k in ("model", "chunker_version", "settings_hash", "built_at")}
    state.state_store(settings).activate(
        settings.chroma.collection_prefix,
        info.collection,
        {**fields, "files": info.files, "chunks": info.chunks},
        {f: m.model_dump() for f, m in info.docs.items()},
    )


def current_collection_name(settings: Settings) -> str | None:
    """The name the index pointer holds (cheap: one small read of the state database)."""
    return state.state_store(settings).active(settings.chroma.collection_prefix)


def set_current(cl: ClientAPI, settings: Settings, name: str) -> None:
    """Switch every reader to the complete collection ``name`` (described by its metadata).

    One transaction of the state database records the build and its catalog and moves the
    pointer; readers on other hosts pick it up on their next check.
    """
    col = cl.get_collection(name, embedding_function=ChromaEmbeddingFunction(settings))
    _record(settings, IndexInfo.from_metadata(name, col.metadata))
    _pointer(cl, settings).modify(metadata={"current": name})  # the mirror


# -- end of the index pointer ---------------------------------------------------------------


def open_collection(cl: ClientAPI, settings: Settings, name: str) -> Collection:
    return cl.get_collection(name, embedding_function=ChromaEmbeddingFunction(settings))


def live_collection(settings: Settings) -> tuple[Collection, IndexInfo]:
    """The collection readers use; raises :class:`IndexMissing` with how to build it."""
    try:
        cl = client(settings)
        info = current_info(cl, settings)
    except SQLAlchemyError as exc:  # the shared-state database is down or unreachable
        raise IndexMissing(
            f"Không đọc được cơ sở dữ liệu trạng thái ({type(exc).__name__}). Kiểm tra máy chủ "
            "PostgreSQL (NQCDS_STATE__DATABASE_URL) rồi thử lại. / "
            "Cannot read the state database."
        ) from exc
    except Exception as exc:  # corrupt directory, server down
        if settings.chroma.host:
            where = f"{settings.chroma.host}:{settings.chroma.port}"
            raise IndexMissing(
                f"Không kết nối được máy chủ Chroma tại {where} ({exc}). Kiểm tra máy chủ "
                "(`chroma run`) rồi thử lại. / Cannot reach the Chroma server."
            ) from exc
        raise IndexMissing(
            f"Không mở được chỉ mục ({exc}). Chạy `python -m ingest` để xây dựng lại. / "
            "Cannot open the index: run `python -m ingest` to rebuild it."
        ) from exc
    if info is None:
        raise IndexMissing(
            "Chưa có chỉ mục. Chạy `python -m ingest` (hoặc `make run`) để xây dựng. / "
            "No index yet: run `python -m ingest`."
        )
    return open_collection(cl, settings, info.collection), info


CHUNK, UNIT, HEADING = "chunk", "unit", "heading"
"""Kinds of record in a collection: a passage, one of its sentence units, a heading path."""


def chunk_metadata(c: Chunk) -> dict[str, str | int]:
    """Flat Chroma metadata of a chunk (lists are stored as JSON)."""
    return {
        "kind": CHUNK,
        "file": c.file,
        "start": c.start,
        "end": c.end,
        "headings": json.dumps(c.headings, ensure_ascii=False),
        "province": c.province,
        "province_folded": fold(c.province),
        "title": c.title,
        "doc_number": c.doc_number,
        "n_tokens": c.n_tokens,
        "index_text": c.index_text,
        "units": json.dumps(c.units, ensure_ascii=False),
        "lead": c.lead,
    }


def chunk_from_record(chunk_id: str, doc: str, md: dict) -> Chunk:
    """Rebuild a :class:`Chunk` from what Chroma stored."""
    return Chunk(
        id=chunk_id,
        file=str(md["file"]),
        start=int(md["start"]),
        end=int(md["end"]),
        text=doc,
        index_text=str(md["index_text"]),
        headings=json.loads(str(md["headings"])),
        province=str(md.get("province", "")),
        title=str(md.get("title", "")),
        doc_number=str(md.get("doc_number", "")),
        n_tokens=int(md.get("n_tokens", 0)),
        units=json.loads(str(md.get("units", "[]"))),
        lead=str(md.get("lead", "")),
    )


def unit_records(c: Chunk) -> list[tuple[str, str, dict[str, str | int]]]:
    """``(id, text to embed, metadata)`` of each unit of a chunk: the unit with its place."""
    where = " › ".join(c.headings[-2:])
    head = "[" + " | ".join(x for x in (c.province, where) if x) + "] "
    return [
        (f"{c.id}.{k}", head + u.text, {"kind": UNIT, "file": c.file, "chunk": c.id, "unit": k})
        for k, u in enumerate(c.units)
    ]


def heading_records(chunks: list[Chunk]) -> list[tuple[str, str, dict[str, str | int]]]:
    """``(id, text to embed, metadata)`` of every distinct heading path of the chunks."""
    out: dict[str, tuple[str, str, dict[str, str | int]]] = {}
    for c in chunks:
        path = json.dumps(c.headings, ensure_ascii=False)
        rid = "h." + hashlib.sha256(f"{c.file}:{path}".encode()).hexdigest()[:24]
        text = " › ".join(([c.province] if c.province else []) + c.headings)
        out.setdefault(rid, (rid, text, {"kind": HEADING, "file": c.file, "path": path}))
    return list(out.values())


@dataclass
class Vectors:
    """Unit and heading vectors of a collection, for scoring every candidate at once."""

    units: dict[tuple[str, int], int]  # (chunk id, unit no.) -> row of ``unit_matrix``
    unit_matrix: np.ndarray
    headings: dict[tuple[str, str], int]  # (file, heading path JSON) -> row
    heading_matrix: np.ndarray


def all_chunks(col: Collection) -> list[Chunk]:
    """Every chunk of a collection, in file and offset order."""
    got = col.get(where={"kind": CHUNK}, include=["documents", "metadatas"])
    chunks = [
        chunk_from_record(i, d, m)
        for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    ]
    return sorted(chunks, key=lambda c: (c.file, c.start))


def all_vectors(col: Collection, dim: int = 384) -> Vectors:
    """The unit and heading vectors of a collection (one read, kept in memory)."""
    units: dict[tuple[str, int], int] = {}
    heads: dict[tuple[str, str], int] = {}
    rows_u: list = []
    rows_h: list = []
    for kind in (UNIT, HEADING):
        got = col.get(where={"kind": kind}, include=["embeddings", "metadatas"])
        for vec, md in zip(got["embeddings"], got["metadatas"], strict=True):
            if kind == UNIT:
                units[(str(md["chunk"]), int(md["unit"]))] = len(rows_u)
                rows_u.append(vec)
            else:
                heads[(str(md["file"]), str(md["path"]))] = len(rows_h)
                rows_h.append(vec)
    as_matrix = lambda rows: np.asarray(rows, dtype=np.float32).reshape(-1, dim)  # noqa: E731
    return Vectors(units, as_matrix(rows_u), heads, as_matrix(rows_h))
