"""The assistant's lifecycle, shared by the web app, the HTTP API and other front ends.

One :class:`AssistantService` per process builds the :class:`Assistant` lazily, rebuilds it
(in the background) when a re-ingest moves the index pointer, and turns failures into
readable messages.

The app starts even without an index or a model, so an official who opens it sees what is
wrong in Vietnamese instead of a crashed server; once the index is built, the next
question loads it (a failed load is not cached).
"""

from __future__ import annotations

import logging
import threading
import time

from assistant.chain import Assistant
from assistant.shared import share_targets
from kernel.embeddings import ModelMissing
from kernel.settings import Settings
from kernel.store import IndexMissing, current_collection_name, live_collection
from kernel.types import Chunk, FileMeta

log = logging.getLogger(__name__)

INDEX_MISSING = (
    "Hệ thống chưa sẵn sàng: chưa có chỉ mục văn bản. Vui lòng báo quản trị viên chạy "
    "lệnh `python -m ingest` để xây dựng chỉ mục. / The document index is missing."
)
MODEL_MISSING = (
    "Hệ thống chưa sẵn sàng: thiếu mô hình ngôn ngữ dùng để tìm kiếm. Vui lòng báo quản trị "
    "viên chạy `make setup`. / The embedding model is missing."
)
UNSEARCHABLE = (
    "Hệ thống không tra cứu được chỉ mục văn bản nên mọi câu hỏi sẽ lỗi. Vui lòng báo quản trị "
    "viên chạy `python -m ingest` để xây dựng lại. / The document index cannot be searched."
)
HEALTH_PROBE = "mục tiêu chuyển đổi số"  # any question: the lookup, not its answer, is checked
HEALTH_TTL_S = 2.0  # a flood of health checks costs at most one lookup per this many seconds
UNEXPECTED = (
    "Xin lỗi, đã có lỗi khi xử lý câu hỏi. Vui lòng thử lại sau hoặc báo quản trị viên. / "
    "Sorry, something went wrong while answering."
)


def friendly_error(exc: BaseException) -> str:
    """A message for users (no stack trace, no server paths); details go to the log."""
    if isinstance(exc, IndexMissing):
        return INDEX_MISSING
    if isinstance(exc, ModelMissing):
        return MODEL_MISSING
    return UNEXPECTED


class AssistantService:
    """One :class:`Assistant` per process, built on first use (thread-safe).

    When a re-ingest (on any host) makes another index active, the new assistant is built
    in the background while the current one keeps answering; questions already being
    answered finish on the index they started with (ingest keeps the previous build).
    """

    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
        self.settings = settings
        self._assistant = assistant
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._reloading: threading.Thread | None = None
        self._health: tuple[float, bool, dict] | None = None
        self._health_lock = threading.Lock()

    def get(self) -> Assistant:
        """The assistant; raises ``IndexMissing``/``ModelMissing`` while it cannot be built.

        Checks at most every ``state.check_interval_s`` seconds whether the active index
        moved; the first question after that starts the reload and is answered by the
        assistant already loaded.
        """
        current = self._assistant
        if current is not None:
            if self._index_moved():
                self._start_reload()
            return current
        with self._lock:
            if self._assistant is None:
                self._assistant = self._build()
            return self._assistant

    def refresh(self) -> Assistant:
        """The assistant of the index live now, built before returning (after an ingest
        this process ran itself, e.g. an upload: the user asks about the file next)."""
        self._checked = 0.0  # check the pointer now
        if self._assistant is None or self._index_moved():
            self._start_reload()
            self.wait_for_reload()
        return self.get()

    def _build(self) -> Assistant:
        a = Assistant(self.settings)
        share_targets(self.settings, a)
        log.info(
            "assistant loaded: index %s, %d passages", a.corpus.collection, len(a.corpus.chunks)
        )
        return a

    def _index_moved(self) -> bool:
        now = time.monotonic()
        if now - self._checked < self.settings.state.check_interval_s:
            return False
        self._checked = now
        try:
            name = current_collection_name(self.settings)
        except Exception:  # state database unreachable: keep serving what is loaded
            log.warning("could not read the index pointer", exc_info=True)
            return False
        current = self._assistant
        return bool(name) and current is not None and name != current.corpus.collection

    def _start_reload(self) -> None:
        with self._lock:
            if self._reloading is not None and self._reloading.is_alive():
                return
            self._reloading = threading.Thread(
                target=self._reload, name="nqcds-reload", daemon=True
            )
            self._reloading.start()

    def _reload(self) -> None:
        try:
            fresh = self._build()
        except Exception:  # keep the loaded assistant; the next check retries
            log.warning("could not load the new index; serving the previous one", exc_info=True)
            return
        self._assistant = fresh  # one reference swap: callers hold the assistant they got

    def wait_for_reload(self, timeout: float | None = None) -> None:
        """Block until a reload in progress (if any) has finished (for tools and tests)."""
        t = self._reloading
        if t is not None:
            t.join(timeout)

    def try_get(self) -> tuple[Assistant | None, str]:
        """``(assistant, "")`` or ``(None, readable message)``; logs the failure."""
        try:
            return self.get(), ""
        except Exception as exc:
            log.warning(
                "assistant unavailable: %s",
                exc,
                exc_info=not isinstance(exc, IndexMissing | ModelMissing),
            )
            return None, friendly_error(exc)

    def health(self) -> tuple[bool, dict]:
        """``(ok, report)``: opens the live index and runs one real lookup, as answering does.

        A loaded assistant says nothing about an index file damaged since; the lookup does.
        """
        with self._health_lock:
            if self._health and time.monotonic() - self._health[0] < HEALTH_TTL_S:
                return self._health[1], self._health[2]
            ok, report = self._probe()
            self._health = (time.monotonic(), ok, report)
            return ok, report

    def _probe(self) -> tuple[bool, dict]:
        a, message = self.try_get()
        if a is None:
            return False, {"status": "unavailable", "detail": message}
        try:
            col, _ = live_collection(self.settings)
            records = col.count()
            found = a.retriever.invoke(HEALTH_PROBE)
            if not records or not found:
                raise IndexMissing("the live index has no passages")
        except Exception as exc:
            log.warning("health check failed: %s", exc)
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            return False, {"status": "unavailable", "detail": UNSEARCHABLE, "reason": reason}
        return True, {
            "status": "ok",
            "documents": len(a.corpus.docs),
            "passages": len(a.corpus.chunks),
        }

    def catalog(self) -> list[FileMeta]:
        """Every indexed document, by province and title; empty when unavailable."""
        a, _ = self.try_get()
        if a is None:
            return []
        return sorted(a.corpus.docs.values(), key=lambda m: (m.province, m.title, m.file))

    def document(self, file: str) -> tuple[FileMeta, list[Chunk]] | None:
        """A document's metadata and chunks in file order, or None when unknown."""
        a = self.get()
        meta = a.corpus.docs.get(file)
        if meta is None:
            return None
        return meta, [c for c in a.corpus.chunks if c.file == file]
