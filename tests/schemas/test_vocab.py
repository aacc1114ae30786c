"""Canonical vocabularies: measures, sources, levels, grades, OCR snapping, rates."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from schemas.vocab import (
    BUDGET_LEVELS, GRADES, LEVEL1, LEVEL2, MEASURES, RATE_LABELS, SOURCES, canonical_budget_level,
    canonical_level1, canonical_level2, canonical_measure, canonical_source, edit_distance, grade_for_score,
    grade_matches, rate_ratio, snap_to_vocab, synonym_groups,
)
from tests import shared

SCHEMA_MEASURES = {"预算数", "预算调整", "调整后预算", "实际投入", "实际到位", "实际支出", "资金结余"}
SCHEMA_SOURCES = {"合计", "财政拨款", "财政专户拨款", "上级财政资金", "本级财政资金", "市财政资金",
                  "省财政资金", "中央财政资金", "其他资金"}
SCHEMA_LEVEL1 = {"产出指标", "成本指标", "效益指标", "满意度指标"}
SCHEMA_BUDGET_LEVELS = {"市本级", "县区", "市本级使用", "转移支付"}
SCHEMA_LEVEL2 = {"数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
                 "生态效益指标", "可持续影响指标", "服务对象满意度指标"}


def test_canonical_values_are_the_schema_lists() -> None:
    assert set(MEASURES.values()) == SCHEMA_MEASURES
    assert set(SOURCES.values()) == SCHEMA_SOURCES
    assert set(LEVEL1.values()) == SCHEMA_LEVEL1
    assert set(LEVEL2.values()) == SCHEMA_LEVEL2
    assert set(BUDGET_LEVELS.values()) == SCHEMA_BUDGET_LEVELS


@pytest.mark.parametrize(("label", "expected"), [
    # SCHEMA.md synonyms
    ("预算安排", "预算数"), ("期初预算数", "预算数"), ("年初预算数", "预算数"), ("预算金额", "预算数"),
    ("总计", "预算数"), ("拟投入的资金", "预算数"), ("项目预算支出", "预算数"), ("预算资金", "预算数"),
    ("预算调整/调剂金额", "预算调整"), ("调剂", "预算调整"),
    ("实际预算数", "调整后预算"), ("全年预算数", "调整后预算"), ("调整后预算数", "调整后预算"),
    ("实际投入", "实际投入"),
    ("实际到位", "实际到位"), ("实际分配下达", "实际到位"), ("到位资金", "实际到位"),
    ("实际支出", "实际支出"), ("项目资金实际支出", "实际支出"), ("执行数", "实际支出"),
    ("实际执行金额", "实际支出"),
    ("资金结余", "资金结余"), ("结余", "资金结余"),
    # as printed in the seeds: wrapped, numbered, with units and notes
    ("期初预算\n数", "预算数"), ("预算调整\n/调剂金\n\n额", "预算调整"), ("实际预算\n数", "调整后预算"),
    ("实际到位\n\n（项目单位）", "实际到位"), ("实际支出\n\n（项目单位支出）", "实际支出"),
    ("拟投入的资金\n\n（万元）", "预算数"), ("预算金额（万元）", "预算数"),
    ("预算安排 (1)", "预算数"), ("实际投入 (2)", "实际投入"),
    ("资金结余 (5)=(3)-(4)", "资金结余"), ("资金结余(5)=(3)-(4)", "资金结余"),
    ("１、预算安排", "预算数"),
    # not measures
    ("实际到位率", None), ("支出实现率 (7)=(4)÷(3)", None), ("合计", None), ("项目名称", None),
    ("", None), (None, None),
])
def test_canonical_measure(label: str | None, expected: str | None) -> None:
    assert canonical_measure(label) == expected


@pytest.mark.parametrize(("label", "expected"), [
    ("合计", "合计"), ("财政拨款", "财政拨款"), ("其中：财政拨款", "财政拨款"),
    ("财政专户拨款", "财政专户拨款"), ("上级财政资金", "上级财政资金"), ("本级财政资金", "本级财政资金"),
    ("市财政资金", "市财政资金"), ("市级财政资金", "市财政资金"), ("省财政资金", "省财政资金"),
    ("省级财政资金", "省财政资金"), ("中央财政资\n金", "中央财政资金"), ("其他资金", "其他资金"),
    ("其他（单位自筹）", "其他资金"), ("其他(单位自筹)", "其他资金"), ("其他", "其他资金"),
    ("单位自筹", "其他资金"),
    ("预算安排", None), ("项目支出", None), ("", None), (None, None),
])
def test_canonical_source(label: str | None, expected: str | None) -> None:
    assert canonical_source(label) == expected


@pytest.mark.parametrize(("label", "expected"), [
    ("1-产出指标", "产出指标"), ("2-效益指标", "效益指标"), ("3-满意度指标", "满意度指标"),
    ("产出指标", "产出指标"), ("产\n出\n指\n标", "产出指标"), ("效\n益\n指\n标", "效益指标"),
    ("满意度", "满意度指标"), ("满意度指标", "满意度指标"), ("成本指标", "成本指标"),
    ("产出", "产出指标"), ("效益", "效益指标"),
    ("数量指标", None), ("绩效指标", None), ("项目决策", None), ("", None), (None, None),
])
def test_canonical_level1(label: str | None, expected: str | None) -> None:
    assert canonical_level1(label) == expected


@pytest.mark.parametrize(("label", "expected"), [
    ("11-数量指标", "数量指标"), ("12-质量指标", "质量指标"), ("13-时效指标", "时效指标"),
    ("21-经济效益", "经济效益指标"), ("22-社会效益", "社会效益指标"),
    ("31-服务对象满意度", "服务对象满意度指标"),
    ("数量指标", "数量指标"), ("数量", "数量指标"), ("产出数量", "数量指标"), ("质量", "质量指标"),
    ("产出时效", "时效指标"), ("成本", "成本指标"), ("产出成本", "成本指标"), ("成本指标", "成本指标"),
    ("经济效益", "经济效益指标"), ("经济效益\n指标", "经济效益指标"), ("社会效益\n指标", "社会效益指标"),
    ("生态效益", "生态效益指标"), ("可持续影\n响指标", "可持续影响指标"), ("可持续影响", "可持续影响指标"),
    ("满意度", "服务对象满意度指标"), ("服务对象满意度", "服务对象满意度指标"),
    ("服务对象\n满意度指\n\n标", "服务对象满意度指标"), ("满意度指标", "服务对象满意度指标"),
    ("产出指标", None), ("效益指标", None), ("前期工作", None), ("", None), (None, None),
])
def test_canonical_level2(label: str | None, expected: str | None) -> None:
    assert canonical_level2(label) == expected


@pytest.mark.parametrize(("label", "expected"), [
    ("市本级", "市本级"), ("市级", "市本级"), ("市本级资金（万元）", "市本级"), ("其中：市本级使用资金", "市本级使用"),
    ("县（区）", "县区"), ("县(市、区)", "县区"), ("县区支出", "县区"), ("拟转移支付市县资金", "转移支付"),
    ("转移支付至县区", "转移支付"), ("乡镇", None), ("本级", None), ("", None), (None, None),
])
def test_canonical_budget_level(label: str | None, expected: str | None) -> None:
    assert canonical_budget_level(label) == expected


def test_synonym_groups_invert_a_vocabulary() -> None:
    groups = synonym_groups(LEVEL1)
    assert groups["效益指标"] == ("效益指标", "效益")
    assert sorted(groups) == sorted(SCHEMA_LEVEL1)


@pytest.mark.parametrize(("score", "grade"), [
    (100, "优秀"), (95.5, "优秀"), (90, "优秀"), (Decimal("89.99"), "良好"), (80, "良好"),
    (79.5, "中等"), (70, "中等"), (69, "及格"), (60, "及格"), (59.9, "不及格"), (0, "不及格"),
])
def test_grade_for_score(score: float | Decimal, grade: str) -> None:
    assert grade_for_score(score) == grade


@pytest.mark.parametrize(("grade", "score", "expected"), [
    ("优秀", 95.5, True), ("优秀", 89, False), ("良好", 85, True), ("中等", 75, True),
    ("及格", 65, True), ("不及格", 50, True), ("差", 50, True), ("差", 65, False),
    ("不及格", 60, False), ("优", 91.97, True), ("良", 85, True), ("中", 65, True),
    ("中", 85, False), ("“优秀”", 91.97, True), ("优 秀", 90, True), ("", 90, False),
    (None, 90, False), ("优秀", None, False), ("合格", 65, True),
])
def test_grade_matches(grade: str | None, score: float | None, expected: bool) -> None:
    assert grade_matches(grade, score) is expected


def test_grades_are_ordered_bands() -> None:
    lows = [low for low, _ in GRADES]
    assert lows == sorted(lows, reverse=True)
    assert [g for _, g in GRADES] == ["优秀", "良好", "中等", "及格", "不及格"]


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("", "", 0), ("产出指标", "产出指标", 0), ("产岀指标", "产出指标", 1), ("产出", "产出指标", 2),
    ("abc", "", 3), ("kitten", "sitting", 3),
])
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


LEVELS = ["产出指标", "成本指标", "效益指标", "满意度指标"]


@pytest.mark.parametrize(("text", "choices", "max_edits", "expected"), [
    ("产岀指标", LEVELS, 1, "产出指标"),
    ("产出指标", LEVELS, 1, "产出指标"),
    ("产 出 指 标", LEVELS, 0, "产出指标"),
    ("效益指", LEVELS, 1, "效益指标"),
    ("X本指标", LEVELS, 1, "成本指标"),
    ("XX指标", LEVELS, 1, None),
    ("XX指标", LEVELS, 2, None),  # 产出/成本/效益 all at distance 2: not unique
    ("满意度", LEVELS, 1, None),
    ("满意度", LEVELS, 2, "满意度指标"),
    ("", LEVELS, 1, None),
    ("产出指标", [], 1, None),
])
def test_snap_to_vocab(text: str, choices: list[str], max_edits: int, expected: str | None) -> None:
    assert snap_to_vocab(text, choices, max_edits) == expected


def test_rate_labels_name_measures() -> None:
    assert RATE_LABELS["实际到位率"] == ("实际到位", "实际投入")
    assert RATE_LABELS["支出实现率"] == ("实际支出", "实际到位")
    assert RATE_LABELS["预算完成率"] == ("实际支出", "预算数")
    assert RATE_LABELS["预算执行率"] == ("实际支出", "预算数")
    assert RATE_LABELS["得分率"] == ("得分", "分值")
    for name, (num, den) in RATE_LABELS.items():
        if name != "得分率":
            assert {num, den} <= SCHEMA_MEASURES


@pytest.mark.parametrize(("label", "expected"), [
    ("实际到位率 (6)=(3)÷(2)", ("实际到位", "实际投入")),
    ("支出实现率\n(7)=(4)÷(3)", ("实际支出", "实际到位")),
    ("预算完成率", ("实际支出", "预算数")),
    ("资金到位率", ("实际到位", "预算数")),
    ("实际到位", None),
    (None, None),
])
def test_rate_ratio(label: str | None, expected: tuple[str, str] | None) -> None:
    assert rate_ratio(label) == expected


SAMPLES = shared.SAMPLES


def _truth_reports() -> list[dict[str, Any]]:
    reports: list[dict[str, Any]] = []
    for path in sorted(SAMPLES.glob("*.json")):
        reports += json.loads(path.read_text(encoding="utf-8"))["reports"]
    return reports


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")
def test_ground_truth_fund_labels_and_levels() -> None:
    """Printed row/column labels of the sample fund tables map to their measure;
    every indicator level in the samples is canonical."""
    hints = {"", "level", "source", "task", "type", "unit", "合计"}  # not measure labels
    wrong, checked = [], 0
    for report in _truth_reports():
        for fund in report["funds"]:
            label = (fund.get("_row") or fund.get("_col") or "").split("/")[0]
            if label not in hints:
                checked += 1
                if canonical_measure(label) != fund["measure"]:
                    wrong.append((label, fund["measure"]))
            if fund["source"] is not None and canonical_source(fund["source"]) != fund["source"]:
                wrong.append((fund["source"], "source"))
        for ind in report["indicators"]:
            if canonical_level1(ind["level1"]) != ind["level1"]:
                wrong.append((ind["level1"], "level1"))
            if canonical_level2(ind["level2"]) != ind["level2"]:
                wrong.append((ind["level2"], "level2"))
    assert wrong == []
    assert checked > 50
