"""Files the web app hands out for download (conversation, targets CSV/XLSX, quizzes).

They hold what officials asked and were answered, so they are private to the server's
user: written under ``data_dir/exports`` (folder 0700, each export in its own random
sub-folder, files 0600; Gradio keeps the mode when it copies them to its cache), and every
new export deletes those older than ``server.export_retention_hours``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from kernel.settings import Settings

MAX_EXPORTS = 1000  # folders kept at most, newest first, whatever their age


class Downloads:
    """The private export folder of one data directory."""

    def __init__(self, root: Path, retention_s: float) -> None:
        self.root = Path(root)
        self.retention_s = retention_s

    @classmethod
    def of(cls, settings: Settings) -> Downloads:
        return cls(settings.exports_dir, settings.server.export_retention_hours * 3600)

    def new_path(self, name: str) -> Path:
        """A path for a new export file called ``name``, in a fresh private folder."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.chmod(0o700)  # also when it existed with looser rights
        self.prune()
        return Path(tempfile.mkdtemp(dir=self.root)) / name  # mkdtemp: mode 0700

    def seal(self, path: Path | str) -> str:
        """Make a written export readable by its owner only; returns it as ``str``."""
        os.chmod(path, 0o600)
        return str(path)

    def write_text(self, name: str, text: str) -> str:
        """Write ``text`` (UTF-8) as a new private export; returns its path."""
        path = self.new_path(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return str(path)

    def prune(self) -> None:
        """Delete exports past their retention, and the oldest beyond :data:`MAX_EXPORTS`."""
        now = time.time()
        aged: list[tuple[float, Path]] = []
        for folder in self.root.iterdir():
            try:  # another thread may be pruning the same folder
                if folder.is_dir():
                    aged.append((folder.stat().st_mtime, folder))
            except FileNotFoundError:
                continue
        aged.sort(reverse=True)
        for i, (mtime, folder) in enumerate(aged):
            if i >= MAX_EXPORTS or now - mtime > self.retention_s:
                shutil.rmtree(folder, ignore_errors=True)
