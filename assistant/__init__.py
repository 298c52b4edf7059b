"""The assistant: understand a question, retrieve passages, answer with citations.

Public API::

    from assistant import ask, Assistant, Answer

    answer = ask("Mục tiêu chữ ký số của Quảng Ngãi đến năm 2030?")
    print(answer.answer, answer.citations[0].sentence)

The chain (and the model and index behind it) is imported on first use, so importing a
small part of the package (the web layer's feedback store, say) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Answer", "Assistant", "Citation", "ask"]

if TYPE_CHECKING:
    from assistant.chain import Assistant, ask
    from kernel.types import Answer, Citation


def __getattr__(name: str) -> Any:
    if name in ("Assistant", "ask"):
        from assistant import chain

        return getattr(chain, name)
    if name in ("Answer", "Citation"):
        from kernel import types

        return getattr(types, name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
