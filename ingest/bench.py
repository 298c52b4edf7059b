"""``python -m ingest.bench``: cold and warm ingest time, chunks per second, peak memory.

Targets (2 CPU cores): the five corpus files ingest cold in under 60 s, and a warm
re-ingest of an unchanged corpus takes under 5 s. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from ingest.pipeline import ingest
from kernel.e5.build import ensure_model
from kernel.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.bench", description=__doc__)
    parser.parse_args(argv)
    base = get_settings()
    model = ensure_model(Path(base.model_path)) if not base.embedding.model else base.model_path
    with tempfile.TemporaryDirectory(prefix="nqcds-bench-") as tmp:
        settings = base.model_copy(
            update={
                "data_dir": Path(tmp),
                "embedding": base.embedding.model_copy(update={"model": str(model)}),
            }
        )
        t = time.perf_counter()
        cold = ingest(settings, progress=False)
        cold_s = time.perf_counter() - t
        t = time.perf_counter()
        warm = ingest(settings, progress=False)
        warm_s = time.perf_counter() - t
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"files: {cold.files}  chunks: {cold.chunks}  tokens: {cold.tokens}")
    print(f"cold ingest: {cold_s:.1f} s (target < 60 s), model load included")
    print(f"chunks/s (cold, end to end): {cold.chunks / cold_s:.1f}")
    print(
        f"warm re-ingest, unchanged corpus: {warm_s:.2f} s (target < 5 s); "
        f"unchanged={warm.unchanged}"
    )
    print(f"peak resident memory: {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
