"""Chat/document handlers, HTML rendering and the conversation export, on the real test index."""

from __future__ import annotations

import re
from pathlib import Path

import gradio as gr
import pytest

from assistant.service import INDEX_MISSING, AssistantService
from assistant.web.export import conversation_docx, conversation_markdown
from assistant.web.feedback import FeedbackStore
from assistant.web.ui.chat import (
    FEEDBACK_NONE,
    THINKING,
    THINKING_EN,
    ChatHandlers,
    chat_messages,
    feedback_label,
    history,
    scope_filters,
    scope_label,
)
from assistant.web.ui.document_view import document_html
from assistant.web.ui.documents import DocumentHandlers
from assistant.web.ui.reflow import reflow
from assistant.web.ui.render import answer_markdown, copy_text, plain_md, sources_html, tidy
from kernel.settings import Settings
from kernel.types import Answer, Citation

XSS = "<img src=x onerror=alert(1)><script>window.__xss=1</script>"
Q_2030 = "muc tieu chu ky so cua Quang Ngai den nam 2030"


@pytest.fixture
def handlers(index_settings, assistant, tmp_path: Path) -> ChatHandlers:
    return ChatHandlers(
        AssistantService(index_settings, assistant), FeedbackStore(tmp_path / "fb.sqlite3")
    )


