"""Look of the web app: a theme with local font names only, CSS, and the page's small scripts.

Gradio's default theme loads IBM Plex from Google Fonts (no internet here) and falls back
to a monospace font for tables that lacks Vietnamese diacritics; this theme names only
fonts installed on the machine, with sans-serif as the last resort.

Colours of everything this app draws (highlights, cited passages, links, notes) are set
for light and dark mode explicitly, each pair at WCAG AA contrast (≥ 4.5:1) or better;
``tests/test_browser.py`` measures them from computed styles.
"""

from __future__ import annotations

import gradio as gr

SANS = ["Noto Sans", "Segoe UI", "Roboto", "DejaVu Sans", "Liberation Sans", "Arial"]
MONO = ["Noto Sans Mono", "DejaVu Sans Mono", "Liberation Mono", "Consolas"]
NARROW = 767  # px: at or below this width the layout is one column (phones)


def make_theme() -> gr.themes.Base:
    """The app theme: system fonts with Vietnamese coverage, nothing fetched from a CDN."""
    return gr.themes.Soft(
        primary_hue="blue",
        font=[gr.themes.Font(f) for f in SANS] + ["sans-serif"],
        font_mono=[gr.themes.Font(f) for f in MONO] + ["monospace"],
    )


CSS = (
    """
.gradio-container, .gradio-container button, .gradio-container input,
.gradio-container textarea, .gradio-container table, .gradio-container td,
.gradio-container th, .gradio-container label { font-family: var(--font) !important; }
:root { --nq-text: #1f2937; --nq-muted: #4b5563; --nq-link: #1d4ed8; --nq-panel: #ffffff;
  --nq-mark-bg: #fde68a; --nq-mark-fg: #111827; --nq-cited-bg: #fffbeb;
  --nq-cited-border: #d97706; --nq-hit-bg: #bfdbfe; --nq-hit-now: #fb923c;
  --nq-flash: #dbeafe; }
.dark { --nq-text: #f3f4f6; --nq-muted: #d1d5db; --nq-link: #93c5fd; --nq-panel: #1f2937;
  --nq-mark-bg: #854d0e; --nq-mark-fg: #fefce8; --nq-cited-bg: #2b2414;
  --nq-cited-border: #f59e0b; --nq-hit-bg: #1e3a8a; --nq-hit-now: #c2410c;
  --nq-flash: #1e3a8a; }
#nq-header { margin-bottom: -.4rem; }
#nq-header h1 { font-size: 1.45rem; margin: 0 0 .1rem 0; }
#nq-header p { margin: 0; font-size: .92rem; }
.nq-banner { padding: .6rem .9rem; border-radius: 8px; background: #fef2f2; color: #991b1b;
  border: 1px solid #fecaca; }
.nq-sources { max-height: 72vh; overflow-y: auto; padding-right: .25rem; color: var(--nq-text); }
.nq-sources.nq-empty { color: var(--nq-muted); }
.nq-for { font-size: .85rem; color: var(--nq-muted); margin: -.2rem 0 .5rem 0; }
.nq-src-group { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .55rem .75rem; margin: 0 0 .7rem 0; background: var(--nq-panel); }
.nq-group-head { margin-bottom: .35rem; }
.nq-title { color: var(--nq-text); }
.nq-src { border-top: 1px solid var(--border-color-primary); padding: .45rem 0 .2rem 0;
  scroll-margin-top: .5rem; border-radius: 6px; }
.nq-group-head + .nq-src { border-top: none; }
.nq-src-head { font-size: .95rem; margin-bottom: .1rem; }
.nq-marker { display: inline-block; min-width: 2em; text-align: center; font-weight: 700;
  color: #fff; background: #1d4ed8; border-radius: 6px; padding: 0 .3em; margin-right: .3em; }
.nq-meta, .nq-section { font-size: .85rem; color: var(--nq-muted); }
.nq-passage { white-space: pre-line; margin: .4rem 0; padding: .3rem .7rem;
  border-left: 3px solid #60a5fa; font-size: .92rem; line-height: 1.5; color: var(--nq-text); }
mark.nq-mark { background: var(--nq-mark-bg); color: var(--nq-mark-fg); padding: 0 .1em;
  border-radius: 3px; }
.nq-open, .nq-copy, .nq-doc-tools button { font-size: .85rem; border: 1px solid var(--nq-link);
  color: var(--nq-link); background: transparent; border-radius: 6px; padding: .15rem .6rem;
  cursor: pointer; }
.nq-open:hover, .nq-copy:hover { text-decoration: underline; }
@keyframes nq-flash { 0%, 40% { background: var(--nq-flash);
  box-shadow: 0 0 0 3px var(--nq-link); } 100% { background: transparent; box-shadow: none; } }
.nq-src.nq-flash { animation: nq-flash 1.6s ease-out; }
a.nq-ref { color: var(--nq-link) !important; font-weight: 700; text-decoration: underline; }
.nq-narrow { display: none; }
.nq-scope-note { color: var(--nq-text); border-left: 3px solid var(--nq-cited-border);
  padding-left: .5rem; }
#nq-chat .message { font-size: 1rem; }
#nq-chat .nq-copy { margin-top: .2rem; }
#nq-examples { display: grid !important; grid-template-columns: 1fr 1fr; gap: .35rem .5rem; }
#nq-examples .nq-example { min-width: 0 !important; font-weight: 400; font-size: .86rem;
  padding: .3rem .6rem; white-space: normal; text-align: left; justify-content: flex-start;
  line-height: 1.3; height: 100%; }
#nq-examples-label { grid-column: 1 / -1; min-width: 0 !important; padding: 0 !important; }
#nq-examples-label p { margin: 0; font-size: .88rem; color: var(--nq-muted); }
#nq-feedback-for p { margin: 0; color: var(--nq-muted); font-size: .9rem; }
.nq-doc { max-height: 78vh; overflow-y: auto; padding: 0 .8rem .2rem .8rem;
  color: var(--nq-text); }
.nq-doc-tools { position: sticky; top: 0; z-index: 2; background: var(--background-fill-primary);
  padding: .45rem 0; display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-start;
  border-bottom: 1px solid var(--border-color-primary); }
.nq-toc { flex: 1 1 16rem; }
.nq-toc summary { cursor: pointer; color: var(--nq-link); font-weight: 600; }
.nq-toc ol { list-style: none; margin: .3rem 0; padding: 0; max-height: 40vh; overflow-y: auto; }
.nq-toc li { margin: .1rem 0; }
.nq-toc a { color: var(--nq-link); text-decoration: none; }
.nq-toc a:hover { text-decoration: underline; }
.nq-toc-l1 { padding-left: 1rem; } .nq-toc-l2 { padding-left: 2rem; font-size: .92em; }
.nq-find { display: flex; gap: .3rem; align-items: center; flex: 1 1 16rem; }
.nq-find-input { flex: 1 1 auto; min-width: 8rem; padding: .25rem .5rem; border-radius: 6px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--nq-text); }
.nq-find-count { font-size: .85rem; color: var(--nq-muted); min-width: 4.5rem; }
mark.nq-hit { background: var(--nq-hit-bg); color: var(--nq-text); border-radius: 2px; }
mark.nq-hit.nq-hit-now { background: var(--nq-hit-now); color: #111827; }
.dark mark.nq-hit.nq-hit-now { color: #ffffff; }
.nq-doc-title { margin-bottom: .3rem; }
.nq-chunk { white-space: pre-line; line-height: 1.55; margin: .3rem 0 .8rem 0;
  scroll-margin-top: 4.5rem; }
.nq-chunk.nq-cited { background: var(--nq-cited-bg); color: var(--nq-text);
  border-left: 4px solid var(--nq-cited-border); padding: .3rem .6rem; }
.nq-h { margin: 1rem 0 .4rem 0; scroll-margin-top: 4.5rem; }
.nq-cards { display: none; max-height: 70vh; overflow-y: auto; color: var(--nq-text); }
.nq-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .5rem .7rem; margin: 0 0 .55rem 0; background: var(--nq-panel); }
.nq-card-head { font-size: .85rem; color: var(--nq-muted); }
.nq-card-metric { margin: .15rem 0; }
.nq-card-value { font-size: 1.1rem; font-weight: 700; }
.nq-card details summary { cursor: pointer; color: var(--nq-link); font-size: .9rem; }
#nq-targets-chart img { max-width: min(100%, 560px); height: auto; }
.nq-on-narrow { display: none; }
"""
    + f"""
@media (max-width: {NARROW}px) {{
  #nq-header h1 {{ font-size: 1.2rem; }}
  #nq-header p {{ font-size: .85rem; }}
  /* One column: the chat, then its sources right after it, then the rest. */
  #nq-chat-row {{ flex-wrap: wrap !important; }}
  #nq-chat-left {{ display: contents !important; }}
  #nq-chat-left > * {{ order: 3; flex: 1 1 100% !important; min-width: 0 !important; }}
  #nq-chat-left > #nq-chat {{ order: 1; }}
  #nq-chat-right {{ order: 2; flex: 1 1 100% !important; min-width: 0 !important; }}
  #nq-chat-right:has(.nq-empty) {{ display: none !important; }}
  #nq-examples {{ grid-template-columns: 1fr; }}
  .nq-sources {{ max-height: none; }}
  .nq-wide {{ display: none; }}
  .nq-narrow {{ display: inline; }}
  #nq-targets-table {{ display: none !important; }}
  .nq-cards {{ display: block; }}
  #nq-targets-passage, #nq-targets-open, .nq-on-wide {{ display: none !important; }}
  .nq-on-narrow {{ display: inline; }}
  .nq-doc {{ max-height: none; }}
}}
"""
)

