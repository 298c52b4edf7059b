"""The real app in a real browser: Debian's Chromium, headless, driven by Playwright.

The server (FastAPI + Gradio, exactly what ``python app.py`` serves) runs in a thread on a
free loopback port over the test index; one server and one browser serve the whole module,
each test gets a fresh browser context (viewport, light or dark colour scheme). Screenshots
go to ``artifacts/`` (gitignored) at 1366×768 and 390×844, light and dark.
"""

from __future__ import annotations

import re
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
Q_QN = "muc tieu chu ky so cua Quang Ngai den nam 2030"
Q_KH = "Khánh Hòa đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP đến năm 2025?"
Q_TH_EN = "What are Thanh Hoa's digital transformation targets for 2026?"
DESKTOP = (1366, 768)
PHONE = (390, 844)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not installed: apt-get install -y chromium",
)

# WCAG contrast of every visible text element under the given selectors, from computed
# styles: the text colour over the background composited from the element's ancestors.
CONTRAST_JS = """
(selectors) => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    return [0, 1, 2].map((i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a)
      .concat([a]);
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const canvas = () => {
    for (const el of [document.body, document.documentElement]) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c && c[3] > 0) return over(c, [255, 255, 255, 1]);
    }
    return [255, 255, 255, 1];
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.backgroundImage !== 'none') return null;  // a gradient: not measurable here
      const c = parse(cs.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = canvas();
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const out = [];
  for (const sel of selectors) {
    for (const el of document.querySelectorAll(sel + ', ' + sel + ' *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.nodeValue.trim());
      if (!own || !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
      const bg = background(el);
      if (!bg) continue;
      const fg = over(parse(getComputedStyle(el).color), bg);
      const [a, b] = [lum(fg), lum(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      out.push({sel, text: el.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100,
                fg: fg.map(Math.round).join(','), bg: bg.map(Math.round).join(',')});
    }
  }
  return out;
}
"""


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


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def open_page(browser, url: str, size=DESKTOP, scheme: str = "light"):
    """A page in a fresh context that records dialogs and requests leaving the machine."""
    ctx = browser.new_context(
        viewport={"width": size[0], "height": size[1]},
        color_scheme=scheme,
        accept_downloads=True,
        locale="vi-VN",
        permissions=["clipboard-read", "clipboard-write"],
    )
    pg = ctx.new_page()
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
    pg.goto(url)
    pg.wait_for_selector(BOX, timeout=TIMEOUT_MS)
    return pg


@pytest.fixture
def page(browser, server):
    pg = open_page(browser, server[0])
    try:
        yield pg
    finally:
        pg.context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def ask(page, question: str, expect: str, via=None) -> str:
    """Type ``question`` (or click ``via``), wait for the finished answer containing ``expect``.

    The sources panel is redrawn with ``data-turn=n`` only once answer ``n`` is complete.
    """
    bots = page.locator('#nq-chat [data-testid="bot"]')
    turn = bots.count() + 1
    if via is None:
        page.fill(BOX, question)
        page.press(BOX, "Enter")
    else:
        via.click()
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


