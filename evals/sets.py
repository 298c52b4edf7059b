"""The question sets the project is measured on, and the corpus each one needs.

Most sets ask about the five corpus files; a set about documents that are not in
``corpus/`` (another province's resolution and plan, kept under ``tests/data/``) names the
folder that holds them, and is run against an index of the corpus plus those files.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class QuestionSet:
    """A question file and the extra documents its questions are about (if any)."""

    name: str
    path: Path
    extra_docs: tuple[Path, ...] = ()  # files added to corpus/ for this set


PROVINCE6 = ROOT / "tests" / "data" / "province6"
PROVINCE7 = ROOT / "tests" / "data" / "province7"
PROVINCE8 = ROOT / "tests" / "data" / "province8"
PROVINCE9 = ROOT / "tests" / "data" / "province9"
PROVINCE10 = ROOT / "tests" / "data" / "province10"
PROVINCE11 = ROOT / "tests" / "data" / "province11"
SETS: tuple[QuestionSet, ...] = (
    QuestionSet("public", ROOT / "evals" / "public.jsonl"),
    QuestionSet("extra", ROOT / "evals" / "extra.jsonl"),
    QuestionSet("extra2", ROOT / "evals" / "extra2.jsonl"),
    QuestionSet("extra3", ROOT / "evals" / "extra3.jsonl"),
    QuestionSet("extra4", ROOT / "evals" / "extra4.jsonl"),
    QuestionSet("extra5", ROOT / "evals" / "extra5.jsonl"),
    QuestionSet("extra6", ROOT / "evals" / "extra6.jsonl"),
    QuestionSet("extra7", ROOT / "evals" / "extra7.jsonl"),
    QuestionSet("extra8", ROOT / "evals" / "extra8.jsonl"),
    QuestionSet("extra9", ROOT / "evals" / "extra9.jsonl"),
    QuestionSet("extra10", ROOT / "evals" / "extra10.jsonl"),
    QuestionSet("extra11", ROOT / "evals" / "extra11.jsonl"),
    QuestionSet(
        "province6",
        PROVINCE6 / "questions.jsonl",
        (PROVINCE6 / "nghean_nq_2021.pdf", PROVINCE6 / "nghean_kh_2023.docx"),
    ),
    QuestionSet(
        "province7",
        PROVINCE7 / "questions.jsonl",
        (PROVINCE7 / "laocai_ct_2022.docx", PROVINCE7 / "laocai_kh_2024.pdf"),
    ),
    QuestionSet(
        "province8",
        PROVINCE8 / "questions.jsonl",
        (PROVINCE8 / "binhdinh_qd_2023.pdf", PROVINCE8 / "binhdinh_ct_2024.docx"),
    ),
    QuestionSet(
        "province9",
        PROVINCE9 / "questions.jsonl",
        (PROVINCE9 / "hatinh_kh_2026.pdf", PROVINCE9 / "hatinh_bc_2024.docx"),
    ),
    QuestionSet(
        "province10",
        PROVINCE10 / "questions.jsonl",
        (
            PROVINCE10 / "hatinh_nq61_hdnd_chuyen_doi_so_2030.docx",
            PROVINCE10 / "hatinh_kh26_ubnd_chuyen_doi_so_2025.pdf",
        ),
    ),
    QuestionSet(
        "province11",
        PROVINCE11 / "questions.jsonl",
        (PROVINCE11 / "tq_ctr_cds_2030.docx", PROVINCE11 / "tq_kh_cds_2026.pdf"),
    ),
)


def by_name(name: str) -> QuestionSet:
    for s in SETS:
        if s.name == name:
            return s
    raise KeyError(f"unknown question set {name!r}; known: {', '.join(s.name for s in SETS)}")


def with_extra_docs(settings: Settings, extra: list[Path], work: Path) -> Settings:
    """Settings whose corpus is ``settings.corpus_dir`` plus the ``extra`` files (copied into
    ``work``), with an index of their own beside it. The embedding model stays the same."""
    if not extra:
        return settings
    key = hashlib.sha256(
        b"".join(p.name.encode() + p.read_bytes() for p in sorted(extra))
    ).hexdigest()[:12]
    corpus = work / f"corpus-{key}"
    if not corpus.exists():
        tmp = work / f".corpus-{key}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for p in sorted(settings.corpus_dir.iterdir()):
            if p.is_file():
                shutil.copy2(p, tmp / p.name)
        for p in extra:
            shutil.copy2(p, tmp / p.name)
        tmp.rename(corpus)
    return settings.model_copy(
        update={
            "corpus_dir": corpus,
            "data_dir": work / f"index-{key}",
            "embedding": settings.embedding.model_copy(update={"model": settings.model_path}),
        }
    )
