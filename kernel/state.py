"""The state every process of a deployment shares, in one SQL database (SQLAlchemy).

What lives here, besides the vectors (Chroma): the active-index pointer of each collection
prefix, the description and document catalog of every recorded index build, the targets
table of an index, and the feedback officials give. A SQLite file under the data directory
by default (one machine, any number of processes); PostgreSQL when
``NQCDS_STATE__DATABASE_URL`` is set, so that app replicas on several hosts and the ingest
job see the same pointer, catalog, table and feedback.

This module knows tables and rows only; :mod:`kernel.store` maps index builds to them and
the web layer maps feedback.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DatabaseError, IntegrityError

from kernel.settings import Settings

log = logging.getLogger(__name__)

# JSON in SQLite, JSONB in PostgreSQL (queryable: ``row->>'province'``).
_JSON = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData()

index_builds = Table(
    "index_builds",
    metadata,
    Column("collection", String(200), primary_key=True),
    Column("prefix", String(100), nullable=False, index=True),
    Column("built_at", String(40), nullable=False, default=""),
    Column("chunks", Integer, nullable=False, default=0),
    Column("info", _JSON, nullable=False),  # model, chunker version, settings hash, file hashes
    Column("recorded_at", String(40), nullable=False),
)
"""Every complete index build that was made active (older ones are pruned)."""

index_documents = Table(
    "index_documents",
    metadata,
    Column(
        "collection",
        String(200),
        ForeignKey("index_builds.collection", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("file", String(500), primary_key=True),
    Column("province", String(100), nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("meta", _JSON, nullable=False),  # kernel.types.FileMeta as JSON
)
"""The document catalog of each build: one row per indexed file."""

active_index = Table(
    "active_index",
    metadata,
    Column("prefix", String(100), primary_key=True),
    Column("collection", String(200), nullable=False),
    Column("previous", String(200), nullable=True),
    Column("switched_at", String(40), nullable=False),
)
"""The pointer: which build readers of a collection prefix use."""

targets = Table(
    "targets",
    metadata,
    Column("collection", String(200), primary_key=True),
    Column("version", String(64), primary_key=True),  # of the code that derived the rows
    Column("position", Integer, primary_key=True),
    Column("row", _JSON, nullable=False),
)
"""The targets table (chỉ tiêu) of a build, as derived by a given version of the code."""

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", String(40), nullable=False),
    Column("vote", String(8), CheckConstraint("vote IN ('up', 'down')"), nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("question", Text, nullable=False, default=""),
    Column("answer", Text, nullable=False, default=""),
    Column("citations", _JSON, nullable=False),
    Column("source", String(40), nullable=False, default="chat"),
)
"""👍/👎 on answers, with the answer and its citations as they were shown."""

# Serialises schema creation between processes starting at once on one PostgreSQL.
_SCHEMA_LOCK = 0x6E71_6364  # "nqcd"


def now_iso() -> str:
    """The current UTC time as ISO 8601 with offset (sortable, timezone-explicit)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def database_url(settings: Settings) -> str:
    """The configured database URL, or the SQLite file under the data directory.

    ``postgresql://…`` selects the psycopg (v3) driver, the one installed.
    """
    if settings.state.database_url is not None:
        raw = settings.state.database_url.get_secret_value().strip()
        if raw:
            url = make_url(raw)
            if url.drivername in ("postgresql", "postgres"):
                url = url.set(drivername="postgresql+psycopg")
            return url.render_as_string(hide_password=False)
    return f"sqlite:///{settings.state_db}"


