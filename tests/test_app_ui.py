"""Chat/document handlers, HTML rendering and Markdown export, on the real test index."""

from __future__ import annotations

import re
from pathlib import Path

import gradio as gr
import pytest

from assistant.service import INDEX_MISSING, AssistantService
from assistant.web.export import conversation_markdown
from assistant.web.feedback import FeedbackStore
from assistant.web.ui.chat import THINKING, ChatHandlers, chat_messages, history, scope_filters
from assistant.web.ui.documents import DocumentHandlers
from assistant.web.ui.render import document_html, plain_md, sources_html, tidy
from kernel.settings import Settings
from kernel.types import Answer, Citation

XSS = "<img src=x onerror=alert(1)><script>window.__xss=1</script>"
Q_2030 = "muc tieu chu ky so cua Quang Ngai den nam 2030"


@pytest.fixture
def handlers(index_settings, assistant, tmp_path: Path) -> ChatHandlers:
    return ChatHandlers(
        AssistantService(index_settings, assistant), FeedbackStore(tmp_path / "fb.sqlite3")
    )


def _run(h: ChatHandlers, q: str, turns: list | None = None, selected=None) -> list[tuple]:
    return list(h.respond(q, turns or [], selected))


def _cite(text: str, sentence: str, start: int = 100) -> Citation:
    i = text.index(sentence)
    return Citation(
        marker=1,
        file="f.txt",
        title="T",
        province="Quảng Ngãi",
        section="A › B",
        text=text,
        start=start,
        end=start + len(text),
        sentence=sentence,
        sentence_start=start + i,
        sentence_end=start + i + len(sentence),
    )


def test_respond_streams_then_shows_sources(handlers: ChatHandlers) -> None:
    steps = _run(handlers, Q_2030)
    assert len(steps) == 2  # the question with a waiting note, then answer and sources
    first_chat = steps[0][0]
    assert first_chat[-1]["content"] == THINKING and first_chat[-2]["content"] == plain_md(Q_2030)
    chat, panel, turns, shown, box, download, _ = steps[-1]
    assert "70%" in chat[-1]["content"] and "**\\[1\\]**" in chat[-1]["content"]
    assert len(chat) == 2 and len(turns) == 1 and shown == 0 and box == ""
    assert 'class="nq-src"' in panel and "Quảng Ngãi" in panel
    mark = re.search(r'<mark class="nq-mark">(.*?)</mark>', panel, re.S)
    assert mark and "70%" in mark.group(1)
    assert 'data-marker="1"' in panel  # the "Mở trong văn bản" button
    assert download.interactive is True  # the export button, enabled; no file written yet
    exports = handlers.service.settings.exports_dir
    assert not exports.exists() or not any(exports.rglob("*.md"))
    file_button = handlers.export(turns)  # the click writes it
    value = file_button.value
    exported = Path(value["path"] if isinstance(value, dict) else value)
    assert "70%" in exported.read_text(encoding="utf-8")


def test_follow_up_passes_history(handlers: ChatHandlers) -> None:
    turns = _run(handlers, Q_2030)[-1][2]
    assert history(turns)[0] == {"role": "user", "content": Q_2030}
    chat, panel, turns, *_ = _run(handlers, "còn năm 2025 thì sao?", turns)[-1]
    assert "50%" in chat[-1]["content"] and len(turns) == 2 and len(chat) == 4
    assert "đến năm 2025" in panel


def test_markup_from_users_is_shown_as_text(handlers: ChatHandlers) -> None:
    chat, panel, turns, *_ = _run(handlers, XSS)[-1]
    shown = chat[0]["content"]
    assert "<" not in shown and ">" not in shown  # entities only: the browser shows the text
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in shown
    assert turns[0]["question"] == XSS  # the real question is kept for history and export
    assert "<script" not in panel and "<img" not in panel


def test_passage_markup_is_escaped_in_sources_and_documents() -> None:
    text = "Mở đầu <script>alert(1)</script> **đậm**<sup>2</sup>\n\n## Mục\nCâu hỗ trợ 70%."
    c = _cite(text, "Câu hỗ trợ 70%.")
    a = Answer(question="q", answer="Trả lời [1]", citations=[c])
    html = sources_html(a)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<mark class="nq-mark">Câu hỗ trợ 70%.</mark>' in html
    assert "**" not in html and "²" in html and "## " not in html  # tidied, not rendered
    assert tidy("a\n\n\nb") == "a\nb"


def test_empty_question_is_ignored(handlers: ChatHandlers) -> None:
    steps = _run(handlers, "   ")
    assert len(steps) == 1 and steps[0][0] == [] and steps[0][2] == []


def test_scope_filters() -> None:
    files = ["a.txt", "b.txt"]
    assert scope_filters(files, files) is None  # everything ticked: no filter at all
    assert scope_filters(["b.txt"], files) == {"files": ["b.txt"]}
    assert scope_filters(None, files) is None


def test_scope_restricts_answer_and_empty_scope_explains(handlers: ChatHandlers) -> None:
    kh = "001_9631579da6f4c830.txt"
    chat, panel, turns, *_ = _run(handlers, "mục tiêu kinh tế số đến năm 2025", selected=[kh])[-1]
    assert turns[0]["answer"].citations
    assert all(c.file == kh for c in turns[0]["answer"].citations)
    chat, panel, turns, *_ = _run(handlers, Q_2030, selected=[])[-1]
    assert "Phạm vi tìm kiếm" in chat[-1]["content"] and turns[0]["answer"] is None