def docx_text(path: str | Path) -> tuple[str, list]:
    from docx import Document

    doc = Document(str(path))
    return "\n".join(p.text for p in doc.paragraphs), doc.paragraphs


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_chat_sources_document_feedback_export(page, server) -> None:
    from assistant.web.feedback import FeedbackStore

    _, settings = server
    # 1. no diacritics
    answer = ask(page, Q_QN, "70%")
    assert "[1]" in answer
    wait_sources(page, "4.3. Phát triển xã hội số")
    src = page.locator("#nq-sources .nq-src-group").first
    assert "Quảng Ngãi" in src.inner_text()
    assert "70%" in src.locator("mark.nq-mark").inner_text()

    # 2. follow-up: the history is passed on
    ask(page, "còn năm 2025 thì sao?", "50%")
    wait_sources(page, "3.3. Phát triển xã hội số")
    assert "50%" in page.locator("#nq-sources mark.nq-mark").first.inner_text()

    # 3. with diacritics, another province: the example button asks it (item 9)
    ask(page, Q_KH, "10%", via=page.locator(".nq-example", has_text=Q_KH))
    wait_sources(page, "Khánh Hòa")
    assert page.locator("#nq-sources mark.nq-mark").count() >= 1
    assert "Đang tìm" not in page.locator("#nq-chat").inner_text()

    # the feedback box names the latest question; clicking an earlier answer retargets it
    feedback = page.locator("#nq-feedback")
    assert Q_KH in feedback.inner_text()
    # the Chatbot's thumbs and the comment form both reach the state database
    store = FeedbackStore.from_settings(settings)
    n0 = store.count()
    page.locator('#nq-chat button[aria-label="Hữu ích"]').last.click()
    page.wait_for_function(
        "() => document.querySelector('#nq-feedback-status').innerText.includes('Cảm ơn')",
        timeout=TIMEOUT_MS,
    )
    page.locator('#nq-chat [data-testid="bot"]').first.click()
    page.wait_for_function(
        "q => document.querySelector('#nq-feedback').innerText.includes(q)",
        arg=Q_QN,
        timeout=TIMEOUT_MS,
    )
    feedback.get_by_text("Góp ý cho câu trả lời 1").click()
    page.get_by_label("Nhận xét (không bắt buộc)").fill("Cần thêm số liệu năm 2030")
    page.get_by_role("button", name="👎 Chưa đúng").click()
    deadline = time.time() + 30
    while store.count() < n0 + 2 and time.time() < deadline:
        time.sleep(0.2)
    rows = list(store.rows())[n0:]
    assert [r["vote"] for r in rows] == ["up", "down"]
    assert rows[0]["question"] == Q_KH and "10%" in rows[0]["answer"]
    assert rows[1]["question"] == Q_QN and rows[1]["comment"] == "Cần thêm số liệu năm 2030"

    # export the conversation as a Word file (item 13)
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.locator("#nq-download").click()
    assert dl.value.suggested_filename.endswith(".docx")
    text, paragraphs = docx_text(dl.value.path())
    assert "70%" in text and "50%" in text and "Câu hỏi 3: " + Q_KH in text
    styles = {p.style.name for p in paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "Quote"} <= styles
    assert "Số 16-NQ/TU · ngày 19/10/2021" in text  # Khánh Hòa's number and date
    assert ".txt" not in text and "ký tự" not in text  # no file names, no offsets

    # open the cited passage in the document view
    page.locator('#nq-chat [data-testid="bot"]').last.click()
    page.wait_for_selector('#nq-sources [data-turn="3"]', state="attached")
    page.locator("#nq-sources button.nq-open").first.click()
    page.wait_for_selector("#nq-doc-view #nq-cited", state="visible", timeout=TIMEOUT_MS)
    assert "10%" in page.locator("#nq-doc-view #nq-cited mark.nq-mark").inner_text()
    assert "Khánh Hòa" in page.locator("#nq-doc-pick input").input_value()
    page.wait_for_function(  # scrolled so the cited passage is on screen
        """() => { const r = document.querySelector('#nq-cited').getBoundingClientRect();
                   return r.top >= 0 && r.top < innerHeight; }""",
        timeout=TIMEOUT_MS,
    )

    # a new conversation starts empty
    page.get_by_role("tab", name="Hỏi đáp").click()
    page.get_by_role("button", name="Cuộc trò chuyện mới").click()
    page.wait_for_function(
        """() => document.querySelectorAll('#nq-chat [data-testid="bot"]').length === 0""",
        timeout=TIMEOUT_MS,
    )
    assert page.external == [], f"requests left the machine: {page.external}"


def test_first_screen_shows_box_and_examples(browser, server) -> None:
    """Item 1: at 1366×768 the question box, "Gửi" and the examples need no scrolling."""
    for size in (DESKTOP, PHONE):
        pg = open_page(browser, server[0], size)
        try:
            assert pg.evaluate("scrollY") == 0
            for sel in (BOX, "#nq-send"):
                b = box(pg, sel)
                assert b["y"] >= 0 and b["y"] + b["height"] <= size[1], (size, sel, b)
            if size == DESKTOP:
                examples = pg.locator(".nq-example")
                assert examples.count() == 4
                for i in range(4):
                    b = examples.nth(i).bounding_box()
                    assert b["y"] + b["height"] <= size[1], (i, b)
        finally:
            pg.context.close()


def test_clear_bin_clears_everything(page) -> None:
    """Item 7: the chat's bin icon resets sources, state and export like a new conversation."""
    ask(page, Q_QN, "70%")
    page.locator('#nq-chat button[aria-label="Xoá"]').click()
    page.wait_for_selector("#nq-sources .nq-empty", state="attached", timeout=TIMEOUT_MS)
    assert page.locator('#nq-chat [data-testid="bot"]').count() == 0
    assert page.locator("#nq-download").is_disabled()
    assert "chưa có câu trả lời" in page.locator("#nq-feedback").inner_text()
    ask(page, Q_KH, "10%")
    assert page.locator('#nq-chat [data-testid="user"]').count() == 1  # nothing came back
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.locator("#nq-download").click()
    text, _ = docx_text(dl.value.path())
    assert "Câu hỏi 1: " + Q_KH in text and "Câu hỏi 2" not in text and Q_QN not in text


