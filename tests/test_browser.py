"""The real app in a real browser: Debian's Chromium, headless, driven by Playwright.

The server (FastAPI + Gradio, exactly what ``python app.py`` serves) runs in a thread on a
free loopback port over the test index. Screenshots go to ``artifacts/`` (gitignored).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XSS = "<img src=x onerror=alert(1)><script>window.__xss=1</script>"
BOX = "#nq-question textarea"
TIMEOUT_MS = 90_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not installed: apt-get install -y chromium",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(index_settings, assistant) -> Iterator[tuple[str, object]]:
    """``(base url, settings)`` of the app served by uvicorn in a background thread."""
    import uvicorn

    import app as webapp

    port = _free_port()
    server_settings = index_settings.server.model_copy(update={"port": port})
    settings = index_settings.model_copy(update={"server": server_settings})
    fastapi_app, _ = webapp.create_server(settings, assistant)
    srv = uvicorn.Server(
        uvicorn.Config(fastapi_app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.time() + 60
    while not srv.started and time.time() < deadline:
        time.sleep(0.1)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/", settings
    srv.should_exit = True
    th.join(timeout=15)


@pytest.fixture
def page(server):
    """A fresh headless Chromium page that records dialogs and non-local requests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page(
            viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="vi-VN"
        )
        pg.dialogs, pg.external = [], []  # type: ignore[attr-defined]
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        pg.on(
            "request",
            lambda r: (
                pg.external.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                else None
            ),
        )
        pg.goto(server[0])
        pg.wait_for_selector(BOX, timeout=TIMEOUT_MS)
        try:
            yield pg
        finally:
            browser.close()


def ask(page, question: str, expect: str) -> str:
    """Type ``question``, press Enter, wait for the finished answer; it must contain ``expect``.

    The sources panel is redrawn with ``data-turn=n`` only once answer ``n`` is complete.
    """
    bots = page.locator('#nq-chat [data-testid="bot"]')
    turn = bots.count() + 1
    page.fill(BOX, question)
    page.press(BOX, "Enter")
    page.wait_for_selector(
        f'#nq-sources [data-turn="{turn}"]', state="attached", timeout=TIMEOUT_MS
    )
    page.wait_for_function(  # the Chatbot re-renders right after the panel
        """([n, expect]) => {
            const bots = document.querySelectorAll('#nq-chat [data-testid="bot"]');
            return bots.length === n && bots[n - 1].innerText.includes(expect);
        }""",
        arg=[turn, expect],
        timeout=10_000,
    )
    return bots.last.inner_text()


def wait_sources(page, text: str) -> None:
    page.wait_for_function(
        "t => document.querySelector('#nq-sources').innerText.includes(t)",
        arg=text,
        timeout=TIMEOUT_MS,
    )


