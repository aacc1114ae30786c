"""Canonical values of the data contract (SCHEMA.md) and their synonyms.

The one place that says which printed label means which canonical value:
fund measures, sources and budget levels, indicator levels, grades, rate
names, and the words region names are made of. Labels
are matched on their compacted form (NFKC, no whitespace), after dropping
row numbers (``预算安排 (1)``), formulas (``(5)=(3)-(4)``), numbering
(``1-产出指标``, ``11-数量指标``, ``一、``) and ``其中：`` prefixes.
"""

from __future__ import annotations

import functools

import re
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping, TypeVar

from schemas.text import compact


def _invert(table: dict[str, tuple[str, ...]]) -> Mapping[str, str]:
    """{canonical: synonyms} → read-only {compacted synonym or canonical: canonical}."""
    out: dict[str, str] = {}
    for canonical, synonyms in table.items():
        for label in (canonical, *synonyms):
            out[compact(label)] = canonical
    return MappingProxyType(out)


MEASURES: Mapping[str, str] = _invert({
    "预算数": ("预算安排", "期初预算数", "期初预算", "年初预算数", "年初预算", "预算金额",
             "总计", "拟投入的资金", "拟投入资金", "项目预算支出", "预算资金", "预算数",
             "年初预算金额", "预算总额"),
    "预算调整": ("预算调整/调剂金额", "预算调整/调剂", "预算调整调剂金额", "调剂金额", "调剂",
             "调整金额", "预算调整数"),
    "调整后预算": ("实际预算数", "全年预算数", "调整后预算数", "调整后预算金额", "全年预算"),
    "实际投入": ("实际投入", "实际投入资金"),
    "实际到位": ("实际到位", "实际分配下达", "到位资金", "实际到位资金", "资金到位数"),
    "实际支出": ("实际支出", "项目资金实际支出", "执行数", "全年执行数", "实际执行金额", "实际执行数",
             "实际支出数", "实际支出金额", "实际支出资金", "支出数"),
    "资金结余": ("资金结余", "结余", "结余资金", "结余数"),
})

SOURCES: Mapping[str, str] = _invert({
    "合计": ("合计", "资金总额", "总额", "年度资金总额"),
    "财政拨款": ("财政拨款", "财政拨款资金", "一般公共预算拨款", "当年财政拨款"),
    "财政专户拨款": ("财政专户拨款", "财政专户管理资金"),
    "上级财政资金": ("上级财政资金", "上级资金", "上级补助资金", "上级财政补助"),
    "本级财政资金": ("本级财政资金", "本级资金", "本级财政"),
    "市财政资金": ("市财政资金", "市级财政资金", "市财政", "市级财政", "市级资金"),
    "省财政资金": ("省财政资金", "省级财政资金", "省财政", "省级财政", "省级资金"),
    "中央财政资金": ("中央财政资金", "中央财政", "中央资金", "中央补助资金"),
    "其他资金": ("其他资金", "其他", "其他（单位自筹）", "单位自筹", "自筹资金", "其他（自筹）",
             "其他资金（单位自筹）"),
})

LEVEL1: Mapping[str, str] = _invert({
    "产出指标": ("产出", "产出指标"),
    "成本指标": ("成本指标",),
    "效益指标": ("效益", "效益指标"),
    "满意度指标": ("满意度", "满意度指标"),
})

LEVEL2: Mapping[str, str] = _invert({
    "数量指标": ("数量", "产出数量", "数量指标"),
    "质量指标": ("质量", "产出质量", "质量指标"),
    "时效指标": ("时效", "产出时效", "时效指标"),
    "成本指标": ("成本", "产出成本", "成本指标"),
    "经济效益指标": ("经济效益", "经济效益指标"),
    "社会效益指标": ("社会效益", "社会效益指标"),
    "生态效益指标": ("生态效益", "生态效益指标"),
    "可持续影响指标": ("可持续影响", "可持续影响指标"),
    "服务对象满意度指标": ("满意度", "满意度指标", "服务对象满意度", "服务对象满意度指标"),
})

# funds.level: the budget level a fund-table column or a budget row names.
BUDGET_LEVELS: Mapping[str, str] = _invert({
    "市本级": ("市本级", "市本级支出", "市级", "市本级资金"),
    "市本级使用": ("市本级使用", "市本级使用资金", "本级使用资金", "本级使用"),
    "县区": ("县区", "县区支出", "县（区）", "区县", "县（区）支出", "县(市、区)", "县（市、区）"),
    "转移支付": ("转移支付至县区", "转移支付", "转移支付县区", "拟转移支付市县资金", "转移支付市县资金",
             "拟转移支付资金", "转移支付资金", "拟转移支付县区资金", "拟转移支付"),
})

# reports.region: an administrative name (市/县/区 as written) read from a
# department name or a title: party prefixes and the province dropped, the
# last name with a region suffix kept, unless it ends like a common noun.
REGION_PREFIXES: tuple[str, ...] = ("中国共产党", "中共")
PROVINCE_SUFFIXES: tuple[str, ...] = ("省", "自治区")
REGION_SUFFIXES: tuple[str, ...] = ("自治州", "自治县", "新区", "地区", "市", "县", "区", "旗", "盟")
NOT_REGION_TAILS: tuple[str, ...] = (
    "社区", "城区", "辖区", "园区", "片区", "景区", "小区", "市区", "校区", "山区", "灾区", "库区",
    "街区", "营区", "矿区", "港区", "厂区", "专区", "牧区", "城市", "都市", "超市", "股市", "门市",
)


