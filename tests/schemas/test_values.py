"""Value parsing: numbers, amounts, targets (every ground-truth string), dates, weights."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.text import compact
from schemas.values import (
    ParsedValue, checked_option, parse_amount_wan, parse_date, parse_fact_value, parse_number,
    parse_target, split_weight,
)
from tests import shared

SAMPLES = shared.SAMPLES

# ------------------------------------------------------------------ targets

# Every distinct target / actual string of the ground-truth samples with its
# parse (op, value, high, unit), copied from the JSONs.
TARGETS = [
    ("284个", "=", 284.0, None, "个"),
    ("25万份", "=", 250000.0, None, "份"),
    ("100%", "=", 100.0, None, "%"),
    ("较好", None, None, None, None),
    ("当年完成", None, None, None, None),
    ("102.24万", "=", 1022400.0, None, None),
    ("≤财政预算拨款", "<=", None, None, None),
    ("90%", "=", 90.0, None, "%"),
    ("好", None, None, None, None),
    ("95%", "=", 95.0, None, "%"),
    ("全市综治工作逐步提高", None, None, None, None),
    ("工作有序推进", None, None, None, None),
    ("长期", None, None, None, None),
    ("＞90%", ">", 90.0, None, "%"),
    ("约20人", "≈", 20.0, None, "人"),
    ("约15人", "≈", 15.0, None, "人"),
    ("43个", "=", 43.0, None, "个"),
    ("达标", None, None, None, None),
    ("2021年1月至12月完成", None, None, None, None),
    ("2021年12月前", None, None, None, None),
    ("340.8万元", "=", 340.8, None, "万元"),
    ("≦财政预算拨款（120万元）", "<=", 120.0, None, "万元"),
    ("≦本年度预算（948万元）", "<=", 948.0, None, "万元"),
    ("无法量化评估", None, None, None, None),
    ("无", None, None, None, None),
    ("平安湛江、法治湛江水平逐步提高", None, None, None, None),
    ("社会面未转化邪教人员逐步减少", None, None, None, None),
    ("≥88%", ">=", 88.0, None, "%"),
    ("在流动人员服务工作中无重大维稳事件。", None, None, None, None),
    ("≥90", ">=", 90.0, None, None),
    ("90%以上", ">=", 90.0, None, "%"),
    ("全年重大活动平稳有序。", None, None, None, None),
    ("实现“五个不发生”。", None, None, None, None),
    ("1次", "=", 1.0, None, "次"),
    ("保障荔湾政法公众号运行正常。", None, None, None, None),
    ("逐年提升", None, None, None, None),
    ("持续稳定", None, None, None, None),
    ("不少6次", ">=", 6.0, None, "次"),
    ("3个", "=", 3.0, None, "个"),
    ("正常运作", None, None, None, None),
    ("巩固专项斗争成果。", None, None, None, None),
    ("严格国有资产管理", None, None, None, None),
    ("满意", None, None, None, None),
    ("推进全区1+6+N基层社会治理体系建设，夯实筑牢社会治理基层基础。", None, None, None, None),
    ("保证工作沟通及时顺畅", None, None, None, None),
    ("开展区级培训2次", None, None, None, None),
    ("网格事件办结率100%", None, None, None, None),
    ("数据鲜活度提高", None, None, None, None),
    ("年度考核等次为合格及合格以上等次达到100%。", None, None, None, None),
    ("考核等次为合格及合格以上等次达到100%。", None, None, None, None),
    ("10人", "=", 10.0, None, "人"),
    ("不小于5000", ">=", 5000.0, None, None),
    ("不小于10万", ">=", 100000.0, None, None),
    ("≥99.99%", ">=", 99.99, None, "%"),
    ("不少于50次每秒", ">=", 50.0, None, "次/秒"),
    ("不大于3秒", "<=", 3.0, None, "秒"),
    ("90%≤n≤100%", "range", 90.0, 100.0, "%"),
    ("有效提高", None, None, None, None),
    ("≥90%", ">=", 90.0, None, "%"),
]
ACTUALS = [
    ("284个", 284.0, "个"),
    ("25万份", 250000.0, "份"),
    ("100%", 100.0, "%"),
    ("较好", None, None),
    ("当年完成", None, None),
    ("102.24万", 1022400.0, None),
    ("≤财政预算拨款", None, None),
    ("90%", 90.0, "%"),
    ("好", None, None),
    ("95%", 95.0, "%"),
    ("全市综治工作逐步提高", None, None),
    ("工作有序推进", None, None),
    ("长期", None, None),
    ("＞90%", 90.0, "%"),
]

# SCHEMA.md examples and further spellings the parser must handle.
MORE_TARGETS = [
    ("约20人", "≈", 20.0, None, "人"),
    ("不小于 10 万", ">=", 100000.0, None, None),
    ("不少于 50 次每 秒", ">=", 50.0, None, "次/秒"),
    ("100次/每秒", "=", 100.0, None, "次/秒"),
    ("＞９０％", ">", 90.0, None, "%"),
    ("> 90%", ">", 90.0, None, "%"),
    (">=90%", ">=", 90.0, None, "%"),
    ("≧95%", ">=", 95.0, None, "%"),
    ("<=5天", "<=", 5.0, None, "天"),
    ("不超过3天", "<=", 3.0, None, "天"),
    ("不高于5%", "<=", 5.0, None, "%"),
    ("低于2%", "<", 2.0, None, "%"),
    ("小于10个", "<", 10.0, None, "个"),
    ("高于80%", ">", 80.0, None, "%"),
    ("大于100人", ">", 100.0, None, "人"),
    ("超过50次", ">", 50.0, None, "次"),
    ("不低于90%", ">=", 90.0, None, "%"),
    ("3秒以内", "<=", 3.0, None, "秒"),
    ("10人以下", "<=", 10.0, None, "人"),
    ("95%及以上", ">=", 95.0, None, "%"),
    ("20人左右", "≈", 20.0, None, "人"),
    ("90%-100%", "range", 90.0, 100.0, "%"),
    ("90%—100%", "range", 90.0, 100.0, "%"),
    ("90%—10 0%", "range", 90.0, 100.0, "%"),
    ("5~10天", "range", 5.0, 10.0, "天"),
    ("3至5人", "range", 3.0, 5.0, "人"),
    ("1-2万人", "range", 10000.0, 20000.0, "人"),
    ("5-10万元", "range", 5.0, 10.0, "万元"),
    ("100%≥n≥90%", "range", 90.0, 100.0, "%"),
    ("1,265.41万元", "=", 1265.41, None, "万元"),
    ("1.5亿元", "=", 1.5, None, "亿元"),
    ("3万人次", "=", 30000.0, None, "人次"),
    ("12.5km", "=", 12.5, None, "km"),
    ("-5%", "=", -5.0, None, "%"),
    ("100%。", "=", 100.0, None, "%"),
    ("≥90%以上", ">=", 90.0, None, "%"),
    ("不低于上年水平", ">=", None, None, None),
    ("2021年", "=", 2021.0, None, "年"),
    ("12月底前", None, None, None, None),
    ("3个工作日内完成", None, None, None, None),
    ("100%完成", None, None, None, None),
    ("约定俗成", None, None, None, None),
    ("2024年1月1日至2024年12月31日", None, None, None, None),
    ("0762-5618803", None, None, None, None),
    ("5%-8万元", None, None, None, None),
    ("-", None, None, None, None),
    ("/", None, None, None, None),
    ("", None, None, None, None),
    (None, None, None, None, None),
]


@pytest.mark.parametrize(("text", "op", "value", "high", "unit"), TARGETS + MORE_TARGETS)
def test_parse_target(text: str | None, op: str | None, value: float | None,
                      high: float | None, unit: str | None) -> None:
    assert parse_target(text) == ParsedValue(op, value, high, unit)


@pytest.mark.parametrize(("text", "value", "unit"), ACTUALS)
def test_parse_actual(text: str, value: float | None, unit: str | None) -> None:
    parsed = parse_target(text)
    assert (parsed.value, parsed.unit) == (value, unit)


def _accepted(rec: dict[str, Any], field: str) -> list[Any]:
    return [rec[field], *rec.get("alt", {}).get(field, [])]


def _truth_indicators() -> list[dict[str, Any]]:
    if not SAMPLES.is_dir():
        return []
    recs = []
    for path in sorted(SAMPLES.glob("*.json")):
        for report in json.loads(path.read_text(encoding="utf-8"))["reports"]:
            recs += report["indicators"]
    return recs


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")
def test_every_ground_truth_target_and_actual() -> None:
    """Straight from the sample JSONs: each parse is the truth or an accepted alt."""
    wrong = []
    for rec in _truth_indicators():
        for side, fields in (("target", ("op", "value", "high", "unit")), ("actual", ("value", "unit"))):
            if rec[side] is None:
                continue
            parsed = parse_target(rec[side])
            for f in fields:
                key = f"{side}_{f}"
                if key in rec and getattr(parsed, f) not in _accepted(rec, key) and "*" not in _accepted(rec, key):
                    wrong.append((rec[side], key, getattr(parsed, f), rec[key]))
    assert wrong == []
    assert len(_truth_indicators()) > 50


# ------------------------------------------------------------------ numbers and amounts

@pytest.mark.parametrize(("text", "expected"), [
    ("1,265.41", Decimal("1265.41")),
    ("2868.5739", Decimal("2868.5739")),
    ("100%", Decimal("100")),
    ("99.31%", Decimal("99.31")),
    ("0", Decimal("0")),
    (" 1 674.21 ", Decimal("1674.21")),
    ("１２３．４", Decimal("123.4")),
    ("-3.5", Decimal("-3.5")),
    ("−3.5", Decimal("-3.5")),
    ("-", None), ("/", None), ("无", None), ("", None), (None, None),
    ("1,2654.1", None), ("12万", None), ("约5", None), ("1.2.3", None),
])
def test_parse_number(text: str | None, expected: Decimal | None) -> None:
    result = parse_number(text)
    assert result == expected
    if expected is not None:
        assert isinstance(result, Decimal) and str(result) == str(expected)


@pytest.mark.parametrize(("text", "unit", "expected"), [
    ("194.17", "万元", "194.17"),
    ("340.8万元", "万元", "340.8"),
    ("1,265.41万元", None, "1265.41"),
    ("12000元", "万元", "1.2"),
    ("12000", "元", "1.2"),
    ("1", "元", "0.0001"),
    ("3", "亿元", "30000"),
    ("2.5亿元", "元", "25000.0"),
    ("5", "单位：万元", "5"),
    ("8.00", "（万元）", "8.00"),
    ("1500", "千元", "150.0"),
    ("0", "元", "0"),
    ("-", "万元", None), ("无", "万元", None), ("", "万元", None), (None, "万元", None),
    ("12", "个", None), ("abc", "万元", None),
])
def test_parse_amount_wan(text: str | None, unit: str | None, expected: str | None) -> None:
    result = parse_amount_wan(text, unit)
    assert result == (None if expected is None else Decimal(expected))


def test_parse_amount_wan_is_exact() -> None:
    assert parse_amount_wan("0.01", "元") == Decimal("0.000001")
    assert parse_amount_wan("123456789.123456789", "元") == Decimal("12345.6789123456789")
    assert isinstance(parse_amount_wan("1", "元"), Decimal)


# ------------------------------------------------------------------ dates

@pytest.mark.parametrize(("text", "expected"), [
    ("2020年9月25日", "2020-09-25"),
    ("2021 年 4 月 16 日", "2021-04-16"),
    ("2020/8/20", "2020-08-20"),
    ("2020-8-20", "2020-08-20"),
    ("2020.8.20", "2020-08-20"),
    ("2020-08-20", "2020-08-20"),
    ("２０２０年９月２５日", "2020-09-25"),
    ("2020年09月05号", "2020-09-05"),
    ("二〇二〇年九月二十五日", "2020-09-25"),
    ("二〇二一年十二月三十一日", "2021-12-31"),
    ("20200820", "2020-08-20"),
    ("2020年9月25日。", "2020-09-25"),
    ("2020年9月", None), ("2020年", None), ("9月25日", None),
    ("2020-02-30", None), ("2020/8-20", None), ("2024年1月1日至2024年12月31日", None),
    ("", None), (None, None), ("较好", None),
])
def test_parse_date(text: str | None, expected: str | None) -> None:
    assert parse_date(text) == expected


# ------------------------------------------------------------------ weights

@pytest.mark.parametrize(("label", "expected"), [
    ("绩效目标 (20)", ("绩效目标", 20.0)),
    ("项目论证 (1分)", ("项目论证", 1.0)),
    ("满意度(6)", ("满意度", 6.0)),
    ("服务对象 满意度 (6分)", ("服务对象满意度", 6.0)),
    ("项目 绩效 结果 (50)", ("项目绩效结果", 50.0)),
    ("决策 (20分)", ("决策", 20.0)),
    ("项目过程（20分）", ("项目过程", 20.0)),
    ("数量指标(分值10分,得分7分)", ("数量指标", 10.0)),
    ("产出指标（权重：40）", ("产出指标", 40.0)),
    ("实施程序 (15分)", ("实施程序", 15.0)),
    ("制度措施 (1.5分)", ("制度措施", 1.5)),
    ("县镇村（居）综治视联网 (5分)", ("县镇村（居）综治视联网", 5.0)),
    ("政法网（二期）工程", ("政法网（二期）工程", None)),
    ("资金到位率", ("资金到位率", None)),
    ("项目 论证", ("项目论证", None)),
    ("", ("", None)),
])
def test_split_weight(label: str, expected: tuple[str, float | None]) -> None:
    assert split_weight(label) == expected


# ------------------------------------------------------------------ check marks

@pytest.mark.parametrize(("text", "expected"), [
    ("是☑ 部分实现□ 否□", "是"),
    ("是□ 部分实现☑ 否□", "部分实现"),
    ("是□ 部分实现□ 否☑", "否"),
    ("是\nR\n\n部分实现\n□\n否\n□", "是"),
    ("是R 否£", "是"),
    ("是£ 否R", "否"),
    ("是√ 否□", "是"),
    ("是✓ 否□", "是"),
    ("是✔ 否□", "是"),
    ("是☒ 否□", "是"),
    ("是■ 否□", "是"),
    ("☑是 □否", "是"),
    ("□是 ☑否", "否"),
    ("R是 £否", "是"),
    ("是否如期实现预期目标：是☑ 部分实现□ 否□", "是"),
    ("是 否", None),
    ("是□ 否□", None),
    ("是☑ 否☑", None),
    ("ROAD□ 否□", None),
    ("", None),
])
def test_checked_option(text: str, expected: str | None) -> None:
    assert checked_option(text) == expected


# ------------------------------------------------------------------ facts

# (key, printed value, context unit) → (value, value_num, unit), from the samples.
FACTS = [
    ("评价年度", "2020年", None, "2020年", 2020, "年"),
    ("评价金额", "194.17", "万元", "194.17", Decimal("194.17"), "万元"),
    ("联系人及联系电话（含手机）", "张振宇13729192636", None, "张振宇13729192636", None, None),
    ("联系邮箱", "zjpa404@163.com", None, "zjpa404@163.com", None, None),
    ("实施文件依据", "关于印发《广东省社会治安综合治理综治中心建设与管理规范实施方案》的通知(粤政电[2017]88号）",
     None, "关于印发《广东省社会治安综合治理综治中心建设与管理规范实施方案》的通知(粤政电[2017]88号）",
     None, None),
    ("是否完工", "是", None, "是", None, None),
    ("完工时间", "2020/8/20", None, "2020-08-20", None, None),
    ("验收时间", "2020年9月25日", None, "2020-09-25", None, None),
    ("在职人数", "71", None, "71", 71, None),
    ("离退休人数", "38", None, "38", 38, None),
    ("填报人姓名", "刘海雁", None, "刘海雁", None, None),
    ("联系电话", "0762-5618803", None, "0762-5618803", None, None),
    ("填报日期", "2021 年 4 月 16 日", None, "2021-04-16", None, None),
    ("资金安排年份", "2020", None, "2020", 2020, None),
    ("电话", "5618923", None, "5618923", None, None),
    ("地址", "和平县阳明镇九子岗商务中心", None, "和平县阳明镇九子岗商务中心", None, None),
    ("邮编", "517200", None, "517200", None, None),
    ("自评等次", "优秀", None, "优秀", None, None),
    ("实际到位率", "100%", None, "100%", 100, "%"),
    ("资金支出依据", "县政府常务会议纪要（2019 年第 12 期）", None, "县政府常务会议纪要（2019年第12期）", None, None),
    ("资金支出依据", "2020 和财预 1096 号", None, "2020和财预1096号", None, None),
    ("资金支出依据", "2020和财预字第677号", None, "2020和财预字第677号", None, None),
    ("联系电话", "0755-83055012", None, "0755-83055012", None, None),
    ("预算执行率", "99.31%", None, "99.31%", Decimal("99.31"), "%"),
    ("评价期限", "2024年1月1日至2024年12月31日", None, "2024年1月1日至2024年12月31日", None, None),
    ("涉及财政预算资金", "1,265.41 万元", None, "1,265.41万元", Decimal("1265.41"), "万元"),
    ("综合得分", "91.97", "分", "91.97", Decimal("91.97"), "分"),
    ("决策类得分率", "100.00%", None, "100.00%", 100, "%"),
    ("过程类得分", "19.97", None, "19.97", Decimal("19.97"), None),
    ("合计权重", "100", None, "100", 100, None),
    ("在职实有人数", "23人", None, "23人", 23, "人"),
    ("编号", "2021001", None, "2021001", None, None),
    ("代码", "007", None, "007", None, None),
    ("备注", "0123", None, "0123", None, None),
    ("项目主管单位基本情况", "一是 稳定。\n二是\u3000良好。", None, "一是稳定。\n二是良好。", None, None),
]


@pytest.mark.parametrize(("key", "raw", "context", "value", "num", "unit"), FACTS)
def test_parse_fact_value(key: str, raw: str, context: str | None, value: str,
                          num: Decimal | int | None, unit: str | None) -> None:
    assert parse_fact_value(raw, key, context) == (value, None if num is None else Decimal(num), unit)


def test_checked_fact_from_sample() -> None:
    assert checked_option("是☑ 部分实现□ 否□") == "是"


def _truth_facts() -> list[dict[str, Any]]:
    facts = []
    for path in sorted(SAMPLES.glob("*.json")):
        for report in json.loads(path.read_text(encoding="utf-8"))["reports"]:
            facts += report["facts"]
    return facts


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")
def test_every_ground_truth_fact() -> None:
    """Each sample fact's value text parses to itself with its value_num and unit.

    Context units the caller supplies (the table's 万元, a printed 分 after a
    footnote) are taken from the truth where the value has no unit of its own.
    """
    wrong = []
    for fact in _truth_facts():
        raw = fact.get("_raw", fact["value"])
        if fact["key"] == "是否如期实现预期目标":
            got: tuple[Any, ...] = (checked_option(raw), None, None)
        else:
            context = fact["unit"] if parse_number(raw) is not None and fact["unit"] != "%" else None
            got = parse_fact_value(raw, fact["key"], context)
        num = fact["value_num"]
        want = (fact["value"], None if num is None else Decimal(str(num)), fact["unit"])
        if got != want:
            wrong.append((fact["key"], got, want))
    assert wrong == []


# ------------------------------------------------------------------ properties

ALPHABET = st.sampled_from(
    list("0123456789.,%-~/()<>=:nNabc \t\n\u3000")
    + [chr(c) for c in range(0xFF01, 0xFF5F)]
    + list("年月日号个次人秒万元亿约不小于大超过以上内至到左右每分值权重（）：，。≥≤≦≧—①¹〇一二九十")
)
TEXTS = st.text(ALPHABET, max_size=30)


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


@given(TEXTS)
def test_parsers_are_nfkc_invariant(s: str) -> None:
    assert parse_target(s) == parse_target(nfkc(s))
    assert parse_number(s) == parse_number(nfkc(s))
    assert parse_date(s) == parse_date(nfkc(s))
    assert parse_amount_wan(s) == parse_amount_wan(nfkc(s))
    label, weight = split_weight(s)
    label2, weight2 = split_weight(nfkc(s))
    assert (compact(label), weight) == (compact(label2), weight2)


@given(st.text(max_size=30))
def test_parsers_never_crash(s: str) -> None:
    assert isinstance(parse_target(s), ParsedValue)
    parse_number(s)
    parse_date(s)
    parse_amount_wan(s, s)
    checked_option(s)
    assert isinstance(parse_fact_value(s, s)[0], str)
    assert isinstance(split_weight(s)[0], str)


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_parse_number_round_trip(d: Decimal) -> None:
    assert parse_number(f"{d:,}") == d
    assert parse_number(f"{d}%") == d
    assert parse_amount_wan(f"{d}元", "万元") == d / 10000


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_parse_date_round_trip(d: dt.date) -> None:
    iso = d.isoformat()
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == iso
    assert parse_date(f"{d.year}/{d.month}/{d.day}") == iso
    assert parse_date(f"{d.year} . {d.month:02d} . {d.day}") == iso


@given(st.text(st.sampled_from(list("项目论证绩效目标满意度指标产出")), min_size=1, max_size=8),
       st.integers(min_value=0, max_value=100))
def test_split_weight_round_trip(label: str, weight: int) -> None:
    assert split_weight(f"{label} ({weight}分)") == (label, float(weight))
    assert split_weight(f"{label}（{weight}）") == (label, float(weight))