def test_chat_sources_document_feedback_export(page, server) -> None:
    from assistant.web.feedback import FeedbackStore

    _, settings = server
    # 1. no diacritics
    answer = ask(page, "muc tieu chu ky so cua Quang Ngai den nam 2030", "70%")
    assert "[1]" in answer
    wait_sources(page, "4.3. Phát triển xã hội số")
    src = page.locator("#nq-sources .nq-src").first
    assert "Quảng Ngãi" in src.inner_text()
    assert "70%" in src.locator("mark.nq-mark").inner_text()

    # 2. follow-up: the history is passed on
    answer = ask(page, "còn năm 2025 thì sao?", "50%")
    wait_sources(page, "3.3. Phát triển xã hội số")
    assert "50%" in page.locator("#nq-sources mark.nq-mark").first.inner_text()

    # 3. with diacritics, another province
    ask(page, "Khánh Hòa đặt mục tiêu gì về kinh tế số đến năm 2025?", "10%")
    wait_sources(page, "Khánh Hòa")
    assert page.locator("#nq-sources mark.nq-mark").count() >= 1
    assert "Đang tìm" not in page.locator("#nq-chat").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser.png"), full_page=True)

    # feedback: the Chatbot's thumbs and the comment form both reach the state database
    store = FeedbackStore.from_settings(settings)
    n0 = store.count()
    page.locator('#nq-chat button[aria-label="Like"]').last.click()
    page.wait_for_function(
        "() => document.querySelector('#nq-feedback-status').innerText.includes('Cảm ơn')",
        timeout=TIMEOUT_MS,
    )
    page.get_by_text("Góp ý cho câu trả lời đang xem").click()
    page.get_by_label("Nhận xét (không bắt buộc)").fill("Cần thêm số liệu năm 2030")
    page.get_by_role("button", name="👎 Chưa đúng").click()
    deadline = time.time() + 30
    while store.count() < n0 + 2 and time.time() < deadline:
        time.sleep(0.2)
    rows = list(store.rows())[n0:]
    assert [r["vote"] for r in rows] == ["up", "down"]
    assert rows[1]["comment"] == "Cần thêm số liệu năm 2030" and "10%" in rows[1]["answer"]

    # export the conversation as Markdown
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.locator("#nq-download").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "70%" in text and "50%" in text and "### Nguồn" in text

    # open the cited passage in the document view
    page.locator("#nq-sources button.nq-open").first.click()
    page.wait_for_selector("#nq-doc-view #nq-cited", state="visible", timeout=TIMEOUT_MS)
    assert "10%" in page.locator("#nq-doc-view #nq-cited mark.nq-mark").inner_text()
    assert "Khánh Hòa" in page.locator("#nq-doc-pick input").input_value()
    page.wait_for_function(  # scrolled so the cited passage is on screen
        """() => { const r = document.querySelector('#nq-cited').getBoundingClientRect();
                   return r.top >= 0 && r.top < innerHeight; }""",
        timeout=TIMEOUT_MS,
    )
    page.screenshot(path=str(ARTIFACTS / "browser-document.png"))

    # a new conversation starts empty
    page.get_by_role("tab", name="Hỏi đáp").click()
    page.get_by_role("button", name="Cuộc trò chuyện mới").click()
    page.wait_for_function(
        """() => document.querySelectorAll('#nq-chat [data-testid="bot"]').length === 0""",
        timeout=TIMEOUT_MS,
    )
    assert page.external == [], f"requests left the machine: {page.external}"


def test_markup_typed_by_user_is_shown_as_text(page) -> None:
    ask(page, XSS, "Không tìm thấy")
    user = page.locator('#nq-chat [data-testid="user"]').last
    assert user.inner_text().strip() == XSS  # shown literally, as typed
    assert user.locator("img, script").count() == 0
    assert page.locator("#nq-sources img, #nq-sources script").count() == 0
    time.sleep(0.5)  # give a would-be onerror handler time to fire
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []
    page.screenshot(path=str(ARTIFACTS / "browser-markup.png"), full_page=True)


def test_targets_tab_filter_chart_passage(page) -> None:
    """The Chỉ tiêu tab: filter to Quảng Ngãi / xã hội số / 2030, open a row's passage."""
    page.get_by_role("tab", name="Chỉ tiêu").click()
    page.wait_for_selector("#nq-targets-note >> text=dòng", timeout=TIMEOUT_MS)
    for name in ("Hải Dương", "Khánh Hòa", "Thanh Hóa", "Trung ương"):
        page.locator("#nq-targets-provinces label", has_text=name).click()
    for box, option in (("#nq-targets-pillar", "xã hội số"), ("#nq-targets-year", "2030")):
        page.locator(f"{box} input").click()
        page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_selector("#nq-targets-note >> text=3 dòng", timeout=TIMEOUT_MS)
    table = page.locator("#nq-targets-table")
    assert "trên 70%" in table.inner_text() and "Hải Dương" not in table.inner_text()
    page.wait_for_selector("#nq-targets-chart img", timeout=TIMEOUT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "targets.png"), full_page=True)

    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.locator("#nq-targets-csv").click()
    assert Path(dl.value.path()).read_text(encoding="utf-8-sig").count("Quảng Ngãi") >= 3

    table.locator(".body-cell", has_text="trên 70%").first.click()
    page.wait_for_selector("#nq-targets-passage mark.nq-mark", timeout=TIMEOUT_MS)
    assert "70%" in page.locator("#nq-targets-passage mark.nq-mark").inner_text()
    assert "4.3. Phát triển xã hội số" in page.locator("#nq-targets-passage").inner_text()
    page.locator("#nq-targets-open").click()
    page.wait_for_selector("#nq-doc-view #nq-cited", state="visible", timeout=TIMEOUT_MS)
    assert "70%" in page.locator("#nq-doc-view #nq-cited mark.nq-mark").inner_text()
    assert "Quảng Ngãi" in page.locator("#nq-doc-pick input").input_value()
    assert page.external == [], f"requests left the machine: {page.external}"
