"""The chat tab: question box, streamed answers, sources panel, scope, feedback, export.

The conversation lives in a per-session ``turns`` state (question, :class:`Answer` or error);
the Chatbot is always redrawn from it, so message ``2*i`` / ``2*i+1`` is turn ``i`` and the
history passed to ``ask`` is built from what was really asked and answered, not from the
escaped text on screen.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.service import AssistantService, friendly_error
from assistant.web.downloads import Downloads
from assistant.web.export import conversation_markdown
from assistant.web.feedback import FeedbackStore
from assistant.web.throttle import RateLimiter
from assistant.web.ui.render import answer_markdown, plain_md, sources_html
from assistant.web.ui.theme import SOURCES_JS
from kernel.types import Answer

log = logging.getLogger(__name__)

EXAMPLES = [
    "Mục tiêu chữ ký số của Quảng Ngãi đến năm 2030 là gì?",
    "muc tieu chu ky so cua Quang Ngai den nam 2030",
    "Khánh Hòa đặt mục tiêu gì về kinh tế số đến năm 2025?",
    "What are Thanh Hoa's digital transformation targets for 2026?",
]
THINKING = "Đang tìm trong các văn bản…"
NO_SCOPE = "Vui lòng chọn ít nhất một văn bản trong “Phạm vi tìm kiếm”."
# Clicking "download" runs the export, then this clicks the hidden file button it filled.
CLICK_DOWNLOAD_JS = "() => document.querySelector('#nq-download-file')?.click()"


def chat_messages(turns: list[dict], pending: str | None = None) -> list[dict]:
    """Chatbot messages for ``turns`` (+ a pending question), every text escaped."""
    msgs: list[dict] = []
    for t in turns:
        msgs.append({"role": "user", "content": plain_md(t["question"])})
        a = t.get("answer")
        text = answer_markdown(a) if a is not None else plain_md(t.get("error") or "")
        msgs.append({"role": "assistant", "content": text})
    if pending is not None:
        msgs += [
            {"role": "user", "content": plain_md(pending)},
            {"role": "assistant", "content": THINKING},
        ]
    return msgs


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


def write_export(turns: list[dict], downloads: Downloads) -> str:
    """The conversation as a private Markdown file for download; old exports pruned."""
    name = f"cuoc-tro-chuyen-{time.strftime('%Y%m%d-%H%M%S')}.md"
    return downloads.write_text(name, conversation_markdown(turns))


def too_many_questions(wait: float) -> str:
    seconds = int(wait) + 1
    return (
        f"Bạn đã hỏi quá nhiều câu trong một phút; vui lòng thử lại sau {seconds} giây "
        f"(câu hỏi vẫn ở trong ô nhập). / Too many questions; try again in {seconds} s."
    )


@dataclass
class ChatHandlers:
    """Event handlers of the chat tab (plain methods, so tests can call them directly)."""

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
        if not q.strip():
            yield (chat_messages(turns), gr.skip(), turns, gr.skip(), "", gr.skip(), gr.skip())
            return
        if self.limiter is not None and request is not None:
            wait = self.limiter.check(request.client.host if request.client else "unknown")
            if wait:  # the question stays in the box: nothing typed is lost
                note = sources_html(None, too_many_questions(wait))
                yield chat_messages(turns), note, turns, gr.skip(), q, gr.skip(), gr.skip()
                return
        yield (
            chat_messages(turns, pending=q),
            sources_html(None, THINKING),
            turns,
            gr.skip(),
            "",
            gr.skip(),
            "",
        )
        answer, error = None, ""
        try:
            assistant = self.service.get()
            files = sorted(assistant.corpus.docs)
            if selected is not None and not [f for f in selected if f in files]:
                error = NO_SCOPE
            else:
                answer = assistant.ask(
                    q, history=history(turns), filters=scope_filters(selected, files)
                )
        except Exception as exc:  # whatever breaks, the user gets a sentence, not a trace
            log.exception("answering failed for a question of %d characters", len(q))
            error = friendly_error(exc)
        turn = {"question": q, "answer": answer, "error": error}
        done = [*turns, turn]
        panel = sources_html(answer, error, turn=len(done))
        yield chat_messages(done), panel, done, len(done) - 1, "", gr.Button(interactive=True), ""

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
        """A new conversation: empty chat, sources, state and feedback box."""
        return (
            [],
            sources_html(None),
            [],
            -1,
            "",
            gr.Button(interactive=False),
            "",
            "",
        )

    def show_sources(self, turns: list[dict] | None, evt: gr.SelectData) -> tuple:
        """Clicking a message shows the sources of its turn."""
        turns = turns or []
        i = evt.index if isinstance(evt.index, int) else -1
        if not 0 <= i // 2 < len(turns):
            return gr.skip(), gr.skip()
        t = turns[i // 2]
        return sources_html(t.get("answer"), t.get("error", ""), turn=i // 2 + 1), i // 2

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
        """The 👍/👎 buttons under the chat, with the optional comment."""
        turns = turns or []
        i = shown if isinstance(shown, int) and 0 <= shown < len(turns) else len(turns) - 1
        status = self.record(turns[i] if i >= 0 else None, vote, comment, source="chat-form")
        return status, ("" if status.startswith("Cảm ơn") else comment)


def build_chat_tab(h: ChatHandlers, catalog: list[tuple[str, str]]) -> dict[str, Any]:
    """Lay out the chat tab inside the current Blocks context; returns its components."""
    files = [f for _, f in catalog]
    with gr.Accordion("Phạm vi tìm kiếm (mặc định: tất cả văn bản)", open=False):
        scope = gr.CheckboxGroup(
            choices=catalog, value=files, label="Tìm trong các văn bản", elem_id="nq-scope"
        )
        select_all = gr.Button("Chọn tất cả", size="sm")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=360):
            chatbot = gr.Chatbot(
                label="Trò chuyện",
                show_label=False,
                elem_id="nq-chat",
                height=560,
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
            with gr.Row():
                box = gr.Textbox(
                    show_label=False,
                    scale=5,
                    lines=1,
                    max_lines=6,
                    elem_id="nq-question",
                    placeholder="Nhập câu hỏi (có dấu hoặc không dấu) rồi nhấn Enter",
                )
                send = gr.Button("Gửi", variant="primary", scale=1, min_width=80, elem_id="nq-send")
            with gr.Row():
                new = gr.Button("Cuộc trò chuyện mới", elem_id="nq-new")
                download = gr.Button(
                    "Tải cuộc trò chuyện (.md)", interactive=False, elem_id="nq-download"
                )
                download_file = gr.DownloadButton(
                    value=None, visible="hidden", elem_id="nq-download-file"
                )
            # Outside the accordion: a 👍 on a chat message must show its thanks too.
            status = gr.Markdown("", elem_id="nq-feedback-status")
            gr.Examples(EXAMPLES, inputs=[box], label="Câu hỏi mẫu")
            with gr.Accordion("Góp ý cho câu trả lời đang xem", open=False):
                comment = gr.Textbox(label="Nhận xét (không bắt buộc)", lines=2, max_lines=6)
                with gr.Row():
                    up = gr.Button("👍 Hữu ích", size="sm")
                    down = gr.Button("👎 Chưa đúng", size="sm")
        with gr.Column(scale=2, min_width=320):
            sources = gr.HTML(
                sources_html(None),
                js_on_load=SOURCES_JS,
                elem_id="nq-sources",
                label="Nguồn trích dẫn",
            )
    turns = gr.State([])
    shown = gr.State(-1)

    outs = [chatbot, sources, turns, shown, box, download, status]
    for trigger in (box.submit, send.click):
        trigger(h.respond, [box, turns, scope], outs, show_progress="hidden", api_name="ask")
    download.click(h.export, [turns], download_file, show_progress="hidden").success(
        None, js=CLICK_DOWNLOAD_JS
    )
    new.click(h.reset, None, [*outs, comment], show_progress="hidden")
    select_all.click(
        lambda: [m.file for m in h.service.catalog()], None, scope, show_progress="hidden"
    )
    chatbot.like(h.on_like, [turns], status, show_progress="hidden")
    chatbot.select(h.show_sources, [turns], [sources, shown], show_progress="hidden")
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
        "chatbot": chatbot,
        "sources": sources,
        "turns": turns,
        "shown": shown,
        "box": box,
        "status": status,
    }