def synonym_groups(table: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """{canonical: its compacted synonyms} of an inverted vocabulary (for a label matcher)."""
    groups: dict[str, list[str]] = {}
    for label, canonical in table.items():
        groups.setdefault(canonical, []).append(label)
    return {canonical: tuple(labels) for canonical, labels in groups.items()}


_ROW_NO = re.compile(r"\(\d+\)(?:=[()\d+\-−÷×*/]+)?$")  # (1), (5)=(3)-(4)
_NUMBERING = re.compile(r"^(?:\d+(?:[-.、]|\s)|[一二三四五六七八九十]+、|\(\d+\)|\([一二三四五六七八九十]+\))")
_PREFIX = re.compile(r"^其中[:：]?")
_UNIT_TAIL = re.compile(r"\((?:万元|元|亿元|千元|单位[:：]?\w+)\)$")
_PARENS = re.compile(r"\([^()]*\)")


def _label_forms(label: str | None) -> list[str]:
    """The compacted label, then without numbering/units, then without brackets."""
    text = compact(label)
    bare = _PREFIX.sub("", _NUMBERING.sub("", _ROW_NO.sub("", text)))
    bare = _UNIT_TAIL.sub("", bare)
    return [text, bare, _PARENS.sub("", bare)]


_V = TypeVar("_V")


def _lookup(table: Mapping[str, _V], label: str | None) -> _V | None:
    for form in _label_forms(label):
        if form in table:
            return table[form]
    return None


def canonical_measure(label: str | None) -> str | None:
    """SCHEMA measure for a fund-table label (``预算安排 (1)`` → ``预算数``)."""
    return _lookup(MEASURES, label)


def canonical_source(label: str | None) -> str | None:
    """SCHEMA source for a fund-source label (``其他（单位自筹）`` → ``其他资金``)."""
    return _lookup(SOURCES, label)


def canonical_level1(label: str | None) -> str | None:
    """``1-产出指标`` / ``产\\n出\\n指\\n标`` → ``产出指标``; None when unknown."""
    return _lookup(LEVEL1, label)


def canonical_level2(label: str | None) -> str | None:
    """``11-数量指标`` → ``数量指标``; ``满意度`` → ``服务对象满意度指标``."""
    return _lookup(LEVEL2, label)


def canonical_budget_level(label: str | None) -> str | None:
    """SCHEMA budget level (``县（区）支出`` → ``县区``); None when unknown."""
    return _lookup(BUDGET_LEVELS, label)


# (lowest score, grade), best first; a score belongs to the first band it reaches.
GRADES: tuple[tuple[Decimal, str], ...] = (
    (Decimal(90), "优秀"), (Decimal(80), "良好"), (Decimal(70), "中等"),
    (Decimal(60), "及格"), (Decimal("-Infinity"), "不及格"),
)
# The four-class scale of 财预〔2020〕10号 (优 ≥90, 良 80–90, 中 60–80, 差 <60).
GRADES_FOUR: tuple[tuple[Decimal, str], ...] = (
    (Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal("-Infinity"), "差"),
)
GRADE_SYNONYMS: Mapping[str, str] = MappingProxyType({"差": "不及格", "合格": "及格"})


def _band(score: float | Decimal, bands: tuple[tuple[Decimal, str], ...]) -> str:
    value = Decimal(str(score))
    return next(grade for low, grade in bands if value >= low)


def grade_for_score(score: float | Decimal) -> str:
    """Five-band grade: 90–100 优秀, 80–89 良好, 70–79 中等, 60–69 及格, <60 不及格."""
    return _band(score, GRADES)


def grade_matches(grade: str | None, score: float | Decimal | None) -> bool:
    """Whether a printed grade fits the score (five-band or 优/良/中/差 scale)."""
    g = compact(grade).strip("\"“”'")
    if not g or score is None:
        return False
    if g == "差":
        return _band(score, GRADES_FOUR) == "差"
    if g in {"优", "良", "中"}:
        return _band(score, GRADES_FOUR) == g
    return GRADE_SYNONYMS.get(g, g) == grade_for_score(score)


@functools.lru_cache(maxsize=65536)
def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance in characters (memoised: labels are compared again and again)."""
    if a == b:
        return 0
    return _levenshtein(a, b)


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def snap_to_vocab(text: str | None, choices: list[str], max_edits: int = 1) -> str | None:
    """The choice nearest to ``text`` (compacted) within ``max_edits``, if unique."""
    t = compact(text)
    if not t:
        return None
    scored = sorted((edit_distance(t, compact(c)), c) for c in choices)
    if not scored or scored[0][0] > max_edits:
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0] and compact(scored[1][1]) != compact(scored[0][1]):
        return None
    return scored[0][1]


# Printed rate → (numerator, denominator) it names: measures for fund rates,
# ``得分``/``分值`` for score rates.
RATE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "实际到位率": ("实际到位", "实际投入"),
    "资金到位率": ("实际到位", "预算数"),
    "到位率": ("实际到位", "预算数"),
    "支出实现率": ("实际支出", "实际到位"),
    "预算完成率": ("实际支出", "预算数"),
    "预算执行率": ("实际支出", "预算数"),
    "执行率": ("实际支出", "预算数"),
    "成本控制率": ("实际支出", "预算数"),
    "得分率": ("得分", "分值"),
})


def rate_ratio(label: str | None) -> tuple[str, str] | None:
    """(numerator, denominator) of a printed rate label, e.g. ``实际到位率 (6)``."""
    return _lookup(RATE_LABELS, label)
