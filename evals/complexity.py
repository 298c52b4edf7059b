"""``python -m evals.complexity``: how much hand-written vocabulary the answer path holds.

Counts, over the modules that understand questions and choose answers: compiled regular
expressions, the phrases they and the word lists spell out (alternatives of each regex, items
of word lists, glossary pairs, cue phrases of data files), and tuned numeric constants (float
literals other than 0, 0.5 and 1 in the code). The figures are for the closing notes of the
answer-engine work: they should shrink as learned weights replace rules.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The answer path: understanding the question, retrieval, choosing and composing answers.
ANSWER_PATH = (
    "assistant/question",
    "assistant/retrieval",
    "assistant/answering",
    "assistant/targets/answer.py",
    "assistant/chain.py",
    "kernel/text.py",
)
CUE_FILES = ("kernel/cues.toml", "kernel/glossary.toml")
# Word lists of the domain vocabulary the answer path matches (file, table).
VOCABULARY_LISTS = (("kernel/vocabulary.toml", "agencies"),)
_NEUTRAL = {0.0, 0.5, 1.0}


def _files(root: Path) -> list[Path]:
    out: list[Path] = []
    for rel in ANSWER_PATH:
        p = root / rel
        out += sorted(p.rglob("*.py")) if p.is_dir() else [p] if p.exists() else []
    return out


def _alternatives(pattern: str) -> int:
    """Top-level-ish alternatives of a regex: every `|` outside a character class, plus one."""
    body = re.sub(r"\[[^\]]*\]", "", pattern)
    return body.count("|") + 1


def count(root: Path = ROOT) -> dict[str, int]:
    regexes = phrases = constants = 0
    for path in _files(root):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "compile":
                regexes += 1
                arg = node.args[0] if node.args else None
                text = _string_of(arg)
                if text:
                    phrases += _alternatives(text)
            elif isinstance(node, ast.Constant) and isinstance(node.value, float):
                if node.value not in _NEUTRAL:
                    constants += 1
            elif isinstance(node, ast.List | ast.Tuple | ast.Set) and len(node.elts) >= 3:
                strs = [e for e in node.elts if isinstance(e, ast.Constant | ast.Tuple)]
                if len(strs) == len(node.elts) and all(_is_text(e) for e in strs):
                    phrases += len(strs)
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "split":
                text = _string_of(getattr(node.func, "value", None))
                if text and len(text.split()) >= 5:  # """word word …""".split()
                    phrases += len(text.split())
    for rel in CUE_FILES:
        p = root / rel
        if p.exists():
            phrases += _toml_phrases(tomllib.loads(p.read_text(encoding="utf-8")))
    for rel, table in VOCABULARY_LISTS:
        p = root / rel
        if p.exists():
            phrases += _toml_phrases(tomllib.loads(p.read_text(encoding="utf-8")).get(table, {}))
    return {"regexes": regexes, "phrases": phrases, "constants": constants}


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.Tuple) and all(_is_text(e) for e in node.elts)


def _string_of(node: ast.AST | None) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _string_of(node.left) + _string_of(node.right)
    return ""


def _toml_phrases(data: object) -> int:
    """Phrases of a data file: each string of a list, each string value of a table."""
    if isinstance(data, dict):
        return sum(_toml_phrases(v) for v in data.values())
    if isinstance(data, list):
        return sum(_toml_phrases(v) for v in data)
    return int(isinstance(data, str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.complexity", description=__doc__)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to count")
    args = parser.parse_args(argv)
    c = count(args.root)
    print(
        f"answer path of {args.root}: {c['regexes']} regexes, {c['phrases']} listed phrases, "
        f"{c['constants']} tuned constants"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
