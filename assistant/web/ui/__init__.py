"""The Gradio web app's parts: chat tab, document tab, rendering, theme (see ``app.py``)."""
