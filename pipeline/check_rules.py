"""Consistency rules over one report's records: findings, shared helpers, score rules.

Every rule is a pure function ``ReportRec -> list[CheckFinding]`` (see
``pipeline.checks.RULES``). Findings name their project by name; the caller
fills in report and project ids. Numbers are compared as exact decimals;
scores (stored as floats) go through their shortest repr first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence

from schemas.check_terms import (
    GRADE_KEY_ENDINGS, GROUP_NAME_PREFIXES, GROUP_NAME_SUFFIXES, GROUP_SCORE_SUFFIX,
    GROUP_WEIGHT_SUFFIXES, TOTAL_SCORE_KEYS,
)
from schemas.db import decimal_text
from schemas.records import FactRec, ReportRec, ScoreRec
from schemas.text import compact
from schemas.vocab import (
    GRADE_SYNONYMS, GRADES, GRADES_FOUR, canonical_level1, canonical_level2, grade_for_score, grade_matches,
)

SCORE_TOLERANCE = Decimal("0.005")
GRADE_BANDS = "90–100 优秀、80–89 良好、70–79 中等、60–69 及格、60 以下 不及格"
_DECIMALS = re.compile(r"\d+(?:\.(\d+))?")


@dataclass(slots=True, frozen=True)
class CheckFinding:
    """One inconsistency: which report/project, which rule, the numbers."""

    report_id: int | None
    project_id: int | None
    rule: str
    severity: str  # 'error' | 'warning'
    message: str
    expected: str | None = None
    actual: str | None = None
    page: int | None = None
    project: str | None = None  # project name, as the rule saw it


def finding(rule: str, message: str, *, expected: object = None, actual: object = None,
            page: int | None = None, project: str | None = None,
            severity: str = "error") -> CheckFinding:
    """A finding without ids (filled in by ``pipeline.checks``)."""
    return CheckFinding(report_id=None, project_id=None, rule=rule, severity=severity,
                        message=message, expected=_text(expected), actual=_text(actual),
                        page=page, project=project)


# --------------------------------------------------------------------------
# Numbers


def dec(value: object) -> Decimal | None:
    """``value`` as an exact Decimal (floats via their shortest repr); None stays None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def num(value: Decimal | float | int | None) -> str:
    """Exact text of a number without trailing zeros (``87.50`` → ``87.5``)."""
    return "" if value is None else decimal_text(dec(value))  # type: ignore[arg-type]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (Decimal, float, int)) and not isinstance(value, bool):
        return num(value)
    return str(value)


