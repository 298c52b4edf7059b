"""The chat tab: question box, answers, sources panel, scope, feedback, export.

The conversation lives in a per-session ``turns`` state (question, :class:`Answer` or error);
the Chatbot is always redrawn from it, so message ``2*i`` / ``2*i+1`` is turn ``i`` and the
history passed to ``ask`` is built from what was really asked and answered, not from the
escaped text on screen. Clearing the chat (its bin icon or "Cuộc trò chuyện mới") resets
all of it: messages, sources, state, export and feedback.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import gradio as gr

from assistant.question.language import detect_lang
from assistant.service import AssistantService, friendly_error
from assistant.web.downloads import Downloads
from assistant.web.export import conversation_docx
from assistant.web.feedback import FeedbackStore
from assistant.web.throttle import RateLimiter
from assistant.web.ui.labels import words
from assistant.web.ui.render import answer_markdown, plain_md, sources_html
from assistant.web.ui.theme import SOURCES_JS
from kernel.text import fold
from kernel.types import Answer, FileMeta

log = logging.getLogger(__name__)

EXAMPLES = [
    "Mục tiêu chữ ký số của Quảng Ngãi đến năm 2030 là gì?",
    "muc tieu chu ky so cua Quang Ngai den nam 2030",
    "Khánh Hòa đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP đến năm 2025?",
    "What are Thanh Hoa's digital transformation targets for 2026?",
]
THINKING = "Đang tìm trong các văn bản…"
THINKING_EN = "Searching the documents…"
NO_SCOPE = (
    "Vui lòng chọn ít nhất một văn bản trong “Phạm vi tìm kiếm”. / "
    "Please tick at least one document in the search scope."
)
# Clicking "download" runs the export, then this clicks the hidden file button it filled.
CLICK_DOWNLOAD_JS = "() => document.querySelector('#nq-download-file')?.click()"
# The chat fills the screen above the question box and the examples (1366×768: both visible).
CHAT_HEIGHT = "calc(100dvh - 370px)"
FEEDBACK_NONE = "Góp ý cho câu trả lời (chưa có câu trả lời nào)"


def chat_messages(turns: list[dict], pending: str | None = None) -> list[dict]:
    """Chatbot messages for ``turns`` (+ a pending question), every text escaped."""
    msgs: list[dict] = []
    for i, t in enumerate(turns, start=1):
        msgs.append({"role": "user", "content": plain_md(t["question"])})
        msgs.append({"role": "assistant", "content": _reply(t, i)})
    if pending is not None:
        msgs += [
            {"role": "user", "content": plain_md(pending)},
            {"role": "assistant", "content": thinking(pending)},
        ]
    return msgs


def thinking(question: str) -> str:
    """The waiting note, in the language of the question being answered."""
    return THINKING_EN if detect_lang(question) == "en" else THINKING


def _reply(turn: dict, number: int) -> str:
    a = turn.get("answer")
    if a is None:
        return plain_md(turn.get("error") or "")
    return answer_markdown(a, turn=number, note=turn.get("note", ""))


def history(turns: list[dict]) -> list[dict]:
    """The conversation in Gradio messages format, as ``Assistant.ask`` expects it."""
    out: list[dict] = []
    for t in turns:
        if t.get("answer") is not None:
            out += [
                {"role": "user", "content": t["question"]},
                {"role": "assistant", "content": t["answer"].answer},
            ]
    return out


def scope_filters(selected: list[str] | None, all_files: list[str]) -> dict | None:
    """``None`` (search everything) when every document is ticked, else ``{"files": …}``."""
    if selected is None or not all_files:
        return None
    chosen = [f for f in selected if f in all_files]
    if set(chosen) >= set(all_files):
        return None
    return {"files": chosen}


def scope_label(selected: list[str] | None, catalog: list[FileMeta]) -> str:
    """The scope accordion's header: what the search is limited to right now."""
    files = [m.file for m in catalog]
    chosen = [m for m in catalog if selected is None or m.file in selected]
    if not files or len(chosen) == len(files):
        return "Phạm vi tìm kiếm: tất cả văn bản"
    if not chosen:
        return "Phạm vi tìm kiếm: chưa chọn văn bản nào"
    names = ", ".join(dict.fromkeys(m.province or m.title for m in chosen))
    return f"Phạm vi tìm kiếm: giới hạn trong {len(chosen)}/{len(files)} văn bản — {names}"


