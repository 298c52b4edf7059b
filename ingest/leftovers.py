"""One ingest at a time, and what interrupted ones leave behind.

A killed ingest leaves its half-built collection (metadata ``state: building``) and, in the
embedded store, the folder of its vectors; chromadb also keeps the folder of every
collection it deletes. The next ingest removes both, under a lock file so that it never
removes the build of an ingest still running.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager

from filelock import FileLock, Timeout

from kernel.settings import Settings

log = logging.getLogger(__name__)

_SEGMENT_DIR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class IngestBusy(RuntimeError):
    """Another ingest holds the lock of this data directory; the message says so."""


@contextmanager
def ingest_lock(settings: Settings) -> Iterator[None]:
    """Hold ``data_dir/ingest.lock`` for the duration, or raise :class:`IngestBusy`.

    The lock is an OS file lock: it is released when its process dies, even by kill -9.
    It guards one data directory; replicas sharing a Chroma server should run ingest from
    one place only.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "ingest.lock"
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise IngestBusy(
            f"một lần nạp khác đang chạy trên {settings.data_dir} ({path.name}); chờ nó xong "
            "rồi chạy lại / another ingest is running on this data directory; run again "
            "when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _name(c: object) -> str:
    return c if isinstance(c, str) else c.name  # type: ignore[attr-defined]


def drop_interrupted(cl, settings: Settings) -> list[str]:
    """Delete collections still marked ``building`` (only ever left by a killed ingest)."""
    prefix = settings.chroma.collection_prefix + "_"
    dropped = []
    for c in cl.list_collections():
        name = _name(c)
        if not name.startswith(prefix) or name.endswith("__current"):
            continue
        col = c if not isinstance(c, str) else cl.get_collection(name)
        if (col.metadata or {}).get("state") == "building":
            cl.delete_collection(name)
            dropped.append(name)
    if dropped:
        log.warning("removed %d interrupted build(s): %s", len(dropped), ", ".join(dropped))
    return dropped


def drop_orphan_folders(settings: Settings) -> list[str]:
    """Delete vector folders of the embedded store that no collection uses any more.

    chromadb has no call for this: the folders are named by segment id, and the segment
    table of its SQLite file says which ids are still in use (read-only here).
    """
    if settings.chroma.host or not (settings.chroma_dir / "chroma.sqlite3").exists():
        return []
    db = f"file:{settings.chroma_dir / 'chroma.sqlite3'}?mode=ro"
    try:
        with closing(sqlite3.connect(db, uri=True, timeout=30)) as con:
            used = {row[0] for row in con.execute("SELECT id FROM segments")}
    except sqlite3.Error as exc:  # an unknown schema: better to keep folders than guess
        log.warning("could not list index segments (%s); leftover folders kept", exc)
        return []
    dropped = []
    for folder in settings.chroma_dir.iterdir():
        if folder.is_dir() and _SEGMENT_DIR.match(folder.name) and folder.name not in used:
            shutil.rmtree(folder, ignore_errors=True)
            dropped.append(folder.name)
    if dropped:
        log.info("removed %d unused vector folder(s)", len(dropped))
    return dropped
