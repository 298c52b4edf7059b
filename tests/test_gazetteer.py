"""Province names: spellings with and without diacritics, English, HCMC, and no false hits."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import load_text
from ingest.manifest import load_manifest
from kernel.gazetteer import (
    BY_NAME,
    HCMC,
    NAMES_POST_2025,
    NAMES_PRE_2025,
    PROVINCES,
    canonical,
    find_mentions,
    find_provinces,
)
from kernel.types import NATIONAL

ROOT = Path(__file__).resolve().parents[1]


def test_unit_counts_and_merger_targets() -> None:
    assert len(NAMES_PRE_2025) == 63
    assert len(NAMES_POST_2025) == 34
    assert len({p.name for p in PROVINCES}) == len(PROVINCES)
    for p in PROVINCES:
        if p.merged_into:
            assert not p.post_2025 and p.merged_into in NAMES_POST_2025
    assert BY_NAME["Hải Dương"].merged_into == "Hải Phòng"
    assert BY_NAME["Kon Tum"].merged_into == "Quảng Ngãi"
    assert BY_NAME["Ninh Thuận"].merged_into == "Khánh Hòa"
    assert BY_NAME["Thanh Hóa"].post_2025 and BY_NAME["Thanh Hóa"].pre_2025


@pytest.mark.parametrize(
    "text, expected",
    [
        # with diacritics, any case, old-style tone placement
        ("Nghị quyết của Tỉnh ủy Khánh Hòa", "Khánh Hòa"),
        ("TỈNH ỦY KHÁNH HÒA", "Khánh Hòa"),
        ("tỉnh Khánh Hoà", "Khánh Hòa"),
        ("Thanh Hoá năm 2026", "Thanh Hóa"),
        ("UBND tỉnh Quảng Ngãi", "Quảng Ngãi"),
        ("thành phố Hải Dương", "Hải Dương"),
        # without diacritics
        ("chuyen doi so o Hai Duong", "Hải Dương"),
        ("Quang Ngai dat muc tieu gi", "Quảng Ngãi"),
        ("thanh hoa 2026", "Thanh Hóa"),
        ("Khanh Hoa", "Khánh Hòa"),
        ("Hà Noi", "Hà Nội"),  # partly accented: the accents typed agree
        # English
        ("What does Khanh Hoa province target?", "Khánh Hòa"),
        ("digital transformation in Hanoi", "Hà Nội"),
        ("Ha Noi", "Hà Nội"),
        ("Da Nang city", "Đà Nẵng"),
        # Ho Chi Minh City, in all its forms
        ("TP.HCM", HCMC),
        ("TP. HCM", HCMC),
        ("TPHCM", HCMC),
        ("tp hcm", HCMC),
        ("TP. Hồ Chí Minh", HCMC),
        ("Thành phố Hồ Chí Minh", HCMC),
        ("thanh pho Ho Chi Minh", HCMC),
        ("Sài Gòn", HCMC),
        ("Saigon", HCMC),
        ("Ho Chi Minh City", HCMC),
        ("HCMC", HCMC),
        # ambiguous names, licensed by a prefix or the exact spelling
        ("tỉnh Hòa Bình", "Hòa Bình"),
        ("Hòa Bình", "Hòa Bình"),
        ("tinh hoa binh", "Hòa Bình"),
        ("thành phố Huế", "Huế"),
        ("Thừa Thiên Huế", "Thừa Thiên Huế"),
        ("Bà Rịa–Vũng Tàu", "Bà Rịa - Vũng Tàu"),
    ],
)
def test_finds_province(text: str, expected: str) -> None:
    assert find_provinces(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "năm 2030 nam giới hà khắc",
        "Nam Hà",
        "thiết bị đa năng",  # folds to "da nang"
        "vì hòa bình và phát triển",  # peace, not the province
        "hoa binh",  # without diacritics and without a prefix: could be either
        "thái bình thịnh trị",
        "quản trị dữ liệu",  # folds to "quan tri", not "quang tri"
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh",  # the person
        "tư tưởng Hồ Chí Minh",
        "hue",
        "longan",
        "cao bằng mức năm trước",
        "các tỉnh, thành phố trực thuộc Trung ương",
        "",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert find_provinces(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hue va Hai Duong, dia phuong nao cao hon?", ["Huế", "Hải Dương"]),
        ("Cao Bang dat bao nhieu % nam 2025?", ["Cao Bằng"]),
        ("hue va hai duong", ["Hải Dương"]),  # lower case: "huế" or "huệ", no name
        ("Bông hoa Huệ và Hue", []),  # diacritics elsewhere: "Hue" is no name written so
    ],
)
def test_title_case_names_in_text_typed_without_diacritics(text: str, expected: list) -> None:
    assert find_provinces(text) == expected


def test_order_of_first_mention_and_dedup() -> None:
    text = "Hải Dương, Khánh Hòa và lại Hải Dương; TP.HCM; Hai Duong"
    assert find_provinces(text) == ["Hải Dương", "Khánh Hòa", HCMC]


def test_question_without_diacritics_mixing_person_and_province() -> None:
    q = "Doan Thanh nien Cong san Ho Chi Minh duoc giao vai tro gi o Quang Ngai?"
    assert find_provinces(q) == ["Quảng Ngãi"]


def test_mention_spans_and_prefix() -> None:
    text = "Ủy ban nhân dân tỉnh Khánh Hòa và Hà Nội"
    first, second = find_mentions(text)
    assert text[first.start : first.end] == "Ủy ban nhân dân tỉnh Khánh Hòa"
    assert first.prefix == "Ủy ban nhân dân tỉnh"
    assert text[second.start : second.end] == "Hà Nội" and second.prefix == ""


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Khánh Hòa", "Khánh Hòa"),
        ("khanh hoa", "Khánh Hòa"),
        ("Khanh Hoa province", "Khánh Hòa"),
        ("tỉnh Thanh Hoá", "Thanh Hóa"),
        ("TP.HCM", HCMC),
        ("Hồ Chí Minh", HCMC),
        ("HCMC", HCMC),
        ("Sài Gòn", HCMC),
        ("Hanoi", "Hà Nội"),
        ("Hue", "Huế"),
        ("hoa binh", "Hòa Bình"),
        ("QUẢNG NGÃI", "Quảng Ngãi"),
        ("nam", None),
        ("ha", None),
        ("đa năng", None),
        ("Trung ương", None),
        ("", None),
        ("xyz", None),
    ],
)
def test_canonical(name: str, expected: str | None) -> None:
    assert canonical(name) == expected


def test_every_name_and_variant_round_trips() -> None:
    for p in PROVINCES:
        assert canonical(p.name) == p.name
        for v in (*p.variants, *p.prefix_variants):
            assert canonical(v) == p.name, v


def test_corpus_provinces_are_found() -> None:
    manifest = load_manifest(ROOT / "corpus" / "manifest.json")
    for name, meta in manifest.items():
        found = find_provinces(load_text(ROOT / "corpus" / name))
        if meta.province == NATIONAL:
            assert found == ["Hà Nội"]  # only the place of issue, "Hà Nội, ngày ..."
        else:
            assert found == [meta.province]


def test_a_place_word_ends_a_text() -> None:
    from kernel.gazetteer import ends_with_place_word

    assert ends_with_place_word("cv 11507 cua ubnd tinh ") and ends_with_place_word("Thành phố")
    assert not ends_with_place_word("quy định") and not ends_with_place_word("định kỳ hằng ")