def _docx_text(path: Path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


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
    chat, panel, turns, shown, box, download, _, feedback = steps[-1]
    assert "70%" in chat[-1]["content"]
    assert '<a class="nq-ref" href="#nq-src-1-1">\\[1\\]</a>' in chat[-1]["content"]
    assert Q_2030 in feedback.label  # the feedback box names the question it rates
    assert len(chat) == 2 and len(turns) == 1 and shown == 0 and box == ""
    assert 'class="nq-src"' in panel and "Quảng Ngãi" in panel
    mark = re.search(r'<mark class="nq-mark">(.*?)</mark>', panel, re.S)
    assert mark and "70%" in mark.group(1)
    assert 'data-marker="1"' in panel  # the "Mở trong văn bản" button
    assert download.interactive is True  # the export button, enabled; no file written yet
    exports = handlers.service.settings.exports_dir
    assert not exports.exists() or not any(exports.rglob("*.docx"))
    file_button = handlers.export(turns)  # the click writes it
    value = file_button.value
    exported = Path(value["path"] if isinstance(value, dict) else value)
    assert exported.suffix == ".docx" and "70%" in _docx_text(exported)


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


def test_each_supporting_sentence_of_a_merged_passage_is_marked_not_the_text_between(
    tmp_path: Path,
) -> None:
    # Two sentences of one passage support the answer; the one between them does not.
    text = "Mục tiêu: Câu một 70%. Câu giữa không liên quan. Câu hai 80%."
    c = _cite(text, "Câu một 70%.")
    two = text.index("Câu hai 80%.")
    c.spans = [(c.sentence_start, c.sentence_end), (100 + two, 100 + len(text))]
    c.sentence_end = 100 + len(text)
    a = Answer(question="q", answer="Trả lời [1]", citations=[c])
    marks = re.findall(r'<mark class="nq-mark">(.*?)</mark>', sources_html(a))
    assert marks == ["Câu một 70%.", "Câu hai 80%."]
    md = conversation_markdown([{"question": "q", "answer": a}])
    assert "**Câu một 70%.** Câu giữa không liên quan. **Câu hai 80%.**" in md
    docx = conversation_docx([{"question": "q", "answer": a}], tmp_path / "c.docx")
    from docx import Document

    bold = [r.text for p in Document(str(docx)).paragraphs for r in p.runs if r.bold]
    assert "Câu một 70%." in bold and "Câu hai 80%." in bold
    assert not any("Câu giữa" in b for b in bold)


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
    panel, shown, _ = handlers.show_sources(turns, evt)
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
    assert html.count("1. Mục tiêu") == 2  # once as a heading, once in the contents
    assert html.count("<h4") == 1 and '<mark class="nq-mark">- Câu hai 70%.</mark>' in html
    assert 'data-start="50">- Câu một.' in html  # no empty line left where the heading was


def test_conversation_markdown(handlers: ChatHandlers) -> None:
    turns = _run(handlers, Q_2030)[-1][2]
    turns.append({"question": XSS, "answer": None, "error": "Lỗi thử"})
    md = conversation_markdown(turns)
    assert md.startswith("# Hỏi đáp về nghị quyết chuyển đổi số")
    assert "## Câu hỏi 1" in md and "## Câu hỏi 2" in md and "### Nguồn" in md
    assert "**[1]**" in md and "Quảng Ngãi" in md
    assert re.search(r"\*\*[^*]*70%[^*]*\*\*", md)  # supporting sentence in bold
    cite = turns[0]["answer"].citations[0]
    assert cite.file not in md and "ký tự" not in md  # nothing printed a reader cannot use
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


def _chunk(text: str, headings: list[str], start: int = 0):
    from kernel.types import Chunk

    return Chunk(
        id=str(start),
        file="f.txt",
        start=start,
        end=start + len(text),
        text=text,
        index_text=text,
        headings=headings,
    )


def test_wrapped_and_shortened_headings_print_once() -> None:
    """A PDF heading hard-wrapped in the text and shortened with "…" in the heading path."""
    from kernel.types import FileMeta

    wrapped = _chunk(
        "4. Chuyển đổi số trong hoạt động của các cơ quan Đảng, Nhà nước, \n\n"
        "Mặt trận Tổ quốc và các tổ chức chính trị - xã hội",
        ["III. NHIỆM VỤ", "4. Chuyển đổi số trong hoạt động của các cơ quan Đảng, Nhà nước, Mặt…"],
    )
    runin = _chunk(
        "1. Các cấp ủy đảng, chính quyền, Mặt trận Tổ quốc và các tổ chức chính trị \n\n"
        "- xã hội trong tỉnh tập trung lãnh đạo, chỉ đạo tổ chức học tập Nghị quyết.",
        ["IV. TỔ CHỨC THỰC HIỆN", "1. Các cấp ủy đảng, chính quyền, Mặt trận Tổ quốc và các…"],
        start=500,
    )
    html = document_html(FileMeta(file="f.txt", title="NQ"), [wrapped, runin])
    body = html.split('class="nq-doc-body"', 1)[1]
    # printed once, in full, as a heading; the passage that only repeated it is gone
    assert body.count("Mặt trận Tổ quốc và các tổ chức chính trị - xã hội</h4>") == 1
    assert body.count("4. Chuyển đổi số") == 1
    # a heading that runs into its paragraph stays in the text, not above it
    assert body.count("1. Các cấp ủy đảng") == 1 and "<h4" not in body.split("IV. TỔ")[1]
    assert "chính trị - xã hội trong tỉnh" in " ".join(body.split())  # re-flowed
    # contents and find box
    assert '<details class="nq-toc">' in html and 'href="#nq-h-0"' in html
    assert 'class="nq-find-input"' in html


def test_reflow_keeps_offsets_and_real_breaks() -> None:
    text = (
        "- Phổ cập dịch vụ mạng Internet băng rộng cáp quang và dịch vụ mạng di \n\n"
        "động 5G.\n\n- Trên 70% dân số trưởng thành có chữ ký số."
    )
    flowed = reflow(text)
    assert len(flowed) == len(text)
    assert "mạng di" in flowed and "di \n" not in flowed  # mid-phrase break joined
    assert "5G.\n\n- Trên" in flowed  # a new bullet keeps its line
    assert reflow("II. MỤC TIÊU\n1. Quan điểm") == "II. MỤC TIÊU\n1. Quan điểm"
    heading = "1. Chuyển đổi nhận thức \n\n- Đẩy mạnh công tác tuyên truyền"
    assert reflow(heading) == heading  # a bullet, even one starting with "Đ"


def test_sources_grouped_by_document_and_markers_linked() -> None:
    text = "Câu một 50%. Câu hai 70%."
    a, b = _cite(text, "Câu một 50%."), _cite(text, "Câu hai 70%.")
    b = b.model_copy(update={"marker": 2})
    answer = Answer(question="q", answer="Một [1], hai [2].", citations=[a, b])
    panel = sources_html(answer, turn=3, question="q?")
    assert panel.count('class="nq-src-group"') == 1  # one document: its title once
    assert panel.count('class="nq-title"') == 1 and panel.count('class="nq-src"') == 2
    assert 'id="nq-src-1"' in panel and 'id="nq-src-2"' in panel and "“q?”" in panel
    msg = answer_markdown(answer, turn=3)
    assert msg.count('href="#nq-src-3-2"') == 2  # in the answer and in the source list
    assert 'class="nq-copy"' in msg and "xem khung bên phải" in msg and "xem ngay bên dưới" in msg
    clip = copy_text(answer)
    assert clip.startswith("Một [1], hai [2].") and "[2] T — Quảng Ngãi" in clip


def test_labels_follow_the_question_language() -> None:
    assert chat_messages([], pending="What are the targets?")[-1]["content"] == THINKING_EN
    assert chat_messages([], pending="muc tieu la gi?")[-1]["content"] == THINKING
    c = _cite("Câu hai 70%.", "Câu hai 70%.")
    en = Answer(question="q", answer="x [1]", citations=[c], scope={"lang": "en"})
    vi = en.model_copy(update={"scope": {"lang": "vi-nodiacritics"}})
    assert "Open in the document" in sources_html(en) and "Sources" in answer_markdown(en)
    assert "Copy" in answer_markdown(en) and "Mở trong văn bản" not in sources_html(en)
    assert "Mở trong văn bản" in sources_html(vi) and "Nguồn" in answer_markdown(vi)


def test_scope_header_and_note_follow_the_users_filter(handlers: ChatHandlers) -> None:
    catalog = handlers.service.catalog()
    files = [m.file for m in catalog]
    kh = next(m.file for m in catalog if m.province == "Khánh Hòa")
    assert scope_label(files, catalog) == "Phạm vi tìm kiếm: tất cả văn bản"
    assert "1/5 văn bản — Khánh Hòa" in scope_label([kh], catalog)
    assert "chưa chọn" in scope_label([], catalog)
    assert "Khánh Hòa" in handlers.scope_changed([kh]).label
    turns = _run(handlers, Q_2030, selected=[kh])[-1][2]
    note = turns[0]["note"]
    assert "Bạn đang giới hạn tìm kiếm trong: Khánh Hòa" in note and "Quảng Ngãi" in note
    chat = chat_messages(turns)[-1]["content"]
    assert "Bạn đang giới hạn tìm kiếm trong" in chat
    assert _run(handlers, Q_2030, selected=files)[-1][2][0]["note"] == ""


def test_clear_resets_everything(handlers: ChatHandlers) -> None:
    turns = _run(handlers, Q_2030)[-1][2]
    chat, panel, state, shown, box, download, status, feedback, comment = handlers.reset()
    assert chat == [] and state == [] and shown == -1 and "data-turn" not in panel
    assert download.interactive is False and feedback.label == FEEDBACK_NONE
    # the next question starts a new conversation: nothing earlier comes back
    chat, panel, turns, *_ = _run(
        handlers, "Khánh Hòa đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP đến năm 2025?"
    )[-1]
    assert len(turns) == 1 and len(chat) == 2


def test_feedback_goes_to_the_answer_named_in_its_header(handlers: ChatHandlers) -> None:
    turns = _run(handlers, Q_2030)[-1][2]
    turns = _run(handlers, "còn năm 2025 thì sao?", turns)[-1][2]
    assert "còn năm 2025" in feedback_label(turns, 1)
    panel, shown, box = handlers.show_sources(turns, gr.SelectData(None, {"index": 0, "value": ""}))
    assert shown == 0 and Q_2030 in box.label
    handlers.on_vote("up", "", turns, shown)
    assert list(handlers.store.rows())[-1]["question"] == Q_2030


def test_conversation_docx(handlers: ChatHandlers, tmp_path: Path) -> None:
    from docx import Document

    turns = _run(handlers, Q_2030)[-1][2]
    turns.append({"question": XSS, "answer": None, "error": "Lỗi thử"})
    path = conversation_docx(turns, tmp_path / "c.docx")
    doc = Document(str(path))
    styles = [(p.style.name, p.text) for p in doc.paragraphs]
    assert styles[0] == ("Title", "Hỏi đáp về nghị quyết chuyển đổi số")
    assert ("Heading 1", f"Câu hỏi 1: {Q_2030}") in styles and ("Heading 2", "Nguồn") in styles
    quotes = [p for p in doc.paragraphs if p.style.name == "Quote"]
    assert quotes and any(r.bold and "70%" in r.text for r in quotes[0].runs)
    text = "\n".join(t for _, t in styles)
    cite = turns[0]["answer"].citations[0]
    assert cite.title in text and "Quảng Ngãi" in text and "Mục: " in text
    assert cite.file not in text and "ký tự" not in text and str(cite.start) not in text
    assert XSS in text and "Lỗi thử" in text  # a Word file shows typed text as text