def total(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


def sum_text(values: Sequence[Decimal], limit: int = 8) -> str:
    """``105.3707 + 2868.5739 = 2973.9446`` (at most ``limit`` addends shown)."""
    shown = " + ".join(num(v) for v in values[:limit])
    more = " + …" if len(values) > limit else ""
    return f"{shown}{more} = {num(total(values))}"


def decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def amount_tolerance(values: Iterable[Decimal]) -> Decimal:
    """Half a unit of the least precise printed fraction (exact when all are whole)."""
    places = [decimals(v) for v in values if decimals(v) > 0]
    return Decimal(1).scaleb(-min(places)) / 2 if places else Decimal("0.5")


def printed_decimals(text: str | None, value: Decimal) -> int:
    """Decimals as printed (``100.00%`` → 2); from the value when no text."""
    match = _DECIMALS.search(compact(text).replace(",", "")) if text else None
    if match is None:
        return decimals(value)
    return len(match.group(1) or "")


def rate_agrees(printed: Decimal, ratio: Decimal, places: int) -> bool:
    """Whether a printed rate is the ratio rounded (or cut) to ``places`` decimals."""
    unit = Decimal(1).scaleb(-places)
    rounded = ratio.quantize(unit, rounding=ROUND_HALF_UP)
    cut = ratio.quantize(unit, rounding=ROUND_DOWN)
    return printed.quantize(unit) in (rounded, cut)


def percent(numerator: Decimal, denominator: Decimal) -> Decimal:
    return numerator * 100 / denominator


def round_to(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------
# Labels and groups


def project_key(name: str | None) -> str:
    return compact(name)


def group_stem(label: str | None) -> str:
    """``项目决策`` / ``决策类`` / ``决策类指标`` → ``决策``; ``产出数量`` stays."""
    stem = compact(label)
    for suffix in GROUP_NAME_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    for prefix in GROUP_NAME_PREFIXES:
        if stem.startswith(prefix) and len(stem) > len(prefix):
            stem = stem[len(prefix):]
    return stem


def group_keys(label: str | None) -> set[str]:
    """Forms a group label is matched by: its stem and its canonical level name's stem."""
    keys = {group_stem(label)}
    for canonical in (canonical_level1(label), canonical_level2(label)):
        if canonical:
            keys.add(group_stem(canonical))
    keys.discard("")
    return keys


def same_project(fact_project: str | None, project: str | None) -> bool:
    """A fact applies to ``project`` (None: to any) when it names it or no project."""
    return fact_project is None or project is None or project_key(fact_project) == project_key(project)


def numeric_facts(rec: ReportRec) -> list[FactRec]:
    return [f for f in rec.facts if f.value_num is not None]


def group_facts(rec: ReportRec, project: str | None, suffixes: tuple[str, ...]) -> list[tuple[str, FactRec]]:
    """(group label, fact) for facts keyed ``<group><suffix>``, totals excluded."""
    out: list[tuple[str, FactRec]] = []
    for fact in numeric_facts(rec):
        key = compact(fact.key)
        if key in TOTAL_SCORE_KEYS or not same_project(fact.project, project):
            continue
        for suffix in suffixes:
            if key.endswith(suffix) and len(key) > len(suffix) and not key.endswith("率"):
                out.append((key[: -len(suffix)], fact))
                break
    return out


# --------------------------------------------------------------------------
# Score tables


def score_tables(scores: Sequence[ScoreRec]) -> list[tuple[str | None, list[ScoreRec]]]:
    """Score rows split per project, then into tables: a report may print its score table
    twice, so the first row's name again, or a level1 group seen before, starts a new one."""
    tables: list[tuple[str | None, list[ScoreRec]]] = []
    current: dict[str, list[ScoreRec]] = {}
    for row in scores:
        rows = current.get(project_key(row.project), [])
        if rows and _restarts(rows, row):
            rows = []
        if not rows:
            tables.append((row.project, rows))
        rows.append(row)
        current[project_key(row.project)] = rows
    return tables


def _restarts(rows: list[ScoreRec], row: ScoreRec) -> bool:
    keys = group_keys(row.level1)
    if compact(row.name) == compact(rows[0].name) and (not keys or keys & group_keys(rows[0].level1)):
        return True
    if not keys or keys & group_keys(rows[-1].level1):
        return False
    return any(keys & group_keys(r.level1) for r in rows)  # a group left earlier comes back


def groups(rows: Sequence[ScoreRec], level: int) -> dict[tuple[str, ...], list[ScoreRec]]:
    """Rows by level1 (``level=1``) or by (level1, level2) (``level=2``), in order."""
    out: dict[tuple[str, ...], list[ScoreRec]] = {}
    for row in rows:
        key = (compact(row.level1),) if level == 1 else (compact(row.level1), compact(row.level2))
        out.setdefault(key, []).append(row)
    return out


def score_sum(rows: Sequence[ScoreRec]) -> Decimal | None:
    values = [dec(r.score) for r in rows]
    return None if any(v is None for v in values) else total(v for v in values if v is not None)


def weight_sum(rows: Sequence[ScoreRec]) -> Decimal | None:
    values = [dec(r.weight) for r in rows]
    return None if any(v is None for v in values) else total(v for v in values if v is not None)


def first_page(rows: Sequence[ScoreRec]) -> int | None:
    return next((r.page for r in rows if r.page is not None), None)


def printed_totals(rec: ReportRec, project: str | None) -> list[tuple[str, Decimal, int | None]]:
    """(label, value, page) of every printed total score for ``project``, distinct values."""
    scored = {project_key(r.project) for r in rec.scores}
    out: list[tuple[str, Decimal, int | None]] = []
    if rec.total_score is not None and len(scored) <= 1:
        out.append(("总分", dec(rec.total_score), rec.page_start))  # type: ignore[arg-type]
    for fact in numeric_facts(rec):
        if compact(fact.key) in TOTAL_SCORE_KEYS and same_project(fact.project, project):
            out.append((compact(fact.key), dec(fact.value_num), fact.page))  # type: ignore[arg-type]
    distinct: dict[Decimal, tuple[str, Decimal, int | None]] = {}
    for item in out:
        distinct.setdefault(item[1], item)
    return list(distinct.values())


# --------------------------------------------------------------------------
# Rules: scores, weights, grades


def score_total(rec: ReportRec) -> list[CheckFinding]:
    """Score rows add up to the printed total and to each group's printed score."""
    out: list[CheckFinding] = []
    for project, rows in score_tables(rec.scores):
        out += _table_total(rec, project, rows)
        out += _group_scores(rec, project, rows)
    return out


def _table_total(rec: ReportRec, project: str | None, rows: list[ScoreRec]) -> list[CheckFinding]:
    found = score_sum(rows)
    if found is None:
        return []
    out = []
    for label, printed, page in printed_totals(rec, project):
        if abs(found - printed) > SCORE_TOLERANCE:
            message = (f"评分表得分各行相加为 {num(found)}，而合计（{label}）印为 {num(printed)}"
                       f"（差 {num(printed - found)}）")
            out.append(finding("score_total", message, expected=printed, actual=found,
                               page=page or first_page(rows), project=project))
    return out


def _group_scores(rec: ReportRec, project: str | None, rows: list[ScoreRec]) -> list[CheckFinding]:
    out = []
    by_level1 = groups(rows, 1)
    for label, fact in group_facts(rec, project, (GROUP_SCORE_SUFFIX,)):
        keys = group_keys(label)
        for key, members in by_level1.items():
            found = score_sum(members)
            if found is None or not keys & group_keys(key[0]):
                continue
            printed = dec(fact.value_num)
            if abs(found - printed) > SCORE_TOLERANCE:  # type: ignore[operator]
                message = (f"「{label}」得分：评分表「{members[0].level1}」各行相加为 {num(found)}，"
                           f"汇总印为 {num(printed)}")
                out.append(finding("score_total", message, expected=printed, actual=found,
                                   page=fact.page, project=project))
    return out


def weight_total(rec: ReportRec) -> list[CheckFinding]:
    """Weights add up to their level2 and level1 group's weight, and to 100."""
    out: list[CheckFinding] = []
    for project, rows in score_tables(rec.scores):
        for level, field in ((2, "level2_weight"), (1, "level1_weight")):
            for members in groups(rows, level).values():
                out += _group_weight(members, field, project)
        out += _weights_to_100(rec, project, rows)
        out += _group_weight_facts(rec, project, rows)
    return out


def _group_weight(members: list[ScoreRec], field: str, project: str | None) -> list[CheckFinding]:
    printed = dec(getattr(members[0], field))
    found = weight_sum(members)
    if printed is None or found is None or abs(found - printed) <= SCORE_TOLERANCE:
        return []
    group = members[0].level2 if field == "level2_weight" else members[0].level1
    kind = "二级指标" if field == "level2_weight" else "一级指标"
    message = (f"权重：{kind}「{group}」下各指标权重相加为 {num(found)}，而{kind}权重印为 {num(printed)}"
               f"（差 {num(printed - found)}）")
    return [finding("weight_total", message, expected=printed, actual=found,
                    page=first_page(members), project=project)]


def _weights_to_100(rec: ReportRec, project: str | None, rows: list[ScoreRec]) -> list[CheckFinding]:
    level1 = [dec(m[0].level1_weight) for m in groups(rows, 1).values()]
    if level1 and all(w is not None for w in level1):
        found, what = total(w for w in level1 if w is not None), "各一级指标权重"
    elif rec.total_score is not None and weight_sum(rows) is not None:
        found, what = weight_sum(rows), "各指标权重"
    else:
        return []
    if abs(found - 100) <= SCORE_TOLERANCE:  # type: ignore[operator]
        return []
    message = f"权重：{what}相加为 {num(found)}，不等于 100"
    return [finding("weight_total", message, expected=100, actual=found, page=first_page(rows),
                    project=project)]


def _group_weight_facts(rec: ReportRec, project: str | None, rows: list[ScoreRec]) -> list[CheckFinding]:
    out = []
    by_level1 = groups(rows, 1)
    for label, fact in group_facts(rec, project, GROUP_WEIGHT_SUFFIXES):
        for key, members in by_level1.items():
            found = weight_sum(members)
            if found is None or not group_keys(label) & group_keys(key[0]):
                continue
            printed = dec(fact.value_num)
            if abs(found - printed) > SCORE_TOLERANCE:  # type: ignore[operator]
                message = (f"「{label}」权重：评分表「{members[0].level1}」各指标权重相加为 {num(found)}，"
                           f"汇总印为 {num(printed)}")
                out.append(finding("weight_total", message, expected=printed, actual=found,
                                   page=fact.page, project=project))
    return out


def known_grade(text: str | None) -> bool:
    """Whether ``text`` is a grade word (not a sentence describing the scale)."""
    words = {g for _, g in GRADES} | {g for _, g in GRADES_FOUR} | set(GRADE_SYNONYMS)
    return compact(text).strip("\"“”'") in words


def grade_band(rec: ReportRec) -> list[CheckFinding]:
    """The printed grade (report and 等次/等级 facts) matches the total score's band."""
    if rec.total_score is None:
        return []
    score = dec(rec.total_score)
    grades = [(rec.grade, rec.page_start)] if known_grade(rec.grade) else []
    for fact in rec.facts:
        if compact(fact.key).endswith(GRADE_KEY_ENDINGS) and known_grade(fact.value) and fact.value != rec.grade:
            grades.append((fact.value, fact.page))
    out = []
    for grade, page in grades:
        if not grade_matches(grade, score):
            should = grade_for_score(score)  # type: ignore[arg-type]
            message = f"等级「{grade}」与总分 {num(score)} 不符：按 {GRADE_BANDS}，应为「{should}」"
            out.append(finding("grade_band", message, expected=should, actual=grade, page=page,
                               project=rec.project_name))
    return out


def table_agreement(rec: ReportRec) -> list[CheckFinding]:
    """An indicator printed in two score tables has the same weight and score in both."""
    out: list[CheckFinding] = []
    seen: dict[tuple[str, str], ScoreRec] = {}
    for project, rows in score_tables(rec.scores):
        for row in rows:
            key = (project_key(project), compact(row.name))
            first = seen.setdefault(key, row)
            if first is not row:
                out += _agree(first, row, project)
    return out


def _agree(first: ScoreRec, other: ScoreRec, project: str | None) -> list[CheckFinding]:
    parts, expected, actual = [], [], []
    for field, label in (("weight", "权重"), ("score", "得分")):
        a, b = dec(getattr(first, field)), dec(getattr(other, field))
        if a is None or b is None or abs(a - b) <= SCORE_TOLERANCE:
            continue
        parts.append(f"{label}第 {first.page} 页为 {num(a)}、第 {other.page} 页为 {num(b)}")
        expected.append(f"{label} {num(a)}")
        actual.append(f"{label} {num(b)}")
    if not parts:
        return []
    message = f"「{first.name}」在两张评分表中不一致：" + "；".join(parts)
    return [finding("table_agreement", message, expected="；".join(expected), actual="；".join(actual),
                    page=other.page, project=project)]
