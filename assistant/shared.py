"""The targets table of an index, kept in the shared-state database (:mod:`kernel.state`).

Ingest does not write it (it comes before the targets stage and never imports it): the
first process that loads an index derives the table from the index, as every process can
(deterministic, ~0.1 s), and stores it; every process that loads that index afterwards,
on any host, reads the stored rows. The rows are keyed by the index and by a fingerprint
of the extraction code, so a new version of the code derives and stores its own table
instead of serving one it would not have produced. Reports and other tools can read the
active table with SQL (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path

from assistant.chain import Assistant
from assistant.targets.model import Target
from kernel.settings import Settings
from kernel.state import state_store

log = logging.getLogger(__name__)

_ROOT = Path(__file__).resolve().parents[1]
# What the rows depend on besides the index itself.
_TARGETS_CODE = (
    "assistant/targets/extract.py",
    "assistant/targets/figures.py",
    "assistant/targets/model.py",
    "kernel/vocabulary.toml",
    "kernel/vocabulary.py",
)


@lru_cache(maxsize=1)
def targets_version() -> str:
    """Fingerprint of the code that derives the targets table."""
    h = hashlib.sha256()
    for rel in _TARGETS_CODE:
        h.update(rel.encode())
        h.update((_ROOT / rel).read_bytes())
    return h.hexdigest()[:16]


def share_targets(settings: Settings, assistant: Assistant) -> str:
    """Use the stored table of the assistant's index, or store the one it derived.

    Returns ``"stored"``, ``"loaded"`` or ``"local"`` (state database unavailable: the
    derived table is used, and the failure logged).
    """
    key = (assistant.corpus.collection, targets_version())
    stored = False
    try:
        shared = state_store(settings)
        rows = shared.targets(*key)
        if rows is None:
            stored = shared.put_targets(
                *key, [t.model_dump(mode="json") for t in assistant.targets]
            )
            rows = shared.targets(*key)  # another process may have stored it first
        assistant.targets = [Target.model_validate(r) for r in rows or []]
    except Exception:
        log.warning("targets table not shared; using the one derived here", exc_info=True)
        return "local"
    return "stored" if stored else "loaded"