def scope_note(answer: Answer, selected: list[str] | None, catalog: list[FileMeta]) -> str:
    """A note when the question names a province the user's own scope filter leaves out."""
    asked = answer.scope.get("provinces") or []
    files = {m.file: m for m in catalog}
    chosen = [files[f] for f in (selected or []) if f in files]
    if selected is None or not asked or not files or len(chosen) == len(files):
        return ""
    inside = {fold(m.province) for m in chosen}
    missing = [p for p in asked if fold(p) not in inside]
    if not missing:
        return ""
    allowed = ", ".join(dict.fromkeys(m.province or m.title for m in chosen)) or "—"
    return words(answer)["scope_note"].format(allowed=allowed, asked=", ".join(missing))


def feedback_label(turns: list[dict], shown: int) -> str:
    """The feedback box's header names the question whose answer it rates."""
    if not 0 <= shown < len(turns) or turns[shown].get("answer") is None:
        return FEEDBACK_NONE
    q = " ".join(turns[shown]["question"].split())
    q = q if len(q) <= 90 else q[:89].rstrip() + "…"
    return f"Góp ý cho câu trả lời {shown + 1}: “{q}”"


def write_export(turns: list[dict], downloads: Downloads) -> str:
    """The conversation as a private Word file for download; old exports pruned."""
    path = downloads.new_path(f"cuoc-tro-chuyen-{time.strftime('%Y%m%d-%H%M%S')}.docx")
    return downloads.seal(conversation_docx(turns, path))


def too_many_questions(wait: float) -> str:
    seconds = int(wait) + 1
    return (
        f"Bạn đã hỏi quá nhiều câu trong một phút; vui lòng thử lại sau {seconds} giây "
        f"(câu hỏi vẫn ở trong ô nhập). / Too many questions; try again in {seconds} s."
    )


