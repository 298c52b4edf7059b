"""The web layer: HTTP API, web app (ui/), feedback store and conversation export."""
