"""Text normalisation: the whitespace rule, folding, joining, and properties."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.text import (
    clean, compact, fold, is_cjk, join_lines, join_paragraphs, normalize, normalize_paragraphs,
)
from tests import shared

SHARED = shared.SHARED

NORMALIZE_CASES = [
    ("政法信息网\n（二期）工程", "政法信息网（二期）工程"),
    ("GIS 天眼", "GIS天眼"),
    ("到 2020 年基本实现", "到2020年基本实现"),
    ("县政府常务会议纪要（2019 年第 12 期）", "县政府常务会议纪要（2019年第12期）"),
    ("Hello   world", "Hello world"),
    ("Hello\nworld", "Hello world"),
    ("end. Next", "end. Next"),
    ("＞９０％", ">90%"),
    ("不少于 50 次每 秒", "不少于50次每秒"),
    ("90%—10 0%", "90%—100%"),
    ("≥ 99.99%", "≥99.99%"),
    ("评价要点: ①项目", "评价要点:①项目"),
    ("系统; 配套设备", "系统;配套设备"),
    ("0762-5618803", "0762-5618803"),
    ("  两端  ", "两端"),
    ("全角\u3000空格", "全角空格"),
    ("县镇村（居）综治", "县镇村（居）综治"),
    ("政法网(二期)工程", "政法网(二期)工程"),
    ("综治中心＋网格化", "综治中心+网格化"),
    ("得分为91.97¹分", "得分为91.97¹分"),
    ("⼯作⼈员", "工作人员"),
    ("零\u200b宽", "零宽"),
    ("ＧＩＳ 天眼", "GIS天眼"),
    ("Windows １０", "Windows 10"),
    ("", ""),
    ("   ", ""),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALIZE_CASES)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_none() -> None:
    assert normalize(None) is None
    assert clean(None) is None


def test_clean_keeps_characters_as_printed() -> None:
    assert clean("＞90%") == "＞90%"
    assert clean("不小于 10 万") == "不小于10万"
    assert clean("综治中心＋网格化\n信息化") == "综治中心＋网格化信息化"


def test_fold_keeps_chinese_punctuation() -> None:
    assert fold("（，：；！？）") == "（，：；！？）"
    assert fold("１２．５％＜") == "12.5%<"


@pytest.mark.parametrize(("lines", "expected"), [
    (["GIS", "天眼"], "GIS天眼"),
    (["word", "word"], "word word"),
    (["政法信息网", "（二期）工程"], "政法信息网（二期）工程"),
    (["1,265.", "41"], "1,265.41"),
    (["服务对象 ", " 满意度"], "服务对象满意度"),
    (["＞90%"], "＞90%"),
    ([], ""),
])
def test_join_lines(lines: list[str], expected: str) -> None:
    assert join_lines(lines) == expected


def test_join_paragraphs() -> None:
    assert join_paragraphs(["一是稳定。", " ", "二是良好。 "]) == "一是稳定。\n二是良好。"
    assert join_paragraphs([]) == ""


def test_normalize_paragraphs_keeps_breaks() -> None:
    assert normalize_paragraphs("一是 稳定。\n\n 二是\u3000良好。") == "一是稳定。\n二是良好。"
    assert normalize_paragraphs(None) is None


def test_compact() -> None:
    assert compact("项目 名称\n（一）") == "项目名称(一)"
    assert compact("预算调整\n/调剂金\n\n额") == "预算调整/调剂金额"
    assert compact(None) == ""


@pytest.mark.parametrize(("ch", "expected"), [
    ("中", True), ("（", True), ("。", True), ("、", True), ("Ａ", True), ("𠀀", True),
    ("a", False), ("1", False), ("(", False), ("“", False), ("", False), ("中文", False),
])
def test_is_cjk(ch: str, expected: bool) -> None:
    assert is_cjk(ch) is expected


# ------------------------------------------------ ground truth from the seed dumps

TEXT_FIELDS = {
    "projects": ("name", "content", "goal"),
    "indicators": ("name", "target", "actual", "deviation"),
    "scores": ("name", "note"),
    "findings": ("problem", "measure"),
}


def _truth_texts(truth: dict) -> list[str]:
    texts: list[str] = []
    for report in truth["reports"]:
        for table, fields in TEXT_FIELDS.items():
            for rec in report[table]:
                texts += [p for f in fields if rec.get(f) for p in rec[f].split("\n")]
        texts += [p for f in report["facts"] if "_raw" not in f for p in f["value"].split("\n")]
    return texts


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="shared seeds not available")
@pytest.mark.parametrize("stem", ["000", "001", "002", "003"])
def test_clean_reproduces_ground_truth_text(stem: str) -> None:
    """Every ground-truth text paragraph is clean() of the seed's printed text."""
    seed_path = next((SHARED / "seeds").glob(f"{stem}_*.txt"))
    seed = clean(re.sub(r"</?p>", "\n", seed_path.read_text(encoding="utf-8"))) or ""
    truth_path = SHARED / "samples" / f"{seed_path.stem}.json"
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    missing = [t for t in _truth_texts(truth) if t not in seed]
    assert missing == []


# ------------------------------------------------------------------ properties

# Characters whose NFKC form is a full-width/ASCII or radical fold: NFKC-equivalent
# spellings of report text. Chinese brackets, quotes and commas (kept as printed
# and spaced as CJK), circled numbers and superscripts are only in ODD_TEXTS.
KEPT_WIDE = "（）［］｛｝，：；！？＂＇"
ALPHABET = st.sampled_from(
    list("abcXYZ019 .,;:%()-/+<>=~\t\n\u3000\u00a0")
    + [chr(c) for c in range(0xFF01, 0xFF5F, 3) if chr(c) not in KEPT_WIDE]
    + list("中文项目资金年月日个次人秒万元亿约不小于大超过以上内【】。、“”《》")
    + list("≥≤≦≧％＞＜～—⼯⼈")
)
TEXTS = st.text(ALPHABET, max_size=40)
ODD_TEXTS = st.text(st.one_of(ALPHABET, st.sampled_from([*KEPT_WIDE, *"①②¹²㎡"])), max_size=40)


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


@given(TEXTS)
def test_normalize_properties(s: str) -> None:
    out = normalize(s)
    assert out is not None
    assert out == out.strip() and "\n" not in out and "  " not in out
    assert normalize(out) == out
    assert nfkc(out) == nfkc(normalize(nfkc(s)) or "")


@given(ODD_TEXTS)
def test_normalize_is_fold_invariant(s: str) -> None:
    assert normalize(s) == normalize(fold(s))
    assert normalize(normalize(s)) == normalize(s)


@given(st.text(max_size=40))
def test_normalize_never_crashes(s: str) -> None:
    assert isinstance(normalize(s), str)
    assert isinstance(clean(s), str)


@given(TEXTS)
def test_compact_properties(s: str) -> None:
    out = compact(s)
    assert not any(ch.isspace() for ch in out)
    assert out == compact(nfkc(s))


@given(st.lists(TEXTS, max_size=5))
def test_join_lines_never_keeps_newlines(lines: list[str]) -> None:
    assert "\n" not in join_lines(lines)
