"""Feedback on answers (👍/👎 + optional comment), in the shared-state database, exportable.

Rows live in the ``feedback`` table of :mod:`kernel.state`: a SQLite file under the data
directory by default, PostgreSQL when ``NQCDS_STATE__DATABASE_URL`` is set, so votes given
through any replica land in one table. Every write is one short transaction, so any number
of worker threads or processes can record feedback at once (SQLite: WAL mode, writers wait
for the lock instead of failing).

Feedback kept by earlier versions in ``data/feedback.sqlite3`` is imported once, when the
app first opens the state database, and the old file renamed ``….imported-<time>``.

``python -m assistant.web.feedback export --format csv|jsonl [--out FILE] [--db PATH|URL]``
exports everything.
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
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from kernel.settings import Settings
from kernel.state import StateStore, feedback, now_iso, state_store

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
MAX_TEXT = 20_000  # a pasted novel in the comment box must not bloat the database


def _citations(citations: Any) -> list[dict]:
    """Citations (pydantic models or dicts) as plain JSON values."""
    out = []
    for c in citations or []:
        out.append(c.model_dump(mode="json") if hasattr(c, "model_dump") else dict(c))
    return out


class FeedbackStore:
    """The feedback table; safe to share between threads and processes.

    ``where`` is a state store, a database URL, or the path of a SQLite file.
    """

    def __init__(self, where: StateStore | Path | str) -> None:
        if isinstance(where, StateStore):
            self.state = where
        elif isinstance(where, str) and "://" in where:
            self.state = StateStore(where)
        else:
            self.state = StateStore(f"sqlite:///{Path(where)}")

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        """The configured state database, with feedback from before it imported once."""
        store = cls(state_store(settings))
        import_legacy(store, settings.feedback_db)
        return store

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
        row = {
            "created_at": now_iso(),
            "vote": vote,
            "comment": str(comment or "")[:MAX_TEXT],
            "question": str(question or "")[:MAX_TEXT],
            "answer": str(answer or "")[:MAX_TEXT],
            "citations": _citations(citations),
            "source": str(source or "chat")[:40],
        }
        with self.state.transaction() as con:
            return int(con.execute(insert(feedback).values(**row)).inserted_primary_key[0])

    def add_many(self, rows: list[dict[str, Any]]) -> int:
        """Insert already-shaped rows in one transaction (the legacy import)."""
        if rows:
            with self.state.transaction() as con:
                con.execute(insert(feedback), rows)
        return len(rows)

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every feedback row, oldest first; ``citations`` decoded from JSON."""
        cols = [feedback.c[name] for name in COLUMNS]
        with self.state.engine.connect() as con:
            got = con.execute(select(*cols).order_by(feedback.c.id)).mappings().all()
        for r in got:
            d = dict(r)
            c = d["citations"]
            d["citations"] = json.loads(c) if isinstance(c, str) else (c or [])
            yield d

    def count(self) -> int:
        """How many rows are stored."""
        with self.state.engine.connect() as con:
            return int(con.execute(select(func.count()).select_from(feedback)).scalar_one())


def import_legacy(store: FeedbackStore, path: Path) -> int:
    """Move the rows of a pre-state-database feedback file into ``store`` (once).

    The file is renamed after its rows are committed; an unreadable file is left where it
    is and logged, and the app starts anyway.
    """
    if not path.is_file():
        return 0
    try:
        with closing(sqlite3.connect(path, timeout=30)) as con:
            con.row_factory = sqlite3.Row
            old = [dict(r) for r in con.execute("SELECT * FROM feedback ORDER BY id")]
    except sqlite3.Error:
        log.exception("could not read the old feedback file %s; left in place", path)
        return 0
    rows = [
        {
            "created_at": str(r.get("created_at") or now_iso()),
            "vote": r["vote"],
            "comment": r.get("comment") or "",
            "question": r.get("question") or "",
            "answer": r.get("answer") or "",
            "citations": json.loads(r.get("citations") or "[]"),
            "source": r.get("source") or "chat",
        }
        for r in old
        if r.get("vote") in VOTES
    ]
    n = store.add_many(rows)
    path.rename(path.with_name(f"{path.name}.imported-{datetime.now():%Y%m%d%H%M%S}"))
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    log.info("imported %d feedback rows from %s into the state database", n, path)
    return n


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
    ex.add_argument(
        "--db",
        help="SQLite file or database URL (default: the configured state database)",
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.db and "://" in args.db:
        store = FeedbackStore(args.db)
    else:
        db = Path(args.db) if args.db else None
        if db is None and settings.state.database_url is None:
            db = settings.state_db
        if db is not None and not db.exists():
            print(f"Chưa có góp ý nào ({db}). / No feedback database yet.", file=sys.stderr)
            return 1
        store = FeedbackStore(db) if db is not None else FeedbackStore.from_settings(settings)
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
