"""Dependencies point one way: no module imports from a later stage of the pipeline.

The stages, earliest first: kernel → ingest → assistant (question → retrieval → answering →
targets → chain/service → web → mcp) → app, evals. Every import counts, also one inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = [
    "kernel",
    "ingest",
    "assistant.question",
    "assistant.retrieval",
    "assistant.answering",
    "assistant.targets",
    "assistant",  # chain.py, service.py, __main__.py
    "assistant.web",
    "assistant.mcp",  # the MCP server: a front end like the web app
    "app",
    "evals",
]


def _stage(module: str) -> int | None:
    """Index of the most specific stage ``module`` belongs to."""
    best = None
    for i, stage in enumerate(STAGES):
        if module == stage or module.startswith(stage + "."):
            if best is None or len(stage) > len(STAGES[best]):
                best = i
    return best


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = _module_name(path).split(".")
    if path.name != "__init__.py":
        pkg = pkg[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append(mod)
            out += [f"{mod}.{a.name}" for a in node.names]  # "from kernel import store"
    return out


SOURCES = sorted(
    p
    for folder in ("kernel", "ingest", "assistant", "evals")
    for p in (ROOT / folder).rglob("*.py")
) + [ROOT / "app.py"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_later_stage(path: Path) -> None:
    own = _stage(_module_name(path))
    assert own is not None
    later = [m for m in _imports(path) if (s := _stage(m)) is not None and s > own]
    assert not later, f"{path.relative_to(ROOT)} ({STAGES[own]}) imports later stages: {later}"


def test_the_public_api_is_importable_from_the_package() -> None:
    import assistant
    from assistant import Answer, Assistant, ask
    from assistant.chain import Assistant as ChainAssistant
    from kernel.types import Answer as KernelAnswer

    assert Assistant is ChainAssistant and Answer is KernelAnswer and callable(ask)
    assert set(assistant.__all__) >= {"Answer", "Assistant", "ask"}


def test_no_source_file_is_over_about_500_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in SOURCES
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 520
    }
    assert not long, long
