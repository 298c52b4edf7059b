"""tiktoken and the embedding model work with no network, from the project's own files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

SCRIPT = r"""
import os, sys
from pathlib import Path
cache = Path(os.environ["TIKTOKEN_CACHE_DIR"])
assert not any(cache.iterdir()), "tiktoken cache must start empty"
from kernel.tokens import get_encoding
enc = get_encoding("cl100k_base")
assert enc.encode("hello world") == [15339, 1917]  # cl100k_base's own ids
assert len(enc.encode("chuyển đổi số")) > 0
from kernel.settings import Settings
from kernel.embeddings import load_embeddings
emb = load_embeddings(Settings(embedding={"model": sys.argv[1]}))
v = emb.embed_query("Mục tiêu chữ ký số của Quảng Ngãi")
assert len(v) == 384
print("OFFLINE-OK")
"""


def test_tiktoken_and_model_load_without_network(tmp_path: Path, model_dir: Path):
    cache = tmp_path / "tiktoken"
    cache.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIKTOKEN", "HF_", "NQCDS_"))}
    # Any connection attempt goes to a closed port; with unshare there is no network at all.
    env.update(
        HF_HUB_OFFLINE="1",
        HTTPS_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        NO_PROXY="",
        HF_HOME=str(tmp_path / "hf"),  # an empty hub cache: nothing to fall back on
        TIKTOKEN_CACHE_DIR=str(cache),  # an empty tiktoken cache: nothing to fall back on
    )
    cmd = [sys.executable, "-c", SCRIPT, str(model_dir)]
    if shutil.which("unshare") and os.geteuid() == 0:
        probe = subprocess.run(["unshare", "--net", "true"], capture_output=True)
        if probe.returncode == 0:
            cmd = ["unshare", "--net", *cmd]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "OFFLINE-OK" in out.stdout
