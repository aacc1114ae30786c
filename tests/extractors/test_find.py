"""extractors.find: the one fuzzy label matcher (label_key, LabelMatcher, match_label, classify_label)."""

from __future__ import annotations

import pytest

from extractors.find import (
    LabelMatch, LabelMatcher, classify_label, label_key, match_label, slip_budget, vocabulary_keys,
)
from schemas import labels as L


@pytest.mark.parametrize(("text", "key"), [
    ("自评得分（分）：", "自评得分"),
    ("评价金额 (万元)", "评价金额"),
    (".资金结余", "资金结余"),
    ("期望达到的目标\n（概述）", "期望达到的目标"),
    ("其他（单位自筹）", "其他"),
    ("（万元）", "(万元)"),  # a note alone is kept
    ("政法网(二期)工程", "政法网(二期)工程"),  # only a trailing note goes
    (None, ""),
])
def test_label_key(text: str | None, key: str) -> None:
    assert label_key(text) == key


def test_slip_budget() -> None:
    assert [slip_budget(n, 2) for n in (3, 4, 8, 9)] == [0, 1, 1, 2]
    assert [slip_budget(n, 1) for n in (3, 4, 9)] == [0, 1, 1]
    assert slip_budget(12, 0) == 0


def test_exact_after_compaction() -> None:
    assert match_label(" 项目 名称 ", ["项目名称"]) == "项目名称"
    assert match_label("项目名称", ["名称"]) is None


def test_note_stripped_on_text_and_label() -> None:
    assert match_label("预算金额（万元）", ["预算金额"]) == "预算金额"
    assert match_label("填报单位（公章）", ["填报单位（盖章）"]) == "填报单位（盖章）"


def test_prefix_of_a_long_label_only_when_asked() -> None:
    text = "自评情况说明每项指标描述在100字以内"
    assert match_label(text, ["自评情况说明"], prefix_min=4) == "自评情况说明"
    assert match_label(text, ["自评情况说明"]) is None
    assert match_label("电话号码", ["电话"], prefix_min=4) is None  # too short to be a prefix


def test_prefix_takes_the_longest_label() -> None:
    matcher = LabelMatcher((("项目主管单位",), ("项目主管单位基本情况",)), prefix_min=4)
    assert matcher.find("项目主管单位基本情况说明") == LabelMatch(1, "项目主管单位基本情况", True)
    assert matcher.match("项目主管单位基本情况", ["项目主管单位"]) is None


def test_one_ocr_slip_accepted() -> None:
    assert match_label("主要实施内窖", ["主要实施内容"]) == "主要实施内容"
    assert match_label("三级指杯", ["三级指标"], rivals=["一级指标", "二级指标"]) == "三级指标"


def test_a_dropped_glyph_is_a_slip() -> None:
    rates = [(rate,) for rate in L.EVAL_RATE_FACTS]
    assert classify_label("预算执率", rates) == 0
    assert LabelMatcher(tuple(rates)).find("预算执率") == LabelMatch(0, "预算执行率", False)
    assert match_label("主要实施内", ["主要实施内容"], rivals=["主要内容"]) == "主要实施内容"


def test_an_added_glyph_is_a_slip() -> None:
    rates = [(rate,) for rate in L.EVAL_RATE_FACTS]
    assert classify_label("预算执行行率", rates) == 0
    sections = tuple((s,) for s in L.SEF_SECTIONS)
    two = LabelMatcher(sections, max_edits=2)
    assert two.find("项目资金安排和使用情况") == LabelMatch(1, "资金安排和使用情况", False)
    assert LabelMatcher(sections).find("项目资金安排和使用情况") is None  # two added: over one slip


def test_a_dropped_or_added_glyph_within_the_budget_only() -> None:
    assert match_label("主要内容", ["主要实施内容"]) is None  # two dropped from a 6-character label
    assert match_label("三级指", ["三级指标"]) is None  # a 3-character text never carries a slip
    assert match_label("三级指标名", ["三级指标"]) == "三级指标"  # one added to a 4-character label


