"""Feedback on answers (👍/👎 + optional comment), stored in SQLite, exportable as CSV/JSONL.

Every write opens its own connection and commits one short transaction, so any number of
Gradio worker threads (or processes) can record feedback at once: WAL mode lets readers
run beside the single writer, and ``busy_timeout`` makes writers wait for the lock instead
of failing.

``python -m assistant.web.feedback export --format csv|jsonl [--out FILE]`` exports everything.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

VOTES = ("up", "down")
COLUMNS = (
    "id",
    "created_at",
    "vote",
    "comment",
    "question",
    "answer",
    "citations",
    "source",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    citations TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL DEFAULT 'chat'
)
"""
MAX_TEXT = 20_000  # a pasted novel in the comment box must not bloat the database


# SQLite errors that mean the file itself is damaged (not busy, not read-only).
_DAMAGED = ("file is not a database", "malformed", "corrupt")


def _damaged(exc: sqlite3.Error) -> bool:
    return any(m in str(exc) for m in _DAMAGED)


def _citations_json(citations: Any) -> str:
    """Citations (pydantic models or dicts) as a JSON array."""
    out = []
    for c in citations or []:
        out.append(c.model_dump() if hasattr(c, "model_dump") else dict(c))
    return json.dumps(out, ensure_ascii=False)


class FeedbackStore:
    """The feedback table in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path | str, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and not _damaged(exc):
                raise  # locked, read-only, no space: not the file's fault, not moved
            # A damaged file must not stop the app: set it aside for inspection, start empty.
            aside = self._set_aside()
            log.error("feedback database %s is damaged (%s); moved to %s", self.path, exc, aside)
            self._open()

    def _open(self) -> None:
        with closing(self._connect()) as con:
            # WAL is a property of the file: set once, every later connection uses it.
            con.execute("PRAGMA journal_mode=WAL")
            with con:
                con.execute(_SCHEMA)
            check = con.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check}")

    def _set_aside(self) -> Path:
        """Rename the file (and its WAL/SHM companions) to ``<name>.corrupt-<time>``."""
        stamp = datetime.now().strftime("%Y%m%d%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = self.path.with_name(self.path.name + suffix)
            if part.exists():
                part.rename(aside.with_name(aside.name + suffix))
        return aside

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout={int(self.timeout_s * 1000)}")
        con.execute("PRAGMA synchronous=NORMAL")  # durable enough in WAL mode, much faster
        return con

    def add(
        self,
        vote: str,
        question: str = "",
        answer: str = "",
        citations: Any = None,
        comment: str = "",
        source: str = "chat",
    ) -> int:
        """Record one vote (``"up"`` or ``"down"``); returns the new row id."""
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES}, not {vote!r}")
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            vote,
            str(comment or "")[:MAX_TEXT],
            str(question or "")[:MAX_TEXT],
            str(answer or "")[:MAX_TEXT],
            _citations_json(citations),
            source,
        )
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")  # take the write lock now, wait for it politely
            try:
                cur = con.execute(
                    "INSERT INTO feedback (created_at, vote, comment, question, answer,"
                    " citations, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return int(cur.lastrowid)

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every feedback row, oldest first; ``citations`` decoded from JSON."""
        with closing(self._connect()) as con:
            con.row_factory = sqlite3.Row
            for r in con.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id"):
                d = dict(r)
                d["citations"] = json.loads(d["citations"] or "[]")
                yield d

    def count(self) -> int:
        """How many rows are stored."""
        with closing(self._connect()) as con:
            return int(con.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])


def export(store: FeedbackStore, fmt: str, out: io.TextIOBase) -> int:
    """Write every row to ``out`` as ``csv`` or ``jsonl``; returns the number of rows."""
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"unknown format {fmt!r}; use csv or jsonl")
    n = 0
    w = csv.DictWriter(out, fieldnames=COLUMNS) if fmt == "csv" else None
    if w is not None:
        w.writeheader()
    for row in store.rows():
        n += 1
        if w is None:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            row["citations"] = json.dumps(row["citations"], ensure_ascii=False)
            w.writerow(row)
    return n


def main(argv: list[str] | None = None) -> int:
    """The ``python -m assistant.web.feedback`` command."""
    from kernel.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m assistant.web.feedback", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="export all feedback")
    ex.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    ex.add_argument("--out", type=Path, help="output file (default: standard output)")
    ex.add_argument("--db", type=Path, help="feedback database (default: settings.feedback_db)")
    args = parser.parse_args(argv)
    db = args.db or get_settings().feedback_db
    if not db.exists():
        print(f"Chưa có góp ý nào ({db}). / No feedback database yet.", file=sys.stderr)
        return 1
    store = FeedbackStore(db)
    if args.out:
        # utf-8-sig: Excel on Windows then reads Vietnamese diacritics correctly.
        enc = "utf-8-sig" if args.format == "csv" else "utf-8"
        with args.out.open("w", encoding=enc, newline="") as f:
            n = export(store, args.format, f)
        print(f"{n} góp ý → {args.out}", file=sys.stderr)
    else:
        n = export(store, args.format, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