def test_missing_index_gives_readable_message(tmp_path: Path, model_dir) -> None:
    s = Settings(data_dir=tmp_path / "empty", embedding={"model": str(model_dir)})
    h = ChatHandlers(AssistantService(s), FeedbackStore(tmp_path / "fb.sqlite3"))
    chat, panel, turns, *_ = _run(h, Q_2030)[-1]
    assert chat[-1]["content"] == plain_md(INDEX_MISSING)
    assert "Traceback" not in chat[-1]["content"] and "Hệ thống chưa sẵn sàng" in panel
    assert h.record(turns[0], "up") == "Chưa có câu trả lời nào để góp ý."


def test_feedback_from_like_and_form(handlers: ChatHandlers) -> None:
    turns = _run(handlers, Q_2030)[-1][2]
    like = gr.LikeData(None, {"index": 1, "value": "x", "liked": True})
    assert handlers.on_like(turns, like).startswith("Cảm ơn")
    status, comment = handlers.on_vote("down", "Thiếu số liệu 2025", turns, 0)
    assert status.startswith("Cảm ơn") and comment == ""
    rows = list(handlers.store.rows())
    assert [r["vote"] for r in rows] == ["up", "down"]
    assert rows[1]["comment"] == "Thiếu số liệu 2025" and rows[1]["question"] == Q_2030
    assert "70%" in rows[0]["answer"] and rows[0]["citations"][0]["marker"] == 1


def test_select_message_shows_its_sources(handlers: ChatHandlers) -> None:
    turns = _run(handlers, Q_2030)[-1][2]
    turns = _run(handlers, "còn năm 2025 thì sao?", turns)[-1][2]
    evt = gr.SelectData(None, {"index": 1, "value": "x"})
    panel, shown = handlers.show_sources(turns, evt)
    assert shown == 0 and "4.3" in panel


def test_open_citation_renders_document_at_passage(index_settings, assistant, handlers) -> None:
    turns = _run(handlers, Q_2030)[-1][2]
    docs = DocumentHandlers(AssistantService(index_settings, assistant))
    evt = gr.EventData(None, {"marker": 1})
    tabs, pick, view = docs.open_citation(turns, 0, evt)
    cite = turns[0]["answer"].citations[0]
    assert pick.value == cite.file
    assert view.count('id="nq-cited"') == 1 and "nq-chunk nq-cited" in view
    mark = re.search(r'<mark class="nq-mark">(.*?)</mark>', view, re.S)
    assert mark and "70%" in mark.group(1)
    # the document keeps its structure: headings from the chunks' heading paths, in order
    assert view.index("II. QUAN ĐIỂM CHỈ ĐẠO, MỤC TIÊU") < view.index("4.3. Phát triển xã hội số")
    assert "<script" not in docs.render("no-such-file.txt")


def test_document_html_marks_sentence_across_offsets() -> None:
    from kernel.types import Chunk, FileMeta

    text = "1. Mục tiêu\n- Câu một.\n- Câu hai 70%."
    chunk = Chunk(
        id="c",
        file="f.txt",
        start=50,
        end=50 + len(text),
        text=text,
        index_text=text,
        headings=["I. Chung", "1. Mục tiêu"],
    )
    cite = _cite(text, "- Câu hai 70%.", start=50)
    html = document_html(FileMeta(file="f.txt", title="Nghị quyết"), [chunk], cite)
    assert html.count("1. Mục tiêu") == 1  # the repeated heading line is not printed twice
    assert '<mark class="nq-mark">- Câu hai 70%.</mark>' in html


def test_conversation_markdown(handlers: ChatHandlers) -> None:
    turns = _run(handlers, Q_2030)[-1][2]
    turns.append({"question": XSS, "answer": None, "error": "Lỗi thử"})
    md = conversation_markdown(turns)
    assert md.startswith("# Hỏi đáp về nghị quyết chuyển đổi số")
    assert "## Câu hỏi 1" in md and "## Câu hỏi 2" in md and "### Nguồn" in md
    assert "**[1]**" in md and "Quảng Ngãi" in md
    assert re.search(r"\*\*[^*]*70%[^*]*\*\*", md)  # supporting sentence in bold
    assert "<script>" not in md and "&lt;script&gt;" in md and "_Lỗi thử_" in md
    # dicts (e.g. from JSON) work too
    dumped = [
        {
            "question": t["question"],
            "answer": t["answer"].model_dump() if t["answer"] else None,
            "error": t["error"],
        }
        for t in turns
    ]
    assert conversation_markdown(dumped).split("\n", 3)[3] == md.split("\n", 3)[3]


def test_chat_messages_pair_turns_with_indices() -> None:
    turns = [
        {"question": "a", "answer": None, "error": "e1"},
        {"question": "b", "answer": None, "error": "e2"},
    ]
    msgs = chat_messages(turns, pending="c")
    assert [m["role"] for m in msgs] == ["user", "assistant"] * 3
    assert msgs[2]["content"] == "b" and msgs[-1]["content"] == THINKING
