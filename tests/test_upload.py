"""Adding documents from the web app: each file checked, named in its error, the index
rebuilt around the good ones, a bad one never in the corpus nor the index."""

from __future__ import annotations

from pathlib import Path

from assistant.chain import Assistant
from assistant.web.upload import add_documents, safe_name
from kernel import store
from kernel.settings import Settings

PLAN = """ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN

Số: 15/KH-UBND

KẾ HOẠCH
Chuyển đổi số tỉnh Điện Biên năm 2024

I. CHỈ TIÊU

Chỉ tiêu | Năm 2024
Tỷ lệ bệnh viện sử dụng bệnh án điện tử | 45%

II. NHIỆM VỤ

1. Sở Y tế triển khai bệnh án điện tử tại bệnh viện tuyến tỉnh.
"""


def _settings(tmp_path: Path, model_dir: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    return Settings(
        corpus_dir=corpus, data_dir=tmp_path / "data", embedding={"model": str(model_dir)}
    )


def test_good_files_are_indexed_bad_ones_named(tmp_path: Path, model_dir: Path) -> None:
    s = _settings(tmp_path, model_dir)
    up = tmp_path / "uploads"
    up.mkdir()
    (up / "a").write_text(PLAN, encoding="utf-8")
    (up / "b").write_bytes(b"\xd0\xcf\x11\xe0 old Word")
    (up / "c").write_bytes(b"")
    (up / "d").write_text("x" * 5000, encoding="utf-8")
    files = [
        ("Kế hoạch 15 (2024).txt", up / "a"),
        ("cu.doc", up / "b"),
        ("trong.txt", up / "c"),
        ("lon.txt", up / "d"),
    ]
    res = add_documents(s, files, max_bytes=4000)
    assert res.added == [safe_name("Kế hoạch 15 (2024).txt")]
    assert set(res.errors) == {"cu.doc", "trong.txt", "lon.txt"}
    assert "định dạng" in res.errors["cu.doc"] and ".doc" in res.errors["cu.doc"]
    assert "rỗng" in res.errors["trong.txt"] and "quá lớn" in res.errors["lon.txt"]
    assert sorted(p.name for p in s.corpus_dir.iterdir()) == res.added  # nothing bad kept
    info = store.current_info(store.client(s), s)
    assert set(info.files) == set(res.added)
    a = Assistant(s)
    ans = a.ask("Năm 2024 tỷ lệ bệnh viện sử dụng bệnh án điện tử của tỉnh Điện Biên?")
    assert "45%" in ans.answer and ans.citations[0].file == res.added[0]


def test_same_file_twice_is_not_copied_twice(tmp_path: Path, model_dir: Path) -> None:
    s = _settings(tmp_path, model_dir)
    src = tmp_path / "plan.txt"
    src.write_text(PLAN, encoding="utf-8")
    add_documents(s, [("plan.txt", src)], max_bytes=10**6)
    again = add_documents(s, [("plan.txt", src)], max_bytes=10**6)
    assert again.added == ["plan.txt"] and again.report is not None and again.report.unchanged
    assert [p.name for p in s.corpus_dir.iterdir()] == ["plan.txt"]


def test_names_are_made_safe() -> None:
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("Kế hoạch số 15.DOCX") == "Kế-hoạch-số-15.docx"
    assert safe_name("   .pdf") == "tai-lieu.pdf"


def test_the_document_tab_adds_a_file_and_shows_its_facts(tmp_path: Path, model_dir: Path) -> None:
    from assistant.service import AssistantService
    from assistant.web.ui.documents import DocumentHandlers

    s = _settings(tmp_path, model_dir)
    (s.corpus_dir / "seed.txt").write_text(PLAN.replace("15/KH", "14/KH"), encoding="utf-8")
    from ingest.pipeline import ingest

    ingest(s, progress=False)
    h = DocumentHandlers(AssistantService(s))
    new = tmp_path / "ke-hoach-15.txt"
    new.write_text(PLAN, encoding="utf-8")
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4 not a pdf")
    pick, status = h.upload([str(new), str(bad)], progress=None)
    assert pick.value == "ke-hoach-15.txt"
    assert "ke-hoach-15.txt" in [v for _, v in pick.choices]
    assert "Đã thêm: ke-hoach-15.txt" in status and "scan.pdf" in status and "PDF" in status
    shown = h.render("ke-hoach-15.txt")
    assert "Thông tin văn bản" in shown and "15/KH-UBND" in shown and "kế hoạch" in shown
    assert "phát hiện tự động" in shown  # no manifest entry: the official is told to check