def test_the_caption_is_never_a_misread_header() -> None:
    caption, header = "绩效指标", "绩效指标值"
    assert match_label(caption, [header]) is None  # a label of the vocabulary, listed or not
    assert match_label(caption, [caption], rivals=[header]) == caption
    assert match_label(header, [header], rivals=[caption]) == header
    assert match_label("绩效指际值", [header], rivals=[caption]) == header
    assert match_label("绩效指际", [header], rivals=[caption]) is None  # a misread caption


def test_the_dept_indicator_header_row_keeps_its_caption_out() -> None:
    headers = [L.DT_LEVEL1, L.DT_LEVEL2, L.DT_NAME, L.DT_TARGET]  # the lookup of seed 001's header row
    assert "绩效指标" in vocabulary_keys()
    assert [classify_label(t, headers) for t in ("绩效指标", "三级指标", "指标值", "绩效指际值")] == [None, 2, 3, 3]


def test_a_dropped_glyph_nearer_or_as_near_a_rival_is_no_slip() -> None:
    label, rival = "偏差原因分析及改进措施", "偏差原因分析及改善措施"
    text = "偏差原因分析及改善措"  # two edits from the label, one (a dropped 施) from the rival
    assert match_label(text, [label], max_edits=2) == label
    assert match_label(text, [label], rivals=[rival], max_edits=2) is None
    assert match_label("绩效标值", ["绩效指标值"]) == "绩效指标值"
    assert match_label("绩效标值", ["绩效指标值"], rivals=["绩效目标值"]) is None  # one drop from either
    assert match_label("总目标值", ["总体目标值"], rivals=["目标值"]) is None  # a 3-character rival as near


def test_vocabulary_keys_hold_labels_not_patterns() -> None:
    keys = vocabulary_keys()
    assert {"预算执行率", "三级指标名称", "项目(单位)名称", "资金安排和使用情况"} <= keys
    assert not any("?" in k or "*" in k for k in keys)


def test_a_rival_is_never_taken_for_a_misread_label() -> None:
    assert match_label("四级指标", ["三级指标"]) == "三级指标"  # without rivals: a slip
    assert match_label("四级指标", ["三级指标"], rivals=["四级指标"]) is None  # exactly a rival
    assert match_label("一级指标", ["三级指标"]) is None  # exactly a label of the vocabulary
    label, rival, text = "偏差原因分析及改进措施", "偏差原因分析及改善措施", "偏差原因分析及改善措旅"
    assert match_label(text, [label], max_edits=2) == label  # two slips in a long label
    assert match_label(text, [label], rivals=[rival], max_edits=2) is None  # but one from the rival
    assert match_label("X级指标", ["三级指标"], rivals=["一级指标"]) is None  # as near both


def test_synonyms_of_one_group_may_tie_first_listed_wins() -> None:
    assert match_label("自评等欠", ["自评等次", "自评等级"]) == "自评等次"
    assert classify_label("自评等欠", [("自评得分",), ("自评等次", "自评等级")]) == 1


def test_too_short_labels_never_fuzzy() -> None:
    assert match_label("名秤", ["名称"]) is None
    assert match_label("联系入", ["联系人"]) is None
    assert match_label("名称", ["名称"]) == "名称"


def test_two_slips_only_in_long_labels_when_allowed() -> None:
    long_label = ("目标偏差原因分析及改进措施",)
    two = LabelMatcher((long_label, ("项目名称",)), max_edits=2)
    assert two.find("目标偏羞原因分析及改近措施") == LabelMatch(0, "目标偏差原因分析及改进措施", False)
    assert LabelMatcher((long_label,)).find("目标偏羞原因分析及改近措施") is None
    assert two.find("项日名秤") is None  # a short label keeps one slip


def test_exact_only() -> None:
    assert match_label("资金安排午份", ["资金安排年份"], fuzzy=False) is None
    assert match_label("资金安排午份", ["资金安排年份"]) == "资金安排年份"


def test_classify_label() -> None:
    groups = [("绩效目标",), ("绩效指标",)]
    assert classify_label("绩效指标", groups) == 1
    assert classify_label("绩效目杯", groups) == 0
    assert classify_label("财政拨款", groups) is None
    assert classify_label("", groups) is None
