"""The environment of a process that must never reach the network.

Entry points (the app, the command-line tools, the test suite) call
:func:`use_offline_environment` first thing, before the model and UI libraries are
imported (they read these variables at import time). Library code never writes the
environment: the embedding model is loaded from a local folder with ``local_files_only``.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def use_offline_environment() -> None:
    """Set every variable of :data:`OFFLINE_ENV` that the caller has not set already."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