def test_markers_link_to_sources_grouped_copy_and_english(page) -> None:
    """Items 8, 9, 12: [n] links scroll to and flash their source, also of an earlier
    answer; one document's cards share one header; copy; English labels for English."""
    ask(page, Q_QN, "70%")
    ask(page, Q_TH_EN, "[3]")
    panel = page.locator("#nq-sources .nq-sources")
    assert panel.get_attribute("lang") == "en"
    assert page.locator("#nq-sources .nq-src-group").count() == 1  # three passages, one title
    assert page.locator("#nq-sources .nq-src").count() == 3
    assert "Open in the document" in panel.inner_text() and "Copy" in ask_last(page)
    link = page.locator('#nq-chat [data-testid="bot"]').last.locator("a.nq-ref", has_text="[3]")
    link.first.click()
    page.wait_for_selector("#nq-sources #nq-src-3.nq-flash", timeout=TIMEOUT_MS)
    page.wait_for_function(
        """() => { const r = document.querySelector('#nq-src-3').getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= innerHeight + 1; }""",
        timeout=TIMEOUT_MS,
    )
    # a marker of the first answer brings back that answer's sources and flashes them
    page.locator('#nq-chat [data-testid="bot"]').first.locator("a.nq-ref").first.click()
    page.wait_for_selector('#nq-sources [data-turn="1"] #nq-src-1.nq-flash', timeout=TIMEOUT_MS)
    assert "70%" in page.locator("#nq-sources mark.nq-mark").first.inner_text()
    assert page.locator("#nq-sources .nq-sources").get_attribute("lang") == "vi"
    # copy: the answer text with its citations, as plain text
    page.locator('#nq-chat [data-testid="bot"]').first.locator("button.nq-copy").click()
    page.wait_for_function(
        "() => document.querySelector('#nq-chat button.nq-copy').innerText === 'Đã sao chép'"
    )
    clip = page.evaluate("navigator.clipboard.readText()")
    assert clip.startswith("Theo “Nghị quyết") and "70%" in clip and "\\" not in clip
    assert "Nguồn:\n[1] Nghị quyết về chuyển đổi số tỉnh Quảng Ngãi" in clip


def ask_last(page) -> str:
    return page.locator('#nq-chat [data-testid="bot"]').last.inner_text()


def test_contrast_and_screenshots_light_and_dark(browser, server) -> None:
    """Item 3 (and the screenshots of every layout): WCAG AA contrast ≥ 4.5:1 of the chat,
    the sources, the document reader and the targets tab, light and dark."""
    low: list[dict] = []
    for size in (DESKTOP, PHONE):
        for scheme in ("light", "dark"):
            name = f"{size[0]}-{scheme}"
            pg = open_page(browser, server[0], size, scheme)
            try:
                assert pg.evaluate("document.body.classList.contains('dark')") == (scheme == "dark")
                shot(pg, f"chat-start-{name}")
                ask(pg, Q_QN, "70%")
                if size == PHONE:  # item 2: the sources right after the answer
                    chat, sources = box(pg, "#nq-chat"), box(pg, "#nq-sources")
                    assert chat["y"] + chat["height"] <= sources["y"] < box(pg, BOX)["y"]
                    assert pg.locator("#nq-chat .nq-narrow").first.is_visible()
                else:
                    assert pg.locator("#nq-chat .nq-wide").first.is_visible()
                shot(pg, f"chat-{name}")
                selectors = ["#nq-header", "#nq-sources", '#nq-chat [data-testid="bot"]']
                pg.locator("#nq-sources button.nq-open").first.click()
                pg.wait_for_selector("#nq-doc-view #nq-cited", state="visible")
                pg.wait_for_timeout(300)
                shot(pg, f"document-{name}")
                measured = pg.evaluate(CONTRAST_JS, [*selectors, "#nq-doc-view"])
                assert len(measured) >= 30, measured  # sources, answer and document text
                low += [dict(r, page=name) for r in measured if r["ratio"] < 4.5]
                pg.get_by_role("tab", name="Chỉ tiêu").click()
                pg.wait_for_selector("#nq-targets-chart img", timeout=TIMEOUT_MS)
                if size == PHONE:  # item 5: cards instead of the 8-column table
                    assert not pg.locator("#nq-targets-table").is_visible()
                    pg.locator(".nq-card summary").first.click()
                    pg.locator(".nq-card").first.scroll_into_view_if_needed()
                shot(pg, f"targets-{name}")
                targets = ["#nq-targets-note", "#nq-targets-cards", "#nq-targets-caption"]
                low += [
                    dict(r, page=name)
                    for r in pg.evaluate(CONTRAST_JS, targets)
                    if r["ratio"] < 4.5
                ]
                if size == PHONE:  # a card opens its sentence in the document, as a row does
                    pg.locator(".nq-card .nq-open").first.click()
                    pg.wait_for_selector("#nq-doc-view #nq-cited", state="visible")
            finally:
                pg.context.close()
    assert not low, f"text below 4.5:1 contrast: {low[:10]}"


