"""Stopping the server processes that tests start (never left running, even on failure)."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate ``proc``, killing it if it does not exit within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