SOURCES_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.nq-open');
  if (b && element.contains(b)) trigger('click', {marker: Number(b.dataset.marker)});
});
if (!window.__nqChatScripts) {
  window.__nqChatScripts = true;
  const panel = () => document.querySelector('#nq-sources .nq-sources');
  const flash = (marker) => {
    const card = document.querySelector('#nq-sources #nq-src-' + marker);
    if (!card) return;
    card.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    card.classList.remove('nq-flash');
    void card.offsetWidth;  // restart the animation
    card.classList.add('nq-flash');
    card.setAttribute('tabindex', '-1');
    card.focus({preventScroll: true});
  };
  const copyText = (node) => {
    const clone = node.cloneNode(true);
    clone.querySelectorAll('br').forEach((br) => br.replaceWith('\\n'));
    return clone.textContent;
  };
  document.addEventListener('click', async (e) => {
    const copy = e.target.closest('#nq-chat button.nq-copy');
    if (copy) {
      e.preventDefault();
      e.stopPropagation();  // copying is not selecting the message
      const src = copy.parentElement.querySelector('.nq-copytext');
      const text = src ? copyText(src) : '';
      try { await navigator.clipboard.writeText(text); } catch (err) {
        const t = document.createElement('textarea');
        t.value = text; document.body.append(t); t.select();
        document.execCommand('copy'); t.remove();
      }
      const label = copy.textContent;
      copy.textContent = label === 'Copy' ? 'Copied' : 'Đã sao chép';
      copy.dataset.copied = '1';
      setTimeout(() => { copy.textContent = label; }, 2000);
      return;
    }
    const ref = e.target.closest('#nq-chat a.nq-ref');
    if (!ref) return;
    e.preventDefault();  // no navigation; the message click still selects this answer
    const m = /#nq-src-(\\d+)-(\\d+)$/.exec(ref.getAttribute('href') || '');
    if (!m) return;
    const [turn, marker] = [m[1], m[2]];
    let tries = 0;
    const wait = () => {
      const p = panel();
      if (p && p.dataset.turn === turn) { flash(marker); return; }
      if (tries++ < 50) setTimeout(wait, 100);
    };
    wait();
  }, true);
}
"""
"""Sources panel: "Mở trong văn bản" tells the server the marker; chat messages' [n] links
scroll to and flash source n (once the panel shows that answer); "Sao chép" copies."""

DOCUMENT_JS = """
const goToCitation = () => {
  let tries = 0;
  const tick = () => {
    const el = element.querySelector('#nq-cited');
    if (!el) return;
    // The tab may still be hidden when the HTML arrives: wait until it has a layout.
    if (el.offsetParent === null && tries++ < 30) { setTimeout(tick, 100); return; }
    el.scrollIntoView({block: 'center'});
  };
  tick();
};
watch('value', goToCitation);
goToCitation();