def test_document_reader_contents_and_find(page) -> None:
    """Item 6: a long document has a table of contents and a find box (no diacritics)."""
    page.get_by_role("tab", name="Văn bản").click()
    page.locator("#nq-doc-pick input").click()
    page.get_by_role("option", name=re.compile("^Quảng Ngãi")).click()
    page.wait_for_selector("#nq-doc-view .nq-toc", timeout=TIMEOUT_MS)
    headings = page.locator("#nq-doc-view .nq-doc-body h4").all_inner_texts()
    assert len(headings) == len(set(headings))  # no heading printed twice in a row
    page.locator("#nq-doc-view .nq-toc summary").click()
    page.locator("#nq-doc-view a.nq-toc-link", has_text="III. NHIỆM VỤ").click()
    page.wait_for_function(
        """() => { const h = [...document.querySelectorAll('#nq-doc-view h3')]
                     .find((e) => e.innerText.startsWith('III. NHIỆM VỤ'));
                   const r = h.getBoundingClientRect();
                   return r.top >= 0 && r.top < innerHeight; }"""
    )
    page.locator("#nq-doc-view .nq-find-input").fill("chu ky so")
    page.wait_for_function(
        "() => /^1\\/\\d+$/.test(document.querySelector('.nq-find-count').innerText)"
    )
    first = page.locator("#nq-doc-view mark.nq-hit-now").inner_text()
    assert first.lower() == "chữ ký số"
    page.locator("#nq-doc-view .nq-find-next").click()
    assert page.locator("#nq-doc-view .nq-find-count").inner_text().startswith("2/")
    shot(page, "document-find-1366-light")


def test_markup_typed_by_user_is_shown_as_text(page) -> None:
    ask(page, XSS, "Vui lòng nhập câu hỏi")  # markup alone asks nothing
    user = page.locator('#nq-chat [data-testid="user"]').last
    assert user.inner_text().strip() == XSS  # shown literally, as typed
    assert user.locator("img, script").count() == 0
    assert page.locator("#nq-sources img, #nq-sources script").count() == 0
    time.sleep(0.5)  # give a would-be onerror handler time to fire
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.dialogs == []


def test_scope_filter_is_named_in_header_and_refusal(page) -> None:
    """Item 11: a question about a province the user's own filter leaves out says so."""
    page.locator("#nq-scope-box").get_by_text("Phạm vi tìm kiếm: tất cả văn bản").click()
    page.get_by_role("button", name="Chọn tất cả").wait_for()
    for name in ("Hải Dương", "Quảng Ngãi", "Thanh Hóa", "Trung ương"):
        page.locator("#nq-scope label", has_text=name).click()
    page.wait_for_selector("#nq-scope-box >> text=giới hạn trong 1/5 văn bản — Khánh Hòa")
    ask(page, Q_QN, "Bạn đang giới hạn tìm kiếm trong: Khánh Hòa")


