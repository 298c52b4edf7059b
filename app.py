"""The web app officials and trainers use: chat with cited sources, documents, feedback.

``python app.py`` (or ``nqcds-app``) serves the Gradio app at ``/``, the HTTP API at ``/api``
and the OpenAI-compatible API at ``/v1`` on ``settings.server.host:port`` (127.0.0.1:7860
unless configured), fully offline.
"""

from __future__ import annotations

from kernel.offline import use_offline_environment

# Before gradio is imported: no analytics or telemetry calls from a self-hosted server.
use_offline_environment()

import logging  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from assistant.chain import Assistant  # noqa: E402
from assistant.service import AssistantService  # noqa: E402
from assistant.web.api import Guard, build_api  # noqa: E402
from assistant.web.feedback import FeedbackStore  # noqa: E402
from assistant.web.feedback_api import build_feedback_api  # noqa: E402
from assistant.web.openai_api import build_openai_api  # noqa: E402
from assistant.web.page import LocalizedPage  # noqa: E402
from assistant.web.ui.chat import ChatHandlers, build_chat_tab  # noqa: E402
from assistant.web.ui.documents import (  # noqa: E402
    CHAT_TAB,
    DOCS_TAB,
    DocumentHandlers,
    build_documents_tab,
)
from assistant.web.ui.render import document_choices, esc  # noqa: E402
from assistant.web.ui.targets_tab import TARGETS_TAB, TargetHandlers, build_targets_tab  # noqa: E402
from assistant.web.ui.theme import CSS, HEAD, make_theme  # noqa: E402
from kernel.embeddings import load_embeddings  # noqa: E402
from kernel.settings import Settings, get_settings  # noqa: E402

log = logging.getLogger(__name__)

TITLE = "Trợ lý nghị quyết chuyển đổi số"
INTRO = (
    "Hỏi đáp về các nghị quyết chuyển đổi số của các tỉnh; mỗi câu trả lời kèm đoạn văn bản "
    "gốc đã dùng — bấm [1], [2] để xem nguồn."
)
DESCRIPTION = (
    "Trợ lý hỏi đáp về các nghị quyết chuyển đổi số của các tỉnh, trả lời kèm đúng đoạn văn "
    "bản gốc; bảng chỉ tiêu và bộ câu hỏi ôn tập cho Bình dân học vụ số."
)


def build_app(
    settings: Settings,
    assistant: Assistant | None = None,
    *,
    service: AssistantService | None = None,
) -> gr.Blocks:
    """The Gradio Blocks app (queue configured); ``assistant`` defaults to a lazy one."""
    service = service or AssistantService(settings, assistant)
    store = FeedbackStore.from_settings(settings)
    chat = ChatHandlers(service, store)
    docs = DocumentHandlers(service)
    catalog = document_choices(service.catalog())
    _, problem = service.try_get() if not catalog else (None, "")

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"# {TITLE}\n{INTRO}", elem_id="nq-header")
        banner = gr.HTML(_banner(problem), elem_id="nq-banner", visible=bool(problem))
        with gr.Tabs() as tabs:
            with gr.Tab("Hỏi đáp", id=CHAT_TAB):
                c = build_chat_tab(chat, catalog)
            with gr.Tab("Văn bản", id=DOCS_TAB):
                # Adding documents needs a signed-in user: only where a login is set.
                uploads = bool(settings.server.username and settings.server.password)
                d = build_documents_tab(docs, catalog, uploads=uploads)
            with gr.Tab("Chỉ tiêu", id=TARGETS_TAB):
                build_targets_tab(TargetHandlers(service, docs), demo, (tabs, d["pick"], d["view"]))
        c["sources"].click(
            docs.open_citation,
            [c["turns"], c["shown"]],
            [tabs, d["pick"], d["view"]],
            show_progress="hidden",
        )

        def refresh() -> tuple:
            """Each page load: pick up an index built after the server started."""
            fresh = document_choices(service.catalog())
            _, why = service.try_get() if not fresh else (None, "")
            files = [f for _, f in fresh]
            return (
                gr.CheckboxGroup(choices=fresh, value=files),
                gr.Dropdown(choices=fresh),
                gr.HTML(_banner(why), visible=bool(why)),
            )

        demo.load(refresh, None, [c["scope"], d["pick"], banner], show_progress="hidden")
    demo.queue(default_concurrency_limit=max(1, settings.server.concurrency))
    return demo


def _banner(problem: str) -> str:
    return f'<div class="nq-banner" role="alert">{esc(problem)}</div>' if problem else ""


def create_server(
    settings: Settings, assistant: Assistant | None = None
) -> tuple[FastAPI, gr.Blocks]:
    """FastAPI app with ``/api`` and ``/v1`` routes and the Gradio app mounted at ``/``."""
    service = AssistantService(settings, assistant)
    demo = build_app(settings, service=service)
    # No Swagger/ReDoc pages: they load their scripts from a CDN. The schema stays.
    app = FastAPI(title=TITLE, docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    # Before the "/" mount, which catches all. One guard: one login and one rate-limit
    # budget per client across /api and /v1.
    guard = Guard(settings)
    app.include_router(build_api(settings, service, guard))
    app.include_router(build_feedback_api(settings, guard))
    app.include_router(build_openai_api(settings, service, guard))
    s = settings.server
    auth = (s.username, s.password.get_secret_value()) if s.username and s.password else None
    gr.mount_gradio_app(
        app,
        demo,
        path="/",
        server_name=s.host,
        server_port=s.port,
        auth=auth,
        auth_message="Đăng nhập để dùng trợ lý." if auth else None,
        theme=make_theme(),
        css=CSS,
        head=HEAD,
        footer_links=[],  # no English developer panel (settings, API page) for officials
        run_history=False,
        show_error=False,
        ssr_mode=False,
        mcp_server=False,
    )
    app.add_middleware(LocalizedPage, title=TITLE, description=DESCRIPTION)
    return app, demo


def _warm_model(settings: Settings) -> None:
    try:
        load_embeddings(settings)
    except Exception as exc:  # a missing model is reported when a question needs it
        log.info("embedding model not loaded at start: %s", exc)


def main(argv: list[str] | None = None) -> int:
    """Serve the app and API with uvicorn on the configured host and port."""
    import uvicorn

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings()
    if settings.chroma.host and settings.state.database_url is None:
        log.warning(
            "Chroma server without NQCDS_STATE__DATABASE_URL: the index pointer, catalog, "
            "targets and feedback stay in %s; replicas on other hosts need a shared "
            "PostgreSQL (docs/deploy.md)",
            settings.state_db,
        )
    probe = AssistantService(settings)
    assistant, problem = probe.try_get()  # load the model now, not on first question
    if problem:
        log.warning("starting without an assistant: %s", problem)
        # Load the embedding model meanwhile, so the first question after the ingest (or
        # the model build) only has to load the index.
        threading.Thread(target=_warm_model, args=(settings,), daemon=True).start()
    app, _ = create_server(settings, assistant)
    s = settings.server
    log.info("serving on http://%s:%d (API at /api, OpenAI-compatible at /v1)", s.host, s.port)
    uvicorn.run(app, host=s.host, port=s.port, log_level="info", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