// Find in the document: case and diacritics ignored, one character for one character.
const fold1 = (ch) => {
  const f = ch.normalize('NFD').replace(/[\\u0300-\\u036f]/g, '').replace(/đ/g, 'd')
    .replace(/Đ/g, 'D').toLowerCase();
  return f.length === 1 ? f : ch;
};
const fold = (s) => Array.from(s, fold1).join('');
let hits = [], current = -1;
const clear = () => {
  element.querySelectorAll('mark.nq-hit').forEach((m) => m.replaceWith(m.textContent));
  const body = element.querySelector('.nq-doc-body');
  if (body) body.normalize();
  hits = []; current = -1;
};
const show = (i) => {
  const count = element.querySelector('.nq-find-count');
  if (!hits.length) return;
  if (current >= 0) hits[current].classList.remove('nq-hit-now');
  current = (i + hits.length) % hits.length;
  hits[current].classList.add('nq-hit-now');
  hits[current].scrollIntoView({block: 'center'});
  if (count) count.textContent = (current + 1) + '/' + hits.length;
};
const find = (query) => {
  clear();
  const toc = element.querySelector('details.nq-toc');
  if (toc) toc.open = false;
  const count = element.querySelector('.nq-find-count');
  const q = fold(query.trim());
  if (!count) return;
  if (q.length < 2) { count.textContent = ''; return; }
  const body = element.querySelector('.nq-doc-body');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const text = node.nodeValue, folded = fold(text);
    let i = folded.indexOf(q);
    if (i < 0) continue;
    const frag = document.createDocumentFragment();
    let last = 0;
    while (i >= 0 && hits.length < 1000) {
      frag.append(text.slice(last, i));
      const m = document.createElement('mark');
      m.className = 'nq-hit';
      m.textContent = text.slice(i, i + q.length);
      frag.append(m); hits.push(m);
      last = i + q.length;
      i = folded.indexOf(q, last);
    }
    frag.append(text.slice(last));
    node.replaceWith(frag);
  }
  if (hits.length) show(0); else count.textContent = 'Không thấy';
};
let timer = null;
element.addEventListener('input', (e) => {
  if (!e.target.matches('.nq-find-input')) return;
  clearTimeout(timer);
  timer = setTimeout(() => find(e.target.value), 200);
});
element.addEventListener('keydown', (e) => {
  if (!e.target.matches('.nq-find-input') || e.key !== 'Enter') return;
  e.preventDefault();
  if (!hits.length) find(e.target.value); else show(current + (e.shiftKey ? -1 : 1));
});
element.addEventListener('click', (e) => {
  if (e.target.closest('.nq-find-next')) { show(current + 1); return; }
  if (e.target.closest('.nq-find-prev')) { show(current - 1); return; }
  const link = e.target.closest('a.nq-toc-link');
  if (!link) return;
  e.preventDefault();
  const target = element.querySelector(link.getAttribute('href'));
  const toc = link.closest('details');
  if (toc) toc.open = false;  // out of the way of what it points to
  if (target) target.scrollIntoView({block: 'start'});
});
watch('value', () => { hits = []; current = -1; });
"""
"""Document view: scroll to the cited passage, table of contents links, the find box."""

_ENGLISH = {
    "Like": "Hữu ích",
    "Dislike": "Chưa đúng",
    "Clear": "Xoá",
    "Copy": "Sao chép",
    "Copy message": "Sao chép",
    "Copied message": "Đã sao chép",
    "Fullscreen": "Toàn màn hình",
    "Exit fullscreen mode": "Thoát toàn màn hình",
    "Download": "Tải xuống",
    "Share": "Chia sẻ",
    "Undo": "Hoàn tác",
    "Retry": "Thử lại",
    "Edit": "Sửa",
    "Submit": "Gửi",
    "Cancel": "Huỷ",
}


def _head_script() -> str:
    import json

    names = json.dumps(_ENGLISH, ensure_ascii=False)
    return (
        "<script>(() => {\n"
        "document.documentElement.lang = 'vi';\n"
        f"const vi = {names};\n"
        """const fix = (el) => {
  for (const a of ['aria-label', 'title']) {
    const v = el.getAttribute && el.getAttribute(a);
    if (v && vi[v] && v !== vi[v]) el.setAttribute(a, vi[v]);
  }
  const t = el.dataset && el.dataset.testid;
  const label = el.getAttribute && el.getAttribute('aria-label');
  if ((t === 'bot' || t === 'user') && label && /^(bot|user)'s message/.test(label)) {
    const who = t === 'bot' ? 'Trợ lý: ' : 'Câu hỏi: ';
    el.setAttribute('aria-label', who + el.innerText.slice(0, 400));
  }
};
const sweep = (root) => {
  fix(root);
  if (root.querySelectorAll) root.querySelectorAll('[aria-label], [title]').forEach(fix);
};
new MutationObserver((records) => {
  for (const r of records) {
    if (r.type === 'attributes') fix(r.target);
    else r.addedNodes.forEach((n) => { if (n.nodeType === 1) sweep(n); });
  }
}).observe(document.documentElement, {subtree: true, childList: true, attributes: true,
  attributeFilter: ['aria-label', 'title']});
addEventListener('DOMContentLoaded', () => sweep(document.body));
})();</script>"""
    )


HEAD = _head_script()
"""Page language Vietnamese; the framework's few English button names (Like, Clear, Copy…)
and its raw-markup message labels for screen readers replaced by Vietnamese ones."""
