"""``python -m ingest``: build or update the index from ``corpus/``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ingest.pipeline import ingest
from kernel.offline import use_offline_environment
from kernel.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest", description="Ingest corpus/ into the Chroma index."
    )
    parser.add_argument("--force", action="store_true", help="rebuild everything")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    use_offline_environment()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if not settings.embedding.model:
        from kernel.e5.build import ensure_model

        ensure_model(Path(settings.model_path))
    report = ingest(settings, force=args.force, progress=not args.quiet)
    if report.refused:  # the live index was left as it was: say why, fail the command
        print(report.summary(), file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
