"""Consistency rules across prose and tables, and indicators short of their targets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator, Sequence

from pipeline.check_rules import (
    SCORE_TOLERANCE, CheckFinding, dec, finding, group_facts, group_keys, group_stem, groups, num,
    printed_totals, project_key, rate_agrees, score_sum, score_tables, weight_sum,
)
from schemas.check_terms import (
    GROUP_SCORE_SUFFIX, GROUP_WEIGHT_SUFFIXES, NARRATIVE_RATE_WORDS, NARRATIVE_SCORE_WORDS,
    NARRATIVE_WEIGHT_WORDS, NOT_MET_WORDS,
)
from schemas.records import ReportRec, ScoreRec
from schemas.text import compact
from schemas.values import NUM, ParsedValue, parse_target


def _alt(words: Sequence[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_N = NUM  # a printed number, thousands separators allowed
# ``决策类指标标准分为20分，实际得分19.97分，得分率99.85%`` (also ``…由…构成，…权重分20分…``)
CLASS_STATEMENT = re.compile(
    rf"(?P<label>[\u4e00-\u9fff]{{1,8}})类指标[^。；;]{{0,80}}?(?:{_alt(NARRATIVE_WEIGHT_WORDS)})(?:为|是)?"
    rf"(?P<weight>{_N})分[,，]?(?:{_alt(NARRATIVE_SCORE_WORDS)})(?:为|是)?(?P<score>{_N})分"
    rf"(?:[,，](?:{_alt(NARRATIVE_RATE_WORDS)})(?:为|是)?(?P<rate>{_N})%)?"
)
# ``3.时效指标(分值6分,得分4分)``
GROUP_STATEMENT = re.compile(
    rf"(?P<label>[\u4e00-\u9fff]{{2,10}}指标)[(（](?:{_alt(NARRATIVE_WEIGHT_WORDS)})(?:为)?(?P<weight>{_N})分"
    rf"[,，](?:{_alt(NARRATIVE_SCORE_WORDS)})(?:为)?(?P<score>{_N})分[)）]"
)


@dataclass(slots=True, frozen=True)
class Statement:
    """A group's weight, score and rate as the prose states them."""

    label: str
    weight: Decimal
    score: Decimal
    rate: Decimal | None
    rate_text: str | None


@dataclass(slots=True, frozen=True)
class TableValue:
    """A group's weight, score and rate as a table prints them (or its rows add up to)."""

    where: str
    weight: Decimal | None
    score: Decimal | None
    rate: Decimal | None


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text.replace(",", ""))


def statements(text: str, pattern: re.Pattern[str] = CLASS_STATEMENT) -> Iterator[Statement]:
    """Every group statement of ``text`` (whitespace from line wraps ignored)."""
    for m in pattern.finditer(compact(text)):
        rate = m.groupdict().get("rate")
        yield Statement(m.group("label"), _number(m.group("weight")), _number(m.group("score")),  # type: ignore[arg-type]
                        _number(rate), rate)


# --------------------------------------------------------------------------
# Prose vs tables


def narrative_table(rec: ReportRec) -> list[CheckFinding]:
    """Group scores and totals stated in the prose agree with the tables."""
    scored = {s.project for s in rec.scores}
    project = next(iter(scored)) if len(scored) == 1 else None
    out = []
    for pattern, level in ((CLASS_STATEMENT, 1), (GROUP_STATEMENT, 2)):
        known = _table_values(rec, level)
        for st in statements(rec.text or "", pattern):
            out += _check_statement(st, known, project)
    return out + _total_facts(rec)


def _table_values(rec: ReportRec, level: int) -> dict[str, list[TableValue]]:
    """Group key → the values tables give for it (summary facts, then row sums)."""
    out: dict[str, list[TableValue]] = {}
    if level == 1:
        for label, fact in group_facts(rec, None, (GROUP_SCORE_SUFFIX,)):
            weight = next((dec(f.value_num) for lab, f in group_facts(rec, None, GROUP_WEIGHT_SUFFIXES)
                           if lab == label), None)
            rate = next((dec(f.value_num) for f in rec.facts if compact(f.key) == f"{label}得分率"), None)
            for key in group_keys(label):
                out.setdefault(key, []).append(TableValue(f"汇总表「{label}」", weight, dec(fact.value_num), rate))
    for _, rows in score_tables(rec.scores):
        for members in groups(rows, level).values():
            name = members[0].level1 if level == 1 else members[0].level2
            value = TableValue(f"评分表「{name}」", weight_sum(members), score_sum(members), None)
            for key in group_keys(name):
                out.setdefault(key, []).append(value)
    return out


def _match_label(label: str, known: dict[str, list[TableValue]]) -> str | None:
    """The longest known group key the stated label ends with (``策情况项目决策`` → ``决策``)."""
    stem = group_stem(label)
    hits = [k for k in known if stem.endswith(k) or label.endswith(k)]
    return max(hits, key=len) if hits else None


