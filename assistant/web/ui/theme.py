"""Look of the web app: a theme with local font names only, CSS, and two small scripts.

Gradio's default theme loads IBM Plex from Google Fonts (no internet here) and falls back
to a monospace font for tables that lacks Vietnamese diacritics; this theme names only
fonts installed on the machine, with sans-serif as the last resort.
"""

from __future__ import annotations

import gradio as gr

SANS = ["Noto Sans", "Segoe UI", "Roboto", "DejaVu Sans", "Liberation Sans", "Arial"]
MONO = ["Noto Sans Mono", "DejaVu Sans Mono", "Liberation Mono", "Consolas"]


def make_theme() -> gr.themes.Base:
    """The app theme: system fonts with Vietnamese coverage, nothing fetched from a CDN."""
    return gr.themes.Soft(
        primary_hue="blue",
        font=[gr.themes.Font(f) for f in SANS] + ["sans-serif"],
        font_mono=[gr.themes.Font(f) for f in MONO] + ["monospace"],
    )


CSS = """
.gradio-container, .gradio-container button, .gradio-container input,
.gradio-container textarea, .gradio-container table, .gradio-container td,
.gradio-container th, .gradio-container label { font-family: var(--font) !important; }
.nq-banner { padding: .6rem .9rem; border-radius: 8px; background: #fef2f2; color: #991b1b;
  border: 1px solid #fecaca; }
.nq-sources { max-height: 72vh; overflow-y: auto; padding-right: .25rem; }
.nq-sources.nq-empty { color: var(--body-text-color-subdued); }
.nq-src { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .6rem .8rem; margin: 0 0 .7rem 0; background: var(--background-fill-primary); }
.nq-src-head { font-size: 1rem; margin-bottom: .2rem; }
.nq-marker { display: inline-block; min-width: 2em; text-align: center; font-weight: 700;
  color: #fff; background: #1d4ed8; border-radius: 6px; padding: 0 .3em; margin-right: .3em; }
.nq-meta, .nq-section { font-size: .85rem; color: var(--body-text-color-subdued); }
.nq-passage { white-space: pre-line; margin: .5rem 0; padding: .4rem .7rem;
  border-left: 3px solid #93c5fd; font-size: .92rem; line-height: 1.5; }
mark.nq-mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: 3px; }
.nq-open { font-size: .85rem; border: 1px solid #1d4ed8; color: #1d4ed8; background: none;
  border-radius: 6px; padding: .15rem .6rem; cursor: pointer; }
.nq-open:hover { background: #eff6ff; }
.nq-doc { max-height: 78vh; overflow-y: auto; padding: .2rem .8rem; }
.nq-doc-title { margin-bottom: .3rem; }
.nq-chunk { white-space: pre-line; line-height: 1.55; margin: .3rem 0 .8rem 0; }
.nq-chunk.nq-cited { background: #fffbeb; border-left: 4px solid #f59e0b; padding: .3rem .6rem; }
.nq-h { margin: 1rem 0 .4rem 0; }
#nq-chat .message { font-size: 1rem; }
"""

SOURCES_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.nq-open');
  if (b && element.contains(b)) trigger('click', {marker: Number(b.dataset.marker)});
});
"""
"""Each source's "Mở trong văn bản" button tells the server which marker was clicked."""

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
"""
"""Scroll the document view to the cited passage whenever it is re-rendered."""
