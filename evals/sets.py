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


def _province(n: int, *files: str) -> QuestionSet:
    """The set of ``tests/data/province<n>``: its questions and the documents they are about."""
    folder = ROOT / "tests" / "data" / f"province{n}"
    return QuestionSet(f"province{n}", folder / "questions.jsonl", tuple(folder / f for f in files))


SETS: tuple[QuestionSet, ...] = (
    QuestionSet("public", ROOT / "evals" / "public.jsonl"),
    *(
        QuestionSet(name, ROOT / "evals" / f"{name}.jsonl")
        for name in ["extra", *(f"extra{i}" for i in range(2, 67))]
    ),
    _province(6, "nghean_nq_2021.pdf", "nghean_kh_2023.docx"),
    _province(7, "laocai_ct_2022.docx", "laocai_kh_2024.pdf"),
    _province(8, "binhdinh_qd_2023.pdf", "binhdinh_ct_2024.docx"),
    _province(9, "hatinh_kh_2026.pdf", "hatinh_bc_2024.docx"),
    _province(
        10,
        "hatinh_nq61_hdnd_chuyen_doi_so_2030.docx",
        "hatinh_kh26_ubnd_chuyen_doi_so_2025.pdf",
    ),
    _province(11, "tq_ctr_cds_2030.docx", "tq_kh_cds_2026.pdf"),
    _province(12, "camau_nq_2025.pdf", "camau_qd_kh_2026.docx"),
    _province(13, "dongthap_ctr_2025.docx", "dongthap_kh_2026.pdf"),
    _province(14, "thainguyen_qd_dean.pdf", "thainguyen_bc_2025.docx"),
    _province(15, "phutho_ct_2025.docx", "phutho_kh_2026.pdf"),
    _province(16, "angiang_nq_2025.pdf", "angiang_bc_2025.docx"),
    _province(17, "lamdong_qd_kh_2026.docx", "lamdong_nq_2025.pdf"),
    _province(18, "bacninh_nq_hdnd_2025.docx", "bacninh_kh_2026.pdf"),
    _province(19, "quangtri_nq_2025.docx", "quangtri_kh_2026.pdf"),
    _province(20, "hungyen_nq_hdnd_2025.pdf", "hungyen_kh_2026.docx"),
    _province(21, "gialai_ctr_2025.docx", "gialai_kh_2026.pdf"),
    _province(22, "sonla_nq_2025.docx", "sonla_kh_2026.pdf"),
    _province(23, "vinhlong_nq_2025.pdf", "vinhlong_kh_2026.docx"),
    _province(24, "dienbien_nq_2025.pdf", "dienbien_kh_2026.docx"),
    _province(25, "ls_nq15_chuyen_doi_so_2030.pdf", "ls_kh27_chuyen_doi_so_2026.docx"),
    _province(26, "qng_nghi_quyet_86_chuyen_doi_so.docx", "qng_ke_hoach_cds_2026.pdf"),
    _province(
        27,
        "cao_bang_nghi_quyet_14-NQ-TU_chuyen_doi_so_2025_2030.pdf",
        "cao_bang_ke_hoach_chuyen_doi_so_2026.docx",
    ),
    _province(
        28,
        "daklak_nghiquyet_38_2025_chuyen_doi_so.docx",
        "daklak_kehoach_chuyen_doi_so_2026.pdf",
    ),
    _province(
        29,
        "laichau_nghiquyet_08-NQ-TU_chuyendoiso_den2030.pdf",
        "laichau_kehoach_315-KH-UBND_chuyendoiso_2026.docx",
    ),
    _province(30, "cantho_nghiquyet_chuyendoiso_2030.docx", "cantho_kehoach_chuyendoiso_2026.pdf"),
    _province(
        31, "tayninh_nghiquyet_chuyendoiso_2030.pdf", "tayninh_kehoach_chuyendoiso_2026.docx"
    ),
    _province(
        32, "haiphong_nghiquyet_chuyendoiso_2030.docx", "haiphong_kehoach_chuyendoiso_2026.pdf"
    ),
    _province(33, "hue_nghiquyet_09_nq_tu_2025.pdf", "hue_kehoach_46_kh_ubnd_2026.docx"),
    _province(34, "ninhbinh_nq_27_2025_hdnd_cds.docx", "ninhbinh_kh_18_ubnd_cds_2026.pdf"),
    _province(35, "quangninh_ctr_hanhdong_cds_2030.pdf", "quangninh_qd_kehoach_cds_2026.docx"),
    _province(36, "thanhhoa_nq_hdnd_cds_2030.docx", "thanhhoa_kh_ubnd_cds_2026.pdf"),
    _province(37, "dongnai_nq_hdnd_cds_2030.docx", "dongnai_kh_ubnd_cds_2026.pdf"),
    _province(38, "danang_nghiquyet_chuyendoiso_2030.docx", "danang_kehoach_chuyendoiso_2026.pdf"),
    _province(
        39,
        "hanoi_ctr09_chuyen_doi_so_den_2030.pdf",
        "hanoi_qd6218_ke_hoach_chuyen_doi_so_2026.docx",
    ),
    _province(40, "hcm_nq38_chuyen_doi_so_2030.docx", "hcm_kh412_chuyen_doi_so_2026.pdf"),
    _province(
        41, "kiengiang_nq11-tu_chuyendoiso_2021.pdf", "kiengiang_kh47-ubnd_chuyendoiso_2023.docx"
    ),
    _province(
        42,
        "quangnam_nq38_hdnd_2022_chuyen_doi_so.docx",
        "quangnam_bc57_ubnd_2024_ket_qua_cds_2023.pdf",
    ),
    _province(
        43,
        "QD_2187_UBND_BinhDuong_DeAn_ChuyenDoiSo.pdf",
        "KH_215_UBND_BinhDuong_ChuyenDoiSo_2025.docx",
    ),
    _province(44, "p44_longan_ctr_18-CTr-TU_2022.pdf", "p44_longan_kh_1152-KH-UBND_2024.docx"),
    _province(
        45,
        "quangbinh_nq86_hdnd_chuyendoiso_2025_2030.docx",
        "quangbinh_bc18_ubnd_ketqua_cds_2023.pdf",
    ),
    _province(
        46,
        "bentre_chi_thi_05_CT-UBND_2023.pdf",
        "bentre_qd_3125_QD-UBND_ke_hoach_cds_2025.docx",
    ),
    _province(
        47, "NQ_45-NQ-TU_chuyen_doi_so_Bac_Giang.docx", "KH_36-KH-UBND_CDS_2025_Bac_Giang.pdf"
    ),
    _province(
        48,
        "soctrang_nq_09_NQ-HDND_2022_kinh_te_so_xa_hoi_so.pdf",
        "soctrang_qd_412_QD-UBND_2024_ke_hoach_kinh_te_so.docx",
    ),
    _province(
        49,
        "phu_yen_chuong_trinh_hanh_dong_52-CTr-TU.docx",
        "phu_yen_bao_cao_chuyen_doi_so_nam_2024.pdf",
    ),
    _province(50, "yenbai_nghiquyet_41_NQ-HDND_2022.docx", "yenbai_kehoach_27_KH-UBND_2025.pdf"),
    _province(
        51, "kontum_ctr38_chuyen_doi_so_2023.pdf", "kontum_qd1486_ke_hoach_chuyen_doi_so_2026.docx"
    ),
    _province(52, "travinh_nghi_quyet_09-NQ-TU_2021.docx", "travinh_bao_cao_468-BC-UBND_2024.pdf"),
    _province(53, "binhphuoc_nghi_quyet_14_2022.pdf", "binhphuoc_quyet_dinh_126_2026.docx"),
    _province(54, "ninhthuan_nq_58_2024.docx", "ninhthuan_kh_215_2025.pdf"),
    _province(55, "hanam_ctr_48_2025.pdf", "hanam_bc_436_2025.docx"),
    _province(56, "baclieu_ct28_chuyendoiso_2030.pdf", "baclieu_kh241_chuyendoiso_2026.docx"),
    _province(
        59,
        "hau-giang_ctr38_chuyen-doi-so_2025.pdf",
        "hau-giang_qd215_ke-hoach-chuyen-doi-so_2026.docx",
    ),
    _province(
        60, "binh-thuan_nq15_chuyen-doi-so_2022.docx", "binh-thuan_kh1875_chuyen-doi-so_2026.pdf"
    ),
    _province(
        61,
        "thai-binh_nq09_chuyen-doi-so_2021.docx",
        "thai-binh_bc412_ket-qua-chuyen-doi-so_2025.pdf",
    ),
    _province(62, "vinhphuc_nq11_chuyendoiso_2026.docx", "vinhphuc_qd2418_kehoachcds_2027.pdf"),
    _province(
        63,
        "ha-giang_nq37_chuyen-doi-so-den-2030_2022.pdf",
        "ha-giang_bc418_ket-qua-chuyen-doi-so_2026.docx",
    ),
    _province(
        64, "tiengiang_ctr68_khcn-dmst-cds_2025.docx", "tiengiang_kh415_cds-de-an-06_2026.pdf"
    ),
    _province(65, "bac-kan_nq25_chuyen-doi-so_2023.pdf", "bac-kan_kh58_chuyen-doi-so_2024.docx"),
    _province(
        66, "hoabinh_nq187_chuyendoiso_2022.docx", "hoabinh_qd2715_kehoachchuyendoiso_2023.pdf"
    ),
    _province(
        67,
        "namdinh_ct41_chuyendoiso_binhdanhocvuso_2025.pdf",
        "namdinh_kh62_chuyendoiso_2025.docx",
    ),
    _province(
        68, "daknong_ctr18_chuyendoiso_2022.pdf", "daknong_qd137_kehoachchuyendoiso_2024.docx"
    ),
    _province(
        69, "bariavungtau_nq117_chuyendoiso_2021.pdf", "bariavungtau_kh38_chuyendoiso_2024.docx"
    ),
    _province(
        70,
        "tuyenquang_nq12_khcn-chuyendoiso_2025.pdf",
        "tuyenquang_qd2187_kehoach-chuyendoiso_2026.docx",
    ),
    _province(71, "lamdong_ctr12_chuyendoiso_2025.pdf", "lamdong_kh27_chuyendoiso_2026.docx"),
    _province(
        72,
        "hue_nq11_chuyendoiso-dothithongminh_2022.pdf",
        "hue_bc86_ketqua-cds-2024-nhiemvu-2025_2025.docx",
    ),
    _province(73, "an_giang_nq08_chuyen_doi_so_2025.pdf", "an_giang_kh41_chuyen_doi_so_2026.docx"),
    _province(
        74, "quangtri_nq162_chuyendoiso_2021.pdf", "quangtri_qd586_kehoachchuyendoiso_2023.docx"
    ),
    _province(
        75,
        "cantho_ct05_chuyendoiso_chinhquyenso_2025.pdf",
        "cantho_kh18_chuyendoiso_chinhquyenso_2026.docx",
    ),
    _province(
        76,
        "gia_lai_nq12_khcn_dmst_chuyen_doi_so_2025.pdf",
        "gia_lai_qd2418_ke_hoach_chuyen_doi_so_2026.docx",
    ),
    _province(
        77, "daklak_ctr12_nq57-khcn-dmst-cds_2025.pdf", "daklak_kh86_chuyen-doi-so_2026.docx"
    ),
    _province(
        78,
        "hungyen_nq47_chinh_sach_chuyen_doi_so_2025.pdf",
        "hungyen_bc09_ket_qua_chuyen_doi_so_2026.docx",
    ),
    _province(
        79, "haiphong_chithi09_chuyendoiso_2025.pdf", "haiphong_kehoach18_chuyendoiso_2026.docx"
    ),
    _province(
        80,
        "bac-ninh_ctr12_khcn-dmst-chuyen-doi-so_2025.docx",
        "bac-ninh_qd1873_bo-chi-so-chuyen-doi-so-cap-xa_2025.pdf",
    ),
    _province(
        81, "vinhlong_nq38_hotrochuyendoiso_2025.pdf", "vinhlong_bc498_ketquachuyendoiso_2025.docx"
    ),
    _province(82, "khanhhoa_nq07_chuyendoiso_2025.docx", "khanhhoa_kh186_chuyendoiso_2026.pdf"),
    _province(
        83,
        "quang-ngai_qd145_de-an-chuyen-doi-so_2026.pdf",
        "quang-ngai_bc1186_so-ket-6-thang-nq57-chuyen-doi-so_2026.docx",
    ),
    _province(
        84,
        "dong-thap_tb128_ket-luan-chuyen-doi-so_2026.docx",
        "dong-thap_kh52_binh-dan-hoc-vu-so_2026.pdf",
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