def _agrees(st: Statement, value: TableValue) -> bool:
    same = [(st.weight, value.weight), (st.score, value.score)]
    if any(b is not None and abs(a - b) > SCORE_TOLERANCE for a, b in same):
        return False
    rate = value.rate
    if rate is None and value.score is not None and value.weight:
        rate = value.score * 100 / value.weight
    if st.rate is None or rate is None:
        return True
    places = len(st.rate_text.split(".")[1]) if st.rate_text and "." in st.rate_text else 0
    return rate_agrees(st.rate, rate, places) or abs(st.rate - rate) <= SCORE_TOLERANCE


def _check_statement(st: Statement, known: dict[str, list[TableValue]],
                     project: str | None) -> list[CheckFinding]:
    key = _match_label(st.label, known)
    if key is None or any(_agrees(st, v) for v in known[key]):
        return []
    label = key + "类" if st.label.endswith(key) and "类" not in key else st.label
    table = known[key][0]
    said = f"分值 {num(st.weight)} 分、实际得分 {num(st.score)} 分"
    said += f"、得分率 {num(st.rate)}%" if st.rate is not None else ""
    shown = f"分值 {num(table.weight)} 分、得分 {num(table.score)} 分" if table.weight is not None \
        else f"得分 {num(table.score)} 分"
    shown += f"、得分率 {num(table.rate)}%" if table.rate is not None else ""
    message = f"正文称「{label}」{said}，而{table.where}为{shown}"
    return [finding("narrative_table", message, expected=table.score, actual=st.score, project=project)]


def _total_facts(rec: ReportRec) -> list[CheckFinding]:
    """A total score printed twice (prose and table) is the same number."""
    if rec.total_score is None:
        return []
    total = dec(rec.total_score)
    out = []
    for label, value, page in printed_totals(rec, None):
        if label != "总分" and abs(value - total) > SCORE_TOLERANCE:  # type: ignore[operator]
            message = f"「{label}」印为 {num(value)}，而报告总分为 {num(total)}"
            out.append(finding("narrative_table", message, expected=total, actual=value, page=page,
                               project=rec.project_name))
    return out


# --------------------------------------------------------------------------
# Indicators short of their targets


def falls_short(target: ParsedValue, actual: ParsedValue) -> bool:
    """Whether an exact actual value misses a numeric target of the same unit."""
    if target.value is None or actual.value is None or actual.op not in (None, "="):
        return False
    if (target.unit or None) != (actual.unit or None):
        return False
    low, high, got = target.value, target.high, actual.value
    misses = {
        ">=": got < low, "=": got < low, ">": got <= low, "<=": got > low, "<": got >= low,
        "range": high is not None and not low <= got <= high,
    }
    return misses.get(target.op or "", False)


def not_met(actual_text: str | None) -> bool:
    text = compact(actual_text)
    return any(word in text for word in NOT_MET_WORDS)


def indicator_shortfall(rec: ReportRec) -> list[CheckFinding]:
    """Warn where an indicator's actual value falls short of its target."""
    out: list[CheckFinding] = []
    seen: set[tuple[str, str]] = set()
    for ind in rec.indicators:
        target = ParsedValue(ind.target_op, ind.target_value, ind.target_high, ind.target_unit)
        actual = parse_target(ind.actual) if ind.actual else ParsedValue("=", ind.actual_value, None, ind.actual_unit)
        if ind.actual_value is not None and actual.value is not None:
            actual = ParsedValue(actual.op, ind.actual_value, None, ind.actual_unit)
        out += _shortfall(ind.project, ind.name, ind.target, ind.actual, target, actual, ind.page, seen)
    for row in rec.scores:
        out += _score_shortfall(row, seen)
    return out


def _score_shortfall(row: ScoreRec, seen: set[tuple[str, str]]) -> list[CheckFinding]:
    if not row.actual:
        return []
    return _shortfall(row.project, row.name, row.target, row.actual, parse_target(row.target),
                      parse_target(row.actual), row.page, seen)


def _shortfall(project: str | None, name: str, target_text: str | None, actual_text: str | None,
               target: ParsedValue, actual: ParsedValue, page: int | None,
               seen: set[tuple[str, str]]) -> list[CheckFinding]:
    key = (project_key(project), compact(name))
    if key in seen or not (not_met(actual_text) or falls_short(target, actual)):
        return []
    seen.add(key)
    shown_actual = actual_text if actual_text else num(actual.value)
    message = f"指标「{name}」未达到目标：目标 {target_text or '—'}，实际完成 {shown_actual}"
    return [finding("indicator_shortfall", message, expected=target_text, actual=shown_actual,
                    page=page, project=project, severity="warning")]
