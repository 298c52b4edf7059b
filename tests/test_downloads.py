"""Downloads are private, short-lived and written on demand; uploads are capped (issue 14,
items 12 and 14), with the real handlers on the real index."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import docx
import gradio as gr
import pytest
from fastapi.testclient import TestClient

import app as webapp
from assistant.service import AssistantService
from assistant.web.downloads import Downloads
from assistant.web.feedback import FeedbackStore
from assistant.web.ui.chat import ChatHandlers
from assistant.web.ui.documents import DocumentHandlers
from assistant.web.ui.targets_tab import ALL, TargetHandlers
from kernel.settings import ServerSettings, Settings

Q = "muc tieu chu ky so cua Quang Ngai den nam 2030"


@pytest.fixture
def settings(index_settings: Settings, tmp_path: Path) -> Settings:
    """The session index, with this test's own data directory for what the app writes."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "chroma").symlink_to(index_settings.chroma_dir)
    return index_settings.model_copy(update={"data_dir": data})


@pytest.fixture
def chat(settings: Settings, assistant) -> ChatHandlers:
    service = AssistantService(settings, assistant)
    return ChatHandlers(service, FeedbackStore(settings.feedback_db))


def _path(button) -> Path:
    value = button.value
    return Path(value["path"] if isinstance(value, dict) else value)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _private(handed_out: Path, settings: Settings) -> None:
    """The file handed to Gradio (its cached copy) is the owner's only, and so is what was
    written under ``data_dir/exports``."""
    assert _mode(handed_out) == 0o600, handed_out
    written = [p for p in _all_files(settings.exports_dir) if p.name == handed_out.name]
    assert len(written) == 1, (handed_out, _all_files(settings.exports_dir))
    assert _mode(written[0]) == 0o600
    assert _mode(written[0].parent) == 0o700 and _mode(settings.exports_dir) == 0o700


def _all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# -- 14. answering writes nothing; the export is written when asked for ---------------------


def test_answering_writes_no_file_and_export_is_on_demand(
    chat: ChatHandlers, settings: Settings
) -> None:
    steps = list(chat.respond(Q, [], None))
    assert len(steps) == 2  # the waiting note, then the answer: no paced steps
    *_, turns, _shown, _box, download, _status, _feedback = steps[-1]
    assert not isinstance(download, gr.DownloadButton) and download.interactive is True
    assert _all_files(settings.exports_dir) == []  # nothing written per answer
    exported = _path(chat.export(turns))
    text = "\n".join(p.text for p in docx.Document(str(exported)).paragraphs)
    assert exported.suffix == ".docx" and "70%" in text
    _private(exported, settings)


def test_answer_slots_follow_the_cores() -> None:
    cores = len(os.sched_getaffinity(0))
    assert ServerSettings().answer_slots() == cores
    assert ServerSettings(concurrency=3).answer_slots() == 3


def test_a_server_shares_the_cores_between_its_answer_slots() -> None:
    cores = len(os.sched_getaffinity(0))
    two = Settings(server=ServerSettings(concurrency=2)).for_serving()
    assert two.embedding.threads == max(1, cores // 2)
    one = Settings(server=ServerSettings(concurrency=1)).for_serving()
    assert one.embedding.threads == cores
    chosen = Settings(embedding={"threads": 3}, server=ServerSettings(concurrency=2))
    assert chosen.for_serving().embedding.threads == 3  # a setting is kept as given


# -- 12. private, pruned exports ------------------------------------------------------------


def test_targets_and_quiz_exports_are_private(settings: Settings, assistant) -> None:
    service = AssistantService(settings, assistant)
    targets = TargetHandlers(service, DocumentHandlers(service))
    out = targets.apply(["Quảng Ngãi"], ALL, ALL, ALL, "target")
    csv_button, xlsx_button = out[6], out[7]
    for button in (csv_button, xlsx_button):
        _private(_path(button), settings)
    *_, sheet, key = targets.quiz(ALL, ALL, 3, 0)
    _private(_path(sheet), settings)
    _private(_path(key), settings)


def test_old_exports_are_deleted(chat: ChatHandlers, settings: Settings) -> None:
    turns = list(chat.respond(Q, [], None))[-1][2]
    chat.export(turns)
    [old] = _all_files(settings.exports_dir)
    two_days_ago = time.time() - 2 * 86400
    os.utime(old.parent, (two_days_ago, two_days_ago))
    chat.export(turns)
    [fresh] = _all_files(settings.exports_dir)
    assert fresh != old and not old.parent.exists()


def test_served_app_keeps_gradio_copies_under_the_data_dir(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    webapp.use_private_gradio_cache(settings)
    cache = Path(os.environ["GRADIO_TEMP_DIR"])
    assert cache == settings.data_dir / "gradio-cache" and _mode(cache) == 0o700
    assert Path(gr.DownloadButton().GRADIO_CACHE) == cache


def test_retention_is_a_setting(tmp_path: Path) -> None:
    d = Downloads(tmp_path / "exports", retention_s=0.2)
    first = Path(d.write_text("a.md", "một"))
    time.sleep(0.3)
    second = Path(d.write_text("b.md", "hai"))
    assert second.read_text(encoding="utf-8") == "hai" and not first.exists()


# -- 12. uploads are capped -----------------------------------------------------------------


def test_uploads_over_the_size_cap_are_refused(settings: Settings, assistant) -> None:
    """Files are capped by the ingest's file-size setting, questions by the body limit: a
    document larger than any question is accepted, one over the file cap is not."""
    settings = settings.model_copy(
        update={
            "ingest": settings.ingest.model_copy(update={"max_file_mb": 0.5}),
            "server": settings.server.model_copy(update={"max_body_bytes": 100_000}),
        }
    )
    app, _ = webapp.create_server(settings, assistant)
    cap = settings.ingest.max_file_bytes
    with TestClient(app) as c:
        small = c.post("/gradio_api/upload", files={"files": ("a.txt", b"x" * 1000)})
        document = c.post("/gradio_api/upload", files={"files": ("b.txt", b"x" * 300_000)})
        big = c.post("/gradio_api/upload", files={"files": ("c.txt", b"x" * (cap + 1))})
        question = c.post("/api/ask", content=b"x" * 100_001)
    assert small.status_code == 200, small.text
    assert document.status_code == 200, document.text[:300]
    assert big.status_code == 413, big.text[:300]
    assert question.status_code == 413, question.text[:300]