class StateStore:
    """The shared-state database: tables created on first use, short transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        if self.is_sqlite:
            path = make_url(url).database
            file = Path(path) if path and path != ":memory:" else None
            if file is not None:
                file.parent.mkdir(parents=True, exist_ok=True)
            self.engine = _sqlite_engine(url)
            try:
                self._create_schema()
                self._check_sqlite()
            except DatabaseError as exc:
                if file is None or not _damaged(exc):
                    raise  # locked, read-only, no space: not the file's fault, not moved
                # A damaged file must not stop the app: set it aside for inspection and
                # start a new one (the index pointer is recovered from Chroma's mirror).
                self.engine.dispose()
                aside = _set_aside(file)
                log.error("state database %s is damaged (%s); moved to %s", file, exc, aside)
                self.engine = _sqlite_engine(url)
                self._create_schema()
        else:
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
            self._create_schema()

    def __repr__(self) -> str:  # never the password
        return f"StateStore({make_url(self.url).render_as_string(hide_password=True)})"

    def _create_schema(self) -> None:
        with self.engine.begin() as con:
            if con.dialect.name == "postgresql":
                con.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
            metadata.create_all(con)

    def _check_sqlite(self) -> None:
        with self.engine.connect() as con:
            check = con.exec_driver_sql("PRAGMA quick_check").scalar()
        if check != "ok":
            raise DatabaseError("PRAGMA quick_check", None, Exception(f"malformed: {check}"))

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One short transaction (SQLite: the write lock is taken at its start)."""
        with self.engine.begin() as con:
            yield con

    # -- the index pointer and catalog ---------------------------------------------------
    def active(self, prefix: str) -> str | None:
        """Name of the active build of ``prefix`` (one small read), or None."""
        with self.engine.connect() as con:
            return con.execute(
                select(active_index.c.collection).where(active_index.c.prefix == prefix)
            ).scalar_one_or_none()

    def build(self, collection: str) -> tuple[dict, dict[str, dict]] | None:
        """``(info, catalog)`` of a recorded build, or None when it was never recorded."""
        with self.engine.connect() as con:
            row = con.execute(
                select(index_builds).where(index_builds.c.collection == collection)
            ).one_or_none()
            if row is None:
                return None
            docs = con.execute(
                select(index_documents.c.file, index_documents.c.meta)
                .where(index_documents.c.collection == collection)
                .order_by(index_documents.c.file)
            ).all()
        info = {**_load(row.info), "built_at": row.built_at, "chunks": row.chunks}
        return info, {f: _load(m) for f, m in docs}

    def activate(
        self, prefix: str, collection: str, info: dict[str, Any], docs: dict[str, dict]
    ) -> None:
        """Record a complete build and make it the active one, in one transaction.

        Builds other than the new one and the one active until now are forgotten (their
        collections are dropped by the ingest, which keeps the same two). Two processes
        recording the same build at once (replicas adopting an old index): the second one
        finds it recorded on its retry.
        """
        try:
            self._activate(prefix, collection, info, docs)
        except IntegrityError:
            self._activate(prefix, collection, info, docs)

    def _activate(
        self, prefix: str, collection: str, info: dict[str, Any], docs: dict[str, dict]
    ) -> None:
        stamp = now_iso()
        with self.transaction() as con:
            previous = con.execute(
                select(active_index.c.collection).where(active_index.c.prefix == prefix)
            ).scalar_one_or_none()
            if previous == collection:
                return
            exists = con.execute(
                select(func.count())
                .select_from(index_builds)
                .where(index_builds.c.collection == collection)
            ).scalar_one()
            if not exists:
                rest = {k: v for k, v in info.items() if k not in ("built_at", "chunks")}
                con.execute(
                    insert(index_builds).values(
                        collection=collection,
                        prefix=prefix,
                        built_at=str(info.get("built_at", "")),
                        chunks=int(info.get("chunks", 0)),
                        info=rest,
                        recorded_at=stamp,
                    )
                )
                if docs:
                    con.execute(
                        insert(index_documents),
                        [
                            {
                                "collection": collection,
                                "file": f,
                                "province": str(m.get("province", "")),
                                "title": str(m.get("title", "")),
                                "meta": m,
                            }
                            for f, m in docs.items()
                        ],
                    )
            values = {"collection": collection, "previous": previous, "switched_at": stamp}
            if previous is None:
                con.execute(insert(active_index).values(prefix=prefix, **values))
            else:
                con.execute(
                    active_index.update().where(active_index.c.prefix == prefix).values(**values)
                )
            keep = {collection, previous} - {None}
            stale = [
                c
                for c in con.execute(
                    select(index_builds.c.collection).where(index_builds.c.prefix == prefix)
                ).scalars()
                if c not in keep
            ]
            if stale:  # children first: SQLite does not enforce ON DELETE by default
                con.execute(delete(targets).where(targets.c.collection.in_(stale)))
                con.execute(delete(index_documents).where(index_documents.c.collection.in_(stale)))
                con.execute(delete(index_builds).where(index_builds.c.collection.in_(stale)))

    # -- the targets table -----------------------------------------------------------------
    def targets(self, collection: str, version: str) -> list[dict] | None:
        """The stored targets rows of a build for a code version, or None when not stored."""
        with self.engine.connect() as con:
            rows = con.execute(
                select(targets.c.position, targets.c.row)
                .where(targets.c.collection == collection, targets.c.version == version)
                .order_by(targets.c.position)
            ).all()
        if not rows:
            return None
        # A build without a single figure is stored as one placeholder row (position -1).
        return [_load(r) for pos, r in rows if pos >= 0]

    def put_targets(self, collection: str, version: str, rows: list[dict]) -> bool:
        """Store the rows unless another process did first; True when these were stored."""
        try:
            with self.transaction() as con:
                have = con.execute(
                    select(func.count())
                    .select_from(targets)
                    .where(targets.c.collection == collection, targets.c.version == version)
                ).scalar_one()
                if have:
                    return False
                con.execute(
                    insert(targets),
                    [
                        {"collection": collection, "version": version, "position": i, "row": r}
                        for i, r in enumerate(rows)
                    ]
                    or [{"collection": collection, "version": version, "position": -1, "row": {}}],
                )
        except IntegrityError:  # another replica stored the same table at the same moment
            return False
        return True


def _load(value: Any) -> Any:
    """JSON columns come back decoded; tolerate text from older or hand-made rows."""
    return json.loads(value) if isinstance(value, str) else value


# SQLite errors that mean the file itself is damaged (not busy, not read-only).
_DAMAGE = ("file is not a database", "malformed", "corrupt")


def _damaged(exc: DatabaseError) -> bool:
    return any(m in str(exc) for m in _DAMAGE)


def _set_aside(file: Path) -> Path:
    """Rename the file (and its WAL/SHM companions) to ``<name>.corrupt-<time>``."""
    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    aside = file.with_name(f"{file.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = file.with_name(file.name + suffix)
        if part.exists():
            part.rename(aside.with_name(aside.name + suffix))
    return aside


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30})
    _sqlite_pragmas(engine)
    return engine


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL (readers beside the writer), waiting for locks, and write locks taken up front.

    pysqlite's own transaction handling is turned off so that every transaction starts with
    ``BEGIN IMMEDIATE``: two processes that both read then write cannot deadlock on the
    upgrade from a read lock to the write lock.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_con, _record) -> None:
        dbapi_con.isolation_level = None
        cur = dbapi_con.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")  # durable enough in WAL mode, much faster
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(con) -> None:
        con.exec_driver_sql("BEGIN IMMEDIATE")


_STORES: dict[str, StateStore] = {}
_STORES_LOCK = threading.Lock()


def state_store(settings: Settings) -> StateStore:
    """The process-wide store of the configured database (one engine and pool per URL)."""
    url = database_url(settings)
    with _STORES_LOCK:
        store = _STORES.get(url)
        if store is None:
            store = _STORES[url] = StateStore(url)
        return store