def test_targets_tab_filter_chart_passage_search(page) -> None:
    """The Chỉ tiêu tab: filter to Quảng Ngãi / xã hội số / 2030, open a row's passage;
    search without diacritics; Vietnamese downloads; the baseline view charts baselines."""
    page.get_by_role("tab", name="Chỉ tiêu").click()
    page.wait_for_selector("#nq-targets-note >> text=dòng", timeout=TIMEOUT_MS)
    for name in ("Hải Dương", "Khánh Hòa", "Thanh Hóa", "Trung ương"):
        page.locator("#nq-targets-provinces label", has_text=name).click()
    for box_, option in (("#nq-targets-pillar", "xã hội số"), ("#nq-targets-year", "2030")):
        page.locator(f"{box_} input").click()
        page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_selector("#nq-targets-note >> text=3 dòng", timeout=TIMEOUT_MS)
    table = page.locator("#nq-targets-table")
    assert "trên 70%" in table.inner_text() and "Hải Dương" not in table.inner_text()
    page.wait_for_selector("#nq-targets-chart img", timeout=TIMEOUT_MS)

    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.locator("#nq-targets-csv").click()
    csv_text = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.startswith("STT,Tỉnh/TP,") and csv_text.count("Quảng Ngãi") >= 3
    assert "metric_key" not in csv_text and ",target," not in csv_text

    table.locator(".body-cell", has_text="trên 70%").first.click()
    page.wait_for_selector("#nq-targets-passage mark.nq-mark", timeout=TIMEOUT_MS)
    assert "70%" in page.locator("#nq-targets-passage mark.nq-mark").inner_text()
    assert "4.3. Phát triển xã hội số" in page.locator("#nq-targets-passage").inner_text()

    search = page.locator("#nq-targets-search textarea, #nq-targets-search input").first
    assert "không dấu" in search.get_attribute("placeholder")
    search.fill("chu ky")
    page.wait_for_selector("#nq-targets-note >> text=chứa “chu ky”", timeout=TIMEOUT_MS)
    assert "chữ ký số" in table.inner_text()
    search.fill("khong co dong nao")
    page.wait_for_selector("#nq-targets-note >> text=Không có dòng nào chứa", timeout=TIMEOUT_MS)
    search.fill("")
    page.locator("#nq-targets-kind label", has_text="Hiện trạng").click()
    page.wait_for_selector("#nq-targets-caption >> text=hiện trạng", timeout=TIMEOUT_MS)

    page.locator("#nq-targets-open").click()
    page.wait_for_selector("#nq-doc-view #nq-cited", state="visible", timeout=TIMEOUT_MS)
    assert "70%" in page.locator("#nq-doc-view #nq-cited mark.nq-mark").inner_text()
    assert "Quảng Ngãi" in page.locator("#nq-doc-pick input").input_value()
    assert page.external == [], f"requests left the machine: {page.external}"


def test_quiz_sheet_and_key_downloads(page) -> None:
    """Item 14: the question sheet has no answers; the key is a separate Word file."""
    page.get_by_role("tab", name="Chỉ tiêu").click()
    page.get_by_text("Tạo bộ câu hỏi (tài liệu cho giảng viên").click()
    page.locator("#nq-quiz-make").click()
    page.wait_for_selector("#nq-quiz >> text=Câu 1.", timeout=TIMEOUT_MS)
    assert "Đáp án" not in page.locator("#nq-quiz").inner_text()
    assert not page.locator("#nq-quiz-key").is_visible()  # folded away until asked for
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.locator("#nq-quiz-download").click()
    sheet, _ = docx_text(dl.value.path())
    with page.expect_download(timeout=TIMEOUT_MS) as dl:
        page.locator("#nq-quiz-key-download").click()
    key, key_paragraphs = docx_text(dl.value.path())
    assert "Câu 8." in sheet and "Nguồn" not in sheet and "Đáp án" not in sheet
    assert key.startswith("Đáp án") and key.count("Nguồn: ") == 8
    assert any(p.style.name == "Quote" for p in key_paragraphs)
    assert ".txt" not in key + sheet and "ký tự" not in key


def test_page_speaks_vietnamese(page, server) -> None:
    """Item 17: page language, title, link previews, labels; no developer panel."""
    import httpx

    html = httpx.get(server[0], timeout=30).text
    assert re.search(r'<html[^>]*lang="vi"', html) and 'lang="en"' not in html
    assert "Click to try out" not in html and 'content="Gradio"' not in html
    assert 'property="og:title" content="Trợ lý nghị quyết chuyển đổi số"' in html
    assert 'name="description"' in html and "githubusercontent" not in html
    assert page.evaluate("document.documentElement.lang") == "vi"
    assert page.title() == "Trợ lý nghị quyết chuyển đổi số"
    assert page.get_by_label("Textbox").count() == 0
    assert page.get_by_role("textbox", name="Câu hỏi").count() == 1
    assert page.get_by_text("Settings").count() == 0 and page.locator("footer").count() == 0
    ask(page, Q_QN, "70%")
    labels = page.evaluate(
        "[...document.querySelectorAll('[aria-label], [title]')]"
        ".map((e) => (e.getAttribute('aria-label') || '') + '|' + (e.title || ''))"
    )
    english = {"Like", "Dislike", "Clear", "Copy", "Copy message"}
    assert not [x for x in labels if set(x.split("|")) & english], labels
    bot = page.locator('#nq-chat [data-testid="bot"]').last.get_attribute("aria-label")
    assert bot.startswith("Trợ lý: ") and "<a" not in bot and "\\[" not in bot
