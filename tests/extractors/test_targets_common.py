"""Helpers of the target-table extractors: header matching, region, year, unit."""

from __future__ import annotations

import pytest

from extractors.targets_common import (
    bracket_unit, classify_header, header_matches, is_placeholder, level1_of, level2_of, region_of, strip_note,
    year_of,
)


@pytest.mark.parametrize(("names", "region"), [
    (("中共湛江市委政法委员会",), "湛江市"),
    (("中国共产党广州市荔湾区委员会政法委员会",), "荔湾区"),
    (("中共和平县委政法委员会",), "和平县"),
    (("广东省佛山市南海区财政局",), "南海区"),
    (("某某社区服务中心", "中共深圳市委宣传部"), "深圳市"),
    (("财政局",), None),
    ((None, ""), None),
])
def test_region_of(names: tuple[str | None, ...], region: str | None) -> None:
    assert region_of(*names) == region


def test_header_matches_ignores_bracketed_note_and_one_misread_glyph() -> None:
    assert header_matches("预算金额（万元）", ["预算金额"])
    assert header_matches("期望达到的目标\n（概述）", ["期望达到的目标"])
    assert header_matches("主要实施内窖", ["主要实施内容"])
    assert not header_matches("主要内容", ["主要实施内容"])
    assert not header_matches("名秤", ["名称"])  # short labels must match exactly


def test_a_rival_label_is_not_taken_for_a_misread_one() -> None:
    assert not header_matches("一级指标", ["三级指标"], rivals=["一级指标"])
    assert header_matches("三级指杯", ["三级指标"], rivals=["一级指标", "二级指标"])
    headers = {"goal": ("绩效目标",), "indicators": ("绩效指标",)}
    assert classify_header("绩效指标", headers) == "indicators"
    assert classify_header("绩效目杯", headers) == "goal"
    assert classify_header("财政拨款", headers) is None


def test_small_parsers() -> None:
    assert strip_note("拟投入的资金 (万元)") == "拟投入的资金"
    assert bracket_unit("预算金额（万元）") == "万元"
    assert bracket_unit("总计(单位:元)") == "元"
    assert bracket_unit("期望达到的目标（概述）") is None
    assert year_of("2021年市级部门整体预算绩效目标表") == 2021
    assert year_of("项目支出绩效目标表") is None
    assert is_placeholder(" 无 ", ["无"]) and is_placeholder("", []) and not is_placeholder("0", ["无"])


def test_level_names_tolerate_codes_and_one_misread_glyph() -> None:
    assert (level1_of("1-产出指标"), level1_of("产岀指标"), level1_of("其他")) == ("产出指标", "产出指标", None)
    assert (level2_of("22-社会效益"), level2_of("22-社会效盖"), level2_of("")) == ("社会效益指标", "社会效益指标", None)
