"""The web app officials and trainers use: chat with cited sources, documents, feedback.

``python app.py`` (or ``nqcds-app``) serves the Gradio app at ``/``, the HTTP API at ``/api``
and the OpenAI-compatible API at ``/v1`` on ``settings.server.host:port`` (127.0.0.1:7860
unless configured), fully offline.
"""

from __future__ import annotations

import os

from kernel.offline import use_offline_environment

# Before gradio is imported: no analytics or telemetry calls from a self-hosted server.
use_offline_environment()
# After every event Gradio rebuilds a pandas summary of up to 10,000 past events for a
# monitoring page this app does not serve (3-10 ms of CPU per answer, growing with uptime).
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "100000")

import logging  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from assistant.chain import Assistant  # noqa: E402
from assistant.service import AssistantService  # noqa: E402
from assistant.web import errors  # noqa: E402
from assistant.web.api import build_api  # noqa: E402
from assistant.web.feedback import FeedbackStore  # noqa: E402
from assistant.web.feedback_api import build_feedback_api  # noqa: E402
from assistant.web.guard import Guard  # noqa: E402
from assistant.web.openai_api import build_openai_api, openai_error_of  # noqa: E402
from assistant.web.page import LocalizedPage  # noqa: E402
from assistant.web.server import uvicorn_config  # noqa: E402
from assistant.web.throttle import (  # noqa: E402
    ClientAddress,
    LoginThrottle,
    RateLimiter,
    gradio_login,
)
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
from kernel.settings import Settings, SettingsError, get_settings  # noqa: E402

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
    limiter: RateLimiter | None = None,
) -> gr.Blocks:
    """The Gradio Blocks app (queue configured); ``assistant`` defaults to a lazy one.

    ``limiter`` bounds the questions each client asks per minute (shared with the API).
    """
    service = service or AssistantService(settings, assistant)
    store = FeedbackStore.from_settings(settings)
    chat = ChatHandlers(service, store, limiter)
    docs = DocumentHandlers(service)
    catalog = document_choices(service.catalog())
    _, problem = service.try_get() if not catalog else (None, "")

    keep_s = int(settings.server.export_retention_hours * 3600)
    # delete_cache: Gradio's copies of the downloads go when the exports themselves do.
    with gr.Blocks(
        title=TITLE, analytics_enabled=False, delete_cache=(min(3600, keep_s), keep_s)
    ) as demo:
        gr.Markdown(f"# {TITLE}\n{INTRO}", elem_id="nq-header")
        banner = gr.HTML(_banner(problem), elem_id="nq-banner", visible=bool(problem))
        with gr.Tabs() as tabs:
            with gr.Tab("Hỏi đáp", id=CHAT_TAB):
                c = build_chat_tab(chat, catalog)
            with gr.Tab("Văn bản", id=DOCS_TAB):
                # Adding documents needs a signed-in user: only where a login is set.
                uploads = settings.server.login() is not None
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
    # One answer per core at a time; a bounded queue (memory) behind them.
    demo.queue(default_concurrency_limit=settings.server.answer_slots(), max_size=256)
    return demo


def _banner(problem: str) -> str:
    return f'<div class="nq-banner" role="alert">{esc(problem)}</div>' if problem else ""


def create_server(
    settings: Settings, assistant: Assistant | None = None
) -> tuple[FastAPI, gr.Blocks]:
    """FastAPI app with ``/api`` and ``/v1`` routes and the Gradio app mounted at ``/``.

    Raises :class:`~kernel.settings.SettingsError` for a username without a password.
    """
    credentials = settings.server.login()
    service = AssistantService(settings, assistant)
    limiter = RateLimiter(settings.server.rate_limit_per_minute)
    logins = LoginThrottle.from_settings(settings.server)
    demo = build_app(settings, service=service, limiter=limiter)
    # No Swagger/ReDoc pages: they load their scripts from a CDN. The schema stays.
    app = FastAPI(title=TITLE, docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    # Before the "/" mount, which catches all. One guard: one login and one question budget
    # per client across /api, /v1 and the chat.
    guard = Guard(settings, limiter, logins)
    app.include_router(build_api(settings, service, guard))
    app.include_router(build_feedback_api(settings, guard))
    app.include_router(build_openai_api(settings, service, guard))
    app.include_router(errors.api_fallback())  # after every /api route: JSON 404/405 there
    # Enforced while bodies stream in; uploads of documents get the file-size cap instead.
    errors.install(
        app,
        settings.server.max_body_bytes,
        upload_bytes=settings.ingest.max_file_bytes,
        shapes={"/v1/": openai_error_of},
    )
    app.add_middleware(ClientAddress)  # the login check needs the client's address
    s = settings.server
    auth = gradio_login(logins, *credentials) if credentials else None
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
        max_file_size=settings.ingest.max_file_bytes,
        allowed_paths=[str(settings.exports_dir)],  # downloads are written there
    )
    app.add_middleware(LocalizedPage, title=TITLE, description=DESCRIPTION)
    return app, demo


def _warm_model(settings: Settings) -> None:
    try:
        load_embeddings(settings)
    except Exception as exc:  # a missing model is reported when a question needs it
        log.info("embedding model not loaded at start: %s", exc)


def use_private_gradio_cache(settings: Settings) -> None:
    """Gradio copies every download and upload into its cache folder: keep that folder
    under the data directory, readable by the server's user only (not ``/tmp/gradio``).

    Entry point only (it sets ``GRADIO_TEMP_DIR``, read when the app is built).
    """
    cache = settings.data_dir / "gradio-cache"
    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    cache.chmod(0o700)
    os.environ.setdefault("GRADIO_TEMP_DIR", str(cache))


def main(argv: list[str] | None = None) -> int:
    """Serve the app and API with uvicorn on the configured host and port."""
    import uvicorn

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings().for_serving()
    try:
        settings.server.login()  # before anything slow: a half-set login stops the start
    except SettingsError as exc:
        print(f"Không khởi động / not starting: {exc}", file=sys.stderr)
        return 2
    if settings.chroma.host and settings.state.database_url is None:
        log.warning(
            "Chroma server without NQCDS_STATE__DATABASE_URL: the index pointer, catalog, "
            "targets and feedback stay in %s; replicas on other hosts need a shared "
            "PostgreSQL (docs/deploy.md)",
            settings.state_db,
        )
    use_private_gradio_cache(settings)
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
    uvicorn.Server(uvicorn_config(app, settings)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