@dataclass
class ChatHandlers:
    """Event handlers of the chat tab (plain methods, so tests can call them directly).

    ``respond`` and ``reset`` return, in order: chatbot, sources, turns, shown, question
    box, download button, status line, feedback box.
    """

    service: AssistantService
    store: FeedbackStore
    limiter: RateLimiter | None = None  # questions per client per minute, shared with the API

    def respond(
        self,
        question: Any,
        turns: list[dict] | None,
        selected: list[str] | None,
        request: gr.Request | None = None,
    ):
        """The question with a waiting note at once, then the answer and its sources.

        Nothing else happens per answer: the export file is written when it is asked for.
        """
        turns = list(turns or [])
        q = question if isinstance(question, str) else ""
        skip = gr.skip()
        if not q.strip():
            yield (chat_messages(turns), skip, turns, skip, "", skip, skip, skip)
            return
        if self.limiter is not None and request is not None:
            wait = self.limiter.check(request.client.host if request.client else "unknown")
            if wait:  # the question stays in the box: nothing typed is lost
                note = sources_html(None, too_many_questions(wait))
                yield chat_messages(turns), note, turns, skip, q, skip, skip, skip
                return
        waiting = sources_html(None, thinking(q))
        yield chat_messages(turns, pending=q), waiting, turns, skip, "", skip, "", skip
        yield from self._answer(q, turns, selected)

    def _answer(self, q: str, turns: list[dict], selected: list[str] | None):
        answer, error, note = None, "", ""
        try:
            assistant = self.service.get()
            files = sorted(assistant.corpus.docs)
            if selected is not None and not [f for f in selected if f in files]:
                error = NO_SCOPE
            else:
                answer = assistant.ask(
                    q, history=history(turns), filters=scope_filters(selected, files)
                )
                note = scope_note(answer, selected, list(assistant.corpus.docs.values()))
        except Exception as exc:  # whatever breaks, the user gets a sentence, not a trace
            log.exception("answering failed for a question of %d characters", len(q))
            error = friendly_error(exc)
        turn = {"question": q, "answer": answer, "error": error, "note": note}
        done = [*turns, turn]
        panel = sources_html(answer, note or error, turn=len(done), question=q)
        feedback = gr.Accordion(label=feedback_label(done, len(done) - 1))
        download = gr.Button(interactive=True)
        yield chat_messages(done), panel, done, len(done) - 1, "", download, "", feedback

    def export(self, turns: list[dict] | None):
        """The "download" button: write the conversation now, hand it to the file button."""
        if not turns:
            return gr.skip()
        try:
            path = write_export(turns, Downloads.of(self.service.settings))
        except Exception:  # a full disk must not break the page
            log.exception("could not write the conversation export")
            return gr.skip()
        return gr.DownloadButton(value=path)

    def reset(self) -> tuple:
        """A new conversation: empty chat, sources, state, export and feedback box."""
        return (
            [],
            sources_html(None),
            [],
            -1,
            "",
            gr.Button(interactive=False),
            "",
            gr.Accordion(label=FEEDBACK_NONE),
            "",
        )

    def show_sources(self, turns: list[dict] | None, evt: gr.SelectData) -> tuple:
        """Clicking a message (or one of its [n] links) shows the sources of its turn."""
        turns = turns or []
        i = evt.index if isinstance(evt.index, int) else -1
        if not 0 <= i // 2 < len(turns):
            return gr.skip(), gr.skip(), gr.skip()
        t = turns[i // 2]
        panel = sources_html(
            t.get("answer"),
            t.get("note") or t.get("error", ""),
            turn=i // 2 + 1,
            question=t["question"],
        )
        return panel, i // 2, gr.Accordion(label=feedback_label(turns, i // 2))

    def scope_changed(self, selected: list[str] | None) -> gr.Accordion:
        """The scope header follows the ticked documents."""
        return gr.Accordion(label=scope_label(selected, self.service.catalog()))

    def record(self, turn: dict | None, vote: str, comment: str = "", source: str = "chat") -> str:
        """Store one vote for ``turn``; returns the status line shown to the user."""
        if not turn or turn.get("answer") is None:
            return "Chưa có câu trả lời nào để góp ý."
        a: Answer = turn["answer"]
        try:
            self.store.add(
                vote,
                question=turn["question"],
                answer=a.answer,
                citations=a.citations,
                comment=comment or "",
                source=source,
            )
        except Exception:
            log.exception("could not store feedback")
            return "Không lưu được góp ý, vui lòng thử lại sau."
        return "Cảm ơn bạn đã góp ý! 🙏"

    def on_like(self, turns: list[dict] | None, data: gr.LikeData) -> str:
        """👍/👎 on a chat message."""
        vote = {True: "up", False: "down", "Like": "up", "Dislike": "down"}.get(data.liked)
        i = data.index if isinstance(data.index, int) else -1
        turns = turns or []
        if vote is None or not 0 <= i // 2 < len(turns):
            return gr.skip()
        return self.record(turns[i // 2], vote, source="chat-like")

    def on_vote(self, vote: str, comment: str, turns: list[dict] | None, shown: int) -> tuple:
        """The 👍/👎 buttons of the feedback box, for the answer its header names."""
        turns = turns or []
        i = shown if isinstance(shown, int) and 0 <= shown < len(turns) else len(turns) - 1
        status = self.record(turns[i] if i >= 0 else None, vote, comment, source="chat-form")
        return status, ("" if status.startswith("Cảm ơn") else comment)


def build_chat_tab(h: ChatHandlers, catalog: list[tuple[str, str]]) -> dict[str, Any]:
    """Lay out the chat tab inside the current Blocks context; returns its components."""
    files = [f for _, f in catalog]
    with gr.Row(equal_height=False, elem_id="nq-chat-row"):
        with gr.Column(scale=3, min_width=360, elem_id="nq-chat-left"):
            chatbot = gr.Chatbot(
                label="Cuộc trò chuyện",
                show_label=False,
                elem_id="nq-chat",
                height=CHAT_HEIGHT,
                min_height=240,
                layout="bubble",
                sanitize_html=True,
                render_markdown=True,
                allow_tags=False,
                latex_delimiters=[],
                line_breaks=True,
                buttons=[],
                feedback_options=("Like", "Dislike"),
                placeholder="Hỏi về các nghị quyết chuyển đổi số: mục tiêu, chỉ tiêu, nhiệm vụ…",
            )
            with gr.Row(elem_id="nq-ask"):
                box = gr.Textbox(
                    label="Câu hỏi",
                    show_label=False,
                    scale=5,
                    lines=1,
                    max_lines=6,
                    elem_id="nq-question",
                    placeholder="Nhập câu hỏi (có dấu hoặc không dấu) rồi nhấn Enter",
                )
                send = gr.Button("Gửi", variant="primary", scale=1, min_width=80, elem_id="nq-send")
            with gr.Row(elem_id="nq-examples"):
                gr.Markdown("Câu hỏi mẫu:", elem_id="nq-examples-label")
                examples = [
                    gr.Button(q, size="sm", elem_classes="nq-example", min_width=0)
                    for q in EXAMPLES
                ]
            with gr.Row():
                new = gr.Button("Cuộc trò chuyện mới", elem_id="nq-new")
                download = gr.Button(
                    "Tải cuộc trò chuyện (Word)", interactive=False, elem_id="nq-download"
                )
                download_file = gr.DownloadButton(
                    value=None, visible="hidden", elem_id="nq-download-file"
                )
            # Outside the accordion: a 👍 on a chat message must show its thanks too.
            status = gr.Markdown("", elem_id="nq-feedback-status")
            with gr.Accordion(FEEDBACK_NONE, open=False, elem_id="nq-feedback") as feedback:
                comment = gr.Textbox(label="Nhận xét (không bắt buộc)", lines=2, max_lines=6)
                with gr.Row():
                    up = gr.Button("👍 Hữu ích", size="sm")
                    down = gr.Button("👎 Chưa đúng", size="sm")
            with gr.Accordion(
                "Phạm vi tìm kiếm: tất cả văn bản", open=False, elem_id="nq-scope-box"
            ) as scope_box:
                scope = gr.CheckboxGroup(
                    choices=catalog, value=files, label="Tìm trong các văn bản", elem_id="nq-scope"
                )
                select_all = gr.Button("Chọn tất cả", size="sm")
        with gr.Column(scale=2, min_width=320, elem_id="nq-chat-right"):
            sources = gr.HTML(
                sources_html(None),
                js_on_load=SOURCES_JS,
                elem_id="nq-sources",
                label="Nguồn trích dẫn",
            )
    turns = gr.State([])
    shown = gr.State(-1)

    outs = [chatbot, sources, turns, shown, box, download, status, feedback]
    for trigger in (box.submit, send.click):
        trigger(h.respond, [box, turns, scope], outs, show_progress="hidden", api_name="ask")
    for button, question in zip(examples, EXAMPLES, strict=True):
        button.click(partial(h.respond, question), [turns, scope], outs, show_progress="hidden")
    download.click(h.export, [turns], download_file, show_progress="hidden").success(
        None, js=CLICK_DOWNLOAD_JS
    )
    new.click(h.reset, None, [*outs, comment], show_progress="hidden")
    chatbot.clear(h.reset, None, [*outs, comment], show_progress="hidden")
    select_all.click(
        lambda: [m.file for m in h.service.catalog()], None, scope, show_progress="hidden"
    )
    scope.change(h.scope_changed, [scope], scope_box, show_progress="hidden")
    chatbot.like(h.on_like, [turns], status, show_progress="hidden")
    chatbot.select(h.show_sources, [turns], [sources, shown, feedback], show_progress="hidden")
    up.click(
        lambda c, t, s: h.on_vote("up", c, t, s),
        [comment, turns, shown],
        [status, comment],
        show_progress="hidden",
    )
    down.click(
        lambda c, t, s: h.on_vote("down", c, t, s),
        [comment, turns, shown],
        [status, comment],
        show_progress="hidden",
    )
    return {
        "scope": scope,
        "scope_box": scope_box,
        "chatbot": chatbot,
        "sources": sources,
        "turns": turns,
        "shown": shown,
        "box": box,
        "status": status,
        "feedback": feedback,
    }
